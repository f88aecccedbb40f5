"""What the REST API and the dashboard share to serve one store over HTTP: the settings,
the service that holds the store, a session per request, the signed-in user and the roles
a route needs, the response cache, the language of each request, error bodies and the
guard (limits, sign-in, CSRF).

Each reading request has its own connection to the open DuckDB database, so reads run
side by side; writes go one at a time through the main connection, behind a lock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servtrade.access import User
from servtrade.i18n import N_, set_language
from servtrade.serving.errors import ApiError, request_language
from servtrade.serving.guard import (
    AUTH_STATE,
    SESSION_COOKIE,
    TOKEN_COOKIE,
)
from servtrade.spreadsheet import csv_safe
from servtrade.store import Store, StoreLocation

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


@dataclass
class Settings:
    db: StoreLocation
    public_read: bool = True
    write_rate: str = "30/minute"
    # Reads computed (not answered from the cache) per client: a junk query parameter no
    # longer lets one client take the server's whole capacity.
    read_rate: str = "600/minute"
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    cache_entries: int = 256  # 0 turns the response cache off


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Answers to public GET requests, kept until the next write changes the store.

    Every write bumps the generation, which is part of each key, and empties the cache: an
    answer computed while a write was under way is stored under the old generation and never
    served. The most recently used `entries` answers are kept.

    A store other processes write too (PostgreSQL: other workers, the CLI) gives its own
    `revision` instead, read for each request: an answer is kept under the revision read
    before it was computed, so a write committed meanwhile only makes it unused."""

    def __init__(self, entries: int, revision: Callable[[], int] | None = None) -> None:
        self.entries = entries
        self.generation = 0
        self.revision = revision
        self._answers: OrderedDict[tuple[object, ...], CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, request: Request, language: str) -> tuple[object, ...] | None:
        if (
            self.entries == 0
            or request.method != "GET"
            or "authorization" in request.headers
            or SESSION_COOKIE in request.cookies  # pages name the person signed in
            or TOKEN_COOKIE in request.cookies
            or "lang" in request.query_params  # the answer sets the language cookie
            or request.url.path.startswith(("/api/audit", "/docs", "/static"))
        ):
            return None
        query = tuple(sorted(request.query_params.multi_items()))
        version = self.generation if self.revision is None else self.revision()
        return (version, request.url.path, query, language, date.today())

    def get(self, key: tuple[object, ...]) -> CachedResponse | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], answer: CachedResponse) -> None:
        with self._lock:
            if self.revision is None and key[0] != self.generation:
                return
            self._answers[key] = answer
            while len(self._answers) > self.entries:
                self._answers.popitem(last=False)

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._answers.clear()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def upload_base(store: Store) -> Path:
    """Where the server processes of a store write uploads while they check and load them:
    beside a DuckDB file, or in the user cache for a PostgreSQL store."""
    if store.path is not None:
        return store.path.with_name(store.path.name + ".uploads")
    digest = hashlib.sha256(store.location.encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("servtrade")) / "uploads" / digest


def upload_directory(store: Store) -> Path:
    """This process's own directory under `upload_base`. What a killed process left behind
    (uploaded data included) is removed here, at start, without touching the directories
    of workers still running."""
    base = upload_base(store)
    base.mkdir(parents=True, exist_ok=True)
    for entry in base.iterdir():
        if not (entry.name.isdigit() and _alive(int(entry.name))) or int(entry.name) == os.getpid():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    own = base / str(os.getpid())
    own.mkdir()
    return own


class Service:
    """What the routes share: the store behind its lock, settings, the write limiter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db)
        self.lock = threading.Lock()
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        # Reports are made one at a time per process, so that clients asking for many at
        # once cannot take every core from the reads.
        self.reports = threading.BoundedSemaphore(1)
        self.write_limit: RateLimitItem = parse(settings.write_rate)
        self.read_limit: RateLimitItem = parse(settings.read_rate)
        entries = settings.cache_entries if settings.public_read else 0
        self._revision_reader: Store | None = None
        if self.store.url is not None and entries:
            self._revision_reader = self.store.session()
        self._revision_lock = threading.Lock()
        self.cache = ResponseCache(
            entries, None if self._revision_reader is None else self._store_revision
        )
        self.upload_directory = upload_directory(self.store)

    def _store_revision(self) -> int:
        assert self._revision_reader is not None
        with self._revision_lock:
            return self._revision_reader.revision()

    def close(self) -> None:
        if self._revision_reader is not None:
            self._revision_reader.close()
        self.store.close()
        shutil.rmtree(self.upload_directory, ignore_errors=True)


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def store_session(svc: Annotated[Service, Depends(service)]) -> Iterator[Store]:
    """A connection of this request's own: reads run side by side."""
    session = svc.store.session()
    try:
        yield session
    finally:
        session.close()


def write_session(svc: Annotated[Service, Depends(service)]) -> Iterator[Store]:
    """The store, held by this request alone until it has answered: writes one at a time."""
    with svc.lock:
        try:
            yield svc.store
        finally:
            svc.cache.invalidate()


bearer = HTTPBearer(auto_error=False)


def current_user(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    """The user whose token the request carries, as the guard found it (the bearer
    dependency documents the scheme)."""
    found: tuple[str | None, User | None] = getattr(request.state, AUTH_STATE)
    token, user = found
    if token is None:
        return None
    if user is None:
        raise ApiError(401, "invalid_token", N_("the token is not valid"))
    return user


def reader(
    svc: Annotated[Service, Depends(service)],
    user: Annotated[User | None, Depends(current_user)],
) -> User | None:
    if user is None and not svc.settings.public_read:
        raise ApiError(401, "login_required", N_("reading needs a token on this server"))
    return user


def writer(
    svc: Annotated[Service, Depends(service)],
    user: Annotated[User | None, Depends(current_user)],
) -> User:
    """A user allowed to write at all, within the write rate limit."""
    if user is None:
        raise ApiError(401, "login_required", N_("writing needs a bearer token"))
    if user.role == "viewer":
        raise ApiError(403, "forbidden", N_("a viewer cannot change anything"))
    if not svc.limiter.hit(svc.write_limit, "write", user.name):
        raise ApiError(
            429, "rate_limited", N_("too many writes; at most {limit}"), limit=svc.write_limit
        )
    return user


def admin(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise ApiError(401, "login_required", N_("this needs an admin's bearer token"))
    if not user.is_admin:
        raise ApiError(403, "forbidden", N_("only an admin can do this"))
    return user


class LanguageAndCache:
    """Sets each request's language where it starts (every thread serving it inherits it)
    and answers public GET requests from the response cache. Plain ASGI, so a cached answer
    costs no routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        language = set_language(request_language(request))
        cache: ResponseCache = scope["app"].state.service.cache
        key = cache.key(request, language)
        if key is None:
            await self.app(scope, receive, send)
            return
        hit = cache.get(key)
        if hit is not None:
            await send(
                {"type": "http.response.start", "status": hit.status, "headers": hit.headers}
            )
            await send({"type": "http.response.body", "body": hit.body})
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        headers = started.get("headers", [])
        if started.get("status") == 200 and not any(n == b"set-cookie" for n, _v in headers):
            cache.put(key, CachedResponse(200, list(started["headers"]), b"".join(chunks)))


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    buffer = io.StringIO()
    if rows:
        writer_ = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer_.writeheader()
        writer_.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def region_code(store: Store, label: str) -> str:
    """A region's code (an unknown one is a 404, see `unknown_code_handler`)."""
    return store.classifications().code("region", label)


def code_of(store: Store, kind: str, label: str) -> str:
    return store.classifications().code(kind, label)
