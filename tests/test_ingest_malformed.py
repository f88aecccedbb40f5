"""Each fault gets its own message with file, line and column, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from servtrade.ingest import IngestOptions, ReadOptions, ingest_file
from servtrade.store import Store
from tests.conftest import HEADER, snapshot, write_csv

GOOD = "CN-GZ,2024,total,S,100,亿元,5.0,test,2025-01-20"


def _csv(*rows: str, header: str = HEADER) -> Callable[[Path], Path]:
    return lambda tmp: write_csv(tmp / "bad.csv", *rows, header=header)


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return make


LATIN1 = (HEADER + "\nCN-GZ,2024,total,S,100,亿元,,Café,2025-01-20\n").replace("亿元", "CNY")
FAULTS: list[tuple[str, Callable[[Path], Path], str, int | None, str | None]] = [
    ("empty file", _bytes("empty.csv", b""), "file is empty", None, None),
    ("blank file", _bytes("blank.csv", b"\n\n  \n"), "file is empty", None, None),
    ("header only", _bytes("header.csv", (HEADER + "\n").encode()), "no data rows", None, None),
    (
        "missing column",
        _csv("CN-GZ,2024,total,S,100", header="region,period,flow,category,value"),
        "missing required column(s) unit",
        1,
        "unit",
    ),
    (
        "misspelt column",
        _csv(GOOD + ",x", header=HEADER + ",vaule"),
        "unknown column(s) vaule",
        1,
        "vaule",
    ),
    (
        "unknown region",
        _csv(GOOD, "Atlantis,2024,total,S,1,亿元,,t,"),
        "unknown region 'Atlantis'",
        3,
        "region",
    ),
    (
        "unknown category",
        _csv(GOOD, "CN-GZ,2024,total,SZ,1,亿元,,t,"),
        "unknown category 'SZ'",
        3,
        "category",
    ),
    ("unknown flow", _csv(GOOD, "CN-GZ,2024,both,S,1,亿元,,t,"), "unknown flow 'both'", 3, "flow"),
    (
        "non-numeric value",
        _csv(GOOD, "CN-GZ,2023,total,S,n/a,亿元,,t,"),
        "value 'n/a' is not a number",
        3,
        "value",
    ),
    (
        "negative level",
        _csv(GOOD, "CN-GZ,2023,export,S,-3,亿元,,t,"),
        "negative level -3",
        3,
        "value",
    ),
    (
        "bad month",
        _csv(GOOD, "CN-GZ,2024-13,total,S,1,亿元,,t,"),
        "month outside 1-12",
        3,
        "period",
    ),
    (
        "range across years",
        _csv(GOOD, "CN-GZ,2024-11/2025-02,total,S,1,亿元,,t,"),
        "must lie inside one year",
        3,
        "period",
    ),
    (
        "unknown unit",
        _csv(GOOD, "CN-GZ,2023,total,S,1,furlongs,,t,"),
        "unknown unit 'furlongs'",
        3,
        "unit",
    ),
    (
        "unit in value disagrees",
        _csv(GOOD, "CN-GZ,2023,total,S,120亿元,万元,,t,"),
        "names unit CNY_100M but unit says CNY_10K",
        3,
        "unit",
    ),
    (
        "share over 100",
        _csv(GOOD, "CN-GZ,2023,total,SI,135,%,,t,"),
        "share 135% is outside 0-100",
        3,
        "value",
    ),
    (
        "conflicting duplicate",
        _csv(
            GOOD,
            "CN-GZ,2023,total,S,90,亿元,,t,2025-01-20",
            "CN-GZ,2023,total,S,91,亿元,,t,2025-01-20",
        ),
        "conflicting values for the same observation on lines 3, 4",
        3,
        "value",
    ),
    (
        "latin-1 bytes",
        _bytes("latin1.csv", LATIN1.encode("latin-1")),
        "neither UTF-8 nor GB18030",
        None,
        None,
    ),
    (
        "UTF-16",
        _bytes("utf16.csv", (HEADER + "\n" + GOOD + "\n").encode("utf-16")),
        "NUL bytes",
        None,
        None,
    ),
    ("ragged row", _csv(GOOD, GOOD + ",extra,cells"), "malformed CSV", None, None),
    (
        "every row one field too many",
        _csv(GOOD + ",x", "CN-GZ,2023,total,S,1,亿元,,t,2025-01-20,y"),
        "Expected 9 columns, got 10",
        None,
        None,
    ),
    (
        "bad vintage",
        _csv(GOOD, "CN-GZ,2023,total,S,1,亿元,,t,20/01/2025"),
        "vintage '20/01/2025' is not a date",
        3,
        "vintage",
    ),
    (
        "future vintage",
        _csv(GOOD, "CN-GZ,2023,total,S,1,亿元,,t,2999-01-01"),
        "is in the future",
        3,
        "vintage",
    ),
    (
        "non-numeric growth",
        _csv(GOOD, "CN-GZ,2023,total,S,1,亿元,abc,t,"),
        "published growth 'abc' is not a number",
        3,
        "yoy_growth",
    ),
    ("empty value", _csv(GOOD, "CN-GZ,2023,total,S,,亿元,,t,"), "value is empty", 3, "value"),
    (
        "unknown partner",
        _csv(
            "CN-GZ,2024,total,S,Narnia,1,亿元",
            header="region,period,flow,category,partner,value,unit",
        ),
        "unknown partner 'Narnia'",
        2,
        "partner",
    ),
    (
        "unknown mode",
        _csv("CN-GZ,2024,total,S,5,1,亿元", header="region,period,flow,category,mode,value,unit"),
        "unknown mode of supply '5'",
        2,
        "mode",
    ),
    (
        "bare carriage return",
        _bytes("cr.csv", b"\r0"),
        "malformed CSV: new-line character seen in unquoted field",
        1,
        None,
    ),
    (
        "corrupt xls",
        _bytes("old.xls", b"\xd0\xcf\x11\xe0 not really"),
        "not a readable workbook",
        None,
        None,
    ),
    (
        "corrupt xlsx",
        _bytes("broken.xlsx", b"PK\x03\x04 truncated"),
        "not a readable workbook",
        None,
        None,
    ),
]


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    seed = write_csv(tmp_path / "seed.csv", "CN-GZ,2023,total,S,95,亿元,,seed,2024-01-20")
    assert ingest_file(store, seed).status == "loaded"
    return store


@pytest.mark.parametrize(
    ("fault", "make", "message", "line", "column"), FAULTS, ids=[f[0] for f in FAULTS]
)
def test_fault_is_reported_and_store_unchanged(
    loaded: Store,
    tmp_path: Path,
    fault: str,
    make: Callable[[Path], Path],
    message: str,
    line: int | None,
    column: str | None,
) -> None:
    before = snapshot(loaded)
    path = make(tmp_path)
    report = ingest_file(loaded, path)
    assert report.status == "rejected"
    assert report.exit_status == 1
    matching = [e for e in report.errors if message in e.reason]
    assert matching, [str(e) for e in report.errors]
    assert matching[0].file == str(path)
    assert matching[0].line == line
    assert matching[0].column == column
    assert snapshot(loaded) == before
    if line is not None and line > 1:
        rejected = Path(f"{path}.rejected.csv").read_text("utf-8")
        assert message.split("'")[0] in rejected


def test_distinct_faults_are_at_least_fifteen() -> None:
    assert len({f[2] for f in FAULTS}) >= 15


def test_file_over_size_limit(loaded: Store, tmp_path: Path) -> None:
    before = snapshot(loaded)
    path = write_csv(tmp_path / "big.csv", *[GOOD] * 50)
    report = ingest_file(loaded, path, IngestOptions(read=ReadOptions(max_bytes=1000)))
    assert "over the limit of 1,000 bytes" in report.errors[0].reason
    assert snapshot(loaded) == before


def test_conflicting_revision_same_vintage_is_rejected(loaded: Store, tmp_path: Path) -> None:
    before = snapshot(loaded)
    path = write_csv(tmp_path / "rev.csv", "CN-GZ,2023,total,S,96,亿元,,other,2024-01-20")
    report = ingest_file(loaded, path)
    assert report.status == "rejected"
    assert "conflicts with 95 CNY_100M already stored" in report.errors[0].reason
    assert "a revision needs a later vintage" in report.errors[0].reason
    assert snapshot(loaded) == before


def test_every_bad_row_is_listed_not_just_the_first(loaded: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "many.csv",
        GOOD,
        "Atlantis,2024,total,S,1,亿元,,t,",
        "CN-GZ,2024,total,S,x,亿元,,t,",
        "CN-GZ,2024-00,total,S,1,亿元,,t,",
    )
    report = ingest_file(loaded, path)
    assert sorted({e.line or 0 for e in report.errors}) == [3, 4, 5]
    rejected = Path(f"{path}.rejected.csv").read_text("utf-8").splitlines()
    assert rejected[0].endswith(",reason")
    assert len(rejected) == 4
