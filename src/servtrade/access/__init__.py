"""Who may change what: users with a role and a scope of regions, identified by a token.

Tokens are random (256 bits) and shown once; the store keeps only their SHA-256, which is
enough for a secret of that strength. A viewer writes nothing; an editor writes figures,
plans and tasks of the regions in its scope and of places inside them (a Guizhou editor
may change Guiyang, never Guangdong); an admin writes everything and manages users.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from servtrade.classification import Classifications
from servtrade.i18n import N_, Listing
from servtrade.i18n.faults import LocalisedError
from servtrade.store import Store

ROLES = ("viewer", "editor", "admin")
# A token stops working this many days after it was issued (`SERVTRADE_TOKEN_DAYS`).
ENV_TOKEN_DAYS = "SERVTRADE_TOKEN_DAYS"
DEFAULT_TOKEN_DAYS = 90
# Letters (any script), digits and . _ @ -, up to 64: a name never hides a space.
USER_NAME = re.compile(r"[\w.@-]{1,64}")


class AccessError(LocalisedError):
    """A user definition that cannot be stored (unknown role or region)."""


class UserExistsError(AccessError):
    """A new user with the name of an existing one, without asking to replace it."""


class WriteRefusedError(Exception):
    """A write the acting person may not make, from whichever interface: a stable code for
    programs and a message (a catalog msgid with its parameters) for people."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params


@dataclass(frozen=True)
class User:
    name: str
    role: str
    regions: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_lifetime() -> timedelta:
    days = os.environ.get(ENV_TOKEN_DAYS, "")
    return timedelta(days=int(days) if days.isdigit() and int(days) > 0 else DEFAULT_TOKEN_DAYS)


def add_user(
    store: Store,
    name: str,
    role: str,
    regions: list[str],
    *,
    replace: bool = False,
    by: str = "servtrade",
) -> str:
    """Create a user and return its token; with `replace`, replace an existing one (its
    old token stops working). A name is used as given, never trimmed or changed."""
    if not USER_NAME.fullmatch(name):
        raise AccessError(
            N_("user name {name!r} must be 1-64 letters, digits or . _ @ - (no spaces)"), name=name
        )
    if not replace and any(n == name for n in store.users()["name"]):
        raise UserExistsError(
            N_("user {name!r} exists; replace it explicitly to change it"), name=name
        )
    if role not in ROLES:
        raise AccessError(N_("role must be one of {roles}"), roles=Listing(ROLES, style="or"))
    classifications = store.classifications()
    codes = []
    for label in regions:
        code = classifications.regions.resolve(label)
        if code is None:
            raise AccessError(N_("unknown region {value!r}"), value=label)
        codes.append(code)
    if role == "editor" and not codes:
        raise AccessError(N_("an editor needs at least one region"))
    token = secrets.token_urlsafe(32)
    store.save_user(name, role, codes, token_digest(token), by)
    return token


def user_for_token(store: Store, token: str) -> User | None:
    """The user a token belongs to, if the token is current (not revoked, not expired)."""
    found = store.user_by_token(token_digest(token), datetime.now() - token_lifetime())
    return None if found is None else User(*found)


def region_ancestry(region: str, classifications: Classifications) -> list[str]:
    """The region and every region it lies in (Guiyang, Guizhou, China)."""
    chain = [region]
    seen = {region}
    while (code := classifications.regions.codes.get(chain[-1])) is not None and code.parent:
        if code.parent in seen:
            break
        chain.append(code.parent)
        seen.add(code.parent)
    return chain


def may_write(user: User, region: str, classifications: Classifications) -> bool:
    if user.is_admin:
        return True
    if user.role != "editor":
        return False
    return any(r in user.regions for r in region_ancestry(region, classifications))


def acting_name(name: str | None) -> str:
    """Who a write is attributed to: the name given, else the OS user."""
    return name or getpass.getuser()


def acting_user(store: Store, name: str | None) -> User:
    """The person a command acts for (`name`, else the OS user). On a store without users
    (one person's own file) that person holds every right, as its admin; once a store has
    users, a write is made by one of them, with their role and regions."""
    name = acting_name(name)
    if store.users().empty:
        return User(name, "admin", ())
    found = store.user_role(name)
    if found is None:
        raise WriteRefusedError(
            "unknown_user", N_("{user} is not a user of this store; name one with --by"), user=name
        )
    role, regions = found
    return User(name, role, regions)


def authorise_writer(user: User) -> None:
    if user.role not in ("editor", "admin"):
        raise WriteRefusedError("forbidden", N_("a viewer cannot change anything"))


def authorise_admin(user: User) -> None:
    if not user.is_admin:
        raise WriteRefusedError("forbidden", N_("only an admin can do this"))


def authorise_region(user: User, region: str, classifications: Classifications) -> None:
    """A write of `region`'s figures, plans or tasks: an admin, or an editor of the region or
    of a region it lies in."""
    authorise_writer(user)
    if not may_write(user, region, classifications):
        raise WriteRefusedError(
            "outside_scope", N_("{user} may not change {region}"), user=user.name, region=region
        )
