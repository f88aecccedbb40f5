"""Predictive distributions calibrated on rolling-origin errors, horizon by horizon.

A model's own intervals assume its errors are the only uncertainty; on short annual series
they are too wide one year ahead and too narrow six years ahead. Here the distribution of a
forecast h years ahead is learned instead: at many past origins of many series, the error
of the log of the combined point forecast, divided by the series' own scale (the spread of
its yearly log changes up to that origin), is kept by horizon, and the quantiles of those
standardised errors, pooled over series of the same kind, are the calibration (split-
conformal prediction with a per-series scale). A series' forecast is then its point times
exp(scale × quantile) for every probability: intervals and probabilities of meeting a target
come from the same distribution, and its median is the point reported. Horizons beyond
those learned grow like a random walk's, with the square root of the horizon.

The bundled calibration is learned from the histories (never the held-out years) of the M3
competition's yearly series in `data/`: short annual economic series, the kind services
trade is (see `scripts/build_calibration.py`).
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from servtrade.forecast.combination import bridged, combine, series_scale

# Probabilities at which the standardised errors' quantiles are kept.
GRID = np.round(np.arange(0.005, 1.0, 0.005), 3)
# A horizon's quantiles are estimated from its own errors when it has this many.
MIN_ERRORS = 150
# Origins with fewer points than this behind them are not used to learn from.
MIN_TRAIN = 10


@dataclass(frozen=True)
class Calibration:
    """Quantiles of standardised log errors by volatility band and horizon.

    Errors do not grow in proportion to a series' scale (a series whose years change by
    30% is not ten times as uncertain as one whose years change by 3%), so series are put
    in `BANDS` bands by scale, the edges the band's quartiles of one-step errors, and each
    band has its own quantiles: `quantiles[band]` is `GRID` × horizon; `counts[band]` the
    errors each horizon had.
    """

    edges: tuple[float, ...]
    quantiles: tuple[np.ndarray, ...]
    counts: tuple[tuple[int, ...], ...]
    source: str

    def band(self, scale: float) -> int:
        return int(np.searchsorted(self.edges, scale))

    def column(self, horizon: int, scale: float) -> np.ndarray:
        """Quantiles `horizon` steps ahead (1-based) for a series of this scale; beyond the
        last horizon learned, spread by the square root of the horizon."""
        quantiles = self.quantiles[self.band(scale)]
        last = quantiles.shape[1]
        if horizon <= last:
            return np.asarray(quantiles[:, horizon - 1])
        centre = quantiles[:, last - 1]
        median = float(np.interp(0.5, GRID, centre))
        return np.asarray(median + (centre - median) * np.sqrt(horizon / last))

    def table(self, centre: np.ndarray, scale: float) -> np.ndarray:
        """Quantiles (`GRID` × horizon) of a forecast with these centres (modelling scale,
        one per horizon) and this series scale: the centre is the median."""
        columns = []
        for h in range(1, len(centre) + 1):
            standard = self.column(h, scale)
            columns.append(centre[h - 1] + scale * (standard - np.interp(0.5, GRID, standard)))
        return np.column_stack(columns)

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "grid": GRID.tolist(),
            "edges": [round(edge, 6) for edge in self.edges],
            "counts": [list(band) for band in self.counts],
            "quantiles": [
                [[round(float(q), 6) for q in column] for column in band.T]
                for band in self.quantiles
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        if not np.allclose(np.asarray(data["grid"], dtype=float), GRID):
            raise ValueError("calibration grid differs from servtrade's")
        return cls(
            tuple(float(edge) for edge in data["edges"]),
            tuple(np.asarray(band, dtype=float).T for band in data["quantiles"]),
            tuple(tuple(int(c) for c in band) for band in data["counts"]),
            str(data["source"]),
        )

    def save(self, path: Path) -> None:
        """One line a key, one line a band's horizon."""
        data = self.as_dict()
        bands = data.pop("quantiles")
        head = ",\n ".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()
        )
        body = ",\n  ".join(
            "[\n   " + ",\n   ".join(json.dumps(column) for column in band) + "\n  ]"
            for band in bands  # type: ignore[attr-defined]
        )
        path.write_text("{\n " + head + ',\n "quantiles": [\n  ' + body + "\n ]\n}\n")


def standardised_errors(
    values: np.ndarray, max_horizon: int, origins: int, min_train: int = MIN_TRAIN
) -> list[tuple[int, float, float]]:
    """(horizon, standardised log error, scale) of the combined forecast from each of the
    last `origins` origins of a positive series that leave at least `min_train` points to
    fit on."""
    values = np.asarray(values, dtype=float)
    if len(values) <= min_train or np.any(values <= 0):
        return []
    found = []
    for origin in range(max(min_train, len(values) - origins), len(values)):
        history, _ = bridged(values[:origin])
        ahead = min(max_horizon, len(values) - origin)
        point = combine(history, ahead).point
        scale = series_scale(np.log(history))
        errors = (np.log(values[origin : origin + ahead]) - np.log(point)) / scale
        found += [(h + 1, float(e), scale) for h, e in enumerate(errors)]
    return found


MAX_HORIZON = 10
ORIGINS = 12
BANDS = 4


def panel_errors(panel: list[np.ndarray]) -> list[tuple[int, float, float]]:
    """The standardised errors of every series of a panel, up to `MAX_HORIZON` years ahead
    from each series' last `ORIGINS` origins."""
    return [e for values in panel for e in standardised_errors(values, MAX_HORIZON, ORIGINS)]


def _band_quantiles(errors: list[tuple[int, float]]) -> tuple[np.ndarray, tuple[int, ...]]:
    pooled: dict[int, list[float]] = defaultdict(list)
    for horizon, error in errors:
        pooled[horizon].append(error)
    last = 0
    while len(pooled.get(last + 1, ())) >= MIN_ERRORS:
        last += 1
    if last == 0:
        raise ValueError(f"too few errors to calibrate: at least {MIN_ERRORS} one step ahead")
    quantiles = np.column_stack([np.quantile(pooled[h], GRID) for h in range(1, last + 1)])
    # A horizon's quantiles never spread less than those of the one before it.
    centre = quantiles[np.searchsorted(GRID, 0.5)]
    spread = np.maximum.accumulate(np.abs(quantiles - centre), axis=1)
    return centre + np.sign(quantiles - centre) * spread, tuple(
        len(pooled[h]) for h in range(1, last + 1)
    )


def from_errors(errors: list[tuple[int, float, float]], source: str) -> Calibration:
    """Bands by scale (quartiles of the one-step errors' scales), then in each band the
    errors pooled by horizon and their quantiles kept; horizons from the first with fewer
    than `MIN_ERRORS` errors on are left to the square-root rule."""
    one_step = [scale for horizon, _, scale in errors if horizon == 1]
    edges = tuple(float(e) for e in np.quantile(one_step, np.linspace(0, 1, BANDS + 1)[1:-1]))
    bands: list[list[tuple[int, float]]] = [[] for _ in range(BANDS)]
    for horizon, error, scale in errors:
        bands[int(np.searchsorted(edges, scale))].append((horizon, error))
    learned = [_band_quantiles(band) for band in bands]
    return Calibration(edges, tuple(q for q, _ in learned), tuple(c for _, c in learned), source)


def learn(panel: list[np.ndarray], source: str) -> Calibration:
    """The calibration of a panel of positive annual series."""
    return from_errors(panel_errors(panel), source)


BUNDLED = "calibration-annual.json"


@cache
def bundled() -> Calibration:
    """The calibration learned from the M3 yearly histories (`scripts/build_calibration.py`)."""
    text = resources.files("servtrade.forecast").joinpath("data", BUNDLED).read_text()
    return Calibration.from_dict(json.loads(text))


_chosen: list[Calibration] = []
_choices = itertools.count(1)
_choice = [0]  # which calibration is active: 0 the bundled one, else the number of a choice


def active() -> Calibration:
    """The calibration forecasts use: the bundled one, unless one is `chosen`."""
    return _chosen[-1] if _chosen else bundled()


def active_choice() -> int:
    """A number for the active calibration, new at each choice: fits kept under one
    calibration are never reused under another (the fits are keyed by it)."""
    return _choice[-1]


@contextmanager
def chosen(calibration: Calibration) -> Iterator[None]:
    """Forecast with another calibration for a while (to validate one learned elsewhere)."""
    _chosen.append(calibration)
    _choice.append(next(_choices))
    try:
        yield
    finally:
        _chosen.pop()
        _choice.pop()
