"""Records as offices send them: CSV (GB18030 here) and Excel workbooks, each column parsed
with the row, line, record and value of each failure; the quarantine listed by record for
the reporting enterprises, as a table, JSON or CSV that opens in Excel. Every record is
constructed test data, labelled so in `reporter_name`."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from servtrade.cli import app as cli
from servtrade.records.files import amount_of, month_of, timestamp_of
from servtrade.records.load import DuckDBRecords, PostgresRecords, RecordsStore, SparkRecords
from servtrade.records.uscc import check_character
from servtrade.store import Store
from tests.records.conftest import national_total

CONSTRUCTED = "构造的测试记录 CONSTRUCTED test record"
REPORTER = "91520100MA6DK0001" + check_character("91520100MA6DK0001")
HEADER = (
    "record_id,reporter_id,reporter_name,region,period,flow,category,partner,mode,currency,"
    "amount,contract_id,reported_at"
)
FORMULA_ID = '=HYPERLINK("http://example.invalid")'
runner = CliRunner()


def _row(record_id: str, **changed: str) -> list[str]:
    row = {
        "record_id": record_id,
        "reporter_id": REPORTER,
        "reporter_name": CONSTRUCTED,
        "region": "CN-GZ",
        "period": "2024年3月",
        "flow": "export",
        "category": "SI2",
        "partner": "US",
        "mode": "1",
        "currency": "CNY",
        "amount": "100",
        "contract_id": "",
        "reported_at": "2025/1/15",
    } | changed
    return list(row.values())


ROWS = [
    _row("r1", amount="1,200.5"),
    _row("r2", amount="300", reported_at="2025年1月15日 10:30", period="2024-03"),
    _row("r3", amount="一百"),  # line 4: not a number
    _row("r4", reported_at="2025-02-30"),  # line 5: no such day
    _row("r5", partner="XX"),  # line 6: a rule's failure, the value staged
    _row(FORMULA_ID, partner="XX"),  # line 7: a record id that looks like a formula
    _row("r7", amount="١٢٣"),  # line 8: Arabic-Indic digits are not read as a number
]
# (line, record id, column, value found, reason), as the quarantine must list them.
EXPECTED = [
    (4, "r3", "amount", "一百", "not a number (ASCII digits, an optional point)"),
    (
        5,
        "r4",
        "reported_at",
        "2025-02-30",
        "not a date (2025-01-15, 2025/1/15 or 2025年1月15日, a time optional)",
    ),
    (6, "r5", "partner", "XX", "unknown partner"),
    (7, FORMULA_ID, "partner", "XX", "unknown partner"),
    (8, "r7", "amount", "١٢٣", "not a number (ASCII digits, an optional point)"),
]


def _csv(path: Path, rows: list[list[str]], encoding: str = "gb18030") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_cells_are_parsed_as_offices_write_them() -> None:
    assert amount_of("1,200.5") == 1200.5
    assert amount_of(" 300 ") == 300.0
    assert amount_of("1.5e3") == 1500.0
    for not_a_number in ("一百", "١٢٣", "1,20", "12元", "", "1.2.3", "nan", "inf"):
        assert amount_of(not_a_number) is None, not_a_number
    assert timestamp_of("2025/1/15") == datetime(2025, 1, 15)
    assert timestamp_of("2025年1月15日") == datetime(2025, 1, 15)
    assert timestamp_of("2025-01-15T10:30:05") == datetime(2025, 1, 15, 10, 30, 5)
    assert timestamp_of("2025年1月15日 10:30") == datetime(2025, 1, 15, 10, 30)
    for not_a_date in ("2025-02-30", "2025-13-01", "15/01/2025", "2025-01-15 25:00", "soon"):
        assert timestamp_of(not_a_date) is None, not_a_date
    assert [month_of(t) for t in ("2024年3月", "2024/3", "2024-03", "2024-3-1")] == [
        "2024-03",
        "2024-03",
        "2024-03",
        "2024-3-1",  # left as written, for the rules to refuse
    ]


@pytest.fixture(params=["duckdb", "postgres"])
def records(request: pytest.FixtureRequest, store: Store) -> RecordsStore:
    if request.param == "duckdb":
        return DuckDBRecords(store)
    url: str = request.getfixturevalue("postgres_url")
    return PostgresRecords(url, store)


def _quarantined(records: RecordsStore) -> list[tuple[object, ...]]:
    frame = records.quarantine()
    return [
        (int(str(r.line)), r.record_id, r.column, r.value, r.reason)
        for r in frame.itertuples(index=False)
    ]


def test_a_gb18030_csv_loads_its_good_rows_and_names_each_bad_one(
    records: RecordsStore, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "报送.csv", ROWS)
    report = records.load(path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 2, 5)
    assert _quarantined(records) == EXPECTED
    assert set(records.quarantine()["reporter_id"]) == {REPORTER}
    cells = records.aggregate(min_reporters=1)
    total = national_total(cells, "2024")
    assert total["value_cny"].tolist() == [1200.5 + 300.0]  # 1,200.5 read with its comma
    march = national_total(cells, "2024-03")
    assert march["records"].tolist() == [2]  # 2024年3月 is the month 2024-03
    again = records.load(path)
    assert (again.rows_loaded, again.rows_already_stored) == (0, 2)
    records.close()


def test_an_excel_workbook_of_records_loads_like_its_csv(store: Store, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for row in ROWS:
        sheet.append(row)
    # A date typed into Excel is a date cell, with its time of day.
    sheet.cell(row=2, column=13, value=datetime(2025, 1, 15, 9, 0))
    sheet.cell(row=2, column=11, value=1200.5)  # a number cell
    sheet.cell(row=7, column=1).data_type = "s"  # text typed as it is, not a formula
    path = tmp_path / "报送.xlsx"
    book.save(path)
    records = DuckDBRecords(store)
    report = records.load(path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 2, 5)
    assert _quarantined(records) == EXPECTED
    stored = store.connection().sql("SELECT amount, reported_at FROM records ORDER BY 1").fetchall()
    assert stored == [(300.0, datetime(2025, 1, 15, 10, 30)), (1200.5, datetime(2025, 1, 15, 9))]
    records.close()


def test_a_workbook_with_two_sheets_of_data_asks_which(store: Store, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "一月"
    second = book.create_sheet("二月")
    for sheet in (first, second):
        sheet.append(HEADER.split(","))
        sheet.append(_row("r1" + sheet.title))
    path = tmp_path / "two.xlsx"
    book.save(path)
    records = DuckDBRecords(store)
    with pytest.raises(ValueError, match="choose one with --sheet"):
        records.load(path)
    assert records.load(path, sheet="二月").sheet is None  # named, not chosen
    cover = openpyxl.Workbook()
    blank = cover.active
    assert blank is not None
    blank.title = "封面"
    data = cover.create_sheet("三月")
    data.append(HEADER.split(","))
    data.append(_row("r1三月"))
    cover.save(tmp_path / "cover.xlsx")
    assert records.load(tmp_path / "cover.xlsx").sheet == "三月"
    stored = store.connection().sql("SELECT record_id FROM records ORDER BY 1").fetchall()
    assert stored == [("r1三月",), ("r1二月",)]
    records.close()


def test_a_text_file_without_a_record_column_is_refused_whole(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("record_id,amount\nr1,5\n", encoding="utf-8")
    records = DuckDBRecords(store)
    with pytest.raises(ValueError, match="missing columns reporter_id"):
        records.load(path)
    assert records.quarantine().empty
    records.close()


def _cli(*arguments: str, status: int = 0) -> str:
    result = runner.invoke(cli, list(arguments))
    assert result.exit_code == status, result.output
    return result.output


def test_records_errors_lists_each_record_for_its_reporter(tmp_path: Path) -> None:
    db = str(tmp_path / "store.duckdb")
    path = _csv(tmp_path / "报送.csv", ROWS, encoding="utf-8")
    loaded = _cli("--lang", "en", "records", "load", str(path), "--db", db, status=3)
    assert "rows read 7, loaded 2, already stored 0, rejected 5" in " ".join(loaded.split())
    listed = json.loads(_cli("records", "errors", "--db", db, "--format", "json"))
    assert [(r["line"], r["record_id"], r["column"], r["value"]) for r in listed] == [
        e[:4] for e in EXPECTED
    ]
    assert {r["reporter_id"] for r in listed} == {REPORTER}
    only_amounts = json.loads(
        _cli("records", "errors", "--db", db, "--format", "json", "--column", "amount")
    )
    assert [r["record_id"] for r in only_amounts] == ["r3", "r7"]
    nobody = json.loads(
        _cli("records", "errors", "--db", db, "--format", "json", "--reporter", "X" * 18)
    )
    assert nobody == []
    out = tmp_path / "退回.csv"
    _cli("--lang", "zh", "records", "errors", "--db", db, "--format", "csv", "--out", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 by its byte-order mark
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][3:] == ["记录编号", "报送单位", "字段", "填报值", "原因"]
    record_ids = [row[3] for row in table[1:]]
    assert "'" + FORMULA_ID in record_ids and FORMULA_ID not in record_ids
    assert table[-1][-1] == "不是数字（ASCII 数字，可带小数点）"
    shown = _cli("--lang", "en", "records", "errors", "--db", db)
    assert "r3" in shown and "一百" in shown


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["records", "errors", "--db", str(tmp_path / "s.duckdb"), "--format", "xml"]
    )
    assert result.exit_code == 2
    assert "--format" in result.output


def test_spark_loads_a_csv_and_names_its_bad_rows(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "报送.csv", ROWS)
    warehouse = tmp_path / "warehouse"
    records = SparkRecords(warehouse, store, "local[1]")
    try:
        report = records.load(path)
        assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 2, 5)
        assert _quarantined(records) == EXPECTED
        stored = pd.read_parquet(warehouse / "records")
        assert sorted(stored["record_id"]) == ["r1", "r2"]
        assert not any((warehouse / "_staging").iterdir())  # the typed copy is gone
    finally:
        records.close()


def test_a_quarantine_kept_before_records_were_named_still_lists(tmp_path: Path) -> None:
    path = tmp_path / "older.duckdb"
    with Store(path) as older:
        connection = older.connection()
        connection.execute("DROP TABLE records_quarantine")
        connection.execute(
            "CREATE TABLE records_quarantine (load_id VARCHAR NOT NULL, file VARCHAR NOT NULL, "
            'row_no BIGINT NOT NULL, "column" VARCHAR NOT NULL, reason VARCHAR NOT NULL)'
        )
        connection.execute(
            "INSERT INTO records_quarantine VALUES ('l0', 'old.parquet', 3, 'region', "
            "'unknown region')"
        )
    with Store(path) as upgraded:
        records = DuckDBRecords(upgraded)
        records.load(_csv(tmp_path / "new.csv", ROWS[4:5]))
        listed = records.quarantine()
        assert listed[["file", "row_no", "record_id", "value"]].values.tolist() == [
            [str(tmp_path / "new.csv"), 1, "r5", "XX"],
            ["old.parquet", 3, None, None],  # what an older load did not keep
        ]
        records.close()
