"""Running the `townhall` command line against a test database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_database(mongodb_uri: str) -> Iterator[tuple[dict[str, str], MongoClient]]:
    """An environment pointing the CLI at a database of this test's own."""
    name = f"test_cli_{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "MONGODB_URI": mongodb_uri, "TOWNHALL_DB_NAME": name}
    client: MongoClient = MongoClient(mongodb_uri)
    yield env, client[name]
    client.drop_database(name)
    client.close()


def townhall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
