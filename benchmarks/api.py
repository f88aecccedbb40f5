"""API latency under a bounded load, on the bundled real figures plus SYNTHETIC observations.

Builds a DuckDB store with the bundled data and N synthetic observations (seeded, labelled
synthetic in every row, from benchmarks/synthetic.py), serves it with `servtrade serve` in
its own process, and runs C concurrent clients for S seconds against the indicators and
progress endpoints. Prints p50/p99 latency and requests/s per endpoint, and beside them the
same computation called directly in Python in the same run (the baseline), with the ratio.

Usage: python -m benchmarks.api [--rows 1000000] [--clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.synthetic import write_synthetic_csv
from servtrade.data import bundled_file
from servtrade.indicators import IndicatorRequest, compute_indicators
from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.plans import find_plan
from servtrade.plans.progress import track_plan
from servtrade.store import Store

PLAN = "china-digital-trade-opinions-2024"
ENDPOINTS = {
    "indicators CN yoy_growth": "/api/indicators?region=CN&indicator=yoy_growth",
    "indicators CN-AH value (synthetic)": "/api/indicators?region=CN-AH&indicator=value",
    "progress national plan": f"/api/plans/{PLAN}/progress",
}


def build_store(folder: Path, rows: int) -> Path:
    path = folder / "bench.duckdb"
    csv_path = write_synthetic_csv(folder / "synthetic.csv", rows)
    with Store(path) as store:
        for file in (bundled_file(), csv_path):
            report = ingest_file(store, file, IngestOptions(read=ReadOptions(max_bytes=1 << 34)))
            assert report.status == "loaded", report.errors[:3]
        print(f"store: {store.count_observations():,} observations ({rows:,} SYNTHETIC)")
    return path


def direct_baselines(db: Path, repeat: int = 20) -> dict[str, float]:
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


async def _client(
    port: int, deadline: float, results: dict[str, list[float]], errors: list[int], offset: int
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
            results[name].append(elapsed)
    finally:
        writer.close()


async def load(port: int, clients: int, seconds: float) -> tuple[dict[str, list[float]], list[int]]:
    results: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_client(port, deadline, results, errors, i) for i in range(clients)))
    return results, errors


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--cache", type=int, default=256, help="the server's response cache (0: off)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = build_store(Path(tmp), arguments.rows)
        baselines = direct_baselines(db)
        server = subprocess.Popen(
            [
                *(sys.executable, "-c", "from servtrade.cli import main; main()", "serve"),
                *("--db", str(db), "--port", str(arguments.port), "--write-rate", "1/second"),
                *("--cache", str(arguments.cache)),
            ]
        )
        base = f"http://127.0.0.1:{arguments.port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/api/plans", timeout=60).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for path in ENDPOINTS.values():  # warm the server's first calls
                httpx.get(base + path, timeout=120)
            results, errors = asyncio.run(
                load(arguments.port, arguments.clients, arguments.seconds)
            )
        finally:
            server.kill()
            server.wait()
    total = sum(len(v) for v in results.values())
    print(
        f"response cache {'off' if arguments.cache == 0 else arguments.cache}; "
        f"{arguments.clients} clients for {arguments.seconds:.0f} s on 127.0.0.1: "
        f"{total:,} requests, {total / arguments.seconds:,.1f} req/s, {len(errors)} errors"
    )
    print(
        f"{'endpoint':38} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'direct ms':>10} {'p50/direct':>10}"
    )
    for name, latencies in results.items():
        p50 = _percentile(latencies, 0.50) * 1000
        p99 = _percentile(latencies, 0.99) * 1000
        direct = baselines[name] * 1000
        print(
            f"{name:38} {len(latencies):>6} {p50:>8.1f} {p99:>8.1f} {direct:>10.1f} "
            f"{p50 / direct:>10.1f}"
        )


if __name__ == "__main__":
    main()
