"""Records stored on each engine: the same loads give the same stored rows, quarantine and
aggregates on DuckDB, on the PostgreSQL server (schema by Alembic) and on Spark in local
mode; eight concurrent loaders into PostgreSQL lose and duplicate nothing; bad files are
refused with a reason and change nothing. Records are SYNTHETIC or constructed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from servtrade.indicators import IndicatorRequest, compute_indicators
from servtrade.ingest import ingest_file
from servtrade.periods import parse_period
from servtrade.records import KEY
from servtrade.records.load import DuckDBRecords, PostgresRecords, RecordsStore, SparkRecords
from servtrade.records.synthetic import SyntheticMix, write_synthetic_records
from servtrade.store import Store
from tests.records.conftest import national_total

CLI = [sys.executable, "-c", "from servtrade.cli import main; main()"]


def _with_faults(path: Path) -> Path:
    """The file with two bad rows (row 1: an unknown region; the first row added: row 2
    again) and a correction of row 6 (a later version) added last."""
    frame = pd.read_parquet(path)
    correction = frame.iloc[[5]].assign(amount=1.0, reported_at=pd.Timestamp("2025-03-31"))
    frame = pd.concat([frame, frame.iloc[[1]], correction], ignore_index=True)
    frame.loc[0, "region"] = "Atlantis"
    out = path.with_name(f"faulty-{path.name}")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return out


def _sorted(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.sort_values(list(KEY)).reset_index(drop=True)


def _load_twice(records: RecordsStore, path: Path) -> tuple[tuple[int, ...], pd.DataFrame]:
    first = records.load(path)
    again = records.load(path)
    counts = (first.rows_read, first.rows_loaded, first.rows_rejected, again.rows_loaded)
    return counts, records.quarantine()[["row_no", "column"]]


def test_postgres_and_spark_store_and_aggregate_like_duckdb(
    tmp_path: Path, mix: SyntheticMix, postgres_url: str, bundled_db: Path
) -> None:
    path = _with_faults(write_synthetic_records(tmp_path, 1_200, seed=21, mix=mix))
    results: list[tuple[tuple[int, ...], pd.DataFrame, pd.DataFrame]] = []
    for make in (
        lambda store: DuckDBRecords(store),
        lambda store: PostgresRecords(postgres_url, store),
        lambda store: SparkRecords(tmp_path / "warehouse", store, "local[2]"),
    ):
        reference = Store(tmp_path / f"store-{len(results)}.duckdb")
        records: RecordsStore = make(reference)
        try:
            counts, quarantined = _load_twice(records, path)
            cells = _sorted(records.aggregate())
        finally:
            records.close()
        results.append((counts, quarantined, cells))
    (duck_counts, duck_bad, duck), *others = results
    # 1,202 rows: 1,200 good, row 1 in an unknown region, row 1,201 repeating row 2; the
    # second load stores nothing and quarantines the same two rows again.
    assert duck_counts == (1_202, 1_200, 2, 0)
    assert sorted(duck_bad.values.tolist()) == [[1, "region"]] * 2 + [[1201, "record_id"]] * 2
    for counts, bad, cells in others:
        assert counts == duck_counts
        assert sorted(bad.values.tolist()) == sorted(duck_bad.values.tolist())
        pd.testing.assert_frame_equal(cells, duck, check_exact=False, rtol=1e-12)


def test_alembic_made_the_postgres_tables(postgres_url: str, bundled_db: Path) -> None:
    short = postgres_url.replace("postgresql://", "postgres://", 1)  # the other spelling
    with Store(bundled_db, read_only=True) as store:
        PostgresRecords(short, store).engine.close()
    with psycopg.connect(postgres_url) as connection:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        key = connection.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'records'::regclass "
            "AND i.indisprimary ORDER BY a.attname"
        ).fetchall()
    assert version == [("0002",)]
    assert key == [("record_id",), ("reported_at",)]


def test_eight_concurrent_loaders_lose_nothing_and_duplicate_nothing(
    tmp_path: Path, mix: SyntheticMix, postgres_url: str, bundled_db: Path
) -> None:
    """Eight `servtrade records load` processes at once into one server: four files, each
    loaded by two processes, and every file overlapping the next by half its records."""
    frame = pd.read_parquet(write_synthetic_records(tmp_path, 8_000, seed=9, mix=mix))
    files = []
    for n in range(4):
        part = frame.iloc[n * 1_500 : n * 1_500 + 3_000]
        path = tmp_path / f"part-{n}.parquet"
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), path)
        files.append(path)
    expected = frame.iloc[: 3 * 1_500 + 3_000]
    loaders = [
        subprocess.Popen(
            [*CLI, "records", "load", str(file), "--db", postgres_url, "--store", str(bundled_db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"COLUMNS": "1000"},
        )
        for file in files * 2
    ]
    outputs = [loader.communicate(timeout=600) for loader in loaders]
    assert [loader.returncode for loader in loaders] == [0] * 8, outputs
    with psycopg.connect(postgres_url) as connection:
        stored = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (record_id, reported_at)) FROM records"
        ).fetchone()
        ids = {row[0] for row in connection.execute("SELECT record_id FROM records")}
    assert stored == (len(expected), len(expected))
    assert ids == set(expected["record_id"])
    loaded = sum(int(out.split("loaded ")[1].split(",")[0]) for out, _ in outputs)
    assert loaded == len(expected)  # each record counted as loaded by exactly one process


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not parquet at all", "not a readable records file"),
        (None, "missing columns"),
        ("amount-as-text", "column amount holds string"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    tmp_path: Path, mix: SyntheticMix, content: object, reason: str
) -> None:
    good = pd.read_parquet(write_synthetic_records(tmp_path, 50, seed=2, mix=mix))
    path = tmp_path / "bad.parquet"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is None:
        pq.write_table(pa.Table.from_pandas(good.drop(columns=["partner", "mode"])), path)
    else:
        pq.write_table(pa.Table.from_pandas(good.astype({"amount": str})), path)
    with Store(tmp_path / "store.duckdb") as store:
        records = DuckDBRecords(store)
        with pytest.raises(ValueError, match=reason):
            records.load(path)
        assert store.connection().execute("SELECT COUNT(*) FROM records").fetchone() == (0,)


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_file_rewritten_during_its_load_is_refused_and_changes_nothing(
    tmp_path: Path, mix: SyntheticMix, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """The file is read twice (to validate, to store); another writer replacing it between
    the two reads (simulated by touching it right after validation) fails the load."""
    import servtrade.records.load as load

    path = write_synthetic_records(tmp_path, 40, seed=2, mix=mix)
    validated = load._validated

    def validated_then_rewritten(*arguments: object) -> load.RecordsLoad:
        report = validated(*arguments)  # type: ignore[arg-type]
        status = path.stat()
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
        return report

    monkeypatch.setattr(load, "_validated", validated_then_rewritten)
    with Store(tmp_path / "store.duckdb") as store:
        records: RecordsStore = (
            DuckDBRecords(store)
            if engine == "duckdb"
            else SparkRecords(tmp_path / "warehouse", store, "local[2]")
        )
        try:
            with pytest.raises(ValueError, match="changed while it was loaded"):
                records.load(path)
            monkeypatch.undo()
            assert records.aggregate().empty
            assert records.quarantine().empty
        finally:
            if engine == "spark":
                records.close()


def test_an_empty_file_loads_nothing(tmp_path: Path, mix: SyntheticMix) -> None:
    good = pd.read_parquet(write_synthetic_records(tmp_path, 10, seed=2, mix=mix))
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.Table.from_pandas(good.head(0), preserve_index=False), path)
    with Store(tmp_path / "store.duckdb") as store:
        report = DuckDBRecords(store).load(path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (0, 0, 0)


def test_a_memory_limit_bounds_duckdb_and_says_when_it_is_too_small(
    tmp_path: Path, mix: SyntheticMix, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300,000 synthetic records (845,408 cells) load and aggregate within 400 MB as without
    a limit; under 60 MB the aggregation, and under 30 MB the validation, stop with an
    error naming SERVTRADE_MEMORY_LIMIT, and the store keeps what it held."""
    path = write_synthetic_records(tmp_path, 300_000, seed=4, mix=mix)
    with Store(tmp_path / "free.duckdb") as store:
        records = DuckDBRecords(store)
        records.load(path)
        free = records.aggregate()
    monkeypatch.setenv("SERVTRADE_MEMORY_LIMIT", "400MB")
    with Store(tmp_path / "bounded.duckdb") as store:
        assert store.connection().execute("SELECT current_setting('memory_limit')").fetchone() == (
            "381.4 MiB",
        )
        records = DuckDBRecords(store)
        records.load(path)
        pd.testing.assert_frame_equal(records.aggregate(), free)
    monkeypatch.setenv("SERVTRADE_MEMORY_LIMIT", "60MB")
    with (
        Store(tmp_path / "bounded.duckdb") as store,
        pytest.raises(ValueError, match="set SERVTRADE_MEMORY_LIMIT higher"),
    ):
        DuckDBRecords(store).aggregate()
    monkeypatch.setenv("SERVTRADE_MEMORY_LIMIT", "30MB")
    with Store(tmp_path / "small.duckdb") as store:
        with pytest.raises(ValueError, match="set SERVTRADE_MEMORY_LIMIT higher"):
            DuckDBRecords(store).load(path)
        assert store.connection().execute("SELECT COUNT(*) FROM records").fetchone() == (0,)
    monkeypatch.setenv("SERVTRADE_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="SERVTRADE_MEMORY_LIMIT='lots'"):
        Store(tmp_path / "never.duckdb")
    refused = subprocess.run(
        [*CLI, "records", "errors", "--db", str(tmp_path / "never.duckdb")],
        capture_output=True,
        text=True,
        env={**os.environ, "SERVTRADE_MEMORY_LIMIT": "lots"},
    )
    assert refused.returncode == 2
    assert "SERVTRADE_MEMORY_LIMIT=lots is not a memory size such as 2GB" in refused.stderr


def _cli(*arguments: str, status: int = 0) -> str:
    """Run servtrade; its output, unwrapped (a wide terminal), once it exits with `status`."""
    environment = os.environ | {"COLUMNS": "1000"}
    done = subprocess.run([*CLI, *arguments], capture_output=True, text=True, env=environment)
    assert done.returncode == status, done.stderr
    return done.stdout


def test_cli_loads_aggregates_and_lists_errors_on_postgres(
    tmp_path: Path, mix: SyntheticMix, postgres_url: str, bundled_db: Path
) -> None:
    path = _with_faults(write_synthetic_records(tmp_path, 300, seed=4, mix=mix))
    server = ["--db", postgres_url, "--store", str(bundled_db)]  # postgres: implied by the URL
    loaded = _cli("records", "load", str(path), *server, status=3)  # rows quarantined
    assert "rows read 302, loaded 300, already stored 0, rejected 2" in loaded
    errors = _cli("--lang", "en", "records", "errors", "--column", "region", *server)
    assert "unknown region" in errors and "record_id" not in errors
    out = tmp_path / "cells.csv"
    _cli("records", "aggregate", "--out", str(out), *server)
    cells = pd.read_csv(out, dtype={"mode": str})
    assert "reporters" not in cells.columns  # confidential: never in public output
    frame = pd.read_parquet(path)
    latest = frame[frame["region"] != "Atlantis"].drop_duplicates("record_id", keep="last")
    with Store(bundled_db, read_only=True) as store:
        rates = store.rate_table()
    expected = sum(
        amount * (1.0 if currency == "CNY" else rates.rate(parse_period(m), currency).cny_per_unit)
        for amount, currency, m in zip(
            latest["amount"], latest["currency"], latest["period"], strict=True
        )
    )
    national = national_total(cells, "2024")
    assert national.loc[national["unit"] == "CNY", "value"].tolist() == [
        pytest.approx(expected, rel=1e-12)
    ]
    # The file is a statistics release: loaded, the indicators read it like any other.
    with Store(tmp_path / "statistics.duckdb") as statistics:
        assert ingest_file(statistics, out).status == "loaded"
        values = compute_indicators(statistics, IndicatorRequest(region="CN", unit="CNY"))
    (year,) = [v.value for v in values if v.period == "2024"]
    assert year == pytest.approx(expected, rel=1e-9)


def test_cli_loads_on_spark(tmp_path: Path, mix: SyntheticMix, bundled_db: Path) -> None:
    path = _with_faults(write_synthetic_records(tmp_path, 100, seed=4, mix=mix))
    warehouse = tmp_path / "warehouse"
    spark = ["--engine", "spark", "--db", str(warehouse), "--master", "local[1]"]
    loaded = _cli("records", "load", str(path), *spark, "--store", str(bundled_db), status=3)
    assert "rows read 102, loaded 100, already stored 0, rejected 2" in loaded
    stored = pd.read_parquet(warehouse / "records")
    good = pd.read_parquet(path).drop(index=[0, 100])  # row 1: unknown region; 101: repeat
    assert sorted(stored["record_id"]) == sorted(good["record_id"])


def test_an_unreachable_server_is_a_clear_error(bundled_db: Path) -> None:
    nowhere = "postgresql://nobody@127.0.0.1:9/none"
    done = subprocess.run(
        [*CLI, "--lang", "en", "records", "errors", "--store", str(bundled_db), "--db", nowhere],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "cannot reach the PostgreSQL server" in done.stderr
    assert "Traceback" not in done.stderr
