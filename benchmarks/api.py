"""API latency under a bounded load, on the bundled real figures plus SYNTHETIC observations.

Builds a store (a DuckDB file, or with --db an empty PostgreSQL database) with the bundled
data and N synthetic observations (seeded, labelled synthetic in every row, from
benchmarks/synthetic.py), serves it with `servtrade serve` (--workers W) in its own
process, and runs C concurrent clients for S seconds against the indicators and progress
endpoints. Prints p50/p99 latency and requests/s per endpoint, and beside them the same
computation called directly in Python in the same run (the baseline), with the ratio.
With --upload-rows, the same load again while an upload of that many SYNTHETIC rows is
validated and stored (p99 of the reads sent meanwhile); with --uploaders, that many
uploads at once, and the rows stored against the rows sent.

Usage: python -m benchmarks.api [--rows 1000000] [--clients 50] [--seconds 30]
       [--db postgresql://... --workers 2] [--upload-rows 100000] [--uploaders 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.synthetic import write_synthetic_csv
from servtrade.access import add_user
from servtrade.data import bundled_file
from servtrade.indicators import IndicatorRequest, compute_indicators
from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.plans import find_plan
from servtrade.plans.progress import track_plan
from servtrade.store import Store, StoreLocation

PLAN = "china-digital-trade-opinions-2024"
ENDPOINTS = {
    "indicators CN yoy_growth": "/api/indicators?region=CN&indicator=yoy_growth",
    "indicators CN-AH value (synthetic)": "/api/indicators?region=CN-AH&indicator=value",
    "progress national plan": f"/api/plans/{PLAN}/progress",
}


def build_store(location: StoreLocation, folder: Path, rows: int) -> str:
    """The store filled, and the token of an admin who uploads to it."""
    csv_path = write_synthetic_csv(folder / "synthetic.csv", rows)
    with Store(location) as store:
        for file in (bundled_file(), csv_path):
            report = ingest_file(store, file, IngestOptions(read=ReadOptions(max_bytes=1 << 34)))
            assert report.status == "loaded", report.errors[:3]
        print(f"store: {store.count_observations():,} observations ({rows:,} SYNTHETIC)")
        return add_user(store, "benchmark", "admin", [])


def direct_baselines(db: StoreLocation, repeat: int = 20) -> dict[str, float]:
    """Median seconds of each endpoint's computation called in Python, no HTTP."""
    with Store(db, read_only=True) as store:
        plan = find_plan(store, PLAN)
        calls: dict[str, Callable[[], object]] = {
            "indicators CN yoy_growth": lambda: compute_indicators(
                store, IndicatorRequest(region="CN", indicators=["yoy_growth"])
            ),
            "indicators CN-AH value (synthetic)": lambda: compute_indicators(
                store, IndicatorRequest(region="CN-AH", indicators=["value"])
            ),
            "progress national plan": lambda: track_plan(store, plan),
        }
        medians = {}
        for name, call in calls.items():
            call()  # first call compiles and warms caches
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            medians[name] = statistics.median(times)
    return medians


Latencies = dict[str, list[tuple[float, float]]]  # endpoint: (sent at, seconds)


async def _client(
    port: int, deadline: float, results: Latencies, errors: list[int], offset: int
) -> None:
    """One keep-alive connection sending requests one after another. Plain HTTP/1.1 over
    asyncio streams: the load generator shares the two cores with the server, so it must
    cost little per request (a full client library costs more than the cached answers)."""
    names = list(ENDPOINTS)
    requests = {
        name: f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        for name, path in ENDPOINTS.items()
    }
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    turn = offset
    try:
        while time.perf_counter() < deadline:
            name = names[turn % len(names)]
            turn += 1
            start = time.perf_counter()
            writer.write(requests[name])
            status = int((await reader.readline()).split()[1])
            length = None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                header, _, value = line.partition(b":")
                if header.lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise RuntimeError("the server sent no Content-Length")
            await reader.readexactly(length)
            elapsed = time.perf_counter() - start
            if status != 200:
                errors.append(status)
            results[name].append((start, elapsed))
    finally:
        writer.close()


async def load(port: int, clients: int, seconds: float) -> tuple[Latencies, list[int]]:
    results: Latencies = {name: [] for name in ENDPOINTS}
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_client(port, deadline, results, errors, i) for i in range(clients)))
    return results, errors


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _upload(base: str, token: str, path: Path) -> tuple[int, float, float]:
    """(status, started, ended) of one upload."""
    started = time.perf_counter()
    with path.open("rb") as file:
        answer = httpx.post(
            f"{base}/api/uploads",
            files={"file": (path.name, file, "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=1200,
        )
    return answer.status_code, started, time.perf_counter()


def _report(
    title: str,
    results: Latencies,
    errors: list[int],
    seconds: float,
    baselines: dict[str, float],
    until: float | None = None,
) -> None:
    """p50/p99 per endpoint of the requests sent before `until` (all, without it)."""
    kept = {
        name: [elapsed for sent, elapsed in pairs if until is None or sent < until]
        for name, pairs in results.items()
    }
    total = sum(len(v) for v in kept.values())
    print(f"{title}: {total:,} requests, {total / seconds:,.1f} req/s, {len(errors)} errors")
    print(
        f"{'endpoint':38} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'direct ms':>10} {'p50/direct':>10}"
    )
    for name, latencies in kept.items():
        p50 = _percentile(latencies, 0.50) * 1000
        p99 = _percentile(latencies, 0.99) * 1000
        direct = baselines[name] * 1000
        print(
            f"{name:38} {len(latencies):>6} {p50:>8.1f} {p99:>8.1f} {direct:>10.1f} "
            f"{p50 / direct:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--cache", type=int, default=256, help="the server's response cache (0: off)"
    )
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a DuckDB file)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--upload-rows", type=int, default=0)
    parser.add_argument("--uploaders", type=int, default=0)
    parser.add_argument("--uploader-rows", type=int, default=5_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db: StoreLocation = arguments.db or folder / "bench.duckdb"
        token = build_store(db, folder, arguments.rows)
        with Store(db, read_only=True) as store:
            built = store.count_observations()
        baselines = direct_baselines(db)
        server = subprocess.Popen(
            [
                *(sys.executable, "-c", "from servtrade.cli import main; main()", "serve"),
                *("--db", str(db), "--port", str(arguments.port), "--write-rate", "600/minute"),
                *("--read-rate", "1000000/minute", "--cache", str(arguments.cache)),
                *("--workers", str(arguments.workers)),
            ]
        )
        base = f"http://127.0.0.1:{arguments.port}"
        setting = (
            f"{'PostgreSQL' if arguments.db else 'DuckDB'}, {arguments.workers} worker(s), "
            f"response cache {'off' if arguments.cache == 0 else arguments.cache}; "
            f"{arguments.clients} clients for {arguments.seconds:.0f} s on 127.0.0.1"
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/api/plans", timeout=60).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for _ in range(4 * arguments.workers):  # warm every worker's first calls
                for path in ENDPOINTS.values():
                    httpx.get(base + path, timeout=120)
            results, errors = asyncio.run(
                load(arguments.port, arguments.clients, arguments.seconds)
            )
            _report(setting, results, errors, arguments.seconds, baselines)
            skip = arguments.rows
            if arguments.upload_rows:
                upload = write_synthetic_csv(
                    folder / "upload.csv", arguments.upload_rows, skip=skip
                )
                skip += arguments.upload_rows
                done: list[tuple[int, float, float]] = []
                sender = threading.Thread(target=lambda: done.append(_upload(base, token, upload)))
                sender.start()
                results, errors = asyncio.run(
                    load(arguments.port, arguments.clients, arguments.seconds)
                )
                sender.join()
                status, started, ended = done[0]
                _report(
                    f"while an upload of {arguments.upload_rows:,} SYNTHETIC rows was checked "
                    f"and stored ({ended - started:.1f} s, HTTP {status}; reads sent before it "
                    "ended)",
                    results,
                    errors,
                    min(arguments.seconds, ended - started),
                    baselines,
                    until=ended,
                )
            if arguments.uploaders:
                files = [
                    write_synthetic_csv(
                        folder / f"uploader-{k}.csv",
                        arguments.uploader_rows,
                        skip=skip + k * arguments.uploader_rows,
                    )
                    for k in range(arguments.uploaders)
                ]
                answers: list[tuple[int, float, float]] = []
                senders = [
                    threading.Thread(target=lambda f=f: answers.append(_upload(base, token, f)))
                    for f in files
                ]
                for thread in senders:
                    thread.start()
                for thread in senders:
                    thread.join()
                longest = max(ended - started for _, started, ended in answers)
                print(
                    f"{arguments.uploaders} uploaders at once, {arguments.uploader_rows:,} "
                    f"SYNTHETIC rows each: HTTP {sorted(a[0] for a in answers)}, slowest "
                    f"{longest:.1f} s"
                )
        finally:
            server.terminate()
            server.wait()
        with Store(db, read_only=True) as store:
            stored = store.count_observations() - built
        sent = arguments.upload_rows + arguments.uploaders * arguments.uploader_rows
        print(f"uploads: rows sent {sent:,}, rows stored {stored:,}")


if __name__ == "__main__":
    main()
