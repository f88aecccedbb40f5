"""The calibrated combination: coverage and probabilities on simulated series whose
distribution is known, robustness to an outlier, the bundled calibration, panel files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.forecast import calibration
from servtrade.forecast.combination import combine
from servtrade.forecast.models import fit_forecast, fit_share, simulate
from servtrade.forecast.panel import PanelSeries, forecast_panel, read_panel

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def _random_walks(seed: int, count: int) -> list[np.ndarray]:
    """SIMULATED series: random walks with drift 5 a year from 100 and noise of 1 to 6."""
    rng = np.random.default_rng(seed)
    return [100 + np.cumsum(rng.normal(5, rng.uniform(1, 6), 22)) for _ in range(count)]


def test_intervals_and_probabilities_are_calibrated_where_the_calibration_was_learned() -> None:
    """A calibration learned on one panel of a process covers another panel of the same
    process near nominal at every horizon, and its probabilities of growth events happen
    as often as they say (150 series: one horizon's coverage has a sampling error of
    about 3 points)."""
    learned = calibration.learn(_random_walks(1, 150), "simulated")
    fresh = _random_walks(2, 150)
    inside80, inside95, predicted, happened = np.zeros(6), np.zeros(6), [], []
    with calibration.chosen(learned):
        for values in fresh:
            fitted = fit_forecast(values[:16], list(range(16)), 6)
            actual = values[16:]
            inside80 += (fitted.level(fitted.lo80) <= actual) & (
                actual <= fitted.level(fitted.hi80)
            )
            inside95 += (fitted.level(fitted.lo95) <= actual) & (
                actual <= fitted.level(fitted.hi95)
            )
            for growth in (0, 5, 10):
                threshold = values[15] * (1 + growth / 100) ** 6
                predicted.append(1 - fitted.below(6, threshold))
                happened.append(actual[-1] >= threshold)
    coverage80, coverage95 = inside80 / len(fresh), inside95 / len(fresh)
    assert 0.74 <= coverage80.mean() <= 0.86 and coverage80.min() >= 0.68
    assert 0.90 <= coverage95.mean() <= 0.99 and coverage95.min() >= 0.85
    assert abs(np.mean(predicted) - np.mean(happened)) < 0.05


def test_the_bundled_calibration_is_what_its_script_learns() -> None:
    """`scripts/build_calibration.py` on the bundled M3 histories writes the bundled file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", ROOT / "scripts/build_calibration.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rebuilt = script.build()
    bundled = calibration.bundled()
    assert rebuilt.edges == pytest.approx(bundled.edges, abs=1e-6)
    assert rebuilt.counts == bundled.counts
    for ours, theirs in zip(rebuilt.quantiles, bundled.quantiles, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_one_huge_outlier_does_not_carry_the_forecast_away() -> None:
    """A year recorded 50 times too large in the middle of a steady series: the central
    forecast stays within twice the median of the last values, and the 95% interval within
    ten times."""
    values = 100 * 1.06 ** np.arange(14)
    values[8] *= 50
    fitted = fit_forecast(values, list(range(2012, 2026)), 5)
    reference = float(np.median(values[-5:]))
    assert np.all(fitted.level(fitted.median) < 2 * reference)
    assert np.all(fitted.level(fitted.hi95) < 10 * reference)


def test_the_reported_point_is_the_median_of_the_distribution_and_of_the_paths() -> None:
    values = 100 + np.cumsum(np.random.default_rng(3).normal(4, 3, 15))
    fitted = fit_forecast(values, list(range(15)), 4)
    paths = simulate(fitted, 40_000, np.random.default_rng(1))
    median = fitted.level(fitted.median)
    np.testing.assert_allclose(np.median(paths, axis=0), median, rtol=2e-3)
    np.testing.assert_allclose(median, combine(values, 4).point, rtol=1e-9)
    for horizon in range(1, 5):
        assert fitted.below(horizon, float(median[horizon - 1])) == pytest.approx(0.5, abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.5, 99.5), min_size=4, max_size=12),
    st.integers(1, 15),
)
def test_a_share_forecast_stays_between_0_and_100(shares: list[float], horizon: int) -> None:
    years = [2010 + 2 * k for k in range(len(shares))]
    fitted = fit_share(years, shares, horizon)
    for probability in (0.005, 0.025, 0.5, 0.975, 0.995):
        level = fitted.level(fitted.quantile(probability))
        assert np.all((level > 0) & (level < 100))


PANEL = """series,year,value,target
steady,2018,100,
steady,2019,110,
steady,2020,120,
steady,2021,130,
steady,2022,140,
steady,2023,150,500
short,2022,10,
short,2023,11,
short,2024,12,
broken,2020,1,
broken,2021,x,
"""


def test_panel_command_by_hand(tmp_path: Path) -> None:
    """A series rising by exactly 10 a year: drift and the Theta method (ETS needs 8 points)
    both continue the line, so the median forecast is 160, 170, 180; the target of 500 in
    2026 is out of reach. The short series is refused with its reason, the broken one set
    aside with its line and column; exit status 3 (partial)."""
    path = tmp_path / "panel.csv"
    path.write_text(PANEL, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["forecast", "--input", str(path), "--horizon", "3", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert "panel.csv:12 [value]: value 'x' is not a number" in result.output
    assert "short: only 3 points: at least 4 are needed" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [
        "series", "year", "point", "lo80", "hi80", "lo95", "hi95", "model", "p_target"
    ]  # fmt: skip
    assert [(r["series"], r["year"]) for r in rows] == [
        ("steady", str(y)) for y in (2024, 2025, 2026)
    ]
    assert [float(r["point"]) for r in rows] == pytest.approx([160, 170, 180], abs=0.5)
    assert {r["model"] for r in rows} == {"median(Theta, Drift)"}
    assert all(
        float(r["lo95"])
        < float(r["lo80"])
        < float(r["point"])
        < float(r["hi80"])
        < float(r["hi95"])
        for r in rows
    )
    assert [r["p_target"] for r in rows[:2]] == ["", ""]
    assert float(rows[2]["p_target"]) < 0.001


def test_panel_probability_is_that_of_the_distribution(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    values = 100 + np.cumsum(np.random.default_rng(9).normal(5, 4, 12))
    lines = ["series,year,value,target"] + [
        f"a,{2010 + k},{v:.3f},{'' if k < 11 else 170}" for k, v in enumerate(values)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    panel, issues = read_panel(path)
    assert issues == [] and panel[0].target == 170
    (result,) = forecast_panel(panel, 4, workers=1)
    fitted = fit_forecast(np.round(values, 3), list(range(2010, 2022)), 4)
    assert result.rows[-1]["p_target"] == pytest.approx(1 - fitted.below(4, 170))


def test_panel_in_processes_equals_one_process() -> None:
    rng = np.random.default_rng(4)
    panel = [
        PanelSeries(
            f"s{k}", list(range(2000, 2015)), list(100 + np.cumsum(rng.normal(3, 2, 15))), None
        )
        for k in range(8)
    ]
    assert forecast_panel(panel, 3, workers=2) == forecast_panel(panel, 3, workers=1)


def test_panel_numbers_are_ascii_digits_only(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text("series,year,value\na,2020,١٢٣\na,2021,inf\n", encoding="utf-8")
    panel, issues = read_panel(path)
    assert panel == []
    assert [(i.line, i.column) for i in issues] == [(2, "value"), (3, "value")]
