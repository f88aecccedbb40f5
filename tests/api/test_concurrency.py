"""Writes of every kind at once against a real server: each request answers in time, and
the server stops when asked (as on SIGTERM). Loopback only, bounded in count and time."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from servtrade.access import add_user
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.serving import served, synthetic_upload

# Every request must answer within this many seconds (an upload of the file below takes
# one to three on two cores).
LIMIT = 60.0


def test_an_upload_and_other_writes_at_once_all_answer(tmp_path: Path) -> None:
    """An upload being validated and, meanwhile, user and task writes: before, the upload
    held the store's lock on the event loop, a write waiting for the lock could not hand it
    back (its release runs through the event loop), and the server hung for good."""
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        admin = add_user(store, "root", "admin", [])
    upload = tmp_path / "upload.csv"
    upload.write_bytes(synthetic_upload(40_000))
    app = create_app(Settings(db=db, write_rate="1000/minute", read_rate="100000/minute"))
    headers = {"Authorization": f"Bearer {admin}"}
    with served(app) as (base, server, thread):

        def send_upload() -> tuple[int, float]:
            start = time.monotonic()
            with upload.open("rb") as file:
                answer = httpx.post(
                    f"{base}/api/uploads",
                    files={"file": ("upload.csv", file, "text/csv")},
                    headers=headers,
                    timeout=LIMIT,
                )
            return answer.status_code, time.monotonic() - start

        def add(name: str) -> tuple[int, float]:
            start = time.monotonic()
            answer = httpx.post(
                f"{base}/api/users",
                json={"name": name, "role": "viewer", "regions": ["CN-GZ"]},
                headers=headers,
                timeout=LIMIT,
            )
            return answer.status_code, time.monotonic() - start

        def read() -> tuple[int, float]:
            start = time.monotonic()
            answer = httpx.get(f"{base}/api/regions", timeout=LIMIT)
            return answer.status_code, time.monotonic() - start

        def keep_writing(writer: int) -> list[tuple[int, float]]:
            """Writes one after another while the upload runs (30 at most), so that one
            holds the store's lock when the upload comes to take it."""
            done = []
            for k in range(30):
                done.append(add(f"viewer{writer}-{k}"))
                if uploading.done():
                    break
            return done

        with ThreadPoolExecutor(max_workers=8) as pool:
            uploading = pool.submit(send_upload)
            writers = [pool.submit(keep_writing, w) for w in range(4)]
            reads = [pool.submit(read) for _ in range(3)]
            answers = [uploading.result(), *(a for f in writers for a in f.result())]
            answers += [f.result() for f in reads]
        assert [status for status, _ in answers] == [200] * len(answers), answers
        assert max(seconds for _, seconds in answers) < LIMIT
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "the server did not stop when asked"
    app.state.service.close()
    with Store(db) as store:
        assert store.count_observations() == 40_000
        assert {f"viewer{w}-0" for w in range(4)} <= set(store.users()["name"])
