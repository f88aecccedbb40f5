"""Sign-in for people: an editor pasted a bearer token into the upload page. Now a person
signs in with a name and password (Argon2id), holds an HttpOnly session cookie, sends the
session's CSRF token with every write, signs out, and is locked out after repeated
failures; roles and regions are those of their user, and the audit log names them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from servtrade.access import add_user
from servtrade.access.signin import LOCKOUT, MAX_FAILURES, SignInError, sign_in
from servtrade.cli import app as cli
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, HEADER

PASSWORD = "correct horse battery"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def people(bundled: Store) -> Store:
    add_user(bundled, "root", "admin", [])
    add_user(bundled, "li", "editor", ["CN-GZ"])
    add_user(bundled, "wang", "viewer", ["CN-GZ"])
    for name in ("li", "wang"):
        answer = CliRunner().invoke(
            cli,
            [
                "users",
                "password",
                name,
                "--password-stdin",
                "--by",
                "root",
                "--db",
                str(bundled.location),
            ],
            input=PASSWORD + "\n",
        )
        assert answer.exit_code == 0, answer.output
    return bundled


def _client(store: Store, base_url: str = "http://testserver") -> Iterator[TestClient]:
    location = store.location
    store.close()
    app = create_app(Settings(db=location, write_rate="1000/minute"))
    with TestClient(app, base_url=base_url) as client:
        yield client


@pytest.fixture
def client(people: Store) -> Iterator[TestClient]:
    yield from _client(people)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> tuple[int, str]:
    form = client.get("/signin")
    found = FORM_TOKEN.search(form.text)
    assert found is not None
    answer = client.post(
        "/signin",
        data={"name": name, "password": password, "form_token": found.group(1), "next": "/upload"},
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("set-cookie", "")


def _upload(client: TestClient, year: int, headers: dict[str, str]) -> int:
    body = f"{HEADER}\nCN-GZ,{year},total,S,{year - 1900},亿元,,{CONSTRUCTED},2026-01-31\n"
    files = {"file": (f"gz-{year}.csv", body.encode(), "text/csv")}
    status: int = client.post("/api/uploads", files=files, headers=headers).status_code
    return status


def test_sign_in_upload_and_sign_out(client: TestClient) -> None:
    status, cookie = _sign_in(client, "li")
    assert status == 303
    assert "servtrade_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP here; see the HTTPS test
    page = client.get("/upload")
    assert "li" in page.text and 'id="token"' not in page.text
    csrf = CSRF.search(page.text)
    assert csrf is not None
    # A write with the cookie but without the session's CSRF token: what another site's
    # form would send.
    assert _upload(client, 2001, {}) == 403
    assert _upload(client, 2001, {"X-CSRF-Token": "guess"}) == 403
    assert _upload(client, 2001, {"X-CSRF-Token": csrf.group(1)}) == 200
    # The editor's regions hold for the person too.
    outside = f"{HEADER}\nCN-GD,2001,total,S,1,亿元,,{CONSTRUCTED},2026-01-31\n"
    refused = client.post(
        "/api/uploads",
        files={"file": ("gd.csv", outside.encode(), "text/csv")},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert refused.status_code == 403
    # Sign-out needs the session's token too, then the cookie no longer works.
    assert client.post("/signout", data={"csrf": "guess"}).status_code == 403
    out = client.post("/signout", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert _upload(client, 2002, {"X-CSRF-Token": csrf.group(1)}) == 401
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    audit = store.audit_log()
    acts = [(u, a) for u, a in zip(audit["user_name"], audit["action"], strict=True)]
    assert ("root", "password") in acts
    assert ("li", "sign_in") in acts and ("li", "upload") in acts and ("li", "sign_out") in acts
    assert ("li", "refused") in acts  # the forged and the out-of-scope writes


def test_a_viewer_signed_in_writes_nothing(client: TestClient) -> None:
    assert _sign_in(client, "wang")[0] == 303
    csrf = CSRF.search(client.get("/upload").text)
    assert csrf is not None
    assert _upload(client, 2001, {"X-CSRF-Token": csrf.group(1)}) == 403


def test_the_sign_in_form_needs_its_own_token(client: TestClient) -> None:
    forged = client.post("/signin", data={"name": "li", "password": PASSWORD, "form_token": "x"})
    assert forged.status_code == 403
    assert "servtrade_session" not in forged.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_name(people: Store) -> None:
    now = datetime(2026, 12, 2, 9, 0)
    for minute in range(MAX_FAILURES):
        with pytest.raises(SignInError) as wrong:
            sign_in(people, "li", "not the password", now + timedelta(minutes=minute))
        assert wrong.value.locked_until is None
    # Locked: even the right password is refused until the window has passed.
    with pytest.raises(SignInError) as locked:
        sign_in(people, "li", PASSWORD, now + timedelta(minutes=5))
    assert locked.value.locked_until == now + timedelta(minutes=MAX_FAILURES - 1) + LOCKOUT
    later = now + timedelta(minutes=MAX_FAILURES - 1) + LOCKOUT + timedelta(seconds=1)
    assert sign_in(people, "li", PASSWORD, later).user.name == "li"
    # An unknown name is refused the same way, and counted.
    with pytest.raises(SignInError, match="wrong name or password"):
        sign_in(people, "nobody", PASSWORD, later)


def test_a_locked_name_is_a_429_page(client: TestClient) -> None:
    for _attempt in range(MAX_FAILURES):
        assert _sign_in(client, "li", "not the password")[0] == 401
    status, cookie = _sign_in(client, "li")
    assert status == 429 and "servtrade_session" not in cookie


def test_over_https_the_session_cookie_is_secure(people: Store) -> None:
    for client in _client(people, "https://testserver"):
        status, cookie = _sign_in(client, "li")
        assert status == 303 and "secure" in cookie.lower()


def test_passwords_are_stored_as_argon2_hashes(people: Store) -> None:
    stored = people.fetchall("SELECT password_hash FROM users WHERE name = 'li'")
    assert stored[0][0].startswith("$argon2id$") and PASSWORD not in stored[0][0]
    short = CliRunner().invoke(
        cli,
        ["users", "password", "li", "--password-stdin", "--by", "li", "--db", str(people.location)],
        input="short\n",
    )
    assert short.exit_code == 2 and "12 to 1024 characters" in short.output
