"""The dashboard's charts: years spaced as years, units and indicators in words, and places
compared as peers."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from servtrade.i18n import using_language
from servtrade.periods import parse_period
from servtrade.plans import find_plan
from servtrade.plans.trajectory import target_trajectories
from servtrade.server import Settings, create_app
from servtrade.store import Store
from servtrade.web.charts import fan_chart, trend_chart


def test_years_are_spaced_as_years_and_gaps_show(bundled: Store) -> None:
    """A category axis drew 2005 → 2009 like 2016 → 2017."""
    chart = trend_chart(bundled, "CN")
    years = [int(year) for year in chart.option["xAxis"]["data"]]
    assert years == list(range(years[0], years[-1] + 1))
    total = dict(zip(years, chart.option["series"][3]["data"], strict=True))
    published = {int(row[0]) for row in chart.rows if row[4] is not None}
    missing = set(years) - {int(row[0]) for row in chart.rows}
    assert missing and all(total[year] is None for year in missing)  # a break, not a line
    assert published <= set(years)
    assert chart.option["yAxis"]["name"] == "100 million yuan"


def test_a_target_fan_names_its_unit_and_skips_no_year(bundled: Store) -> None:
    plan = find_plan(bundled, "china-digital-trade-opinions-2024")
    trajectory = target_trajectories(bundled, plan, None)[0]
    with using_language("zh"):
        chart = fan_chart(trajectory, "x", bundled.classifications())
    years = chart.option["xAxis"]["data"]
    assert years == list(range(years[0], years[-1] + 1)) and 2025 in years
    assert chart.option["yAxis"]["name"] == "百分比"
    assert "≥ 45.0%" in chart.description


def test_compare_ranks_municipalities_with_provinces(bundled: Store) -> None:
    """The README's /compare?indicator=value&period=2023 drew an empty chart: Beijing, the
    one provincial-level place with a 2023 figure, is a municipality, not a 'province'."""
    path = bundled.location
    rate = bundled.rate_table().rate(parse_period("2023"), "USD").cny_per_unit
    bundled.close()
    app = create_app(Settings(db=path))
    with TestClient(app) as client:
        page = client.get("/compare", params={"indicator": "value", "period": "2023"})
        assert page.status_code == 200
        assert "provincial level" in page.text and ">share_of_parent<" not in page.text
        data = client.get("/charts/compare.csv", params={"indicator": "value", "period": "2023"})
        rows = {row["region"]: row for row in csv.DictReader(io.StringIO(data.text))}
    app.state.service.close()
    # Beijing: 1,535 亿美元 in 2023, in 亿元 at the bundled 2023 rate.
    assert float(rows["CN-BJ"]["value"]) == pytest.approx(1535 * rate)
    assert rows["CN-BJ"]["rank"] == "1"
