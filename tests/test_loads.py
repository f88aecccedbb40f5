"""A mistaken load can be taken out: one transaction, audited, the store as it was."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from servtrade.access import add_user
from servtrade.cli import app
from servtrade.indicators import IndicatorRequest, preferred_values
from servtrade.ingest import ingest_file
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.conftest import snapshot, write_csv

runner = CliRunner()
FIRST = "CN-GZ,2024,total,S,96,亿元,,constructed test data - not statistics,2025-01-20"
REVISED = "CN-GZ,2024,total,S,99,亿元,,constructed test data - not statistics,2025-06-30"
MISTAKE = "CN-GZ,2023,total,S,8800,亿元,,constructed test data - not statistics,2025-06-30"


def _value(store: Store) -> float:
    values = preferred_values(store, IndicatorRequest(region="CN-GZ"))
    return values["2024"].value


def test_removing_a_load_restores_the_store_and_is_audited(tmp_path: Path) -> None:
    """A revision (99 for 96) with a misprint (8800 for 88): removed, the store's
    observations, loads and quarantine are as before it, byte for byte in their digest, the
    earlier vintage is current again, the file can be loaded once corrected, and the audit
    log names who removed what."""
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest_file(store, write_csv(tmp_path / "first.csv", FIRST))
        before = snapshot(store)
        revised = write_csv(tmp_path / "revised.csv", REVISED, MISTAKE)
        report = ingest_file(store, revised)
        assert report.status == "loaded" and _value(store) == 99
        assert report.load_id is not None
        load_id = report.load_id
    listed = runner.invoke(app, ["loads", "--db", str(db)])
    assert listed.exit_code == 0 and load_id in listed.output
    result = runner.invoke(app, ["loads", "remove", load_id, "--by", "analyst", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"removed load {load_id} ({revised}): 2 observations" in result.output
    with Store(db) as store:
        assert snapshot(store) == before
        assert _value(store) == 96
        audit = store.audit_log()
        # Both loads are audited as they were made, then the removal.
        assert list(audit["action"]) == ["load", "load", "remove_load"]
        entry = list(audit.itertuples(index=False))[-1]
        assert (entry.user_name, entry.action, entry.target, entry.region) == (
            "analyst",
            "remove_load",
            load_id,
            "CN-GZ",
        )
        assert f'"file": "{revised}"' in str(entry.before)
        again = ingest_file(store, write_csv(tmp_path / "revised.csv", REVISED, MISTAKE))
        assert again.status == "loaded"  # not "already loaded": the load is gone


def test_removing_an_unknown_load_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["loads", "remove", "no-such-load", "--db", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "no load no-such-load in the store" in result.output


def test_api_removes_loads_for_admins_only(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        admin = add_user(store, "root", "admin", [])
        editor = add_user(store, "gz-editor", "editor", ["CN-GZ"])
        first = write_csv(tmp_path / "first.csv", FIRST)
        load_id = ingest_file(store, first).load_id
    api = create_app(Settings(db=db, write_rate="1000/minute"))
    with TestClient(api) as client:
        refused = client.delete(
            f"/api/loads/{load_id}", headers={"Authorization": f"Bearer {editor}"}
        )
        assert refused.status_code == 403
        unknown = client.delete("/api/loads/nope", headers={"Authorization": f"Bearer {admin}"})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "unknown_load"
        done = client.delete(f"/api/loads/{load_id}", headers={"Authorization": f"Bearer {admin}"})
        assert done.status_code == 200, done.text
        assert done.json() == {
            "load_id": load_id,
            "file": str(first),
            "rows_removed": 1,
            "regions": ["CN-GZ"],
        }
        audit = client.get("/api/audit", headers={"Authorization": f"Bearer {admin}"}).json()
        assert [
            (a["user_name"], a["action"], a["target"])
            for a in audit
            if a["action"] not in ("user", "refused", "load")  # users, refusals, the loads
        ] == [("root", "remove_load", load_id)]
    api.state.service.close()
