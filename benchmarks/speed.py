"""Speed where people wait, in one run on this machine: a command's start-up, reports, a
large CSV's ingest and a workbook's, each against a baseline measured in the same run.

- start-up: `servtrade --help`, `categories` and `summary` (a store with the bundled real
  figures), each a new process, against `python -c pass`; runs interleaved, medians;
- reports: every bundled plan, in Chinese and English, PDF and Excel, from one store with
  the bundled figures (after one report has been made, as a server or a session would);
- ingest: the SYNTHETIC canonical CSV of `benchmarks/synthetic.py` through `ingest_file`,
  against DuckDB's `read_csv` + `INSERT` of the same file; the peak memory of a
  `servtrade ingest` process of the same file;
- workbook: `ingest_file` of an .xlsx of the same SYNTHETIC rows, against openpyxl's
  read-only load of that workbook alone.

Run: .venv/bin/python -m benchmarks.speed [--rows 1000000] [--workbook-rows 50000] [--runs 7]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.ingest_benchmark import duckdb_baseline, servtrade_load
from benchmarks.synthetic import write_synthetic_csv
from benchmarks.workbooks import openpyxl_read_only, write_xlsx
from servtrade.data import bundled_file
from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.plans import plan_catalog
from servtrade.report import render_report
from servtrade.store import Store

SERVTRADE = str(Path(sys.executable).with_name("servtrade"))


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def start_up(store: Path, runs: int) -> None:
    env = {**os.environ, "SERVTRADE_DB": str(store), "COLUMNS": "100"}
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "servtrade --help": [SERVTRADE, "--help"],
        "servtrade categories": [SERVTRADE, "categories"],
        "servtrade summary": [SERVTRADE, "summary"],
    }
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one warm-up each: files in the page cache
        _wall(command, env)
    for _ in range(runs):
        for name, command in commands.items():
            seconds[name].append(_wall(command, env))
    baseline = statistics.median(seconds["python -c pass"])
    print(f"\n## Start-up: median of {runs} runs, interleaved\n")
    print("| command | median wall | min | max | more than `python -c pass` |")
    print("|---|---:|---:|---:|---:|")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(
            f"| `{name}` | {median:.3f} s | {min(values):.3f} s | {max(values):.3f} s "
            f"| {median - baseline:+.3f} s |"
        )


def reports(store_path: Path) -> None:
    with Store(store_path) as store:
        plans = plan_catalog(store)
        start = time.perf_counter()
        first = next(iter(plans.values()))
        render_report(store, first, "pdf", "zh", None)
        warm_up = time.perf_counter() - start
        print("\n## Reports, from a store with the bundled figures\n")
        print(f"The first report of the process (imports, fonts): {warm_up:.2f} s.\n")
        print("| plan | language | PDF | Excel |")
        print("|---|---|---:|---:|")
        for plan in plans.values():
            for lang in ("zh", "en"):
                times = []
                for format_ in ("pdf", "xlsx"):
                    start = time.perf_counter()
                    render_report(store, plan, format_, lang, None)
                    times.append(time.perf_counter() - start)
                print(f"| {plan.id} | {lang} | {times[0]:.2f} s | {times[1]:.2f} s |")


def _peak_ingest_memory(csv_path: Path, folder: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one `servtrade ingest` process."""
    command = [
        SERVTRADE,
        "ingest",
        str(csv_path),
        "--db",
        str(folder / "peak.duckdb"),
        "--max-bytes",
        str(4 * 1024**3),
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"servtrade ingest failed: {status}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def _median(run: Callable[[], object], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def ingest(rows: int, folder: Path, repeat: int) -> None:
    csv_path = write_synthetic_csv(folder / "synthetic.csv", rows)
    size = csv_path.stat().st_size / 1e6
    counter = iter(range(10_000))
    ours = _median(
        lambda: servtrade_load(csv_path, folder / f"ours-{next(counter)}.duckdb"), repeat
    )
    baseline = _median(
        lambda: duckdb_baseline(csv_path, folder / f"plain-{next(counter)}.duckdb"), repeat
    )
    wall, peak = _peak_ingest_memory(csv_path, folder)
    print(f"\n## Ingest: {rows:,} SYNTHETIC canonical rows ({size:.1f} MB), median of {repeat}\n")
    print("| loader | time | rows/s |")
    print("|---|---:|---:|")
    print(f"| servtrade `ingest_file` | {ours:.2f} s | {rows / ours:,.0f} |")
    print(
        f"| baseline: `duckdb` `read_csv` + `INSERT` | {baseline:.2f} s | {rows / baseline:,.0f} |"
    )
    print(f"| **ratio** | **{ours / baseline:.2f}×** | |")
    print(f"\n`servtrade ingest` as a process: {wall:.2f} s, peak resident memory {peak:.0f} MiB.")


def workbook(rows: int, folder: Path, repeat: int) -> None:
    csv_path = write_synthetic_csv(folder / "workbook.csv", rows)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    xlsx = write_xlsx(table, folder / "synthetic.xlsx")
    counter = iter(range(10_000))

    def ours() -> None:
        with Store(folder / f"book-{next(counter)}.duckdb") as store:
            report = ingest_file(
                store, xlsx, IngestOptions(read=ReadOptions(max_bytes=4 * 1024**3))
            )
            if report.status != "loaded":
                raise RuntimeError(report.errors[:5])

    servtrade = _median(ours, repeat)
    baseline = _median(lambda: openpyxl_read_only(xlsx), repeat)
    print(f"\n## Workbook: {rows:,} SYNTHETIC rows in an .xlsx, median of {repeat}\n")
    print("| what | time |")
    print("|---|---:|")
    print(f"| servtrade `ingest_file` (read, validated, stored) | {servtrade:.2f} s |")
    print(f"| baseline: openpyxl `read_only=True`, every row's values | {baseline:.2f} s |")
    print(f"| **ratio** | **{servtrade / baseline:.2f}×** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workbook-rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = folder / "bundled.duckdb"
        with Store(store) as opened:
            ingest_file(opened, bundled_file())
        start_up(store, arguments.runs)
        reports(store)
        workbook(arguments.workbook_rows, folder, arguments.repeat)
        ingest(arguments.rows, folder, arguments.repeat)


if __name__ == "__main__":
    main()
