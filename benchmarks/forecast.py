"""Forecast benchmark: backtest, choose and forecast a panel of SYNTHETIC annual series.

servtrade's pipeline (statsforecast models) against the same work done with a plain
statsmodels loop in the same run: the same rolling origins, the same rule (lowest mean
MASE, ties to the simpler model), comparable candidates (naive, drift, Theta, ETS with
additive trend, ARIMA(1,1,0) with drift). Also reports MASE on the real national series
against naive and drift.

Run: .venv/bin/python -m benchmarks.forecast [--series 1000]
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
from pathlib import Path

import numpy as np

from servtrade.data import bundled_file
from servtrade.forecast import ForecastError, forecast_series, year_to_date_series
from servtrade.forecast.models import (
    MAX_WINDOWS,
    MODELS,
    candidate_models,
    fit_forecast,
    fit_panel,
    forget_fits,
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


def statsmodels_pipeline(levels: np.ndarray) -> tuple[str, float]:
    """The same backtest and choice as servtrade's, with statsmodels models."""
    logs = np.log(levels)
    n = len(levels)
    windows = max(1, min(MAX_WINDOWS, n - 4))
    first = n - windows
    best: tuple[float, int, str] | None = None
    for model in candidate_models(first):
        order = list(MODELS).index(model)
        scaled = []
        for origin in range(first, n):
            point = float(np.exp(_statsmodels_one_step(model, logs[:origin])))
            scale = float(np.mean(np.abs(np.diff(levels[:origin]))))
            scaled.append(abs(levels[origin] - point) / scale)
        mase = float(np.mean(scaled))
        if best is None or (round(mase, 9), order) < (round(best[0], 9), best[1]):
            best = (mase, order, model)
    assert best is not None
    _statsmodels_one_step(best[2], logs)  # the final forecast
    return best[2], best[0]


def servtrade_pipeline(levels: np.ndarray) -> tuple[str, float]:
    fitted = fit_forecast(levels, list(range(len(levels))), 1)
    chosen = next(s for s in fitted.scores if s.model == fitted.model)
    return fitted.model, chosen.mase or 0.0


def timed(
    run: Callable[[np.ndarray], tuple[str, float]], panel: list[np.ndarray]
) -> tuple[float, float]:
    start = time.perf_counter()
    mases = [run(series)[1] for series in panel]
    return time.perf_counter() - start, statistics.fmean(mases)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=1000)
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")
    panel = synthetic_panel(arguments.series)
    start = time.perf_counter()
    servtrade_pipeline(synthetic_panel(1, SEED + 1)[0])  # a series outside the panel
    first_call = time.perf_counter() - start
    ours, ours_mase = timed(servtrade_pipeline, panel)
    forget_fits()  # worker processes would inherit the fits just made
    start = time.perf_counter()
    parallel = fit_panel(panel, 1)  # one process per core
    ours_parallel = time.perf_counter() - start
    assert len(parallel) == len(panel)
    theirs, theirs_mase = timed(statsmodels_pipeline, panel)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"SYNTHETIC panel: {len(panel)} annual series of 12-20 years (seed {SEED})")
    print(f"first call (imports, warm-up):   {first_call:8.2f} s")
    print(f"servtrade (statsforecast):       {ours:8.2f} s  mean MASE of chosen {ours_mase:.3f}")
    print(f"servtrade, {os.cpu_count()} worker processes:   {ours_parallel:8.2f} s")
    print(
        f"plain statsmodels loop:          {theirs:8.2f} s  mean MASE of chosen {theirs_mase:.3f}"
    )
    print(f"speed-up, one process:           {theirs / ours:8.2f}x")
    print(f"speed-up, {os.cpu_count()} processes:           {theirs / ours_parallel:8.2f}x")
    print("real series (bundled), one-step backtest MASE: chosen | naive | drift")
    for line in real_series_report():
        print(line)


if __name__ == "__main__":
    main()
