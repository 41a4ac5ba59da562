"""Test data for the outbox: a carrier collection, a clock the tests move, events and documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database, Document
from models.common.outbox import OUTBOX, Event, declare_event_carrier, relay, with_events

# A carrier of the tests' own, so these tests depend on no domain's documents.
MOTIONS = declare_event_carrier("outbox_test_motions")


class FakeClock:
    """Starts at the real time (TTL indexes expire against it) and moves only when told."""

    def __init__(self) -> None:
        self.current = utcnow()

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


def make_event(clock: FakeClock, kind: str = "motion.tabled", **payload: Any) -> Event:
    return Event(kind=kind, payload=payload, created_at=clock())


def make_events(clock: FakeClock, count: int, kind: str = "motion.tabled") -> list[Event]:
    return [make_event(clock, kind, n=n) for n in range(count)]


async def insert_motion(db: Database, events: Sequence[Event], **fields: Any) -> ObjectId:
    """A motion written with its events and not relayed, as after a crash right after the write."""
    document = MOTIONS.new_document({"_id": ObjectId(), "title": "Bike lanes", **fields})
    await MOTIONS.of(db).insert_one(with_events(document, events))
    return document["_id"]


async def enqueue(db: Database, clock: FakeClock, events: Sequence[Event]) -> ObjectId:
    """A motion written with its events and relayed at once, as a command does."""
    motion_id = await insert_motion(db, events)
    await relay(db, MOTIONS.name, motion_id, now=clock)
    return motion_id


async def motion(db: Database, motion_id: ObjectId) -> Document:
    document = await MOTIONS.of(db).find_one({"_id": motion_id})
    assert document is not None
    return document


async def outbox_records(db: Database) -> list[Document]:
    return [record async for record in OUTBOX.of(db).find().sort("_id", 1)]
