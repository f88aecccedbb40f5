"""A real `servtrade serve` process under every kind of write at once: uploads being
validated while plans, tasks and users are written. Every request answers within a limit,
nothing written is lost, and SIGTERM stops the server at once. Loopback only, bounded in
count and time; on both engines."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from servtrade.access import add_user
from servtrade.serving import upload_base
from servtrade.store import Store, StoreLocation
from tests.api.test_api import _plan_document
from tests.serving import serving, synthetic_upload

# Every request must answer within this many seconds; an upload of the file below takes
# one to three on two cores.
LIMIT = 60.0
# SIGTERM must stop the server within this many seconds, even with writes in flight.
STOP = 20.0


def test_uploads_plans_tasks_and_users_at_once_then_sigterm(
    store_location: StoreLocation,
) -> None:
    with Store(store_location) as store:
        admin = add_user(store, "root", "admin", [])
        editor = add_user(store, "gz", "editor", ["CN-GZ"])
        uploads_dir = upload_base(store)
    big = synthetic_upload(30_000)
    with serving(store_location) as (base, server):
        as_admin = {"Authorization": f"Bearer {admin}"}
        as_editor = {"Authorization": f"Bearer {editor}"}

        def timed(send: Callable[[], httpx.Response]) -> tuple[int, float]:
            start = time.monotonic()
            status = send().status_code
            return status, time.monotonic() - start

        def upload() -> tuple[int, float]:
            files = {"file": ("synthetic.csv", big, "text/csv")}
            return timed(
                lambda: httpx.post(
                    f"{base}/api/uploads", files=files, headers=as_editor, timeout=LIMIT
                )
            )

        def put_plan(k: int) -> tuple[int, float]:
            return timed(
                lambda: httpx.put(
                    f"{base}/api/plans/stress-{k % 3}",
                    content=_plan_document("CN-GZ", f"stress-{k % 3}"),
                    headers=as_editor | {"Content-Type": "application/yaml"},
                    timeout=LIMIT,
                )
            )

        def set_task(k: int) -> tuple[int, float]:
            return timed(
                lambda: httpx.post(
                    f"{base}/api/plans/stress-{k % 3}/tasks/t1",
                    json={"status": "in_progress", "note": f"step {k}"},
                    headers=as_editor,
                    timeout=LIMIT,
                )
            )

        def add_viewer(k: int) -> tuple[int, float]:
            return timed(
                lambda: httpx.post(
                    f"{base}/api/users",
                    json={"name": f"viewer{k}", "role": "viewer", "regions": ["CN-GZ"]},
                    headers=as_admin,
                    timeout=LIMIT,
                )
            )

        def read() -> tuple[int, float]:
            return timed(lambda: httpx.get(f"{base}/api/plans/stress-0", timeout=LIMIT))

        # The plans exist before their tasks are written.
        assert [put_plan(k)[0] for k in range(3)] == [200] * 3
        with ThreadPoolExecutor(max_workers=10) as pool:
            uploading = [pool.submit(upload) for _ in range(2)]
            writes = [
                pool.submit(write, k)
                for k in range(12)
                for write in (put_plan, set_task, add_viewer)
            ]
            reads = [pool.submit(read) for _ in range(6)]
            answers = [f.result() for f in (*uploading, *writes, *reads)]
        assert [status for status, _ in answers] == [200] * len(answers), answers
        assert max(seconds for _, seconds in answers) < LIMIT
        # Writes in flight when SIGTERM arrives do not keep the server from stopping.
        with ThreadPoolExecutor(max_workers=2) as pool:
            late = pool.submit(upload)
            time.sleep(0.3)
            stopping = time.monotonic()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=STOP)
            stopped = time.monotonic() - stopping
            with contextlib.suppress(httpx.HTTPError):  # cut off: all or nothing (below)
                late.result()
        # uvicorn shuts down gracefully, then re-raises the signal it caught (-SIGTERM); the
        # upload directory removed on shutdown (below) shows the shutdown ran.
        assert server.returncode in (0, -signal.SIGTERM), (
            server.stderr.read() if server.stderr else ""
        )
        assert stopped < STOP
    with Store(store_location) as store:
        observations = store.count_observations()
        users = set(store.users()["name"])
        audited = store.fetchall(
            "SELECT action, COUNT(*) FROM audit_log WHERE action <> 'refused' "
            "GROUP BY action ORDER BY action"
        )
    # The same file three times: loaded once, the others answer "already loaded".
    assert observations == 30_000, observations
    assert {f"viewer{k}" for k in range(12)} <= users
    counts = dict(audited)
    assert (counts["plan"], counts["task"], counts["upload"]) == (15, 12, 1), counts
    assert not uploads_dir.exists() or not any(uploads_dir.iterdir())
