"""Sign-in for people: a password (hashed with Argon2id), a session known by a random cookie,
and a CSRF token per session that every form and page script sends back. After repeated
failures a name is locked for a while, whoever tries it. Scripts keep their bearer tokens;
a signed-in person has the same role and regions as their token would give."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from servtrade.access import USER_NAME, User, token_digest
from servtrade.i18n import N_, gettext
from servtrade.store import Store

# A session ends this many hours after sign-in (`SERVTRADE_SESSION_HOURS`).
ENV_SESSION_HOURS = "SERVTRADE_SESSION_HOURS"
DEFAULT_SESSION_HOURS = 8
# This many failures within the window lock the name until the window has passed since the
# last of them.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # Argon2 works on any length; a limit keeps the work bounded

_hasher = PasswordHasher()


@cache
def _unknown_hash() -> str:
    """Verified against when the name is unknown, so an answer takes as long either way;
    made at the first sign-in, not when a command starts (a hash takes a tenth of a second)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class SignInError(ValueError):
    """A refused sign-in; `locked_until` is set when the name is locked."""

    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True)
class Session:
    cookie: str  # shown to the browser once, as an HttpOnly cookie; stored as a digest
    csrf: str
    user: User
    expires_at: datetime


def session_lifetime() -> timedelta:
    hours = os.environ.get(ENV_SESSION_HOURS, "")
    return timedelta(
        hours=int(hours) if hours.isdigit() and int(hours) > 0 else DEFAULT_SESSION_HOURS
    )


def set_password(store: Store, name: str, password: str, by: str) -> None:
    """Give a user a password (their sessions end); a ValueError says what is wrong."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(
            gettext(
                "a password has {low} to {high} characters (this one has {length})",
                low=MIN_PASSWORD,
                high=MAX_PASSWORD,
                length=len(password),
            )
        )
    if not store.set_password_hash(name, _hasher.hash(password), by):
        raise ValueError(gettext("no user {name}", name=name))


def sign_in(store: Store, name: str, password: str, now: datetime | None = None) -> Session:
    """A new session for `name`, or a SignInError (wrong name or password, or locked)."""
    now = now or datetime.now()
    if not USER_NAME.fullmatch(name):
        raise SignInError(N_("wrong name or password"))
    failures, last = store.sign_in_failures(name, now - LOCKOUT)
    if failures >= MAX_FAILURES and last is not None:
        raise SignInError(N_("too many failed sign-ins; try again later"), last + LOCKOUT)
    stored = store.password_hash(name) if len(password) <= MAX_PASSWORD else None
    try:
        _hasher.verify(stored or _unknown_hash(), password[:MAX_PASSWORD])
        verified = stored is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified:
        store.record_sign_in_failure(name, now)
        raise SignInError(N_("wrong name or password"))
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + session_lifetime()
    store.begin_session(token_digest(cookie), name, csrf, expires_at)
    found = store.session_user(token_digest(cookie), now)
    assert found is not None  # just written
    return Session(cookie, csrf, User(*found[:3]), expires_at)


def user_for_session(store: Store, cookie: str) -> tuple[User, str] | None:
    """The signed-in user of a session cookie and the session's CSRF token, if current."""
    found = store.session_user(token_digest(cookie), datetime.now())
    return None if found is None else (User(*found[:3]), found[3])


def sign_out(store: Store, cookie: str) -> None:
    store.end_session(token_digest(cookie))
