"""Compare places on one indicator for one period, with each place's target progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from servtrade.indicators import (
    IndicatorRequest,
    IndicatorValue,
    preferred_values,
)
from servtrade.periods import Period
from servtrade.plans import plan_catalog
from servtrade.plans.progress import TargetProgress, Thresholds, track_target
from servtrade.store import Store


@dataclass
class PlaceComparison:
    region: str
    value: IndicatorValue | None
    rank: int | None = None
    targets: list[tuple[str, TargetProgress]] = field(default_factory=list)


def compare_places(
    store: Store,
    indicator: str,
    regions: list[str],
    period: Period,
    *,
    flow: str = "total",
    category: str = "S",
    unit: str | None = None,
    as_of: date | None = None,
    with_targets: bool = True,
) -> list[PlaceComparison]:
    """Places ranked by the indicator (highest first); places without a figure come last.
    With `with_targets`, each place also carries the progress of its plans' targets on the
    indicator (a tracking per target: leave it off where only the ranking is shown)."""
    rows = []
    for region in regions:
        value = preferred_values(
            store,
            IndicatorRequest(
                region=region,
                indicators=[indicator],
                flow=flow,
                category=category,
                period_from=period,
                period_to=period,
                unit=unit,
                as_of=as_of,
                skip_unconvertible=True,
            ),
        ).get(str(period))
        rows.append(PlaceComparison(region, value))
    ranked = sorted(
        (r for r in rows if r.value is not None), key=lambda r: -(r.value.value if r.value else 0)
    )
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    ordered = ranked + [r for r in rows if r.value is None]
    if not with_targets:
        return ordered
    plans = plan_catalog(store)
    for row in ordered:
        for plan in plans.values():
            if plan.region != row.region:
                continue
            for target in plan.targets:
                if target.indicator == indicator:
                    row.targets.append(
                        (plan.id, track_target(store, plan, target, as_of, Thresholds()))
                    )
    return ordered
