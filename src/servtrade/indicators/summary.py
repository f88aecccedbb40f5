"""Headline figures for a region: the table an analyst reads first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from servtrade.classification import Classifications
from servtrade.i18n import format_figure
from servtrade.indicators import (
    IndicatorRequest,
    IndicatorValue,
    compute_indicators,
    preferred_by_period,
    preferred_values,
)
from servtrade.indicators.panel import COMPUTED, PUBLISHED
from servtrade.periods import parse_period
from servtrade.store import Store


@dataclass(frozen=True)
class HeadlineRow:
    period: str
    unit: str
    basis: str
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
    """A headline figure as shown: at its published precision, marked if a bound (≥) or
    approximate (≈), its unit if not the row's, * if computed from published figures,
    † if taken from a published aggregate, a dash if there is none."""
    if value is None:
        return "—"
    text = format_figure(value.value, value.decimals, value.qualifier, default=decimals)
    if value.unit not in (row_unit, "percent"):
        text += f" {value.unit}"
    if value.derivation != PUBLISHED:
        text += "*" if value.derivation == COMPUTED else "†"
    return text


def _first(values: list[IndicatorValue], period: str, indicator: str) -> IndicatorValue | None:
    return preferred_by_period([v for v in values if v.indicator == indicator]).get(period)


def headline_summary(
    store: Store,
    region: str,
    *,
    years: int = 5,
    as_of: date | None = None,
    basis: str | None = None,
) -> list[HeadlineRow]:
    """The latest `years` full years, then the latest year-to-date period after them, all
    on one basis: `basis`, else the one the region's total is computed on."""
    if basis is None:
        totals = compute_indicators(
            store, IndicatorRequest(region=region, indicators=["value"], as_of=as_of)
        )
        basis = totals[0].basis if totals else None
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
                basis=basis,
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
                basis=total.basis if total else "",
                total=total,
                exports=_first(by_flow["export"], label, "value"),
                imports=_first(by_flow["import"], label, "value"),
                growth=_first(totals, label, "yoy_growth"),
                knowledge_intensive_share=_first(totals, label, "knowledge_intensive_share"),
                digitally_deliverable_share=_first(totals, label, "digitally_deliverable_share"),
            )
        )
    return rows


@dataclass(frozen=True)
class TrendPoint:
    period: str
    exports: float | None
    imports: float | None
    total: float | None

    @property
    def balance(self) -> float | None:
        if self.exports is None or self.imports is None:
            return None
        return self.exports - self.imports


def level_values(
    store: Store, region: str, indicator: str, flow: str, category: str, as_of: date | None
) -> dict[str, IndicatorValue]:
    """One indicator by period (preferred basis), skipping figures that cannot convert."""
    return preferred_values(
        store,
        IndicatorRequest(
            region=region,
            indicators=[indicator],
            flow=flow,
            category=category,
            as_of=as_of,
            skip_unconvertible=True,
        ),
    )


def trade_trend(
    store: Store, region: str, as_of: date | None = None
) -> tuple[list[TrendPoint], str]:
    """Exports, imports and total by full year, in one unit (亿元 where there is one)."""
    by_flow = {
        flow: level_values(store, region, "value", flow, "S", as_of)
        for flow in ("export", "import", "total")
    }
    years = sorted(
        {p for values in by_flow.values() for p in values if parse_period(p).kind == "annual"},
        key=int,
    )
    units = {v.unit for values in by_flow.values() for v in values.values()}
    unit = "CNY_100M" if "CNY_100M" in units or not units else sorted(units)[0]

    def value(flow: str, year: str) -> float | None:
        found = by_flow[flow].get(year)
        return found.value if found is not None and found.unit == unit else None

    points = [
        TrendPoint(year, value("export", year), value("import", year), value("total", year))
        for year in years
    ]
    return [p for p in points if p.total is not None or p.exports is not None], unit


def category_structure(
    store: Store,
    region: str,
    unit: str,
    classifications: Classifications,
    as_of: date | None = None,
) -> dict[str, dict[str, float]]:
    """Total trade by main EBOPS category, by full year, in `unit`."""
    by_year: dict[str, dict[str, float]] = defaultdict(dict)
    for code in classifications.main_categories():
        for period, value in level_values(store, region, "value", "total", code, as_of).items():
            if parse_period(period).kind == "annual" and value.unit == unit:
                by_year[period][code] = value.value
    return dict(by_year)
