"""Indicators of services trade, computed from the store.

Published figures are never overwritten: a published growth rate is reported beside the
one computed from levels, and a published total beside (not replaced by) a sum. Every
result says its derivation (``published``, ``computed`` or ``published_aggregate``), its
statistical basis (MOFCOM's services-trade statistics, SAFE's balance of payments...),
whether it is exact or a bound, and its published precision.

Each indicator is computed on one basis: the first of `BASIS_PREFERENCE` that gives it
any value, or the one a request names. Growth, shares, balances and sums therefore never
combine figures of two bases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from servtrade.classification import (
    ALL_SERVICES,
    EXACT,
    UNKNOWN_BASIS,
    WORLD,
    Classifications,
)
from servtrade.fx import MissingRateError
from servtrade.i18n import N_, Message
from servtrade.i18n.faults import LocalisedError
from servtrade.indicators.panel import (
    COMPUTED,
    CURRENCIES,
    DERIVATION_ORDER,
    PUBLISHED,
    Level,
    Panel,
    coarsest_step,
)
from servtrade.indicators.qualifiers import DECREASING, INCREASING, combined, unordered
from servtrade.indicators.registry import GROUPING_SHARES, INDICATORS, REGISTRY
from servtrade.periods import Period, years_between
from servtrade.store import ObservationQuery, Store

PERCENT = "percent"
INDEX = "index"
# The basis an indicator is computed on when a request names none: the first that gives
# it a value. One order for every indicator, so that the figures of one page (exports,
# imports, their balance, growth, shares) come from one basis and reconcile; bases a user
# registers come after these, in code order, and figures of unknown basis last.
BASIS_PREFERENCE = ("mofcom_sts", "bop")


class IndicatorError(LocalisedError):
    """A request that cannot be answered as asked (wrong category, unknown unit...)."""


SIGNIFICANT_DIGITS = 15


def without_float_noise(value: float) -> float:
    """The value to `SIGNIFICANT_DIGITS` significant digits (a double's exact ones)."""
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else value


@dataclass(frozen=True)
class IndicatorValue:
    region: str
    period: str
    flow: str
    category: str
    indicator: str
    value: float
    unit: str
    derivation: str
    note: Message | None = None  # how it was derived, if it was
    basis: str = UNKNOWN_BASIS
    qualifier: str = EXACT
    decimals: int | None = None  # published precision in `unit`; None when computed

    def __post_init__(self) -> None:
        # Binary floats leave noise past the 15th significant digit of a converted or
        # computed figure (2.10247万亿元 is 21024.699999999997 亿元); no figure has more.
        object.__setattr__(self, "value", without_float_noise(self.value))


@dataclass
class IndicatorRequest:
    region: str
    indicators: list[str] = field(default_factory=lambda: ["value"])
    flow: str = "total"
    category: str = ALL_SERVICES
    period_from: Period | None = None
    period_to: Period | None = None
    unit: str | None = None
    as_of: date | None = None
    reference: str | None = None
    mode: str = "ALL"
    skip_unconvertible: bool = False
    basis: str | None = None  # None: the first of BASIS_PREFERENCE that gives a value


class _Context:
    """What every indicator needs: the panel of one basis, the request and unit handling."""

    def __init__(self, store: Store, request: IndicatorRequest) -> None:
        self.request = request
        self.classifications: Classifications = store.classifications()
        reference = request.reference or self._default_reference(request.region)
        self.reference = reference
        self._observations = store.observation_records(
            ObservationQuery(regions=[request.region, reference], as_of=request.as_of)
        )
        self._rates = store.rate_table()
        self._panels: dict[str, Panel] = {}
        self.unit_currency: str | None = None
        if request.unit is not None:
            spec = self.classifications.unit(request.unit)
            if spec.measure not in CURRENCIES:
                raise IndicatorError(N_("unit {unit} is not a currency unit"), unit=request.unit)
            self.unit_currency = spec.measure
        self.use((self.bases() or [UNKNOWN_BASIS])[0])

    def bases(self) -> list[str]:
        """The bases to try, in order: the request's, else those with figures for the
        region by preference."""
        if self.request.basis is not None:
            return [self.request.basis]
        present = {
            str(row["basis"]) for row in self._observations if row["region"] == self.request.region
        }
        return basis_order(present)

    def use(self, basis: str) -> None:
        """Compute on `basis` from now on."""
        if basis not in self._panels:
            rows = [row for row in self._observations if row["basis"] == basis]
            self._panels[basis] = Panel(rows, self.classifications, self._rates, self.request.mode)
        self.basis = basis
        self.panel = self._panels[basis]
        request = self.request
        self.periods = [
            p
            for p in self.panel.periods(request.region)
            if (request.period_from is None or p.start >= request.period_from.start)
            and (request.period_to is None or (p.year, p.last_month) <= _end(request.period_to))
        ]

    def _default_reference(self, region: str) -> str:
        parent = self.classifications.regions[region].parent
        return parent or WORLD

    def level(
        self,
        period: Period,
        flow: str,
        category: str,
        region: str | None = None,
        *,
        prefer_components: bool = False,
    ) -> tuple[Level, str] | None:
        """A level and its currency: the requested one, else CNY, else USD as published.

        With `skip_unconvertible`, a period whose conversion has no rate has no level.
        """
        where = region or self.request.region
        if self.unit_currency is not None:
            try:
                found = self.panel.level(
                    where,
                    str(period),
                    flow,
                    category,
                    self.unit_currency,
                    prefer_components=prefer_components,
                )
            except MissingRateError:
                if not self.request.skip_unconvertible:
                    raise
                return None
            return None if found is None else (found, self.unit_currency)
        for currency in CURRENCIES:
            found = self.panel.level(
                where,
                str(period),
                flow,
                category,
                currency,
                convert=False,
                prefer_components=prefer_components,
            )
            if found is not None:
                return found, currency
        return None

    def unit_for(self, currency: str) -> tuple[str, float]:
        code = self.request.unit or f"{currency}_100M"
        return code, self.classifications.unit(code).scale

    def value(
        self, indicator: str, period: Period | str, level: Level, currency: str, flow: str
    ) -> IndicatorValue:
        unit, scale = self.unit_for(currency)
        return self.result(
            indicator,
            period,
            level.amount / scale,
            unit,
            level.derivation,
            level.note,
            flow=flow,
            qualifier=level.qualifier,
            decimals=decimals_for(level.step, scale),
        )

    def result(
        self,
        indicator: str,
        period: Period | str,
        value: float,
        unit: str,
        derivation: str,
        note: Message | None = None,
        *,
        flow: str | None = None,
        category: str | None = None,
        qualifier: str = EXACT,
        decimals: int | None = None,
    ) -> IndicatorValue:
        return IndicatorValue(
            self.request.region,
            str(period),
            flow or self.request.flow,
            category or self.request.category,
            indicator,
            value,
            unit,
            derivation,
            note,
            self.basis,
            qualifier,
            decimals,
        )


def basis_order(present: set[str]) -> list[str]:
    """Bases with figures, in the order of `BASIS_PREFERENCE`, then others, unknown last."""
    preferred = [b for b in BASIS_PREFERENCE if b in present]
    others = sorted(present - set(BASIS_PREFERENCE) - {UNKNOWN_BASIS})
    return preferred + others + ([UNKNOWN_BASIS] if UNKNOWN_BASIS in present else [])


def decimals_for(step: float | None, scale: float) -> int | None:
    """Decimals in a unit of `scale` that a figure published to `step` deserves."""
    if step is None or step <= 0:
        return None
    return -round(math.log10(step / scale))


def _end(period: Period) -> tuple[int, int]:
    return (period.year, period.last_month)


def _value(ctx: _Context) -> Iterator[IndicatorValue]:
    for period in ctx.periods:
        found = ctx.level(period, ctx.request.flow, ctx.request.category)
        if found is not None:
            yield ctx.value("value", period, found[0], found[1], ctx.request.flow)


def _yoy_growth(ctx: _Context) -> Iterator[IndicatorValue]:
    """Published rate first (computed by the publisher on a revised base), then ours."""
    request = ctx.request
    for period in ctx.periods:
        currencies = [ctx.unit_currency] if ctx.unit_currency else list(CURRENCIES)
        for currency in currencies:
            cell = ctx.panel.cell(
                request.region, str(period), request.flow, request.category, currency
            )
            if cell is not None and cell.yoy_growth is not None:
                yield ctx.result(
                    "yoy_growth",
                    period,
                    cell.yoy_growth,
                    PERCENT,
                    PUBLISHED,
                    Message.of(N_("published in {currency}"), currency=currency),
                )
                break
        now = ctx.level(period, request.flow, request.category)
        if now is None:
            continue
        before = ctx.panel.level(
            request.region,
            str(period.shifted(-1)),
            request.flow,
            request.category,
            now[1],
            convert=False,
        )
        if before is None or before.amount == 0:
            continue
        growth = (now[0].amount / before.amount - 1) * 100
        yield ctx.result(
            "yoy_growth",
            period,
            growth,
            PERCENT,
            COMPUTED,
            Message.of(
                N_("{period} over {previous}"), period=str(period), previous=str(period.shifted(-1))
            ),
            qualifier=combined((now[0].qualifier, INCREASING), (before.qualifier, DECREASING)),
        )


def compound_annual_growth(first: float, last: float, years: int) -> float:
    """CAGR in percent: the constant yearly rate that turns `first` into `last`."""
    if years <= 0 or first <= 0 or last < 0:
        raise IndicatorError(N_("CAGR needs a positive start value and at least one year"))
    return (math.exp(math.log(last / first) / years) - 1) * 100 if last > 0 else -100.0


def _cagr(ctx: _Context) -> Iterator[IndicatorValue]:
    request = ctx.request
    first = request.period_from or next((p for p in ctx.periods if p.kind == "annual"), None)
    last = request.period_to or next(
        (p for p in reversed(ctx.periods) if first is not None and p.same_span(first)), None
    )
    if first is None or last is None or first == last:
        return
    start = ctx.level(first, request.flow, request.category)
    end = ctx.level(last, request.flow, request.category)
    if start is None or end is None or start[1] != end[1]:
        return
    years = years_between(first, last)
    yield ctx.result(
        "cagr",
        f"{first}..{last}",
        compound_annual_growth(start[0].amount, end[0].amount, years),
        PERCENT,
        COMPUTED,
        Message.of(
            N_("{years} years from {first} to {last}"),
            years=years,
            first=str(first),
            last=str(last),
        ),
        qualifier=combined((end[0].qualifier, INCREASING), (start[0].qualifier, DECREASING)),
    )


def _balance(ctx: _Context) -> Iterator[IndicatorValue]:
    for period in ctx.periods:
        exports = ctx.level(period, "export", ctx.request.category)
        if exports is None:
            continue
        imports = ctx.panel.level(
            ctx.request.region,
            str(period),
            "import",
            ctx.request.category,
            exports[1],
            convert=ctx.unit_currency is not None,
        )
        if imports is None:
            continue
        balance = exports[0].amount - imports.amount
        level = Level(
            balance,
            COMPUTED,
            Message.of(N_("exports - imports")),
            combined((exports[0].qualifier, INCREASING), (imports.qualifier, DECREASING)),
            coarsest_step(exports[0], imports),
        )
        yield ctx.value("balance", period, level, exports[1], "balance")


def _share_of_total(ctx: _Context, indicator: str, category: str) -> Iterator[IndicatorValue]:
    request = ctx.request
    for period in ctx.periods:
        published = ctx.panel.cell(request.region, str(period), request.flow, category, PERCENT)
        if published is not None and published.amount is not None:
            yield ctx.result(
                indicator,
                period,
                published.amount,
                PERCENT,
                PUBLISHED,
                category=category,
                qualifier=published.qualifier,
                decimals=decimals_for(published.step, 1.0),
            )
        part = ctx.level(period, request.flow, category, prefer_components=True)
        if part is None:
            continue
        where = (request.region, str(period), request.flow, ALL_SERVICES, part[1])
        whole = ctx.panel.level(*where, convert=False)
        converted = whole is None
        if converted:  # a total published only in the other currency: at the period's rate
            try:
                whole = ctx.panel.level(*where)
            except MissingRateError:
                continue
        if whole is None or whole.amount == 0:
            continue
        share = part[0].amount / whole.amount * 100
        yield ctx.result(
            indicator,
            period,
            share,
            PERCENT,
            COMPUTED if converted else part[0].derivation,
            whole.note if converted else part[0].note,
            category=category,
            qualifier=combined((part[0].qualifier, INCREASING), (whole.qualifier, DECREASING)),
        )


def _category_share(ctx: _Context) -> Iterator[IndicatorValue]:
    yield from _share_of_total(ctx, "share", ctx.request.category)


def _grouping_share(indicator: str) -> Callable[[_Context], Iterator[IndicatorValue]]:
    def compute(ctx: _Context) -> Iterator[IndicatorValue]:
        yield from _share_of_total(ctx, indicator, GROUPING_SHARES[indicator])

    return compute


def _rca(ctx: _Context) -> Iterator[IndicatorValue]:
    """Balassa index on exports; against the parent region it is a location quotient."""
    request = ctx.request
    for period in ctx.periods:
        parts = []
        qualifiers: list[tuple[str, int]] = []
        for sign, region in ((INCREASING, request.region), (DECREASING, ctx.reference)):
            part = ctx.level(period, "export", request.category, region=region)
            whole = ctx.level(period, "export", ALL_SERVICES, region=region)
            if part is None or whole is None or whole[0].amount == 0 or part[1] != whole[1]:
                break
            parts.append(part[0].amount / whole[0].amount)
            qualifiers += [(part[0].qualifier, sign), (whole[0].qualifier, -sign)]
        if len(parts) == 2 and parts[1] > 0:
            yield ctx.result(
                "rca",
                period,
                parts[0] / parts[1],
                INDEX,
                COMPUTED,
                Message.of(N_("reference {region}"), region=ctx.reference),
                flow="export",
                qualifier=combined(*qualifiers),
            )


def herfindahl_hirschman(values: list[float]) -> float:
    """Sum of squared shares, from 1/N (even) to 1 (one partner)."""
    total = sum(values)
    if total <= 0:
        raise IndicatorError(N_("concentration needs a positive total"))
    return sum((v / total) * (v / total) for v in values)


def _partner_hhi(ctx: _Context) -> Iterator[IndicatorValue]:
    request = ctx.request
    for period in ctx.periods:
        partners = ctx.panel.partners(request.region, str(period), request.flow, request.category)
        if len(partners) < 2:
            continue
        currencies = [ctx.unit_currency] if ctx.unit_currency else list(CURRENCIES)
        for currency in currencies:
            levels = [
                ctx.panel.level(
                    request.region,
                    str(period),
                    request.flow,
                    request.category,
                    currency,
                    partner=partner,
                    convert=False,
                )
                for partner in partners
            ]
            if all(levels):
                break
        else:
            continue
        yield ctx.result(
            "partner_hhi",
            period,
            herfindahl_hirschman([lv.amount for lv in levels if lv]),
            INDEX,
            COMPUTED,
            Message.of(N_("over {count} reported partners"), count=len(partners)),
            qualifier=unordered(*(lv.qualifier for lv in levels if lv)),
        )


def _share_of_parent(ctx: _Context) -> Iterator[IndicatorValue]:
    """The region's share of its parent's (or `reference`'s) figure, e.g. of the nation."""
    request = ctx.request
    for period in ctx.periods:
        own = ctx.level(period, request.flow, request.category)
        if own is None:
            continue
        whole = ctx.panel.level(
            ctx.reference,
            str(period),
            request.flow,
            request.category,
            own[1],
            convert=ctx.unit_currency is not None,
        )
        if whole is None or whole.amount == 0:
            continue
        yield ctx.result(
            "share_of_parent",
            period,
            own[0].amount / whole.amount * 100,
            PERCENT,
            COMPUTED,
            Message.of(N_("of {region}"), region=ctx.reference),
            qualifier=combined((own[0].qualifier, INCREASING), (whole.qualifier, DECREASING)),
        )


_COMPUTE: dict[str, Callable[[_Context], Iterator[IndicatorValue]]] = {
    "value": _value,
    "yoy_growth": _yoy_growth,
    "cagr": _cagr,
    "balance": _balance,
    "share": _category_share,
    "digitally_deliverable_share": _grouping_share("digitally_deliverable_share"),
    "knowledge_intensive_share": _grouping_share("knowledge_intensive_share"),
    "rca": _rca,
    "partner_hhi": _partner_hhi,
    "share_of_parent": _share_of_parent,
}


def preferred_by_period(values: list[IndicatorValue]) -> dict[str, IndicatorValue]:
    """One value per period and indicator: published first, then computed, then aggregate."""
    best: dict[str, IndicatorValue] = {}
    for value in sorted(values, key=lambda v: DERIVATION_ORDER.index(v.derivation)):
        best.setdefault(value.period, value)
    return best


def preferred_values(store: Store, request: IndicatorRequest) -> dict[str, IndicatorValue]:
    """One indicator's values by period, the preferred basis where there are several."""
    return preferred_by_period(compute_indicators(store, request))


def _with_codes(classifications: Classifications, request: IndicatorRequest) -> IndicatorRequest:
    """The request in codes: a label (出口, 贵州, 亿元) gives every interface one answer, and
    one that is no code raises `UnknownCodeError`."""

    def code(kind: str, label: str | None) -> str | None:
        return None if label is None else classifications.code(kind, label)

    return replace(
        request,
        region=classifications.code("region", request.region),
        flow=classifications.code("flow", request.flow),
        category=classifications.code("category", request.category),
        mode=classifications.code("mode", request.mode),
        unit=code("unit", request.unit),
        reference=code("region", request.reference),
        basis=code("basis", request.basis),
    )


def compute_indicators(store: Store, request: IndicatorRequest) -> list[IndicatorValue]:
    unknown = [i for i in request.indicators if i not in REGISTRY]
    if unknown:
        raise IndicatorError(
            N_("unknown indicator(s) {unknown}; choose from {indicators}"),
            unknown=", ".join(unknown),
            indicators=", ".join(INDICATORS),
        )
    ctx = _Context(store, _with_codes(store.classifications(), request))
    for name in request.indicators:
        if REGISTRY[name].needs_subcategory and ctx.request.category == ALL_SERVICES:
            raise IndicatorError(
                N_("{indicator} needs a category other than S (all services)"),
                indicator=Message.of(REGISTRY[name].words),
            )
    results: list[IndicatorValue] = []
    for indicator in request.indicators:
        for basis in ctx.bases():
            ctx.use(basis)
            found = list(_COMPUTE[indicator](ctx))
            if found:
                results.extend(found)
                break
    return results
