"""Shared fixtures: real DuckDB files in a temporary directory, real files on disk."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from servtrade.cli import bundled_file
from servtrade.ingest import ingest_file
from servtrade.store import Store

HEADER = "region,period,flow,category,value,unit,yoy_growth,source,vintage"


def write_csv(path: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def snapshot(store: Store) -> tuple[int, str]:
    """Everything a load could change, as a count and a digest."""
    tables = ("observations", "loads", "quarantine")
    parts = []
    total = 0
    for table in tables:
        rows = store._con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        total += len(rows)
        parts.append(repr(rows))
    return total, hashlib.sha256("".join(parts).encode()).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "test.duckdb") as opened:
        yield opened


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    with Store(path) as opened:
        report = ingest_file(opened, bundled_file())
        assert report.status == "loaded", report.errors
    return path


@pytest.fixture
def bundled(bundled_db: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "bundled.duckdb"
    shutil.copy(bundled_db, copy)
    with Store(copy) as opened:
        yield opened
