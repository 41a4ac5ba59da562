"""`townhall serve` as its own process on a free loopback port, against a test database of its own:
for clients that must speak real HTTP (the GraphQL-over-HTTP audit, a browser)."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"the server exited with {process.returncode}:\n{stderr}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("the server did not become ready")


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """Run `townhall serve [args]` until the block ends; yields its base URL (http://127.0.0.1:port)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def live_server(cli_database: tuple[dict[str, str], MongoClient], tmp_path: Path) -> Iterator[str]:
    """The base URL of a development server (GraphiQL on) on this test's own database."""
    env, _ = cli_database
    with serving(
        {**env, "TOWNHALL_ENV": "development", "TOWNHALL_DATA_DIR": str(tmp_path / "state")}
    ) as base:
        yield base
