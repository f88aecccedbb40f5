"""The two databases a store lives in: an embedded DuckDB file, or a PostgreSQL server that
several processes share. Both run the statements of `servtrade.store.sql`, transpiled to
their dialect; what differs (parameters, staged frames, transactions, result frames) is
kept here, behind one small interface."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from servtrade.i18n import gettext
from servtrade.store import sql

if TYPE_CHECKING:  # imported when a store is opened or a frame is asked for
    import duckdb
    import pandas as pd

POSTGRES_URLS = ("postgresql://", "postgres://")
# DuckDB's memory limit for every store this process opens (e.g. "2GB"); beyond it, DuckDB
# spills to a temporary directory beside the store file. Default: DuckDB's own (80% of RAM).
ENV_MEMORY_LIMIT = "SERVTRADE_MEMORY_LIMIT"
# Writers on a shared server take this transaction-level advisory lock, so concurrent loads
# number their loads in order and see each other's files (duplicate checks hold).
WRITE_LOCK = 715_002


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(POSTGRES_URLS)


def redacted(location: str | Path) -> str:
    """A store's location as it may be shown: a server URL without its password."""
    text = str(location)
    if not is_postgres(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class StoreLockedError(RuntimeError):
    """Another process holds the DuckDB file for writing (a running `servtrade serve`)."""


class Cursor(Protocol):
    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Engine(Protocol):
    dialect: str

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor: ...

    def frame(self, statement: str, params: Sequence[Any] = ()) -> pd.DataFrame: ...

    def records(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def register(self, name: str, frame: pd.DataFrame) -> None: ...

    def unregister(self, name: str) -> None: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def session(self) -> Engine: ...

    def close(self) -> None: ...


def upgrade_postgres(url: str, migrations: Path) -> None:
    """Bring a PostgreSQL database to the head of an Alembic migrations directory (the
    store's, or the enterprise records')."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(migrations))
    engine = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings from the environment: `SERVTRADE_MEMORY_LIMIT`, or a ValueError
    naming it when DuckDB does not read it as a size."""
    limit = os.environ.get(ENV_MEMORY_LIMIT)
    if not limit:
        return {}
    import duckdb

    try:
        duckdb.connect(":memory:", config={"memory_limit": limit}).close()
    except duckdb.Error as error:
        raise ValueError(f"{ENV_MEMORY_LIMIT}={limit!r}: {error}") from error
    return {"memory_limit": limit}


_HOLDER = re.compile(r"PID (\d+)")


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def open(cls, path: Path, read_only: bool) -> DuckDBEngine:
        import duckdb

        try:
            return cls(duckdb.connect(str(path), read_only=read_only, config=duckdb_config()))
        except duckdb.IOException as error:
            holder = _HOLDER.search(str(error))
            if holder is None or "lock" not in str(error).lower():
                raise
            raise StoreLockedError(
                gettext(
                    "the store {path} is in use by process {pid} (a running servtrade serve?): "
                    "work through its web page or API, stop it first, or run the server on "
                    "PostgreSQL so that several processes share the store",
                    path=path,
                    pid=holder.group(1),
                )
            ) from None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql.transpile(statement, self.dialect), list(params))

    def frame(self, statement: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self.execute(statement, params).df()

    def records(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return _records(self.execute(statement, params))

    def register(self, name: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        # Arrow hands DuckDB the columns without a per-value conversion.
        self.con.register(name, pa.Table.from_pandas(frame, preserve_index=False))

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def begin(self) -> None:
        self.con.begin()

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def session(self) -> DuckDBEngine:
        # DuckDB serves concurrent connections of one process from one open database.
        return DuckDBEngine(self.con.cursor())

    def close(self) -> None:
        self.con.close()


# PostgreSQL type OIDs whose values pandas would otherwise hold as Python objects.
_NUMERIC, _DATE, _TIMESTAMP = 1700, 1082, 1114
_INTEGERS = (20, 21, 23)


def _column_type(values: pd.Series) -> str:
    """The PostgreSQL type of a staged column, from its values (pandas keeps dates, decimals
    and text all as objects)."""
    kind = values.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    present = values.dropna()
    if len(present) and all(isinstance(v, dt.datetime) for v in present):
        return "TIMESTAMP"
    if len(present) and all(isinstance(v, dt.date) for v in present):
        return "DATE"
    if str(values.dtype) in ("Int64", "Int32", "Int16", "Int8"):
        return "BIGINT"
    if str(values.dtype) in ("Float64", "Float32"):
        return "DOUBLE PRECISION"
    return "TEXT"


def _records(cursor: Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _cell(value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class PostgresEngine:
    """One psycopg connection. It runs in autocommit and opens its transactions itself, so a
    read never holds a transaction open; staged frames are temporary tables filled by COPY."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise ConnectionError(
                gettext("cannot reach the PostgreSQL store: {reason}", reason=first)
            ) from None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        cursor = self.con.cursor()
        cursor.execute(sql.transpile(statement, self.dialect), list(params) or None)
        return cursor

    def frame(self, statement: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        import pandas as pd

        cursor = self.execute(statement, params)
        described = cursor.description or []
        names = [d.name for d in described]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
        # The same column types as DuckDB's frames: decimals read as floats, dates and
        # timestamps as datetimes, whole numbers with gaps as nullable integers.
        for column in described:
            values = frame[column.name]
            if column.type_code == _NUMERIC:
                frame[column.name] = values.map(
                    lambda v: float(v) if isinstance(v, Decimal) else v
                ).astype("float64")
            elif column.type_code in (_DATE, _TIMESTAMP):
                frame[column.name] = pd.to_datetime(values).astype("datetime64[us]")
            elif column.type_code in _INTEGERS and values.isna().any():
                frame[column.name] = values.astype("Int64")
        return frame

    def records(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        # Decimals as floats, as the frames have them.
        return [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
            for row in _records(self.execute(statement, params))
        ]

    def register(self, name: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(f'"{c}" {_column_type(frame[c])}' for c in frame.columns)
        with self.con.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
            names = ", ".join(f'"{c}"' for c in frame.columns)
            with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                for row in frame.itertuples(index=False, name=None):
                    copy.write_row([_cell(v) for v in row])

    def unregister(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")

    def begin(self) -> None:
        self.con.execute("BEGIN")
        self.con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def session(self) -> PostgresEngine:
        return PostgresEngine(self.url)

    def close(self) -> None:
        self.con.close()
