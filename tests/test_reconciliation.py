"""Numbers that reconcile: each figure keeps its statistical basis, its qualifier (exact,
bound, approximate) and its published precision, and nothing combines two bases.

Expected values are the published figures as their sources print them (see
data/reference/china/national.csv), or arithmetic on them done here by hand.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from servtrade.classification import EXACT
from servtrade.cli import app
from servtrade.data import bundled_file
from servtrade.i18n import format_figure, set_language
from servtrade.indicators import IndicatorRequest, IndicatorValue, compute_indicators
from servtrade.indicators.qualifiers import (
    APPROXIMATE,
    DECREASING,
    INCREASING,
    LOWER_BOUND,
    UPPER_BOUND,
    combined,
)
from servtrade.indicators.summary import headline_cell, headline_summary
from servtrade.ingest import ingest_file
from servtrade.periods import parse_period
from servtrade.store import ObservationQuery, Store
from tests.conftest import ROOT, write_csv

runner = CliRunner()
FULL = "region,period,flow,category,value,unit,basis,qualifier,decimals,source,vintage,note"


def _values(store: Store, indicator: str, **request: object) -> dict[str, IndicatorValue]:
    found = compute_indicators(
        store,
        IndicatorRequest(indicators=[indicator], **request),  # type: ignore[arg-type]
    )
    return {v.period: v for v in found}


# -- the bundled figures against their sources ---------------------------------------------
# (period, flow, category, basis, value as published, unit, qualifier, decimals): national
# figures 2020-2025 as their sources print them; the qualifier is the source's word
# ("nearly", "exceed", 约...), the decimals those printed.
PUBLISHED = [
    ("2016", "total", "S", "mofcom_sts", "5.25", "CNY_TN", LOWER_BOUND, 2),  # 5.25万亿, exceeded
    ("2020", "total", "S", "mofcom_sts", "45642.7", "CNY_100M", EXACT, 1),
    ("2020", "import", "S", "mofcom_sts", "26286", "CNY_100M", EXACT, 0),
    ("2020", "total", "SD", "mofcom_sts", "1", "CNY_TN", APPROXIMATE, 0),  # 约1万亿元
    ("2021", "total", "S", "mofcom_sts", "52982", "CNY_100M", EXACT, 0),
    ("2021", "total", "S", "unknown", "52983", "CNY_100M", EXACT, 0),  # NBS: basis not stated
    ("2022", "total", "S", "mofcom_sts", "5.98", "CNY_TN", EXACT, 2),
    ("2022", "export", "S", "mofcom_sts", "2.85", "CNY_TN", APPROXIMATE, 2),  # 'around'
    ("2023", "total", "S", "mofcom_sts", "6.575", "CNY_TN", EXACT, 3),
    ("2024", "total", "S", "mofcom_sts", "75238", "CNY_100M", EXACT, 0),
    ("2024", "total", "S", "unknown", "10565", "USD_100M", EXACT, 0),
    ("2025-01/2025-09", "total", "S", "mofcom_sts", "5.94", "CNY_TN", APPROXIMATE, 2),
    ("2025-01/2025-09", "export", "S", "mofcom_sts", "2.6", "CNY_TN", LOWER_BOUND, 1),
    ("2025-01/2025-09", "import", "S", "mofcom_sts", "3.33", "CNY_TN", LOWER_BOUND, 2),
    (
        "2025-01/2025-11",
        "total",
        "knowledge_intensive",
        "mofcom_sts",
        "40",
        "percent",
        APPROXIMATE,
        0,
    ),
]


def test_each_bundled_national_figure_matches_its_source_with_basis_and_qualifier(
    bundled: Store,
) -> None:
    stored = bundled.observations(ObservationQuery(regions=["CN"]))
    for period, flow, category, basis, value, unit, qualifier, decimals in PUBLISHED:
        rows = stored[
            (stored["period"] == period)
            & (stored["flow"] == flow)
            & (stored["category"] == category)
            & (stored["basis"] == basis)
            & (stored["unit"] == unit)
        ]
        assert len(rows) == 1, (period, flow, category, basis)
        row = rows.iloc[0]
        assert Decimal(row["value_text"]) == Decimal(value)  # stored exactly as published
        assert (row["qualifier"], int(row["decimals"])) == (qualifier, decimals), period


def test_every_bundled_value_is_the_reference_figure_as_printed() -> None:
    """No bundled value was rescaled or retyped: each is a reference row's value verbatim."""
    reference = ROOT / "data" / "reference" / "china"
    printed = set()
    for name in ("national.csv", "provincial.csv"):
        with (reference / name).open(encoding="utf-8", newline="") as handle:
            printed |= {(r["source_url"], r["value"]) for r in csv.DictReader(handle)}
    with bundled_file().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            url = row["source"].rsplit("<", 1)[1].rstrip(">")
            assert (url, row["value"]) in printed, row


def test_the_2015_totals_pair_on_one_basis_and_vintage(bundled: Store) -> None:
    """MOFCOM's revised 2015 figures (2017): 286.7 + 466.2 = 752.9 bn USD; the first
    release's 713 bn comes from a report that names no publisher and stays apart."""
    stored = bundled.observations(ObservationQuery(regions=["CN"]))
    year = stored[(stored["period"] == "2015") & (stored["category"] == "S")]
    on_mofcom = year[year["basis"] == "mofcom_sts"]
    mofcom = dict(zip(on_mofcom["flow"], on_mofcom["value"], strict=True))
    assert mofcom == {"total": 752.9, "export": 286.7, "import": 466.2}
    assert round(mofcom["export"] + mofcom["import"], 1) == mofcom["total"]
    assert year[year["basis"] == "unknown"]["value"].tolist() == [7130.0]


def test_quickstart_prints_no_warning_and_bounds_as_bounds(tmp_path: Path) -> None:
    result = runner.invoke(app, ["quickstart", "--db", str(tmp_path / "q.duckdb")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    lines = {
        line.split()[0]: line.split()[1:]
        for line in result.stdout.splitlines()
        if line[:3] == " 20"
    }
    # 2022: 5.98万亿元 is 59,800亿元 to the hundred; exports 'around 2.85 trillion'.
    assert lines["2022"][:3] == ["59,800", "≈", "28,500"]
    assert lines["2020"][:3] == ["45,642.7", "19,356.7", "26,286"]
    assert "MOFCOM services-trade" in result.stdout


def test_headline_is_on_one_basis_and_names_it(bundled: Store) -> None:
    rows = headline_summary(bundled, "CN")
    assert {row.basis for row in rows} == {"mofcom_sts"}
    for row in rows:
        assert {v.basis for v in row.figures() if v is not None} == {"mofcom_sts"}
    by_period = {row.period: row for row in rows}
    assert headline_cell(by_period["2022"].total, "CNY_100M") == "59,800"


# -- bases never combine ---------------------------------------------------------------
def test_growth_is_never_computed_across_bases(store: Store, tmp_path: Path) -> None:
    """A MOFCOM year beside a SAFE year: no growth between them, on either basis."""
    ingest_file(
        store,
        write_csv(
            tmp_path / "two.csv",
            "CN-GZ,2023,total,S,100,亿元,mofcom_sts,,,constructed,2024-02-01,",
            "CN-GZ,2024,total,S,130,亿元,bop,,,constructed,2025-02-01,",
            header=FULL,
        ),
    )
    for basis in ("mofcom_sts", "bop"):
        assert _values(store, "yoy_growth", region="CN-GZ", basis=basis) == {}
    # Each level is there on its own basis and says which.
    assert _values(store, "value", region="CN-GZ")["2023"].basis == "mofcom_sts"
    assert _values(store, "value", region="CN-GZ", basis="bop")["2024"].value == 130


def test_the_same_period_on_two_bases_is_two_observations(store: Store, tmp_path: Path) -> None:
    """2022-03: SAFE's exports+imports 4,680 against MOFCOM's total 5,036 亿元; both stay."""
    report = ingest_file(
        store,
        write_csv(
            tmp_path / "march.csv",
            "CN,2022-03,total,S,5036,亿元,mofcom_sts,,,constructed,2022-04-20,",
            "CN,2022-03,total,S,4680,亿元,bop,,,constructed,2022-04-29,",
            header=FULL,
        ),
    )
    assert report.status == "loaded" and report.rows_loaded == 2
    assert _values(store, "value", region="CN")["2022-03"].value == 5036
    assert _values(store, "value", region="CN", basis="bop")["2022-03"].value == 4680


def test_a_basis_outside_the_codelist_is_rejected_with_its_line(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        "CN-GZ,2024,total,S,130,亿元,customs,,,constructed,2025-02-01,",
        header=FULL,
    )
    report = ingest_file(store, path)
    assert report.status == "rejected"
    (issue,) = report.errors
    assert (issue.line, issue.column, issue.reason) == (
        2,
        "basis",
        "unknown statistical basis 'customs'",
    )


def test_chinese_headers_and_basis_names_are_read(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "zh.csv"
    path.write_text(
        "地区,期间,流向,类别,数值,单位,口径,数值性质,小数位数,来源,发布日期\n"
        "贵州,2024,进出口,服务,突破120亿元,,商务部,,,constructed,2025-02-01\n",
        encoding="utf-8",
    )
    report = ingest_file(store, path)
    assert report.status == "loaded", [str(e) for e in report.errors]
    (row,) = store.observations(ObservationQuery()).to_dict("records")
    assert (row["basis"], row["qualifier"], row["value"], row["unit"]) == (
        "mofcom_sts",
        LOWER_BOUND,
        120.0,
        "CNY_100M",
    )


# -- qualifiers: read, kept, propagated ----------------------------------------------
@pytest.mark.parametrize(
    ("cell", "note", "qualifier", "decimals"),
    [
        ("突破1.3万亿元", "", LOWER_BOUND, 1),  # in 万亿元: 1.3, one decimal
        ("13000", "published as 突破1.3万亿元", LOWER_BOUND, -3),  # to the thousand 亿元
        ("59800", "published as 5.98万亿元", EXACT, -2),
        ("52982", "published as 5兆2982億元 (truncated)", EXACT, 0),  # not 5兆 alone
        ("40%左右", "", APPROXIMATE, 0),
        ("近3.6万亿元", "", APPROXIMATE, 1),
        ("120", "超过2100亿美元 (another figure)", EXACT, 0),  # a word beside another number
    ],
)
def test_qualifier_and_precision_from_the_value_or_the_note(
    store: Store, tmp_path: Path, cell: str, note: str, qualifier: str, decimals: int
) -> None:
    unit = "" if any(c in cell for c in "元%") else "亿元"
    path = write_csv(
        tmp_path / "q.csv",
        f"CN,2024,total,S,{cell},{unit},,,,constructed,2025-02-01,{note}",
        header=FULL,
    )
    report = ingest_file(store, path)
    assert report.status == "loaded", [str(e) for e in report.errors]
    (row,) = store.observations(ObservationQuery()).to_dict("records")
    assert (row["qualifier"], row["decimals"]) == (qualifier, decimals)


def test_a_qualifier_column_that_contradicts_the_value_is_an_error(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        "CN,2024,total,S,突破1.3万亿元,,,exact,,constructed,2025-02-01,",
        header=FULL,
    )
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert [e.column for e in report.errors] == ["qualifier"]


def _bounded_store(store: Store, tmp_path: Path) -> Store:
    ingest_file(
        store,
        write_csv(
            tmp_path / "bounds.csv",
            "CN-GZ,2023,total,S,100,亿元,mofcom_sts,,,constructed,2024-02-01,",
            "CN-GZ,2024,total,S,突破130亿元,,mofcom_sts,,,constructed,2025-02-01,",
            "CN-GZ,2024,export,S,60,亿元,mofcom_sts,lower_bound,,constructed,2025-02-01,",
            "CN-GZ,2024,import,S,70,亿元,mofcom_sts,,,constructed,2025-02-01,",
            "CN-GZ,2024,total,SI,近40亿元,,mofcom_sts,,,constructed,2025-02-01,",
            header=FULL,
        ),
    )
    return store


def test_a_figure_computed_from_a_bound_is_a_bound_and_says_so(
    store: Store, tmp_path: Path
) -> None:
    _bounded_store(store, tmp_path)
    growth = _values(store, "yoy_growth", region="CN-GZ")["2024"]
    assert growth.value == pytest.approx(30.0)  # 130 / 100 - 1, at least
    assert growth.qualifier == LOWER_BOUND
    balance = _values(store, "balance", region="CN-GZ")["2024"]
    assert (balance.value, balance.qualifier) == (-10.0, LOWER_BOUND)  # ≥60 - 70
    share = _values(store, "share", region="CN-GZ", category="SI")["2024"]
    # Numerator approximate, denominator a lower bound: approximate.
    assert share.value == pytest.approx(40 / 130 * 100)
    assert share.qualifier == APPROXIMATE
    cagr = _values(
        store,
        "cagr",
        region="CN-GZ",
        period_from=parse_period("2023"),
        period_to=parse_period("2024"),
    )["2023..2024"]
    assert cagr.qualifier == LOWER_BOUND
    set_language("en")
    assert format_figure(growth.value, None, growth.qualifier) == "≥ 30.0"


def test_a_sum_of_a_lower_bound_and_an_exact_figure_is_a_lower_bound(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(
        store,
        write_csv(
            tmp_path / "sum.csv",
            "CN-GZ,2024,export,S,逾60亿元,,,,,constructed,2025-02-01,",
            "CN-GZ,2024,import,S,70,亿元,,,,constructed,2025-02-01,",
            header=FULL,
        ),
    )
    total = _values(store, "value", region="CN-GZ")["2024"]
    assert (total.value, total.qualifier, total.derivation) == (130.0, LOWER_BOUND, "computed")


QUALIFIERS = st.sampled_from(
    [EXACT, LOWER_BOUND, UPPER_BOUND, APPROXIMATE, "estimate", "provisional"]
)
SIGNS = st.sampled_from([INCREASING, DECREASING])


@given(st.lists(st.tuples(QUALIFIERS, SIGNS), min_size=1, max_size=5))
def test_turning_every_part_around_turns_the_bound_around(
    parts: list[tuple[str, int]],
) -> None:
    """f rising in a part is -f falling in it: a lower bound of f is an upper one of -f."""
    mirrored = {LOWER_BOUND: UPPER_BOUND, UPPER_BOUND: LOWER_BOUND}
    result = combined(*parts)
    flipped = combined(*((q, -s) for q, s in parts))
    assert flipped == mirrored.get(result, result)
    if all(q == EXACT for q, _ in parts):
        assert result == EXACT


# -- precision -------------------------------------------------------------------------
def test_values_are_stored_exactly_and_shown_without_float_noise(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(
        store,
        write_csv(
            tmp_path / "d.csv",
            "CN-GZ,2024,total,S,2.10247,万亿元,,,,constructed,2025-02-01,",
            header=FULL,
        ),
    )
    (stored,) = store.fetchall("SELECT value FROM observations")
    assert stored[0] == Decimal("2.10247")
    value = _values(store, "value", region="CN-GZ", unit="CNY_100M")["2024"]
    assert value.value == 21024.7  # not 21024.699999999997
    assert value.decimals == 1  # 5 decimals in 万亿元 are one in 亿元
    set_language("en")
    assert format_figure(value.value, value.decimals) == "21,024.7"
    assert format_figure(59800.0, -2) == "59,800"
    assert format_figure(59849.0, -2) == "59,800"


def test_a_store_written_before_the_attributes_existed_is_upgraded(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE observations (region VARCHAR NOT NULL, period VARCHAR NOT NULL, "
        "flow VARCHAR NOT NULL, category VARCHAR NOT NULL, partner VARCHAR NOT NULL, "
        "mode VARCHAR NOT NULL, measure VARCHAR NOT NULL, year INTEGER NOT NULL, "
        "first_month INTEGER NOT NULL, last_month INTEGER NOT NULL, value DOUBLE, "
        "unit VARCHAR NOT NULL, amount DOUBLE, yoy_growth DOUBLE, source VARCHAR, "
        "vintage DATE NOT NULL, note VARCHAR, load_id VARCHAR NOT NULL, line BIGINT)"
    )
    con.execute(
        "INSERT INTO observations VALUES ('CN','2024','total','S','W1','ALL','CNY',2024,1,12,"
        "75238,'CNY_100M',7523800000000,14.4,'s','2025-02-01','','old',2)"
    )
    con.close()
    with Store(path) as store:
        (row,) = (
            store.connection()
            .execute("SELECT basis, qualifier, decimals, value FROM observations")
            .fetchall()
        )
    assert row == ("unknown", EXACT, None, Decimal("75238"))


# -- vintages are release dates ------------------------------------------------------
def test_as_of_answers_with_what_had_been_released(bundled: Store) -> None:
    """MOFCOM's 2021 total was released in January 2022 (mofcom.gov.cn/.../202201/...): known
    by mid-2025. The 2024 total's repost gives no release date, so it counts as known only
    from the date the reference set was compiled, and its note says so."""
    on = date(2025, 6, 30)
    totals = _values(bundled, "value", region="CN", as_of=on)
    assert totals["2021"].value == 52982
    assert "2024" not in totals
    stored = bundled.observations(ObservationQuery(regions=["CN"]))
    row = stored[
        (stored["period"] == "2024")
        & (stored["basis"] == "mofcom_sts")
        & (stored["flow"] == "total")
        & (stored["category"] == "S")
    ].iloc[0]
    assert "release date unknown" in row["note"]
    assert _values(bundled, "value", region="CN")["2024"].value == 75238


def test_a_registered_basis_is_audited_and_loads(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    result = runner.invoke(
        app,
        [
            *("bases", "add", "gz_dept", "--name-en", "Guizhou commerce department"),
            *("--name-zh", "贵州省商务厅统计", "--alias", "省商务厅", "--by", "analyst"),
            *("--db", str(db)),
        ],
    )
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        audit = store.audit_log()
        assert audit[["user_name", "action", "target"]].values.tolist() == [
            ["analyst", "add_basis", "gz_dept"]
        ]
        report = ingest_file(
            store,
            write_csv(
                tmp_path / "gz.csv",
                "CN-GZ,2024,total,S,104,亿元,省商务厅,,,constructed,2025-02-01,",
                header=FULL,
            ),
        )
        assert report.status == "loaded"
        assert _values(store, "value", region="CN-GZ")["2024"].basis == "gz_dept"
    again = runner.invoke(
        app, ["bases", "add", "bop", "--name-en", "x", "--name-zh", "y", "--db", str(db)]
    )
    assert again.exit_code == 2 and "duplicate code 'bop'" in again.output


def test_q1_2025_export_growth_is_not_computed_against_a_safe_base(bundled: Store) -> None:
    """Q1 2025 exports: +12.2% published (MOFCOM); the only Q1 2024 exports figure is SAFE's,
    so no growth is computed from levels (it gave +29.1%)."""
    q1 = parse_period("2025-01/2025-03")
    found = compute_indicators(
        bundled,
        IndicatorRequest(
            region="CN", indicators=["yoy_growth"], flow="export", period_from=q1, period_to=q1
        ),
    )
    assert [(v.value, v.derivation, v.basis) for v in found] == [(12.2, "published", "mofcom_sts")]


def test_h1_2025_yuan_and_dollars_are_not_set_side_by_side_across_bases(bundled: Store) -> None:
    """H1 2025: MOFCOM's 38,872.6 亿元 and 5,077 亿美元 from a source naming no basis implied
    7.66 CNY/USD. On MOFCOM's basis the dollars are the yuan at the period's rate."""
    h1 = parse_period("2025-01/2025-06")
    usd = _values(bundled, "value", region="CN", unit="USD_100M", period_from=h1, period_to=h1)
    value = usd["2025-01/2025-06"]
    rate = bundled.rate_table().rate(h1, "USD").cny_per_unit
    assert (value.derivation, value.basis) == ("computed", "mofcom_sts")
    assert value.value == pytest.approx(38872.6 / rate)
