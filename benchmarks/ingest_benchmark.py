"""Ingest throughput of servtrade against plain DuckDB on the same SYNTHETIC file.

servtrade validates every cell (codes, units, periods, duplicates, store conflicts) and
writes in one transaction; the baseline is `duckdb.read_csv` + INSERT into a table of the
same shape with no validation. Both run in this process, on this machine, now.

Run: .venv/bin/python benchmarks/ingest_benchmark.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from benchmarks.synthetic import write_synthetic_csv
from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.store import Store


def servtrade_load(csv_path: Path, db_path: Path) -> int:
    with Store(db_path) as store:
        options = IngestOptions(read=ReadOptions(max_bytes=4 * 1024**3))
        report = ingest_file(store, csv_path, options)
        if report.status != "loaded":
            raise RuntimeError(report.errors[:5])
        return report.rows_loaded


def duckdb_baseline(csv_path: Path, db_path: Path) -> int:
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE observations (region VARCHAR, period VARCHAR, flow VARCHAR, "
        "category VARCHAR, partner VARCHAR, value DOUBLE, unit VARCHAR, source VARCHAR, "
        "vintage DATE)"
    )
    con.read_csv(str(csv_path)).insert_into("observations")
    row = con.execute("SELECT COUNT(*) FROM observations").fetchone()
    con.close()
    return int(row[0]) if row else 0


def timed(run: Callable[[Path, Path], int], csv_path: Path, folder: Path, repeat: int) -> float:
    seconds = []
    for attempt in range(repeat):
        db_path = folder / f"{run.__name__}-{attempt}.duckdb"
        start = time.perf_counter()
        run(csv_path, db_path)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = write_synthetic_csv(folder / "synthetic.csv", arguments.rows)
        size_mb = csv_path.stat().st_size / 1e6
        ours = timed(servtrade_load, csv_path, folder, arguments.repeat)
        baseline = timed(duckdb_baseline, csv_path, folder, arguments.repeat)
    rows = arguments.rows
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"SYNTHETIC canonical CSV: {rows:,} rows, {size_mb:.1f} MB; median of {arguments.repeat}")
    print(f"servtrade ingest (validated):     {ours:8.2f} s  {rows / ours:12,.0f} rows/s")
    print(f"duckdb.read_csv + INSERT (plain): {baseline:8.2f} s  {rows / baseline:12,.0f} rows/s")
    print(f"ratio servtrade / baseline time:  {ours / baseline:8.2f}x")


if __name__ == "__main__":
    main()
