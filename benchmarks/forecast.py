"""Forecast benchmark: the M3 yearly series, six years ahead, against statsforecast.

servtrade's panel forecasts (`servtrade.forecast.panel`, the command `servtrade forecast
--input`, one process per core) and statsforecast's AutoETS, AutoARIMA,
DynamicOptimizedTheta and CES, with SCUM (the median of those four), in one run on the same
histories of `data/reference/benchmarks/m3_yearly_dev.csv` (323 series; the held-out six
years are never shown to a forecaster). Reports sMAPE (M3's definition) and MASE over
horizons 1-6, 80% and 95% coverage per horizon, MSIS, Brier scores and reliability of
P(final value ≥ last × (1 + g)^6) for g = 0, 3, 5, 8 and 12%, and wall time. AutoETS's
probabilities are those of its normal predictive distribution. Then the one-step
rolling-origin backtest on the bundled real national series.

Run: .venv/bin/python -m benchmarks.forecast
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import tempfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from servtrade.data import bundled_file
from servtrade.forecast import ForecastError, backtest_series, calibration
from servtrade.forecast.models import fit_forecast, forget_fits
from servtrade.forecast.panel import PanelSeries, forecast_panel
from servtrade.ingest import ingest_file
from servtrade.store import Store

ROOT = Path(__file__).resolve().parent.parent
PANEL = ROOT / "data" / "reference" / "benchmarks" / "m3_yearly_dev.csv"
HORIZON = 6
GROWTH = (0.0, 3.0, 5.0, 8.0, 12.0)
Z95 = 1.959963984540054


@dataclass
class Series:
    name: str
    history: np.ndarray
    held_out: np.ndarray


def load(path: Path = PANEL) -> list[Series]:
    rows: dict[str, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            rows[row["series"]][row["role"]].append((int(row["year"]), float(row["value"])))
    return [
        Series(
            name,
            np.array([v for _, v in sorted(parts["history"])]),
            np.array([v for _, v in sorted(parts["held_out"])]),
        )
        for name, parts in sorted(rows.items())
    ]


@dataclass
class Forecasts:
    """Point forecasts, 80% and 95% bounds (series × horizon) and the probabilities of each
    growth event (series × len(GROWTH)), with the seconds they took."""

    point: np.ndarray
    bounds: dict[str, np.ndarray]
    events: np.ndarray | None
    seconds: float


def servtrade_forecasts(panel: list[Series]) -> Forecasts:
    """The panel forecasts, timed; then the growth events' probabilities from the same
    (deterministic) fits, made again in this process, untimed."""
    forget_fits()
    start = time.perf_counter()
    inputs = [
        PanelSeries(s.name, list(range(len(s.history))), list(s.history), None) for s in panel
    ]
    results = forecast_panel(inputs, HORIZON)
    seconds = time.perf_counter() - start
    refused = {r.series: r.problem for r in results if r.problem is not None}
    assert not refused, f"series not forecast: {refused}"
    point = np.array([[row["point"] for row in r.rows] for r in results], dtype=float)
    bounds = {
        key: np.array([[row[key] for row in r.rows] for r in results], dtype=float)
        for key in ("lo80", "hi80", "lo95", "hi95")
    }
    events = np.array([[1 - _below(s, g) for g in GROWTH] for s in panel])
    return Forecasts(point, bounds, events, seconds)


def _below(series: Series, growth: float) -> float:
    """servtrade's P(value six years on < last × (1 + g)^6)."""
    fitted = fit_forecast(series.history, list(range(len(series.history))), HORIZON)
    return fitted.below(HORIZON, float(series.history[-1]) * (1 + growth / 100) ** HORIZON)


def statsforecast_forecasts(
    panel: list[Series], names: list[str], jobs: int
) -> dict[str, Forecasts]:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, DynamicOptimizedTheta

    makers = {
        "AutoETS": AutoETS,
        "AutoARIMA": AutoARIMA,
        "DOTM": DynamicOptimizedTheta,
        "CES": AutoCES,
    }
    frame = pd.DataFrame(
        [
            {"unique_id": s.name, "ds": year, "y": value}
            for s in panel
            for year, value in enumerate(s.history)
        ]
    )
    found = {}
    for name in names:
        model = makers[name]()
        start = time.perf_counter()
        result = StatsForecast(models=[model], freq=1, n_jobs=jobs).forecast(
            df=frame, h=HORIZON, level=[80, 95]
        )
        seconds = time.perf_counter() - start
        alias = str(model)
        result = result.set_index("unique_id").loc[[s.name for s in panel]]

        def column(suffix: str, result: pd.DataFrame = result, alias: str = alias) -> np.ndarray:
            return result[alias + suffix].to_numpy(dtype=float).reshape(len(panel), HORIZON)

        bounds = {
            f"{side}{level}": column(f"-{side}-{level}")
            for side in ("lo", "hi")
            for level in (80, 95)
        }
        point = column("")
        sd = (bounds["hi95"] - bounds["lo95"]) / (2 * Z95)
        last = np.array([s.history[-1] for s in panel])
        events = np.column_stack(
            [
                1
                - ndtr(
                    (last * (1 + g / 100) ** HORIZON - point[:, -1]) / np.maximum(sd[:, -1], 1e-12)
                )
                for g in GROWTH
            ]
        )
        found[name] = Forecasts(point, bounds, events, seconds)
    return found


def smape(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.mean(200 * np.abs(actual - point) / (np.abs(actual) + np.abs(point))))


def scales(panel: list[Series]) -> np.ndarray:
    """Each series' in-sample mean absolute yearly change (MASE's scale)."""
    return np.array([np.mean(np.abs(np.diff(s.history))) for s in panel])


def mase(actual: np.ndarray, point: np.ndarray, scale: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - point) / scale[:, None]))


def msis(actual: np.ndarray, low: np.ndarray, high: np.ndarray, scale: np.ndarray) -> float:
    """Mean scaled interval score of the 95% interval (the M4 competition's)."""
    alpha = 0.05
    score = (high - low) + 2 / alpha * (
        (low - actual) * (actual < low) + (actual - high) * (actual > high)
    )
    return float(np.mean(score / scale[:, None]))


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.asarray(np.mean((actual >= low) & (actual <= high), axis=0) * 100)


def outcomes(panel: list[Series]) -> np.ndarray:
    """Whether each growth event happened (series × len(GROWTH))."""
    return np.array(
        [
            [s.held_out[-1] >= s.history[-1] * (1 + g / 100) ** HORIZON for g in GROWTH]
            for s in panel
        ],
        dtype=float,
    )


def reliability(predicted: np.ndarray, happened: np.ndarray) -> list[tuple[str, int, float, float]]:
    """(decile, events, mean predicted, observed frequency), over all growth events."""
    p, y = predicted.ravel(), happened.ravel()
    rows = []
    for decile in range(10):
        low, high = decile / 10, (decile + 1) / 10
        inside = (p >= low) & ((p < high) if decile < 9 else (p <= high))
        if inside.any():
            rows.append(
                (
                    f"{low:.1f}-{high:.1f}",
                    int(inside.sum()),
                    float(p[inside].mean()),
                    float(y[inside].mean()),
                )
            )
    return rows


def report(
    name: str, found: Forecasts, actual: np.ndarray, scale: np.ndarray, happened: np.ndarray
) -> None:
    cover80 = coverage(actual, found.bounds["lo80"], found.bounds["hi80"])
    cover95 = coverage(actual, found.bounds["lo95"], found.bounds["hi95"])
    print(
        f"| {name} | {smape(actual, found.point):.2f} | {mase(actual, found.point, scale):.3f} "
        f"| {cover80.mean():.1f} ({cover80.min():.1f}-{cover80.max():.1f}) "
        f"| {cover95.mean():.1f} ({cover95.min():.1f}-{cover95.max():.1f}) "
        f"| {msis(actual, found.bounds['lo95'], found.bounds['hi95'], scale):.2f} "
        + (
            f"| {np.mean((found.events - happened) ** 2):.4f} "
            f"| {found.events.mean() * 100:.1f} / {happened.mean() * 100:.1f} "
            if found.events is not None
            else "| — | — "
        )
        + f"| {found.seconds:.2f} s |"
    )


def coverage_by_horizon(name: str, found: Forecasts, actual: np.ndarray) -> None:
    cover80 = coverage(actual, found.bounds["lo80"], found.bounds["hi80"])
    cover95 = coverage(actual, found.bounds["lo95"], found.bounds["hi95"])
    cells = " | ".join(f"{a:.1f} / {b:.1f}" for a, b in zip(cover80, cover95, strict=True))
    print(f"| {name} | {cells} |")


def real_series_report() -> None:
    """One-step rolling-origin MASE on the bundled real national series: the combination
    servtrade forecasts with, beside naive and drift."""
    print("\n| real series (bundled) | years | combination | naive | drift |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.duckdb") as store:
        ingest_file(store, bundled_file())
        cases = [
            ("CN total, CNY", {"unit": "CNY_100M"}),
            ("CN total, USD", {"unit": "USD_100M"}),
            ("CN exports, USD", {"flow": "export", "unit": "USD_100M"}),
            ("CN imports, USD", {"flow": "import", "unit": "USD_100M"}),
        ]
        for label, options in cases:
            try:
                result = backtest_series(store, "CN", **options)  # type: ignore[arg-type]
            except ForecastError as error:
                print(f"| {label} | — | {error} | | |")
                continue
            scores = {s.model: s.mase for s in result.scores}

            def shown(model: str, scores: dict[str, float | None] = scores) -> str:
                value = scores.get(model)
                return "—" if value is None else f"{value:.3f}"

            years = f"{result.history.labels[0]}-{result.history.labels[-1]}"
            scored = " | ".join(shown(m) for m in (result.model, "Naive", "Drift"))
            print(f"| {label} | {years} | {scored} |")


def validation_panel(panel: list[Series]) -> list[Series]:
    """Each history without its last six years, which are held out instead."""
    return [Series(s.name, s.history[:-HORIZON], s.history[-HORIZON:]) for s in panel]


def learned_calibration(panel: list[Series]) -> calibration.Calibration:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor() as pool:
        parts = pool.map(calibration.panel_errors, [[s.history] for s in panel], chunksize=8)
        errors = [error for part in parts for error in part]
    return calibration.from_errors(errors, "the validation histories")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--skip-slow", action="store_true", help="leave out AutoARIMA and CES (SCUM)"
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="hold out the histories' last six years instead, with a calibration learned "
        "from the years before them",
    )
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")
    panel = load()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if arguments.validation:
        panel = validation_panel(panel)
        with calibration.chosen(learned_calibration(panel)):
            compare(panel, arguments.skip_slow)
        return
    compare(panel, arguments.skip_slow)
    real_series_report()


def compare(panel: list[Series], skip_slow: bool) -> None:
    actual = np.array([s.held_out for s in panel])
    scale, happened = scales(panel), outcomes(panel)
    print(
        f"M3 yearly: {len(panel)} series, {HORIZON} years ahead; "
        f"events P(final >= last x (1+g)^6), g in {GROWTH}"
    )
    # A warm-up outside the timing: imports and the statsforecast models' compilation.
    forecast_panel(
        [PanelSeries("warm-up", list(range(12)), list(panel[0].history[:12]), None)], 2, workers=1
    )
    ours = servtrade_forecasts(panel)
    names = ["AutoETS", "DOTM"] + ([] if skip_slow else ["AutoARIMA", "CES"])
    theirs = statsforecast_forecasts(panel, names, jobs=1)
    both_cores = statsforecast_forecasts(panel, ["AutoETS"], jobs=os.cpu_count() or 1)["AutoETS"]
    print(
        "\n| method | sMAPE | MASE | 80% coverage (horizons' range) | 95% coverage | MSIS "
        "| Brier | mean P / observed % | wall time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    report("servtrade (one process per core)", ours, actual, scale, happened)
    for name, found in theirs.items():
        report(f"statsforecast {name}", found, actual, scale, happened)
    blanks = " | " * 7
    print(f"| statsforecast AutoETS, n_jobs={os.cpu_count()} |{blanks}{both_cores.seconds:.2f} s |")
    if not skip_slow:
        members = [theirs[name] for name in ("AutoETS", "AutoARIMA", "DOTM", "CES")]
        scum = Forecasts(
            np.median(np.stack([m.point for m in members]), axis=0),
            {
                key: np.median(np.stack([m.bounds[key] for m in members]), axis=0)
                for key in members[0].bounds
            },
            None,
            sum(m.seconds for m in members),
        )
        report("SCUM (median of the four)", scum, actual, scale, happened)
    print("\ncoverage by horizon, 80% / 95%:")
    print("| method | " + " | ".join(f"h={h}" for h in range(1, HORIZON + 1)) + " |")
    print("|---|" + "---|" * HORIZON)
    coverage_by_horizon("servtrade", ours, actual)
    coverage_by_horizon("AutoETS", theirs["AutoETS"], actual)
    for label, found in (("servtrade", ours), ("AutoETS (normal)", theirs["AutoETS"])):
        assert found.events is not None
        print(f"\nreliability of {label}: decile | events | mean predicted | observed")
        for decile, count, predicted, observed in reliability(found.events, happened):
            print(f"| {decile} | {count} | {predicted * 100:.1f} | {observed * 100:.1f} |")
        brier = [np.mean((found.events[:, k] - happened[:, k]) ** 2) for k in range(len(GROWTH))]
        print(
            "Brier by g: "
            + ", ".join(f"{g:g}%: {b:.4f}" for g, b in zip(GROWTH, brier, strict=True))
        )


if __name__ == "__main__":
    main()
