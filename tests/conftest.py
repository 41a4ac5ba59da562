"""Test harness: one database server per run (embedded, or TEST_MONGODB_URI), a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from api.embedded_db import EmbeddedDatabase
from models.catalog import ensure_indexes
from models.common.db import Database, Document, connect
from tests.support.command_log import CommandLog

pytest_plugins = [
    "tests.support.graphql_client",
    "tests.support.firebase_emulator",
    "tests.support.cli",
    "tests.support.live_server",
    "tests.support.fake_fcm_plugin",
]


@pytest.fixture(scope="session")
def command_log() -> CommandLog:
    """Every MongoDB command the test client sends; see CommandLog.count()."""
    return CommandLog()


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    uri = os.environ.get("TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    server = EmbeddedDatabase(Path(tmp_path_factory.mktemp("embedded-db")))
    with server:
        yield server.uri


@pytest.fixture(scope="session")
async def mongo_client(
    mongodb_uri: str, command_log: CommandLog
) -> AsyncIterator[AsyncMongoClient[Document]]:
    client = connect(mongodb_uri, listeners=[command_log])
    yield client
    await client.close()


@pytest.fixture
async def db(mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Database]:
    """A database of this test's own, with every declared index, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    database = mongo_client[name]
    await ensure_indexes(database)
    yield database
    await mongo_client.drop_database(name)
