"""Where records are kept, on each engine: load records files (Parquet, or a CSV file or
workbook typed by `servtrade.records.files`; every row validated by the shared rules, good
rows stored, bad rows quarantined with their row, record, value and reason), aggregate what
is stored, list the quarantine.

- `DuckDBRecords`: beside the embedded store, one Parquet file per load in its records
  directory, listed (and the bad rows quarantined) by one transaction of the store.
- `PostgresRecords`: a shared server; tables made by Alembic migrations; one transaction per
  file, and a record already stored by another loader is skipped by the primary key, so
  concurrent loaders neither lose nor duplicate.
- `SparkRecords`: a directory of Parquet datasets (`records/`, `records_quarantine/`), one
  partition per load, written aside and renamed into place when complete.

The statements are the same on every engine (written in DuckDB's dialect, transpiled);
values such as the file name and the load id reach them as a registered one-row table, never
as text. Reloading a file adds nothing: a record already stored (same `record_id` and
`reported_at`) is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servtrade.access import User, acting_name, authorise_region, authorise_writer
from servtrade.i18n import N_, _
from servtrade.records import (
    DEFAULT_MIN_REPORTERS,
    RECORD_COLUMNS,
    DuckDBEngine,
    Engine,
    PostgresEngine,
    SparkEngine,
    aggregate,
    hierarchies,
    reference_tables,
    suppress,
    validate,
)
from servtrade.records.files import ISSUE_COLUMNS, RecordsFile, records_file
from servtrade.store import Store, is_postgres
from servtrade.store.engines import upgrade_postgres
from servtrade.store.sql import BUMP_REVISION, INSERT_AUDIT, transpile

ENGINES = ("duckdb", "postgres", "spark")
STORED = (*RECORD_COLUMNS, "load_id")
QUARANTINE_COLUMNS = (
    "load_id",
    "file",
    "row_no",
    "column",
    "reason",
    "record_id",
    "reporter_id",
    "value",
    "line",
)
TypeCheck = Callable[[pa.DataType], bool]
TEXT: tuple[tuple[TypeCheck, ...], str] = (
    (pa.types.is_string, pa.types.is_large_string),
    N_("text"),
)
COLUMN_TYPES: dict[str, tuple[tuple[TypeCheck, ...], str]] = {
    "amount": ((pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal), N_("a number")),
    "reported_at": ((pa.types.is_timestamp, pa.types.is_date), N_("a timestamp")),
}

GOOD_ROWS = f"""
SELECT {", ".join(f"s.{c}" for c in RECORD_COLUMNS)}, i.load_id
FROM staged AS s CROSS JOIN load_info AS i
WHERE NOT EXISTS (SELECT 1 FROM bad_rows AS b WHERE b.row_no = s.row_no)
  AND NOT EXISTS (SELECT 1 FROM records AS r
                  WHERE r.record_id = s.record_id AND r.reported_at = s.reported_at)"""
# A bad row with the record it belongs to and the value found: the text of a cell that did
# not parse, else the staged cell of the rule's column.
_STAGED_VALUE = (
    'CASE b."column" '
    + " ".join(f"WHEN '{c}' THEN CAST(s.{c} AS VARCHAR)" for c in RECORD_COLUMNS)
    + " END"
)
QUARANTINE_ROWS = f"""
SELECT i.load_id, i.file, b.row_no, b."column", b.reason,
       CAST(s.record_id AS VARCHAR) AS record_id, CAST(s.reporter_id AS VARCHAR) AS reporter_id,
       COALESCE(CAST(b.value AS VARCHAR), {_STAGED_VALUE}) AS value,
       CAST(b.line AS BIGINT) AS line
FROM bad_rows AS b CROSS JOIN load_info AS i LEFT JOIN staged AS s ON s.row_no = b.row_no"""
REPORTED_ISSUE_COLUMNS = ("row_no", "line", "record_id", "reporter_id", "column", "value", "reason")
INSERT_QUARANTINE = (
    "INSERT INTO records_quarantine ("
    + ", ".join(f'"{c}"' for c in QUARANTINE_COLUMNS)
    + f") {QUARANTINE_ROWS}"
)
ALREADY_STORED = """
SELECT COUNT(*) AS n FROM staged AS s JOIN records AS r
  ON r.record_id = s.record_id AND r.reported_at = s.reported_at"""
# What the aggregation reads (every stored version; it picks the latest of each record).
VALID_RECORDS = "CREATE OR REPLACE TEMP VIEW valid_records AS SELECT * FROM records"
QUARANTINE = """
SELECT file, row_no, line, record_id, reporter_id, "column", value, reason
FROM records_quarantine ORDER BY file, row_no, "column"
"""

# How the records of every stored file are read, whatever types the file itself used.
STORED_TYPES = {column: "VARCHAR" for column in RECORD_COLUMNS} | {
    "amount": "DOUBLE",
    "reported_at": "TIMESTAMP",
}
STORED_PROJECTION = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in STORED_TYPES.items())
NO_RECORDS = (
    "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in STORED_TYPES.items()) + " LIMIT 0"
)
STORED_FILES = "SELECT stored FROM records_files ORDER BY loaded_at, load_id"
ADD_STORED_FILE = "INSERT INTO records_files VALUES (?, ?, ?, ?, ?)"
RECORDS_TABLE = """
SELECT COUNT(*) FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'records'"""
LEGACY_LOAD = f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE load_id = ?"
LEGACY_FILE = "(records table of servtrade 0.10)"


@dataclass
class RecordsLoad:
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_already_stored: int = 0
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    sheet: str | None = None  # a workbook's sheet, when chosen as the only one with data

    @property
    def rows_rejected(self) -> int:
        return 0 if self.issues.empty else int(self.issues["row_no"].nunique())


class RecordsStore(Protocol):
    def load(
        self, path: Path, dry_run: bool = False, by: str | None = None, sheet: str | None = None
    ) -> RecordsLoad: ...

    def aggregate(self, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame: ...

    def quarantine(
        self, column: str | None = None, reporter: str | None = None
    ) -> pd.DataFrame: ...

    def close(self) -> None: ...


def check_records_file(path: Path) -> None:
    """A readable Parquet file with every record column, or a ValueError saying why not."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise ValueError(
            _("{file}: not a readable records file: {error}", file=path.name, error=error)
        ) from error
    missing = [c for c in RECORD_COLUMNS if c not in schema.names]
    if missing:
        raise ValueError(
            _("{file}: missing columns {columns}", file=path.name, columns=", ".join(missing))
        )
    for column in RECORD_COLUMNS:
        kind = schema.field(column).type
        checks, expected = COLUMN_TYPES.get(column, TEXT)
        if not any(check(kind) for check in (*checks, pa.types.is_null)):
            raise ValueError(
                _(
                    "{file}: column {column} holds {kind}, not {expected}",
                    file=path.name,
                    column=column,
                    kind=kind,
                    expected=_(expected),
                )
            )


def _audit_entry(
    file: RecordsFile, store: Store, rows_loaded: int, by: str | None
) -> tuple[str, str, str, str | None, None, str]:
    """The audit entry of a records load (user, action, target, regions, before, after)."""
    regions = ",".join(_known_regions(file.parquet, store)) or None
    after = json.dumps({"rows_loaded": rows_loaded})
    return acting_name(by), "records_load", file.source.name, regions, None, after


def _known_regions(parquet: Path, store: Store) -> list[str]:
    check_records_file(parquet)
    found = pq.read_table(parquet, columns=["region"]).column("region").unique().to_pylist()
    known = store.classifications().regions.codes
    return sorted(str(region) for region in found if region in known)


def regions_in(path: Path, store: Store, sheet: str | None = None) -> list[str]:
    """The known regions a records file reports for (unknown ones are quarantined)."""
    with records_file(path, sheet) as file:
        return _known_regions(file.parquet, store)


def authorised_regions(path: Path, store: Store, user: User, sheet: str | None = None) -> list[str]:
    """The regions a records file reports for, once `user` may write every one of them
    (the whole file is refused if one lies outside their scope)."""
    regions = regions_in(path, store, sheet)
    classifications = store.classifications()
    authorise_writer(user)
    for region in regions:
        authorise_region(user, region, classifications)
    return regions


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def _unchanged(path: Path, before: tuple[int, int]) -> None:
    """Engines read a file once to validate it and again to store it: a file replaced in
    between fails the load before it commits."""
    if _identity(path) != before:
        raise ValueError(_("{file}: changed while it was loaded", file=path.name))


def _register_references(engine: Engine, store: Store) -> None:
    for name, frame in reference_tables(store.classifications(), store.rate_table()).items():
        engine.register(name, frame)


def _issues(rules: pd.DataFrame, file: RecordsFile) -> pd.DataFrame:
    """The rules' issues and the cells that did not parse, one per row and column: an
    unparsed cell is staged empty, and its reason is that it did not parse."""
    unparsed = set(zip(file.issues["row_no"], file.issues["column"], strict=True))
    parsed = [(r, c) not in unparsed for r, c in zip(rules["row_no"], rules["column"], strict=True)]
    kept = rules[pd.Series(parsed, index=rules.index, dtype=bool)]
    lines = pd.Series(
        [file.line_of(int(r)) for r in kept["row_no"]], index=kept.index, dtype="Int64"
    )
    found = kept.assign(value=None, line=lines)
    merged = pd.concat([found, file.issues], ignore_index=True) if len(file.issues) else found
    types = {"row_no": "int64", "column": "object", "reason": "object", "value": "object"}
    return merged.astype(types | {"line": "Int64"})[list(ISSUE_COLUMNS)]


def _validated(engine: Engine, file: RecordsFile, load_id: str) -> RecordsLoad:
    """Validate the staged rows; register the bad rows and this load's id and file."""
    report = RecordsLoad(str(file.source), sheet=file.sheet)
    report.rows_read = int(engine.query("SELECT COUNT(*) AS n FROM staged")["n"].iloc[0])
    report.issues = _issues(validate(engine), file)
    # Text columns register alike on every engine (a missing line is NULL, not NaN).
    texts: list[str | None] = [None if pd.isna(n) else str(n) for n in report.issues["line"]]
    bad = report.issues.assign(line=pd.Series(texts, index=report.issues.index, dtype=object))
    engine.register("bad_rows", bad)
    engine.register("load_info", pd.DataFrame({"load_id": [load_id], "file": [str(file.source)]}))
    # Each issue with its record and the value found, as the quarantine will hold it.
    found = engine.query(QUARANTINE_ROWS)
    found = found.astype({"row_no": "int64"}).assign(
        line=pd.to_numeric(found["line"]).astype("Int64")
    )
    report.issues = found.sort_values(["row_no", "column"], kind="stable").reset_index(drop=True)[
        list(REPORTED_ISSUE_COLUMNS)
    ]
    return report


def _stored(report: RecordsLoad, rows_loaded: int) -> RecordsLoad:
    """Counts after the insert: every good row not inserted was already stored (read at
    the insert, so a concurrent loader's rows count as already stored)."""
    report.rows_loaded = rows_loaded
    report.rows_already_stored = report.rows_read - report.rows_rejected - rows_loaded
    return report


def _suppressed(engine: Engine, store: Store, min_reporters: int) -> pd.DataFrame:
    cells = aggregate(engine, min_reporters)
    return suppress(cells, hierarchies(store.classifications(), cells), min_reporters)


def _filtered(frame: pd.DataFrame, column: str | None, reporter: str | None) -> pd.DataFrame:
    """The quarantined rows of one column or one reporter (by credit code), or all."""
    kept = frame
    if column is not None:
        kept = kept[kept["column"] == column]
    if reporter is not None:
        kept = kept[kept["reporter_id"] == reporter]
    kept = kept.astype({"row_no": "int64", "line": "Int64"})
    return kept.reset_index(drop=True)


def issue_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of a load's issues or of the quarantine as plain values (a missing one None,
    row and line numbers int), for JSON and CSV; reasons stay untranslated."""
    rows: list[dict[str, object]] = []
    for record in frame.to_dict(orient="records"):
        row = {
            str(k): (None if v is None or v is pd.NA or v != v else v) for k, v in record.items()
        }
        for number in ("row_no", "line"):
            if row.get(number) is not None:
                row[number] = int(str(row[number]))
        rows.append(row)
    return rows


# Loads into one records directory take turns (per process; DuckDB lets one process at a
# time write a database file), so that each sees the files of the loads before it.
_WRITERS: dict[Path, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


def _writer(directory: Path) -> threading.Lock:
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(directory.resolve(), threading.Lock())


@contextmanager
def _committed_file(target: Path) -> Iterator[Path]:
    """A path to write `target` under; once written, it is flushed to disk and renamed
    into place (then the directory entry flushed), so `target` is never partial."""
    pending = target.with_name(f"_pending-{target.name}")
    try:
        yield pending
        with pending.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(pending, target)
    finally:
        pending.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class DuckDBRecords:
    """Records beside the embedded DuckDB store: each load's records are one Parquet file in
    the store's records directory, listed in its table `records_files`, and read through
    the view `records`. A clean file of new records (the usual delivery) is kept as it came,
    copied byte for byte; otherwise its good, new rows are written to a new file. The file
    is complete and on disk before the transaction that lists it (and quarantines the bad
    rows) commits; a file that no transaction listed, left by a killed load, is removed by
    the next load. An in-memory store keeps its records in a temporary directory."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = DuckDBEngine(store.connection())
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        directory = store.records_directory
        if directory is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="records-")
            directory = Path(self._scratch.name)
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        _register_references(self.engine, store)
        with _writer(self.directory):
            self._move_records_table()
        self._register_stored()

    def _stored_files(self) -> list[str]:
        return [name for (name,) in self.engine.con.execute(STORED_FILES).fetchall()]

    def _register_stored(self) -> None:
        """(Re)define the view `records` as the files listed now."""
        con = self.engine.con
        files = [self.directory / name for name in self._stored_files()]
        missing = [path.name for path in files if not path.is_file()]
        if missing:
            raise ValueError(
                _(
                    "{directory}: {count} records files that the store lists are missing "
                    "(a store file copied without its records directory?): {files}",
                    directory=self.directory,
                    count=len(missing),
                    files=", ".join(missing[:3]),
                )
            )
        stored = (
            con.read_parquet([str(f) for f in files], union_by_name=True).project(STORED_PROJECTION)
            if files
            else con.sql(NO_RECORDS)
        )
        con.register("records", stored)

    def _remove_orphans(self) -> None:
        listed = set(self._stored_files())
        for path in self.directory.glob("*.parquet"):
            if path.name not in listed:
                path.unlink()

    def _move_records_table(self) -> None:
        """Stores written by servtrade 0.10 and earlier hold records in a table `records`:
        write each of its loads to a file of the directory, list them, drop the table."""
        con = self.engine.con
        if not con.execute(RECORDS_TABLE).fetchall()[0][0]:
            return
        self._remove_orphans()
        moved: list[Path] = []
        try:
            with self.store.transaction():
                loads = con.execute("SELECT DISTINCT load_id FROM records ORDER BY 1").fetchall()
                for (load_id,) in loads:
                    target = self.directory / f"{load_id}.parquet"
                    selected = con.sql(LEGACY_LOAD, params=[load_id])
                    assert selected is not None  # a SELECT always has a relation
                    rows = selected.to_arrow_reader(1_000_000)
                    moved.append(target)
                    with (
                        _committed_file(target) as pending,
                        pq.ParquetWriter(pending, rows.schema) as writer,
                    ):
                        for batch in rows:
                            writer.write_batch(batch)
                    count = pq.ParquetFile(target).metadata.num_rows
                    con.execute(
                        ADD_STORED_FILE,
                        [load_id, LEGACY_FILE, target.name, count, datetime.now()],
                    )
                con.execute("DROP TABLE records")
        except BaseException:
            for path in moved:
                path.unlink(missing_ok=True)
            raise

    def load(
        self, path: Path, dry_run: bool = False, by: str | None = None, sheet: str | None = None
    ) -> RecordsLoad:
        """Validate and store, audited as `by` (default: the OS user) in the transaction
        that lists the file; with `dry_run`, validate only (`rows_loaded` stays 0)."""
        with records_file(path, sheet) as file:
            return self._load(file, dry_run, by)

    def _load(self, file: RecordsFile, dry_run: bool, by: str | None) -> RecordsLoad:
        path = file.parquet
        check_records_file(path)
        before = _identity(path)
        # The file itself is the staging table: validation and the store each read it.
        rows = self.engine.con.read_parquet(str(path), file_row_number=True).project(
            f"{', '.join(RECORD_COLUMNS)}, CAST(file_row_number AS BIGINT) + 1 AS row_no"
        )
        self.engine.con.register("staged", rows)
        try:
            load_id = uuid.uuid4().hex
            report = _validated(self.engine, file, load_id)
            with _writer(self.directory):
                self._register_stored()
                already = int(self.engine.query(ALREADY_STORED)["n"].iloc[0])
                if dry_run:
                    report.rows_already_stored = already
                    return report
                self._remove_orphans()
                target = self.directory / f"{load_id}.parquet"
                loaded = 0
                try:
                    if report.rows_read > report.rows_rejected + already:
                        with _committed_file(target) as pending:
                            if report.rows_rejected == 0 and already == 0:
                                shutil.copyfile(path, pending)
                            else:
                                good = self.engine.con.sql(transpile(GOOD_ROWS, "duckdb"))
                                good.project(", ".join(RECORD_COLUMNS)).write_parquet(str(pending))
                            _unchanged(path, before)
                        loaded = pq.ParquetFile(target).metadata.num_rows
                    with self.store.transaction():
                        if loaded:
                            self.engine.con.execute(
                                ADD_STORED_FILE,
                                [load_id, str(file.source), target.name, loaded, datetime.now()],
                            )
                        self.engine.execute(INSERT_QUARANTINE)
                        self.store.record_audit(*_audit_entry(file, self.store, loaded, by))
                except BaseException:
                    target.unlink(missing_ok=True)
                    raise
                finally:
                    self._register_stored()
            return _stored(report, loaded)
        finally:
            self.engine.con.unregister("staged")

    def aggregate(self, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame:
        """Every cell of the stored records (latest version of each), with `suppressed`."""
        self._register_stored()
        self.engine.execute(VALID_RECORDS)
        return _suppressed(self.engine, self.store, min_reporters)

    def quarantine(self, column: str | None = None, reporter: str | None = None) -> pd.DataFrame:
        return _filtered(self.engine.query(QUARANTINE), column, reporter)

    def close(self) -> None:
        self.store.close()
        if self._scratch is not None:
            self._scratch.cleanup()


def migrate(url: str) -> None:
    """Bring the server's records tables to the latest schema (Alembic)."""
    upgrade_postgres(url, Path(__file__).with_name("migrations"))


class PostgresRecords:
    """Records on a PostgreSQL server; the classifications and rates come from `store`."""

    def __init__(self, url: str, store: Store) -> None:
        migrate(url)
        self.url = url
        self.store = store
        self.engine = PostgresEngine(url)
        _register_references(self.engine, store)

    def load(
        self, path: Path, dry_run: bool = False, by: str | None = None, sheet: str | None = None
    ) -> RecordsLoad:
        """Validate and store; with `dry_run`, validate only (`rows_loaded` stays 0). When
        the records share the store's database, the load is audited as `by` (default: the
        OS user) in its transaction."""
        with records_file(path, sheet) as file:
            return self._load(file, dry_run, by)

    def _load(self, file: RecordsFile, dry_run: bool, by: str | None) -> RecordsLoad:
        check_records_file(file.parquet)
        parquet = pq.ParquetFile(file.parquet)
        first = True
        row_no = 1
        for batch in parquet.iter_batches(columns=list(RECORD_COLUMNS), batch_size=100_000):
            frame = batch.to_pandas()
            frame["row_no"] = range(row_no, row_no + len(frame))
            row_no += len(frame)
            if first:
                self.engine.register("staged", frame)
                first = False
            else:
                self.engine.copy_rows("staged", frame)
        if first:
            empty = pd.DataFrame(columns=[*RECORD_COLUMNS, "row_no"])
            self.engine.register("staged", empty.astype({"row_no": "int64"}))
        self.engine.execute("CREATE INDEX ON staged (record_id, reported_at)")
        self.engine.execute("ANALYZE staged")
        report = _validated(self.engine, file, uuid.uuid4().hex)
        if dry_run:
            report.rows_already_stored = int(self.engine.query(ALREADY_STORED)["n"].iloc[0])
            return report
        with self.engine.con.transaction():
            loaded = self.engine.execute(f"INSERT INTO records {GOOD_ROWS} ON CONFLICT DO NOTHING")
            self.engine.execute(INSERT_QUARANTINE)
            if self.store.url == self.url:
                entry = [datetime.now(), *_audit_entry(file, self.store, loaded, by)]
                with self.engine.con.cursor() as cursor:
                    cursor.execute(transpile(INSERT_AUDIT, "postgres"), entry)
                    cursor.execute(transpile(BUMP_REVISION, "postgres"))
        return _stored(report, loaded)

    def aggregate(self, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame:
        self.engine.execute(VALID_RECORDS)
        return _suppressed(self.engine, self.store, min_reporters)

    def quarantine(self, column: str | None = None, reporter: str | None = None) -> pd.DataFrame:
        return _filtered(self.engine.query(QUARANTINE), column, reporter)

    def close(self) -> None:
        self.engine.close()
        self.store.close()


class SparkRecords:
    """Records as Parquet datasets in `directory`, processed by Spark at `master`. With a
    cluster, the directory must be a file system mounted at the same path on the driver and
    every worker (a partition is committed by renaming it on the driver). A load killed
    before its rename leaves a `_pending-*` folder, which readers ignore."""

    def __init__(self, directory: Path, store: Store, master: str = "local[*]") -> None:
        self.directory = directory
        self.store = store
        self.engine = SparkEngine(master)
        _register_references(self.engine, store)

    def _dataset(self, name: str, columns: tuple[str, ...]) -> None:
        """Register the dataset `name` (all loads so far) as a view."""
        spark = self.engine.spark
        folder = self.directory / name
        if folder.exists() and any(p.name.startswith("load_id=") for p in folder.iterdir()):
            # Partitions written before a column was added lack it: NULL there.
            frame = spark.read.option("mergeSchema", "true").parquet(str(folder))
        else:
            frame = spark.createDataFrame([], ", ".join(f"`{c}` STRING" for c in columns))
        frame.createOrReplaceTempView(name)

    def _write(
        self, name: str, statement: str, load_id: str, ready: Callable[[], None] = lambda: None
    ) -> int:
        """Write a query's rows as this load's partition of `name`: aside, then renamed
        (after `ready` has not objected)."""
        rows = self.engine.spark.sql(statement).drop("load_id").cache()
        count = rows.count()
        ready()
        if count:
            folder = self.directory / name
            pending = folder / f"_pending-{load_id}"
            rows.write.mode("overwrite").parquet(str(pending))
            os.replace(pending, folder / f"load_id={load_id}")
        rows.unpersist()
        return count

    def load(
        self, path: Path, dry_run: bool = False, by: str | None = None, sheet: str | None = None
    ) -> RecordsLoad:
        """Validate and store; with `dry_run`, validate only. Spark writes datasets, not
        transactions, beside a store it only reads: its loads are not audited there (`by`
        is not recorded). A text file's typed copy is made in the records directory, which
        a cluster's workers see too."""
        with records_file(path, sheet, scratch=self.directory / "_staging") as file:
            return self._load(file, dry_run)

    def _load(self, file: RecordsFile, dry_run: bool) -> RecordsLoad:
        path = file.parquet
        check_records_file(path)
        before = _identity(path)
        staged = self.engine.spark.read.parquet(str(path)).selectExpr(
            *RECORD_COLUMNS, "CAST(_metadata.row_index AS BIGINT) + 1 AS row_no"
        )
        staged.createOrReplaceTempView("staged")
        self._dataset("records", STORED)
        load_id = uuid.uuid4().hex
        report = _validated(self.engine, file, load_id)
        if dry_run:
            return report
        loaded = self._write(
            "records", transpile(GOOD_ROWS, "spark"), load_id, lambda: _unchanged(path, before)
        )
        self._write("records_quarantine", transpile(QUARANTINE_ROWS, "spark"), load_id)
        return _stored(report, loaded)

    def aggregate(self, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame:
        self._dataset("records", STORED)
        self.engine.spark.table("records").createOrReplaceTempView("valid_records")
        return _suppressed(self.engine, self.store, min_reporters)

    def quarantine(self, column: str | None = None, reporter: str | None = None) -> pd.DataFrame:
        self._dataset("records_quarantine", QUARANTINE_COLUMNS)
        return _filtered(self.engine.query(QUARANTINE), column, reporter)

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def records_beside(store: Store) -> DuckDBRecords | PostgresRecords:
    """The records kept with a store: beside its DuckDB file, or in its PostgreSQL database
    (on a connection of their own; closing them closes `store`)."""
    if store.url is not None:
        return PostgresRecords(store.url, store)
    return DuckDBRecords(store)


def open_records(engine: str, db: str | None, store: Store, master: str) -> RecordsStore:
    """The records store of `engine` at `db` (a DuckDB file, a postgresql:// URL, or a
    directory for Spark); `store` supplies the classifications and exchange rates."""
    if engine == "duckdb":
        return DuckDBRecords(store)
    if db is None:
        raise ValueError(_("--db is required with --engine {engine}", engine=engine))
    if engine == "postgres":
        if not is_postgres(db):
            raise ValueError(_("--db must be a postgresql:// URL with --engine postgres"))
        from psycopg import OperationalError
        from sqlalchemy.exc import OperationalError as ConnectionFailed

        try:
            return PostgresRecords(db, store)
        except (OperationalError, ConnectionFailed) as error:
            reason = getattr(error, "orig", error)
            raise ValueError(
                _("cannot reach the PostgreSQL server: {error}", error=reason)
            ) from error
    if engine == "spark":
        return SparkRecords(Path(db), store, master)
    raise ValueError(_("--engine must be one of {choices}", choices=", ".join(ENGINES)))
