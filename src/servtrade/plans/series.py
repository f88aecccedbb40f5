"""A target's indicator as a series of full years, each figure with what an official must
say of it (published or computed, its basis and qualifier)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from servtrade.i18n import Message
from servtrade.indicators import IndicatorRequest, preferred_values
from servtrade.periods import parse_period
from servtrade.plans.schema import Target
from servtrade.store import Store


def compound_growth(start: float, end: float, years: float) -> float | None:
    """Compound annual growth in percent, or None where it is undefined."""
    if years <= 0 or start <= 0 or end < 0:
        return None
    return (math.exp(math.log(end / start) / years) - 1) * 100 if end > 0 else -100.0


@dataclass(frozen=True)
class Evidence:
    """A figure a target is judged on, with what an official must say of it."""

    period: str
    value: float
    derivation: str
    note: Message | None = None
    basis: str = "unknown"  # the statistical basis
    qualifier: str = "exact"
    decimals: int | None = None


@dataclass
class Series:
    """A target's indicator by full year, with the latest partial-year figure if later and
    its growth on the same months a year earlier (where that figure exists)."""

    annual: dict[int, Evidence]
    partial: Evidence | None
    partial_growth: float | None = None


def indicator_series(
    store: Store, region: str, target: Target, as_of: date | None, indicator: str | None = None
) -> Series:
    """The values the target is judged on, in its unit, preferring published figures."""
    name = indicator or ("value" if target.indicator == "cagr" else target.indicator)
    is_level = name == "value"
    by_period = preferred_values(
        store,
        IndicatorRequest(
            region=region,
            indicators=[name],
            flow=target.flow,
            category=target.category,
            unit=target.unit if is_level and target.indicator == "value" else None,
            as_of=as_of,
            skip_unconvertible=True,
        ),
    )
    annual: dict[int, Evidence] = {}
    partial: Evidence | None = None
    for label in sorted(by_period, key=parse_period):
        value = by_period[label]
        period = parse_period(label)
        evidence = Evidence(
            label,
            value.value,
            value.derivation,
            value.note,
            value.basis,
            value.qualifier,
            value.decimals,
        )
        if period.kind == "annual":
            annual[period.year] = evidence
        elif period.first_month == 1 and period.kind in ("range", "quarter", "month"):
            partial = evidence
    last_year = max(annual) if annual else None
    if (
        partial is not None
        and last_year is not None
        and parse_period(partial.period).year <= last_year
    ):
        partial = None
    growth = None
    if partial is not None and is_level:
        earlier = by_period.get(str(parse_period(partial.period).shifted(-1)))
        if earlier is not None and earlier.value > 0:
            growth = (partial.value / earlier.value - 1) * 100
    return Series(annual, partial, growth)


def level_series(
    store: Store, region: str, code: str, flow: str, unit: str, as_of: date | None
) -> dict[int, Evidence]:
    """A category's or grouping's level by full year, in `unit`."""
    template = Target.model_construct(
        id="level", indicator="value", flow=flow, category=code, unit=unit
    )
    return indicator_series(store, region, template, as_of).annual
