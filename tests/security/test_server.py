"""Findings of a security probe of `servtrade serve`, each reproduced against the real
application over a real DuckDB file: limits before work, ownership of plans, `--private`
on every route, users and tokens, refused writes audited, headers, exports."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route
from typer.testing import CliRunner

from servtrade.access import USER_NAME, add_user
from servtrade.cli import app as cli
from servtrade.ingest import ingest_file
from servtrade.plans import bundled_plan_text
from servtrade.plans.documents import bundled_plan_files
from servtrade.server import Settings, create_app
from servtrade.serving import upload_base
from servtrade.serving.guard import MAX_DOCUMENT_BYTES
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, HEADER, write_csv

NATIONAL = "china-digital-trade-opinions-2024"
GUIZHOU = "zhejiang-services-trade-2025"  # a provincial plan with tasks
runner = CliRunner()


@pytest.fixture
def tokens(bundled: Store) -> dict[str, str]:
    return {
        "admin": add_user(bundled, "root", "admin", []),
        "guizhou": add_user(bundled, "gz-editor", "editor", ["CN-GZ"]),
        "national": add_user(bundled, "cn-editor", "editor", ["CN"]),
        "guangdong": add_user(bundled, "gd-editor", "editor", ["CN-GD"]),
        "viewer": add_user(bundled, "reader", "viewer", ["CN-GZ"]),
    }


def _client(store: Store, **settings: object) -> Iterator[TestClient]:
    path = store.location
    store.close()
    app = create_app(Settings(db=path, write_rate="1000/minute", **settings))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client
    app.state.service.close()


@pytest.fixture
def client(bundled: Store, tokens: dict[str, str]) -> Iterator[TestClient]:
    yield from _client(bundled)


@pytest.fixture
def private(bundled: Store, tokens: dict[str, str]) -> Iterator[TestClient]:
    yield from _client(bundled, public_read=False)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audit(client: TestClient, tokens: dict[str, str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = client.get("/api/audit", headers=_auth(tokens["admin"])).json()
    return found


# -- limits before work -------------------------------------------------------------
def test_a_write_without_a_token_is_refused_before_its_body_is_read(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The probe's 2 GiB upload was written to /tmp before the 401: the body was read
    before the route's token check. Now nothing reaches the route, whose upload folder
    stays empty, and the refusal is audited."""
    service = client.app.state.service  # type: ignore[attr-defined]
    body = {"file": ("big.csv", b"x" * (2 * 1024 * 1024), "text/csv")}
    refused = client.post("/api/uploads", files=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "login_required")
    assert list(service.upload_directory.iterdir()) == []
    bad = client.put(f"/api/plans/{NATIONAL}", content=b"x", headers=_auth("not-a-token"))
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "invalid_token")
    reasons = [(a["user_name"], a["target"]) for a in _audit(client, tokens)]
    assert ("anonymous", "POST /api/uploads") in reasons


def test_an_oversized_body_is_refused_with_413(client: TestClient, tokens: dict[str, str]) -> None:
    """A 600 MiB plan body added 1 GB of memory: a plan body is limited to 1 MiB."""
    huge = b"id: x\n" + b"#" * (MAX_DOCUMENT_BYTES + 1)
    answer = client.put(
        f"/api/plans/{NATIONAL}",
        content=huge,
        headers={**_auth(tokens["admin"]), "Content-Type": "application/yaml"},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "too_large")


def test_a_body_without_a_length_is_cut_off_at_the_limit(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"#" * (MAX_DOCUMENT_BYTES // 10)

    answer = client.put(
        f"/api/plans/{NATIONAL}",
        content=chunks(),
        headers={**_auth(tokens["admin"]), "Content-Type": "application/yaml"},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "too_large")


def _bomb(path: Path, unpacked: int) -> Path:
    """A workbook-shaped zip whose one member unpacks to `unpacked` bytes of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                member.write(block)
    return path


def test_a_decompression_bomb_is_refused_before_it_is_parsed(store: Store, tmp_path: Path) -> None:
    """A 2 MiB .xlsx expanding to 2 GiB added 4 GB of server memory. The zip's directory
    says so before anything is unpacked (here 200 MiB from about 200 KiB)."""
    path = _bomb(tmp_path / "bomb.xlsx", 200 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    report = ingest_file(store, path)
    assert report.status == "rejected"
    (issue,) = report.errors
    assert "would unpack to 209,715,2" in issue.reason
    assert store.count_observations() == 0


# -- ownership of plans --------------------------------------------------------------
def test_bundled_plans_are_named_by_their_id() -> None:
    for path in bundled_plan_files():
        assert f"id: {path.stem}" in path.read_text(encoding="utf-8")


def _retitled(plan_id: str, region: str) -> str:
    text = bundled_plan_text(plan_id)
    assert text is not None
    return re.sub(r"(?m)^region: .*$", f"region: {region}", text)


def test_an_editor_cannot_take_over_another_regions_bundled_plan(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Any editor could replace a national bundled plan by filing it under its own
    region, then change its tasks."""
    headers = {**_auth(tokens["guizhou"]), "Content-Type": "application/yaml"}
    takeover = client.put(
        f"/api/plans/{NATIONAL}", content=_retitled(NATIONAL, "CN-GZ"), headers=headers
    )
    assert (takeover.status_code, takeover.json()["error"]["code"]) == (403, "bundled_plan")
    # Even the national editor changes a bundled plan only through an admin.
    national = {**_auth(tokens["national"]), "Content-Type": "application/yaml"}
    again = client.put(
        f"/api/plans/{NATIONAL}", content=_retitled(NATIONAL, "CN"), headers=national
    )
    assert again.status_code == 403
    assert client.get(f"/api/plans/{NATIONAL}/progress").json()["region"] == "CN"


def test_an_admins_change_to_a_bundled_plan_keeps_its_before(
    client: TestClient, tokens: dict[str, str]
) -> None:
    document = _retitled(NATIONAL, "CN")
    headers = {**_auth(tokens["admin"]), "Content-Type": "application/yaml"}
    assert (
        client.put(f"/api/plans/{NATIONAL}", content=document, headers=headers).status_code == 200
    )
    (entry,) = [a for a in _audit(client, tokens) if a["action"] == "plan"]
    assert entry["before"] == bundled_plan_text(NATIONAL)
    assert entry["after"] == document


def test_a_stored_plan_belongs_to_its_region(client: TestClient, tokens: dict[str, str]) -> None:
    """A plan a Guizhou editor stored is not a Guangdong editor's to replace, even by
    filing it under Guangdong."""
    plan = (bundled_plan_text(GUIZHOU) or "").replace(f"id: {GUIZHOU}", "id: gz-own")
    plan = re.sub(r"(?m)^region: .*$", "region: CN-GZ", plan) + (
        "tasks:\n  - id: open-platform\n    aspect: {zh: 平台, en: Platforms}\n"
        "    title: {zh: 建设平台, en: Build a platform}\n"
    )
    gz = {**_auth(tokens["guizhou"]), "Content-Type": "application/yaml"}
    assert client.put("/api/plans/gz-own", content=plan, headers=gz).status_code == 200
    gd = {**_auth(tokens["guangdong"]), "Content-Type": "application/yaml"}
    moved = re.sub(r"(?m)^region: .*$", "region: CN-GD", plan)
    refused = client.put("/api/plans/gz-own", content=moved, headers=gd)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "outside_scope")
    task = client.post(
        "/api/plans/gz-own/tasks/" + _first_task(plan),
        json={"status": "done"},
        headers=_auth(tokens["guangdong"]),
    )
    assert task.status_code == 403, task.json()


def _first_task(document: str) -> str:
    found = re.search(r"(?m)^  - id: (\S+)", document[document.index("tasks:") :])
    assert found is not None
    return found[1]


# -- --private covers every route ------------------------------------------------------
def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _route_table(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every route with its methods, through the routers included in the application."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _route_table(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Route):
            yield prefix + route.path, set(route.methods or {"GET"})


def test_private_server_answers_no_route_without_a_token(
    private: TestClient, tokens: dict[str, str]
) -> None:
    """Dashboard pages and /charts/*.csv served all data without a token. Every route of
    the application's table is tried, so a new route cannot slip past."""
    tried = 0
    for path, methods in _route_table(private.app.routes):  # type: ignore[attr-defined]
        for method in sorted(methods - {"HEAD"}):
            answer = private.request(method, _concrete(path))
            assert answer.status_code == 401, (method, path, answer.status_code)
            tried += 1
    assert tried > 30
    assert private.get("/static/dashboard.css").status_code == 200
    with_token = private.get("/", headers=_auth(tokens["viewer"]))
    assert with_token.status_code == 200
    browser = private.get("/", cookies={"servtrade_token": tokens["viewer"]})
    assert browser.status_code == 200


# -- users and tokens ----------------------------------------------------------------
def test_a_user_name_with_spaces_is_refused_not_trimmed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """`POST /api/users` with " gz-editor " turned the editor into a viewer and revoked its
    token."""
    admin = _auth(tokens["admin"])
    answer = client.post(
        "/api/users", json={"name": " gz-editor ", "role": "viewer"}, headers=admin
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_user")
    assert not USER_NAME.fullmatch(" gz-editor ")
    assert client.get("/api/audit", headers=_auth(tokens["admin"])).status_code == 200
    # The editor is untouched: its token still writes.
    body = {"file": ("g.csv", f"{HEADER}\nCN-GZ,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n")}
    assert (
        client.post("/api/uploads", files=body, headers=_auth(tokens["guizhou"])).status_code == 200
    )


def test_an_existing_user_is_not_replaced_silently(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = _auth(tokens["admin"])
    same = client.post("/api/users", json={"name": "gz-editor", "role": "viewer"}, headers=admin)
    assert (same.status_code, same.json()["error"]["code"]) == (409, "user_exists")
    replaced = client.post(
        "/api/users",
        json={"name": "gz-editor", "role": "viewer", "replace": True},
        headers=admin,
    )
    assert replaced.status_code == 200
    entry = [a for a in _audit(client, tokens) if a["target"] == "gz-editor"][-1]
    assert (entry["action"], entry["before"], entry["after"]) == ("user", "editor CN-GZ", "viewer")


def test_a_token_is_revoked_on_its_own(client: TestClient, tokens: dict[str, str]) -> None:
    guizhou = _auth(tokens["guizhou"])
    body = {"file": ("g.csv", f"{HEADER}\nCN-GZ,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n")}
    assert client.post("/api/uploads?dry_run=true", files=body, headers=guizhou).status_code == 200
    revoked = client.delete("/api/users/gz-editor/tokens", headers=_auth(tokens["admin"]))
    assert revoked.json() == {"name": "gz-editor", "revoked": True}
    after = client.post("/api/uploads?dry_run=true", files=body, headers=guizhou)
    assert (after.status_code, after.json()["error"]["code"]) == (401, "invalid_token")
    unknown = client.delete("/api/users/nobody/tokens", headers=_auth(tokens["admin"]))
    assert unknown.status_code == 404
    by_editor = client.delete("/api/users/root/tokens", headers=_auth(tokens["national"]))
    assert by_editor.status_code == 403


def test_users_revoke_from_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "u.duckdb"
    with Store(db) as store:
        add_user(store, "admin", "admin", [])
        token = add_user(store, "analyst", "viewer", [])
    result = runner.invoke(cli, ["users", "revoke", "analyst", "--by", "admin", "--db", str(db)])
    assert result.exit_code == 0, result.output
    from servtrade.access import user_for_token

    with Store(db) as store:
        assert user_for_token(store, token) is None
        assert store.audit_log()["action"].tolist() == ["user", "user", "revoke_token"]


def test_a_token_expires(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from servtrade.access import user_for_token

    token = add_user(store, "analyst", "viewer", [])
    assert user_for_token(store, token) is not None
    old = datetime.now() - timedelta(days=91)
    store._execute("UPDATE users SET created_at = ?", [old])
    assert user_for_token(store, token) is None  # 90 days by default
    monkeypatch.setenv("SERVTRADE_TOKEN_DAYS", "365")
    assert user_for_token(store, token) is not None


# -- answers -------------------------------------------------------------------------
def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/summary?region=CN", "/static/dashboard.css", "/api/nothing"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_pages_run_no_inline_script() -> None:
    """The CSP allows only the bundled scripts, so no template may carry one inline."""
    templates = Path(__file__).resolve().parents[2] / "src" / "servtrade" / "web" / "templates"
    for template in templates.glob("*.j2"):
        assert "<script>" not in template.read_text(encoding="utf-8"), template.name


@pytest.mark.parametrize("number", ["-.inf", ".nan"])
def test_an_infinite_target_is_not_a_plan(
    client: TestClient, tokens: dict[str, str], number: str
) -> None:
    """`-inf` targets were accepted and shown as achieved; NaN ones neither."""
    document = re.sub(
        r"(?m)^(\s+value: )[0-9.]+", rf"\g<1>{number}", bundled_plan_text(NATIONAL) or "", count=1
    )
    headers = {**_auth(tokens["admin"]), "Content-Type": "application/yaml"}
    answer = client.put(f"/api/plans/{NATIONAL}", content=document, headers=headers)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_plan")
    assert "finite number" in answer.json()["error"]["message"]


def test_sdmx_export_neutralises_formula_cells(bundled: Store, tmp_path: Path) -> None:
    """`servtrade export` wrote formula-like cells as they were; read back, they are the
    text that was stored."""
    path = write_csv(
        tmp_path / "f.csv",
        'CN-GZ,2024,total,S,96,亿元,,=HYPERLINK("http://x"),2026-01-31',
    )
    assert ingest_file(bundled, path).status == "loaded"
    out = tmp_path / "out.csv"
    db = bundled.location
    bundled.close()
    result = runner.invoke(cli, ["export", "--region", "CN-GZ", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    with Store(tmp_path / "again.duckdb") as again:
        assert ingest_file(again, out).status == "loaded"
        stored = again.connection().execute("SELECT source FROM observations").fetchall()
    assert stored[0][0].startswith('=HYPERLINK("http://x")')


def test_upload_leftovers_are_removed_when_the_server_starts(bundled: Store) -> None:
    """A killed server left its upload directories behind (7-8 after a series of kills):
    a starting server removes those of processes that are gone, keeps a running worker's,
    and removes its own when it stops."""
    base = upload_base(bundled)
    leftover = base / "upload-crashed"
    leftover.mkdir(parents=True)
    (leftover / "data.csv").write_text("uploaded before a crash")
    gone = base / "999999999"
    gone.mkdir()
    running = base / str(os.getppid())
    running.mkdir(exist_ok=True)
    for client in _client(bundled):
        assert client.get("/api/summary?region=CN").status_code == 200
        assert not leftover.exists() and not gone.exists()
        assert running.exists()
        own = base / str(os.getpid())
        assert own.is_dir()
    assert not own.exists()
    shutil.rmtree(base)


def test_the_access_log_has_a_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="servtrade.access"):
        client.get("/api/summary?region=CN&probe=1")
        client.post("/api/uploads", files={"file": ("a.csv", b"x")})
    lines = [r.getMessage() for r in caplog.records if r.name == "servtrade.access"]
    assert any(line.startswith("GET /api/summary - 200") for line in lines), lines
    assert any(line.startswith("POST /api/uploads - 401") for line in lines), lines


def test_reads_past_the_cache_are_rate_limited(bundled: Store) -> None:
    """Bypassing the cache with a junk query parameter dropped the server to 7 requests/s:
    a client's computed reads are limited (answers from the cache are not counted)."""
    for client in _client(bundled, read_rate="5/minute"):
        answers = [client.get(f"/api/summary?region=CN&junk={i}") for i in range(7)]
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
        assert answers[-1].json()["error"]["code"] == "rate_limited"
        assert client.get("/api/summary?region=CN&junk=0").status_code == 200  # cached


def test_a_report_costs_as_many_reads_as_its_work(bundled: Store) -> None:
    """A PDF report cost 5.7 s of CPU and counted as one read: a client could keep every
    core busy with reports. An uncached report counts as REPORT_COST reads."""
    from servtrade.serving.guard import REPORT_COST

    url = "/api/plans/guizhou-services-digital-trade-2025/report?format=html"
    for client in _client(bundled, read_rate=f"{2 * REPORT_COST}/minute"):
        answers = [client.get(f"{url}&junk={i}") for i in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[-1].json()["error"]["code"] == "rate_limited"
        assert client.get(f"{url}&junk=0").status_code == 200  # cached: counted no more


def test_a_plan_is_parsed_once_for_many_requests(
    bundled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One large stored plan made every plan page take minutes: each request re-parsed
    every plan. Parsed plans are kept until their document or the codelists change."""
    import servtrade.plans as plans

    calls: list[str] = []
    from servtrade.plans.documents import parse_plan as original

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[1]))
        return original(*args, **kwargs)

    monkeypatch.setattr(plans, "parse_plan", counted)
    plans._PARSED.clear()
    first = plans.plan_catalog(bundled)
    parsed = len(calls)
    assert parsed == len(first)
    for _ in range(3):
        assert plans.plan_catalog(bundled).keys() == first.keys()
    assert len(calls) == parsed


def test_an_overlong_cell_is_reported_with_its_line_and_column(
    store: Store, tmp_path: Path
) -> None:
    """A cell over ~1 MiB was misreported as malformed CSV."""
    path = tmp_path / "long.csv"
    path.write_text(
        f"{HEADER},note\nCN,2024,total,S,1,亿元,,constructed,2025-01-01,{'x' * 2_000_000}\n",
        encoding="utf-8",
    )
    report = ingest_file(store, path)
    assert report.status == "rejected"
    (issue,) = report.errors
    assert (issue.line, issue.column, issue.reason) == (
        2,
        "note",
        "a cell is over 65,536 characters long",
    )


# -- the OpenAPI document states what the server does ----------------------------------
def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_reads_need_no_token_in_the_document_of_a_public_server(
    bundled: Store, tokens: dict[str, str]
) -> None:
    documents = {}
    for public_read in (True, False):
        for client in _client(bundled, public_read=public_read):
            documents[public_read] = client.get(
                "/openapi.json", headers=_auth(tokens["viewer"])
            ).json()
    for path, method, operation in _operations(documents[True]):
        optional = {} in operation["security"]
        assert optional == (method == "GET" and path != "/api/audit"), (method, path)
        assert {"HTTPBearer": []} in operation["security"]
    assert all({} not in op["security"] for _p, _m, op in _operations(documents[False]))


def test_every_error_status_is_documented_with_the_error_body(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in _operations(document):
        expected = {"401", "422", "429"} | ({"403", "413"} if method != "GET" else set())
        if "{" in path:
            expected.add("404")
        statuses = set(operation["responses"]) - {"200"}
        assert expected <= statuses, (method, path, statuses)
        for status in statuses:
            assert operation["responses"][status]["content"]["application/json"]["schema"] == (
                error
            ), (method, path, status)
    report = document["paths"]["/api/plans/{plan_id}/report"]["get"]["responses"]["200"]
    assert set(report["content"]) == {
        "text/html",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    csv_reads = document["paths"]["/api/indicators"]["get"]["responses"]["200"]["content"]
    assert set(csv_reads) == {"application/json", "text/csv"}


def test_what_no_route_answers_has_the_error_body(
    client: TestClient, tokens: dict[str, str]
) -> None:
    missing = client.get("/api/nothing-here")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    wrong_method = client.patch("/api/plans", headers=_auth(tokens["admin"]))
    assert (wrong_method.status_code, wrong_method.json()["error"]["code"]) == (
        405,
        "method_not_allowed",
    )
    unreadable = client.post(
        "/api/uploads",
        headers=_auth(tokens["admin"]) | {"Content-Type": "multipart/form-data; boundary=x"},
        content=b"--x\r\nnot a part",
    )
    assert (unreadable.status_code, unreadable.json()["error"]["code"]) == (400, "unreadable_body")
    in_chinese = client.get("/api/nothing-here", headers={"Accept-Language": "zh-CN"})
    assert "/api/nothing-here" in in_chinese.json()["error"]["message"]


@pytest.mark.parametrize("name", ["..", ".", "x" * 256])
def test_an_edition_text_with_no_file_name_is_refused(
    client: TestClient, tokens: dict[str, str], name: str
) -> None:
    answer = client.post(
        "/api/opening/editions/national-2024/import",
        headers=_auth(tokens["admin"]),
        files={"file": (name, b"text", "text/plain")},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_file_name")


@pytest.mark.parametrize("as_of", ["7.956982112418918e-89", "20240101", "1e10"])
def test_a_number_is_not_a_date(client: TestClient, as_of: str) -> None:
    # Found by Schemathesis: pydantic alone reads a number as seconds since 1970.
    answer = client.get("/api/observations", params={"as_of": as_of})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
