"""Constructed test figures for plan tracking. They are NOT statistics: every row says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from servtrade.ingest import ingest_file
from servtrade.store import Store
from tests.conftest import write_csv

CONSTRUCTED = "constructed test data - not statistics"


def constructed_rows(region: str, rows: dict[tuple[str, str, str], float]) -> list[str]:
    return [
        f"{region},{period},{flow},{category},{value},亿元,,{CONSTRUCTED},2026-01-31"
        for (period, flow, category), value in rows.items()
    ]


@pytest.fixture
def guizhou(store: Store, tmp_path: Path) -> Store:
    """Guizhou: total 80, 88, 96 (2022-2024); digitally deliverable 20, 25, 30."""
    rows = constructed_rows(
        "CN-GZ",
        {
            ("2022", "total", "S"): 80,
            ("2023", "total", "S"): 88,
            ("2024", "total", "S"): 96,
            ("2022", "total", "digitally_deliverable"): 20,
            ("2023", "total", "digitally_deliverable"): 25,
            ("2024", "total", "digitally_deliverable"): 30,
        },
    )
    report = ingest_file(store, write_csv(tmp_path / "gz.csv", *rows))
    assert report.status == "loaded", report.errors
    return store
