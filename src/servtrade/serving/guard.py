"""What every request passes before any route reads it: the token, the size of its body,
the security headers of its answer, and a line in the access log.

A route's parameters (a JSON plan, an uploaded file) are read before its dependencies run,
so a check made there comes after the work; here it comes first. A write (any method but
GET, HEAD and OPTIONS) needs a valid token before one byte of its body is read, and a body
longer than its limit is refused as it arrives; on a `--private` server every route but
the static files needs a token too (a bearer header, or the `servtrade_token` cookie for a
browser). A person signed in carries a session cookie instead; a write made with a cookie
must also carry the session's CSRF token (the `X-CSRF-Token` header of the pages' scripts,
or the field of the sign-out form), which no other site can read. A write authenticated by
the token cookie alone is refused: any site's form could send it. A refused write is
written to the audit log.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servtrade.access import User, user_for_token
from servtrade.access.signin import user_for_session
from servtrade.i18n import N_, _
from servtrade.serving.errors import error_body

ACCESS_LOG = logging.getLogger("servtrade.access")
READS = ("GET", "HEAD", "OPTIONS")
TOKEN_COOKIE = "servtrade_token"
SESSION_COOKIE = "servtrade_session"
CSRF_HEADER = b"x-csrf-token"
AUTH_STATE = "servtrade_auth"  # (token, user) in the request's state
CSRF_STATE = "servtrade_csrf"  # the session's CSRF token, for the pages' forms and scripts
# Forms that check their own CSRF field: sign-in has no session yet, sign-out ends one.
FORM_PATHS = ("/signin", "/signout")
# A report takes seconds of CPU (a PDF about 5 s) where a read takes milliseconds: one not
# answered from the cache counts as this many reads against the client's read limit.
REPORT_COST = 60
# A body that is not an upload (a plan, a task change, a user) is small.
MAX_DOCUMENT_BYTES = 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_PATHS = ("/api/uploads", "/api/records/uploads", "/api/opening/")
CONTENT_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_POLICY),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
# ReDoc searches in a web worker it makes from a blob of its own bundled script.
REDOC_HEADERS = [
    (b"content-security-policy", CONTENT_POLICY + b"; worker-src 'self' blob:"),
    *SECURITY_HEADERS[1:],
]


def body_limit(path: str, max_upload_bytes: int) -> int:
    if path.startswith(UPLOAD_PATHS):
        return max_upload_bytes + MULTIPART_OVERHEAD
    return MAX_DOCUMENT_BYTES


def cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _eq, value = part.strip().partition("=")
        if value:
            found.setdefault(name, value)
    return found


def _credentials(headers: dict[bytes, bytes]) -> tuple[str, str] | None:
    """(kind, secret): a bearer header first, then a session cookie, then a token cookie."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _sep, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "bearer", credentials.strip()
    sent = cookies(headers)
    if SESSION_COOKIE in sent:
        return "session", sent[SESSION_COOKIE]
    if TOKEN_COOKIE in sent:
        return "token_cookie", sent[TOKEN_COOKIE]
    return None


def _identified(service: Any, found: tuple[str, str] | None) -> tuple[User | None, str | None]:
    """The user the credentials name, and their session's CSRF token (for a session)."""
    if found is None:
        return None, None
    kind, secret = found
    session = service.store.session()
    try:
        if kind == "session":
            signed_in = user_for_session(session, secret)
            return (None, None) if signed_in is None else signed_in
        return user_for_token(session, secret), None
    finally:
        session.close()


def _authenticated(
    scope: Scope, service: Any, headers: dict[bytes, bytes]
) -> tuple[tuple[str, str] | None, User | None, str | None]:
    """The request's credentials, user and CSRF token, also kept in its state: the routes'
    `current_user` reads them there (one look-up per request)."""
    found = _credentials(headers)
    user, csrf = _identified(service, found)
    if found is not None and found[0] == "session" and user is None:
        found = None  # an ended session: the browser is anonymous again
    state = scope.setdefault("state", {})
    state[AUTH_STATE] = (None if found is None else found[1], user)
    state[CSRF_STATE] = csrf
    return found, user, csrf


def _forged(found: tuple[str, str] | None, csrf: str | None, headers: dict[bytes, bytes]) -> bool:
    """A write made with a cookie that lacks the session's CSRF token (or only a token
    cookie, which has none): what another site's form or script would send."""
    if found is None or found[0] == "bearer":
        return False
    sent = headers.get(CSRF_HEADER, b"").decode("latin-1")
    return found[0] == "token_cookie" or not (csrf and secrets.compare_digest(sent, csrf))


class Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        service = scope["app"].state.service
        method, path = scope["method"], scope["path"]
        headers = dict(scope["headers"])
        status: dict[str, int] = {"code": 0}

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                added = REDOC_HEADERS if path == "/redoc" else SECURITY_HEADERS
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        user: User | None = None
        try:
            writes = method not in READS
            needs_token = (writes and path != "/signin") or (
                not service.settings.public_read and not path.startswith("/static")
            )
            found, user, csrf = _authenticated(scope, service, headers)
            token = None if found is None else found[1]
            if writes and path not in FORM_PATHS and _forged(found, csrf, headers):
                self._refused(service, user, method, path, "csrf")
                await _error(answer, 403, "csrf", _("this form is not from this site's own page"))
                return
            if needs_token and user is None:
                code = "invalid_token" if token is not None else "login_required"
                message = (
                    N_("the token is not valid")
                    if token is not None
                    else N_("this needs a bearer token")
                )
                self._refused(service, None, method, path, code)
                await _error(answer, 401, code, _(message))
                return
            if not writes and not path.startswith("/static"):
                client = user.name if user else (scope.get("client") or ("-",))[0]
                cost = REPORT_COST if path.endswith("/report") else 1
                if not service.limiter.hit(service.read_limit, "read", str(client), cost=cost):
                    await _error(
                        answer,
                        429,
                        "rate_limited",
                        _("too many reads; at most {limit}", limit=service.read_limit),
                    )
                    return
            if writes:
                limit = body_limit(path, service.settings.max_upload_bytes)
                declared = headers.get(b"content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    # Refused before the route runs, in the API's format (Starlette's
                    # limiter would answer a declared length with its own plain text).
                    self._refused(service, user, method, path, "too_large")
                    await _error(answer, 413, "too_large", too_large_message(limit))
                    return
                # A body without a length is counted as it arrives (Starlette's limiter).
                await RequestBodyLimitResponder(self.app, limit)(scope, receive, answer)
            else:
                await self.app(scope, receive, answer)
            if writes and status["code"] in (401, 403, 413):
                self._refused(service, user, method, path, str(status["code"]))
        finally:
            ACCESS_LOG.info(
                "%s %s %s %d %.1fms",
                method,
                path,
                user.name if user else "-",
                status["code"],
                (time.monotonic() - started) * 1000,
            )

    @staticmethod
    def _refused(service: Any, user: User | None, method: str, path: str, reason: str) -> None:
        """A refused write, in the audit log (on a connection of its own, so that it never
        waits for a write under way)."""
        if method in READS:
            return
        session = service.store.session()
        try:
            session.record_audit(
                user.name if user else "anonymous",
                "refused",
                f"{method} {path}",
                None,
                None,
                json.dumps({"reason": reason}),
            )
        finally:
            session.close()


async def too_large_handler(request: Any, error: Exception) -> Any:
    """Starlette's 413 for a body that grew past its limit, in the API's error format."""
    from fastapi.responses import JSONResponse

    limit = body_limit(request.url.path, request.app.state.service.settings.max_upload_bytes)
    return JSONResponse(error_body("too_large", too_large_message(limit)), status_code=413)


def too_large_message(limit: int) -> str:
    return _("the request body is over {limit:,} bytes", limit=limit)


async def _error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
