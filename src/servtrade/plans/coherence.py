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
from servtrade.indicators import GROUPING_SHARES
from servtrade.plans.schema import COMPARE, Plan, Target
from servtrade.plans.series import compound_growth, indicator_series
from servtrade.store import Store


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # "info", "warning"
    targets: tuple[str, ...]
    message: str


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
                        f"{first.id} and {second.id} both constrain the share of "
                        f"{'+'.join(sorted(_members(classifications, first_group)))} "
                        f"in {first.year}: {first_group} and {second_group} have the same "
                        "members",
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
                    f"{earlier.value:g} in {earlier.target_year} to {later.value:g} in "
                    f"{later.target_year} implies {implied:.1f}% a year, "
                    + (
                        f"consistent with {growth.id} ({growth.comparator} {growth.value:g}%)"
                        if agrees
                        else f"which contradicts {growth.id} ({growth.comparator} "
                        f"{growth.value:g}%)"
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
                f"from {earlier.target_year} to {later.target_year}",
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
                f"from the {year} data to {share.target_year}",
                max_growth_gap_pp,
            )
        )
    return findings


def _gap_finding(
    targets: tuple[str, ...],
    part_growth: float | None,
    total_growth: float | None,
    when: str,
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
            f"{' and '.join(targets[:2])} need the grouping to grow {part_growth:.1f}% a year "
            f"{when}, against {total_growth:.1f}% for the total"
            + (f" (more than {max_growth_gap_pp:g} points faster)" if demanding else ""),
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
