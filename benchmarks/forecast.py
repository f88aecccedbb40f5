"""Forecast benchmark: backtest, choose and forecast a panel of SYNTHETIC annual series.

servtrade's pipeline (statsforecast models) against the same work done with a plain
statsmodels loop in the same run: the same rolling origins, the same rule (lowest mean
MASE, ties to the simpler model), comparable candidates (naive, drift, Theta, ETS with
additive trend, ARIMA(1,1,0) with drift). Each pipeline works on every series without its
last year, timed; its forecast of that year, and of the years before it with the same
work repeated, is scored (held-out MASE), beside the mean backtest MASE of the chosen
models. Also reports MASE on the real national series against naive and drift.

Run: .venv/bin/python -m benchmarks.forecast [--series 1000] [--held-out 3] [--per-model 400]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from servtrade.data import bundled_file
from servtrade.forecast import ForecastError, forecast_series, year_to_date_series
from servtrade.forecast.models import (
    MAX_WINDOWS,
    MODELS,
    BacktestScore,
    backtest,
    candidate_models,
    choose,
    fit_forecast,
    fit_panel,
    forget_fits,
    mase_scale,
)
from servtrade.ingest import ingest_file
from servtrade.store import Store

SEED = 20261129


def synthetic_panel(count: int, seed: int = SEED) -> list[np.ndarray]:
    """SYNTHETIC annual levels shaped like services-trade series (not statistics):
    12-20 years, growth 2-15% a year, noise 2-10%, one in ten with a -15% break."""
    rng = np.random.default_rng(seed)
    panel = []
    for _ in range(count):
        length = int(rng.integers(12, 21))
        steps = rng.normal(rng.uniform(0.02, 0.15), rng.uniform(0.02, 0.10), length)
        if rng.random() < 0.1:
            steps[int(rng.integers(3, length - 2))] -= 0.15
        panel.append(100 * np.exp(np.cumsum(steps)))
    return panel


def _statsmodels_one_step(model: str, train: np.ndarray) -> float:
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.theta import ThetaModel

    if model == "Naive":
        return float(train[-1])
    if model == "Drift":
        return float(train[-1] + (train[-1] - train[0]) / (len(train) - 1))
    if model == "Theta":
        return float(np.asarray(ThetaModel(train, period=1).fit().forecast(1))[0])
    if model == "ETS":
        return float(
            np.asarray(ETSModel(train, error="add", trend="add").fit(disp=False).forecast(1))[0]
        )
    fitted = ARIMA(train, order=(1, 1, 0), trend="t").fit()
    return float(np.asarray(fitted.forecast(1))[0])


def statsmodels_scores(levels: np.ndarray) -> dict[str, float]:
    """Each candidate's mean one-step MASE over servtrade's rolling origins, with
    statsmodels models."""
    logs = np.log(levels)
    n = len(levels)
    windows = max(1, min(MAX_WINDOWS, n - 4))
    first = n - windows
    scores = {}
    for model in candidate_models(first):
        scaled = []
        for origin in range(first, n):
            point = float(np.exp(_statsmodels_one_step(model, logs[:origin])))
            scaled.append(abs(levels[origin] - point) / mase_scale(levels[:origin], 1))
        scores[model] = float(np.mean(scaled))
    return scores


def _lowest(scores: dict[str, float]) -> str:
    """servtrade's own rule (`choose`) applied to mean MASE by model."""
    return choose(
        [BacktestScore(model, mase, None, None, None, 0) for model, mase in scores.items()]
    )


@dataclass(frozen=True)
class Outcome:
    model: str
    score: float  # the chosen model's mean backtest MASE
    forecast: float  # its one-step forecast of the next level


def statsmodels_pipeline(levels: np.ndarray) -> Outcome:
    """The same backtest, choice and final forecast as servtrade's, with statsmodels."""
    scores = statsmodels_scores(levels)
    model = _lowest(scores)
    forecast = float(np.exp(_statsmodels_one_step(model, np.log(levels))))
    return Outcome(model, scores[model], forecast)


def servtrade_pipeline(levels: np.ndarray) -> Outcome:
    fitted = fit_forecast(levels, list(range(len(levels))), 1)
    chosen = next(s.mase for s in fitted.scores if s.model == fitted.model)
    return Outcome(fitted.model, chosen or 0.0, float(np.exp(fitted.mean[0])))


def held_out_error(levels: np.ndarray, back: int, forecast: float) -> float:
    """MASE of a forecast of the level `back` years from the end, made from the years
    before it (scaled by their mean absolute change)."""
    train, actual = levels[:-back], float(levels[-back])
    return abs(actual - forecast) / mase_scale(train, 1)


def run_panel(
    run: Callable[[np.ndarray], Outcome], panel: list[np.ndarray], back: int
) -> tuple[float, list[Outcome]]:
    """`run` on every series without its last `back` years: seconds and outcomes."""
    start = time.perf_counter()
    outcomes = [run(series[:-back]) for series in panel]
    return time.perf_counter() - start, outcomes


def per_model_report(panel: list[np.ndarray]) -> list[str]:
    """Each candidate's mean backtest MASE in both pipelines, and what the mean score of
    servtrade's chosen models becomes when one candidate's scores are statsmodels'."""
    ours = [{s.model: s.mase for s in backtest(v, True) if s.mase is not None} for v in panel]
    theirs = [statsmodels_scores(v) for v in panel]
    base = statistics.fmean(o[_lowest(o)] for o in ours)
    lines = [f"mean score of servtrade's chosen models: {base:.4f}"]
    for model in MODELS:
        both = [(o, t) for o, t in zip(ours, theirs, strict=True) if model in o and model in t]
        if not both:
            continue
        swapped = []
        for o, t in zip(ours, theirs, strict=True):
            scores = {k: v for k, v in o.items() if k != model}
            scores |= {model: t[model]} if model in t else {}
            swapped.append(scores[_lowest(scores)])
        lines.append(
            f"{model:6} ({len(both)} series): "
            f"servtrade {statistics.fmean(o[model] for o, _ in both):.4f}  "
            f"statsmodels {statistics.fmean(t[model] for _, t in both):.4f}  "
            f"chosen with statsmodels' {model}: {statistics.fmean(swapped):.4f}"
        )
    return lines


def _show(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def real_series_report() -> list[str]:
    """One-step backtest MASE on the bundled real national series: annual ones (with the
    year-to-date nowcast) and cumulative ones (the same January-to-month span each year)."""
    lines = []
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.duckdb") as store:
        ingest_file(store, bundled_file())
        cases = [
            ("CN total, CNY (annual)", {"unit": "CNY_100M"}),
            ("CN total, USD (annual)", {"unit": "USD_100M"}),
            ("CN exports, USD (annual)", {"flow": "export", "unit": "USD_100M"}),
            ("CN imports, USD (annual)", {"flow": "import", "unit": "USD_100M"}),
        ]
        for label, options in cases:
            try:
                result = forecast_series(store, "CN", horizon=1, **options)  # type: ignore[arg-type]
            except ForecastError as error:
                lines.append(f"| {label} | — | — | — | {error} |")
                continue
            scores = {s.model: s.mase for s in result.scores}
            years = f"{result.history.labels[0]}-{result.history.labels[-1]}"
            lines.append(
                f"| {label} | {years} | {result.model} {_show(scores.get(result.model))} "
                f"| {_show(scores.get('Naive'))} | {_show(scores.get('Drift'))} |"
            )
        for months in (6, 7):
            series = year_to_date_series(store, "CN", months, unit="CNY_100M")
            fitted = fit_forecast(np.array(series.values), series.years, 1)
            scores = {s.model: s.mase for s in fitted.scores}
            lines.append(
                f"| CN total, CNY, January-{months:02d} (cumulative) "
                f"| {series.years[0]}-{series.years[-1]} "
                f"| {fitted.model} {_show(scores.get(fitted.model))} "
                f"| {_show(scores.get('Naive'))} | {_show(scores.get('Drift'))} |"
            )
    return lines


def _paired(ours: list[float], theirs: list[float]) -> str:
    differences = np.subtract(ours, theirs)
    error = float(np.std(differences, ddof=1) / np.sqrt(len(differences)))
    return f"{float(np.mean(differences)):+.4f} (standard error {error:.4f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--held-out", type=int, default=3, help="years held out, one at a time")
    parser.add_argument(
        "--per-model", type=int, default=0, help="per-candidate report on this many series"
    )
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")
    panel = synthetic_panel(arguments.series)
    start = time.perf_counter()
    servtrade_pipeline(synthetic_panel(1, SEED + 1)[0])  # a series outside the panel
    first_call = time.perf_counter() - start
    ours_time, ours = run_panel(servtrade_pipeline, panel, 1)
    forget_fits()  # worker processes would inherit the fits just made
    start = time.perf_counter()
    parallel = fit_panel([series[:-1] for series in panel], 1)  # one process per core
    ours_parallel = time.perf_counter() - start
    assert [f.model for f in parallel] == [o.model for o in ours]
    theirs_time, theirs = run_panel(statsmodels_pipeline, panel, 1)
    # Accuracy: each pipeline's final forecast of each held-out year, from the years before.
    ours_errors = [[held_out_error(v, 1, o.forecast)] for v, o in zip(panel, ours, strict=True)]
    theirs_errors = [[held_out_error(v, 1, o.forecast)] for v, o in zip(panel, theirs, strict=True)]
    for back in range(2, arguments.held_out + 1):
        for errors, run in (
            (ours_errors, servtrade_pipeline),
            (theirs_errors, statsmodels_pipeline),
        ):
            for series_errors, series, outcome in zip(
                errors, panel, run_panel(run, panel, back)[1], strict=True
            ):
                series_errors.append(held_out_error(series, back, outcome.forecast))
    ours_held = [statistics.fmean(e) for e in ours_errors]
    theirs_held = [statistics.fmean(e) for e in theirs_errors]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(
        f"SYNTHETIC panel: {len(panel)} annual series of 12-20 years (seed {SEED}); "
        "timed: backtest, choice and forecast of each series without its last year"
    )
    print(f"first call (imports, warm-up):   {first_call:8.2f} s")
    print(f"servtrade (statsforecast):       {ours_time:8.2f} s")
    print(f"servtrade, {os.cpu_count()} worker processes:   {ours_parallel:8.2f} s")
    print(f"plain statsmodels loop:          {theirs_time:8.2f} s")
    print(f"speed-up, one process:           {theirs_time / ours_time:8.2f}x")
    print(f"speed-up, {os.cpu_count()} processes:           {theirs_time / ours_parallel:8.2f}x")
    print(
        f"held-out MASE of the final forecasts (last {arguments.held_out} years, one at a "
        f"time): servtrade {statistics.fmean(ours_held):.4f}, "
        f"statsmodels {statistics.fmean(theirs_held):.4f}, "
        f"difference {_paired(ours_held, theirs_held)}"
    )
    print(
        "mean backtest MASE of the chosen models (the selection score): "
        f"servtrade {statistics.fmean(o.score for o in ours):.4f}, "
        f"statsmodels {statistics.fmean(o.score for o in theirs):.4f}, difference "
        f"{_paired([o.score for o in ours], [o.score for o in theirs])}"
    )
    if arguments.per_model:
        print(f"per candidate, backtest MASE on the first {arguments.per_model} series:")
        for line in per_model_report(panel[: arguments.per_model]):
            print(line)
    print("real series (bundled), one-step backtest MASE: chosen | naive | drift")
    for line in real_series_report():
        print(line)


if __name__ == "__main__":
    main()
