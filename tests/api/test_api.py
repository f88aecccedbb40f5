"""The REST API against the real application and a real DuckDB file holding the bundled
figures: reading, errors in two languages, uploads, plans, tasks, users and the audit log,
and a table of every write × role × region."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from servtrade.access import acting_user, add_user
from servtrade.ingest import IngestOptions, ingest_file
from servtrade.records.uscc import check_character
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, HEADER

GUIZHOU_PLAN = "guizhou-services-digital-trade-2025"
GUIZHOU_ROWS = f"{HEADER}\nCN-GZ,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n"
GUANGDONG_ROWS = f"{HEADER}\nCN-GD,2023,total,SC,10,亿元,,{CONSTRUCTED},2026-01-31\n"
BAD_ROWS = (
    f"{HEADER}\nAtlantis,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n"
    "CN-GZ,2024,total,S,lots,亿元,,,\n"
)


@pytest.fixture
def tokens(bundled: Store) -> dict[str, str]:
    return {
        "admin": add_user(bundled, "root", "admin", []),
        "guizhou": add_user(bundled, "gz-editor", "editor", ["CN-GZ"]),
        "guangdong": add_user(bundled, "gd-editor", "editor", ["广东"]),
        "viewer": add_user(bundled, "reader", "viewer", ["CN-GZ"]),
    }


@pytest.fixture
def client(bundled: Store, tokens: dict[str, str]) -> Iterator[TestClient]:
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path, write_rate="1000/minute"))
    with TestClient(app) as test_client:
        yield test_client
    app.state.service.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_lists_the_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/observations",
        "/api/indicators",
        "/api/plans/{plan_id}/progress",
        "/api/uploads",
    ):
        assert path in document["paths"]


def test_indicators_match_published_figures(client: TestClient) -> None:
    response = client.get(
        "/api/indicators",
        params={"region": "CN", "indicator": "yoy_growth", "from": "2021", "to": "2021"},
    )
    assert response.status_code == 200
    values = {
        (v["derivation"], round(v["value"], 2)) for v in response.json() if v["period"] == "2021"
    }
    assert values == {("published", 16.1), ("computed", 16.08)}  # 52982 / 45642.7 - 1


def test_observations_paginate_and_export_csv(client: TestClient) -> None:
    first = client.get("/api/observations", params={"region": "CN", "page_size": 10}).json()
    second = client.get(
        "/api/observations", params={"region": "CN", "page_size": 10, "page": 2}
    ).json()
    assert first["total"] == second["total"] == 397
    assert len(first["items"]) == len(second["items"]) == 10
    assert first["items"][0] != second["items"][0]
    text = client.get("/api/observations", params={"region": "浙江", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert {r["region"] for r in rows} == {"CN-ZJ"}


def test_progress_and_forecast(client: TestClient) -> None:
    progress = client.get(f"/api/plans/{GUIZHOU_PLAN}/progress").json()
    assert [t["status"] for t in progress["targets"]] == ["not_available"] * 5
    forecast = client.get("/api/forecast", params={"region": "CN", "horizon": 3}).json()
    assert [p["period"] for p in forecast["points"]] == ["2026", "2027", "2028"]
    assert all(p["lo80"] <= p["point"] <= p["hi80"] for p in forecast["points"])
    # The same kept fit, its notes read in each request's language.
    chinese = client.get(
        "/api/forecast", params={"region": "CN", "horizon": 3}, headers={"Accept-Language": "zh-CN"}
    ).json()
    assert "2025 is a nowcast" in forecast["notes"][0]
    assert chinese["notes"][0].startswith("2025 年为临近预测值")
    assert chinese["points"] == forecast["points"]


def test_compare_ranks_places(client: TestClient) -> None:
    ranked = client.get(
        "/api/compare",
        params={"period": "2023", "region": ["CN-BJ", "CN-GD", "CN"], "unit": "USD_100M"},
    ).json()
    assert [r["region"] for r in ranked][:2] == ["CN", "CN-BJ"]
    assert ranked[1]["value"] == 1535


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-CN", "未知地区 Atlantis"), ("en", "unknown region Atlantis")],
)
def test_errors_have_a_code_and_a_message_in_the_language(
    client: TestClient, language: str, message: str
) -> None:
    response = client.get(
        "/api/summary", params={"region": "Atlantis"}, headers={"Accept-Language": language}
    )
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "unknown_region", "message": message}}


def test_faults_of_a_plan_and_a_period_read_in_chinese(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The reasons of a refused plan, period or request body were pydantic's English."""
    zh = _auth(tokens["guizhou"]) | {"Accept-Language": "zh-CN"}
    document = _plan_document("CN-GZ", "test-cn-gz").replace("value: ", "value: lots #", 1)
    plan = client.put(
        "/api/plans/test-cn-gz", content=document, headers=zh | {"Content-Type": "application/yaml"}
    )
    period = client.get("/api/observations", params={"region": "CN", "from": "2024-13"}, headers=zh)
    body = client.post(f"/api/plans/{GUIZHOU_PLAN}/tasks/t1", json={}, headers=zh)
    assert plan.status_code == 422
    assert "规划无效" in plan.json()["error"]["message"]
    assert "请填写数字" in plan.json()["error"]["message"]
    assert period.json()["error"]["message"] == "期间无效：期间 '2024-13' 的月份不在 1—12 之内"
    assert body.status_code == 422
    assert "缺少必填项" in body.json()["error"]["message"]


def test_upload_reports_every_rejected_row_and_stores_nothing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    before = client.get("/api/observations", params={"region": "CN-GZ"}).json()["total"]
    response = client.post(
        "/api/uploads",
        files={"file": ("bad.csv", BAD_ROWS.encode(), "text/csv")},
        headers=_auth(tokens["admin"]),
    )
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "rejected"
    assert {(e["line"], e["column"]) for e in report["errors"]} == {(2, "region"), (3, "value")}
    assert client.get("/api/observations", params={"region": "CN-GZ"}).json()["total"] == before


def test_dry_run_checks_then_upload_loads_and_is_audited(
    client: TestClient, tokens: dict[str, str]
) -> None:
    upload = {"file": ("gz.csv", GUIZHOU_ROWS.encode(), "text/csv")}
    checked = client.post(
        "/api/uploads", params={"dry_run": True}, files=upload, headers=_auth(tokens["guizhou"])
    ).json()
    assert (checked["status"], checked["rows_loaded"], checked["regions"]) == (
        "checked",
        1,
        ["CN-GZ"],
    )
    assert checked["summary"].startswith("checked; nothing loaded yet: rows read 1")
    zh = {**_auth(tokens["guizhou"]), "Accept-Language": "zh-CN"}
    said = client.post("/api/uploads", params={"dry_run": True}, files=upload, headers=zh)
    assert said.json()["summary"].startswith(
        "已校验；尚未载入：读取 1 行"
    )  # the upload page's line
    assert client.get("/api/observations", params={"region": "CN-GZ"}).json()["total"] == 0
    loaded = client.post("/api/uploads", files=upload, headers=_auth(tokens["guizhou"])).json()
    assert loaded["status"] == "loaded"
    assert client.get("/api/observations", params={"region": "CN-GZ"}).json()["total"] == 1
    audit = client.get("/api/audit", headers=_auth(tokens["admin"])).json()
    assert [(a["user_name"], a["action"], a["region"]) for a in audit][-1] == (
        "gz-editor",
        "upload",
        "CN-GZ",
    )


def test_upload_size_limit(bundled: Store, tokens: dict[str, str]) -> None:
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path, max_upload_bytes=100))
    with TestClient(app) as small:
        response = small.post(
            "/api/uploads",
            files={"file": ("gz.csv", GUIZHOU_ROWS.encode() * 5, "text/csv")},
            headers=_auth(tokens["admin"]),
        )
    app.state.service.close()
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_writes_are_rate_limited(bundled: Store, tokens: dict[str, str]) -> None:
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path, write_rate="2/minute"))
    with TestClient(app) as limited:
        codes = [
            limited.post(
                f"/api/plans/{GUIZHOU_PLAN}/tasks/none",
                json={"status": "done"},
                headers=_auth(tokens["guizhou"]),
            ).status_code
            for _ in range(3)
        ]
    app.state.service.close()
    assert codes == [422, 422, 429]


def test_reading_can_require_a_token(bundled: Store, tokens: dict[str, str]) -> None:
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path, public_read=False))
    with TestClient(app) as private:
        assert private.get("/api/plans").status_code == 401
        assert private.get("/api/plans", headers=_auth(tokens["viewer"])).status_code == 200
        assert private.get("/api/plans", headers=_auth("forged")).status_code == 401
    app.state.service.close()


def test_tokens_are_stored_hashed(bundled: Store, tokens: dict[str, str]) -> None:
    stored = bundled.fetchall("SELECT token_sha256 FROM users")
    assert all(token not in {s for (s,) in stored} for token in tokens.values())


def _plan_document(region: str, plan_id: str) -> str:
    return f"""
id: {plan_id}
title: {{en: Test plan}}
region: {region}
issuer: {{en: Constructed for a test}}
issued: "2026"
sources: [{{title: constructed test data - not a real plan}}]
targets:
  - id: total-2030
    description: {{en: constructed target}}
    indicator: value
    comparator: ">="
    value: 1
    unit: CNY_100M
    year: 2030
tasks:
  - id: t1
    aspect: {{en: Opening up}}
    title: {{en: A constructed task}}
"""


def _records_file(region: str, **changed: object) -> bytes:
    """A Parquet file of two constructed records (not statistics) of `region`; `changed`
    alters the second."""
    code = "91520100MA6DK0001"
    record = {
        "record_id": "constructed-1",
        "reporter_id": code + check_character(code),
        "reporter_name": CONSTRUCTED,
        "region": region,
        "period": "2024-03",
        "flow": "export",
        "category": "SI",
        "partner": "US",
        "mode": "1",
        "currency": "CNY",
        "amount": 1000.0,
        "contract_id": None,
        "reported_at": pd.Timestamp("2024-04-30"),
    }
    frame = pd.DataFrame([record, record | {"record_id": "constructed-2"} | changed])
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


def _stored_records(client: TestClient) -> int:
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    ((found,),) = store.fetchall("SELECT COUNT(*) FROM records")
    return int(found)


def test_records_upload_lists_rejected_rows_checks_scope_and_is_audited(
    client: TestClient, tokens: dict[str, str]
) -> None:
    guizhou = _auth(tokens["guizhou"])
    bad = {"file": ("r.parquet", _records_file("CN-GZ", partner="XX"), "application/octet-stream")}
    checked = client.post(
        "/api/records/uploads", params={"dry_run": True}, files=bad, headers=guizhou
    )
    assert checked.status_code == 200
    assert checked.json()["rows_rejected"] == 1
    assert checked.json()["errors"] == [
        {
            "row": 2,
            "line": None,  # a Parquet file has rows, not lines
            "record_id": "constructed-2",
            "column": "partner",
            "value": "XX",
            "reason": "unknown partner",
        }
    ]
    assert _stored_records(client) == 0
    loaded = client.post(
        "/api/records/uploads", files=bad, headers=guizhou | {"Accept-Language": "zh-CN"}
    ).json()
    assert (loaded["status"], loaded["rows_loaded"], loaded["regions"]) == ("loaded", 1, ["CN-GZ"])
    assert loaded["errors"][0]["reason"] == "未知的贸易伙伴"
    assert _stored_records(client) == 1
    other = {"file": ("r.parquet", _records_file("CN-GD"), "application/octet-stream")}
    refused = client.post("/api/records/uploads", files=other, headers=guizhou)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "outside_scope")
    junk = {"file": ("r.parquet", b"not parquet", "application/octet-stream")}
    invalid = client.post("/api/records/uploads", files=junk, headers=guizhou)
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (422, "invalid_records_file")
    assert _stored_records(client) == 1
    audit = client.get("/api/audit", headers=_auth(tokens["admin"])).json()
    writes = [a for a in audit if a["action"] != "refused"]
    assert [(a["user_name"], a["action"], a["region"]) for a in writes][-1] == (
        "gz-editor",
        "records_load",
        "CN-GZ",
    )
    # The refused upload (outside the editor's scope) is audited too.
    refusals = [(a["user_name"], a["target"]) for a in audit if a["action"] == "refused"]
    assert ("gz-editor", "POST /api/records/uploads") in refusals


def _write(client: TestClient, action: str, token: str, region: str) -> int:
    headers = _auth(token)
    plan_id = f"test-{region.lower()}"
    if action == "upload":
        rows = GUIZHOU_ROWS if region == "CN-GZ" else GUANGDONG_ROWS
        response = client.post(
            "/api/uploads", files={"file": ("f.csv", rows.encode(), "text/csv")}, headers=headers
        )
    elif action == "records":
        upload = {"file": ("r.parquet", _records_file(region), "application/octet-stream")}
        response = client.post("/api/records/uploads", files=upload, headers=headers)
    elif action == "plan":
        response = client.put(
            f"/api/plans/{plan_id}",
            content=_plan_document(region, plan_id),
            headers=headers | {"Content-Type": "application/yaml"},
        )
    else:
        response = client.post(
            f"/api/plans/{plan_id}/tasks/t1", json={"status": "done"}, headers=headers
        )
    status: int = response.status_code
    return status


WRITES = ("upload", "records", "plan", "task")
ALLOWED = {
    # (role, region of the data): may write?
    ("admin", "CN-GZ"): True,
    ("admin", "CN-GD"): True,
    ("guizhou", "CN-GZ"): True,
    ("guizhou", "CN-GD"): False,
    ("guangdong", "CN-GZ"): False,
    ("guangdong", "CN-GD"): True,
    ("viewer", "CN-GZ"): False,
    ("viewer", "CN-GD"): False,
    ("anonymous", "CN-GZ"): False,
    ("anonymous", "CN-GD"): False,
}


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize(("who", "region"), sorted(ALLOWED))
def test_every_write_by_role_and_region(
    client: TestClient, tokens: dict[str, str], action: str, who: str, region: str
) -> None:
    if action == "task":  # a plan to change: created by the admin first
        plan_id = f"test-{region.lower()}"
        assert (
            client.put(
                f"/api/plans/{plan_id}",
                content=_plan_document(region, plan_id),
                headers=_auth(tokens["admin"]) | {"Content-Type": "application/yaml"},
            ).status_code
            == 200
        )
    status = _write(client, action, tokens.get(who, ""), region)
    if ALLOWED[(who, region)]:
        assert status == 200, (who, region, action)
    else:
        assert status in (401, 403), (who, region, action, status)


def test_users_are_managed_by_admins_only(client: TestClient, tokens: dict[str, str]) -> None:
    body = {"name": "new", "role": "editor", "regions": ["CN-ZJ"]}
    assert client.post("/api/users", json=body, headers=_auth(tokens["guizhou"])).status_code == 403
    created = client.post("/api/users", json=body, headers=_auth(tokens["admin"])).json()
    assert created["token"]
    assert client.get("/api/audit", headers=_auth(created["token"])).status_code == 403


def test_report_download(client: TestClient) -> None:
    response = client.get(
        f"/api/plans/{GUIZHOU_PLAN}/report", params={"format": "xlsx", "lang": "zh"}
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith(f'{GUIZHOU_PLAN}.zh.xlsx"')


def test_csv_exports_are_formula_safe(
    client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    hostile = f'{HEADER}\nCN-GZ,2023,total,S,90,亿元,,=HYPERLINK("http://x"),2026-01-31\n'
    assert (
        client.post(
            "/api/uploads",
            files={"file": ("h.csv", hostile.encode(), "text/csv")},
            headers=_auth(tokens["admin"]),
        ).json()["status"]
        == "loaded"
    )
    text = client.get("/api/observations", params={"region": "CN-GZ", "format": "csv"}).text
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


def test_cached_answers_are_dropped_by_a_write(client: TestClient, tokens: dict[str, str]) -> None:
    cache = client.app.state.service.cache  # type: ignore[attr-defined]
    url = "/api/observations"
    first = client.get(url, params={"region": "CN-GZ"}).json()
    assert first["total"] == 0
    assert client.get(url, params={"region": "CN-GZ"}).json() == first
    generation = cache.generation
    upload = {"file": ("gz.csv", GUIZHOU_ROWS.encode(), "text/csv")}
    assert (
        client.post("/api/uploads", files=upload, headers=_auth(tokens["admin"])).json()["status"]
        == "loaded"
    )
    assert cache.generation > generation
    assert client.get(url, params={"region": "CN-GZ"}).json()["total"] == 1


@pytest.mark.parametrize("engine", ["postgres"])
def test_a_write_by_another_process_drops_cached_answers(
    client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    """On PostgreSQL other workers and the CLI write too: the cache follows the store's
    revision, not this process's own writes. Before, this answer stayed at 0 until this
    process wrote something itself."""
    url = "/api/observations"
    assert client.get(url, params={"region": "CN-GZ"}).json()["total"] == 0
    assert client.get(url, params={"region": "CN-GZ"}).json()["total"] == 0  # from the cache
    location = client.app.state.service.store.location  # type: ignore[attr-defined]
    with Store(location) as elsewhere:
        path = tmp_path / "gz.csv"
        path.write_text(GUIZHOU_ROWS, encoding="utf-8")
        report = ingest_file(elsewhere, path, IngestOptions(user=acting_user(elsewhere, "root")))
        assert report.status == "loaded", report.errors
    assert client.get(url, params={"region": "CN-GZ"}).json()["total"] == 1


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/forecast?region=CN&unit=XYZ", "unknown_code"),
        ("/api/indicators?region=CN&unit=XYZ", "unknown_code"),
        ("/api/compare?indicator=value&period=2023&unit=XYZ", "unknown_code"),
        ("/api/indicators?region=CN&flow=nowhere", "unknown_code"),
        # a name resolves; 2002 has no rate to convert
        ("/api/indicators?region=CN&unit=亿元", "indicator_error"),
    ],
)
def test_a_bad_unit_is_a_422_with_its_reason_not_a_500(
    client: TestClient, url: str, code: str
) -> None:
    answer = client.get(url)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize("name", ["..", ".", "x/../..", "a" * 300 + ".csv"])
def test_an_upload_name_that_is_no_file_name_is_a_422(
    client: TestClient, tokens: dict[str, str], name: str
) -> None:
    answer = client.post(
        "/api/uploads",
        files={"file": (name, b"region,period\n", "text/csv")},
        headers=_auth(tokens["admin"]),
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_file_name"


def test_indicators_and_plans_are_typed_and_the_cli_gives_the_same(
    client: TestClient, bundled: Store
) -> None:
    """Routes returned untyped dicts (the OpenAPI document described no response) and the
    CLI serialised the same objects with other keys (no `note`; plans with `binding`)."""
    from typer.testing import CliRunner

    from servtrade.cli import app

    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"IndicatorView", "PlanSummary", "HeadlineView", "FigureView"} <= set(schemas)
    ok = document["paths"]["/api/plans"]["get"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"]["items"]["$ref"].endswith("/PlanSummary")
    params = {"region": "CN", "indicator": "yoy_growth", "from": "2021", "to": "2021"}
    api = client.get("/api/indicators", params=params).json()
    runner = CliRunner()
    db = str(bundled.location)
    args = ["indicators", "--region", "CN", "--indicator", "yoy_growth", "--from", "2021"]
    cli = runner.invoke(app, [*args, "--to", "2021", "--db", db, "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == api
    plans = runner.invoke(app, ["plans", "--db", db, "--format", "json"])
    assert json.loads(plans.stdout) == client.get("/api/plans").json()
    summary = runner.invoke(app, ["summary", "--region", "CN", "--db", db, "--format", "json"])
    headline = client.get("/api/summary", params={"region": "CN"}).json()
    assert json.loads(summary.stdout) == headline
    latest = next(row for row in headline if row["period"] == "2024")
    assert latest["total"]["value"] == 75238.0 and latest["total"]["unit"] == "CNY_100M"
    assert latest["growth"]["unit"] == "percent"
