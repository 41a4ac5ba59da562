"""Where the database is: the configured MongoDB, or the embedded one started for this process."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from types import FrameType

from api.embedded_db import (
    EmbeddedDatabase,
    EmbeddedDatabaseError,
    EmbeddedDatabaseInUse,
    running_server_uri,
)
from api.settings import Settings
from models.catalog import ensure_indexes
from models.common.db import Database, connect


class StartupError(RuntimeError):
    """Townhall cannot start; the message says why and what to do."""


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into a normal exit, so `finally` blocks stop the embedded database.
    sys.exit(128 + signum)


@contextlib.contextmanager
def database_server(settings: Settings, *, attach: bool = True) -> Iterator[str]:
    """The MongoDB URI to use while the block runs; starts and stops the embedded server if needed.

    With `attach`, a command finding the embedded server already run by another Townhall process
    uses that one (it stops with its owner, so only short commands should attach).
    """
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    server = EmbeddedDatabase(settings.embedded_data_dir)
    try:
        try:
            uri = server.start()
        except EmbeddedDatabaseInUse as error:
            # Another Townhall (usually `townhall serve`) runs it: share its server, don't own it.
            shared = running_server_uri(settings.embedded_data_dir) if attach else None
            if shared is None:
                raise StartupError(f"Could not start the embedded database: {error}") from error
            uri = shared
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
