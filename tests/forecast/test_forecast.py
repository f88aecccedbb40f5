"""Forecasts: interval coverage on simulated series, probabilities, short and odd series."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.forecast import (
    ForecastError,
    annual_series,
    forecast_series,
    share_forecast,
)
from servtrade.forecast.models import ArimaWithDrift, backtest, choose, fit_forecast, fit_panel
from servtrade.ingest import ingest_file
from servtrade.plans import find_plan
from servtrade.plans.documents import parse_plan
from servtrade.plans.probability import target_probability
from servtrade.store import Store
from tests.conftest import constructed_rows, write_csv
from tests.forecast.coverage import next_value_coverage

runner = CliRunner()


def test_interval_coverage_is_close_to_nominal() -> None:
    """Log random walks with drift 5% and volatility 5%, 20 years: the next value's coverage.

    (On 10-point series coverage falls short, about 71% and 85%: see the README.)
    """
    rng = np.random.default_rng(7)
    paths = [100 * np.exp(np.cumsum(rng.normal(0.05, 0.05, 21))) for _ in range(80)]
    covered80, covered95 = next_value_coverage(
        paths,
        lambda history: fit_forecast(
            history, list(range(2000, 2020)), 1, ["Naive", "Drift", "Theta"]
        ),
    )
    assert 0.70 <= covered80 <= 0.90
    assert 0.88 <= covered95 <= 1.0


def test_backtest_scores_naive_against_drift_on_a_trend() -> None:
    levels = 100 * 1.08 ** np.arange(14)
    scores = {s.model: s for s in backtest(levels, log_scale=True)}
    assert {"Naive", "Drift", "Theta", "ETS"} <= set(scores)
    assert scores["Drift"].mase is not None and scores["Naive"].mase is not None
    assert scores["Drift"].mase < 0.01 < scores["Naive"].mase  # exact trend: drift is perfect
    assert choose(list(scores.values())) == "Drift"


def test_arima_candidate_forecasts_as_statsforecast_arima_does() -> None:
    """Solving the CSS step in closed form changes nothing a user sees: the same forecast
    and intervals as statsforecast's own ARIMA(1,1,0) with drift (CSS-ML, default
    tolerance), on short and long series, negative and positive AR coefficients."""
    from statsforecast.models import ARIMA

    rng = np.random.default_rng(3)
    for length, ar in [(9, 0.0), (14, -0.5), (14, 0.4), (20, 0.7), (60, -0.3), (200, 0.5)]:
        changes = np.zeros(length)
        for t in range(1, length):
            changes[t] = 0.06 + ar * (changes[t - 1] - 0.06) + rng.normal(0, 0.04)
        logs = np.log(100) + np.cumsum(changes)
        kept = logs.copy()
        ours = ArimaWithDrift().forecast(y=logs, h=3, level=[80, 95])
        reference = ARIMA(order=(1, 1, 0), include_drift=True).forecast(y=logs, h=3, level=[80, 95])
        np.testing.assert_array_equal(logs, kept)  # the input is left as it was
        for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"):
            np.testing.assert_allclose(ours[key], reference[key], rtol=0, atol=1e-4)


def test_arima_candidate_refuses_an_explosive_estimate() -> None:
    """Changes that grow by 30% a period have a CSS AR coefficient of about 1.3: the model
    is refused with the reason R's `arima` gives, so the backtest leaves it out for that
    window (statsforecast's search stops at its iteration limit there and forecasts with
    whatever point it reached)."""
    rng = np.random.default_rng(0)
    logs = np.log(100) + np.cumsum(0.01 * 1.3 ** np.arange(12) + rng.normal(0, 0.005, 12))
    with pytest.raises(ValueError, match="non-stationary AR part from CSS"):
        ArimaWithDrift().forecast(y=logs, h=1, level=[80])


def test_a_model_that_wins_the_backtest_but_cannot_fit_all_points_gives_way() -> None:
    """A last change of +58% (after changes of 1-9%) makes ARIMA's estimate on all points
    explosive, though ARIMA fitted, and won, every backtest window: the next best model
    forecasts, and the notes say why."""
    changes = [0.072, 0.015, 0.007, 0.069, 0.073, 0.021, 0.067, 0.041, 0.059, 0.012, 0.075]
    levels = 100 * np.exp(np.cumsum([*changes, 0.086, 0.576]))
    fitted = fit_forecast(levels, list(range(2013, 2026)), 2, models=["Drift", "ARIMA"])
    assert choose(fitted.scores) == "ARIMA"
    assert fitted.model == "Drift"
    assert any("ARIMA could not be fitted on all 13 points" in str(note) for note in fitted.notes)
    assert np.all(np.isfinite(fitted.hi95))


def test_panel_in_worker_processes_equals_one_by_one() -> None:
    rng = np.random.default_rng(5)
    panel = [100 * np.exp(np.cumsum(rng.normal(0.05, 0.05, n))) for n in (6, 12, 15)]
    together = fit_panel(panel, 2, workers=2)
    for values, fitted in zip(panel, together, strict=True):
        alone = fit_forecast(values, list(range(len(values))), 2)
        assert fitted.model == alone.model
        np.testing.assert_allclose(fitted.median, alone.median)
        np.testing.assert_allclose(fitted.hi95, alone.hi95)


def test_a_series_is_fitted_once_for_a_plan_page(bundled: Store) -> None:
    """Probabilities (track) and fan charts (trajectories) of two share targets (2029, 2035)
    forecast the same share series: one fit in all."""
    from servtrade.forecast.models import _share_table, forget_fits
    from servtrade.plans.progress import track_plan
    from servtrade.plans.trajectory import target_trajectories

    plan = find_plan(bundled, "china-digital-trade-opinions-2024")
    forget_fits()
    track_plan(bundled, plan)
    target_trajectories(bundled, plan, None)
    assert _share_table.cache_info().misses == 1


def test_a_shorter_horizon_is_the_start_of_a_longer_one() -> None:
    values = 100 * np.exp(np.cumsum(np.random.default_rng(4).normal(0.05, 0.05, 12)))
    short = fit_forecast(values, list(range(2014, 2026)), 3)
    long = fit_forecast(values, list(range(2014, 2026)), 25)  # beyond the kept horizon
    assert short.years == long.years[:3] and short.model == long.model
    for name in ("median", "lo80", "hi80", "lo95", "hi95"):
        np.testing.assert_allclose(getattr(short, name), getattr(long, name)[:3])


def test_short_series_are_not_forecast_and_say_why() -> None:
    """Three years allow no honest interval: the forecast is refused with the reason; the
    candidates' selection (named models) still forecasts from two."""
    with pytest.raises(ForecastError, match="only 3 points: at least 4 are needed"):
        fit_forecast(np.array([80.0, 88.0, 96.0]), [2022, 2023, 2024], 3)
    fitted = fit_forecast(np.array([80.0, 88.0, 96.0]), [2022, 2023, 2024], 3, ["Naive", "Drift"])
    assert any("only 3 points" in str(note) for note in fitted.notes)
    with pytest.raises(ForecastError):
        fit_forecast(np.array([80.0]), [2024], 3)


def test_notes_read_in_the_language_of_each_reader() -> None:
    """A fit is kept and shared, so its notes are read, not written, in a language: the
    same kept fit says it in Chinese, then in English (the CLI with --lang zh, the API per
    request)."""
    from servtrade.i18n import set_language

    values, years = np.array([0.0, 2.0, 3.0, 5.0, 6.0, 8.0]), list(range(2019, 2025))
    set_language("zh")
    try:
        chinese = [str(note) for note in fit_forecast(values, years, 3).notes]
    finally:
        set_language("en")
    english = [str(note) for note in fit_forecast(values, years, 3).notes]
    assert "存在零或负值：按原始水平而非对数尺度建模" in chinese
    assert "zero or negative values: modelled on the level scale, not the log scale" in english


def test_zeros_are_modelled_on_the_level_scale() -> None:
    fitted = fit_forecast(np.array([0.0, 2.0, 3.0, 5.0, 6.0, 8.0]), list(range(2019, 2025)), 2)
    assert not fitted.log_scale
    assert any("level scale" in str(note) for note in fitted.notes)


def _trend_store(store: Store, tmp_path: Path) -> Store:
    """An 8% trend with alternating ±1% noise that leaves the trend's endpoints exact."""
    noise = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1, 0]) * 0.01
    values = 100 * 1.08 ** np.arange(10) * np.exp(noise)
    rows = constructed_rows(
        "CN-GZ", {(str(2015 + i), "total", "S"): round(float(v), 3) for i, v in enumerate(values)}
    )
    ingest_file(store, write_csv(tmp_path / "trend.csv", *rows))
    return store


def test_without_a_unit_the_series_is_in_the_unit_most_years_are_published_in(
    store: Store, tmp_path: Path
) -> None:
    """Ten years in US dollars and one earlier year in yuan only: the series is in dollars
    (the yuan year converted if a rate exists), not the one yuan figure."""
    dollars = [
        f"CN-GZ,{2015 + i},total,S,{50 + 5 * i},亿美元,,constructed,2026-01-31" for i in range(10)
    ]
    yuan = "CN-GZ,2014,total,S,300,亿元,,constructed,2026-01-31"
    report = ingest_file(store, write_csv(tmp_path / "mixed.csv", yuan, *dollars))
    assert report.status == "loaded", report.errors
    series = annual_series(store, "CN-GZ")
    assert series.unit == "USD_100M"
    assert series.years[-10:] == list(range(2015, 2025))
    assert series.values[-10:] == [50.0 + 5 * i for i in range(10)]
    assert annual_series(store, "CN-GZ", unit="CNY_100M").years[0] == 2014


def test_a_share_forecast_uses_every_year_the_share_is_known(bundled: Store) -> None:
    """China's digitally deliverable share on MOFCOM's basis is known for 2015, 2019, 2020
    and 2022 (26.6%, 34.6%, 44.6%, 42.0%: 2.51 of 5.98 万亿元), in dollars for some years
    (2020's total converted from yuan) and yuan for others: the share is forecast from all
    four, gaps and all, as with a unit given; its median a year on stays near the last
    share and its intervals inside 0-100."""
    years, paths, model, notes = share_forecast(bundled, "CN", "digitally_deliverable", until=2029)
    assert years == [2023, 2024, 2025, 2026, 2027, 2028, 2029]
    assert model == "LogitDrift"
    assert any("2015, 2019, 2020, and 2022" in str(note) for note in notes)
    given, given_paths, _, _ = share_forecast(
        bundled, "CN", "digitally_deliverable", until=2029, unit="USD_100M"
    )
    assert given == years
    np.testing.assert_allclose(np.median(paths, axis=0), np.median(given_paths, axis=0), rtol=1e-3)
    assert abs(float(np.median(paths[:, 0])) - 2.51 / 5.98 * 100) < 3
    assert np.all((paths > 0) & (paths < 100))


def test_a_share_by_hand() -> None:
    """Logits 0, 0.2, 0.6 (years 1, 2, 4) and 0.7 (5): drift 0.7/4 = 0.175 a year; changes
    0.2, 0.4 over 2 years and 0.1 give variance ((0.025)² + (0.05)²/2 + (0.075)²) / 2 a year;
    one year ahead the median is inverse-logit(0.875)."""
    from servtrade.forecast.models import fit_share

    logits = np.array([0.0, 0.2, 0.6, 0.7])
    shares = 100 / (1 + np.exp(-logits))
    fitted = fit_share([1, 2, 4, 5], list(shares), 2)
    variance = (0.025**2 + 0.05**2 / 2 + 0.075**2) / 2
    assert fitted.median[0] == pytest.approx(0.875)
    assert fitted.level(fitted.median)[0] == pytest.approx(100 / (1 + np.exp(-0.875)))
    spread = np.sqrt(variance * 1 + variance / 4)
    from scipy.stats import t

    assert fitted.hi95[0] == pytest.approx(0.875 + t.ppf(0.975, 2) * spread, rel=1e-6)


def test_a_share_with_fewer_than_four_years_is_not_forecast() -> None:
    from servtrade.forecast.models import fit_share

    with pytest.raises(ForecastError, match="only 3 years of the share"):
        fit_share([2022, 2023, 2024], [25.0, 28.4, 31.25], 3)


def _plan_with(value: float) -> str:
    return f"""
id: probability-test
title: {{en: probability test}}
region: CN-GZ
issuer: {{en: test}}
issued: "2025"
sources: [{{title: constructed test plan}}]
targets:
  - id: level
    description: {{en: level target}}
    indicator: value
    comparator: ">="
    value: {value}
    unit: CNY_100M
    year: 2027
"""


@pytest.mark.parametrize(("factor", "low", "high"), [(0.5, 0.97, 1.0), (2.0, 0.0, 0.03)])
def test_probability_far_below_and_far_above_the_trend(
    store: Store, tmp_path: Path, factor: float, low: float, high: float
) -> None:
    _trend_store(store, tmp_path)
    trend_2027 = 100 * 1.08 ** (2027 - 2015)
    plan = parse_plan(_plan_with(round(trend_2027 * factor, 2)), "p.yaml", store.classifications())
    chance = target_probability(store, plan, plan.targets[0])
    assert chance.probability is not None
    assert low <= chance.probability <= high


def test_a_target_at_the_reported_median_has_an_even_chance(store: Store, tmp_path: Path) -> None:
    """The expected value reported is the forecast's median: a target set at it is met
    with probability one half, and the reported forecast of that year is the same median."""
    _trend_store(store, tmp_path)
    forecast = forecast_series(store, "CN-GZ", horizon=3)
    median_2027 = forecast.points[-1].point
    plan = parse_plan(_plan_with(round(median_2027, 3)), "p.yaml", store.classifications())
    chance = target_probability(store, plan, plan.targets[0])
    assert chance.probability == pytest.approx(0.5, abs=0.02)
    assert chance.expected == pytest.approx(median_2027, rel=2e-3)
    assert chance.lo80 is not None and chance.hi80 is not None
    assert chance.lo80 == pytest.approx(forecast.points[-1].lo80, rel=5e-3)


def test_each_year_and_average_growth_probabilities(store: Store, tmp_path: Path) -> None:
    """On an 8% trend, an average of 2% a year is likely, 15% every year unlikely. (The
    combination extrapolates the trend in absolute terms, which slows its growth rate, and
    its calibrated intervals are wide: "likely" is above 0.8 here.)"""
    _trend_store(store, tmp_path)
    text = _plan_with(1).replace(
        """  - id: level
    description: {en: level target}
    indicator: value
    comparator: ">="
    value: 1
    unit: CNY_100M
    year: 2027
""",
        """  - id: easy
    description: {en: average growth of at least 2%}
    indicator: yoy_growth
    comparator: ">="
    value: 2
    unit: percent
    average_over: {start: 2025, end: 2029}
  - id: hard
    description: {en: growth of at least 15% every year}
    indicator: yoy_growth
    comparator: ">="
    value: 15
    unit: percent
    each_year: {start: 2025, end: 2027}
""",
    )
    plan = parse_plan(text, "p.yaml", store.classifications())
    easy = target_probability(store, plan, plan.targets[0]).probability
    hard = target_probability(store, plan, plan.targets[1]).probability
    assert easy is not None and easy > 0.8
    assert hard is not None and hard < 0.1


def test_nowcast_from_year_to_date(store: Store, tmp_path: Path) -> None:
    rows = constructed_rows(
        "CN-GZ",
        {
            ("2023", "total", "S"): 88,
            ("2024", "total", "S"): 96,
            ("2024-01/2024-11", "total", "S"): 80,
            ("2025-01/2025-11", "total", "S"): 90,
        },
    )
    ingest_file(store, write_csv(tmp_path / "n.csv", *rows))
    series = annual_series(store, "CN-GZ")
    assert series.years == [2023, 2024, 2025]
    assert series.values[-1] == pytest.approx(96 * 90 / 80)
    assert any("2025 is a nowcast" in str(note) for note in series.notes)


def test_gaps_and_breaks_are_explicit(store: Store, tmp_path: Path) -> None:
    rows = constructed_rows(
        "CN-GZ",
        {
            (str(y), "total", "S"): v
            for y, v in [
                (2012, 50),
                (2015, 60),
                (2016, 64),
                (2017, 69),
                (2018, 74),
                (2019, 80),
                (2020, 60),
                (2021, 86),
                (2022, 92),
                (2023, 99),
            ]
        },
    )
    ingest_file(store, write_csv(tmp_path / "b.csv", *rows))
    plain = annual_series(store, "CN-GZ")
    assert plain.years[0] == 2015
    assert any("not consecutive" in str(n) for n in plain.notes)
    assert any("2020 changed" in str(n) and "--break 2020" in str(n) for n in plain.notes)
    bridged = annual_series(store, "CN-GZ", breaks=(2020,))
    assert bridged.values[bridged.years.index(2020)] == pytest.approx((80 * 86) ** 0.5)
    assert any("2020 treated as a break" in str(n) for n in bridged.notes)
    forecast = forecast_series(store, "CN-GZ", horizon=2, breaks=(2020,))
    assert [p.period for p in forecast.points] == ["2024", "2025"]


def test_forecast_cli_json_contract(bundled_db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "--region",
            "CN",
            "--horizon",
            "3",
            "--db",
            str(bundled_db),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [list(r) for r in records] == [
        ["period", "point", "lo80", "hi80", "lo95", "hi95", "model"]
    ] * 3
    assert all(r["lo95"] <= r["lo80"] <= r["hi80"] <= r["hi95"] for r in records)
    shares = runner.invoke(
        app,
        [
            "forecast",
            "--region",
            "CN",
            "--indicator",
            "knowledge_intensive_share",
            "--db",
            str(bundled_db),
            "--format",
            "json",
        ],
    )
    assert shares.exit_code == 0, shares.output
    assert all(r["lo95"] >= 0 and r["hi95"] <= 100 for r in json.loads(shares.stdout))


def test_backtest_cli_lists_the_candidates_and_the_combination_used(bundled_db: Path) -> None:
    result = runner.invoke(
        app, ["backtest", "--region", "CN", "--db", str(bundled_db), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"Naive", "Drift"} <= {s["model"] for s in scores}
    (used,) = [s for s in scores if s["chosen"]]
    assert used["model"] == "median(ETS, Theta, Drift)"


def test_track_carries_probabilities_for_bundled_plans(bundled: Store) -> None:
    from servtrade.plans.progress import track_plan

    progress = track_plan(bundled, find_plan(bundled, "belt-and-road-forum-expectation-2023"))
    (target,) = progress.targets
    assert target.probability is not None and 0 <= target.probability <= 1
    assert target.expected_value is not None
