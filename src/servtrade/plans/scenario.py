"""Scenarios: what the targets come to under given growth rates, and the inverse.

The total of the base year is split into the parts named in the growth rates (EBOPS
headings or groupings, which must not overlap) and the rest; each part grows at its own
rate, the rest at the ``TOTAL`` rate. A grouping that is not named grows as its named parts
plus its remainder at the ``TOTAL`` rate. Base levels come from the store (latest full year,
in the unit of the plan's level target) unless given explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from servtrade.classification import ALL_SERVICES, Classifications
from servtrade.i18n import N_, Listing, Message
from servtrade.indicators.registry import GROUPING_SHARES
from servtrade.plans.schema import COMPARE, Plan, Target
from servtrade.plans.series import compound_growth, level_series
from servtrade.store import Store

TOTAL = "TOTAL"


class ScenarioError(ValueError):
    """A scenario that cannot be computed as asked, said in the reader's language."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.said = Message.of(template, **params)
        super().__init__(str(self.said))


@dataclass(frozen=True)
class Outcome:
    target: str
    year: int
    projected: float
    target_value: float
    unit: str
    met: bool


@dataclass(frozen=True)
class RequiredGrowth:
    target: str
    grouping: str
    required_growth: float | None
    rest_growth: float


@dataclass
class Scenario:
    base_year: int
    unit: str
    base: dict[str, float]
    growth: dict[str, float]
    outcomes: list[Outcome] = field(default_factory=list)
    required: list[RequiredGrowth] = field(default_factory=list)


def _members(classifications: Classifications, code: str) -> set[str]:
    if classifications.is_grouping(code):
        return set(classifications.members(code))
    return {code}


class _Projection:
    def __init__(
        self,
        base: dict[str, float],
        growth: dict[str, float],
        base_year: int,
        classifications: Classifications,
    ) -> None:
        self.base = base
        self.growth = growth
        self.base_year = base_year
        self.classifications = classifications
        self.parts = [code for code in growth if code != TOTAL]
        covered: set[str] = set()
        for code in self.parts:
            if code not in base:
                raise ScenarioError(
                    N_("no base level for {code}; give one with --base {code}=..."), code=code
                )
            members = _members(classifications, code)
            if covered & members:
                raise ScenarioError(
                    N_("{code} overlaps another part named in the growth rates"), code=code
                )
            covered |= members

    def _grown(self, amount: float, rate: float, year: int) -> float:
        return amount * (1 + rate / 100) ** (year - self.base_year)

    def level(self, code: str, year: int) -> float:
        """Projected level of all services (`S`) or of a grouping/heading in `year`."""
        inside = (
            self.parts
            if code == ALL_SERVICES
            else [
                p
                for p in self.parts
                if _members(self.classifications, p) <= _members(self.classifications, code)
            ]
        )
        if code not in self.base:
            raise ScenarioError(
                N_("no base level for {code}; give one with --base {code}=..."), code=code
            )
        named = sum(self._grown(self.base[p], self.growth[p], year) for p in inside)
        rest = self.base[code] - sum(self.base[p] for p in inside)
        return named + self._grown(rest, self.growth[TOTAL], year)


def level_unit(plan: Plan) -> str:
    """The unit levels are compared in: the plan's level targets', else 100 million yuan."""
    for target in plan.targets:
        if target.indicator == "value":
            return target.unit
    return "CNY_100M"


def _base_from_store(
    store: Store, plan: Plan, codes: set[str], unit: str, as_of: date | None
) -> tuple[int, dict[str, float]]:
    classifications = store.classifications()
    series = {code: level_series(store, plan.region, code, "total", unit, as_of) for code in codes}
    common = set.intersection(*(set(s) for s in series.values())) if series else set()
    if not common:
        raise ScenarioError(
            N_(
                "no full year with data for {codes} in {region}; give base levels with "
                "--base CODE=VALUE and --base-year"
            ),
            codes=Listing(tuple(classifications.categories[c].named for c in sorted(codes))),
            region=classifications.regions[plan.region].named,
        )
    year = max(common)
    return year, {code: values[year].value for code, values in series.items()}


def run_scenario(
    store: Store,
    plan: Plan,
    growth: dict[str, float],
    *,
    base: dict[str, float] | None = None,
    base_year: int | None = None,
    as_of: date | None = None,
) -> Scenario:
    classifications = store.classifications()
    if TOTAL not in growth:
        raise ScenarioError(N_("give the growth of the rest of services trade as TOTAL=RATE"))
    unit = level_unit(plan)
    groupings = {
        GROUPING_SHARES[t.indicator] for t in plan.targets if t.indicator in GROUPING_SHARES
    }
    needed = {ALL_SERVICES, *groupings, *(c for c in growth if c != TOTAL)}
    if base:
        if base_year is None:
            raise ScenarioError(N_("give --base-year with --base"))
        missing = needed - set(base)
        if missing:
            raise ScenarioError(N_("no base level for {codes}"), codes=", ".join(sorted(missing)))
        year, levels = base_year, dict(base)
    else:
        year, levels = _base_from_store(store, plan, needed, unit, as_of)
    projection = _Projection(levels, growth, year, classifications)
    scenario = Scenario(year, unit, levels, dict(growth))
    for target in plan.targets:
        outcome = _outcome(target, projection)
        if outcome is not None:
            scenario.outcomes.append(outcome)
        if target.indicator in GROUPING_SHARES and target.year is not None:
            grouping = GROUPING_SHARES[target.indicator]
            scenario.required.append(
                RequiredGrowth(
                    target.id,
                    grouping,
                    required_part_growth(
                        levels[grouping],
                        levels[ALL_SERVICES] - levels[grouping],
                        target.value,
                        growth[TOTAL],
                        target.year - year,
                    ),
                    growth[TOTAL],
                )
            )
    return scenario


def _outcome(target: Target, projection: _Projection) -> Outcome | None:
    if target.comparator not in COMPARE:
        return None
    compare = COMPARE[target.comparator]
    if target.indicator == "value" and target.year is not None:
        value = projection.level(target.category, target.year)
    elif target.indicator in GROUPING_SHARES and target.year is not None:
        grouping = GROUPING_SHARES[target.indicator]
        value = (
            projection.level(grouping, target.year)
            / projection.level(ALL_SERVICES, target.year)
            * 100
        )
    elif target.is_growth and target.span is not None:
        span = target.span
        start = projection.level(ALL_SERVICES, span.start - 1)
        end = projection.level(ALL_SERVICES, span.end)
        growth = compound_growth(start, end, span.end - span.start + 1)
        if growth is None:
            return None
        value = growth
    else:
        return None
    return Outcome(
        target.id,
        target.target_year,
        value,
        target.value,
        target.unit,
        compare(value, target.value),
    )


def required_part_growth(
    part: float, rest: float, share_percent: float, rest_growth: float, years: int
) -> float | None:
    """Growth of a part (% a year) for it to be `share_percent` of the whole after `years`,
    the rest growing at `rest_growth`: x = ((s / (1 − s)) · R / D)^(1/n) · (1 + r) − 1."""
    share = share_percent / 100
    if years <= 0 or part <= 0 or rest <= 0 or not 0 < share < 1:
        return None
    ratio = share / (1 - share) * rest / part
    return (math.exp(math.log(ratio) / years) * (1 + rest_growth / 100) - 1) * 100
