"""Files as offices keep them: titles above the table, units in a line of their own,
merged cells, total rows, notes below, Big5 and full-width text. Each layout is built here
and either loads, with what the reader set aside or assumed said in the report, or is
refused with a message that says what to change. The figures are constructed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from servtrade.i18n import using_language
from servtrade.ingest import IngestOptions, IngestReport, ReadOptions, ingest_file
from servtrade.store import Store

VINTAGE = "2026-01-31"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _load(store: Store, path: Path, **read: object) -> IngestReport:
    return ingest_file(store, path, IngestOptions(read=ReadOptions(**read)))  # type: ignore[arg-type]


def _said(report: IngestReport) -> str:
    return "\n".join(str(issue) for issue in [*report.warnings, *report.errors])


def _values(store: Store, region: str) -> dict[tuple[str, str, str], float]:
    rows = store.fetchall(
        "SELECT period, flow, category, amount FROM observations WHERE region = ?", [region]
    )
    return {(p, f, c): float(a) / 1e8 for p, f, c, a in rows}  # in 亿元


HEADER = "地区,期间,流向,类别,数值,单位,来源,发布日期"


def test_a_title_and_a_unit_line_above_the_table(store: Store, tmp_path: Path) -> None:
    """Before, the title row made every header '' and the file was refused as `column ''
    repeats`. Now the headers are found on row 3 and the unit line gives the unit."""
    path = _write(
        tmp_path / "yearbook.csv",
        "贵州省服务进出口情况（构造数据）\n"
        "单位：亿元\n"
        "地区,期间,流向,类别,数值,来源,发布日期\n"
        f"贵州,2023,total,S,88,constructed,{VINTAGE}\n"
        f"贵州,2024,total,S,96,constructed,{VINTAGE}\n",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert _values(store, "CN-GZ") == {("2023", "total", "S"): 88, ("2024", "total", "S"): 96}
    said = _said(report)
    assert "column headers taken from row 3" in said
    assert "unit '亿元' for every row, from the line '单位：亿元'" in said
    assert report.errors == []


def test_trailing_empty_columns_and_empty_rows_are_not_data(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "trailing.csv",
        f"{HEADER},,,\n"
        f"CN-GZ,2024,total,S,96,亿元,constructed,{VINTAGE},,,\n"
        f"CN-GZ,2023,total,S,88,亿元,constructed,{VINTAGE},,,\n"
        ",,,,,,,,,,\n",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert report.rows_loaded == 2


def test_a_column_with_figures_but_no_header_is_refused_by_position(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "unheaded.csv",
        f"{HEADER},\nCN-GZ,2024,total,S,96,亿元,constructed,{VINTAGE},12\n",
    )
    report = _load(store, path)
    assert report.status == "rejected"
    assert "column 9 has figures but no header; name it" in _said(report)


def test_a_total_row_is_checked_against_its_parts_and_set_aside(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "provinces.csv",
        f"{HEADER}\n"
        f"浙江,2024,total,S,50.5,亿元,constructed,{VINTAGE}\n"
        f"贵州,2024,total,S,40.25,亿元,constructed,{VINTAGE}\n"
        f"合计,2024,total,S,90.75,亿元,constructed,{VINTAGE}\n"
        f"浙江,2023,total,S,45,亿元,constructed,{VINTAGE}\n"
        f"贵州,2023,total,S,40,亿元,constructed,{VINTAGE}\n"
        f"合计,2023,total,S,88,亿元,constructed,{VINTAGE}\n",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert report.rows_loaded == 4
    said = _said(report)
    # 50.5 + 40.25 = 90.75; 45 + 40 = 85, not the 88 written (more than rounding).
    assert "provinces.csv:4 [region]: a total row (合计), set aside: it equals the sum" in said
    assert "provinces.csv:7 [region]: a total row (合计), set aside: 88 differs from the sum" in (
        said
    )
    assert "rows, 85" in said


def test_notes_below_the_table_are_notes(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "notes.csv",
        f"{HEADER}\n"
        f"CN-GZ,2024,total,S,96,亿元,constructed,{VINTAGE}\n"
        "注：2024年为初步数。,,,,,,,\n"
        "资料来源：构造数据,,,,,,,\n",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    said = _said(report)
    assert "notes.csv:3: a note below the table, not a row of it: 注：2024年为初步数。" in said
    assert "notes.csv:4: a note below the table, not a row of it: 资料来源：构造数据" in said


def test_a_big5_file_is_read_as_big5_and_says_so(store: Store, tmp_path: Path) -> None:
    """Big5 text was decoded as GB18030 and reported as unknown columns `跋, 戳丁…`."""
    path = _write(
        tmp_path / "big5.csv",
        "地區,期間,流向,類別,數值,單位,來源,備註\n"
        "CN-ZJ,2024,total,S,100,億元,構造數據,臺灣繁體\n"
        "CN-ZJ,2023,total,S,90,億元,構造數據,臺灣繁體\n",
        encoding="big5",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert "read as Big5: the file is not UTF-8" in _said(report)
    assert _values(store, "CN-ZJ") == {("2024", "total", "S"): 100, ("2023", "total", "S"): 90}
    note = store.fetchall("SELECT DISTINCT note, source FROM observations WHERE region = 'CN-ZJ'")
    assert note == [("臺灣繁體", "構造數據")]


def test_a_gbk_file_still_reads_as_gb18030(store: Store, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "gbk.csv",
        f"{HEADER}\n贵州,2024,出口,服务,60,亿元,构造数据,{VINTAGE}\n",
        encoding="gbk",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert "read as GB18030" in _said(report)


def test_full_width_digits_and_codes_are_folded(store: Store, tmp_path: Path) -> None:
    """`６０．５` was "unknown unit '．５'"."""
    path = _write(
        tmp_path / "fullwidth.csv",
        f"{HEADER}\nＣＮ－ＧＺ,２０２４,total,S,６０．５,亿元,构造（数据）,{VINTAGE}\n",
    )
    report = _load(store, path)
    assert report.status == "loaded", _said(report)
    assert _values(store, "CN-GZ") == {("2024", "total", "S"): 60.5}
    # A source is kept as written: full-width brackets stay.
    assert store.fetchall("SELECT source FROM observations") == [("构造（数据）",)]


def test_a_yearbook_table_with_years_across_gets_the_wide_hint(
    store: Store, tmp_path: Path
) -> None:
    text = "表3 各地区服务进出口（构造数据）\n单位：亿元\n地区,2022,2023,2024\n"
    text += "浙江,40,45,50\n贵州,80,88,96\n"
    path = _write(tmp_path / "across.csv", text)
    refused = _load(store, path, constants={"flow": "total", "category": "S"})
    assert refused.status == "rejected"
    assert "the column headers 2022, 2023, 2024 are periods" in _said(refused)
    assert "--wide" in _said(refused)
    report = _load(store, path, wide=True, constants={"flow": "total", "category": "S"})
    assert report.status == "loaded", _said(report)
    assert _values(store, "CN-GZ")[("2023", "total", "S")] == 88
    assert len(_values(store, "CN-ZJ")) == 3


def _release_workbook(path: Path) -> Path:
    """A MOFCOM-style release table: a merged title, a unit line, the region written once
    down a merged column, categories with a 合计 row, a note below."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "2024年服务进出口分类情况（构造数据）"
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "单位：亿元"
    for column, header in enumerate(["地区", "期间", "流向", "服务类别", "金额", "同比增长(%)"]):
        sheet.cell(3, column + 1, header)
    sheet.cell(4, 1, "贵州")
    sheet.merge_cells("A4:A6")
    for row, (category, value, growth) in enumerate(
        [("运输", 10.5, 3.2), ("旅行", 20.25, -5.0), ("合计", 30.75, None)], start=4
    ):
        sheet.cell(row, 2, "2024")
        sheet.cell(row, 3, "出口")
        sheet.cell(row, 4, category)
        sheet.cell(row, 5, value)
        sheet.cell(row, 6, growth)
    sheet["A8"] = "注：构造数据，不是统计数。"
    book.save(path)
    return path


def test_a_release_workbook_with_merged_cells_and_a_total(store: Store, tmp_path: Path) -> None:
    report = _load(store, _release_workbook(tmp_path / "release.xlsx"))
    assert report.status == "loaded", _said(report)
    assert _values(store, "CN-GZ") == {
        ("2024", "export", "SC"): 10.5,
        ("2024", "export", "SD"): 20.25,
    }
    said = _said(report)
    assert "rows 4–6 take '贵州' from a merged cell" in said
    assert "a total row (合计), set aside: it equals the sum of its 2 rows" in said
    assert "a note below the table, not a row of it: 注：构造数据，不是统计数。" in said
    assert "column headers taken from row 3" in said


def test_a_monthly_department_sheet(store: Store, tmp_path: Path) -> None:
    """A department's monthly sheet: one title row, months down, a 总计 row that is off."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2025年1-3月服务出口月报（构造数据）"])
    sheet.append(["地区", "期间", "流向", "类别", "数值", "单位", None, None])
    for month, value in (("2025-01", 5), ("2025-02", 6), ("2025-03", 7)):
        sheet.append(["CN-GZ", month, "export", "S", value, "万元"])
    sheet.append(["CN-GZ", "总计", "export", "S", 19, "万元"])
    path = tmp_path / "monthly.xlsx"
    book.save(path)
    report = _load(store, path)
    # 总计 in the period column is no period: a bad row, reported and set aside, nothing lost.
    assert report.status == "rejected"
    assert "monthly.xlsx:6 [period]" in _said(report)
    assert "column headers taken from row 2" in _said(report)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rejected_rows_keep_the_files_headers_and_open_in_excel(
    store: Store, tmp_path: Path, lang: str
) -> None:
    """FILE.rejected.csv was UTF-8 without a BOM (mojibake in Excel on a Chinese desktop)
    with the headers renamed to English."""
    path = _write(
        tmp_path / "typo.csv",
        f"{HEADER}\nCN-GZ,2024,total,S,96,亿圆,=HYPERLINK(1),{VINTAGE}\n",
    )
    with using_language(lang):
        report = _load(store, path)
    assert report.status == "rejected"
    assert "unknown unit '亿圆'; did you mean '亿元'?" in _said(report)
    assert report.rejected_file is not None
    raw = report.rejected_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    line, reason = ("line", "reason") if lang == "en" else ("文件行", "原因")
    assert rows[0] == [line, *HEADER.split(","), reason]
    assert rows[1][:7] == ["2", "CN-GZ", "2024", "total", "S", "96", "亿圆"]
    assert rows[1][7] == "'=HYPERLINK(1)"  # not run as a formula
