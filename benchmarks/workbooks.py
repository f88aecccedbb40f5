"""Reading a 50,000-row workbook: servtrade's reader (python-calamine, every cell as text
with its sheet row, the one sheet with data found) on .xlsx and .xls, against openpyxl's
read-only mode iterating the same .xlsx's values, the usual way to read a large workbook in
Python. All run in this process, on this machine, now.

The rows are `benchmarks/synthetic.py`'s SYNTHETIC canonical rows (random values, every
row's `source` says synthetic), written to both formats here.

Run: .venv/bin/python -m benchmarks.workbooks [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import xlwt  # type: ignore[import-untyped]

from benchmarks.synthetic import write_synthetic_csv
from servtrade.ingest.options import ReadOptions
from servtrade.ingest.readers import read_rows


def _rows(rows: int, folder: Path) -> list[list[str]]:
    path = write_synthetic_csv(folder / "synthetic.csv", rows)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_xlsx(table: list[list[str]], path: Path) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("SYNTHETIC")
    for row in table:
        sheet.append(row)
    book.save(path)
    return path


def write_xls(table: list[list[str]], path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("SYNTHETIC")
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def servtrade_read(path: Path) -> int:
    return len(read_rows(path, ReadOptions()))


def openpyxl_read_only(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.active
        assert sheet is not None
        rows = sum(1 for _ in sheet.iter_rows(values_only=True))
    finally:
        book.close()
    return rows - 1  # without the header


def timed(read: Callable[[Path], int], path: Path, repeat: int, rows: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        found = read(path)
        seconds.append(time.perf_counter() - start)
        if found != rows:
            raise RuntimeError(f"{read.__name__} read {found} rows of {rows}")
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        table = _rows(arguments.rows, folder)
        xlsx = write_xlsx(table, folder / "synthetic.xlsx")
        xls = write_xls(table, folder / "synthetic.xls")
        baseline = timed(openpyxl_read_only, xlsx, arguments.repeat, arguments.rows)
        results = [
            ("servtrade `read_rows` (python-calamine), .xlsx", xlsx),
            ("servtrade `read_rows` (python-calamine), .xls", xls),
        ]
        print(f"machine: {platform.machine()}, Python {platform.python_version()}")
        print(f"{arguments.rows:,} rows, median of {arguments.repeat} runs")
        print("| reader | file | time | rows/s | ratio to openpyxl |")
        print("|---|---:|---:|---:|---:|")
        for label, path in results:
            seconds = timed(servtrade_read, path, arguments.repeat, arguments.rows)
            size = path.stat().st_size / 1e6
            print(
                f"| {label} | {size:.1f} MB | {seconds:.2f} s | {arguments.rows / seconds:,.0f} "
                f"| {seconds / baseline:.2f}× |"
            )
        size = xlsx.stat().st_size / 1e6
        print(
            f"| baseline: openpyxl `read_only=True`, values of every row, .xlsx | {size:.1f} MB "
            f"| {baseline:.2f} s | {arguments.rows / baseline:,.0f} | 1.00× |"
        )


if __name__ == "__main__":
    main()
