"""What a share target asks of the categories in its grouping.

For a target on the share of a grouping (digitally deliverable or knowledge-intensive
services) in total services trade, the growth the grouping needs a year from the latest
full year to reach the target share in the target year, the rest of services trade growing
at its trend: the compound growth of the rest over up to the last `TREND_YEARS` years with
both levels (`scenario.required_part_growth`). The categories that would have to carry it
are the grouping's members, named with their weight in the grouping in the latest year
where their levels are published, largest first.

Levels are those of the target's flow, in the plan's level unit, preferring published
figures; the rest is the total less the grouping.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from servtrade.classification import ALL_SERVICES
from servtrade.i18n import N_, Listing, Message, Named, format_number
from servtrade.indicators.registry import GROUPING_SHARES
from servtrade.plans.scenario import level_unit, required_part_growth
from servtrade.plans.schema import Plan, Target
from servtrade.plans.series import compound_growth, level_series
from servtrade.store import Store

TREND_YEARS = 5


@dataclass(frozen=True)
class Carrier:
    category: str
    name: Named
    weight: float | None  # percent of the grouping in the latest year, where published


@dataclass(frozen=True)
class Carriers:
    grouping: str
    grouping_name: Named
    latest_year: int
    target_year: int
    trend_from: int
    rest_growth: float  # the rest's trend, % a year
    grouping_growth: float  # the grouping's own growth over the same years
    required_growth: float  # the grouping's growth needed, % a year
    members: tuple[Carrier, ...]

    def message(self) -> Message:
        def rate(value: float) -> str:
            return format_number(value, 1) + "%"

        weighted = [m for m in self.members if m.weight is not None]
        if weighted:
            members = Listing(
                tuple(
                    Message.of(N_("{name} ({weight} of it)"), name=m.name, weight=rate(m.weight))
                    if m.weight is not None
                    else m.name
                    for m in self.members
                )
            )
        else:
            members = Listing(tuple(m.name for m in self.members))
        values = {
            "grouping": self.grouping_name,
            "members": members,
            "needed": rate(self.required_growth),
            "year": self.target_year,
            "start": self.trend_from,
            "end": self.latest_year,
            "rest": rate(self.rest_growth),
            "past": rate(self.grouping_growth),
        }
        template = (
            N_(
                "with the rest of services trade at its {start}–{end} trend ({rest} a year), "
                "{grouping} would need {needed} a year to {year}, against {past} a year in "
                "{start}–{end}, carried by {members} (shares in {end})"
            )
            if weighted
            else N_(
                "with the rest of services trade at its {start}–{end} trend ({rest} a year), "
                "{grouping} would need {needed} a year to {year}, against {past} a year in "
                "{start}–{end}, carried by {members}"
            )
        )
        return Message.of(template, **values)

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["grouping_name"] = str(self.grouping_name)
        found["members"] = [
            {"category": m.category, "name": str(m.name), "weight": m.weight} for m in self.members
        ]
        return found


def share_carriers(store: Store, plan: Plan, target: Target, as_of: date | None) -> Carriers | None:
    """The growth a grouping-share floor asks of the grouping's categories, or None where
    the target is not such a floor or the levels give no trend."""
    if (
        target.indicator not in GROUPING_SHARES
        or target.year is None
        or target.comparator not in (">=", ">")
    ):
        return None
    grouping = GROUPING_SHARES[target.indicator]
    unit = level_unit(plan)

    def levels(code: str) -> dict[int, float]:
        series = level_series(store, plan.region, code, target.flow, unit, as_of)
        return {year: evidence.value for year, evidence in series.items()}

    total, part = levels(ALL_SERVICES), levels(grouping)
    years = sorted(year for year in set(total) & set(part) if total[year] > part[year] > 0)
    if len(years) < 2 or years[-1] >= target.year:
        return None
    latest = years[-1]
    start = min(year for year in years if year >= latest - TREND_YEARS)
    if start == latest:
        return None
    span = latest - start
    rest_growth = compound_growth(total[start] - part[start], total[latest] - part[latest], span)
    part_growth = compound_growth(part[start], part[latest], span)
    if rest_growth is None or part_growth is None:
        return None
    needed = required_part_growth(
        part[latest], total[latest] - part[latest], target.value, rest_growth, target.year - latest
    )
    if needed is None:
        return None
    classifications = store.classifications()
    carriers = []
    for code in classifications.members(grouping):
        level = levels(code).get(latest)
        weight = None if level is None else level / part[latest] * 100
        entry = classifications.categories[code]
        carriers.append(Carrier(code, Named(entry.name_en, entry.name_zh), weight))
    carriers.sort(key=lambda c: (c.weight is None, -(c.weight or 0.0)))
    named = classifications.categories[grouping]
    return Carriers(
        grouping,
        Named(named.name_en, named.name_zh),
        latest,
        target.year,
        start,
        rest_growth,
        part_growth,
        needed,
        tuple(carriers),
    )
