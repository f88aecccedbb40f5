"""Every SQL statement of the store, written once in DuckDB's dialect.

Statements are transpiled with SQLGlot to the dialect of the connection, so the same
definitions serve an embedded DuckDB file and a shared server. Values are always bound
as parameters (``?``), never formatted into the text.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLGlot is imported when a statement needs translating
    from sqlglot import exp

# A figure's statistical basis is part of its key: a MOFCOM and a SAFE figure for the same
# period are two observations, never one revised by the other.
OBSERVATION_KEY = (
    *("region", "period", "flow", "category", "partner", "mode", "measure", "basis"),
)
# The value is kept as the exact decimal that was published (DECIMAL), never a binary float.
VALUE_TYPE = "DECIMAL(38, 12)"

OBSERVATION_COLUMNS = (
    *OBSERVATION_KEY,
    "year",
    "first_month",
    "last_month",
    "value",
    "unit",
    "amount",
    "yoy_growth",
    "qualifier",
    "decimals",
    "source",
    "vintage",
    "note",
    "load_id",
    "line",
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS loads (
        load_id VARCHAR PRIMARY KEY,
        seq BIGINT NOT NULL,
        file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        status VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS observations (
        region VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        flow VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        partner VARCHAR NOT NULL,
        mode VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        basis VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        first_month INTEGER NOT NULL,
        last_month INTEGER NOT NULL,
        value DECIMAL(38, 12),
        unit VARCHAR NOT NULL,
        amount DOUBLE,
        yoy_growth DOUBLE,
        qualifier VARCHAR NOT NULL,
        decimals INTEGER,
        source VARCHAR,
        vintage DATE NOT NULL,
        note VARCHAR,
        load_id VARCHAR NOT NULL,
        line BIGINT)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        load_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        "column" VARCHAR,
        reason VARCHAR NOT NULL,
        raw VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS places (
        code VARCHAR PRIMARY KEY,
        name_en VARCHAR NOT NULL,
        name_zh VARCHAR NOT NULL,
        parent VARCHAR,
        kind VARCHAR NOT NULL,
        aliases VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bases (
        code VARCHAR PRIMARY KEY,
        name_en VARCHAR NOT NULL,
        name_zh VARCHAR NOT NULL,
        aliases VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS groupings (
        code VARCHAR PRIMARY KEY,
        name_en VARCHAR NOT NULL,
        name_zh VARCHAR NOT NULL,
        members VARCHAR NOT NULL,
        note VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS plans (
        plan_id VARCHAR PRIMARY KEY,
        region VARCHAR NOT NULL,
        document VARCHAR NOT NULL,
        saved_by VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS task_events (
        plan_id VARCHAR NOT NULL,
        task_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        note VARCHAR,
        changed_by VARCHAR NOT NULL,
        changed_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS exchange_rates (
        period VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        cny_per_unit DOUBLE NOT NULL,
        source VARCHAR NOT NULL,
        PRIMARY KEY (period, currency))""",
    """CREATE TABLE IF NOT EXISTS opening_measures (
        edition VARCHAR NOT NULL,
        number INTEGER,
        door VARCHAR NOT NULL,
        text_zh VARCHAR NOT NULL,
        text_en VARCHAR,
        modes VARCHAR,
        restriction VARCHAR,
        nature VARCHAR,
        source VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS designations (
        region VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        name_zh VARCHAR NOT NULL,
        name_en VARCHAR NOT NULL,
        designated VARCHAR NOT NULL,
        source VARCHAR NOT NULL)""",
    # Enterprise records are kept as Parquet files in the store's records directory, one
    # per load (see servtrade.records.load); this table lists them.
    """CREATE TABLE IF NOT EXISTS records_files (
        load_id VARCHAR PRIMARY KEY,
        file VARCHAR NOT NULL,
        stored VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS records_quarantine (
        load_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row_no BIGINT NOT NULL,
        "column" VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        record_id VARCHAR,
        reporter_id VARCHAR,
        value VARCHAR,
        line BIGINT)""",
    """CREATE TABLE IF NOT EXISTS users (
        name VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL,
        regions VARCHAR NOT NULL,
        token_sha256 VARCHAR NOT NULL UNIQUE,
        created_at TIMESTAMP NOT NULL,
        password_hash VARCHAR)""",
    # Signed-in people: a session is known by its cookie's SHA-256 and carries the token
    # its forms must send back (CSRF).
    """CREATE TABLE IF NOT EXISTS sessions (
        session_sha256 VARCHAR PRIMARY KEY,
        user_name VARCHAR NOT NULL,
        csrf VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sign_in_failures (
        user_name VARCHAR NOT NULL,
        failed_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        logged_at TIMESTAMP NOT NULL,
        user_name VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        region VARCHAR,
        before VARCHAR,
        after VARCHAR)""",
    # One row, counting the writes: every audited write adds one in its own transaction, so
    # processes sharing a store know when answers they keep are out of date.
    "CREATE TABLE IF NOT EXISTS store_revision (revision BIGINT NOT NULL)",
)
SEED_REVISION = (
    "INSERT INTO store_revision SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM store_revision)"
)
BUMP_REVISION = "UPDATE store_revision SET revision = revision + 1"
SELECT_REVISION = "SELECT revision FROM store_revision"

# On a PostgreSQL server these belong to the records' own migrations (servtrade.records).
RECORDS_TABLES = ("records_files", "records_quarantine")


def table_name(create_statement: str) -> str:
    """The table a CREATE TABLE statement of `SCHEMA` makes."""
    import sqlglot
    from sqlglot import exp

    created = sqlglot.parse_one(create_statement, read="duckdb").find(exp.Table)
    assert created is not None
    return created.name


# Stores written before the observation attributes existed: each figure's basis is then
# unknown, its qualifier exact as loaded, its precision not recorded, and its value turned
# to a decimal (at the precision a double held).
OBSERVATION_UPGRADE = (
    "ALTER TABLE observations ADD COLUMN IF NOT EXISTS basis VARCHAR DEFAULT 'unknown'",
    "ALTER TABLE observations ADD COLUMN IF NOT EXISTS qualifier VARCHAR DEFAULT 'exact'",
    "ALTER TABLE observations ADD COLUMN IF NOT EXISTS decimals INTEGER",
    f"ALTER TABLE observations ALTER COLUMN value TYPE {VALUE_TYPE}",
)
# Stores written before people could sign in.
USERS_UPGRADE = ("ALTER TABLE users ADD COLUMN IF NOT EXISTS password_hash VARCHAR",)
# Stores whose quarantine did not yet name the record and the value found (DuckDB; on
# PostgreSQL the records' migration 0002).
RECORDS_QUARANTINE_UPGRADE = tuple(
    f"ALTER TABLE records_quarantine ADD COLUMN IF NOT EXISTS {column} {kind}"
    for column, kind in (
        ("record_id", "VARCHAR"),
        ("reporter_id", "VARCHAR"),
        ("value", "VARCHAR"),
        ("line", "BIGINT"),
    )
)
OBSERVATION_COLUMN_TYPES = (
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_name = 'observations'"
)
INSERT_BASIS = "INSERT INTO bases VALUES (?, ?, ?, ?)"
SELECT_BASES = "SELECT code, name_en, name_zh, aliases FROM bases ORDER BY code"
LOAD_BY_SHA = "SELECT load_id, file, loaded_at FROM loads WHERE sha256 = ? AND status <> 'rejected'"
NEXT_LOAD_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM loads"
INSERT_LOAD = "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
INSERT_QUARANTINE = "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)"
INSERT_PLACE = "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)"
SELECT_PLACES = "SELECT code, name_en, name_zh, parent, kind, aliases FROM places ORDER BY code"
INSERT_GROUPING = "INSERT INTO groupings VALUES (?, ?, ?, ?, ?)"
SELECT_GROUPINGS = "SELECT code, name_en, name_zh, members, note FROM groupings ORDER BY code"
DELETE_STAGED_RATES = """DELETE FROM exchange_rates WHERE EXISTS (
    SELECT 1 FROM staged_rates AS s
    WHERE s.period = exchange_rates.period AND s.currency = exchange_rates.currency)"""
INSERT_STAGED_RATES = (
    "INSERT INTO exchange_rates SELECT period, currency, cny_per_unit, source FROM staged_rates"
)
COUNT_RATES = "SELECT COUNT(*) FROM exchange_rates"
SELECT_RATES = "SELECT period, currency, cny_per_unit, source FROM exchange_rates"
DELETE_PLAN = "DELETE FROM plans WHERE plan_id = ?"
INSERT_PLAN = "INSERT INTO plans VALUES (?, ?, ?, ?, ?)"
SELECT_PLANS = "SELECT plan_id, document FROM plans ORDER BY plan_id"
DELETE_OPENING_EDITION = "DELETE FROM opening_measures WHERE edition = ?"
INSERT_OPENING_MEASURE = "INSERT INTO opening_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
SELECT_OPENING_MEASURES = (
    "SELECT edition, number, door, text_zh, text_en, modes, restriction, nature, source "
    "FROM opening_measures ORDER BY edition, number"
)
INSERT_DESIGNATION = "INSERT INTO designations VALUES (?, ?, ?, ?, ?, ?)"
SELECT_DESIGNATIONS = (
    "SELECT region, kind, name_zh, name_en, designated, source FROM designations "
    "ORDER BY region, designated"
)
INSERT_USER = (
    "INSERT INTO users (name, role, regions, token_sha256, created_at, password_hash) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
DELETE_USER = "DELETE FROM users WHERE name = ?"
USER_ROLE = "SELECT role, regions, password_hash FROM users WHERE name = ?"
SET_PASSWORD = "UPDATE users SET password_hash = ? WHERE name = ?"
INSERT_SESSION = "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)"
SESSION_USER = (
    "SELECT u.name, u.role, u.regions, s.csrf FROM sessions AS s "
    "JOIN users AS u ON u.name = s.user_name WHERE s.session_sha256 = ? AND s.expires_at > ?"
)
SESSION_NAME = "SELECT user_name FROM sessions WHERE session_sha256 = ?"
DELETE_SESSION = "DELETE FROM sessions WHERE session_sha256 = ?"
DELETE_USER_SESSIONS = "DELETE FROM sessions WHERE user_name = ?"
DELETE_EXPIRED_SESSIONS = "DELETE FROM sessions WHERE expires_at <= ?"
INSERT_SIGN_IN_FAILURE = "INSERT INTO sign_in_failures VALUES (?, ?)"
SIGN_IN_FAILURES = (
    "SELECT COUNT(*), MAX(failed_at) FROM sign_in_failures WHERE user_name = ? AND failed_at > ?"
)
DELETE_SIGN_IN_FAILURES = "DELETE FROM sign_in_failures WHERE user_name = ?"
USER_BY_TOKEN = "SELECT name, role, regions FROM users WHERE token_sha256 = ? AND created_at > ?"
# A revoked token's digest is replaced by a value no token hashes to.
REVOKE_TOKEN = "UPDATE users SET token_sha256 = ? WHERE name = ?"
SELECT_USERS = "SELECT name, role, regions, created_at FROM users ORDER BY name"
INSERT_AUDIT = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)"
LOAD_BY_ID = "SELECT file, rows_loaded, status FROM loads WHERE load_id = ?"
LOAD_REGIONS = "SELECT DISTINCT region FROM observations WHERE load_id = ? ORDER BY region"
DELETE_LOAD = (
    "DELETE FROM observations WHERE load_id = ?",
    "DELETE FROM quarantine WHERE load_id = ?",
    "DELETE FROM loads WHERE load_id = ?",
)
SELECT_AUDIT = (
    "SELECT logged_at, user_name, action, target, region, before, after FROM audit_log "
    "ORDER BY logged_at"
)
SELECT_PLAN_DOCUMENT = "SELECT document FROM plans WHERE plan_id = ?"
INSERT_TASK_EVENT = "INSERT INTO task_events VALUES (?, ?, ?, ?, ?, ?)"
SELECT_TASK_EVENTS = (
    "SELECT task_id, status, note, changed_by, changed_at FROM task_events "
    "WHERE plan_id = ? ORDER BY changed_at, task_id"
)
COUNT_OBSERVATIONS = "SELECT COUNT(*) FROM observations"
LOAD_SHA256S = "SELECT DISTINCT sha256 FROM loads"
COUNT_AUDITED_BEYOND_LOADS = "SELECT COUNT(*) FROM audit_log WHERE action <> 'load'"
SELECT_LOADS = (
    "SELECT load_id, file, loaded_at, rows_loaded, rows_rejected, status FROM loads ORDER BY seq"
)

# Existing observations that share a key and vintage with the staged ones.
STAGED_CLASHES = """
SELECT s.line, s.region, s.period, s.flow, s.category, s.partner, s.mode, s.measure, s.basis,
       s.amount AS staged_amount, o.amount AS stored_amount, o.value AS stored_value,
       o.unit AS stored_unit, l.file AS stored_file, s.vintage
FROM staged AS s
JOIN observations AS o
  ON o.region = s.region AND o.period = s.period AND o.flow = s.flow
 AND o.category = s.category AND o.partner = s.partner AND o.mode = s.mode
 AND o.measure = s.measure AND o.basis = s.basis AND o.vintage = s.vintage
JOIN loads AS l ON l.load_id = o.load_id
"""


def insert_staged(columns: tuple[str, ...] = OBSERVATION_COLUMNS) -> str:
    """Staged rows into the store; the value arrives as the published decimal's text."""
    names = ", ".join(columns)
    selected = ", ".join(
        f"CAST(value AS {VALUE_TYPE}) AS value" if c == "value" else c for c in columns
    )
    return f"INSERT INTO observations ({names}) SELECT {selected} FROM staged"


def latest_observations(filters: dict[str, list[str]], period_from: bool, period_to: bool) -> str:
    """Latest vintage of each observation key, as of a date bound as the first parameter.

    `filters` maps a key column to its allowed values; their parameters follow the
    as-of date in the order of `filters`, then the optional period bounds, each given
    as ``year * 100 + month`` (first month for the lower bound, last for the upper).
    """
    conditions = ["o.vintage <= ?"]
    for column, values in filters.items():
        if column not in OBSERVATION_KEY:
            raise ValueError(f"{column} is not a key column of observations")
        conditions.append(f"o.{column} IN ({', '.join('?' for _ in values)})")
    if period_from:
        conditions.append("o.year * 100 + o.first_month >= ?")
    if period_to:
        conditions.append("o.year * 100 + o.last_month <= ?")
    key = ", ".join(f"o.{c}" for c in OBSERVATION_KEY)
    # A ranked subquery rather than QUALIFY, which PostgreSQL does not have; the exact
    # published decimal as text, for exports (`value` reads as a float).
    return (
        f"SELECT {', '.join(OBSERVATION_COLUMNS)}, value_text, load_seq, file FROM ("
        "SELECT o.*, CAST(o.value AS VARCHAR) AS value_text, l.seq AS load_seq, "
        f"l.file AS file, ROW_NUMBER() OVER (PARTITION BY {key} "
        "ORDER BY o.vintage DESC, l.seq DESC) AS vintage_rank "
        "FROM observations AS o JOIN loads AS l ON l.load_id = o.load_id "
        f"WHERE {' AND '.join(conditions)}) AS ranked WHERE vintage_rank = 1"
    )


# Aggregates that SQL spells differently on every engine and SQLGlot does not translate: a
# statement calls NAME(column, k), k a whole number; each dialect's spelling follows.
DIALECT_FUNCTIONS: dict[str, dict[str, str]] = {
    # The first k distinct values of the column in the group, ascending, as an array.
    "FIRST_DISTINCT": {
        "duckdb": "list_sort(list_distinct(list({0})))[1:{1}]",
        "postgres": "(array_agg(DISTINCT {0} ORDER BY {0}))[1:{1}]",
        "spark": "slice(array_sort(collect_set({0})), 1, {1})",
    },
    # The first k distinct values of the union of the group's arrays (made as above).
    "MERGE_FIRST_DISTINCT": {
        "duckdb": "list_sort(list_distinct(flatten(list({0}))))[1:{1}]",
        "postgres": "ARRAY(SELECT DISTINCT v FROM unnest(pg_temp.array_concat_agg({0})) AS v "
        "ORDER BY v LIMIT {1})",
        "spark": "slice(array_sort(array_distinct(flatten(collect_list({0})))), 1, {1})",
    },
}
# What a PostgreSQL session needs for the spellings above.
POSTGRES_SESSION = (
    "CREATE AGGREGATE pg_temp.array_concat_agg(anycompatiblearray) "
    "(SFUNC = array_cat, STYPE = anycompatiblearray)"
)


def _spelled(dialect: str, node: exp.Expr) -> exp.Expr:
    import sqlglot
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and node.name.upper() in DIALECT_FUNCTIONS:
        spelling = DIALECT_FUNCTIONS[node.name.upper()][dialect]
        column, k = node.expressions
        if not (isinstance(k, exp.Literal) and k.is_int):
            raise ValueError(f"{node.name}: k must be a whole number, not {k.sql()}")
        return sqlglot.parse_one(spelling.format(column.sql(dialect), int(k.this)), read=dialect)
    return node


@cache
def transpile(statement: str, dialect: str) -> str:
    functions = any(f"{name}(" in statement for name in DIALECT_FUNCTIONS)
    if dialect == "duckdb" and not functions:
        return statement
    import sqlglot

    if not functions:
        return ";\n".join(sqlglot.transpile(statement, read="duckdb", write=dialect))
    trees = sqlglot.parse(statement, read="duckdb")
    return ";\n".join(
        tree.transform(lambda node: _spelled(dialect, node)).sql(dialect)
        for tree in trees
        if tree is not None
    )
