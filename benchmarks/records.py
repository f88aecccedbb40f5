"""Enterprise records at scale, on SYNTHETIC data: load + validate + aggregate on DuckDB.

Writes N SYNTHETIC records (`servtrade synth records`, seeded; mixes from the bundled real
figures; labelled synthetic in every row) and runs, each in its own process so that its
peak memory is its own:

- servtrade: `DuckDBRecords.load` (every rule checked; the file kept in a new store's
  records directory and listed by one transaction) then `aggregate` (every cell of every
  level, reporters counted up to the threshold), then suppression, timed apart;
- baseline (a): hand-written DuckDB SQL computing the same cells from the same Parquet file
  (DuckDB's own idioms: GROUP BY ALL, lists of reporters; the latest version of each record
  by an anti-join, which is faster here than QUALIFY ROW_NUMBER()), no validation, no store;
- baseline (b): the same cells computed with plain pandas.

Both baselines use the same reference tables (levels, exchange rates) as servtrade, and
their cells are checked to equal servtrade's. With `--spark-records M`, also loads and
aggregates M records with Spark in local mode.

Usage: python -m benchmarks.records [--records 10000000] [--spark-records 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from servtrade.records import DEFAULT_MIN_REPORTERS, KEY, ROLL_UPS, reference_tables
from servtrade.records.synthetic import SyntheticMix, write_synthetic_records
from servtrade.store import Store

THRESHOLD = DEFAULT_MIN_REPORTERS
VALUES = ["value_cny", "value_usd", "records"]


def _references(folder: Path) -> dict[str, pd.DataFrame]:
    with Store(folder / "reference.duckdb") as store:
        return reference_tables(store.classifications(), store.rate_table())


def run_servtrade(path: Path, folder: Path) -> dict[str, float]:
    from servtrade.records import aggregate, hierarchies, suppress
    from servtrade.records.load import VALID_RECORDS, DuckDBRecords

    with Store(folder / "servtrade.duckdb") as store:
        records = DuckDBRecords(store)
        start = time.perf_counter()
        report = records.load(path)
        loaded = time.perf_counter()
        records.engine.execute(VALID_RECORDS)
        cells = aggregate(records.engine, THRESHOLD)
        aggregated = time.perf_counter()
        suppress(cells, hierarchies(store.classifications(), cells), THRESHOLD)
        suppressed = time.perf_counter()
    assert report.rows_rejected == 0 and report.rows_loaded == report.rows_read
    cells.to_parquet(folder / "servtrade-cells.parquet")
    return {
        "load": loaded - start,
        "aggregate": aggregated - loaded,
        "suppress": suppressed - aggregated,
        "total": aggregated - start,
        "cells": len(cells),
    }


def run_duckdb_sql(path: Path, folder: Path) -> dict[str, float]:
    con = duckdb.connect()
    for name, frame in _references(folder).items():
        con.register(name, frame)
    start = time.perf_counter()
    con.execute(
        """
        CREATE TABLE cells AS
        WITH latest AS (
            SELECT * FROM read_parquet($path) AS v
            WHERE NOT EXISTS (SELECT 1 FROM read_parquet($path) AS w
                              WHERE w.record_id = v.record_id AND w.reported_at > v.reported_at)
        )
        SELECT region, period, flow, category, partner, mode,
               SUM(amount * r.cny_per_unit) AS value_cny,
               SUM(amount * r.cny_per_unit / u.cny_per_usd) AS value_usd,
               COUNT(*) AS records,
               list_sort(list_distinct(list(reporter_id)))[1:$threshold] AS first
        FROM latest JOIN ref_rates AS r USING (period, currency) JOIN ref_usd AS u USING (period)
        GROUP BY ALL
        """,
        {"path": str(path), "threshold": THRESHOLD},
    )
    for dimension, table, column in ROLL_UPS:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE cells AS
            SELECT cells.* EXCLUDE (first, value_cny, value_usd, records)
                   REPLACE (m.level AS {dimension}),
                   SUM(value_cny) AS value_cny, SUM(value_usd) AS value_usd,
                   SUM(records) AS records,
                   list_sort(list_distinct(flatten(list(first))))[1:?] AS first
            FROM cells JOIN {table} AS m ON m.{column} = cells.{dimension}
            GROUP BY ALL
            """,
            [THRESHOLD],
        )
    cells = con.execute(
        f"SELECT {', '.join(KEY)}, value_cny, value_usd, len(first) AS reporters, records "
        "FROM cells"
    ).df()
    elapsed = time.perf_counter() - start
    cells.to_parquet(folder / "duckdb-cells.parquet")
    return {"total": elapsed, "cells": len(cells)}


def _first_reporters(pairs: pd.DataFrame) -> pd.DataFrame:
    distinct = pairs.drop_duplicates()
    return distinct.sort_values("reporter_id").groupby(list(KEY), sort=False).head(THRESHOLD)


def run_pandas(path: Path, folder: Path) -> dict[str, float]:
    references = _references(folder)
    start = time.perf_counter()
    frame = pd.read_parquet(path)
    latest = frame.sort_values("reported_at").drop_duplicates("record_id", keep="last")
    converted = latest.merge(references["ref_rates"], on=["period", "currency"]).merge(
        references["ref_usd"], on="period"
    )
    converted["value_cny"] = converted["amount"] * converted["cny_per_unit"]
    converted["value_usd"] = converted["value_cny"] / converted["cny_per_usd"]
    converted["records"] = 1
    cells = converted.groupby(list(KEY), as_index=False)[VALUES].sum()
    pairs = _first_reporters(converted[[*KEY, "reporter_id"]])
    for dimension, table, column in ROLL_UPS:
        levels = references[table].rename(columns={column: dimension})
        cells = (
            cells.merge(levels, on=dimension)
            .drop(columns=dimension)
            .rename(columns={"level": dimension})
            .groupby(list(KEY), as_index=False)[VALUES]
            .sum()
        )
        pairs = _first_reporters(
            pairs.merge(levels, on=dimension)
            .drop(columns=dimension)
            .rename(columns={"level": dimension})[[*KEY, "reporter_id"]]
        )
    reporters = pairs.groupby(list(KEY)).size().rename("reporters").reset_index()
    cells = cells.merge(reporters, on=list(KEY))
    elapsed = time.perf_counter() - start
    cells.to_parquet(folder / "pandas-cells.parquet")
    return {"total": elapsed, "cells": len(cells)}


def run_spark(path: Path, folder: Path) -> dict[str, float]:
    from servtrade.records.load import SparkRecords

    with Store(folder / "reference.duckdb", read_only=True) as store:
        records = SparkRecords(folder / "spark-warehouse", store)
        start = time.perf_counter()
        report = records.load(path)
        loaded = time.perf_counter()
        cells = records.aggregate(THRESHOLD)
        done = time.perf_counter()
        records.engine.close()
    assert report.rows_loaded == report.rows_read
    return {
        "load": loaded - start,
        "aggregate": done - loaded,
        "total": done - start,
        "cells": len(cells),
    }


RUNS = {
    "servtrade": run_servtrade,
    "duckdb": run_duckdb_sql,
    "pandas": run_pandas,
    "spark": run_spark,
}


def _in_process(name: str, path: Path, folder: Path) -> dict[str, float]:
    """Run one contender in a new Python process; its timings and peak memory."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.records", "--run", name, str(path), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _same_cells(folder: Path, name: str) -> bool:
    def read(label: str) -> pd.DataFrame:
        cells = pd.read_parquet(folder / f"{label}-cells.parquet")
        cells = cells[[*KEY, "value_cny", "value_usd", "reporters", "records"]]
        return (
            cells.astype({"reporters": "int64", "records": "int64"})
            .sort_values(list(KEY))
            .reset_index(drop=True)
        )

    pd.testing.assert_frame_equal(read("servtrade"), read(name), check_exact=False, rtol=1e-9)
    return True


def _synthetic(folder: Path, n: int, seed: int) -> Path:
    return write_synthetic_records(folder / f"n{n}", n, seed, SyntheticMix.from_bundled())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--spark-records", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--run", nargs=3, metavar=("NAME", "PATH", "FOLDER"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args()
    if arguments.run:
        name, path, folder = arguments.run
        result = RUNS[name](Path(path), Path(folder))
        result["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        Store(folder / "reference.duckdb").close()
        path = _synthetic(folder, arguments.records, arguments.seed)
        size = path.stat().st_size / 2**20
        print(f"{arguments.records:,} SYNTHETIC records, {size:,.0f} MiB of Parquet ({path.name})")
        results = {
            name: _in_process(name, path, folder) for name in ("servtrade", "duckdb", "pandas")
        }
        same = all(_same_cells(folder, name) for name in ("duckdb", "pandas"))
        servtrade = results["servtrade"]
        print(f"cells: {servtrade['cells']:,}; baselines give the same cells: {same}")
        print(f"{'pipeline':58} {'seconds':>8} {'records/s':>11} {'peak GiB':>9}")
        rows = [
            ("servtrade load (validate + store)", servtrade["load"], None),
            ("servtrade aggregate", servtrade["aggregate"], None),
            ("servtrade load + aggregate", servtrade["total"], servtrade["peak_gib"]),
            ("servtrade suppression (primary + secondary), extra", servtrade["suppress"], None),
            (
                "(a) hand-written DuckDB SQL, aggregate only",
                results["duckdb"]["total"],
                results["duckdb"]["peak_gib"],
            ),
            (
                "(b) pandas, aggregate only",
                results["pandas"]["total"],
                results["pandas"]["peak_gib"],
            ),
        ]
        for label, seconds, peak in rows:
            memory = f"{peak:>9.2f}" if peak is not None else f"{'':>9}"
            print(f"{label:58} {seconds:>8.1f} {arguments.records / seconds:>11,.0f} {memory}")
        hand_written = results["duckdb"]["total"]
        print(
            f"servtrade / (a) hand-written DuckDB: {servtrade['total'] / hand_written:.2f}x "
            f"(with suppression "
            f"{(servtrade['total'] + servtrade['suppress']) / hand_written:.2f}x);"
            f" (b) pandas / servtrade: {results['pandas']['total'] / servtrade['total']:.2f}x"
        )
        if arguments.spark_records:
            spark_path = _synthetic(folder, arguments.spark_records, arguments.seed)
            spark = _in_process("spark", spark_path, folder)
            print(
                f"Spark local mode, {arguments.spark_records:,} SYNTHETIC records: load "
                f"{spark['load']:.1f} s, aggregate + suppression {spark['aggregate']:.1f} s, "
                f"{arguments.spark_records / spark['total']:,.0f} records/s, "
                f"{spark['cells']:,} cells (driver peak {spark['peak_gib']:.2f} GiB)"
            )


if __name__ == "__main__":
    main()
