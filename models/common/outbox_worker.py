"""Workers that claim outbox events with leases, run their handlers, and record the outcome.

Delivery is at least once: a worker that dies mid-event loses its lease and another worker
runs the event again. Handlers therefore make their side effects idempotent, keyed by the
event id (an upsert or a unique index on it); at-least-once plus idempotent is effectively once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from pymongo import ASCENDING

from models.common import leases
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.outbox import DEAD, DONE, OUTBOX, PENDING, Event, OutboxRecordDocument, relay_stale

log = logging.getLogger("townhall.outbox")

DEFAULT_LEASE = dt.timedelta(seconds=60)
DEFAULT_RETENTION = dt.timedelta(days=14)
DEFAULT_MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(hours=1)
MAX_ERROR_LENGTH = 1_000
# An event's lease is `available_at` itself: when the lease ends, the event is available again.
EVENT_LEASE = leases.LeaseFields(until="available_at")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventSource:
    """The document whose write caused the event."""

    collection: str
    id: Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClaimedEvent(Event):
    """An event leased to one worker until `lease_until`; `attempts` counts this claim too."""

    source: EventSource
    attempts: int
    lease_owner: str
    lease_until: dt.datetime

    @classmethod
    def from_record(cls, record: OutboxRecordDocument) -> ClaimedEvent:
        source = record.get("source")
        owner = record["lease_owner"]
        if owner is None:
            raise ValueError(f"outbox record {record['_id']!r} is not claimed")
        return cls(
            id=record["_id"],
            kind=record["kind"],
            payload=record.get("payload") or {},
            created_at=record["created_at"],
            source=EventSource(
                collection=source["collection"] if source else "", id=source["id"] if source else None
            ),
            attempts=record["attempts"],
            lease_owner=owner,
            lease_until=record["available_at"],
        )


Handler = Callable[[ClaimedEvent, Database], Awaitable[None]]
"""Processes one event; must tolerate running twice for the same `event.id`."""


async def claim_next(
    db: Database,
    owner: str,
    lease: dt.timedelta = DEFAULT_LEASE,
    kinds: Collection[str] | None = None,
    *,
    now: Clock = utcnow,
) -> ClaimedEvent | None:
    """Lease the oldest available event to `owner`, or None when none is available.

    The lease is `available_at` itself: if the owner never completes, the event becomes
    claimable again when the lease ends.
    """
    match: Document = {"state": PENDING}
    if kinds is not None:
        match["kind"] = {"$in": sorted(kinds)}
    record = await leases.claim(
        OUTBOX.of(db),
        owner,
        match=match,
        lease=lease,
        at=now(),
        fields=EVENT_LEASE,
        sort=[("available_at", ASCENDING)],
        also={"$inc": {"attempts": 1}},
    )
    return None if record is None else ClaimedEvent.from_record(record)


async def _record(db: Database, event: ClaimedEvent, changes: Document) -> bool:
    # `attempts` grows with every claim, so it fences off a stale claim even by the same owner.
    return await leases.complete(
        OUTBOX.of(db),
        event.lease_owner,
        match={"_id": event.id, "state": PENDING, "attempts": event.attempts},
        update={"$set": changes},
        fields=EVENT_LEASE,
    )


async def complete(
    db: Database,
    event: ClaimedEvent,
    *,
    retention: dt.timedelta = DEFAULT_RETENTION,
    now: Clock = utcnow,
) -> bool:
    """Mark the event done; False when this claim was superseded (the lease went to another)."""
    done_at = now()
    return await _record(db, event, {"state": DONE, "done_at": done_at, "expire_at": done_at + retention})


def retry_delay(attempts: int, cap: dt.timedelta = MAX_BACKOFF) -> dt.timedelta:
    """Exponential back-off after the given number of attempts: 2 s, 4 s, 8 s, … up to `cap`."""
    return min(dt.timedelta(seconds=2 ** min(max(attempts, 1), 30)), cap)


async def fail(
    db: Database,
    event: ClaimedEvent,
    error: str,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff_cap: dt.timedelta = MAX_BACKOFF,
    now: Clock = utcnow,
) -> bool:
    """Record a failed attempt: retry after a back-off, or "dead" once `max_attempts` are used.

    Returns False when this claim was superseded, so the failure was not recorded.
    """
    failed_at = now()
    changes: Document = {"last_error": str(error)[:MAX_ERROR_LENGTH], "failed_at": failed_at}
    if event.attempts >= max_attempts:
        changes |= {"state": DEAD}
    else:
        changes |= {
            "available_at": failed_at + retry_delay(event.attempts, backoff_cap),
            "lease_owner": None,
        }
    return await _record(db, event, changes)


def default_owner() -> str:
    """A name unique to this worker instance, readable in the outbox records."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclasses.dataclass
class OutboxWorker:
    """Claims events one at a time and runs their handlers; scale out by running more workers.

    `kinds` limits the worker to some kinds; by default it claims every kind, and a kind
    without a handler is retried (a newer deployment may know it) until it is dead.
    """

    db: Database
    handlers: Mapping[str, Handler]
    owner: str = dataclasses.field(default_factory=default_owner)
    kinds: Collection[str] | None = None
    lease: dt.timedelta = DEFAULT_LEASE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_cap: dt.timedelta = MAX_BACKOFF
    retention: dt.timedelta = DEFAULT_RETENTION
    poll_interval: float = 0.2
    sweep_interval: float = 5.0
    stale_after: dt.timedelta = dt.timedelta(seconds=30)
    sweep_batch: int = 100
    now: Clock = utcnow

    @property
    def handler_timeout(self) -> float:
        # A handler still running when its lease ends would run twice; stop it before that.
        return self.lease.total_seconds() * 0.8

    async def run_once(self) -> bool:
        """Claim and process one event; False when none was available."""
        event = await claim_next(self.db, self.owner, self.lease, self.kinds, now=self.now)
        if event is None:
            return False
        await self._process(event)
        return True

    async def drain(self, limit: int | None = None) -> int:
        """Process events until none is available (or `limit` are done); returns how many."""
        processed = 0
        while (limit is None or processed < limit) and await self.run_once():
            processed += 1
        return processed

    async def sweep(self) -> int:
        """Relay events that a crash left in their documents."""
        return await relay_stale(self.db, self.stale_after, self.sweep_batch, now=self.now)

    async def run(self, stop: asyncio.Event) -> None:
        """Process events until `stop` is set, sweeping now and then; errors never end the loop."""
        next_sweep = time.monotonic()
        errors_in_a_row = 0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_interval
                    await self.sweep()
                worked = await self.run_once()
                errors_in_a_row = 0
            except Exception:
                errors_in_a_row += 1
                log.exception("outbox worker %s failed to poll; retrying", self.owner)
                worked = False
            if not worked:
                # Jitter spreads idle workers' polls; repeated errors back off up to 30 s.
                pause = self.poll_interval * min(2**errors_in_a_row, 150)
                await _wait(stop, pause * random.uniform(0.5, 1.5))

    async def _process(self, event: ClaimedEvent) -> None:
        if event.attempts > self.max_attempts:
            # Only a claim that ended without an outcome gets here: a handler that kills the worker.
            await self._fail(event, f"gave up after {self.max_attempts} attempts without an outcome")
            return
        handler = self.handlers.get(event.kind)
        if handler is None:
            log.error("no outbox handler for kind %s (event %s)", event.kind, event.id)
            await self._fail(event, f"no handler for event kind {event.kind!r}")
            return
        try:
            async with asyncio.timeout(self.handler_timeout):
                await handler(event, self.db)
        except Exception as exc:
            log.exception(
                "outbox handler failed for event %s (%s), attempt %d",
                event.id,
                event.kind,
                event.attempts,
                extra={"event_id": event.id, "event_kind": event.kind},
            )
            await self._fail(event, f"{type(exc).__name__}: {exc}".rstrip(": "))
            return
        if not await complete(self.db, event, retention=self.retention, now=self.now):
            log.warning("outbox lease lost for event %s (%s) before completion", event.id, event.kind)

    async def _fail(self, event: ClaimedEvent, error: str) -> None:
        recorded = await fail(
            self.db,
            event,
            error,
            max_attempts=self.max_attempts,
            backoff_cap=self.backoff_cap,
            now=self.now,
        )
        if not recorded:
            log.warning("outbox lease lost for event %s (%s) before failing", event.id, event.kind)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
