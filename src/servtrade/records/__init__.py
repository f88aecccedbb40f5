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
from datetime import date
from functools import cache
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from servtrade.access import region_ancestry
from servtrade.classification import Classifications
from servtrade.fx import MissingRateError, RateTable
from servtrade.i18n import N_, _
from servtrade.periods import Period, parse_period
from servtrade.records.uscc import sql_is_valid
from servtrade.store import ENV_MEMORY_LIMIT
from servtrade.store.sql import POSTGRES_SESSION, transpile

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
MODES = ("1", "2", "3", "4")
FLOWS = ("export", "import")  # as reported; "total" is their sum
YEARS = range(1990, 2101)


class Engine(Protocol):
    """Where the SQL runs: register a frame as a table, run a query into a frame."""

    dialect: str

    def register(self, name: str, frame: pd.DataFrame) -> None: ...

    def query(self, statement: str) -> pd.DataFrame: ...


def column_types(frame: pd.DataFrame, types: dict[str, str], text: str) -> str:
    """`"name" TYPE, ...` for a frame's columns, in an engine's type names."""

    def kind(dtype: object) -> str:
        return "datetime64" if str(dtype).startswith("datetime64") else str(dtype)

    return ", ".join(f'"{c}" {types.get(kind(t), text)}' for c, t in frame.dtypes.items())


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

    def _run(self, statement: str) -> Any:
        import duckdb

        try:
            return self.con.execute(transpile(statement, self.dialect))
        except duckdb.OutOfMemoryException as error:
            reason = str(error).splitlines()[0]
            raise ValueError(
                _(
                    "{reason}: set {variable} higher, or unset it",
                    reason=reason,
                    variable=ENV_MEMORY_LIMIT,
                )
            ) from error

    def query(self, statement: str) -> pd.DataFrame:
        frame: pd.DataFrame = self._run(statement).df()
        return frame

    def execute(self, statement: str) -> int:
        result = self._run(statement).fetchone()
        return int(result[0]) if result else 0


class PostgresEngine:
    """A PostgreSQL connection (psycopg); tables are temporary, loaded with COPY."""

    dialect = "postgres"
    TYPES: ClassVar[dict[str, str]] = {
        "int64": "BIGINT",
        "float64": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        "datetime64": "TIMESTAMP",
    }

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url, autocommit=True)
        self.con.execute(POSTGRES_SESSION)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        with self.con.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ({column_types(frame, self.TYPES, 'TEXT')})")
            self.copy_rows(name, frame)

    def copy_rows(self, name: str, frame: pd.DataFrame) -> None:
        with self.con.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in frame.itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])

    def query(self, statement: str) -> pd.DataFrame:
        with self.con.cursor() as cursor:
            cursor.execute(transpile(statement, self.dialect))
            names = [d.name for d in cursor.description or []]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def execute(self, statement: str) -> int:
        with self.con.cursor() as cursor:
            cursor.execute(transpile(statement, self.dialect))
            return cursor.rowcount

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Apache Spark: a `spark://` master, or local mode (`local[*]`); needs a JDK and the
    `spark` extra (pyspark). Tables are temporary views."""

    dialect = "spark"
    TYPES: ClassVar[dict[str, str]] = {
        "int64": "BIGINT",
        "float64": "DOUBLE",
        "bool": "BOOLEAN",
        "datetime64": "TIMESTAMP",
    }

    def __init__(self, master: str = "local[*]") -> None:
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master(master)
            .appName("servtrade")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        schema = column_types(frame, self.TYPES, "STRING").replace('"', "`")
        self.spark.createDataFrame(frame, schema=schema).createOrReplaceTempView(name)

    def query(self, statement: str) -> pd.DataFrame:
        result: pd.DataFrame = self.spark.sql(transpile(statement, self.dialect)).toPandas()
        return result

    def close(self) -> None:
        self.spark.stop()


# -- reference tables ---------------------------------------------------------------------
@dataclass(frozen=True)
class Calendar:
    """The labels of one year's months and year-to-date periods (`to_date[k - 1]` is
    January to month k: January itself, then `YYYY-01/YYYY-kk`, then the year), as
    `Period` writes them."""

    year: int

    @property
    def months(self) -> list[str]:
        return [str(Period(self.year, m, m)) for m in range(1, 13)]

    @property
    def to_date(self) -> list[str]:
        return [str(Period(self.year, 1, k)) for k in range(1, 13)]

    def quarter_of(self, month: int) -> str:
        last = 3 * ((month - 1) // 3 + 1)
        return str(Period(self.year, last - 2, last, quarterly=True))


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
    months = []
    period_levels = []
    for year in YEARS:
        calendar = Calendar(year)
        to_date = calendar.to_date
        for m, month in enumerate(calendar.months, start=1):
            months.append(month)
            period_levels += [(month, month), (month, calendar.quarter_of(m)), (month, str(year))]
            period_levels += [(month, to_date[k - 1]) for k in range(max(m, 2), 12)]
    usd = {}
    for month in months:
        try:
            usd[month] = rates.rate(parse_period(month), "USD").cny_per_unit
        except MissingRateError:
            continue
    fx = [(m, "CNY", 1.0) for m in months] + [(m, "USD", r) for m, r in usd.items()]
    partners = [c.code for c in classifications.regions if len(c.code) == 2]
    return {
        "ref_regions": pd.DataFrame({"region": regions}),
        "ref_region_levels": pd.DataFrame(region_levels, columns=["region", "level"]),
        "ref_categories": pd.DataFrame({"category": categories}),
        "ref_category_levels": pd.DataFrame(category_levels, columns=["category", "level"]),
        "ref_period_levels": pd.DataFrame(period_levels, columns=["month", "level"]),
        "ref_partners": pd.DataFrame({"partner": partners}),
        "ref_partner_levels": pd.DataFrame(
            [(p, p) for p in partners] + [(p, "W1") for p in partners], columns=["partner", "level"]
        ),
        "ref_flow_levels": pd.DataFrame(
            [(f, level) for f in FLOWS for level in (f, "total")],
            columns=["flow", "level"],
        ),
        "ref_mode_levels": pd.DataFrame(
            [(m, level) for m in MODES for level in (m, "ALL")], columns=["mode", "level"]
        ),
        "ref_rates": pd.DataFrame(fx, columns=["period", "currency", "cny_per_unit"]),
        "ref_usd": pd.DataFrame(list(usd.items()), columns=["period", "cny_per_usd"]),
    }


# -- validation ---------------------------------------------------------------------------
# Every rule is a condition on a staged row `s` and the reference rows joined to it, so the
# whole file is checked in one scan. The credit-code check runs once per distinct code: on
# MIN(code) of each group, because a filter on the grouping column itself would be pushed
# below the grouping and run on every row.
VALIDATION_JOINS = f"""
FROM staged AS s
LEFT JOIN (SELECT code FROM (SELECT MIN(reporter_id) AS code FROM staged GROUP BY reporter_id)
             AS codes WHERE NOT {sql_is_valid("code")}) AS bad_code ON bad_code.code = s.reporter_id
LEFT JOIN ref_regions AS known_region ON known_region.region = s.region
LEFT JOIN (SELECT DISTINCT month FROM ref_period_levels) AS known_month
  ON known_month.month = s.period
LEFT JOIN ref_categories AS known_category ON known_category.category = s.category
LEFT JOIN ref_partners AS known_partner ON known_partner.partner = s.partner
LEFT JOIN (SELECT DISTINCT mode FROM ref_mode_levels) AS known_mode ON known_mode.mode = s.mode
LEFT JOIN ref_rates AS rate ON rate.period = s.period AND rate.currency = s.currency
LEFT JOIN (SELECT c.row_no FROM staged AS c
           JOIN (SELECT record_id, reported_at, MIN(row_no) AS first_row FROM staged
                 GROUP BY record_id, reported_at HAVING COUNT(*) > 1) AS firsts
             ON firsts.record_id = c.record_id AND firsts.reported_at = c.reported_at
           WHERE c.row_no > firsts.first_row) AS later_copy ON later_copy.row_no = s.row_no"""

RULES: tuple[tuple[str, str, str], ...] = (
    ("record_id", "s.record_id IS NULL OR TRIM(s.record_id) = ''", N_("missing record_id")),
    (
        "reporter_id",
        "s.reporter_id IS NULL OR bad_code.code IS NOT NULL",
        N_("not a valid unified social credit code (GB 32100-2015)"),
    ),
    ("region", "known_region.region IS NULL", N_("unknown region")),
    ("period", "known_month.month IS NULL", N_("period is not YYYY-MM")),
    (
        "flow",
        "s.flow IS NULL OR s.flow NOT IN (" + ", ".join(f"'{f}'" for f in FLOWS) + ")",
        N_("flow is not export or import"),
    ),
    ("category", "known_category.category IS NULL", N_("unknown EBOPS category")),
    ("partner", "known_partner.partner IS NULL", N_("unknown partner")),
    ("mode", "known_mode.mode IS NULL", N_("mode is not 1-4")),
    ("amount", "s.amount IS NULL OR s.amount < 0", N_("amount is missing or negative")),
    ("reported_at", "s.reported_at IS NULL", N_("missing reported_at")),
    ("currency", "rate.currency IS NULL", N_("no exchange rate for this currency and month")),
    (
        "record_id",
        "later_copy.row_no IS NOT NULL",
        N_("duplicate: the same record_id and reported_at appear earlier in the file"),
    ),
)
VALIDATE = (
    "SELECT * FROM (SELECT s.row_no, "
    + ", ".join(f"({condition}) AS rule_{n}" for n, (_, condition, _) in enumerate(RULES))
    + VALIDATION_JOINS
    + ") AS checked WHERE "
    + " OR ".join(f"rule_{n}" for n in range(len(RULES)))
)


def validate(engine: Engine) -> pd.DataFrame:
    """(row_no, column, reason) for every broken rule of the table `staged`."""
    flagged = engine.query(VALIDATE)
    issues = [
        (int(row_no), column, reason)
        for n, (column, _, reason) in enumerate(RULES)
        for row_no in flagged.loc[flagged[f"rule_{n}"].astype(bool), "row_no"]
    ]
    frame = pd.DataFrame(issues, columns=["row_no", "column", "reason"])
    return frame.sort_values(["row_no", "column"], kind="stable").reset_index(drop=True)


# -- aggregation --------------------------------------------------------------------------
# (dimension, table mapping each code to itself and to every level above it, its column)
ROLL_UPS = (
    ("mode", "ref_mode_levels", "mode"),
    ("partner", "ref_partner_levels", "partner"),
    ("flow", "ref_flow_levels", "flow"),
    ("category", "ref_category_levels", "category"),
    ("region", "ref_region_levels", "region"),
    ("period", "ref_period_levels", "month"),
)


@dataclass(frozen=True)
class AggregationPlan:
    """The aggregation as named steps, each a query over the ones before, and a final query;
    `views` are the steps cheap enough to be views (read once, by the next step)."""

    steps: tuple[tuple[str, str], ...]
    final: str
    views: frozenset[str] = frozenset({"latest", "converted"})

    @property
    def statement(self) -> str:
        """The whole aggregation as one statement (each step a common table expression)."""
        steps = ",\n".join(f"{name} AS (\n{query})" for name, query in self.steps)
        return f"WITH {steps}\n{self.final}"


@cache
def aggregation_plan(min_reporters: int) -> AggregationPlan:
    """The aggregation, in DuckDB's dialect (transpiled for the others)."""
    if min_reporters < 1:
        raise ValueError(f"min_reporters must be at least 1, not {min_reporters}")
    key = ", ".join(KEY)

    def mapped(dimension: str, named: bool = False) -> str:
        alias = f" AS {dimension}" if named else ""
        return ", ".join(f"m.level{alias}" if k == dimension else f"c.{k}" for k in KEY)

    steps = [
        # A record's latest version is the one no other version of it was reported after
        # ((record_id, reported_at) is unique in storage); an anti-join, which every engine
        # runs as a hash join, where a window would sort all records by record_id.
        (
            "latest",
            """SELECT v.* FROM valid_records AS v
WHERE NOT EXISTS (SELECT 1 FROM valid_records AS w
                  WHERE w.record_id = v.record_id AND w.reported_at > v.reported_at)""",
        ),
        (
            "converted",
            """SELECT l.reporter_id, l.region, l.period, l.flow, l.category, l.partner, l.mode,
       l.amount * f.cny_per_unit AS value_cny,
       l.amount * f.cny_per_unit / u.cny_per_usd AS value_usd
FROM latest AS l
JOIN ref_rates AS f ON f.period = l.period AND f.currency = l.currency
JOIN ref_usd AS u ON u.period = l.period""",
        ),
        (
            "cells_0",
            f"""SELECT {key}, SUM(value_cny) AS value_cny, SUM(value_usd) AS value_usd,
       COUNT(*) AS records, FIRST_DISTINCT(reporter_id, {min_reporters}) AS first_reporters
FROM converted GROUP BY {key}""",
        ),
    ]
    for n, (dimension, table, column) in enumerate(ROLL_UPS, start=1):
        steps.append(
            (
                f"cells_{n}",
                f"""SELECT {mapped(dimension, named=True)}, SUM(c.value_cny) AS value_cny,
       SUM(c.value_usd) AS value_usd, SUM(c.records) AS records,
       MERGE_FIRST_DISTINCT(c.first_reporters, {min_reporters}) AS first_reporters
FROM cells_{n - 1} AS c JOIN {table} AS m ON m.{column} = c.{dimension}
GROUP BY {mapped(dimension)}""",
            )
        )
    final = f"""SELECT {key}, value_cny, value_usd,
       ARRAY_LENGTH(first_reporters) AS reporters, records
FROM cells_{len(ROLL_UPS)}
ORDER BY {key}"""
    return AggregationPlan(tuple(steps), final)


def _query_stepwise(engine: DuckDBEngine | PostgresEngine, plan: AggregationPlan) -> pd.DataFrame:
    """Run each step into a temporary table (or view), dropping a table once the next step
    has read it: an engine then holds one step's work at a time, where the single
    statement holds every step's (measured on DuckDB: peak memory halved, time equal)."""
    made: list[tuple[str, str]] = []
    try:
        for name, query in plan.steps:
            kind = "VIEW" if name in plan.views else "TABLE"
            engine.execute(f"CREATE TEMP {kind} {name} AS {query}")
            made.append((kind, name))
            if len(made) > 1 and made[-2][0] == "TABLE":
                engine.execute(f"DROP TABLE {made.pop(-2)[1]}")
        return engine.query(plan.final)
    finally:
        for kind, name in reversed(made):
            engine.execute(f"DROP {kind} IF EXISTS {name}")


def aggregate(engine: Engine, min_reporters: int = DEFAULT_MIN_REPORTERS) -> pd.DataFrame:
    """Cells of every level from the table `valid_records` (latest version of each record).

    Amounts and record counts are summed at the finest key, then rolled up one dimension at
    a time (a month into its quarter, year and every year-to-date period it belongs to, a
    sub-category into its main category and all services, and so on). Reporters are not
    additive, so each cell carries its first `min_reporters` distinct reporters (by id),
    rolled up the same way: the first k of a union are the first k of the parts' first k.
    `reporters` is therefore exact below the threshold and equals it at or above; that is
    all confidentiality needs, and it keeps the work proportional to the number of cells
    rather than to cells times reporters. DuckDB and PostgreSQL run the steps one by one;
    Spark, which plans lazily, runs the single statement."""
    plan = aggregation_plan(min_reporters)
    if isinstance(engine, DuckDBEngine | PostgresEngine):
        cells = _query_stepwise(engine, plan)
    else:
        cells = engine.query(plan.statement)
    for column in ("reporters", "records"):
        cells[column] = cells[column].astype("int64")
    for column in ("value_cny", "value_usd"):
        cells[column] = cells[column].astype("float64")
    return cells


def canonical_observations(cells: pd.DataFrame, vintage: date, source: str) -> pd.DataFrame:
    """The unsuppressed cells as rows of the canonical statistics layout (one in yuan, one in
    US dollars), which `servtrade ingest` loads so the indicators read them as any release;
    reporter and record counts stay out."""
    public = cells[~cells["suppressed"]]
    rows = [
        public[list(KEY)].assign(value=public[column], unit=unit)
        for column, unit in (("value_cny", "CNY"), ("value_usd", "USD"))
    ]
    frame = pd.concat(rows, ignore_index=True).assign(source=source, vintage=vintage.isoformat())
    return frame[[*KEY, "value", "unit", "source", "vintage"]]


# -- confidentiality ----------------------------------------------------------------------
@dataclass(frozen=True)
class Hierarchy:
    """Codes of one dimension that add up: each (child, parent) edge says the child is one
    of the parts that sum to the parent, the rest of the cell's key being equal. A child
    has one parent in a hierarchy, and may have another in a second one (a month is part
    of its quarter, and of a year-to-date)."""

    column: str
    edges: tuple[tuple[str, str], ...]


class _Keys:
    """Each cell's key as one integer (the codes of its columns in mixed radix), so that
    a cell whose key differs in one column is found by arithmetic and a sorted search."""

    def __init__(self, cells: pd.DataFrame) -> None:
        self.codes: dict[str, pd.Index] = {}
        self.weight: dict[str, int] = {}
        self.key = np.zeros(len(cells), dtype=np.int64)
        weight = 1
        for column in KEY:
            numbers, self.codes[column] = pd.factorize(cells[column])
            self.key += numbers.astype(np.int64) * weight
            self.weight[column] = weight
            weight *= len(self.codes[column]) + 1
        self.order = np.argsort(self.key)
        self.sorted = self.key[self.order]

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The row holding each key, or -1."""
        at = np.clip(np.searchsorted(self.sorted, keys), 0, len(self.sorted) - 1)
        return np.where(self.sorted[at] == keys, self.order[at], -1)


def _equations(keys: _Keys, hierarchy: Hierarchy) -> tuple[np.ndarray, np.ndarray]:
    """Each parent cell and its parts as one equation (parent = sum of parts): (row of each
    member cell, number of its equation)."""
    column, weight = hierarchy.column, keys.weight[hierarchy.column]
    number = {code: n for n, code in enumerate(keys.codes[column])}
    step = np.zeros(len(number), dtype=np.int64)  # child's number → parent's minus child's
    has_parent = np.zeros(len(number), dtype=bool)
    for child, parent in hierarchy.edges:
        if child in number and parent in number:
            step[number[child]] = number[parent] - number[child]
            has_parent[number[child]] = True
    own = (keys.key // weight) % (len(number) + 1)
    parts = np.flatnonzero(has_parent[own])
    totals = keys.key[parts] + step[own[parts]] * weight
    numbers, equation = np.unique(totals, return_inverse=True)
    parents = keys.rows_of(numbers)
    present = parents >= 0
    rows = np.concatenate([parts, parents[present]])
    return rows, np.concatenate([equation, np.flatnonzero(present)])


def suppress(
    cells: pd.DataFrame, hierarchies: list[Hierarchy], min_reporters: int = DEFAULT_MIN_REPORTERS
) -> pd.DataFrame:
    """Add `suppressed`. Primary: fewer reporters than `min_reporters`. Secondary: wherever
    exactly one cell of an equation (a parent and its parts) is suppressed, the smallest
    other cell of it is suppressed too, repeated until no equation in any hierarchy has a
    lone suppressed cell, so that none is the sum or difference of published ones."""
    result = cells.reset_index(drop=True)
    suppressed = (result["reporters"] < min_reporters).to_numpy().copy()
    values = result["value_cny"].to_numpy()
    keys = _Keys(result)
    equations = [_equations(keys, hierarchy) for hierarchy in hierarchies]
    changed = True
    while changed:
        changed = False
        for rows, equation in equations:
            members = np.bincount(equation)
            hidden = np.bincount(equation, weights=suppressed[rows])
            lone = (hidden == 1) & (members > 1)
            candidate = lone[equation] & ~suppressed[rows]
            if not candidate.any():
                continue
            order = np.lexsort((values[rows[candidate]], equation[candidate]))
            _, first = np.unique(equation[candidate][order], return_index=True)
            suppressed[rows[candidate][order][first]] = True
            changed = True
    return result.assign(suppressed=suppressed)


def _period_edges(periods: pd.Series) -> list[Hierarchy]:
    """Months in quarters in years; and each year-to-date as the one before plus a month."""
    years = sorted({int(p[:4]) for p in periods.unique()})
    parts, cumulative = [], []
    for year in years:
        calendar = Calendar(year)
        parts += [(month, calendar.quarter_of(m)) for m, month in enumerate(calendar.months, 1)]
        parts += [(calendar.quarter_of(3 * q), str(year)) for q in range(1, 5)]
        to_date = calendar.to_date
        for k in range(1, 12):
            cumulative += [(to_date[k - 1], to_date[k]), (calendar.months[k], to_date[k])]
    return [Hierarchy("period", tuple(parts)), Hierarchy("period", tuple(cumulative))]


def hierarchies(classifications: Classifications, cells: pd.DataFrame) -> list[Hierarchy]:
    """Every way the cells add up: categories, regions, flows, partners, modes and periods."""
    categories = [
        (c.code, c.parent) for c in classifications.categories if c.parent and not c.members
    ]
    regions = [(c.code, c.parent) for c in classifications.regions if c.parent and c.parent != "W1"]
    partners = [(p, "W1") for p in cells["partner"].unique() if p != "W1"]
    return [
        Hierarchy("category", tuple(categories)),
        Hierarchy("region", tuple(regions)),
        Hierarchy("flow", tuple((f, "total") for f in FLOWS)),
        Hierarchy("partner", tuple(partners)),
        Hierarchy("mode", tuple((m, "ALL") for m in MODES)),
        *_period_edges(cells["period"]),
    ]
