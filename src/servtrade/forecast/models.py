"""Forecast one series: a predictive distribution, kept as quantiles per horizon.

Annual series are forecast by the median of three models (`combination`) with the
distribution calibrated on rolling-origin errors (`calibration`); their median is the
point forecast. Quarterly and monthly series (and annual ones when candidate models are
named) are forecast by one statsforecast model chosen by a rolling-origin backtest: levels
on the log scale, so that intervals stay positive, with the model's normal intervals
widened by the Student-t factor t(n−2)/z, since the variance comes from few points.
Candidates depend on the length of the series (ETS with additive trend needs 9 points,
ARIMA(1,1,0) with drift 8, the Theta method 4, drift 2, naive 1) and on its periods a year
(quarterly and monthly series add the seasonal naive, and Theta and ETS model the season).
Each is scored on the same rolling origins by MASE, and the lowest mean MASE wins (ties go
to the simpler model). The in-sample fit never decides.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from servtrade.forecast import calibration
from servtrade.forecast.calibration import GRID
from servtrade.forecast.combination import (
    MIN_POINTS,
    bridged,
    combine,
    series_scale,
    statsforecast_model,
)
from servtrade.i18n import N_, Listing, Message, gettext

Z95 = 1.959963984540054
LEVELS = [80, 95]
# The scale a series is modelled on: logs of positive levels, levels, logits of shares.
Scale = Literal["log", "level", "logit"]


class ArimaWithDrift:
    """ARIMA(1,1,0) with drift, as statsforecast's `ARIMA` fits it (CSS-ML), with the
    conditional-sum-of-squares step solved in closed form.

    For this model the CSS estimate is the least-squares regression of each change on the
    one before it. statsforecast searches for it by BFGS on finite-difference gradients,
    and its exact-likelihood step then stays at that estimate (SciPy stops it at its start,
    reporting precision loss, on every series of 10 to 300 points tried). Given the
    coefficients fixed, statsforecast runs only its Kalman filter for the state, the
    variance and the forecasts: the same forecasts and intervals (tested), 1.5 ms a fit
    instead of 7.0.
    """

    ESTIMATED = 2  # the AR coefficient and the drift

    def forecast(self, y: np.ndarray, h: int, level: list[int]) -> dict[str, np.ndarray]:
        changes = np.diff(y)
        if len(changes) <= self.ESTIMATED + 1:
            raise ValueError("too few points for ARIMA(1,1,0) with drift")
        design = np.column_stack([np.ones(len(changes) - 1), changes[:-1]])
        (intercept, ar), *_ = np.linalg.lstsq(design, changes[1:], rcond=None)
        if not abs(ar) < 1:
            raise ValueError("non-stationary AR part from CSS")  # as statsforecast says
        from statsforecast.arima import Arima, forecast_arima

        with np.errstate(invalid="ignore"):
            fitted = Arima(
                x=np.array(y, dtype=float),
                order=(1, 1, 0),
                seasonal={"order": (0, 0, 0), "period": 1},
                include_drift=True,
                method="CSS-ML",
                fixed=np.array([ar, intercept / (1 - ar)]),
            )
        # statsforecast divides the squared residuals by the points left after the
        # parameters it estimated, and with both given it counts none.
        kept = int(np.count_nonzero(~np.isnan(fitted["residuals"]))) - 1
        fitted["sigma2"] *= kept / (kept - self.ESTIMATED)
        result = forecast_arima(fitted, h, level=level)
        bounds = {f"lo-{p}": np.asarray(result["lower"][f"{p}%"]) for p in level}
        bounds |= {f"hi-{p}": np.asarray(result["upper"][f"{p}%"]) for p in level}
        return {"mean": np.asarray(result["mean"]), **bounds}


@dataclass(frozen=True)
class Candidate:
    """A candidate model for series with `m` periods a year (1 annual, 4 quarterly, 12
    monthly): the points it needs to be fitted, and the model."""

    need: Callable[[int], int]
    make: Callable[[int], Any]


NEVER = 10**9
# Simplest first: ties in the backtest go to the earlier model.
MODELS: dict[str, Candidate] = {
    "Naive": Candidate(lambda m: 1, lambda m: statsforecast_model("Naive")),
    "SeasonalNaive": Candidate(
        lambda m: m + 1 if m > 1 else NEVER,
        lambda m: statsforecast_model("SeasonalNaive", season_length=m),
    ),
    "Drift": Candidate(lambda m: 2, lambda m: statsforecast_model("RandomWalkWithDrift")),
    "Theta": Candidate(
        lambda m: max(4, 2 * m), lambda m: statsforecast_model("Theta", season_length=m)
    ),
    "ETS": Candidate(
        lambda m: 9 + 2 * (m - 1),
        lambda m: statsforecast_model(
            "AutoETS", season_length=m, model="AAN" if m == 1 else "AAA", damped=False
        ),
    ),
    "ARIMA": Candidate(lambda m: 8, lambda m: ArimaWithDrift()),
}
# With more than one period a year, these candidates model the season.
SEASONAL = {"SeasonalNaive", "Theta", "ETS"}
MAX_WINDOWS = 5
_KEYS = ("mean", "lo-80", "hi-80", "lo-95", "hi-95")


class ForecastError(ValueError):
    """A series that cannot be forecast (too short, non-positive levels on a log scale)."""


@dataclass(frozen=True)
class BacktestScore:
    model: str
    mase: float | None
    smape: float | None
    coverage80: float | None
    coverage95: float | None
    windows: int
    rmse: float | None = None  # one-step error on the modelling scale (log for levels)


@dataclass
class FittedForecast:
    """The predictive distribution of a series on its modelling scale (log for positive
    levels): its quantiles at the probabilities `GRID`, one column per horizon."""

    years: list[int]
    model: str
    table: np.ndarray
    scale: Scale
    scores: list[BacktestScore] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)

    @property
    def log_scale(self) -> bool:
        return self.scale == "log"

    def quantile(self, probability: float) -> np.ndarray:
        """The `probability` quantile at every horizon, on the modelling scale."""
        return np.array([np.interp(probability, GRID, column) for column in self.table.T])

    def level(self, modelled: np.ndarray) -> np.ndarray:
        """Values of the modelling scale on the original one (a share in percent)."""
        if self.scale == "log":
            return np.asarray(np.exp(modelled))
        if self.scale == "logit":  # within ±30, a share stays off 0 and 100 in floats too
            return np.asarray(100 / (1 + np.exp(-np.clip(modelled, -30, 30))))
        return modelled

    @property
    def median(self) -> np.ndarray:
        return self.quantile(0.5)

    def bands(self) -> tuple[np.ndarray, ...]:
        """Median, 80% low and high, 95% low and high, per horizon, on the original scale."""
        return tuple(self.level(self.quantile(p)) for p in (0.5, 0.1, 0.9, 0.025, 0.975))

    @property
    def lo80(self) -> np.ndarray:
        return self.quantile(0.1)

    @property
    def hi80(self) -> np.ndarray:
        return self.quantile(0.9)

    @property
    def lo95(self) -> np.ndarray:
        return self.quantile(0.025)

    @property
    def hi95(self) -> np.ndarray:
        return self.quantile(0.975)

    def below(self, horizon: int, level: float) -> float:
        """P(value `horizon` steps ahead < `level`), `level` on the original scale."""
        if self.scale != "level" and level <= 0:
            return 0.0
        if self.scale == "logit" and level >= 100:
            return 1.0
        if self.scale == "log":
            modelled = math.log(level)
        elif self.scale == "logit":
            modelled = math.log(level / (100 - level))
        else:
            modelled = level
        column = self.table[:, horizon - 1]
        return float(np.interp(modelled, column, GRID, left=0.0, right=1.0))


def candidate_models(points: int, season: int = 1) -> list[str]:
    """The models that `points` values of a series with `season` periods a year can fit."""
    return [name for name, candidate in MODELS.items() if candidate.need(season) <= points]


def _run(model: str, values: np.ndarray, horizon: int, season: int) -> dict[str, np.ndarray]:
    """The model's forecast: keys mean, lo-80, hi-80, lo-95, hi-95 (statsforecast's own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result: dict[str, np.ndarray] = (
            MODELS[model]
            .make(season)
            .forecast(y=np.asarray(values, dtype=float), h=horizon, level=LEVELS)
        )
    return result


def mase_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute change over one season (over one period while a season is not yet
    observed twice): the in-sample error of the seasonal naive forecast."""
    lag = season if len(history) > season else 1
    if len(history) <= lag:
        return 0.0
    return float(np.mean(np.abs(history[lag:] - history[:-lag])))


def _column(result: dict[str, np.ndarray], suffix: str = "") -> np.ndarray:
    return np.asarray(result["mean" if not suffix else suffix.removeprefix("-")], dtype=float)


def backtest(
    values: np.ndarray, log_scale: bool, models: list[str] | None = None, season: int = 1
) -> list[BacktestScore]:
    """One-step-ahead rolling-origin scores on the original scale."""
    n = len(values)
    windows = max(1, min(MAX_WINDOWS, n - 4))
    first_train = n - windows
    if first_train < 1:
        return []
    candidates = models or candidate_models(first_train, season)
    fitted = np.log(values) if log_scale else values
    scores = []
    for model in candidates:
        tally, model_errors = _Tally(), []
        for origin in range(first_train, n):
            train = fitted[:origin]
            try:
                result = _run(model, train, 1, season)
            except Exception as failure:  # a model that cannot fit this window is out
                logging.getLogger(__name__).debug("%s failed: %s", model, failure)
                break
            modelled = {key: float(np.asarray(result[key])[0]) for key in _KEYS}
            level = {k: math.exp(v) if log_scale else v for k, v in modelled.items()}
            model_errors.append(float(fitted[origin]) - modelled["mean"])
            tally.add(
                float(values[origin]),
                level["mean"],
                (level["lo-80"], level["hi-80"]),
                (level["lo-95"], level["hi-95"]),
                mase_scale(values[:origin], season),
            )
        else:
            rmse = float(np.sqrt(np.mean(np.square(model_errors)))) if model_errors else None
            scores.append(tally.score(model, rmse))
    return scores


@dataclass
class _Tally:
    """One-step errors of one model over the rolling origins, and their scores."""

    scaled: list[float] = field(default_factory=list)
    smapes: list[float] = field(default_factory=list)
    inside80: list[bool] = field(default_factory=list)
    inside95: list[bool] = field(default_factory=list)

    def add(
        self,
        actual: float,
        point: float,
        band80: tuple[float, float],
        band95: tuple[float, float],
        scale: float,
    ) -> None:
        error = abs(actual - point)
        if scale > 0:
            self.scaled.append(error / scale)
        denominator = abs(actual) + abs(point)
        self.smapes.append(200 * error / denominator if denominator else 0.0)
        self.inside80.append(band80[0] <= actual <= band80[1])
        self.inside95.append(band95[0] <= actual <= band95[1])

    def score(self, model: str, rmse: float | None = None) -> BacktestScore:
        def mean(found: list[float] | list[bool]) -> float | None:
            return float(np.mean(found)) if found else None

        return BacktestScore(
            model,
            mean(self.scaled),
            mean(self.smapes),
            mean(self.inside80),
            mean(self.inside95),
            len(self.smapes),
            rmse,
        )


def combination_score(values: np.ndarray) -> BacktestScore | None:
    """The calibrated combination's one-step scores on the same rolling origins as
    `backtest` (none where a window is too short for it)."""
    n = len(values)
    windows = max(1, min(MAX_WINDOWS, n - 4))
    tally, label = _Tally(), None
    for origin in range(n - windows, n):
        try:
            fitted = fit_forecast(values[:origin], list(range(origin)), 1)
        except ForecastError:
            return None
        label = fitted.model
        point, lo80, hi80, lo95, hi95 = (float(band[0]) for band in fitted.bands())
        tally.add(
            float(values[origin]), point, (lo80, hi80), (lo95, hi95), mase_scale(values[:origin], 1)
        )
    return None if label is None else tally.score(label)


def ranking(scores: list[BacktestScore]) -> list[str]:
    """Models by mean MASE, lowest first, ties to the simpler model; then those without a
    score, in their order; naive last if not already there (it fits any series)."""
    order = list(MODELS)
    scored = sorted(
        (s for s in scores if s.mase is not None),
        key=lambda s: (round(s.mase or 0.0, 9), order.index(s.model)),
    )
    ranked = [s.model for s in scored] + [s.model for s in scores if s.mase is None]
    return ranked + ([] if "Naive" in ranked else ["Naive"])


def choose(scores: list[BacktestScore]) -> str:
    """Lowest mean MASE; ties and missing scores go to the simpler model."""
    return ranking(scores)[0]


def _widen(
    mean: np.ndarray, low: np.ndarray, high: np.ndarray, level: float, points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t small-sample widening: the models' normal intervals ignore that the
    variance is estimated from few points, and would cover too little."""
    from scipy.special import ndtri
    from scipy.stats import t as student_t

    tail = (1 + level / 100) / 2
    factor = float(student_t.ppf(tail, max(1, points - 2)) / ndtri(tail))
    return mean - (mean - low) * factor, mean + (high - mean) * factor


@dataclass(frozen=True)
class _ModelFit:
    """The expensive part of a forecast, kept by its inputs: backtest scores, the model
    and its quantile table (modelling scale, `KEPT_HORIZON` years or more)."""

    scores: list[BacktestScore]
    model: str
    log_scale: bool
    table: np.ndarray
    notes: list[Message]
    outliers: tuple[int, ...] = ()  # positions bridged for fitting


# A series whose typical year changes it more than e-fold (its scale on logs above 1; the
# M3 yearly series stay below 0.6) is not forecast: its bands would span orders of magnitude.
MAX_LOG_SCALE = 1.0

# Fits are kept for this many years ahead, so that requests for shorter horizons (a plan's
# targets in different years, its probabilities and its fan charts) share one fit: a
# model's first h steps do not depend on how many steps it is asked for.
KEPT_HORIZON = 20


def _combined_fit(values: np.ndarray, horizon: int) -> _ModelFit:
    """The median of the combination's members with the calibrated distribution."""
    if len(values) < MIN_POINTS:
        raise ForecastError(
            gettext(
                "only {points} points: at least {needed} are needed for an honest interval",
                points=len(values),
                needed=MIN_POINTS,
            )
        )
    log_scale, notes = _modelling_scale(values)
    cleaned, outliers = bridged(values)
    combination = combine(cleaned, horizon)
    if combination.log_scale:
        notes.append(
            Message.of(N_("the levels' forecast fell to zero: the models were fitted on logs"))
        )
    modelled = np.log(cleaned) if log_scale else cleaned
    scale = series_scale(modelled)
    if log_scale and scale > MAX_LOG_SCALE:
        raise ForecastError(
            gettext(
                "a typical year changes the series {factor:.1f}-fold: too erratic for an "
                "honest interval",
                factor=math.exp(scale),
            )
        )
    centre = np.log(combination.point) if log_scale else combination.point
    table = calibration.active().table(centre, scale)
    return _ModelFit([], combination.label, log_scale, table, notes, tuple(outliers))


def _modelling_scale(values: np.ndarray) -> tuple[bool, list[Message]]:
    """Logs for positive levels; levels, with a note, where a value is zero or negative."""
    if np.all(values > 0):
        return True, []
    note = N_("zero or negative values: modelled on the level scale, not the log scale")
    return False, [Message.of(note)]


def _normal_table(mean: np.ndarray, low95: np.ndarray, high95: np.ndarray) -> np.ndarray:
    """A normal distribution per horizon, given its mean and 95% interval."""
    from scipy.special import ndtri

    sd = (high95 - low95) / (2 * Z95)
    return np.asarray(mean[None, :] + ndtri(GRID)[:, None] * sd[None, :])


def _chosen_fit(
    values: np.ndarray, horizon: int, models: list[str] | None, season: int
) -> _ModelFit:
    """The model that wins the backtest, with its widened normal intervals."""
    log_scale, notes = _modelling_scale(values)
    scores = backtest(values, log_scale, models, season) if len(values) >= 2 else []
    modelled = np.log(values) if log_scale else values
    for model in ranking(scores):
        try:
            raw = _run(model, modelled, horizon, season)
            break
        except Exception as failure:  # it fitted every backtest window, not all points
            notes.append(
                Message.of(
                    N_(
                        "{model} could not be fitted on all {points} points ({reason}): "
                        "the next best model is used"
                    ),
                    model=model,
                    points=len(values),
                    reason=str(failure),
                )
            )
    else:
        raise ForecastError(gettext("no model could be fitted"))
    if len(values) < 5:
        notes.append(
            Message.of(
                N_("only {points} points: the simplest valid model ({model}) is used"),
                points=len(values),
                model=model,
            )
        )
    if season > 1 and not {s.model for s in scores} & SEASONAL:
        notes.append(
            Message.of(N_("only {points} points: too few for a seasonal model"), points=len(values))
        )
    mean, points = _column(raw), len(values)
    lo95, hi95 = _widen(mean, _column(raw, "-lo-95"), _column(raw, "-hi-95"), 95, points)
    chosen = next((s for s in scores if s.model == model), None)
    sd = (hi95 - lo95) / (2 * Z95)
    if chosen is not None and chosen.rmse and np.all(sd > 0):
        stretch = np.maximum(1.0, chosen.rmse * np.sqrt(np.arange(1, horizon + 1)) / sd)
        if np.any(stretch > 1):
            notes.append(
                Message.of(N_("intervals widened to the size of the backtest's one-step errors"))
            )
            lo95, hi95 = mean - (mean - lo95) * stretch, mean + (hi95 - mean) * stretch
    if len(values) == 1 or not np.all(np.isfinite(hi95 - lo95)):
        raise ForecastError(gettext("too few points for an interval: at least 2 are needed"))
    return _ModelFit(scores, model, log_scale, _normal_table(mean, lo95, hi95), notes)


@functools.lru_cache(maxsize=1024)
def _model_fit(
    observed: tuple[float, ...],
    horizon: int,
    models: tuple[str, ...] | None,
    season: int,
    _calibration: int,
) -> _ModelFit:
    values = np.array(observed, dtype=float)
    if season == 1 and models is None:
        return _combined_fit(values, horizon)
    return _chosen_fit(values, horizon, None if models is None else list(models), season)


def fit_forecast(
    values: np.ndarray,
    years: list[int],
    horizon: int,
    models: list[str] | None = None,
    season: int = 1,
) -> FittedForecast:
    """The predictive distribution `horizon` periods ahead (years, or with `season` 4 or
    12, quarters or months; `years` then numbers the periods): for annual series the
    calibrated combination, else (or with `models` named) the backtest's choice among
    them. Fits are kept by the series' values, since one view often forecasts the same
    series more than once."""
    if len(values) < 1:
        raise ForecastError(gettext("no points to forecast from"))
    fit = _model_fit(
        tuple(float(v) for v in values),
        max(horizon, KEPT_HORIZON),
        None if models is None else tuple(models),
        season,
        calibration.active_choice(),
    )
    notes = list(fit.notes) + [
        Message.of(
            N_(
                "{year}: {value:g} stands far off the line of its neighbours (an outlier): "
                "bridged between them for fitting"
            ),
            year=years[i],
            value=float(values[i]),
        )
        for i in fit.outliers
    ]
    return FittedForecast(
        years=[years[-1] + h for h in range(1, horizon + 1)],
        model=fit.model,
        table=fit.table[:, :horizon].copy(),
        scale="log" if fit.log_scale else "level",
        scores=fit.scores,
        notes=notes,
    )


def fit_share(years: list[int], shares: list[float], horizon: int) -> FittedForecast:
    """A share (in percent) forecast as a share: its logit follows a random walk with
    drift through every year with data, gaps allowed (a gap of g years is g steps).

    The drift is the logit's average change a year from the first year to the last, the
    variance a year that of the changes around it (each divided by its gap), with one
    degree of freedom spent on the drift; the forecast variance adds the drift's own
    uncertainty, and quantiles are Student-t's. Intervals stay inside 0-100. Fits are kept
    like those of levels.
    """
    table, notes = _share_table(
        tuple(years), tuple(float(s) for s in shares), max(horizon, KEPT_HORIZON)
    )
    return FittedForecast(
        years=[years[-1] + h for h in range(1, horizon + 1)],
        model="LogitDrift",
        table=table[:, :horizon].copy(),
        scale="logit",
        notes=list(notes),
    )


@functools.lru_cache(maxsize=256)
def _share_table(
    years: tuple[int, ...], shares: tuple[float, ...], horizon: int
) -> tuple[np.ndarray, tuple[Message, ...]]:
    if len(years) < MIN_POINTS:
        raise ForecastError(
            gettext(
                "only {points} years of the share: at least {needed} are needed for an "
                "honest interval",
                points=len(years),
                needed=MIN_POINTS,
            )
        )
    values = np.asarray(shares, dtype=float)
    if np.any(values <= 0) or np.any(values >= 100):
        raise ForecastError(gettext("a share of 0 or 100% cannot be forecast as a share"))
    logits = np.log(values / (100 - values))
    gaps = np.diff(np.asarray(years, dtype=float))
    span = float(years[-1] - years[0])
    drift = float(logits[-1] - logits[0]) / span
    changes = np.diff(logits)
    variance = float(np.sum((changes - drift * gaps) ** 2 / gaps)) / (len(changes) - 1)
    ahead = np.arange(1, horizon + 1, dtype=float)
    spread = np.sqrt(variance * ahead + variance * ahead**2 / span)
    from scipy.stats import t as student_t

    quantiles = student_t.ppf(GRID, len(changes) - 1)
    table = logits[-1] + drift * ahead[None, :] + quantiles[:, None] * spread[None, :]
    notes: tuple[Message, ...] = ()
    if np.any(gaps != 1):
        notes = (
            Message.of(
                N_("the share is known for {years} only: the gaps are modelled as such"),
                years=Listing(tuple(str(year) for year in years)),
            ),
        )
    return np.asarray(table), notes


def forget_fits() -> None:
    """Drop the fits kept by `fit_forecast` and `fit_share` (to time fitting itself)."""
    _model_fit.cache_clear()
    _share_table.cache_clear()


def fit_panel(
    panel: list[np.ndarray], horizon: int, workers: int | None = None
) -> list[FittedForecast]:
    """`fit_forecast` for many series, spread over `workers` processes (default: one per
    core)."""
    years = [list(range(len(values))) for values in panel]
    workers = workers or os.cpu_count() or 1
    if workers <= 1:
        return [fit_forecast(v, y, horizon) for v, y in zip(panel, years, strict=True)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fit_forecast, panel, years, [horizon] * len(panel), chunksize=16))


def simulate(forecast: FittedForecast, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Joint future paths (paths × horizon) on the original scale.

    Each horizon keeps its predictive distribution exactly, and paths are coherent over
    time (what `each_year` and `average_over` targets need): a random walk's normal
    scores, rescaled to unit variance at every horizon, are read through each horizon's
    quantiles (a Gaussian copula with a random walk's correlations).
    """
    horizon = forecast.table.shape[1]
    from scipy.special import ndtr

    walk = np.cumsum(rng.standard_normal((paths, horizon)), axis=1)
    uniform = ndtr(walk / np.sqrt(np.arange(1, horizon + 1)))
    draws = np.column_stack(
        [np.interp(uniform[:, h], GRID, forecast.table[:, h]) for h in range(horizon)]
    )
    return np.asarray(forecast.level(draws))
