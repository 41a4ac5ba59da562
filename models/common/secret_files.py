"""Secrets a development machine makes for itself on first run, created once even by racing processes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create_secret(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret in `path`, made by `make()` and written there (mode 0600) if the file is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600, so the secret is never readable by others, even briefly.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(make())
                file.flush()
                os.fsync(file.fileno())
            # A hard link appears complete and never replaces an existing file: of two processes
            # starting at once exactly one wins, and the other then reads the winner's secret.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_bytes()
