"""Fixtures for records: the mixes of the bundled real figures, and a fresh schema on the
PostgreSQL server for each test that writes there."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from servtrade.records.synthetic import SyntheticMix
from servtrade.store import Store

POSTGRES = os.environ.get("SERVTRADE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def mix(bundled_db: Path) -> SyntheticMix:
    with Store(bundled_db, read_only=True) as store:
        return SyntheticMix.from_store(store)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose tables live in a new schema, dropped afterwards."""
    schema = f"records_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def national_total(cells: pd.DataFrame, period: str) -> pd.DataFrame:
    """The nation's cell of all services, all partners and all modes, for `period`."""
    key = {"region": "CN", "flow": "total", "category": "S", "partner": "W1", "mode": "ALL"}
    selected = cells["period"] == period
    for column, code in key.items():
        selected &= cells[column] == code
    return cells[selected]
