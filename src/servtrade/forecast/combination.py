"""The point forecast of an annual series: the median of three statsforecast models.

Exponential smoothing (AutoETS, which chooses damping), the dynamic optimised Theta method
and a random walk with drift, each fitted on the levels as published. Their median is
SCUM's idea (Petropoulos and Svetunkov, 2020) with its two slow members, AutoARIMA and CES,
replaced by the drift: on the M3 yearly series it forecasts as well as SCUM at a twentieth
of the time (benchmarks/RESULTS.md). A member that cannot be fitted (AutoETS needs 8 points,
Theta 4) is left out, and the median is of those that remain.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# The fewest points an annual series needs to be forecast with an interval at all.
MIN_POINTS = 4
# A series' scale is that of its latest changes, which say more of the years ahead than
# the oldest do (measured: benchmarks/RESULTS.md), and never less than this part of their
# mean absolute size.
SCALE_CHANGES = 8
FLOOR = 0.2
# A year this many scales off the line between its neighbours, which agree with each
# other, is an isolated outlier (a misprint, a one-off deal), bridged for fitting.
SPIKE = 8.0


def series_scale(values: np.ndarray) -> float:
    """The typical size of a year's change, robust to an outlying year (which makes two
    outlying changes): the median absolute deviation of the latest yearly changes from
    their median, never less than a fifth of their mean absolute size (an almost regular
    series is not taken for a certain one); for a constant series, 1% of its level."""
    values = np.asarray(values, dtype=float)
    changes = np.diff(values)[-SCALE_CHANGES:]
    if len(changes) == 0:
        return 0.0
    spread = max(
        float(np.median(np.abs(changes - np.median(changes)))),
        FLOOR * float(np.mean(np.abs(changes))),
    )
    if spread > 0:
        return spread
    level = float(np.mean(np.abs(values)))
    return 0.01 * level if level > 0 else 1.0


def outlying_years(values: np.ndarray) -> list[int]:
    """Positions of isolated outliers of a positive series: a year whose log stands more
    than `SPIKE` scales from the mean of its neighbours' logs, which are closer to each
    other than to it (a spike, not a step)."""
    if len(values) < 5 or np.any(values <= 0):
        return []
    logs = np.log(values)
    scale = series_scale(logs)
    found = []
    for i in range(1, len(logs) - 1):
        off = logs[i] - (logs[i - 1] + logs[i + 1]) / 2
        if abs(off) > SPIKE * scale and abs(logs[i + 1] - logs[i - 1]) < abs(off):
            found.append(i)
    return found


def bridged(values: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The series with its isolated outliers replaced by their neighbours' geometric mean."""
    outliers = outlying_years(values)
    cleaned = np.array(values, dtype=float)
    for i in outliers:
        cleaned[i] = np.sqrt(values[i - 1] * values[i + 1])
    return cleaned, outliers


@dataclass(frozen=True)
class Member:
    name: str
    need: int  # points the model needs
    make: Callable[[], Any]


def statsforecast_model(name: str, **parameters: Any) -> Any:
    """A statsforecast model by its class name, imported when a model is first made: the
    library (with scipy and statsmodels under it) takes seconds to import, which starting
    the CLI or a server process should not pay."""
    from statsforecast import models

    return getattr(models, name)(**parameters)


MEMBERS = (
    Member("ETS", 8, lambda: statsforecast_model("AutoETS")),
    Member("Theta", 4, lambda: statsforecast_model("DynamicOptimizedTheta")),
    Member("Drift", 2, lambda: statsforecast_model("RandomWalkWithDrift")),
)


@dataclass(frozen=True)
class Combination:
    """Median point forecasts (horizon values) and the members that made them."""

    point: np.ndarray
    members: tuple[str, ...]
    log_scale: bool

    @property
    def label(self) -> str:
        return "median(" + ", ".join(self.members) + ")"


def _member_forecasts(values: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    forecasts = {}
    for member in MEMBERS:
        if len(values) < member.need:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                forecast = member.make().forecast(y=values, h=horizon)["mean"]
            except Exception:  # a member that cannot fit this series is left out
                continue
        forecast = np.asarray(forecast, dtype=float)
        if np.all(np.isfinite(forecast)):
            forecasts[member.name] = forecast
    return forecasts


def combine(values: np.ndarray, horizon: int) -> Combination:
    """The members' median, `horizon` steps ahead, fitted on the values given (callers
    bridge isolated outliers first, with `bridged`). A series whose median falls to zero
    or below (a steep fall fitted on levels) is combined on the log scale instead, so that
    what is forecast stays a positive level."""
    values = np.asarray(values, dtype=float)
    forecasts = _member_forecasts(values, horizon)
    point = np.median(np.stack(list(forecasts.values())), axis=0)
    if np.all(values > 0) and np.any(point <= 0):
        logged = _member_forecasts(np.log(values), horizon)
        point = np.exp(np.median(np.stack(list(logged.values())), axis=0))
        return Combination(point, tuple(logged), True)
    return Combination(point, tuple(forecasts), False)
