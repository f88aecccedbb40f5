"""Invariants that hold for any data: shares within bounds, totals add up, CAGR inverts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servtrade.classification import default_classifications
from servtrade.indicators import (
    IndicatorRequest,
    compound_annual_growth,
    compute_indicators,
    herfindahl_hirschman,
)
from servtrade.ingest import ingest_file
from servtrade.store import Store
from tests.conftest import write_csv

MAIN = default_classifications().main_categories()
amounts = st.integers(min_value=0, max_value=10**7).map(lambda n: n / 10)
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _store_with(rows: list[str]) -> tuple[tempfile.TemporaryDirectory[str], Store]:
    folder = tempfile.TemporaryDirectory()
    store = Store(Path(folder.name) / "p.duckdb")
    report = ingest_file(store, write_csv(Path(folder.name) / "p.csv", *rows))
    assert report.status == "loaded", report.errors
    return folder, store


@SLOW
@given(
    exports=st.lists(amounts, min_size=12, max_size=12),
    imports=st.lists(amounts, min_size=12, max_size=12),
)
def test_components_add_up_and_shares_stay_in_bounds(
    exports: list[float], imports: list[float]
) -> None:
    rows = [
        f"CN-GZ,2024,{flow},{code},{value},亿元,,property,2025-01-01"
        for flow, values in (("export", exports), ("import", imports))
        for code, value in zip(MAIN, values, strict=True)
    ]
    folder, store = _store_with(rows)
    with folder, store:
        values = compute_indicators(
            store,
            IndicatorRequest(
                region="CN-GZ",
                indicators=["value", "digitally_deliverable_share", "knowledge_intensive_share"],
            ),
        )
        by_indicator = {v.indicator: v for v in values}
        total = sum(exports) + sum(imports)
        assert by_indicator["value"].value == pytest.approx(total, rel=1e-9, abs=1e-6)
        six = {"SF", "SG", "SH", "SI", "SJ", "SK"}
        if total > 0:
            share = by_indicator["digitally_deliverable_share"]
            expected = (
                sum(x + m for code, x, m in zip(MAIN, exports, imports, strict=True) if code in six)
                / total
                * 100
            )
            assert share.value == pytest.approx(expected, abs=1e-9)
            assert 0 <= share.value <= 100
            assert by_indicator["knowledge_intensive_share"].value == pytest.approx(share.value)
        balance = compute_indicators(
            store, IndicatorRequest(region="CN-GZ", indicators=["balance"])
        )
        assert balance[0].value == pytest.approx(sum(exports) - sum(imports), abs=1e-6)


@given(
    start=st.floats(min_value=1e-3, max_value=1e9),
    growth=st.floats(min_value=-50, max_value=200),
    years=st.integers(min_value=1, max_value=30),
)
def test_cagr_round_trips(start: float, growth: float, years: int) -> None:
    end = start * (1 + growth / 100) ** years
    assert compound_annual_growth(start, end, years) == pytest.approx(growth, abs=1e-6)


@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=30))
def test_hhi_between_one_over_n_and_one(values: list[float]) -> None:
    if sum(values) <= 0:
        return
    hhi = herfindahl_hirschman(values)
    assert 1 / len(values) - 1e-12 <= hhi <= 1 + 1e-12


@given(value=st.integers(min_value=0, max_value=10**9))
def test_units_convert_consistently(value: int) -> None:
    c = default_classifications()
    in_yi = value * c.unit("CNY_100M").scale
    in_wan = value * 10_000 * c.unit("CNY_10K").scale
    assert in_yi == in_wan
