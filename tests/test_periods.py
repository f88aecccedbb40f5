from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servtrade.periods import Period, PeriodError, parse_period, years_between


@pytest.mark.parametrize(
    ("label", "canonical", "kind"),
    [
        ("2024", "2024", "annual"),
        ("2024-Q3", "2024-Q3", "quarter"),
        ("2024-03", "2024-03", "month"),
        ("2025-01/2025-11", "2025-01/2025-11", "range"),
        ("2025-01/2025-12", "2025", "annual"),
        ("2024年", "2024", "annual"),
        ("2025年1-11月", "2025-01/2025-11", "range"),
        ("2025年1—11月", "2025-01/2025-11", "range"),
        ("2024年第三季度", "2024-Q3", "quarter"),
    ],
)
def test_parse(label: str, canonical: str, kind: str) -> None:
    period = parse_period(label)
    assert str(period) == canonical
    assert period.kind == kind


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2024-13", "outside 1-12"),
        ("2024-11/2025-02", "inside one year"),
        ("2024-05/2024-03", "ends before"),
        ("24", "is not one of"),
        ("", "is not one of"),
        ("2024-Q5", "is not one of"),
    ],
)
def test_reject(label: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(label)


@given(
    year=st.integers(1950, 2100),
    first=st.integers(1, 12),
    length=st.integers(0, 11),
)
def test_round_trip_and_year_shift(year: int, first: int, length: int) -> None:
    last = min(12, first + length)
    period = Period(year, first, last)
    assert parse_period(str(period)) == period
    earlier = period.shifted(-1)
    assert years_between(earlier, period) == 1
    assert earlier < period
