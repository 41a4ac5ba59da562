"""Where the database is: the configured MongoDB, or the embedded one started for this process."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from types import FrameType

from api.embedded_db import EmbeddedDatabase, EmbeddedDatabaseError
from api.settings import Settings
from models.common.db import Database, connect, ensure_indexes


class StartupError(RuntimeError):
    """Townhall cannot start; the message says why and what to do."""


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into a normal exit, so `finally` blocks stop the embedded database.
    sys.exit(128 + signum)


@contextlib.contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """The MongoDB URI to use while the block runs; starts and stops the embedded server if needed."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    server = EmbeddedDatabase(settings.embedded_data_dir)
    try:
        try:
            uri = server.start()
        except EmbeddedDatabaseError as error:
            raise StartupError(f"Could not start the embedded database: {error}") from error
        yield uri
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


@contextlib.asynccontextmanager
async def open_database(settings: Settings, uri: str) -> AsyncIterator[Database]:
    """A client for one-shot commands (CLI), with indexes ensured."""
    client = connect(uri)
    try:
        db = client[settings.database_name]
        await ensure_indexes(db)
        yield db
    finally:
        await client.close()
