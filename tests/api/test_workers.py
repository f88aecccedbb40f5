"""`servtrade serve --workers 2` on PostgreSQL, as a department runs it: the CLI works on the
store while the server runs, both workers answer, writes from either are stored once, and
on SIGTERM the server stops and leaves no upload directory behind."""

from __future__ import annotations

import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from servtrade.cli import app as cli
from servtrade.serving import upload_base
from servtrade.store import Store, StoreLocation
from tests.conftest import CONSTRUCTED, HEADER
from tests.serving import serving


def _children(pid: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return {int(line) for line in found.stdout.split()}


@pytest.mark.parametrize("engine", ["postgres"])
def test_two_workers_on_postgres(bundled_location: StoreLocation, tmp_path: Path) -> None:
    with serving(bundled_location, "--workers", "2") as (base, server):
        # The CLI reaches the store while the server holds it (its admin, then a token
        # for an editor).
        for user in (["root", "--role", "admin"], ["gz", "--role", "editor", "--region", "CN-GZ"]):
            added = CliRunner().invoke(
                cli, ["users", "add", *user, "--by", "root", "--db", str(bundled_location)]
            )
            assert added.exit_code == 0, added.output
        token = added.output.strip().splitlines()[-1]
        headers = {"Authorization": f"Bearer {token}"}

        def upload(year: int) -> int:
            body = f"{HEADER}\nCN-GZ,{year},total,S,{year - 1900},亿元,,{CONSTRUCTED},2026-01-31\n"
            answer = httpx.post(
                f"{base}/api/uploads",
                files={"file": (f"gz-{year}.csv", body.encode(), "text/csv")},
                headers=headers,
                timeout=60,
            )
            return answer.status_code

        with ThreadPoolExecutor(8) as pool:
            reads = list(
                pool.map(lambda _: httpx.get(f"{base}/api/regions", timeout=30), range(40))
            )
            writes = list(pool.map(upload, range(2001, 2009)))
        assert {r.status_code for r in reads} == {200}
        assert writes == [200] * 8
        assert len(_children(server.pid)) >= 2
        with Store(bundled_location) as store:
            stored = store.fetchall(
                "SELECT period, COUNT(*) FROM observations WHERE region = 'CN-GZ' "
                "AND source = ? GROUP BY period ORDER BY period",
                [CONSTRUCTED],
            )
            audited = store.fetchall("SELECT COUNT(*) FROM audit_log WHERE action = 'upload'")
            uploads = upload_base(store)
        assert stored == [(str(y), 1) for y in range(2001, 2009)]
        assert audited == [(8,)]
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    assert not uploads.exists() or not any(uploads.iterdir())
