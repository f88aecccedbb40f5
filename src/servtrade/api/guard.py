"""What every request passes before any route reads it: the token, the size of its body,
the security headers of its answer, and a line in the access log.

A route's parameters (a JSON plan, an uploaded file) are read before its dependencies run,
so a check made there comes after the work; here it comes first. A write (any method but
GET, HEAD and OPTIONS) needs a valid token before one byte of its body is read, and a body
longer than its limit is refused as it arrives; on a `--private` server every route but
the static files needs a token too (a bearer header, or the `servtrade_token` cookie for a
browser). A refused write is written to the audit log.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servtrade.access import User, user_for_token
from servtrade.api.errors import error_body
from servtrade.i18n import N_, _

ACCESS_LOG = logging.getLogger("servtrade.access")
READS = ("GET", "HEAD", "OPTIONS")
TOKEN_COOKIE = "servtrade_token"
AUTH_STATE = "servtrade_auth"  # (token, user) in the request's state
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


def _token(headers: dict[bytes, bytes]) -> str | None:
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _sep, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _eq, value = part.strip().partition("=")
        if name == TOKEN_COOKIE and value:
            return value
    return None


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
            needs_token = writes or (
                not service.settings.public_read and not path.startswith("/static")
            )
            token = _token(headers)
            if token is not None:
                session = service.store.session()
                try:
                    user = user_for_token(session, token)
                finally:
                    session.close()
            # The routes' `current_user` reads this answer: one look-up per request.
            scope.setdefault("state", {})[AUTH_STATE] = (token, user)
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
                if not service.limiter.hit(service.read_limit, "read", str(client)):
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
