"""What drove growth: contributions add up to the parent's growth, the unexplained rest is
its own line, shift-share effects add up to the region's change; checked by hand on the
bundled national figures and on constructed regions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from servtrade.cli import app as cli
from servtrade.indicators.drivers import REST, DriversError, growth_drivers
from servtrade.periods import parse_period
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, write_csv
from tests.test_properties import MAIN, SLOW, _store_with

runner = CliRunner()


def _points(drivers: object) -> dict[str, float]:
    return {c.component: c.points for c in drivers.contributions}  # type: ignore[attr-defined]


@SLOW
@given(
    before=st.lists(st.integers(1, 10**6), min_size=12, max_size=12),
    now=st.lists(st.integers(0, 10**6), min_size=12, max_size=12),
)
def test_contributions_of_a_complete_breakdown_add_up_to_the_growth(
    before: list[int], now: list[int]
) -> None:
    rows = [
        f"CN-GZ,{year},total,{code},{value},亿元,,{CONSTRUCTED},2025-01-01"
        for year, values in (("2023", before), ("2024", now))
        for code, value in zip(MAIN, values, strict=True)
    ] + [
        f"CN-GZ,2023,total,S,{sum(before)},亿元,,{CONSTRUCTED},2025-01-01",
        f"CN-GZ,2024,total,S,{sum(now)},亿元,,{CONSTRUCTED},2025-01-01",
    ]
    folder, store = _store_with(rows)
    with folder, store:
        drivers = growth_drivers(store, "CN-GZ", parse_period("2024"))
    assert REST not in _points(drivers)
    assert sum(_points(drivers).values()) == pytest.approx(drivers.growth, abs=1e-9)
    assert drivers.growth == pytest.approx((sum(now) / sum(before) - 1) * 100)
    shares = [c.share_change for c in drivers.contributions]
    assert sum(s for s in shares if s is not None) == pytest.approx(0, abs=1e-9)


def test_national_travel_drove_growth_by_hand(bundled: Store) -> None:
    # Published (MOFCOM): all services 5.98万亿 (2022), 6.575万亿 (2023), 75,238亿 (2024);
    # travel 8,560亿 (2022), 1.49万亿 (2023), 20,511.5亿 (2024). No other category is
    # published for both years, so the rest is its own line.
    drivers = growth_drivers(bundled, "CN", parse_period("2023"))
    points = _points(drivers)
    assert points["SD"] == pytest.approx((14_900 - 8_560) / 59_800 * 100)  # 10.60 points
    assert points[REST] == pytest.approx((65_750 / 59_800 - 1) * 100 - points["SD"])  # -0.65
    later = _points(growth_drivers(bundled, "CN", parse_period("2024")))
    assert later["SD"] == pytest.approx((20_511.5 - 14_900) / 65_750 * 100)  # 8.53 points
    # Knowledge-intensive services: 2.50万亿 (2022), 2.72万亿 (2023): 3.68 of 9.95 points.
    grouped = growth_drivers(bundled, "CN", parse_period("2023"), "grouping")
    assert _points(grouped)["knowledge_intensive"] == pytest.approx(2_200 / 59_800 * 100)
    (kis,) = [c for c in grouped.contributions if c.component == "knowledge_intensive"]
    assert kis.share_change == pytest.approx(27_200 / 65_750 * 100 - 25_000 / 59_800 * 100)


def _two_regions(tmp_path: Path, store: Store) -> Store:
    """Guizhou and the nation, two categories each, in yuan (constructed, by hand below)."""
    levels = {
        ("CN", "2023", "SC"): 100,
        ("CN", "2023", "SD"): 100,
        ("CN", "2024", "SC"): 110,  # +10%
        ("CN", "2024", "SD"): 130,  # +30%; the nation +20%
        ("CN-GZ", "2023", "SC"): 30,
        ("CN-GZ", "2023", "SD"): 10,
        ("CN-GZ", "2024", "SC"): 36,  # +20%
        ("CN-GZ", "2024", "SD"): 11,  # +10%
    }
    rows = [
        f"{region},{year},total,{category},{value},亿元,,{CONSTRUCTED},2025-01-01"
        for (region, year, category), value in levels.items()
    ]
    for region in ("CN", "CN-GZ"):
        for year in ("2023", "2024"):
            total = sum(v for (r, y, _c), v in levels.items() if (r, y) == (region, year))
            rows.append(f"{region},{year},total,S,{total},亿元,,{CONSTRUCTED},2025-01-01")
    from servtrade.ingest import ingest_file

    assert ingest_file(store, write_csv(tmp_path / "two.csv", *rows)).status == "loaded"
    return store


def test_shift_share_against_the_nation_by_hand(store: Store, tmp_path: Path) -> None:
    drivers = growth_drivers(
        _two_regions(tmp_path, store), "CN-GZ", parse_period("2024"), against="CN"
    )
    assert drivers.growth == pytest.approx(7 / 40 * 100)  # 40 → 47
    assert drivers.reference_growth == pytest.approx(20.0)
    effects = {e.component: e for e in drivers.shift_share}
    # Weights of 2023: SC 30/40 = 75, SD 10/40 = 25 (points of the region's base level).
    assert effects["SC"].reference_effect == pytest.approx(75 * 0.20)
    assert effects["SC"].mix_effect == pytest.approx(75 * (0.10 - 0.20))
    assert effects["SC"].competitive_effect == pytest.approx(75 * (0.20 - 0.10))
    assert effects["SD"].mix_effect == pytest.approx(25 * (0.30 - 0.20))
    assert effects["SD"].competitive_effect == pytest.approx(25 * (0.10 - 0.30))
    assert sum(e.total for e in effects.values()) == pytest.approx(drivers.growth)


def test_exports_and_imports_and_a_missing_year(bundled: Store) -> None:
    by_flow = growth_drivers(bundled, "CN", parse_period("2024"), "flow")
    assert set(_points(by_flow)) <= {"export", "import", REST}
    assert sum(_points(by_flow).values()) == pytest.approx(by_flow.growth)
    # Published 14.4% stays beside the 14.43% computed from 65,750 and 75,238 亿元.
    assert (by_flow.published_growth, round(by_flow.growth, 2)) == (14.4, 14.43)
    # A year-to-date range against the same months a year before: January-October 2025.
    to_date = growth_drivers(bundled, "CN", parse_period("2025-01/2025-10"), "flow")
    assert (to_date.previous, to_date.published_growth) == ("2024-01/2024-10", 7.5)
    assert sum(_points(to_date).values()) == pytest.approx(to_date.growth)
    with pytest.raises(DriversError, match="in both"):
        growth_drivers(bundled, "CN", parse_period("1990"))


def test_drivers_from_the_cli(tmp_path: Path, bundled: Store) -> None:
    db = str(bundled.location)
    bundled.close()
    shown = runner.invoke(
        cli, ["--lang", "en", "drivers", "--region", "CN", "--period", "2023", "--db", db]
    )
    assert shown.exit_code == 0, shown.output
    assert "10.60" in shown.output  # travel: (14,900 - 8,560) / 59,800 × 100
    found = runner.invoke(
        cli,
        ["drivers", "--region", "中国", "--period", "2023", "--format", "json", "--db", db],
    )
    assert found.exit_code == 0, found.output
    answer = json.loads(found.output)
    points = {c["component"]: c["points"] for c in answer["contributions"]}
    assert points["SD"] == pytest.approx((14_900 - 8_560) / 59_800 * 100)
    as_csv = runner.invoke(
        cli, ["drivers", "--region", "CN", "--period", "2023", "--format", "csv", "--db", db]
    )
    assert as_csv.exit_code == 0 and as_csv.output.splitlines()[0].startswith("component,")
    missing = runner.invoke(cli, ["drivers", "--region", "CN", "--period", "1990", "--db", db])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_drivers_from_the_api(bundled: Store) -> None:
    from fastapi.testclient import TestClient

    from servtrade.server import Settings, create_app

    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path))
    with TestClient(app) as client:
        found = client.get("/api/drivers", params={"region": "CN", "period": "2023"})
        assert found.status_code == 200
        points = {c["component"]: c["points"] for c in found.json()["contributions"]}
        assert points["SD"] == pytest.approx((14_900 - 8_560) / 59_800 * 100)
        missing = client.get("/api/drivers", params={"region": "CN", "period": "1990"})
        assert (missing.status_code, missing.json()["error"]["code"]) == (422, "no_drivers")
        wrong = client.get("/api/drivers", params={"region": "CN", "period": "2023", "by": "x"})
        assert wrong.status_code == 422
        # The region page's waterfall and its data: 2024, travel 8.53 points of 14.43.
        page = client.get("/region/CN")
        assert 'id="chart-drivers"' in page.text
        rows = list(csv.DictReader(io.StringIO(client.get("/charts/drivers.csv?region=CN").text)))
        points = {row["component"]: float(row["points"]) for row in rows}
        assert points["SD"] == pytest.approx((20_511.5 - 14_900) / 65_750 * 100)
        assert points["total"] == pytest.approx((75_238 / 65_750 - 1) * 100)
        assert points["SD"] + points["rest"] == pytest.approx(points["total"])
    app.state.service.close()


def test_partners_and_the_rest_they_leave(store: Store, tmp_path: Path) -> None:
    from servtrade.ingest import ingest_file

    header = "region,period,flow,category,partner,value,unit,source,vintage"
    levels = {("W1", "2023"): 40, ("W1", "2024"): 47, ("US", "2023"): 10, ("US", "2024"): 12}
    levels |= {("HK", "2023"): 20, ("HK", "2024"): 25}  # the other partners: 10 both years
    rows = [
        f"CN-GZ,{year},total,S,{partner},{value},亿元,{CONSTRUCTED},2025-01-01"
        for (partner, year), value in levels.items()
    ]
    path = write_csv(tmp_path / "partners.csv", *rows, header=header)
    assert ingest_file(store, path).status == "loaded"
    drivers = growth_drivers(store, "CN-GZ", parse_period("2024"), "partner")
    points = _points(drivers)
    assert points["US"] == pytest.approx(2 / 40 * 100)
    assert points["HK"] == pytest.approx(5 / 40 * 100)
    (rest,) = [c for c in drivers.contributions if c.component == REST]
    assert (rest.before, rest.now) == (10.0, 10.0)
    assert rest.points == pytest.approx(0.0)


def test_the_national_report_draws_what_drove_growth(bundled: Store) -> None:
    from servtrade.plans import plan_catalog
    from servtrade.report import render_report

    plan = plan_catalog(bundled)["china-digital-trade-opinions-2024"]
    html = render_report(bundled, plan, "html", "en").decode()
    at = html.index("<h3>What drove growth</h3>")
    figure = html[at : html.index("</figure>", at)]
    assert "<svg" in figure
    assert "in 2023 over 2022" in figure and "growth of 9.95%" in figure
