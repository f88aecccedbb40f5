"""Read CSV and Excel releases into a table of text cells with their line numbers.

Nothing is interpreted here beyond the layout: every cell stays a string so that the
validator can quote it back exactly. Chinese government spreadsheets are often saved
in GB18030/GBK, so that encoding is accepted beside UTF-8.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from servtrade.classification import normalize_label
from servtrade.i18n import N_
from servtrade.ingest.report import FileRejectedError, RowIssue
from servtrade.periods import PeriodError, parse_period
from servtrade.sdmx import detect_format

LINE = "__line"
SHEET_READ = "servtrade_sheet_read"  # in a frame's attrs: see `sheet_read`
SOURCE_COLUMN = "__source_column"
REQUIRED_COLUMNS = ("region", "period", "flow", "category", "value", "unit")
OPTIONAL_COLUMNS = (
    *("partner", "mode", "yoy_growth", "source", "vintage", "note"),
    *("basis", "qualifier", "decimals"),
)
CANONICAL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}
# A workbook (a zip) is refused before it is parsed when it would unpack to more than
# MAX_UNPACKED_BYTES, or a member of over a mebibyte unpacks more than MAX_RATIO times its
# packed size: the signs of a decompression bomb (a 2 MiB file that expands to 2 GiB).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100
# The longest cell a table may have (a citation or note is far shorter).
MAX_CELL_CHARS = 65_536
# Matched only where a cell starts (the look-behind), so the scan is linear in the text.
_LONG_CELL = re.compile(rf"(?<![^,\n])[^,\n]{{{MAX_CELL_CHARS + 1}}}")

HEADER_ALIASES = {
    "地区": "region",
    "区域": "region",
    "期间": "period",
    "时间": "period",
    "流向": "flow",
    "类别": "category",
    "服务类别": "category",
    "伙伴": "partner",
    "贸易伙伴": "partner",
    "提供方式": "mode",
    "方式": "mode",
    "数值": "value",
    "金额": "value",
    "单位": "unit",
    "同比": "yoy_growth",
    "同比增长": "yoy_growth",
    "同比增长(%)": "yoy_growth",
    "来源": "source",
    "发布日期": "vintage",
    "备注": "note",
    "口径": "basis",
    "统计口径": "basis",
    "数据口径": "basis",
    "数值性质": "qualifier",
    "数据性质": "qualifier",
    "限定": "qualifier",
    "小数位数": "decimals",
    "精度": "decimals",
}


@dataclass
class ReadOptions:
    """How to read a file: its layout, constants for missing columns, limits."""

    wide: bool = False
    constants: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    format: str | None = None  # "table" or "sdmx"; None tells from the file's content
    structure: Path | None = None  # SDMX structure message (DSD, codelists)
    mapping: Path | None = None  # SDMX mapping file for a dataflow servtrade does not know


def is_sdmx(path: Path, options: ReadOptions) -> bool:
    """Whether to read the file as SDMX: as asked, else if its first bytes say so."""
    if options.format is not None:
        return options.format == "sdmx"
    if not path.is_file() or path.suffix.lower() in WORKBOOKS:
        return False
    with path.open("rb") as handle:
        return detect_format(handle.read(65536)) is not None


def check_file(path: Path, options: ReadOptions) -> None:
    """Reject a missing, empty or oversized file before reading it."""
    name = str(path)
    if not path.exists():
        raise FileRejectedError(RowIssue(name, None, None, N_("file does not exist")))
    size = path.stat().st_size
    if size == 0:
        raise FileRejectedError(RowIssue(name, None, None, N_("file is empty")))
    if size > options.max_bytes:
        raise FileRejectedError(
            RowIssue.of(
                name,
                None,
                None,
                N_(
                    "file is {size:,} bytes, over the limit of {limit:,} bytes; "
                    "split it or raise --max-bytes"
                ),
                size=size,
                limit=options.max_bytes,
            )
        )


def read_rows(path: Path, options: ReadOptions) -> pd.DataFrame:
    """A CSV file's or a workbook sheet's rows as strings under their own headers, with a
    `__line` column (the line or sheet row each came from)."""
    check_file(path, options)
    if path.suffix.lower() in WORKBOOKS:
        return _read_workbook(path, options.sheet)
    return _read_csv(path)


def sheet_read(frame: pd.DataFrame) -> str | None:
    """The sheet a workbook's rows came from when it was chosen as the only one with data
    among several (so that the reader can say which); None otherwise."""
    found = frame.attrs.get(SHEET_READ)
    return None if found is None else str(found)


def read_table(path: Path, options: ReadOptions) -> pd.DataFrame:
    """The file's rows as strings, in canonical column names, with a `__line` column."""
    name = str(path)
    rows = read_rows(path, options)
    frame = _canonical_headers(rows, name)
    if options.wide:
        frame = _melt_wide(frame, name)
    for column, constant in options.constants.items():
        if column in frame.columns:
            raise FileRejectedError(
                RowIssue.of(
                    name,
                    1,
                    column,
                    N_("column {column!r} is in the file and also set"),
                    column=column,
                )
            )
        frame[column] = constant
    unknown = [c for c in frame.columns if c not in (*CANONICAL_COLUMNS, LINE, SOURCE_COLUMN)]
    if unknown:
        raise FileRejectedError(
            RowIssue.of(
                name,
                1,
                ", ".join(map(str, unknown)),
                N_("unknown column(s) {columns}; expected {expected}"),
                columns=", ".join(map(str, unknown)),
                expected=", ".join(CANONICAL_COLUMNS),
            )
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise FileRejectedError(
            RowIssue.of(
                name,
                1,
                ", ".join(missing),
                N_("missing required column(s) {columns}; expected {expected}"),
                columns=", ".join(missing),
                expected=", ".join(CANONICAL_COLUMNS),
            )
        )
    if frame.empty:
        raise FileRejectedError(
            RowIssue(name, None, None, N_("file has a header but no data rows"))
        )
    frame.attrs[SHEET_READ] = sheet_read(rows)
    return frame


def decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw:
        raise FileRejectedError(
            RowIssue(name, None, None, N_("file contains NUL bytes: not a text file (UTF-16?)"))
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejectedError(
        RowIssue(
            name, None, None, N_("file is neither UTF-8 nor GB18030/GBK text; re-save it as UTF-8")
        )
    )


def _read_csv(path: Path) -> pd.DataFrame:
    name = str(path)
    raw = path.read_bytes()
    text = decode(raw, name)
    if not text.strip():
        raise FileRejectedError(RowIssue(name, None, None, N_("file is empty")))
    data = text.encode("utf-8")  # GB18030 and BOM-prefixed files reach the parser as UTF-8
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])))
    except csv.Error as error:  # e.g. a bare carriage return inside the header
        raise FileRejectedError(
            RowIssue.of(name, 1, None, N_("malformed CSV: {error}"), error=str(error))
        ) from error
    width = len(header)
    _check_cell_lengths(text, data, header, name)
    frame = _parse_csv(data, header, name)
    if frame.shape[1] != width:
        raise FileRejectedError(RowIssue(name, 1, None, N_("malformed CSV header")))
    frame[LINE] = _csv_lines(text, len(frame))
    return frame


def _check_cell_lengths(text: str, data: bytes, header: list[str], name: str) -> None:
    """Refuse a cell longer than MAX_CELL_CHARS, with its line and column, before parsing
    (a source or note is never that long; such a cell is a broken or hostile file)."""
    octets = np.frombuffer(data, dtype=np.uint8)  # a line's bytes are at least its characters
    ends = np.concatenate(([-1], np.flatnonzero(octets == ord("\n")), [len(octets)]))
    if int(np.diff(ends).max()) <= MAX_CELL_CHARS:  # no line, so no cell, is that long
        return
    lines = text.split("\n")
    long_lines = (i for i, t in enumerate(lines) if len(t) > MAX_CELL_CHARS)
    found = next(
        ((i, m) for i in long_lines if (m := _LONG_CELL.search(lines[i])) is not None), None
    )
    if found is None:
        return
    line, match = found[0] + 1, found[1]
    index = lines[found[0]].count(",", 0, match.start())
    column = header[index] if index < len(header) else None
    raise FileRejectedError(
        RowIssue.of(
            name,
            line,
            column,
            N_("a cell is over {limit:,} characters long"),
            limit=MAX_CELL_CHARS,
        )
    )


def _parse_csv(data: bytes, header: list[str], name: str) -> pd.DataFrame:
    """Arrow's CSV reader, every column as text; quoted line breaks on a second pass."""
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    error: Exception | None = None
    for newlines_in_values in (False, True):
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values),
                convert_options=convert,
            )
            frame: pd.DataFrame = table.to_pandas()
            return frame
        except pa.ArrowInvalid as failure:
            error = failure
    raise FileRejectedError(
        RowIssue.of(name, None, None, N_("malformed CSV: {error}"), error=str(error))
    )


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def _csv_lines(text: str, rows: int) -> list[int]:
    """Physical line of each data row, so reports point where an editor shows it."""
    breaks = text.count("\n") + (0 if text.endswith("\n") else 1)
    blank = _BLANK_LINE.search(text) or not text[: text.find("\n")].strip()
    if breaks == rows + 1 and not blank:
        return list(range(2, rows + 2))  # one record per line: the common case
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) == rows + 1:  # one record per non-blank line: no quoted line breaks
        return lines[1:]
    lines = []
    reader = csv.reader(io.StringIO(text))
    try:
        next(reader)
        line = reader.line_num
        for record in reader:
            if record:
                lines.append(line + 1)
            line = reader.line_num
    except csv.Error:  # bare carriage returns, which Arrow read as line ends
        return list(range(2, rows + 2))
    if len(lines) != rows:  # Arrow and csv disagree only on pathological quoting
        return list(range(2, rows + 2))
    return lines


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return value.strftime("%Y-%m-%d %H:%M:%S")  # a time of day is kept (reported_at)
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_archive(path: Path) -> None:
    """Refuse a zip-based file (.xlsx, .docx) that would unpack beyond the limits."""
    name = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise FileRejectedError(
            RowIssue.of(name, None, None, N_("not a readable workbook: {error}"), error=str(error))
        ) from error
    unpacked = sum(m.file_size for m in members)
    inflated = [
        m
        for m in members
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
    ]
    if unpacked > MAX_UNPACKED_BYTES or inflated:
        raise FileRejectedError(
            RowIssue.of(
                name,
                None,
                None,
                N_(
                    "the file would unpack to {size:,} bytes (limit {limit:,}, at most "
                    "{ratio} times a member's packed size): refused before reading"
                ),
                size=unpacked,
                limit=MAX_UNPACKED_BYTES,
                ratio=MAX_RATIO,
            )
        )


def _read_workbook(path: Path, sheet: str | None) -> pd.DataFrame:
    """A sheet of an .xlsx, .xls or .ods workbook (python-calamine reads all three): the
    one named, else the only sheet with data."""
    name = str(path)
    if path.suffix.lower() != ".xls":  # .xlsx and .ods are zip archives; .xls is not
        check_archive(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = {
            title: workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
            for title in workbook.sheet_names
            if sheet is None or title == sheet
        }
    except Exception as error:  # calamine raises its own types for corrupt files
        raise FileRejectedError(
            RowIssue.of(name, None, None, N_("not a readable workbook: {error}"), error=str(error))
        ) from error
    if sheet is not None and sheet not in sheets:
        raise FileRejectedError(
            RowIssue.of(name, None, None, N_("no sheet named {sheet!r}"), sheet=sheet)
        )
    with_data = [
        t for t, rows in sheets.items() if any(_cell_text(v).strip() for r in rows for v in r)
    ]
    if not with_data:
        raise FileRejectedError(RowIssue(name, None, None, N_("file is empty")))
    if len(with_data) > 1:
        raise FileRejectedError(
            RowIssue.of(
                name,
                None,
                None,
                N_("sheets {sheets} all have data: choose one with --sheet"),
                sheets=", ".join(with_data),
            )
        )
    rows = sheets[with_data[0]]
    chosen = with_data[0] if sheet is None and len(sheets) > 1 else None
    header = [_cell_text(h) for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    records, lines = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            records.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
            lines.append(number)
    frame = pd.DataFrame(records, columns=header, dtype=str)
    frame[LINE] = lines
    frame.attrs[SHEET_READ] = chosen
    return frame


def _canonical_headers(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    renamed: dict[str, str] = {}
    for column in frame.columns:
        if column == LINE:
            continue
        key = normalize_label(str(column))
        canonical = HEADER_ALIASES.get(key, key)
        if canonical in renamed.values():
            raise FileRejectedError(
                RowIssue.of(name, 1, str(column), N_("column {column!r} repeats"), column=canonical)
            )
        renamed[column] = canonical
    return frame.rename(columns=renamed)


def _is_period(label: str) -> bool:
    try:
        parse_period(label)
    except PeriodError:
        return False
    return True


def _melt_wide(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Turn a published table with periods as columns into one row per cell."""
    period_columns = [c for c in frame.columns if c != LINE and _is_period(str(c))]
    if not period_columns:
        raise FileRejectedError(
            RowIssue(name, 1, None, N_("wide layout: no column header is a period"))
        )
    unknown = [
        c for c in frame.columns if c not in period_columns and c not in (LINE, *CANONICAL_COLUMNS)
    ]
    if unknown:
        raise FileRejectedError(
            RowIssue(name, 1, ", ".join(unknown), N_("wide layout: unknown columns"))
        )
    fixed = [c for c in frame.columns if c not in period_columns]
    long = frame.melt(
        id_vars=fixed, value_vars=period_columns, var_name="period", value_name="value"
    )
    long[SOURCE_COLUMN] = long["period"]
    long = long[long["value"].str.strip() != ""]
    return long.sort_values([LINE, SOURCE_COLUMN], kind="stable").reset_index(drop=True)
