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
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from servtrade.classification import normalize_label
from servtrade.i18n import N_
from servtrade.ingest.options import ReadOptions
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
# Text files that are not UTF-8 are read as the likelier of these, judged on a sample.
TEXT_ENCODINGS = ["gb18030", "big5"]
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030", "big5": "Big5"}
SNIFF_BYTES = 256 * 1024
LAYOUT_NOTES = "servtrade_layout_notes"  # in a frame's attrs: see `layout_notes`
PREAMBLE = "servtrade_preamble"  # the text of the rows above the headers
HEADER_ROW = "servtrade_header_row"  # the line or sheet row of the headers
ORIGINAL_HEADERS = "servtrade_original_headers"  # see `original_headers`
# The headers are the first of the first HEADER_SCAN rows filled in at least two cells and
# in HEADER_FILL as many as the fullest of them (a title or a unit line fills one).
HEADER_SCAN = 30
HEADER_FILL = 0.6
EMPTY_HEADER = "__empty_header_"
# A line below the table that is a note on it, not a row of it.
_NOTE_LINE = re.compile(
    r"^\s*(?:注|说明|備註|备注|资料来源|數據來源|数据来源|来源|note|notes|source|sources)"
    r"\s*(?:\d+\s*)?[:：、.]|^\s*[*※]",
    re.IGNORECASE,
)
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
    # As Hong Kong, Macao and Taiwan write them (Big5 files).
    "地區": "region",
    "區域": "region",
    "期間": "period",
    "時間": "period",
    "類別": "category",
    "服務類別": "category",
    "貿易夥伴": "partner",
    "數值": "value",
    "金額": "value",
    "單位": "unit",
    "同比增長": "yoy_growth",
    "來源": "source",
    "發佈日期": "vintage",
    "備註": "note",
    "口徑": "basis",
}


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
    """The file's rows as strings, in canonical column names, with a `__line` column; what
    the layout set aside is in `layout_notes`, the headers as written in `original_headers`."""
    name = str(path)
    rows = read_rows(path, options)
    notes = layout_notes(rows)
    header_row = int(rows.attrs.get(HEADER_ROW, 1))
    frame, renamed = _canonical_headers(rows, name, header_row)
    original = {canonical: str(written) for written, canonical in renamed.items()}
    constants = dict(options.constants)
    unit = _preamble_unit(rows.attrs.get(PREAMBLE, []))
    if unit is not None and "unit" not in frame.columns and "unit" not in constants:
        constants["unit"] = unit[1]
        notes.append(
            RowIssue.of(
                name,
                None,
                "unit",
                N_("unit {unit!r} for every row, from the line {line!r} above the table"),
                unit=unit[1],
                line=unit[0],
            )
        )
    unknown = [c for c in frame.columns if c not in (*CANONICAL_COLUMNS, LINE, SOURCE_COLUMN)]
    if unknown and not options.wide and all(_is_period(str(c)) for c in unknown):
        raise FileRejectedError(
            RowIssue.of(
                name,
                header_row,
                ", ".join(map(str, unknown)),
                N_(
                    "the column headers {columns} are periods: a table with periods across; "
                    "read it with --wide"
                ),
                columns=", ".join(map(str, unknown)),
            )
        )
    if options.wide:
        frame = _melt_wide(frame, name)
    for column, constant in constants.items():
        if column in frame.columns:
            raise FileRejectedError(
                RowIssue.of(
                    name,
                    header_row,
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
                header_row,
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
                header_row,
                ", ".join(missing),
                N_("missing required column(s) {columns}; expected {expected}"),
                columns=", ".join(missing),
                expected=", ".join(CANONICAL_COLUMNS),
            )
        )
    frame = _normalized(frame)
    frame = _without_totals(frame, name, notes)
    if frame.empty:
        raise FileRejectedError(
            RowIssue(name, None, None, N_("file has a header but no data rows"))
        )
    frame.attrs[SHEET_READ] = sheet_read(rows)
    frame.attrs[LAYOUT_NOTES] = sorted(notes, key=lambda n: n.line or 0)
    frame.attrs[ORIGINAL_HEADERS] = original
    return frame


def original_headers(frame: pd.DataFrame) -> dict[str, str]:
    """Each canonical column's header as the file wrote it (地区 for region)."""
    return dict(frame.attrs.get(ORIGINAL_HEADERS, {}))


_UNIT_LINE = re.compile(r"^\s*(?:计量单位|计量單位|单位|單位|units?)\s*[:：]\s*(\S.*?)\s*$", re.I)


def _preamble_unit(preamble: list[str]) -> tuple[str, str] | None:
    """A unit stated above the table ("单位：亿元"): the line and the unit."""
    for line in preamble:
        found = _UNIT_LINE.match(line)
        if found:
            return line, found[1]
    return None


# Columns read as codes or numbers: full-width forms (６０．５, ＣＮ) are folded (NFKC) before
# they are parsed; sources and notes are kept as written.
_FOLDED = (
    *("region", "period", "flow", "category", "partner", "mode", "value", "unit"),
    *("yoy_growth", "vintage", "basis", "qualifier", "decimals"),
)


def _normalized(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _FOLDED:
        if column in frame.columns:
            cells = pa.array(frame[column], type=pa.string())
            frame[column] = pc.utf8_normalize(cells, form="NFKC").to_pandas()
    return frame


TOTAL_LABELS = frozenset({"合计", "总计", "總計", "合計", "总额", "小计", "小計", "total", "sum"})
_TOTALLED = ("region", "category", "partner")
_KEYS = ("region", "period", "flow", "category", "partner", "mode", "unit")


def _without_totals(frame: pd.DataFrame, name: str, notes: list[RowIssue]) -> pd.DataFrame:
    """Rows whose region, category or partner is a total (合计, 总计) are set aside, each
    checked against the sum of the rows it totals (same other keys) and reported."""
    present = [c for c in _TOTALLED if c in frame.columns]
    if not present:
        return frame
    # Each distinct label is folded once: a file of 50,000 rows has a few dozen.
    said = {
        c: {u for u in frame[c].unique() if normalize_label(str(u)) in TOTAL_LABELS}
        for c in present
    }
    is_total = pd.Series(False, index=frame.index)
    for column in present:
        is_total |= frame[column].isin(said[column])
    if not is_total.any():
        return frame
    parts = frame[~is_total]
    numbers = pd.to_numeric(parts["value"].str.replace(",", ""), errors="coerce")
    for index in frame.index[is_total]:
        row = frame.loc[index]
        totalled = next(c for c in present if row[c] in said[c])
        keys = [c for c in _KEYS if c in frame.columns and c != totalled]
        same = pd.Series(True, index=parts.index)
        for key in keys:
            same &= parts[key] == row[key]
        written = str(row["value"]).replace(",", "")
        total = pd.to_numeric(pd.Series([written]), errors="coerce").iloc[0]
        summed = numbers[same]
        line = int(row[LINE])
        if not same.any() or summed.isna().any() or pd.isna(total):
            notes.append(
                RowIssue.of(
                    name,
                    line,
                    totalled,
                    N_("a total row ({label}), set aside: nothing to check it against"),
                    label=row[totalled],
                )
            )
            continue
        decimals = len(written.partition(".")[2])
        tolerance = 0.5 * 10.0**-decimals * max(int(same.sum()), 1)
        agrees = abs(float(summed.sum()) - float(total)) <= tolerance
        notes.append(
            RowIssue.of(
                name,
                line,
                totalled,
                N_("a total row ({label}), set aside: it equals the sum of its {count} rows")
                if agrees
                else N_(
                    "a total row ({label}), set aside: {total} differs from the sum of its "
                    "{count} rows, {sum:g}"
                ),
                label=row[totalled],
                count=int(same.sum()),
                total=row["value"],
                sum=float(summed.sum()),
            )
        )
    return frame[~is_total].reset_index(drop=True)


def detect_encoding(raw: bytes, name: str) -> str:
    """UTF-8 (with or without a BOM) where the bytes are UTF-8; else the Chinese encoding
    charset-normalizer finds likelier (GB18030/GBK on the mainland, Big5 in Hong Kong and
    Taiwan): GB18030 decodes almost any bytes, so it is no test of itself."""
    if b"\x00" in raw:
        raise FileRejectedError(
            RowIssue(name, None, None, N_("file contains NUL bytes: not a text file (UTF-16?)"))
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8-sig"
    import charset_normalizer  # only for files that are not UTF-8: it is slow to import

    best = charset_normalizer.from_bytes(raw[:SNIFF_BYTES], cp_isolation=TEXT_ENCODINGS).best()
    if best is None:
        raise FileRejectedError(
            RowIssue(
                name,
                None,
                None,
                N_("file is neither UTF-8 nor GB18030/GBK nor Big5 text; re-save it as UTF-8"),
            )
        )
    return str(best.encoding)


def decode(raw: bytes, name: str) -> str:
    return _decoded(raw, detect_encoding(raw, name), name)


def _decoded(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise FileRejectedError(
            RowIssue.of(
                name,
                None,
                None,
                N_("file read as {encoding} has bytes that are not {encoding} at byte {at:,}"),
                encoding=ENCODING_NAMES.get(encoding, encoding),
                at=error.start,
            )
        ) from error


def _read_csv(path: Path) -> pd.DataFrame:
    name = str(path)
    raw = path.read_bytes()
    encoding = detect_encoding(raw, name)
    text = _decoded(raw, encoding, name)
    if not text.strip():
        raise FileRejectedError(RowIssue(name, None, None, N_("file is empty")))
    notes: list[RowIssue] = []
    if encoding != "utf-8-sig":
        notes.append(
            RowIssue.of(
                name,
                None,
                None,
                N_("read as {encoding}: the file is not UTF-8"),
                encoding=ENCODING_NAMES.get(encoding, encoding),
            )
        )
    text, first_line, preamble = _from_header_line(text, name, notes)
    data = text.encode("utf-8")  # GB18030, Big5 and BOM-prefixed files reach Arrow as UTF-8
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or None])))
    except csv.Error as error:  # e.g. a bare carriage return inside the header
        raise FileRejectedError(
            RowIssue.of(name, first_line, None, N_("malformed CSV: {error}"), error=str(error))
        ) from error
    width = len(header)
    _check_cell_lengths(text, data, header, name)
    frame = _parse_csv(data, header, name)
    if frame.shape[1] != width:
        raise FileRejectedError(RowIssue(name, first_line, None, N_("malformed CSV header")))
    frame[LINE] = [line + first_line - 1 for line in _csv_lines(text, len(frame))]
    return _tidied(frame, name, first_line, preamble, notes)


def _from_header_line(text: str, name: str, notes: list[RowIssue]) -> tuple[str, int, list[str]]:
    """The text from the header line on, that line's number and the rows above it (a
    title, a unit line), reported when there are any."""
    head = text.split("\n", HEADER_SCAN)[:HEADER_SCAN]
    try:
        records = [next(csv.reader([line]), []) for line in head]
    except csv.Error:
        return text, 1, []
    index = _header_index(records)
    if index == 0:
        return text, 1, []
    offset = sum(len(line) + 1 for line in head[:index])
    notes.append(_header_note(name, index + 1))
    return text[offset:], index + 1, [t for t in map(_row_text, records[:index]) if t]


def _header_index(rows: list[list[str]]) -> int:
    """The row (0-based) that holds the column headers: see HEADER_SCAN."""
    filled = [sum(1 for cell in row if cell.strip()) for row in rows[:HEADER_SCAN]]
    most = max(filled, default=0)
    for index, count in enumerate(filled):
        if count >= 2 and count >= HEADER_FILL * most:
            return index
    return 0


def _header_names(header: list[str]) -> list[str]:
    """The headers, a column without one named for its position (judged by `_tidied`)."""
    return [h if h.strip() else f"{EMPTY_HEADER}{i + 1}" for i, h in enumerate(header)]


def _row_text(cells: list[str]) -> str:
    """A row's filled cells as one line (a title or a unit line above a table)."""
    return " ".join(c.strip() for c in cells if c.strip())


def _header_note(name: str, row: int) -> RowIssue:
    return RowIssue.of(
        name,
        row,
        None,
        N_("column headers taken from row {row}; the rows above are a title, not data"),
        row=row,
    )


def _tidied(
    frame: pd.DataFrame, name: str, header_row: int, preamble: list[str], notes: list[RowIssue]
) -> pd.DataFrame:
    """Without empty columns (trailing or unheaded) and without the notes below the table;
    a column with figures but no header is refused. What was set aside is noted."""
    for column in [c for c in frame.columns if str(c).startswith(EMPTY_HEADER)]:
        if (frame[column].str.strip() != "").any():
            position = int(str(column).removeprefix(EMPTY_HEADER))
            raise FileRejectedError(
                RowIssue.of(
                    name,
                    header_row,
                    None,
                    N_("column {position} has figures but no header; name it"),
                    position=position,
                )
            )
        frame = frame.drop(columns=column)
    cells = [c for c in frame.columns if c != LINE]
    end = len(frame)
    while end > 0:  # from the bottom up, while rows are empty or a note
        row = frame.iloc[end - 1]
        filled = [str(row[c]).strip() for c in cells if str(row[c]).strip()]
        if len(filled) > 1 or (filled and not _NOTE_LINE.match(filled[0])):
            break
        if filled:
            notes.append(
                RowIssue.of(
                    name,
                    int(frame[LINE].iloc[end - 1]),
                    None,
                    N_("a note below the table, not a row of it: {note}"),
                    note=filled[0],
                )
            )
        end -= 1
    if end < len(frame):
        frame = frame.iloc[:end].reset_index(drop=True)
    frame.attrs[LAYOUT_NOTES] = notes
    frame.attrs[PREAMBLE] = preamble
    frame.attrs[HEADER_ROW] = header_row
    return frame


def layout_notes(frame: pd.DataFrame) -> list[RowIssue]:
    """What reading the layout set aside or assumed (title rows, notes below the table, the
    encoding, merged cells), for the load's report."""
    return list(frame.attrs.get(LAYOUT_NOTES, []))


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
    """Arrow's CSV reader, every column as text; quoted line breaks on a second pass. A
    column without a header is named for its position, to be judged by `_tidied`."""
    names = _header_names(header)
    read = pacsv.ReadOptions(column_names=names, skip_rows=1) if names != header else None
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    error: Exception | None = None
    for newlines_in_values in (False, True):
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                read_options=read,
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
        opened = {
            title: workbook.get_sheet_by_name(title)
            for title in workbook.sheet_names
            if sheet is None or title == sheet
        }
        sheets = {title: s.to_python(skip_empty_area=False) for title, s in opened.items()}
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
    title = with_data[0]
    chosen = title if sheet is None and len(sheets) > 1 else None
    notes: list[RowIssue] = []
    grid = [[_cell_text(v) for v in row] for row in sheets[title]]
    index = _header_index(grid)
    _unmerge(grid, opened[title].merged_cell_ranges or [], index, name, notes)
    if index > 0:
        notes.append(_header_note(name, index + 1))
    preamble = [t for t in map(_row_text, grid[:index]) if t]
    header = grid[index]
    while header and not header[-1].strip():
        header.pop()
    names = _header_names(header)
    records, lines = [], []
    for number, cells in enumerate(grid[index + 1 :], start=index + 2):
        if any(c.strip() for c in cells):
            records.append(cells[: len(names)] + [""] * (len(names) - len(cells)))
            lines.append(number)
    frame = pd.DataFrame(records, columns=names, dtype=str)
    frame[LINE] = lines
    frame = _tidied(frame, name, index + 1, preamble, notes)
    frame.attrs[SHEET_READ] = chosen
    return frame


def _unmerge(
    grid: list[list[str]],
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    header: int,
    name: str,
    notes: list[RowIssue],
) -> None:
    """Give each row of a cell merged down a column below the headers (a region written
    once for its rows) the merged value, and say so; a merge across columns (a title) is
    left as written, in its first cell."""
    for (top, left), (bottom, right) in merged:
        if top <= header or bottom == top or left != right or top >= len(grid):
            continue
        value = grid[top][left] if left < len(grid[top]) else ""
        for row in range(top + 1, min(bottom, len(grid) - 1) + 1):
            while len(grid[row]) <= left:
                grid[row].append("")
            grid[row][left] = value
        notes.append(
            RowIssue.of(
                name,
                top + 1,
                grid[header][left] if left < len(grid[header]) else None,
                N_("rows {first}–{last} take {value!r} from a merged cell"),
                first=top + 1,
                last=bottom + 1,
                value=value,
            )
        )


def _canonical_headers(
    frame: pd.DataFrame, name: str, header_row: int
) -> tuple[pd.DataFrame, dict[str, str]]:
    renamed: dict[str, str] = {}
    for column in frame.columns:
        if column == LINE:
            continue
        key = normalize_label(str(column))
        canonical = HEADER_ALIASES.get(key, key)
        if canonical in renamed.values():
            raise FileRejectedError(
                RowIssue.of(
                    name, header_row, str(column), N_("column {column!r} repeats"), column=canonical
                )
            )
        renamed[column] = canonical
    return frame.rename(columns=renamed), renamed


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
