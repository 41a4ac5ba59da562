"""Counts the MongoDB commands a piece of code sends, to prove that a list makes no N+1 queries."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from pymongo import monitoring

_NOT_DATA = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo"})


@dataclass
class CommandCount:
    commands: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.commands)

    def named(self, name: str) -> int:
        return sum(1 for command, _ in self.commands if command == name)


@dataclass
class CommandLog(monitoring.CommandListener):
    """A PyMongo command listener; `count()` records the data commands sent inside its block."""

    _active: list[CommandCount] = field(default_factory=list)

    @contextlib.contextmanager
    def count(self) -> Iterator[CommandCount]:
        counter = CommandCount()
        self._active.append(counter)
        try:
            yield counter
        finally:
            self._active.remove(counter)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _NOT_DATA:
            return
        collection = str(event.command.get(event.command_name, ""))
        for counter in self._active:
            counter.commands.append((event.command_name, collection))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None
