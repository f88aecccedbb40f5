from __future__ import annotations

from pathlib import Path

import pytest

from servtrade.fx import MissingRateError, RateTable, ecb_reference_rates, read_rates_csv
from servtrade.periods import parse_period
from servtrade.store import Store


def test_ecb_cross_rate_2024_average() -> None:
    # The reference set documents the 2024 ECB cross-rate average as 7.1956 CNY/USD,
    # against 7.1215 implied by the published 75238亿元 / 10565亿美元.
    table = RateTable(ecb_reference_rates())
    rate = table.rate(parse_period("2024"), "USD")
    assert rate.cny_per_unit == pytest.approx(7.1956, abs=5e-5)
    assert "not the PBOC central parity" in rate.source


def test_range_uses_monthly_means_and_missing_rate_is_an_error() -> None:
    table = RateTable(ecb_reference_rates())
    months = [table.rate(parse_period(f"2024-{m:02d}"), "USD").cny_per_unit for m in (1, 2, 3)]
    q1 = table.rate(parse_period("2024-Q1"), "USD")
    assert q1.cny_per_unit == pytest.approx(sum(months) / 3)
    with pytest.raises(MissingRateError):
        table.rate(parse_period("2003"), "USD")


def test_user_rates_replace_the_default(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "parity.csv"
    path.write_text(
        "period,currency,cny_per_unit,source\n2024,USD,7.1884,PBOC central parity annual mean\n",
        encoding="utf-8",
    )
    store.set_exchange_rates(read_rates_csv(path), "analyst")
    rate = store.rate_table().rate(parse_period("2024"), "USD")
    assert (rate.cny_per_unit, rate.source) == (7.1884, "PBOC central parity annual mean")


def test_rates_file_must_carry_a_source(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("period,currency,cny_per_unit,source\n2024,USD,7.1,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="carry a source"):
        read_rates_csv(path)
