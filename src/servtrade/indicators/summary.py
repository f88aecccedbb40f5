"""Headline figures for a region: the table an analyst reads first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from servtrade.i18n import format_number
from servtrade.indicators import (
    IndicatorRequest,
    IndicatorValue,
    compute_indicators,
    preferred_by_period,
)
from servtrade.indicators.panel import COMPUTED, PUBLISHED
from servtrade.periods import parse_period
from servtrade.store import Store


@dataclass(frozen=True)
class HeadlineRow:
    period: str
    unit: str
    total: IndicatorValue | None
    exports: IndicatorValue | None
    imports: IndicatorValue | None
    growth: IndicatorValue | None
    knowledge_intensive_share: IndicatorValue | None
    digitally_deliverable_share: IndicatorValue | None

    def figures(self) -> tuple[IndicatorValue | None, ...]:
        """The row's figures in the order every headline table shows them."""
        return (
            self.total,
            self.exports,
            self.imports,
            self.growth,
            self.knowledge_intensive_share,
            self.digitally_deliverable_share,
        )


def headline_cell(value: IndicatorValue | None, row_unit: str, decimals: int = 1) -> str:
    """A headline figure as shown: its unit if not the row's, * if computed from published
    figures, † if taken from a published aggregate, a dash if there is none."""
    if value is None:
        return "—"
    text = format_number(value.value, decimals)
    if value.unit not in (row_unit, "percent"):
        text += f" {value.unit}"
    if value.basis != PUBLISHED:
        text += "*" if value.basis == COMPUTED else "†"
    return text


def _first(values: list[IndicatorValue], period: str, indicator: str) -> IndicatorValue | None:
    return preferred_by_period([v for v in values if v.indicator == indicator]).get(period)


def headline_summary(
    store: Store, region: str, *, years: int = 5, as_of: date | None = None
) -> list[HeadlineRow]:
    """The latest `years` full years, then the latest year-to-date period after them."""
    by_flow = {
        flow: compute_indicators(
            store,
            IndicatorRequest(
                region=region,
                indicators=["value", "yoy_growth"]
                + (
                    ["knowledge_intensive_share", "digitally_deliverable_share"]
                    if flow == "total"
                    else []
                ),
                flow=flow,
                as_of=as_of,
            ),
        )
        for flow in ("total", "export", "import")
    }
    totals = by_flow["total"]
    periods = sorted(
        {parse_period(v.period) for v in totals if v.indicator == "value"},
    )
    annual = [p for p in periods if p.kind == "annual"][-years:]
    later = [p for p in periods if p.kind == "range" and (not annual or p.year > annual[-1].year)]
    chosen = annual + later[-1:]
    rows = []
    for period in chosen:
        label = str(period)
        total = _first(totals, label, "value")
        rows.append(
            HeadlineRow(
                period=label,
                unit=total.unit if total else "",
                total=total,
                exports=_first(by_flow["export"], label, "value"),
                imports=_first(by_flow["import"], label, "value"),
                growth=_first(totals, label, "yoy_growth"),
                knowledge_intensive_share=_first(totals, label, "knowledge_intensive_share"),
                digitally_deliverable_share=_first(totals, label, "digitally_deliverable_share"),
            )
        )
    return rows
