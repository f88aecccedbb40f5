"""Quarterly and monthly forecasts: seasonal candidates, values derived from year-to-date
releases, consecutive runs, breaks, and the interfaces. Figures are constructed (labelled
so in every row), not statistics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.forecast import (
    ForecastError,
    forecast_series,
    indicator_forecast,
    period_series,
    year_to_date_series,
)
from servtrade.forecast.models import fit_forecast
from servtrade.ingest import ingest_file
from servtrade.periods import PeriodError, parse_period
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.conftest import constructed_rows, write_csv
from tests.forecast.coverage import next_value_coverage

runner = CliRunner()
# December high, February low: the factors of a strongly seasonal monthly series.
SEASON = np.array([0.9, 0.7, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95, 1.0, 1.05, 1.05, 1.3])


def _monthly(months: int) -> np.ndarray:
    """1% growth a month times the seasonal factors, from January 2020."""
    t = np.arange(months)
    levels: np.ndarray = 100 * 1.01**t * SEASON[t % 12]
    return levels


def _ingest_months(
    store: Store, tmp_path: Path, values: np.ndarray, start: str = "2020-01"
) -> None:
    first = parse_period(start)
    rows = constructed_rows(
        "CN-GZ",
        {(str(first.advanced(i)), "total", "S"): round(float(v), 6) for i, v in enumerate(values)},
    )
    ingest_file(store, write_csv(tmp_path / "monthly.csv", *rows))


def test_periods_advance_by_their_own_kind() -> None:
    assert str(parse_period("2024-11").advanced(3)) == "2025-02"
    assert str(parse_period("2025-01").advanced(-1)) == "2024-12"
    assert str(parse_period("2024-Q4").advanced(1)) == "2025-Q1"
    assert str(parse_period("2024-Q1").advanced(-5)) == "2022-Q4"
    assert str(parse_period("2024").advanced(2)) == "2026"
    with pytest.raises(PeriodError):
        parse_period("2024-01/2024-06").advanced(1)


def test_a_seasonal_monthly_series_is_forecast_with_its_season(
    store: Store, tmp_path: Path
) -> None:
    values = _monthly(60)  # 2020-01 .. 2024-12
    _ingest_months(store, tmp_path, values)
    result = forecast_series(store, "CN-GZ", frequency="monthly", horizon=12)
    assert [p.period for p in result.points] == [f"2025-{m:02d}" for m in range(1, 13)]
    expected = _monthly(72)[60:]
    means = np.array([p.point for p in result.points])
    # A model without the season would miss December and February by 20-30%.
    np.testing.assert_allclose(means, expected, rtol=0.03)
    assert result.model in ("SeasonalNaive", "Theta", "ETS")
    assert {"Naive", "SeasonalNaive", "Drift", "Theta", "ETS", "ARIMA"} <= {
        s.model for s in result.scores
    }
    mase = {s.model: s.mase for s in result.scores}
    chosen, naive = mase[result.model], mase["Naive"]
    assert chosen is not None and naive is not None and chosen < naive / 5


def test_quarterly_interval_coverage_is_close_to_nominal() -> None:
    """Seasonal log random walks (drift 1.2% a quarter, volatility 3%, quarters at 0.9, 1.0,
    1.0 and 1.1 of the trend), 40 quarters: how often the next quarter falls inside."""
    rng = np.random.default_rng(11)
    season = np.log([0.9, 1.0, 1.0, 1.1])[np.arange(41) % 4]
    paths = [100 * np.exp(np.cumsum(rng.normal(0.012, 0.03, 41)) + season) for _ in range(200)]
    covered80, covered95 = next_value_coverage(
        paths, lambda history: fit_forecast(history, list(range(40)), 1, season=4)
    )
    assert 0.70 <= covered80 <= 0.90
    assert 0.88 <= covered95 <= 1.0


def test_quarters_come_from_year_to_date_releases(store: Store, tmp_path: Path) -> None:
    cumulative = {"2024-01/2024-03": 100.0, "2024-01/2024-06": 230.0, "2024-01/2024-09": 370.0}
    rows = {(period, "total", "S"): value for period, value in cumulative.items()}
    rows[("2024", "total", "S")] = 520
    rows[("2025-Q1", "total", "S")] = 110  # published: kept as published
    rows[("2025-01/2025-06", "total", "S")] = 250
    ingest_file(store, write_csv(tmp_path / "q.csv", *constructed_rows("CN-GZ", rows)))
    series = period_series(store, "CN-GZ", "quarterly")
    # By hand: 100, 230 - 100, 370 - 230, 520 - 370, then 110 and 250 - 110.
    assert series.periods == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]
    assert series.values == pytest.approx([100, 130, 140, 150, 110, 140])
    assert any("differences of year-to-date releases" in str(note) for note in series.notes)


def test_gaps_disagreeing_releases_and_breaks_are_explicit(store: Store, tmp_path: Path) -> None:
    rows: dict[tuple[str, str, str], float] = {
        ("2022-Q1", "total", "S"): 90,
        ("2022-Q3", "total", "S"): 95,  # 2022-Q2 missing: a gap
        ("2022-Q4", "total", "S"): 96,
        ("2023-01/2023-03", "total", "S"): 100,
        ("2023-01/2023-06", "total", "S"): 95,  # smaller than January-March: not derived
        ("2023-Q3", "total", "S"): 60,
        ("2023-Q4", "total", "S"): 104,
        ("2024-Q3", "total", "S"): 110,
    }
    ingest_file(store, write_csv(tmp_path / "g.csv", *constructed_rows("CN-GZ", rows)))
    plain = period_series(store, "CN-GZ", "quarterly")
    assert any("do not grow: 2023-Q2" in str(note) for note in plain.notes)
    assert any("not consecutive" in str(note) for note in plain.notes)
    # Only 2024-Q3 follows no gap: the run is that single quarter.
    assert plain.periods == ["2024-Q3"]
    more: dict[tuple[str, str, str], float] = {("2024-Q1", "total", "S"): 106}
    more[("2024-Q2", "total", "S")] = 108
    more[("2024-Q4", "total", "S")] = 112
    more[("2023-Q2", "total", "S")] = 102
    ingest_file(store, write_csv(tmp_path / "g2.csv", *constructed_rows("CN-GZ", more)))
    bridged = period_series(store, "CN-GZ", "quarterly", breaks=(2023,))
    third = bridged.periods.index("2023-Q3")
    assert bridged.values[third] == pytest.approx((95 * 110) ** 0.5)
    assert any("2023-Q3 treated as a break" in str(note) for note in bridged.notes)


def test_short_and_unknown_frequencies_are_clear(store: Store, tmp_path: Path) -> None:
    _ingest_months(store, tmp_path, _monthly(5), start="2024-08")
    result = forecast_series(store, "CN-GZ", frequency="monthly", horizon=2)
    assert result.model in ("Naive", "Drift")
    assert "only 5 points: too few for a seasonal model" in map(str, result.notes)
    with pytest.raises(ForecastError, match="frequency must be one of"):
        forecast_series(store, "CN-GZ", frequency="weekly")
    with pytest.raises(ForecastError, match="annual figures only"):
        indicator_forecast(store, "CN-GZ", "digitally_deliverable_share", frequency="monthly")


def test_cli_and_api_forecast_quarters(store: Store, tmp_path: Path) -> None:
    quarters = 100 * 1.02 ** np.arange(16) * np.tile([0.9, 1.0, 1.0, 1.1], 4)
    first = parse_period("2021-Q1")
    rows = {
        (str(first.advanced(i)), "total", "S"): round(float(v), 4) for i, v in enumerate(quarters)
    }
    ingest_file(store, write_csv(tmp_path / "q.csv", *constructed_rows("CN-GZ", rows)))
    db = store.location
    store.close()
    result = runner.invoke(
        app,
        [
            *("forecast", "--region", "CN-GZ", "--frequency", "quarterly", "--horizon", "3"),
            *("--format", "json", "--db", db),
        ],
    )
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)
    assert [p["period"] for p in points] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert set(points[0]) == {"period", "point", "lo80", "hi80", "lo95", "hi95", "model"}
    refused = runner.invoke(
        app, ["forecast", "--region", "CN-GZ", "--frequency", "weekly", "--db", db]
    )
    assert refused.exit_code == 1
    api = create_app(Settings(db=db))
    with TestClient(api) as client:
        answer = client.get("/api/forecast", params={"region": "CN-GZ", "frequency": "quarterly"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["points"][0]["period"] == "2025-Q1"
        weekly = client.get("/api/forecast", params={"region": "CN-GZ", "frequency": "weekly"})
        assert weekly.status_code == 422
    api.state.service.close()


def test_a_cumulative_series_is_the_same_span_each_year(store: Store, tmp_path: Path) -> None:
    rows: dict[tuple[str, str, str], float] = {
        ("2019-01/2019-06", "total", "S"): 50,
        ("2021-01/2021-06", "total", "S"): 60,  # 2020 missing: a gap
        ("2022-01/2022-06", "total", "S"): 66,
        ("2023-01/2023-06", "total", "S"): 70,
        ("2023-01/2023-07", "total", "S"): 82,  # another span: not part of it
    }
    ingest_file(store, write_csv(tmp_path / "h1.csv", *constructed_rows("CN-GZ", rows)))
    series = year_to_date_series(store, "CN-GZ", 6)
    assert (series.years, series.values) == ([2021, 2022, 2023], [60, 66, 70])
    assert list(map(str, series.notes)) == [
        "years before 2021 are not consecutive and are not modelled"
    ]
    with pytest.raises(ForecastError, match="no January-09 figures"):
        year_to_date_series(store, "CN-GZ", 9)
