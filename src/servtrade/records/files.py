"""Records files as enterprises and offices send them: Parquet with exact types, or CSV
(UTF-8 or GB18030) and workbooks (.xlsx, .xls, .ods) of text, whose columns are parsed
here one by one.

Every engine reads Parquet, so a text file is turned into a typed Parquet file first. A
cell that does not parse (an amount that is not a number, a date that is not a date) is
not guessed: its row is quarantined with the column, the text found and the reason, as
the shared rules quarantine theirs. `row_no` counts records (1 is the first under the
header); `line` is where the record is in a text file (its line, or its sheet row).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servtrade.i18n import N_, _
from servtrade.ingest.options import ReadOptions
from servtrade.ingest.readers import LINE, WORKBOOKS, read_rows, sheet_read
from servtrade.ingest.report import FileRejectedError
from servtrade.records import RECORD_COLUMNS

TEXT_FILES = frozenset({".csv", ".txt", *WORKBOOKS})
ISSUE_COLUMNS = ("row_no", "column", "reason", "value", "line")
# 1,234.5 or 1234.5 or 1.2e6, in ASCII digits (a digit of another script is not a number
# here: it would be an amount no one can check by eye).
_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?", re.ASCII)
# 2025-01-15, 2025/1/15, 2025.1.15 or 2025年1月15日, with a time of day or not.
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?",
    re.ASCII,
)
# 2025-01, 2025/1, 2025.01 or 2025年1月: written as the rules expect, YYYY-MM.
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", re.ASCII)
SCHEMA = pa.schema(
    [
        pa.field(
            column,
            pa.float64()
            if column == "amount"
            else pa.timestamp("us")
            if column == "reported_at"
            else pa.string(),
        )
        for column in RECORD_COLUMNS
    ]
)


@dataclass
class RecordsFile:
    """A records file ready for the engines: `parquet` is the file itself, or the typed
    copy of a text file; `issues` the cells that did not parse (ISSUE_COLUMNS)."""

    source: Path
    parquet: Path
    issues: pd.DataFrame = field(default_factory=lambda: no_issues())
    lines: list[int] | None = None  # each record's line in a text file
    sheet: str | None = None  # the workbook's sheet, when chosen as the only one with data

    def line_of(self, row_no: int) -> int | None:
        return None if self.lines is None else self.lines[row_no - 1]


def no_issues() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_no": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="object"),
            "reason": pd.Series(dtype="object"),
            "value": pd.Series(dtype="object"),
            "line": pd.Series(dtype="Int64"),
        }
    )


def is_text_file(path: Path) -> bool:
    return path.suffix.lower() in TEXT_FILES


def amount_of(text: str) -> float | None:
    cell = text.strip()
    if not _AMOUNT.fullmatch(cell):
        return None
    return float(cell.replace(",", ""))


def timestamp_of(text: str) -> datetime | None:
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:  # 2025-02-30, 25:00
        return None


def month_of(text: str) -> str:
    """A month as YYYY-MM where it is written another way; else the text as found, for
    the rules to judge."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        return text.strip()
    return f"{match[1]}-{int(match[2]):02d}"


# The reason is stored as written here and translated where it is shown, as the rules'.
PARSERS = {
    "amount": (amount_of, N_("not a number (ASCII digits, an optional point)")),
    "reported_at": (
        timestamp_of,
        N_("not a date (2025-01-15, 2025/1/15 or 2025年1月15日, a time optional)"),
    ),
}


def _rows(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        frame = read_rows(path, ReadOptions(sheet=sheet))
    except FileRejectedError as error:
        raise ValueError(str(error)) from error
    frame.columns = [c if c == LINE else str(c).strip().lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            _("{file}: missing columns {columns}", file=path.name, columns=", ".join(missing))
        )
    return frame


def typed_records(
    path: Path, sheet: str | None = None
) -> tuple[pa.Table, pd.DataFrame, list[int], str | None]:
    """A text file's records with the engines' types, the cells that did not parse, each
    record's line, and the sheet read when it was chosen as the only one with data."""
    frame = _rows(path, sheet)
    lines = [int(line) for line in frame[LINE]]
    columns: dict[str, pa.Array] = {}
    issues: list[tuple[int, str, str, str, int]] = []
    for column in RECORD_COLUMNS:
        cells = frame[column].astype(str)
        if column in PARSERS:
            parse, reason = PARSERS[column]
            values = []
            for row_no, cell in enumerate(cells, start=1):
                value = parse(cell) if cell.strip() else None
                if value is None and cell.strip():
                    issues.append((row_no, column, reason, cell, lines[row_no - 1]))
                values.append(value)
            columns[column] = pa.array(values, type=SCHEMA.field(column).type)
        else:
            texts = [month_of(c) if column == "period" else c.strip() for c in cells]
            columns[column] = pa.array([t or None for t in texts], type=pa.string())
    found = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS)) if issues else no_issues()
    typed = pa.table(columns, schema=SCHEMA)
    return typed, found.astype({"line": "Int64"}), lines, sheet_read(frame)


@contextmanager
def records_file(
    path: Path, sheet: str | None = None, scratch: Path | None = None
) -> Iterator[RecordsFile]:
    """The file as the engines read it: Parquet as it is; a text file as a typed Parquet
    copy in `scratch` (a temporary directory by default), removed afterwards."""
    if not is_text_file(path):
        if sheet is not None:
            raise ValueError(_("{file}: --sheet is for workbooks", file=path.name))
        yield RecordsFile(path, path)
        return
    table, issues, lines, chosen = typed_records(path, sheet)
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="records-", dir=scratch) as folder:
        typed = Path(folder) / (path.stem + ".parquet")
        pq.write_table(table, typed)
        yield RecordsFile(path, typed, issues, lines, chosen)
