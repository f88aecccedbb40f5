"""SDMX-CSV export of stored observations, and its round trip through ingest
(`servtrade.sdmx.export`)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.ingest import ingest_file
from servtrade.periods import Period, from_sdmx_time, parse_period, to_sdmx_time
from servtrade.store import ObservationQuery, Store
from tests.sdmx.files import (
    JSON_DATA,
    exported,
)

KEY = ["region", "period", "flow", "category", "partner", "mode", "basis", "unit"]
CONTENT = [*KEY, "value", "value_text", "yoy_growth", "qualifier", "decimals", "vintage", "note"]


def test_export_and_reimport_give_the_same_observations(
    bundled: Store, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "all.csv"
    original = bundled.observations(ObservationQuery())
    assert exported(bundled, path, []) == len(original) == 412
    assert path.read_text(encoding="utf-8").startswith(
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,COUNTERPART_AREA,FLOW,CATEGORY,MODE,"
    )
    report = ingest_file(store, path)
    assert report.status == "loaded", [str(e) for e in report.errors]
    again = store.observations(ObservationQuery())
    left = original[CONTENT].sort_values(KEY).reset_index(drop=True)
    right = again[CONTENT].sort_values(KEY).reset_index(drop=True)
    assert left.equals(right)
    sources = dict(zip(again[KEY].apply(tuple, axis=1), again["source"], strict=True))
    for row in original.itertuples(index=False):
        carried = sources[tuple(getattr(row, k) for k in KEY)]
        assert carried.startswith(f"{row.source}; SERVTRADE:DF_SERVICES_TRADE(1.0), all.csv")


def test_cumulative_periods_cross_as_sdmx_time_ranges(bundled: Store, tmp_path: Path) -> None:
    path = tmp_path / "cn.csv"
    exported(bundled, path, ["CN"])
    text = path.read_text(encoding="utf-8")
    assert ",2025-01-01/P10M," in text
    assert "2025-01/2025-10" not in text


@given(st.integers(2000, 2030), st.integers(1, 12), st.integers(0, 11))
def test_sdmx_time_round_trips(year: int, first: int, extra: int) -> None:
    period = Period(year, first, min(12, first + extra))
    assert parse_period(from_sdmx_time(to_sdmx_time(period))) == period


def test_cli_export_and_ingest(bundled: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    db = bundled.location
    bundled.close()
    out = tmp_path / "zj.csv"
    result = runner.invoke(
        app,
        [
            *("export", "--format", "sdmx-csv", "--region", "浙江", "--from", "2020"),
            *("--db", db, "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 5 observations" in result.output
    fresh = str(tmp_path / "fresh.duckdb")
    loaded = runner.invoke(app, ["ingest", "--format", "sdmx", str(out), "--db", fresh])
    assert loaded.exit_code == 0, loaded.output
    assert "dataflow SERVTRADE:DF_SERVICES_TRADE(1.0)" in loaded.output
    skipped = runner.invoke(
        app, ["--lang", "zh", "ingest", str(JSON_DATA), "--db", fresh], catch_exceptions=False
    )
    assert skipped.exit_code == 0, skipped.output
    assert "55" in skipped.output
    listing = runner.invoke(app, ["sdmx", "mappings"])
    assert "imf-bop" in listing.output
