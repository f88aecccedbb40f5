"""Enterprise-level reported transactions: validation, conversion and aggregation into the
official tables, written once in SQL and run on DuckDB, PostgreSQL or Apache Spark.

A record is one reported service transaction (`RECORD_COLUMNS`). Every rule is a SQL query
over the staged records that returns (row, column, reason), so a billion records are checked
where they are stored; the same statements, transpiled by SQLGlot, run on every engine.
A corrected record (same `record_id`, later `reported_at`) supersedes the earlier one in
aggregates; both are kept. Cells with fewer reporters than the threshold are suppressed in
public output, with secondary suppression so that no suppressed cell can be recovered by
subtraction from its total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from servtrade.access import region_ancestry
from servtrade.classification import Classifications
from servtrade.fx import MissingRateError, RateTable
from servtrade.i18n import N_
from servtrade.periods import parse_period
from servtrade.records.uscc import sql_is_valid
from servtrade.store.sql import transpile

RECORD_COLUMNS = (
    "record_id",
    "reporter_id",
    "reporter_name",
    "region",
    "period",
    "flow",
    "category",
    "partner",
    "mode",
    "currency",
    "amount",
    "contract_id",
    "reported_at",
)
KEY = ("region", "period", "flow", "category", "partner", "mode")
DEFAULT_MIN_REPORTERS = 3
YEARS = range(1990, 2101)


class Engine(Protocol):
    """Where the SQL runs: register a frame as a table, run a query into a frame."""

    dialect: str

    def register(self, name: str, frame: pd.DataFrame) -> None: ...

    def query(self, statement: str) -> pd.DataFrame: ...


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, connection: object) -> None:
        import duckdb

        assert isinstance(connection, duckdb.DuckDBPyConnection)
        self.con = connection

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"{name}_frame", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
        self.con.unregister(f"{name}_frame")

    def query(self, statement: str) -> pd.DataFrame:
        return self.con.execute(transpile(statement, self.dialect)).df()


class PostgresEngine:
    """A PostgreSQL connection (psycopg); tables are temporary, loaded with COPY."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url, autocommit=True)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        types = {
            "int64": "BIGINT",
            "float64": "DOUBLE PRECISION",
            "bool": "BOOLEAN",
            "datetime64[ns]": "TIMESTAMP",
        }
        columns = ", ".join(f'"{c}" {types.get(str(t), "TEXT")}' for c, t in frame.dtypes.items())
        with self.con.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
            with cursor.copy(f"COPY {name} FROM STDIN") as copy:
                for row in frame.itertuples(index=False):
                    copy.write_row([None if pd.isna(v) else v for v in row])

    def query(self, statement: str) -> pd.DataFrame:
        with self.con.cursor() as cursor:
            cursor.execute(transpile(statement, self.dialect))
            names = [d.name for d in cursor.description or []]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Apache Spark: a `spark://` master, or local mode (`local[*]`); needs a JDK and the
    `spark` extra (pyspark). Tables are temporary views."""

    dialect = "spark"

    def __init__(self, master: str = "local[*]") -> None:
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master(master)
            .appName("servtrade")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def query(self, statement: str) -> pd.DataFrame:
        result: pd.DataFrame = self.spark.sql(transpile(statement, self.dialect)).toPandas()
        return result

    def close(self) -> None:
        self.spark.stop()


# -- reference tables ---------------------------------------------------------------------
def reference_tables(classifications: Classifications, rates: RateTable) -> dict[str, pd.DataFrame]:
    """The small tables the rules and the aggregation join to, from the classifications."""
    regions = [
        c.code
        for c in classifications.regions
        if c.kind in ("province", "city", "place", "country")
    ]
    region_levels = [
        (r, level)
        for r in regions
        for level in region_ancestry(r, classifications)
        if level != "W1"
    ]
    categories = [c.code for c in classifications.categories if not c.members]
    category_levels = []
    for code in categories:
        level: str | None = code
        while level is not None:
            category_levels.append((code, level))
            level = classifications.categories.codes[level].parent
    months = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]
    period_levels = []
    for month in months:
        period = parse_period(month)
        year, m = period.year, period.first_month
        period_levels += [
            (month, month),
            (month, f"{year}-Q{(m - 1) // 3 + 1}"),
            (month, str(year)),
        ]
        period_levels += [(month, f"{year}-01/{year}-{k:02d}") for k in range(max(m, 2), 12)]
    usd = {}
    for month in months:
        try:
            usd[month] = rates.rate(parse_period(month), "USD").cny_per_unit
        except MissingRateError:
            continue
    fx = [(m, "CNY", 1.0) for m in months] + [(m, "USD", r) for m, r in usd.items()]
    return {
        "ref_regions": pd.DataFrame({"region": regions}),
        "ref_region_levels": pd.DataFrame(region_levels, columns=["region", "level"]),
        "ref_categories": pd.DataFrame({"category": categories}),
        "ref_category_levels": pd.DataFrame(category_levels, columns=["category", "level"]),
        "ref_period_levels": pd.DataFrame(period_levels, columns=["month", "period"]),
        "ref_partners": pd.DataFrame(
            {"partner": [c.code for c in classifications.regions if len(c.code) == 2]}
        ),
        "ref_rates": pd.DataFrame(fx, columns=["period", "currency", "cny_per_unit"]),
        "ref_usd": pd.DataFrame(list(usd.items()), columns=["period", "cny_per_usd"]),
    }


# -- validation ---------------------------------------------------------------------------
RULES: tuple[tuple[str, str, str], ...] = (
    ("record_id", "record_id IS NULL OR TRIM(record_id) = ''", N_("missing record_id")),
    (
        "reporter_id",
        f"reporter_id IS NULL OR NOT {sql_is_valid('reporter_id')}",
        N_("not a valid unified social credit code (GB 32100-2015)"),
    ),
    ("region", "region NOT IN (SELECT region FROM ref_regions)", N_("unknown region")),
    ("period", "period NOT IN (SELECT month FROM ref_period_levels)", N_("period is not YYYY-MM")),
    (
        "flow",
        "flow IS NULL OR flow NOT IN ('export', 'import')",
        N_("flow is not export or import"),
    ),
    (
        "category",
        "category NOT IN (SELECT category FROM ref_categories)",
        N_("unknown EBOPS category"),
    ),
    ("partner", "partner NOT IN (SELECT partner FROM ref_partners)", N_("unknown partner")),
    ("mode", "mode IS NULL OR mode NOT IN ('1', '2', '3', '4')", N_("mode is not 1-4")),
    ("amount", "amount IS NULL OR amount < 0", N_("amount is missing or negative")),
    ("reported_at", "reported_at IS NULL", N_("missing reported_at")),
    (
        "currency",
        "NOT EXISTS (SELECT 1 FROM ref_rates f WHERE f.period = staged.period "
        "AND f.currency = staged.currency)",
        N_("no exchange rate for this currency and month"),
    ),
    (
        "record_id",
        "EXISTS (SELECT 1 FROM staged s2 WHERE s2.record_id = staged.record_id "
        "AND s2.reported_at = staged.reported_at AND s2.row_no < staged.row_no)",
        N_("duplicate: the same record_id and reported_at appear earlier in the file"),
    ),
)


def validate(engine: Engine) -> pd.DataFrame:
    """(row_no, column, reason) for every broken rule of the table `staged`."""
    statement = " UNION ALL ".join(
        f"SELECT row_no, '{column}' AS col, '{reason}' AS reason FROM staged WHERE {condition}"
        for column, condition, reason in RULES
    )
    issues = engine.query(f"SELECT * FROM ({statement}) AS issues ORDER BY row_no, col")
    return issues.rename(columns={"col": "column"})


# -- aggregation --------------------------------------------------------------------------
AGGREGATE = """
WITH latest AS (
    SELECT * FROM (
        SELECT v.*, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY reported_at DESC) AS rank_
        FROM valid_records AS v
    ) AS ranked WHERE rank_ = 1
), converted AS (
    SELECT l.*, l.amount * f.cny_per_unit AS amount_cny,
           l.amount * f.cny_per_unit / u.cny_per_usd AS amount_usd
    FROM latest AS l
    JOIN ref_rates AS f ON f.period = l.period AND f.currency = l.currency
    JOIN ref_usd AS u ON u.period = l.period
), flows AS (
    SELECT flow AS flow_in, flow AS flow_out FROM (SELECT DISTINCT flow FROM converted) AS d
    UNION ALL SELECT 'export', 'total' UNION ALL SELECT 'import', 'total'
)
SELECT rl.level AS region, pl.period AS period, fl.flow_out AS flow, cl.level AS category,
       pa.partner_out AS partner, mo.mode_out AS mode,
       SUM(c.amount_cny) AS value_cny, SUM(c.amount_usd) AS value_usd,
       COUNT(DISTINCT c.reporter_id) AS reporters, COUNT(*) AS records
FROM converted AS c
JOIN ref_region_levels AS rl ON rl.region = c.region
JOIN ref_period_levels AS pl ON pl.month = c.period
JOIN flows AS fl ON fl.flow_in = c.flow
JOIN ref_category_levels AS cl ON cl.category = c.category
JOIN (SELECT DISTINCT partner AS partner_in, partner AS partner_out FROM converted
      UNION ALL SELECT DISTINCT partner, 'W1' FROM converted) AS pa ON pa.partner_in = c.partner
JOIN (SELECT DISTINCT mode AS mode_in, mode AS mode_out FROM converted
      UNION ALL SELECT DISTINCT mode, 'ALL' FROM converted) AS mo ON mo.mode_in = c.mode
GROUP BY rl.level, pl.period, fl.flow_out, cl.level, pa.partner_out, mo.mode_out
ORDER BY region, period, flow, category, partner, mode
"""


def aggregate(engine: Engine) -> pd.DataFrame:
    """Cells of every level from the table `valid_records` (latest version of each record)."""
    cells = engine.query(AGGREGATE)
    for column in ("reporters", "records"):
        cells[column] = cells[column].astype("int64")
    for column in ("value_cny", "value_usd"):
        cells[column] = cells[column].astype("float64")
    return cells


# -- confidentiality ----------------------------------------------------------------------
@dataclass(frozen=True)
class Hierarchy:
    """A dimension whose children sum to a parent: (child → parent) within a cell's key."""

    column: str
    parent: dict[str, str]


def suppress(
    cells: pd.DataFrame, hierarchies: list[Hierarchy], min_reporters: int = DEFAULT_MIN_REPORTERS
) -> pd.DataFrame:
    """Add `suppressed` (primary: fewer reporters than `min_reporters`; secondary: the
    smallest other child of a parent with exactly one suppressed child, repeated until no
    parent has one)."""
    result = cells.copy()
    result["suppressed"] = result["reporters"] < min_reporters
    changed = True
    while changed:
        changed = False
        for hierarchy in hierarchies:
            parents = result[hierarchy.column].map(hierarchy.parent)
            children = result[parents.notna()].assign(_parent=parents[parents.notna()])
            keys = [c for c in KEY if c != hierarchy.column] + ["_parent"]
            groups = children.groupby(keys, dropna=False, sort=False)["suppressed"]
            lone = (groups.transform("sum") == 1) & (groups.transform("size") > 1)
            candidates = children[lone & ~children["suppressed"]]
            if candidates.empty:
                continue
            smallest = candidates.groupby(keys, dropna=False, sort=False)["value_cny"].idxmin()
            result.loc[smallest.to_numpy(), "suppressed"] = True
            changed = True
    return result


def hierarchies(classifications: Classifications) -> list[Hierarchy]:
    categories = {
        c.code: c.parent for c in classifications.categories if c.parent and not c.members
    }
    regions = {c.code: c.parent for c in classifications.regions if c.parent and c.parent != "W1"}
    return [
        Hierarchy("category", {k: v for k, v in categories.items() if v}),
        Hierarchy("region", {k: v for k, v in regions.items() if v}),
        Hierarchy("flow", {"export": "total", "import": "total"}),
    ]
