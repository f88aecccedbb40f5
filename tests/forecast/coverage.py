"""How often simulated next values fall inside one-step forecast intervals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from servtrade.forecast.models import FittedForecast


def next_value_coverage(
    paths: list[np.ndarray], fit: Callable[[np.ndarray], FittedForecast]
) -> tuple[float, float]:
    """Shares of paths whose last value lies inside the 80% and 95% intervals forecast
    (on the log scale) from the values before it."""
    inside80 = inside95 = 0
    for levels in paths:
        fitted = fit(levels[:-1])
        low80, high80 = np.exp([fitted.lo80[0], fitted.hi80[0]])
        low95, high95 = np.exp([fitted.lo95[0], fitted.hi95[0]])
        inside80 += low80 <= levels[-1] <= high80
        inside95 += low95 <= levels[-1] <= high95
    return inside80 / len(paths), inside95 / len(paths)
