"""The probability that a plan's target is met, from the forecaster's simulated paths: what
the target is judged on (a level, a share, an average growth, a sum, growth in each year)
evaluated on every path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from servtrade.forecast import PATHS, SEED, annual_series, share_forecast
from servtrade.forecast.models import ForecastError, fit_forecast, simulate
from servtrade.i18n import N_, Message
from servtrade.indicators.registry import GROUPING_SHARES, REGISTRY
from servtrade.plans.schema import COMPARE, Plan, Target
from servtrade.store import Store


@dataclass(frozen=True)
class TargetProbability:
    """P(target met), and the median of what the target is judged on (`expected`) with
    its 80% interval."""

    probability: float | None
    expected: float | None
    lo80: float | None
    hi80: float | None
    model: str | None
    notes: tuple[Message, ...]


def _not_forecast(reason: Message) -> TargetProbability:
    return TargetProbability(None, None, None, None, None, (reason,))


def target_probability(
    store: Store, plan: Plan, target: Target, as_of: date | None = None, seed: int = SEED
) -> TargetProbability:
    """P(target met) from simulated paths, and the median value with its 80% interval."""
    try:
        return _probability(store, plan, target, as_of, seed)
    except ForecastError as error:
        return _not_forecast(Message.of(N_("no forecast: {reason}"), reason=str(error)))


def _probability(
    store: Store, plan: Plan, target: Target, as_of: date | None, seed: int
) -> TargetProbability:
    compare = COMPARE.get(target.comparator)
    declared = REGISTRY.get(target.indicator)
    if compare is None or declared is None or not declared.forecast:
        return _not_forecast(
            Message.of(
                N_("{indicator} targets are not forecast"),
                indicator=Message.of(declared.words if declared else N_("untracked")),
            )
        )
    if target.indicator in GROUPING_SHARES:
        years, paths, model, notes = share_forecast(
            store,
            plan.region,
            GROUPING_SHARES[target.indicator],
            flow=target.flow,
            until=target.target_year,
            as_of=as_of,
            seed=seed,
        )
        observed: dict[int, float] = {}
    else:
        unit = target.unit if target.indicator == "value" else None
        history = annual_series(
            store, plan.region, flow=target.flow, category=target.category, unit=unit, as_of=as_of
        )
        horizon = target.target_year - history.years[-1]
        if horizon <= 0:
            return _not_forecast(Message.of(N_("the target year is already observed")))
        fitted = fit_forecast(np.array(history.values), history.years, horizon)
        paths = simulate(fitted, PATHS, np.random.default_rng(seed))
        years, model, notes = fitted.years, fitted.model, history.notes + fitted.notes
        observed = dict(zip(history.years, history.values, strict=True))
    met = _met(target, years, paths, observed, compare)
    if met is None:
        return _not_forecast(Message.of(N_("the target cannot be evaluated on the forecast paths")))
    at_target = _at_target_year(target, years, paths, observed)
    return TargetProbability(
        float(np.mean(met)),
        float(np.median(at_target)),
        float(np.quantile(at_target, 0.1)),
        float(np.quantile(at_target, 0.9)),
        model,
        tuple(notes),
    )


def _path_levels(
    years: list[int], paths: np.ndarray, observed: dict[int, float], year: int
) -> np.ndarray | None:
    if year in years:
        return paths[:, years.index(year)]
    if year in observed:
        return np.full(paths.shape[0], observed[year])
    return None


def _at_target_year(
    target: Target, years: list[int], paths: np.ndarray, observed: dict[int, float]
) -> np.ndarray:
    """What the target is judged on, per path: the level, share, average growth or sum."""
    if target.average_over is not None:
        found = _average_growth(target, years, paths, observed)
    elif target.sum_over is not None:
        found = _sum(target, years, paths, observed)
    else:
        found = _path_levels(years, paths, observed, target.target_year)
    return found if found is not None else np.full(paths.shape[0], np.nan)


def _average_growth(
    target: Target, years: list[int], paths: np.ndarray, observed: dict[int, float]
) -> np.ndarray | None:
    span = target.average_over
    assert span is not None
    start = _path_levels(years, paths, observed, span.start - 1)
    end = _path_levels(years, paths, observed, span.end)
    if start is None or end is None:
        return None
    growth: np.ndarray = ((end / start) ** (1 / (span.end - span.start + 1)) - 1) * 100
    return growth


def _sum(
    target: Target, years: list[int], paths: np.ndarray, observed: dict[int, float]
) -> np.ndarray | None:
    span = target.sum_over
    assert span is not None
    parts = [_path_levels(years, paths, observed, y) for y in span.years]
    if any(p is None for p in parts):
        return None
    total: np.ndarray = np.sum([p for p in parts if p is not None], axis=0)
    return total


def _met(
    target: Target, years: list[int], paths: np.ndarray, observed: dict[int, float], compare: Any
) -> np.ndarray | None:
    if target.each_year is not None:
        checks = []
        for year in target.each_year.years:
            now = _path_levels(years, paths, observed, year)
            before = _path_levels(years, paths, observed, year - 1)
            if now is None or before is None:
                return None
            checks.append(compare((now / before - 1) * 100, target.value))
        every: np.ndarray = np.all(checks, axis=0)
        return every
    values = _at_target_year(target, years, paths, observed)
    if np.all(np.isnan(values)):
        return None
    met: np.ndarray = compare(values, target.value)
    return met
