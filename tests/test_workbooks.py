"""Workbooks as offices keep them: legacy .xls, .xlsx and .ods (WPS, LibreOffice), read by
one reader with the same header detection, validation and messages as CSV files. The
files are written here (xlwt for .xls, odfpy through pandas for .ods) with figures that
are constructed, not statistics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import xlwt  # type: ignore[import-untyped]
from openpyxl import Workbook

from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.store import ObservationQuery, Store
from tests.conftest import CONSTRUCTED

HEADER: list[object] = ["地区", "期间", "流向", "类别", "数值", "单位", "来源", "发布日期"]
ROWS: list[list[object]] = [
    ["贵州", "2024年", "进出口", "服务", 104.5, "亿元", CONSTRUCTED, date(2025, 1, 20)],
    ["贵州", "2023年", "出口", "服务", 40, "亿元", CONSTRUCTED, date(2024, 1, 20)],
    ["贵州", "2023年", "进口", "服务", "lots", "亿元", CONSTRUCTED, date(2024, 1, 20)],
]


def _xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write(r, c, value, dates)
                else:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def _ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    with pd.ExcelWriter(path, engine="odf") as writer:
        for title, rows in sheets.items():
            pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=title, index=False)
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


WRITERS = {".xls": _xls, ".ods": _ods, ".xlsx": _xlsx}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_a_workbook_loads_like_a_csv_file(store: Store, tmp_path: Path, suffix: str) -> None:
    path = WRITERS[suffix](tmp_path / f"gz{suffix}", {"服务贸易": [HEADER, *ROWS]})
    report = ingest_file(store, path, IngestOptions(allow_partial=True))
    assert report.status == "partial"
    (issue,) = report.errors
    assert (issue.line, issue.column, issue.reason) == (4, "value", "value 'lots' is not a number")
    stored = store.observations(ObservationQuery()).sort_values("period")
    assert stored[["period", "flow", "value", "unit"]].values.tolist() == [
        ["2023", "export", 40.0, "CNY_100M"],
        ["2024", "total", 104.5, "CNY_100M"],
    ]
    assert [str(v)[:10] for v in stored["vintage"]] == ["2024-01-20", "2025-01-20"]


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_the_one_sheet_with_data_is_read(store: Store, tmp_path: Path, suffix: str) -> None:
    notes = WRITERS[suffix](
        tmp_path / f"two{suffix}", {"说明": [["说明"]], "数据": [HEADER, ROWS[0]]}
    )
    assert ingest_file(store, notes).status == "rejected"  # 说明 has text too: which sheet?
    blank = WRITERS[suffix](
        tmp_path / f"blank{suffix}", {"封面": [[""]], "数据": [HEADER, ROWS[0]]}
    )
    report = ingest_file(store, blank)
    assert report.status == "loaded", [str(e) for e in report.errors]
    assert [w.reason for w in report.warnings] == ["read sheet '数据', the only one with data"]


def test_several_sheets_with_data_need_sheet(store: Store, tmp_path: Path) -> None:
    path = _xls(tmp_path / "many.xls", {"2023": [HEADER, ROWS[1]], "2024": [HEADER, ROWS[0]]})
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert report.errors[0].reason == "sheets 2023, 2024 all have data: choose one with --sheet"
    chosen = ingest_file(store, path, IngestOptions(read=ReadOptions(sheet="2024")))
    assert chosen.status == "loaded" and chosen.rows_loaded == 1
