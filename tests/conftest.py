"""Shared fixtures: real DuckDB files in a temporary directory, real files on disk.

Constructed figures (`constructed_rows`) are NOT statistics: every such row says so in its
source column.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from servtrade.data import bundled_file
from servtrade.ingest import ingest_file
from servtrade.store import Store

HEADER = "region,period,flow,category,value,unit,yoy_growth,source,vintage"
ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str) -> ModuleType:
    """A script in scripts/ as a module (scripts are files, not an installed package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


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


CONSTRUCTED = "constructed test data - not statistics"


def constructed_rows(region: str, rows: dict[tuple[str, str, str], float]) -> list[str]:
    return [
        f"{region},{period},{flow},{category},{value},亿元,,{CONSTRUCTED},2026-01-31"
        for (period, flow, category), value in rows.items()
    ]


# Guizhou: total 80, 88, 96 (2022-2024); digitally deliverable 20, 25, 30.
GUIZHOU_CONSTRUCTED = {
    ("2022", "total", "S"): 80.0,
    ("2023", "total", "S"): 88.0,
    ("2024", "total", "S"): 96.0,
    ("2022", "total", "digitally_deliverable"): 20.0,
    ("2023", "total", "digitally_deliverable"): 25.0,
    ("2024", "total", "digitally_deliverable"): 30.0,
}


def load_constructed_guizhou(store: Store, tmp_path: Path) -> Store:
    rows = constructed_rows("CN-GZ", GUIZHOU_CONSTRUCTED)
    report = ingest_file(store, write_csv(tmp_path / "gz.csv", *rows))
    assert report.status == "loaded", report.errors
    return store


@pytest.fixture
def guizhou(store: Store, tmp_path: Path) -> Store:
    return load_constructed_guizhou(store, tmp_path)
