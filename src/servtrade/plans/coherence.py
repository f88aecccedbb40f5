"""Check that a plan's targets are coherent with each other (and with the data).

Three checks:
- two share targets on groupings with the same members constrain one number twice (in
  China, digitally deliverable and knowledge-intensive services are the same six headings);
- level targets imply a growth rate between them, which must agree with a growth target
  over the same years;
- a share target together with a level target implies the growth of the grouping; it is
  flagged when it exceeds the growth of the total by more than `max_growth_gap_pp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from servtrade.classification import Classifications
from servtrade.i18n import N_, Listing, Message
from servtrade.indicators.registry import GROUPING_SHARES
from servtrade.plans.schema import COMPARATOR_SIGNS, COMPARE, Plan, Target
from servtrade.plans.series import compound_growth, indicator_series
from servtrade.store import Store

# What each check looks at, in words (the codes are for machines: JSON, the API).
CHECK_WORDS = {
    "implied_growth": N_("growth the levels imply"),
    "share_growth": N_("growth a share needs"),
    "same_aggregate_twice": N_("one aggregate targeted twice"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # "info", "warning"
    targets: tuple[str, ...]
    said: Message  # read in the reader's language

    @property
    def message(self) -> str:
        return str(self.said)

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "severity": self.severity,
            "targets": list(self.targets),
            "message": self.message,
        }


def _grouping(target: Target) -> str | None:
    if target.indicator in GROUPING_SHARES:
        return GROUPING_SHARES[target.indicator]
    if target.indicator == "share":
        return target.category
    return None


def _members(classifications: Classifications, category: str) -> frozenset[str]:
    if category in classifications.categories and classifications.is_grouping(category):
        return frozenset(classifications.members(category))
    return frozenset([category])


def duplicate_constraints(plan: Plan, classifications: Classifications) -> list[Finding]:
    findings = []
    shares = [(t, _grouping(t)) for t in plan.targets if t.year is not None and _grouping(t)]
    for i, (first, first_group) in enumerate(shares):
        for second, second_group in shares[i + 1 :]:
            if first.year != second.year or first_group is None or second_group is None:
                continue
            if first_group != second_group and _members(classifications, first_group) == _members(
                classifications, second_group
            ):
                findings.append(
                    Finding(
                        "same_aggregate_twice",
                        "warning",
                        (first.id, second.id),
                        Message.of(
                            N_(
                                "{first} and {second} both constrain the share of {members} "
                                "in {year}: {first_group} and {second_group} have the same "
                                "members"
                            ),
                            first=first.id,
                            second=second.id,
                            members="+".join(sorted(_members(classifications, first_group))),
                            year=first.year,
                            first_group=first_group,
                            second_group=second_group,
                        ),
                    )
                )
    return findings


def _level_targets(plan: Plan) -> list[Target]:
    return sorted(
        (
            t
            for t in plan.targets
            if t.indicator == "value" and t.year is not None and t.category == "S"
        ),
        key=lambda t: t.target_year,
    )


def growth_consistency(plan: Plan) -> list[Finding]:
    findings = []
    levels = _level_targets(plan)
    growth_targets = [t for t in plan.targets if t.is_growth and t.year is None]
    for earlier, later in pairwise(levels):
        if earlier.unit != later.unit or earlier.flow != later.flow:
            continue
        implied = compound_growth(
            earlier.value, later.value, later.target_year - earlier.target_year
        )
        if implied is None:
            continue
        for growth in growth_targets:
            span = growth.span
            if span is None or span.end < later.target_year or span.start > later.target_year:
                continue
            agrees = (
                COMPARE[growth.comparator](implied, growth.value)
                if growth.comparator in COMPARE
                else True
            )
            findings.append(
                Finding(
                    "implied_growth",
                    "info" if agrees else "warning",
                    (earlier.id, later.id, growth.id),
                    Message.of(
                        N_(
                            "{earlier} in {earlier_year} to {later} in {later_year} implies "
                            "{implied} a year, consistent with {target} ({sign} {rate}%)"
                        )
                        if agrees
                        else N_(
                            "{earlier} in {earlier_year} to {later} in {later_year} implies "
                            "{implied} a year, which contradicts {target} ({sign} {rate}%)"
                        ),
                        earlier=f"{earlier.value:g}",
                        earlier_year=earlier.target_year,
                        later=f"{later.value:g}",
                        later_year=later.target_year,
                        implied=f"{implied:.1f}%",
                        target=growth.id,
                        sign=COMPARATOR_SIGNS[growth.comparator],
                        rate=f"{growth.value:g}",
                    ),
                )
            )
    return findings


def demanding_shares(
    plan: Plan,
    store: Store | None = None,
    as_of: date | None = None,
    max_growth_gap_pp: float = 5.0,
) -> list[Finding]:
    """Share targets that need the grouping to outgrow the total by a wide margin."""
    findings = []
    levels = {t.target_year: t for t in _level_targets(plan)}
    shares = sorted(
        (t for t in plan.targets if _grouping(t) and t.year is not None),
        key=lambda t: t.target_year,
    )
    for earlier, later in pairwise(shares):
        if _grouping(earlier) != _grouping(later):
            continue
        low, high = levels.get(earlier.target_year), levels.get(later.target_year)
        if low is None or high is None:
            continue
        years = later.target_year - earlier.target_year
        part_growth = compound_growth(
            low.value * earlier.value / 100, high.value * later.value / 100, years
        )
        total_growth = compound_growth(low.value, high.value, years)
        findings.extend(
            _gap_finding(
                (earlier.id, later.id, low.id, high.id),
                part_growth,
                total_growth,
                Message.of(
                    N_("from {start} to {end}"), start=earlier.target_year, end=later.target_year
                ),
                max_growth_gap_pp,
            )
        )
    if store is not None:
        findings.extend(_demanding_from_data(plan, store, as_of, levels, max_growth_gap_pp))
    return findings


def _demanding_from_data(
    plan: Plan,
    store: Store,
    as_of: date | None,
    levels: dict[int, Target],
    max_growth_gap_pp: float,
) -> list[Finding]:
    findings = []
    for share in (t for t in plan.targets if _grouping(t) and t.year is not None):
        level = levels.get(share.target_year)
        if level is None:
            continue
        totals = indicator_series(store, plan.region, level, as_of)
        grouping = _grouping(share)
        assert grouping is not None
        part_target = level.model_copy(update={"category": grouping})
        parts = indicator_series(store, plan.region, part_target, as_of)
        common = sorted(set(totals.annual) & set(parts.annual))
        if not common or common[-1] >= share.target_year:
            continue
        year = common[-1]
        years = share.target_year - year
        part_growth = compound_growth(
            parts.annual[year].value, level.value * share.value / 100, years
        )
        total_growth = compound_growth(totals.annual[year].value, level.value, years)
        findings.extend(
            _gap_finding(
                (share.id, level.id),
                part_growth,
                total_growth,
                Message.of(N_("from the {year} data to {end}"), year=year, end=share.target_year),
                max_growth_gap_pp,
            )
        )
    return findings


def _gap_finding(
    targets: tuple[str, ...],
    part_growth: float | None,
    total_growth: float | None,
    when: Message,
    max_growth_gap_pp: float,
) -> list[Finding]:
    if part_growth is None or total_growth is None:
        return []
    demanding = part_growth - total_growth > max_growth_gap_pp
    return [
        Finding(
            "share_growth",
            "warning" if demanding else "info",
            targets,
            Message.of(
                N_(
                    "{targets} need the grouping to grow {part} a year {when}, against {total} "
                    "for the total (more than {gap} points faster)"
                )
                if demanding
                else N_(
                    "{targets} need the grouping to grow {part} a year {when}, against {total} "
                    "for the total"
                ),
                targets=Listing(targets[:2]),
                part=f"{part_growth:.1f}%",
                when=when,
                total=f"{total_growth:.1f}%",
                gap=f"{max_growth_gap_pp:g}",
            ),
        )
    ]


def check_plan(
    plan: Plan,
    classifications: Classifications,
    store: Store | None = None,
    as_of: date | None = None,
    max_growth_gap_pp: float = 5.0,
) -> list[Finding]:
    return (
        duplicate_constraints(plan, classifications)
        + growth_consistency(plan)
        + demanding_shares(plan, store, as_of, max_growth_gap_pp)
    )
