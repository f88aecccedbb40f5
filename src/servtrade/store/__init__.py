"""The statistics store: observations with their source and vintage, in a DuckDB file or
on a PostgreSQL server (`postgresql://` URL) that several processes share.

A later release of a figure supersedes an earlier one for queries, but both are kept;
``as_of`` answers with what was known on a given date. Every write happens in one
transaction, so a failed load leaves the store exactly as it was.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import platformdirs

from servtrade.classification import Classifications, Code, default_classifications
from servtrade.classification.codelist import split_aliases
from servtrade.fx import ExchangeRate, RateTable, ecb_reference_rates
from servtrade.i18n import gettext
from servtrade.periods import Period
from servtrade.store import sql
from servtrade.store.engines import ENV_MEMORY_LIMIT as ENV_MEMORY_LIMIT
from servtrade.store.engines import (
    Cursor,
    DuckDBEngine,
    Engine,
    PostgresEngine,
    upgrade_postgres,
)
from servtrade.store.engines import StoreLockedError as StoreLockedError
from servtrade.store.engines import duckdb_config as duckdb_config
from servtrade.store.engines import is_postgres as is_postgres
from servtrade.store.engines import redacted as redacted

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

T = TypeVar("T")

ENV_DB = "SERVTRADE_DB"


StoreLocation = str | Path


def default_db_path() -> StoreLocation:
    """`SERVTRADE_DB` if set (a file or a `postgresql://` URL), else a file in the user data
    directory."""
    configured = os.environ.get(ENV_DB)
    if configured:
        return configured if is_postgres(configured) else Path(configured)
    return Path(platformdirs.user_data_dir("servtrade")) / "servtrade.duckdb"


def migrate(url: str) -> None:
    """Bring a PostgreSQL store's tables to the latest schema (Alembic)."""
    upgrade_postgres(url, Path(__file__).with_name("migrations"))


@dataclass(frozen=True)
class LoadRecord:
    load_id: str
    file: str
    sha256: str
    rows_loaded: int
    rows_rejected: int
    status: str


@dataclass(frozen=True)
class RemovedLoad:
    load_id: str
    file: str
    rows_loaded: int
    regions: tuple[str, ...]


@dataclass(frozen=True)
class QuarantinedRow:
    line: int | None
    column: str | None
    reason: str
    raw: str


@dataclass
class ObservationQuery:
    """A selection of observations; an empty list means no restriction on that key."""

    regions: list[str] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    period_from: Period | None = None
    period_to: Period | None = None
    as_of: date | None = None


class Store:
    """The store at `location`: a DuckDB file (created if missing) or a PostgreSQL URL
    (its tables created or upgraded by migrations)."""

    def __init__(self, location: StoreLocation | None = None, *, read_only: bool = False) -> None:
        target = location if location is not None else default_db_path()
        self.url: str | None = str(target) if is_postgres(target) else None
        self.path = Path(target) if self.url is None else None
        self._engine: Engine
        self._in_transaction = False
        self._read_cache = _ReadCache()
        # A DuckDB file opened to read (beside a process holding it) takes no write at all.
        self.writable = not read_only or self.url is not None
        if self.url is not None:
            if not read_only:
                migrate(self.url)
            self._engine = PostgresEngine(self.url)
            if not read_only and self.count_rates() == 0:
                self._write_rates(ecb_reference_rates())  # the bundled default, no one's write
            return
        assert self.path is not None
        fresh = not self.path.exists()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._engine = DuckDBEngine.open(self.path, read_only)
        if not read_only:
            with self.transaction():
                for statement in sql.SCHEMA:
                    self._execute(statement)
                self._execute(sql.SEED_REVISION)
                self._upgrade_observations()
                for statement in (*sql.USERS_UPGRADE, *sql.RECORDS_QUARANTINE_UPGRADE):
                    self._execute(statement)
            if fresh:
                self._write_rates(ecb_reference_rates())  # the bundled default, no one's write

    @property
    def dialect(self) -> str:
        return self._engine.dialect

    @property
    def location(self) -> str:
        """The file or the server's URL, as given (for messages and other processes)."""
        return self.url if self.url is not None else str(self.path)

    def _upgrade_observations(self) -> None:
        """Give a store written before the observation attributes existed its new columns."""
        types = dict(self._execute(sql.OBSERVATION_COLUMN_TYPES).fetchall())
        if "basis" in types and str(types["value"]).startswith("DECIMAL"):
            return
        for statement in sql.OBSERVATION_UPGRADE:
            self._execute(statement)

    def session(self) -> Store:
        """Another connection to the same store, for use by one thread while others use
        theirs."""
        other = object.__new__(Store)
        other.path = self.path
        other.url = self.url
        other._engine = self._engine.session()
        other._in_transaction = False
        other._read_cache = _ReadCache()
        other.writable = self.writable
        return other

    @property
    def records_directory(self) -> Path | None:
        """Where enterprise records are kept, beside the database file (as DuckDB keeps
        its `.wal`); None for an in-memory store or a server. Copy or move the two
        together."""
        if self.path is None or str(self.path) == ":memory:":
            return None
        return self.path.with_name(self.path.name + ".records")

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection, for engines that run their own SQL on this file
        (enterprise records)."""
        if not isinstance(self._engine, DuckDBEngine):
            raise TypeError(gettext("enterprise records on a PostgreSQL store use its server"))
        return self._engine.con

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a statement (in DuckDB's dialect, transpiled), for inspection."""
        return [tuple(row) for row in self._execute(statement, params).fetchall()]

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        return self._engine.execute(statement, params)

    def _frame(self, statement: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self._engine.frame(statement, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; on a server, one writer at a time. A transaction opened inside
        another is part of it (a load checks what is stored and writes in one)."""
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        try:
            with self._outermost_transaction():
                yield
        finally:
            self._in_transaction = False

    @contextmanager
    def _outermost_transaction(self) -> Iterator[None]:
        self._engine.begin()
        try:
            yield
        except BaseException:
            self._engine.rollback()
            raise
        self._engine.commit()

    # -- loads -----------------------------------------------------------------------
    def load_with_sha(self, sha256: str) -> tuple[str, str, datetime] | None:
        row = self._execute(sql.LOAD_BY_SHA, [sha256]).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def clashes(self, staged: pd.DataFrame) -> pd.DataFrame:
        """Stored observations with the same key and vintage as a staged one."""
        self._engine.register("staged", staged)
        try:
            return self._frame(sql.STAGED_CLASHES)
        finally:
            self._engine.unregister("staged")

    def write_load(
        self,
        load: LoadRecord,
        staged: pd.DataFrame,
        quarantined: Sequence[QuarantinedRow] = (),
    ) -> None:
        """Record a load, its observations and its quarantined rows, all or nothing."""
        with self.transaction():
            seq = self._execute(sql.NEXT_LOAD_SEQ).fetchone()
            self._execute(
                sql.INSERT_LOAD,
                [
                    load.load_id,
                    seq[0] if seq else 1,
                    load.file,
                    load.sha256,
                    datetime.now(),
                    load.rows_loaded,
                    load.rows_rejected,
                    load.status,
                ],
            )
            if len(staged):
                self._engine.register("staged", staged)
                try:
                    self._execute(sql.insert_staged())
                finally:
                    self._engine.unregister("staged")
            for row in quarantined:
                self._execute(
                    sql.INSERT_QUARANTINE,
                    [load.load_id, load.file, row.line, row.column, row.reason, row.raw],
                )

    def loads(self) -> list[dict[str, Any]]:
        return self._engine.records(sql.SELECT_LOADS)

    def remove_load(self, load_id: str, user: str) -> RemovedLoad:
        """Take a load out of the store (its observations, quarantined rows and record) and
        audit it, in one transaction: a mistaken file is not there for good, and the
        figures it superseded are current again."""
        with self.transaction():
            found = self._execute(sql.LOAD_BY_ID, [load_id]).fetchone()
            if found is None:
                raise LookupError(gettext("no load {load_id} in the store", load_id=load_id))
            regions = [r[0] for r in self._execute(sql.LOAD_REGIONS, [load_id]).fetchall()]
            removed = RemovedLoad(load_id, str(found[0]), int(found[1]), tuple(regions))
            for statement in sql.DELETE_LOAD:
                self._execute(statement, [load_id])
            self._audit(
                user,
                "remove_load",
                load_id,
                ",".join(regions) or None,
                json.dumps({"file": removed.file, "rows_loaded": removed.rows_loaded}),
                None,
            )
        return removed

    def holds_only(self, sha256s: Collection[str]) -> bool:
        """Whether nothing but loads of these files was ever written (no other load, user,
        plan, task, record or register entry in the audit log): what replacing the store
        would lose."""
        loaded = {str(row[0]) for row in self._execute(sql.LOAD_SHA256S).fetchall()}
        other = self._execute(sql.COUNT_AUDITED_BEYOND_LOADS).fetchone()
        return loaded <= set(sha256s) and (other is None or int(other[0]) == 0)

    def count_observations(self) -> int:
        row = self._execute(sql.COUNT_OBSERVATIONS).fetchone()
        return int(row[0]) if row else 0

    # -- queries -----------------------------------------------------------------------
    def observations(self, query: ObservationQuery) -> pd.DataFrame:
        """The latest vintage of every matching observation, as of `query.as_of`."""
        return self._frame(*_latest_observations(query))

    def observation_records(self, query: ObservationQuery) -> list[dict[str, Any]]:
        """The same observations as plain rows, for computations that need no frame (and
        so no pandas, which a quick command would wait to import). Kept until the store's
        next write: a report or a page asks for the same rows many times. Not to modify."""
        statement, params = _latest_observations(query)
        return self._read_cache.get(
            self.revision(),
            ("observations", statement, tuple(params)),
            lambda: self._engine.records(statement, params),
        )

    # -- classifications the user extends ----------------------------------------------
    def add_place(self, place: Code, user: str) -> None:
        """Register a place, audited in the same transaction."""
        self.classifications().extended(places=[place])  # validates parent and labels
        with self.transaction():
            self._execute(
                sql.INSERT_PLACE,
                [
                    place.code,
                    place.name_en,
                    place.name_zh,
                    place.parent,
                    place.kind,
                    "|".join(place.aliases),
                ],
            )
            self._audit(
                user,
                "add_place",
                place.code,
                place.parent,
                None,
                json.dumps(
                    {"name_en": place.name_en, "name_zh": place.name_zh, "kind": place.kind}
                ),
            )

    def add_grouping(self, grouping: Code, user: str) -> None:
        """Register a grouping of categories, audited in the same transaction."""
        self.classifications().extended(groupings=[grouping])
        with self.transaction():
            self._execute(
                sql.INSERT_GROUPING,
                [
                    grouping.code,
                    grouping.name_en,
                    grouping.name_zh,
                    "|".join(grouping.members),
                    grouping.note,
                ],
            )
            self._audit(
                user,
                "add_grouping",
                grouping.code,
                None,
                None,
                json.dumps({"members": list(grouping.members), "definition": grouping.note}),
            )

    def add_basis(self, basis: Code, user: str) -> None:
        """Register a statistical basis beyond the bundled codelist (a province's own),
        audited in the same transaction."""
        self.classifications().extended(bases=[basis])  # validates code and labels
        with self.transaction():
            self._execute(
                sql.INSERT_BASIS,
                [basis.code, basis.name_en, basis.name_zh, "|".join(basis.aliases)],
            )
            self._audit(
                user,
                "add_basis",
                basis.code,
                None,
                None,
                json.dumps({"name_en": basis.name_en, "name_zh": basis.name_zh}),
            )

    def classifications(self) -> Classifications:
        """The codelists with the places, groupings and bases added to this store (kept
        until its next write)."""
        return self._read_cache.get(self.revision(), ("classifications",), self._classifications)

    def _classifications(self) -> Classifications:
        places = [
            Code(code, en, zh, split_aliases(aliases), parent=parent, kind=kind)
            for code, en, zh, parent, kind, aliases in self._execute(sql.SELECT_PLACES).fetchall()
        ]
        groupings = [
            Code(code, en, zh, kind="grouping", members=tuple(members.split("|")), note=note)
            for code, en, zh, members, note in self._execute(sql.SELECT_GROUPINGS).fetchall()
        ]
        bases = [
            Code(code, en, zh, split_aliases(aliases))
            for code, en, zh, aliases in self._execute(sql.SELECT_BASES).fetchall()
        ]
        return default_classifications().extended(places=places, groupings=groupings, bases=bases)

    # -- plans and their tasks ---------------------------------------------------------
    def save_plan(
        self,
        plan_id: str,
        region: str,
        document: str,
        saved_by: str,
        before: str | None = None,
    ) -> None:
        """Store a validated plan document, replacing an earlier version of the same id (its
        text `before`), audited in the same transaction."""
        with self.transaction():
            self._execute(sql.DELETE_PLAN, [plan_id])
            self._execute(sql.INSERT_PLAN, [plan_id, region, document, saved_by, datetime.now()])
            self._audit(saved_by, "plan", plan_id, region, before, document)

    def plan_documents(self) -> list[tuple[str, str]]:
        return [(str(i), str(d)) for i, d in self._execute(sql.SELECT_PLANS).fetchall()]

    def record_task_status(
        self,
        plan_id: str,
        task_id: str,
        status: str,
        note: str | None,
        changed_by: str,
        region: str | None = None,
        before: str | None = None,
    ) -> None:
        """Record a task's new status, audited (with the status `before`) in one
        transaction."""
        with self.transaction():
            self._execute(
                sql.INSERT_TASK_EVENT,
                [plan_id, task_id, status, note, changed_by, datetime.now()],
            )
            self._audit(
                changed_by,
                "task",
                f"{plan_id}/{task_id}",
                region,
                before,
                status,
            )

    def task_events(self, plan_id: str) -> list[tuple[str, str, str | None, str, datetime]]:
        return [
            (str(t), str(s), n, str(b), a)
            for t, s, n, b, a in self._execute(sql.SELECT_TASK_EVENTS, [plan_id]).fetchall()
        ]

    def plan_document(self, plan_id: str) -> str | None:
        row = self._execute(sql.SELECT_PLAN_DOCUMENT, [plan_id]).fetchone()
        return None if row is None else str(row[0])

    # -- the opening-up register -------------------------------------------------------
    def replace_opening_edition(
        self, edition: str, rows: Sequence[Sequence[Any]], user: str, file: str
    ) -> None:
        """Store an edition's measures (edition, number, door, text_zh, text_en, modes,
        restriction, nature, source), replacing any imported before; all or nothing, audited
        in the same transaction."""
        now = datetime.now()
        with self.transaction():
            self._execute(sql.DELETE_OPENING_EDITION, [edition])
            for row in rows:
                self._execute(sql.INSERT_OPENING_MEASURE, [*row, now])
            self._audit(
                user,
                "opening_import",
                edition,
                None,
                None,
                json.dumps({"file": file, "measures": len(rows)}, ensure_ascii=False),
            )

    def opening_measures(self) -> list[dict[str, Any]]:
        cursor = self._execute(sql.SELECT_OPENING_MEASURES)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def add_designation(
        self,
        region: str,
        kind: str,
        name_zh: str,
        name_en: str,
        designated: str,
        source: str,
        user: str,
    ) -> None:
        """Record a place's pilot platform, audited in the same transaction."""
        with self.transaction():
            self._execute(
                sql.INSERT_DESIGNATION, [region, kind, name_zh, name_en, designated, source]
            )
            self._audit(
                user,
                "designation",
                kind,
                region,
                None,
                json.dumps(
                    {"name_zh": name_zh, "name_en": name_en, "date": designated, "source": source},
                    ensure_ascii=False,
                ),
            )

    def designations(self) -> list[tuple[str, str, str, str, str, str]]:
        return [
            tuple(str(cell) for cell in row)  # type: ignore[misc]
            for row in self._execute(sql.SELECT_DESIGNATIONS).fetchall()
        ]

    # -- users and the audit log -------------------------------------------------------
    def save_user(
        self, name: str, role: str, regions: Sequence[str], token_sha256: str, by: str
    ) -> None:
        """Add a user, or replace one of the same name (and so revoke its old token),
        audited in the same transaction."""
        with self.transaction():
            before = self._execute(sql.USER_ROLE, [name]).fetchone()
            self._execute(sql.DELETE_USER, [name])
            self._execute(sql.DELETE_USER_SESSIONS, [name])
            password = None if before is None else before[2]
            self._execute(
                sql.INSERT_USER,
                [name, role, "|".join(regions), token_sha256, datetime.now(), password],
            )
            self._audit(
                by,
                "user",
                name,
                None,
                None if before is None else f"{before[0]} {before[1]}".strip(),
                f"{role} {'|'.join(regions)}".strip(),
            )

    def user_by_token(
        self, token_sha256: str, issued_after: datetime
    ) -> tuple[str, str, tuple[str, ...]] | None:
        row = self._execute(sql.USER_BY_TOKEN, [token_sha256, issued_after]).fetchone()
        if row is None:
            return None
        return str(row[0]), str(row[1]), tuple(r for r in str(row[2]).split("|") if r)

    def users(self) -> pd.DataFrame:
        return self._frame(sql.SELECT_USERS)

    def user_role(self, name: str) -> tuple[str, tuple[str, ...]] | None:
        """(role, regions) of the user called `name`."""
        row = self._execute(sql.USER_ROLE, [name]).fetchone()
        if row is None:
            return None
        return str(row[0]), tuple(r for r in str(row[1]).split("|") if r)

    def revoke_token(self, name: str, by: str) -> bool:
        """Make a user's token unusable (audited in the same transaction); False if there is
        no such user. A new token comes with `add_user(..., replace=True)`."""
        with self.transaction():
            if self._execute(sql.USER_ROLE, [name]).fetchone() is None:
                return False
            self._execute(sql.REVOKE_TOKEN, [f"revoked:{name}:{datetime.now()}", name])
            self._audit(by, "revoke_token", name, None, None, None)
        return True

    def set_password_hash(self, name: str, password_hash: str, by: str) -> bool:
        """A user's new password (its hash); False if there is no such user. Sessions begun
        with the old one end; audited in the same transaction."""
        with self.transaction():
            if self._execute(sql.USER_ROLE, [name]).fetchone() is None:
                return False
            self._execute(sql.SET_PASSWORD, [password_hash, name])
            self._execute(sql.DELETE_USER_SESSIONS, [name])
            self._audit(by, "password", name, None, None, None)
        return True

    def password_hash(self, name: str) -> str | None:
        row = self._execute(sql.USER_ROLE, [name]).fetchone()
        return None if row is None or row[2] is None else str(row[2])

    def begin_session(
        self, session_sha256: str, name: str, csrf: str, expires_at: datetime
    ) -> None:
        """A person signed in: the session, the end of their failed attempts and the audit
        entry, in one transaction."""
        now = datetime.now()
        with self.transaction():
            self._execute(sql.DELETE_EXPIRED_SESSIONS, [now])
            self._execute(sql.INSERT_SESSION, [session_sha256, name, csrf, now, expires_at])
            self._execute(sql.DELETE_SIGN_IN_FAILURES, [name])
            self._audit(name, "sign_in", name, None, None, None)

    def session_user(
        self, session_sha256: str, now: datetime
    ) -> tuple[str, str, tuple[str, ...], str] | None:
        """(name, role, regions, CSRF token) of a current session."""
        row = self._execute(sql.SESSION_USER, [session_sha256, now]).fetchone()
        if row is None:
            return None
        regions = tuple(r for r in str(row[2]).split("|") if r)
        return str(row[0]), str(row[1]), regions, str(row[3])

    def end_session(self, session_sha256: str) -> None:
        with self.transaction():
            row = self._execute(sql.SESSION_NAME, [session_sha256]).fetchone()
            if row is None:
                return
            self._execute(sql.DELETE_SESSION, [session_sha256])
            self._audit(str(row[0]), "sign_out", str(row[0]), None, None, None)

    def record_sign_in_failure(self, name: str, when: datetime) -> None:
        with self.transaction():
            self._execute(sql.INSERT_SIGN_IN_FAILURE, [name, when])
            self._audit(name, "sign_in_refused", name, None, None, None)

    def sign_in_failures(self, name: str, since: datetime) -> tuple[int, datetime | None]:
        """How often sign-in as `name` failed after `since`, and when it last did."""
        row = self._execute(sql.SIGN_IN_FAILURES, [name, since]).fetchone()
        return (0, None) if row is None else (int(row[0]), row[1])

    def record_audit(
        self,
        user: str,
        action: str,
        target: str,
        region: str | None,
        before: str | None,
        after: str | None,
    ) -> None:
        with self.transaction():
            self._audit(user, action, target, region, before, after)

    def _audit(
        self,
        user: str,
        action: str,
        target: str,
        region: str | None,
        before: str | None,
        after: str | None,
    ) -> None:
        """The audit entry, inside the caller's transaction (the write it records), and the
        store's next revision."""
        self._execute(
            sql.INSERT_AUDIT, [datetime.now(), user, action, target, region, before, after]
        )
        self._execute(sql.BUMP_REVISION)

    def revision(self) -> int:
        """How many audited writes the store has seen: a version of everything in it."""
        rows = self._execute(sql.SELECT_REVISION).fetchall()  # read to the end: none pending
        return int(rows[0][0]) if rows else 0

    def audit_log(self) -> pd.DataFrame:
        return self._frame(sql.SELECT_AUDIT)

    # -- exchange rates ------------------------------------------------------------------
    def set_exchange_rates(self, rates: Sequence[ExchangeRate], user: str) -> None:
        """Add or replace rates (a user's official rates replace the bundled default),
        audited in the same transaction."""
        with self.transaction():
            self._write_rates(rates)
            sources = sorted({r.source for r in rates})
            self._audit(
                user,
                "exchange_rates",
                f"{len(rates)} rates",
                None,
                None,
                json.dumps(
                    {"periods": sorted({r.period for r in rates}), "sources": sources},
                    ensure_ascii=False,
                ),
            )

    def _write_rates(self, rates: Sequence[ExchangeRate]) -> None:
        import pandas as pd

        staged = pd.DataFrame(
            [(r.period, r.currency, r.cny_per_unit, r.source) for r in rates],
            columns=["period", "currency", "cny_per_unit", "source"],
        )
        with self.transaction():
            self._engine.register("staged_rates", staged)
            try:
                self._execute(sql.DELETE_STAGED_RATES)
                self._execute(sql.INSERT_STAGED_RATES)
            finally:
                self._engine.unregister("staged_rates")

    def count_rates(self) -> int:
        row = self._execute(sql.COUNT_RATES).fetchone()
        return int(row[0]) if row else 0

    def rate_table(self) -> RateTable:
        return self._read_cache.get(self.revision(), ("rates",), self._rate_table)

    def _rate_table(self) -> RateTable:
        return RateTable(
            ExchangeRate(period, currency, rate, source)
            for period, currency, rate, source in self._execute(sql.SELECT_RATES).fetchall()
        )


class _ReadCache:
    """Answers read from a store, each valid while the store's revision (bumped by every
    audited write, whichever process makes it) is the one it was read at; the latest few
    kept."""

    SIZE = 32

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], tuple[int, Any]] = OrderedDict()

    def get(self, revision: int, key: tuple[Any, ...], read: Callable[[], T]) -> T:
        found = self._entries.get(key)
        if found is not None and found[0] == revision:
            self._entries.move_to_end(key)
            return cast(T, found[1])
        value = read()
        self._entries[key] = (revision, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.SIZE:
            self._entries.popitem(last=False)
        return value


class StoreInUseError(Exception):
    """A store holds more than a fresh one would be given: replacing it would lose data."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            gettext(
                "{path} already holds data of its own (loads, users, plans or tasks beyond the "
                "bundled figures); it is left as it is. Give --force to replace it (a backup "
                "is kept), or --db with another file.",
                path=path,
            )
        )
        self.path = path


def make_room(path: Path, replaceable: Collection[str], *, force: bool = False) -> Path | None:
    """Clear the way for a fresh DuckDB store at `path`. A store that holds nothing but loads
    of the `replaceable` files (by SHA-256) is removed; one that holds more, or a file that
    is no store, is kept unless `force`, and then moved aside: the backup's path is
    returned."""
    if not path.exists():
        return None
    import duckdb

    try:
        with Store(path, read_only=True) as existing:
            only_replaceable = existing.holds_only(replaceable)
    except StoreLockedError:
        raise
    except duckdb.Error:
        only_replaceable = False
    companions = [path.with_name(path.name + suffix) for suffix in (".wal",)]
    if only_replaceable:
        for file in (path, *companions):
            file.unlink(missing_ok=True)
        return None
    if not force:
        raise StoreInUseError(path)
    backup = path.with_name(f"{path.name}.{datetime.now():%Y%m%dT%H%M%S}.bak")
    path.rename(backup)
    for file in companions:
        if file.exists():
            file.rename(backup.with_name(backup.name + ".wal"))
    return backup


def _latest_observations(query: ObservationQuery) -> tuple[str, list[Any]]:
    """The statement and parameters of the latest vintage of every matching observation."""
    filters = {
        column: values
        for column, values in (
            ("region", query.regions),
            ("flow", query.flows),
            ("category", query.categories),
            ("partner", query.partners),
            ("mode", query.modes),
            ("measure", query.measures),
            ("basis", query.bases),
        )
        if values
    }
    params: list[Any] = [query.as_of or date.max]
    for values in filters.values():
        params.extend(values)
    if query.period_from is not None:
        params.append(query.period_from.year * 100 + query.period_from.first_month)
    if query.period_to is not None:
        params.append(query.period_to.year * 100 + query.period_to.last_month)
    statement = sql.latest_observations(
        filters, query.period_from is not None, query.period_to is not None
    )
    return statement, params
