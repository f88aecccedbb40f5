"""What drove growth: each component's contribution to its parent's growth, the shift in
the structure, and a shift-share against a reference region.

A component's contribution, in percentage points, is its change over the parent's level a
year before: (xᵢ,t − xᵢ,t−1) / X t−1 × 100. Over complete components the contributions add
up to the parent's growth; what the published components do not explain (a category not
published, rounding in the release) is its own line, `rest`, never spread over the others.

Shift-share (Dunn's, with base-year weights) splits the region's change into the
reference's growth applied to the region's mix (reference effect), the reference's growth
of each category beyond its total (mix effect), and the region's own growth beyond the
reference's in each category (competitive effect):

    Δ = Σ xᵢ₀·G  +  Σ xᵢ₀·(Gᵢ − G)  +  Σ xᵢ₀·(gᵢ − Gᵢ)

with xᵢ₀ the region's base-year levels, g and G the region's and the reference's growth.
The three effects add up to the region's change over the categories both publish. Known
limit: the weights are those of the base year, so a category that grew from nothing shows
no effect, and the split depends on the breakdown chosen.

Every figure is computed on one basis and in one currency (the parent's), as the other
indicators are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from servtrade.classification import ALL_SERVICES, Classifications
from servtrade.i18n import N_, Listing, _, format_number, language
from servtrade.indicators import (
    IndicatorError,
    IndicatorRequest,
    _Context,
    _with_codes,
)
from servtrade.indicators.panel import Level
from servtrade.periods import Period
from servtrade.store import Store

BREAKDOWNS = ("category", "grouping", "flow", "partner")
REST = "rest"
FLOWS = ("export", "import")
# Groupings that, with the rest, partition all services.
PARTITION = ("knowledge_intensive", "traditional")


class DriversError(IndicatorError):
    """No decomposition: the parent or its year-earlier level is missing."""


@dataclass(frozen=True)
class Contribution:
    component: str  # a category, grouping, flow or partner code; REST for the unexplained
    before: float | None  # in `unit`, a year before
    now: float | None
    growth: float | None  # the component's own growth, percent
    points: float  # its contribution to the parent's growth, percentage points
    share_before: float | None  # percent of the parent
    share_now: float | None

    @property
    def share_change(self) -> float | None:
        """The structure shift: the change of the component's share, in points."""
        if self.share_before is None or self.share_now is None:
            return None
        return self.share_now - self.share_before


@dataclass(frozen=True)
class ShiftShare:
    component: str
    reference_effect: float  # percentage points of the region's base-year level
    mix_effect: float
    competitive_effect: float

    @property
    def total(self) -> float:
        return self.reference_effect + self.mix_effect + self.competitive_effect


@dataclass(frozen=True)
class GrowthDrivers:
    region: str
    period: str
    previous: str
    flow: str
    category: str
    by: str
    unit: str
    basis: str
    before: float
    now: float
    growth: float  # the parent's growth, computed from its levels, percent
    contributions: tuple[Contribution, ...]
    reference: str | None = None
    reference_growth: float | None = None
    shift_share: tuple[ShiftShare, ...] = ()
    published_growth: float | None = None  # the publisher's rate, beside the computed one

    @property
    def explained(self) -> float:
        """Points the named components explain (the rest excluded)."""
        return sum(c.points for c in self.contributions if c.component != REST)

    def caption(self, classifications: Classifications) -> str:
        """What a chart of the contributions shows, in the reader's language."""
        return _(
            "Contributions to the growth of services trade in {period} over {previous}, in "
            "percentage points ({basis}); they add up to the growth of {growth}%.",
            period=self.period,
            previous=self.previous,
            basis=classifications.bases.name_of(self.basis, language()),
            growth=format_number(self.growth, 2),
        )

    def as_dict(self) -> dict[str, object]:
        found = asdict(self)
        found["contributions"] = [
            asdict(c) | {"share_change": c.share_change} for c in self.contributions
        ]
        found["shift_share"] = [asdict(e) | {"total": e.total} for e in self.shift_share]
        return found


def component_name(code: str, classifications: Classifications, lang: str) -> str:
    """A component's name in `lang`: a category or grouping, a region (a partner), the
    unexplained rest, else its code (a flow)."""
    if code == REST:
        return _("unexplained rest")
    for codelist in (classifications.categories, classifications.regions):
        if code in codelist.codes:
            return codelist[code].name(lang)
    return code


def _components(
    ctx: _Context, by: str, period: Period, flow: str, category: str
) -> list[tuple[str, str, str, str]]:
    """(name, flow, category, partner) of each component of the parent."""
    classifications: Classifications = ctx.classifications
    if by == "flow":
        if flow != "total":
            raise DriversError(
                N_("a breakdown by flow needs the total flow, not {flow}"), flow=flow
            )
        return [(f, f, category, "W1") for f in FLOWS]
    if by == "grouping":
        if category != ALL_SERVICES:
            raise DriversError(N_("a breakdown by grouping is of all services (S)"))
        return [(g, flow, g, "W1") for g in PARTITION]
    if by == "partner":
        partners = sorted(
            set(ctx.panel.partners(ctx.request.region, str(period), flow, category))
            | set(ctx.panel.partners(ctx.request.region, str(period.shifted(-1)), flow, category))
        )
        return [(p, flow, category, p) for p in partners if p != "W1"]
    children = [
        c.code for c in classifications.categories if c.parent == category and not c.members
    ]
    if not children:
        raise DriversError(N_("category {category} has no sub-categories"), category=category)
    return [(c, flow, c, "W1") for c in children]


def _level(
    ctx: _Context, region: str, period: Period, flow: str, category: str, currency: str, **kw: str
) -> Level | None:
    return ctx.panel.level(
        region,
        str(period),
        flow,
        category,
        currency,
        convert=False,
        prefer_components=category in PARTITION,
        **kw,
    )


def growth_drivers(
    store: Store,
    region: str,
    period: Period,
    by: str = "category",
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    as_of: date | None = None,
    basis: str | None = None,
    against: str | None = None,
) -> GrowthDrivers:
    """The contributions to the growth of a region's `flow` of `category` in `period` over
    the same span a year before (a year-to-date range against the same months), by
    components; with `against`, the shift-share against that region, by category."""
    if by not in BREAKDOWNS:
        raise DriversError(
            N_("a breakdown is by one of {breakdowns}"), breakdowns=Listing(BREAKDOWNS, style="or")
        )
    request = _with_codes(
        store.classifications(),
        IndicatorRequest(
            region=region,
            flow=flow,
            category=category,
            unit=unit,
            as_of=as_of,
            basis=basis,
            reference=against,
        ),
    )
    ctx = _Context(store, request)
    previous = period.shifted(-1)
    for chosen in ctx.bases():
        ctx.use(chosen)
        now = ctx.level(period, request.flow, request.category)
        if now is None:
            continue
        before = _level(ctx, request.region, previous, request.flow, request.category, now[1])
        if before is not None and before.amount != 0:
            break
    else:
        raise DriversError(
            N_("no {flow} of {category} for {region} in both {period} and {previous}"),
            flow=request.flow,
            category=request.category,
            region=request.region,
            period=str(period),
            previous=str(previous),
        )
    level, currency = now
    unit_code, scale = ctx.unit_for(currency)
    cell = ctx.panel.cell(request.region, str(period), request.flow, request.category, currency)
    parent_before, parent_now = before.amount, level.amount
    rows: list[Contribution] = []
    for name, f, c, partner in _components(ctx, by, period, request.flow, request.category):
        old = _level(ctx, request.region, previous, f, c, currency, partner=partner)
        new = _level(ctx, request.region, period, f, c, currency, partner=partner)
        if old is None or new is None:
            continue  # not in both periods: its change is in the rest
        rows.append(
            Contribution(
                name,
                old.amount / scale,
                new.amount / scale,
                None if old.amount == 0 else (new.amount / old.amount - 1) * 100,
                (new.amount - old.amount) / parent_before * 100,
                old.amount / parent_before * 100,
                new.amount / parent_now * 100 if parent_now else None,
            )
        )
    growth = (parent_now / parent_before - 1) * 100
    rest_before = parent_before / scale - sum(r.before or 0 for r in rows)
    rest_now = parent_now / scale - sum(r.now or 0 for r in rows)
    rest_points = growth - sum(r.points for r in rows)
    if abs(rest_points) > 1e-9 or abs(rest_now) > 1e-9 * abs(parent_now / scale):
        rows.append(
            Contribution(
                REST,
                rest_before,
                rest_now,
                None if rest_before == 0 else (rest_now / rest_before - 1) * 100,
                rest_points,
                rest_before * scale / parent_before * 100,
                rest_now * scale / parent_now * 100 if parent_now else None,
            )
        )
    reference: str | None = None
    reference_growth: float | None = None
    effects: tuple[ShiftShare, ...] = ()
    if against is not None:
        reference = ctx.reference
        reference_growth, effects = _shift_share(ctx, period, currency, parent_before)
    return GrowthDrivers(
        request.region,
        str(period),
        str(previous),
        request.flow,
        request.category,
        by,
        unit_code,
        ctx.basis,
        parent_before / scale,
        parent_now / scale,
        growth,
        tuple(rows),
        reference,
        reference_growth,
        effects,
        None if cell is None else cell.yoy_growth,
    )


def _shift_share(
    ctx: _Context, period: Period, currency: str, region_before: float
) -> tuple[float, tuple[ShiftShare, ...]]:
    """The reference's growth and each category's three effects, in points of the region's
    base-year level, over the categories both regions publish in both periods."""
    request, reference, previous = ctx.request, ctx.reference, period.shifted(-1)

    def levels(region: str, category: str) -> tuple[float, float] | None:
        old = ctx.panel.level(region, str(previous), request.flow, category, currency)
        new = ctx.panel.level(region, str(period), request.flow, category, currency)
        if old is None or new is None or old.amount == 0:
            return None
        return old.amount, new.amount

    whole = levels(reference, request.category)
    if whole is None:
        raise DriversError(
            N_("no {category} for {region} in both {period} and {previous}"),
            category=request.category,
            region=reference,
            period=str(period),
            previous=str(previous),
        )
    reference_growth = whole[1] / whole[0] - 1
    effects = []
    for name, _f, category, _p in _components(
        ctx, "category", period, request.flow, request.category
    ):
        own, theirs = levels(request.region, category), levels(reference, category)
        if own is None or theirs is None:
            continue
        weight = own[0] / region_before * 100
        category_growth = theirs[1] / theirs[0] - 1
        effects.append(
            ShiftShare(
                name,
                weight * reference_growth,
                weight * (category_growth - reference_growth),
                weight * (own[1] / own[0] - 1 - category_growth),
            )
        )
    return reference_growth * 100, tuple(effects)


def latest_drivers(
    store: Store,
    region: str,
    by: str = "category",
    *,
    naming: str | None = None,
    as_of: date | None = None,
) -> GrowthDrivers | None:
    """The latest year's decomposition of a region's services trade (with `naming`, the
    latest in which that component is published for both years), or None."""
    request = IndicatorRequest(region=region, as_of=as_of)
    ctx = _Context(store, _with_codes(store.classifications(), request))
    years = sorted(
        {p.year for basis in ctx.bases() for p in _annual_periods(ctx, basis)}, reverse=True
    )
    for year in years:
        try:
            found = growth_drivers(store, region, Period(year, 1, 12), by, as_of=as_of)
        except DriversError:
            continue
        if naming is None or any(c.component == naming for c in found.contributions):
            return found
    return None


def _annual_periods(ctx: _Context, basis: str) -> list[Period]:
    ctx.use(basis)
    return [p for p in ctx.periods if p.kind == "annual"]
