"""Fixtures for records: the mixes of the bundled real figures, and a fresh schema on the
PostgreSQL server for each test that writes there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from servtrade.records.synthetic import SyntheticMix
from servtrade.store import Store


@pytest.fixture(scope="session")
def mix(bundled_db: Path) -> SyntheticMix:
    with Store(bundled_db, read_only=True) as store:
        return SyntheticMix.from_store(store)


@pytest.fixture
def engine() -> str:
    """Enterprise records run beside an embedded store (their own engines are chosen by
    each test)."""
    return "duckdb"


def national_total(cells: pd.DataFrame, period: str) -> pd.DataFrame:
    """The nation's cell of all services, all partners and all modes, for `period`."""
    key = {"region": "CN", "flow": "total", "category": "S", "partner": "W1", "mode": "ALL"}
    selected = cells["period"] == period
    for column, code in key.items():
        selected &= cells[column] == code
    return cells[selected]
