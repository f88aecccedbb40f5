"""Load Parquet files of records into the DuckDB store: all rows validated by the shared
rules where DuckDB reads them (out of core), good rows stored, bad rows quarantined with
their row and reason; one transaction per file, so a failed load leaves the store as it
was. Reloading a file adds nothing: a record already stored (same `record_id` and
`reported_at`) is skipped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from servtrade.records import (
    DEFAULT_MIN_REPORTERS,
    RECORD_COLUMNS,
    DuckDBEngine,
    aggregate,
    hierarchies,
    reference_tables,
    suppress,
    validate,
)
from servtrade.store import Store


@dataclass
class RecordsLoad:
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_already_stored: int = 0
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rows_rejected(self) -> int:
        return 0 if self.issues.empty else int(self.issues["row_no"].nunique())


def _engine(store: Store) -> DuckDBEngine:
    engine = DuckDBEngine(store._con)
    for name, frame in reference_tables(store.classifications(), store.rate_table()).items():
        engine.register(name, frame)
    return engine


def load_records(store: Store, path: Path) -> RecordsLoad:
    report = RecordsLoad(str(path))
    engine = _engine(store)
    columns = ", ".join(RECORD_COLUMNS)
    try:
        store._con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {columns}, "
            "CAST(file_row_number AS BIGINT) + 1 AS row_no "
            "FROM read_parquet(?, file_row_number = true)",
            [str(path)],
        )
    except duckdb.Error as error:
        raise ValueError(f"{path.name}: not a readable records file: {error}") from error
    report.rows_read = int(store._con.execute("SELECT COUNT(*) FROM staged").fetchone()[0])  # type: ignore[index]
    report.issues = validate(engine)
    load_id = uuid.uuid4().hex
    with store.transaction():
        store._con.register("bad_rows", report.issues)
        report.rows_already_stored = int(
            store._con.execute(
                "SELECT COUNT(*) FROM staged s JOIN records r "
                "ON r.record_id = s.record_id AND r.reported_at = s.reported_at"
            ).fetchone()[0]  # type: ignore[index]
        )
        inserted = store._con.execute(
            f"INSERT INTO records SELECT {columns}, ? FROM staged s "
            "WHERE s.row_no NOT IN (SELECT row_no FROM bad_rows) "
            "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = s.record_id "
            "AND r.reported_at = s.reported_at)",
            [load_id],
        ).fetchone()
        store._con.execute(
            'INSERT INTO records_quarantine SELECT ?, ?, row_no, "column", reason FROM bad_rows',
            [load_id, str(path)],
        )
        store._con.unregister("bad_rows")
    report.rows_loaded = int(inserted[0]) if inserted else 0
    return report


def aggregate_records(store: Store, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame:
    """Every cell of the stored records (latest version of each), with `suppressed`."""
    engine = _engine(store)
    store._con.execute("CREATE OR REPLACE TEMP VIEW valid_records AS SELECT * FROM records")
    cells = aggregate(engine)
    return suppress(cells, hierarchies(store.classifications()), min_reporters)


def quarantine(store: Store, column: str | None = None) -> pd.DataFrame:
    frame = store._con.execute(
        'SELECT file, row_no, "column", reason FROM records_quarantine ORDER BY file, row_no'
    ).df()
    return frame if column is None else frame[frame["column"] == column]
