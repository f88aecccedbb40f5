"""Each target's path: what was observed, where the forecast goes, and the goal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from servtrade.classification import Classifications
from servtrade.forecast import ForecastError, forecast_series, share_points
from servtrade.i18n import gettext
from servtrade.indicators.registry import indicators_where
from servtrade.indicators.summary import level_values
from servtrade.periods import parse_period
from servtrade.plans.schema import Plan, Target
from servtrade.store import Store

SHARE_INDICATORS = indicators_where(share_of="total")


@dataclass(frozen=True)
class TargetTrajectory:
    """A share or level target's observed path, its goal and its forecast, for one chart."""

    target: Target
    observed: list[tuple[int, float]]
    forecast: list[tuple[int, float, float, float]]  # year, mean, lo80, hi80
    model: str | None

    def description(self, title: str, classifications: Classifications) -> str:
        """What a chart of the path shows, in words, for readers who cannot see it."""
        last_year, last_value = self.observed[-1]
        target = self.target
        return gettext(
            "{title}: {value} in {year}; target {goal} in {target_year}.",
            title=title,
            value=target.figure_text(last_value, classifications),
            year=last_year,
            goal=target.goal_text(classifications),
            target_year=target.target_year,
        )


def target_trajectories(store: Store, plan: Plan, as_of: date | None) -> list[TargetTrajectory]:
    """Observed path and forecast (mean, 80% band) of each level or share target with a year."""
    found = []
    for target in plan.targets:
        if target.target_year is None or target.indicator not in ("value", *SHARE_INDICATORS):
            continue
        observed_values = level_values(
            store, plan.region, target.indicator, target.flow, target.category, as_of
        )
        observed = [
            (int(p), v.value)
            for p, v in sorted(observed_values.items())
            if parse_period(p).kind == "annual" and v.unit in (target.unit, "percent")
        ]
        if not observed:
            continue
        forecast: list[tuple[int, float, float, float]] = []
        model = None
        try:
            if target.indicator == "value":
                result = forecast_series(
                    store,
                    plan.region,
                    flow=target.flow,
                    category=target.category,
                    unit=target.unit,
                    horizon=max(1, target.target_year - observed[-1][0]),
                    as_of=as_of,
                )
                points, model = result.points, result.model
            else:
                points, _ = share_points(
                    store,
                    plan.region,
                    target.category,
                    flow=target.flow,
                    horizon=max(1, target.target_year - observed[-1][0]),
                    as_of=as_of,
                )
                model = points[0].model if points else None
            forecast = [(int(p.period), p.point, p.lo80, p.hi80) for p in points]
        except ForecastError:
            forecast = []
        found.append(TargetTrajectory(target, observed, forecast, model))
    return found
