"""The application served by uvicorn on a free loopback port, for tests that need a real
server (a browser, concurrent clients)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from servtrade.store import StoreLocation


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: FastAPI) -> Iterator[tuple[str, uvicorn.Server, threading.Thread]]:
    """(base URL, server, its thread) while the block runs; the server is asked to stop
    after it, as on SIGTERM."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", server, thread
    finally:
        server.should_exit = True
        thread.join(timeout=10)


SERVTRADE = str(Path(sys.executable).with_name("servtrade"))
# Each process of `servtrade serve` imports the application (seconds); on two cores busy
# with other tests (a Spark JVM starting), tens of seconds.
START = 120.0


def _kill_group(server: subprocess.Popen[bytes]) -> None:
    """The server and every worker it started (they share its session): a worker left
    running would hold the store, the port and the stderr pipe."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


@contextmanager
def serving(
    location: StoreLocation, *options: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, process) of a real `servtrade serve` on the store, once it answers; it and
    its workers are killed after the block if still running (a test stops it its own way
    first)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [SERVTRADE, "serve", "--db", str(location), "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/api/regions", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                _kill_group(server)
                stderr = server.stderr.read().decode()[-3000:] if server.stderr else ""
                raise AssertionError(f"server did not start in {START:.0f} s: {stderr}")
            time.sleep(0.2)
        yield base, server
    finally:
        _kill_group(server)


def synthetic_upload(rows: int) -> bytes:
    """A SYNTHETIC file (not statistics) of `rows` distinct monthly figures for Guizhou."""
    categories = ["SA", "SB", "SC", "SD", "SE", "SF", "SG", "SH", "SI", "SJ", "SK", "SL"]
    lines = ["region,period,flow,category,value,unit,source,vintage"]
    for n in range(rows):
        year, rest = divmod(n, 12 * len(categories) * 2)
        month, rest = divmod(rest, len(categories) * 2)
        category, flow = divmod(rest, 2)
        lines.append(
            f"CN-GZ,{1900 + year}-{month + 1:02d},{('export', 'import')[flow]},"
            f"{categories[category]},{1 + n % 97},亿元,synthetic test data - not statistics,"
            "2025-01-20"
        )
    return ("\n".join(lines) + "\n").encode()
