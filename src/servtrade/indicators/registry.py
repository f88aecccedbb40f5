"""What each indicator is, declared once: its name in each language, what it measures, and
what plans, forecasts and interfaces may do with it.

Plans ask which indicators a target may be set on and in which unit; forecasts and the
probability of meeting a target ask which are modelled and how; the API, the CLI and the
dashboard list and name them from here. How each is computed is in `servtrade.indicators`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from servtrade.i18n import N_

Measure = Literal["currency", "percent", "index"]


@dataclass(frozen=True)
class Indicator:
    name: str
    words: str  # its name in the catalog, read in the reader's language
    measure: Measure  # a currency amount, a percentage, or an index without unit
    growth: bool = False  # a rate of change a year (its figures are rates in %)
    share_of: Literal["total", "parent"] | None = None  # a part of its region's services, or
    # of the parent region's
    grouping: str | None = None  # the grouping of categories whose share it is
    needs_subcategory: bool = False  # asked of a category below S (all services)
    target: bool = False  # a plan may set a target on it
    forecast: bool = False  # the probability of meeting a target on it is forecast


REGISTRY: dict[str, Indicator] = {
    indicator.name: indicator
    for indicator in (
        Indicator("value", N_("level"), "currency", target=True, forecast=True),
        Indicator(
            "yoy_growth",
            N_("growth on a year earlier"),
            "percent",
            growth=True,
            target=True,
            forecast=True,
        ),
        Indicator("cagr", N_("compound annual growth"), "percent", growth=True, target=True),
        Indicator("balance", N_("balance"), "currency"),
        Indicator(
            "share",
            N_("share of total services trade"),
            "percent",
            share_of="total",
            needs_subcategory=True,
            target=True,
        ),
        Indicator(
            "digitally_deliverable_share",
            N_("digitally deliverable share"),
            "percent",
            share_of="total",
            grouping="digitally_deliverable",
            target=True,
            forecast=True,
        ),
        Indicator(
            "knowledge_intensive_share",
            N_("knowledge-intensive share"),
            "percent",
            share_of="total",
            grouping="knowledge_intensive",
            target=True,
            forecast=True,
        ),
        Indicator("rca", N_("revealed comparative advantage"), "index", needs_subcategory=True),
        Indicator("partner_hhi", N_("partner concentration (HHI)"), "index"),
        Indicator(
            "share_of_parent",
            N_("share of the parent region"),
            "percent",
            share_of="parent",
            target=True,
        ),
    )
}
INDICATORS = tuple(REGISTRY)
# One name per indicator in each language, wherever an interface shows one (codes are for
# machines: the API, JSON, CSV headers).
INDICATOR_WORDS = {name: indicator.words for name, indicator in REGISTRY.items()}
GROUPING_SHARES = {
    name: indicator.grouping for name, indicator in REGISTRY.items() if indicator.grouping
}


def indicators_where(**wanted: object) -> tuple[str, ...]:
    """The names of the indicators whose declaration has every field as `wanted`."""
    return tuple(
        name
        for name, indicator in REGISTRY.items()
        if all(getattr(indicator, field) == value for field, value in wanted.items())
    )
