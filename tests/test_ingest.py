from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.store import ObservationQuery, Store
from tests.conftest import HEADER, snapshot, write_csv


def _values(store: Store, **query: object) -> dict[tuple[str, str], float]:
    frame = store.observations(ObservationQuery(**query))  # type: ignore[arg-type]
    return {(r["period"], r["flow"]): r["value"] for r in frame.to_dict("records")}


def test_load_converts_units_and_keeps_source(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gz.csv",
        "贵州省,2024,出口,电信计算机和信息服务,120亿元,,,provincial release,2025-02-01",
        "Guizhou,2024,import,SI,350000,万元,,provincial release,2025-02-01",
    )
    report = ingest_file(store, path)
    assert (report.status, report.rows_loaded) == ("loaded", 2)
    frame = store.observations(ObservationQuery(regions=["CN-GZ"]))
    amounts = dict(zip(frame["flow"], frame["amount"], strict=True))
    assert amounts == {"export": 120e8, "import": 350000e4}
    assert set(frame["category"]) == {"SI"}
    assert set(frame["source"]) == {"provincial release"}
    assert set(frame["partner"]) == {"W1"} and set(frame["mode"]) == {"ALL"}


def test_gb18030_file_is_accepted(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        "贵州,2024,进出口,服务,100,亿元,,贵州省商务厅,2025-02-01",
        encoding="gb18030",
    )
    report = ingest_file(store, path)
    assert report.status == "loaded", report.errors
    assert _values(store, regions=["CN-GZ"]) == {("2024", "total"): 100.0}


def test_chinese_headers_are_understood(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "zh.csv",
        "贵州,2025年1-11月,进出口,服务,90,亿元",
        header="地区,期间,流向,类别,数值,单位",
    )
    assert ingest_file(store, path).status == "loaded"
    assert _values(store, regions=["CN-GZ"]) == {("2025-01/2025-11", "total"): 90.0}


def test_reloading_the_same_file_is_a_no_op(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20")
    assert ingest_file(store, path).status == "loaded"
    before = snapshot(store)
    again = ingest_file(store, path)
    assert again.status == "unchanged" and again.exit_status == 0
    assert snapshot(store) == before


def test_same_figure_in_another_file_is_not_duplicated(store: Store, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20")
    second = write_csv(
        tmp_path / "b.csv",
        "CN-GZ,2024,total,S,1000000,万元,,t,2025-01-20",
        "CN-GZ,2023,total,S,95,亿元,,t,2025-01-20",
    )
    ingest_file(store, first)
    report = ingest_file(store, second)
    assert (report.rows_loaded, report.rows_already_stored) == (1, 1)
    assert store.count_observations() == 2


def test_identical_repeat_in_one_file_loads_once_with_warning(store: Store, tmp_path: Path) -> None:
    row = "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20"
    report = ingest_file(store, write_csv(tmp_path / "d.csv", row, row))
    assert report.rows_loaded == 1
    assert "duplicate of line 2" in report.warnings[0].reason


def test_partial_load_quarantines_bad_rows(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        "CN-GZ,2024,total,S,100,亿元,,t,2025-01-20",
        "CN-GZ,2024,total,XX,1,亿元,,t,2025-01-20",
    )
    report = ingest_file(store, path, IngestOptions(allow_partial=True))
    assert (report.status, report.exit_status, report.rows_loaded) == ("partial", 3, 1)
    quarantined = store.fetchall('SELECT line, "column", reason FROM quarantine')
    assert quarantined == [(3, "category", "unknown category 'XX'")]
    assert Path(f"{path}.rejected.csv").exists()


def test_exports_plus_imports_differing_from_total_warns_with_both_figures(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        "CN,2017,export,S,15406.8,亿元,,t,2018-02-07",
        "CN,2017,import,S,31584.3,亿元,,t,2018-02-07",
        "CN,2017,total,S,46999.1,亿元,,t,2018-02-07",
    )
    report = ingest_file(store, path)
    assert report.status == "loaded"
    (warning,) = report.warnings
    assert "46,991.1" in warning.reason and "46,999.1" in warning.reason


def test_published_rounding_is_tolerated(store: Store, tmp_path: Path) -> None:
    # 2017 as published: 15406.8 + 31584.3 = 46991.1 against a total rounded to 46991.0.
    path = write_csv(
        tmp_path / "r.csv",
        "CN,2017,export,S,15406.8,亿元,,t,2018-02-07",
        "CN,2017,import,S,31584.3,亿元,,t,2018-02-07",
        "CN,2017,total,S,46991.0,亿元,,t,2018-02-07",
    )
    assert ingest_file(store, path).warnings == []


def test_revisions_are_vintages_and_as_of_answers_the_past(store: Store, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "v1.csv", "CN-GZ,2024,total,S,100,亿元,,first release,2025-01-20")
    revised = write_csv(tmp_path / "v2.csv", "CN-GZ,2024,total,S,104,亿元,,revision,2025-06-30")
    ingest_file(store, first)
    ingest_file(store, revised)
    assert store.count_observations() == 2  # both kept
    assert _values(store) == {("2024", "total"): 104.0}
    assert _values(store, as_of=date(2025, 3, 1)) == {("2024", "total"): 100.0}
    assert _values(store, as_of=date(2025, 1, 1)) == {}


def test_vintage_option_sets_release_date(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "nv.csv",
        "CN-GZ,2024,total,S,100,亿元",
        header="region,period,flow,category,value,unit",
    )
    ingest_file(store, path, IngestOptions(vintage=date(2025, 2, 3)))
    frame = store.observations(ObservationQuery())
    assert list(frame["vintage"].astype(str)) == ["2025-02-03"]


def test_wide_table_with_constants(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "wide.csv",
        "export,S,28500,31755.6",
        "import,S,31300,43482.4",
        header="flow,category,2022,2024",
    )
    options = IngestOptions(
        vintage=date(2025, 2, 1),
        read=ReadOptions(wide=True, constants={"region": "CN", "unit": "亿元"}),
    )
    report = ingest_file(store, path, options)
    assert report.rows_loaded == 4, report.errors
    assert _values(store)[("2024", "import")] == 43482.4


def test_wide_table_reports_the_period_column_of_a_bad_cell(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", "export,S,28500,x", header="flow,category,2022,2024")
    report = ingest_file(
        store,
        path,
        IngestOptions(read=ReadOptions(wide=True, constants={"region": "CN", "unit": "亿元"})),
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, "2024")]


def test_excel_workbook(store: Store, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["CN-GZ", "2024", "total", "S", 100.5, "亿元", 5.2, "xlsx", "2025-01-20"])
    sheet.append(["CN-GZ", "2023", "total", "S", "bad", "亿元", None, "xlsx", "2025-01-20"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert [(e.line, e.column) for e in report.errors] == [(3, "value")]
    path2 = tmp_path / "book2.xlsx"
    sheet.delete_rows(3)
    workbook.save(path2)
    assert ingest_file(store, path2).status == "loaded"
    assert _values(store) == {("2024", "total"): 100.5}


def test_growth_only_row_is_kept_with_its_published_rate(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "g.csv", "CN,2025-01/2025-07,total,S,,亿元,8.2,t,2025-08-30")
    assert ingest_file(store, path).status == "loaded"
    frame = store.observations(ObservationQuery())
    assert frame["value"].isna().all() and list(frame["yoy_growth"]) == [8.2]


@pytest.mark.parametrize("rows", [100_000])
def test_large_file_loads_in_one_piece(store: Store, tmp_path: Path, rows: int) -> None:
    """A large synthetic file (labelled so in its source column) loads whole."""
    lines = [
        f"CN-GZ,{2000 + i // 12 % 100}-{i % 12 + 1:02d},total,S,{i % 997 + 1},亿元,,"
        "synthetic test data,2025-01-01"
        for i in range(1200)
    ]
    body = [
        f"{line.replace('CN-GZ', region)}"
        for region in ("CN-GZ", "CN-GD", "CN-HA", "CN-ZJ")
        for line in lines
    ]
    path = write_csv(tmp_path / "large.csv", *body * (rows // len(body)))
    report = ingest_file(store, path)
    assert report.status == "loaded"
    assert store.count_observations() == len(body)  # repeats load once
