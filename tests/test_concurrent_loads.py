"""Eight loaders at once on one PostgreSQL store, each its own process (as several servers or
CLI users are): every load all or nothing, no figure lost, none stored twice."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from servtrade.ingest import ingest_file
from servtrade.store import Store, StoreLocation
from tests.conftest import CONSTRUCTED, write_csv

LOADERS = 8


def _load(location: StoreLocation, path: str) -> tuple[str, int, int]:
    with Store(location) as store:
        report = ingest_file(store, Path(path))
    return report.status, report.rows_loaded, report.rows_already_stored


def _figures(region: str, first_year: int) -> list[str]:
    """Constructed rows (not statistics): totals and exports for six years."""
    return [
        f"{region},{year},{flow},S,{year - 1900},亿元,,{CONSTRUCTED},2026-01-31"
        for year in range(first_year, first_year + 6)
        for flow in ("total", "export")
    ]


@pytest.mark.parametrize("engine", ["postgres"])
def test_eight_concurrent_loaders_lose_and_duplicate_nothing(
    store_location: StoreLocation, tmp_path: Path
) -> None:
    regions = ["CN-GZ", "CN-GD", "CN-ZJ", "CN-JS", "CN-SH"]
    files = [write_csv(tmp_path / f"{r}.csv", *_figures(r, 2015)) for r in regions]
    # The same bytes as the first file: loaded once, whichever loader comes first.
    files.append(write_csv(tmp_path / "copy.csv", *_figures(regions[0], 2015)))
    # Half of it already in the second file: those figures are stored once.
    files.append(write_csv(tmp_path / "overlap.csv", *_figures(regions[1], 2018)))
    # One bad row and no --allow-partial: nothing of it is stored.
    bad = [*_figures("CN-BJ", 2015), f"CN-BJ,2030,total,SZ,1,亿元,,{CONSTRUCTED},2026-01-31"]
    files.append(write_csv(tmp_path / "bad.csv", *bad))
    assert len(files) == LOADERS
    with multiprocessing.get_context("spawn").Pool(LOADERS) as pool:
        results = pool.starmap(_load, [(store_location, str(f)) for f in files])
    statuses = [status for status, _, _ in results]
    # The first file and its copy: one loads, the other finds it already loaded.
    assert sorted([statuses[0], statuses[5]]) == ["loaded", "unchanged"]
    assert statuses[1:5] == ["loaded"] * 4
    gd, overlap = results[1], results[6]
    # Guangdong 2018-2020 is in both files: stored by whichever came first, once.
    assert overlap[0] == "loaded" and gd[1] + overlap[1] == 18
    assert gd[2] + overlap[2] == 6
    assert results[7] == ("rejected", 0, 0)
    with Store(store_location) as store:
        stored = store.fetchall(
            "SELECT region, period, flow, COUNT(*) FROM observations GROUP BY region, period, flow"
        )
        loads = store.fetchall("SELECT seq, rows_loaded FROM loads ORDER BY seq")
    # Five regions of 12 figures, plus Guangdong's 2021-2023 from the overlap (6 new).
    assert len(stored) == 5 * 12 + 6
    assert {count for *_, count in stored} == {1}
    assert not any(region == "CN-BJ" for region, *_ in stored)
    assert [seq for seq, _ in loads] == list(range(1, 7))
    assert sum(rows for _, rows in loads) == 66
