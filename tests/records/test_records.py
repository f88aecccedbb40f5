"""Enterprise records: the credit-code check, the validation rules, loading with quarantine
and supersession, aggregation checked by hand, confidentiality, and the same SQL giving the
same aggregates on DuckDB and on the PostgreSQL server. Every record here is constructed or
SYNTHETIC test data, labelled so in `reporter_name`."""

from __future__ import annotations

import itertools
import shutil
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servtrade.access import region_ancestry
from servtrade.periods import parse_period
from servtrade.records import (
    KEY,
    DuckDBEngine,
    Engine,
    Hierarchy,
    PostgresEngine,
    SparkEngine,
    aggregate,
    hierarchies,
    reference_tables,
    suppress,
    validate,
)
from servtrade.records.load import DuckDBRecords
from servtrade.records.synthetic import SyntheticMix, write_synthetic_records
from servtrade.records.uscc import ALPHABET, check_character, is_valid, sql_is_valid
from servtrade.store import Store
from tests.conftest import POSTGRES
from tests.records.conftest import national_total

CONSTRUCTED = "CONSTRUCTED test record"


def _code(first17: str) -> str:
    return first17 + check_character(first17)


def test_check_character_by_hand() -> None:
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4: values 9,1,3,5,0,1,0,0,21,0,0,0,1,0,0,30,4
    # weighted: 9*1 + 1*3 + 3*9 + 5*27 + 0 + 1*26 + 0 + 0 + 21*20 + 0 + 0 + 0 + 1*8 + 0 + 0
    #           + 30*30 + 4*28 = 1640; 1640 mod 31 = 28; 31 - 28 = 3 → '3'
    assert check_character("91350100M000100Y4") == "3"
    assert is_valid("91350100M000100Y43")
    assert not is_valid("91350100M000100Y44")
    assert not is_valid("91350100M000100Y4I")  # I is not in the alphabet
    assert not is_valid("9135")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_caught(first17: str, position: int, shift: int) -> None:
    code = _code(first17)
    assert is_valid(code)
    changed = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    assert not is_valid(code[:position] + changed + code[position + 1 :])


def _records(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "record_id": "r",
        "reporter_id": _code("91520100MA6DK0001"),
        "reporter_name": CONSTRUCTED,
        "region": "CN-GZ",
        "period": "2024-01",
        "flow": "export",
        "category": "SI2",
        "partner": "US",
        "mode": "1",
        "currency": "CNY",
        "amount": 100.0,
        "contract_id": None,
        "reported_at": pd.Timestamp("2024-03-01"),
    }
    return pd.DataFrame([base | row for row in rows])


def _engine(store: Store) -> DuckDBEngine:
    engine = DuckDBEngine(duckdb.connect())
    for name, frame in reference_tables(store.classifications(), store.rate_table()).items():
        engine.register(name, frame)
    return engine


def test_every_rule_reports_its_row_and_column(store: Store) -> None:
    staged = _records(
        [
            {"record_id": "ok"},
            {"record_id": ""},
            {"record_id": "a", "reporter_id": "91520100MA6DK00010"},
            {"record_id": "b", "region": "Atlantis"},
            {"record_id": "c", "period": "2024-13"},
            {"record_id": "d", "flow": "total"},
            {"record_id": "e", "category": "SZ"},
            {"record_id": "f", "partner": "XX"},
            {"record_id": "g", "mode": "5"},
            {"record_id": "h", "amount": -1.0},
            {"record_id": "i", "currency": "EUR"},  # no EUR rate in the store
            {"record_id": "ok"},  # same record_id and reported_at as row 1
        ]
    )
    staged["row_no"] = range(1, len(staged) + 1)
    engine = _engine(store)
    engine.register("staged", staged)
    issues = validate(engine)
    assert list(zip(issues["row_no"], issues["column"], strict=True)) == [
        (2, "record_id"),
        (3, "reporter_id"),
        (4, "region"),
        (5, "currency"),  # no rate for a month that does not exist, either
        (5, "period"),
        (6, "flow"),
        (7, "category"),
        (8, "partner"),
        (9, "mode"),
        (10, "amount"),
        (11, "currency"),
        (12, "record_id"),
    ]


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def test_load_quarantines_supersedes_and_reloads_idempotently(store: Store, tmp_path: Path) -> None:
    first = _parquet(
        tmp_path / "january.parquet",
        _records(
            [
                {"record_id": "r1", "amount": 100.0},
                {"record_id": "r2", "flow": "import", "category": "SC1", "amount": 50.0},
                {"record_id": "r3", "region": "Atlantis"},
            ]
        ),
    )
    records = DuckDBRecords(store)
    report = records.load(first)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    assert records.quarantine()[["row_no", "column"]].values.tolist() == [[3, "region"]]
    again = records.load(first)
    assert (again.rows_loaded, again.rows_already_stored) == (0, 2)
    correction = _parquet(
        tmp_path / "correction.parquet",
        _records([{"record_id": "r1", "amount": 120.0, "reported_at": pd.Timestamp("2024-04-01")}]),
    )
    assert records.load(correction).rows_loaded == 1
    assert store.connection().execute(
        "SELECT COUNT(*) FROM records WHERE record_id = 'r1'"
    ).fetchone() == (2,)
    cells = records.aggregate(min_reporters=1)
    total = national_total(cells, "2024")
    assert total["value_cny"].tolist() == [120.0 + 50.0]  # the correction, not the original
    # Kept: the good rows of the first file, written anew; the clean correction as it came.
    files = store.connection().sql("SELECT file, stored, rows FROM records_files").fetchall()
    assert [(file, rows) for file, _, rows in files] == [(str(first), 2), (str(correction), 1)]
    assert store.records_directory is not None
    kept = [store.records_directory / stored for _, stored, _ in files]
    assert sorted(p.name for p in store.records_directory.iterdir()) == sorted(k.name for k in kept)
    assert pd.read_parquet(kept[0])["record_id"].tolist() == ["r1", "r2"]
    assert kept[1].read_bytes() == correction.read_bytes()


def test_concurrent_loads_in_one_process_store_each_record_once(
    tmp_path: Path, mix: SyntheticMix
) -> None:
    """Two threads (as two API requests) load overlapping files into one DuckDB store, each
    through its own connection: every record is stored once and counted once as loaded."""
    frame = pd.read_parquet(write_synthetic_records(tmp_path, 4_000, seed=5, mix=mix))
    files = []
    for n, part in enumerate((frame.iloc[:3_000], frame.iloc[1_000:])):
        files.append(tmp_path / f"part-{n}.parquet")
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), files[-1])
    with Store(tmp_path / "shared.duckdb") as store:
        with ThreadPoolExecutor(2) as pool:
            reports = list(pool.map(lambda f: DuckDBRecords(store.session()).load(f), files))
        DuckDBRecords(store)
        stored = store.connection().sql("SELECT COUNT(*), COUNT(DISTINCT record_id) FROM records")
        assert stored.fetchall() == [(4_000, 4_000)]
    assert sum(report.rows_loaded for report in reports) == 4_000
    assert sum(report.rows_already_stored for report in reports) == 2_000


def test_a_store_copied_without_its_records_directory_says_so(
    tmp_path: Path, mix: SyntheticMix
) -> None:
    path = write_synthetic_records(tmp_path, 20, seed=2, mix=mix)
    with Store(tmp_path / "first.duckdb") as store:
        DuckDBRecords(store).load(path)
    shutil.copyfile(tmp_path / "first.duckdb", tmp_path / "copy.duckdb")
    with (
        Store(tmp_path / "copy.duckdb") as store,
        pytest.raises(ValueError, match="1 records files that the store lists are missing"),
    ):
        DuckDBRecords(store)


def test_records_of_a_store_from_version_0_10_move_to_files(store: Store, tmp_path: Path) -> None:
    """servtrade 0.10 kept records in a table; opening such a store moves each load's rows
    to a file of the records directory and drops the table, losing nothing."""
    frame = _records([{"record_id": "r1", "amount": 100.0}, {"record_id": "r2", "amount": 7.5}])
    store.connection().register("old_rows", frame)
    store.connection().execute(
        "CREATE TABLE records AS SELECT *, CASE WHEN record_id = 'r1' THEN 'a' ELSE 'b' END "
        "AS load_id FROM old_rows"
    )
    store.connection().unregister("old_rows")
    records = DuckDBRecords(store)
    listed = store.connection().sql("SELECT load_id, stored, rows FROM records_files ORDER BY 1")
    assert listed.fetchall() == [("a", "a.parquet", 1), ("b", "b.parquet", 1)]
    moved = store.connection().sql("SELECT record_id, amount FROM records ORDER BY 1").fetchall()
    assert moved == [("r1", 100.0), ("r2", 7.5)]
    tables = store.connection().sql("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
    assert "records" not in {name for (name,) in tables.fetchall()}
    total = national_total(records.aggregate(min_reporters=1), "2024")
    assert total["value_cny"].tolist() == [107.5]


def test_aggregates_by_hand(store: Store) -> None:
    valid = _records(
        [
            {"record_id": "a", "period": "2024-01", "amount": 100.0, "currency": "CNY"},
            {
                "record_id": "b",
                "period": "2024-02",
                "flow": "import",
                "category": "SC1",
                "partner": "HK",
                "mode": "2",
                "amount": 10.0,
                "currency": "USD",
            },
        ]
    )
    engine = _engine(store)
    engine.register("valid_records", valid)
    cells = aggregate(engine).set_index(["region", "period", "flow", "category", "partner", "mode"])
    rates = store.rate_table()
    usd_january = rates.rate(parse_period("2024-01"), "USD").cny_per_unit
    usd_february = rates.rate(parse_period("2024-02"), "USD").cny_per_unit
    b_cny = 10.0 * usd_february
    assert cells.loc[("CN", "2024", "total", "S", "W1", "ALL"), "value_cny"] == pytest.approx(
        100 + b_cny
    )
    assert cells.loc[
        ("CN", "2024-01/2024-02", "total", "S", "W1", "ALL"), "value_cny"
    ] == pytest.approx(100 + b_cny)
    assert cells.loc[("CN-GZ", "2024-Q1", "export", "SI", "US", "1"), "value_usd"] == pytest.approx(
        100 / usd_january
    )
    assert cells.loc[("CN-GZ", "2024-02", "import", "SC", "HK", "2"), "value_cny"] == pytest.approx(
        b_cny
    )
    assert ("CN", "2024-01/2024-01", "total", "S", "W1", "ALL") not in cells.index
    assert cells.loc[("CN", "2024", "total", "S", "W1", "ALL"), "reporters"] == 1
    # The steps' temporary tables and views are gone, as they are after a failed step.
    temporary = "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL " + (
        "SELECT view_name FROM duckdb_views() WHERE temporary"
    )
    left = {name for (name,) in engine.con.sql(temporary).fetchall()}
    assert left & {"latest", "converted", *(f"cells_{n}" for n in range(8))} == set()
    engine.execute("DROP TABLE ref_usd")  # the conversion step fails
    with pytest.raises(duckdb.CatalogException, match="ref_usd"):
        aggregate(engine)
    assert {name for (name,) in engine.con.sql(temporary).fetchall()} == left - {"ref_usd"}


@dataclass
class _Cell:
    value_cny: float = 0.0
    value_usd: float = 0.0
    reporters: set[str] = field(default_factory=set)
    records: int = 0


def _by_brute_force(frame: pd.DataFrame, store: Store, threshold: int) -> pd.DataFrame:
    """Every cell computed directly: each record placed in every level it belongs to by
    Python (not SQL), then summed and its reporters counted with sets."""
    classifications = store.classifications()
    rates = store.rate_table()
    latest = frame.sort_values("reported_at").groupby("record_id").tail(1)
    cells: dict[tuple[str, ...], _Cell] = {}
    for r in latest.to_dict("records"):
        month = parse_period(r["period"])
        usd_rate = rates.rate(month, "USD").cny_per_unit
        cny = r["amount"] * (usd_rate if r["currency"] == "USD" else 1.0)
        year, m = month.year, month.first_month
        periods = [r["period"], f"{year}-Q{(m - 1) // 3 + 1}", str(year)]
        periods += [f"{year}-01/{year}-{k:02d}" for k in range(max(m, 2), 12)]
        regions = [x for x in region_ancestry(r["region"], classifications) if x != "W1"]
        categories = [r["category"]]
        while (parent := classifications.categories.codes[categories[-1]].parent) is not None:
            categories.append(parent)
        for key in itertools.product(
            regions,
            periods,
            (r["flow"], "total"),
            categories,
            (r["partner"], "W1"),
            (r["mode"], "ALL"),
        ):
            cell = cells.setdefault(key, _Cell())
            cell.value_cny += cny
            cell.value_usd += cny / usd_rate
            cell.reporters.add(r["reporter_id"])
            cell.records += 1
    rows = [
        (*key, c.value_cny, c.value_usd, min(len(c.reporters), threshold), c.records)
        for key, c in cells.items()
    ]
    columns = [*KEY, "value_cny", "value_usd", "reporters", "records"]
    return pd.DataFrame(rows, columns=columns).sort_values(list(KEY)).reset_index(drop=True)


def test_every_cell_agrees_with_a_brute_force_count(
    store: Store, tmp_path: Path, mix: SyntheticMix
) -> None:
    """1,000 SYNTHETIC records (40 of them corrected) against cells built record by record."""
    path = write_synthetic_records(tmp_path, 1_000, seed=5, mix=mix)
    frame = pd.read_parquet(path)
    corrected = frame.head(40).assign(
        amount=frame["amount"].head(40) * 2, reported_at=pd.Timestamp("2025-06-30")
    )
    frame = pd.concat([frame, corrected], ignore_index=True)
    engine = _engine(store)
    engine.register("valid_records", frame)
    for threshold in (1, 3, 5):
        cells = aggregate(engine, threshold).sort_values(list(KEY)).reset_index(drop=True)
        expected = _by_brute_force(frame, store, threshold)
        pd.testing.assert_frame_equal(cells, expected, check_exact=False, rtol=1e-9)


def test_suppression_cannot_be_undone_by_subtraction() -> None:
    cells = pd.DataFrame(
        [
            # region, period, flow, category, partner, mode, value, reporters
            ("CN-GZ", "2024", "total", "SC", "W1", "ALL", 10.0, 1),
            ("CN-GZ", "2024", "total", "SD", "W1", "ALL", 20.0, 5),
            ("CN-GZ", "2024", "total", "SI", "W1", "ALL", 30.0, 9),
            ("CN-GZ", "2024", "total", "S", "W1", "ALL", 60.0, 12),
        ],
        columns=[*KEY, "value_cny", "reporters"],
    )
    result = suppress(cells, [Hierarchy("category", (("SC", "S"), ("SD", "S"), ("SI", "S")))], 3)
    # SC has one reporter (primary); SD, the smallest other child, goes too (secondary).
    assert result["suppressed"].tolist() == [True, True, False, False]


def _sums(cells: pd.DataFrame, store: Store) -> list[list[int]]:
    """Every "parent = sum of parts" among the cells, as row numbers, listed directly from
    the classifications and the calendar (not from `hierarchies`)."""
    classifications = store.classifications()
    children: dict[str, list[list[str]]] = {}
    for code in classifications.categories:
        if code.parent and not code.members:
            children.setdefault(code.parent, [[]])[0].append(code.code)
    for code in classifications.regions:
        if code.parent and code.parent != "W1":
            children.setdefault(code.parent, [[]])[0].append(code.code)
    children["total"] = [["export", "import"]]
    children["W1"] = [sorted(set(cells["partner"]) - {"W1"})]
    children["ALL"] = [["1", "2", "3", "4"]]
    for year in range(2023, 2026):
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        children[str(year)] = [
            [f"{year}-Q{q}" for q in range(1, 5)],
            [f"{year}-01/{year}-11", months[11]],
        ]
        for q in range(4):
            children[f"{year}-Q{q + 1}"] = [months[3 * q : 3 * q + 3]]
        for k in range(2, 12):
            before = months[0] if k == 2 else f"{year}-01/{year}-{k - 1:02d}"
            children[f"{year}-01/{year}-{k:02d}"] = [[before, months[k - 1]]]
    index = {key: n for n, key in enumerate(cells[list(KEY)].itertuples(index=False, name=None))}
    sums = []
    for key, n in index.items():
        for position, code in enumerate(key):
            for parts in children.get(code, []):
                rows = [index.get((*key[:position], part, *key[position + 1 :])) for part in parts]
                present = [row for row in rows if row is not None]
                if present:
                    sums.append([n, *present])
    return sums


@pytest.mark.parametrize("threshold", [3, 6])
def test_no_suppressed_cell_is_alone_in_any_sum(
    store: Store, tmp_path: Path, mix: SyntheticMix, threshold: int
) -> None:
    path = write_synthetic_records(tmp_path, 600, seed=13, mix=mix)
    engine = _engine(store)
    engine.register("valid_records", pd.read_parquet(path))
    cells = aggregate(engine, threshold)
    result = suppress(cells, hierarchies(store.classifications(), cells), threshold)
    hidden = result["suppressed"].to_numpy()
    assert hidden.any() and not hidden.all()
    assert (hidden >= (result["reporters"] < threshold).to_numpy()).all()  # primary kept
    sums = _sums(result, store)
    assert len(sums) > 10_000
    assert [s for s in sums if hidden[s].sum() == 1] == []


def test_the_same_sql_gives_the_same_aggregates_on_duckdb_and_postgresql(
    store: Store, tmp_path: Path, mix: SyntheticMix
) -> None:
    path = write_synthetic_records(tmp_path, 2_000, seed=7, mix=mix)
    frame = pd.read_parquet(path)
    assert frame["reporter_name"].str.startswith("SYNTHETIC").all()
    results = []
    server = PostgresEngine(POSTGRES)
    engines: list[Engine] = [_engine(store), server]
    for engine in engines:
        for name, table in reference_tables(store.classifications(), store.rate_table()).items():
            engine.register(name, table)
        engine.register("valid_records", frame)
        cells = aggregate(engine)
        results.append(
            cells.sort_values(
                ["region", "period", "flow", "category", "partner", "mode"]
            ).reset_index(drop=True)
        )
    server.close()
    duck, postgres = results
    assert len(duck) > 10_000
    pd.testing.assert_frame_equal(duck, postgres, check_exact=False, rtol=1e-12)


def test_uscc_sql_agrees_with_python_on_postgresql() -> None:
    codes = [_code("91520100MA6DK0001"), "91520100MA6DK00010", "short", "91350100M000100Y43"]
    engine = PostgresEngine(POSTGRES)
    engine.register("codes", pd.DataFrame({"c": codes}))
    found = engine.query(f"SELECT c, {sql_is_valid('c')} AS ok FROM codes")
    engine.close()
    assert dict(zip(found["c"], found["ok"], strict=True)) == {c: is_valid(c) for c in codes}


def test_spark_local_mode_gives_the_same_validation_and_aggregates(
    store: Store, tmp_path: Path, mix: SyntheticMix
) -> None:
    path = write_synthetic_records(tmp_path, 1_000, seed=11, mix=mix)
    frame = pd.read_parquet(path)
    staged = frame.assign(row_no=range(1, len(frame) + 1))
    staged.loc[3, "reporter_id"] = "91520100MA6DK00010"  # a wrong check character
    spark = SparkEngine("local[2]")
    results = []
    try:
        for engine in (_engine(store), spark):
            if engine is spark:
                tables = reference_tables(store.classifications(), store.rate_table())
                for name, table in tables.items():
                    engine.register(name, table)
            engine.register("staged", staged)
            engine.register("valid_records", frame)
            issues = validate(engine)
            cells = aggregate(engine).sort_values(list(KEY)).reset_index(drop=True)
            results.append((issues.values.tolist(), cells))
    finally:
        spark.close()
    (duck_issues, duck), (spark_issues, spark_cells) = results
    assert duck_issues == spark_issues == [[4, "reporter_id", duck_issues[0][2]]]
    pd.testing.assert_frame_equal(duck, spark_cells, check_exact=False, rtol=1e-12)


def test_the_same_seed_gives_the_same_records_whatever_the_order_of_the_mix(
    tmp_path: Path, mix: SyntheticMix
) -> None:
    """The mix comes from store queries whose row order is not fixed; the records must not
    depend on it."""
    reordered = SyntheticMix(
        *(
            dict(reversed(weights.items()))
            for weights in (mix.categories, mix.regions, mix.partners)
        )
    )
    first = pd.read_parquet(write_synthetic_records(tmp_path / "a", 500, seed=9, mix=mix))
    second = pd.read_parquet(write_synthetic_records(tmp_path / "b", 500, seed=9, mix=reordered))
    pd.testing.assert_frame_equal(first, second)


def test_a_killed_load_leaves_the_store_consistent(tmp_path: Path, mix: SyntheticMix) -> None:
    """SIGKILL a real `servtrade records load` mid-load; the store holds all or nothing of
    the file, and running the load again completes with no duplicate and no loss."""
    rows = 600_000
    path = write_synthetic_records(tmp_path, rows, seed=3, mix=mix)
    db = tmp_path / "killed.duckdb"
    with Store(db) as store:
        directory = store.records_directory
    assert directory is not None
    directory.mkdir()
    command = [sys.executable, "-c", "from servtrade.cli import main; main()"]
    process = subprocess.Popen([*command, "records", "load", str(path), "--db", str(db)])
    deadline = time.monotonic() + 120
    # Kill as soon as the load starts writing its file: before its transaction commits.
    while not any(directory.iterdir()) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    process.kill()
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the load ended before it was killed"
    # As a load killed after moving its file into place, before listing it, leaves it:
    shutil.copyfile(path, directory / f"{uuid.uuid4().hex}.parquet")
    count = (
        "SELECT COUNT(*), COUNT(DISTINCT record_id || CAST(reported_at AS VARCHAR)) FROM records"
    )
    with Store(db) as store:
        records = DuckDBRecords(store)
        stored, _distinct = store.connection().execute(count).fetchall()[0]
        assert stored in (0, rows)
        records.load(path)
        assert store.connection().execute(count).fetchall() == [(rows, rows)]
        listed = {
            name
            for (name,) in store.connection().sql("SELECT stored FROM records_files").fetchall()
        }
    assert {p.name for p in directory.iterdir()} == listed  # what the kill left is gone
