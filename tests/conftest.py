"""Shared fixtures: real DuckDB files in a temporary directory, real databases on the
PostgreSQL server (`SERVTRADE_TEST_POSTGRES`), real files on disk. A test that takes `store`
or `bundled` runs once on each engine.

Constructed figures (`constructed_rows`) are NOT statistics: every such row says so in its
source column.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from servtrade.data import bundled_file
from servtrade.i18n import detect_language, using_language
from servtrade.ingest import ingest_file
from servtrade.store import ENV_DB, Store, StoreLocation

POSTGRES = os.environ.get("SERVTRADE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ("duckdb", "postgres")
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
        rows = sorted(store.fetchall(f"SELECT * FROM {table}"), key=repr)
        total += len(rows)
        parts.append(repr(rows))
    return total, hashlib.sha256("".join(parts).encode()).hexdigest()


def database_url(name: str) -> str:
    """The test server's URL with another database."""
    parts = urlsplit(POSTGRES)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(template: str | None = None) -> str:
    name = f"servtrade_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        clause = f" TEMPLATE {template}" if template else ""
        connection.execute(f"CREATE DATABASE {name}{clause}")
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(autouse=True, scope="session")
def _default_store_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A command run without --db opens the default store: in the tests, a file of their
    own, never the store of the person running them."""
    previous = os.environ.get(ENV_DB)
    os.environ[ENV_DB] = str(tmp_path_factory.mktemp("default") / "servtrade.duckdb")
    yield
    if previous is None:
        os.environ.pop(ENV_DB, None)
    else:
        os.environ[ENV_DB] = previous


@pytest.fixture(autouse=True)
def _language_of_the_environment() -> Iterator[None]:
    """Each test starts in the language of its environment: a command run with --lang zh
    keeps Chinese for the rest of its process, as a CLI should, but not for the next test."""
    with using_language(detect_language()):
        yield


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose tables live in a new schema, dropped afterwards."""
    schema = f"servtrade_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The store's engine; a test or a directory that needs one names it (`engine`)."""
    chosen: str = request.param
    return chosen


@pytest.fixture
def store_location(engine: str, tmp_path: Path) -> Iterator[StoreLocation]:
    if engine == "duckdb":
        yield tmp_path / "test.duckdb"
        return
    name = create_database()
    yield database_url(name)
    drop_database(name)


@pytest.fixture
def store(store_location: StoreLocation) -> Iterator[Store]:
    with Store(store_location) as opened:
        yield opened


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    with Store(path) as opened:
        report = ingest_file(opened, bundled_file())
        assert report.status == "loaded", report.errors
    return path


@pytest.fixture(scope="session")
def bundled_postgres() -> Iterator[str]:
    """A database with the bundled figures, the template of each test's copy."""
    name = create_database()
    with Store(database_url(name)) as opened:
        report = ingest_file(opened, bundled_file())
        assert report.status == "loaded", report.errors
    yield name
    drop_database(name)


@pytest.fixture
def bundled_location(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StoreLocation]:
    """A copy of the store with the bundled figures, for this test alone."""
    if engine == "duckdb":
        copy = tmp_path / "bundled.duckdb"
        shutil.copy(request.getfixturevalue("bundled_db"), copy)
        yield copy
        return
    name = create_database(template=request.getfixturevalue("bundled_postgres"))
    yield database_url(name)
    drop_database(name)


@pytest.fixture
def bundled(bundled_location: StoreLocation) -> Iterator[Store]:
    with Store(bundled_location) as opened:
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
