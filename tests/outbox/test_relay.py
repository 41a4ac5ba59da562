"""Relaying events from their documents into the outbox: once, whatever crashes or races."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from bson import ObjectId
from pymongo.errors import AutoReconnect

from models.common import outbox
from models.common.db import Database, Document
from models.common.outbox import push_events, relay, relay_or_defer, relay_stale
from tests.outbox.factories import (
    MOTIONS,
    FakeClock,
    insert_motion,
    make_event,
    make_events,
    motion,
    outbox_records,
)


class TestRelay:
    async def test_moves_the_events_into_the_outbox(self, db: Database, clock: FakeClock) -> None:
        events = make_events(clock, 2)
        motion_id = await insert_motion(db, events)

        added = await relay(db, MOTIONS.name, motion_id, now=clock)

        assert added == 2
        records = {record["_id"]: record for record in await outbox_records(db)}
        assert set(records) == {event.id for event in events}
        record = records[events[0].id]
        assert record["kind"] == "motion.tabled"
        assert record["payload"] == {"n": 0}
        assert record["source"] == {"collection": MOTIONS.name, "id": motion_id}
        assert record["created_at"] == events[0].created_at
        assert record["state"] == "pending"
        assert record["available_at"] == clock()
        assert record["attempts"] == 0
        assert record["lease_owner"] is None

    async def test_leaves_the_document_without_events_or_marker(self, db: Database, clock: FakeClock) -> None:
        motion_id = await insert_motion(db, make_events(clock, 2))

        await relay(db, MOTIONS.name, motion_id, now=clock)

        stored = await motion(db, motion_id)
        assert "_outbox" not in stored
        assert "_outbox_since" not in stored
        assert stored["title"] == "Bike lanes"

    async def test_twice_keeps_one_record_per_event(self, db: Database, clock: FakeClock) -> None:
        motion_id = await insert_motion(db, make_events(clock, 3))

        first = await relay(db, MOTIONS.name, motion_id, now=clock)
        second = await relay(db, MOTIONS.name, motion_id, now=clock)

        assert (first, second) == (3, 0)
        assert len(await outbox_records(db)) == 3

    async def test_after_a_crash_between_outbox_and_document_doubles_nothing(
        self, db: Database, clock: FakeClock
    ) -> None:
        events = make_events(clock, 2)
        motion_id = await insert_motion(db, events)
        await relay(db, MOTIONS.name, motion_id, now=clock)
        # The crash: the outbox got the events, the document still carries them.
        await MOTIONS.of(db).update_one({"_id": motion_id}, push_events({}, events))

        added = await relay(db, MOTIONS.name, motion_id, now=clock)

        assert added == 0
        assert len(await outbox_records(db)) == 2
        assert "_outbox" not in await motion(db, motion_id)

    async def test_from_five_tasks_at_once_keeps_one_record_per_event(
        self, db: Database, clock: FakeClock
    ) -> None:
        events = make_events(clock, 4)
        motion_id = await insert_motion(db, events)

        added = await asyncio.gather(*(relay(db, MOTIONS.name, motion_id, now=clock) for _ in range(5)))

        assert sum(added) == 4
        assert sorted(record["_id"] for record in await outbox_records(db)) == sorted(
            event.id for event in events
        )
        assert "_outbox" not in await motion(db, motion_id)

    async def test_racing_with_writes_loses_no_event(self, db: Database, clock: FakeClock) -> None:
        motion_id = await insert_motion(db, [make_event(clock)])
        later = make_events(clock, 10, kind="motion.amended")

        async def amend(event_index: int) -> None:
            event = later[event_index]
            await MOTIONS.of(db).update_one(
                {"_id": motion_id}, push_events({"$inc": {"amendments": 1}}, [event])
            )
            await relay(db, MOTIONS.name, motion_id, now=clock)

        await asyncio.gather(*(amend(index) for index in range(10)))
        await relay(db, MOTIONS.name, motion_id, now=clock)

        assert len(await outbox_records(db)) == 11
        stored = await motion(db, motion_id)
        assert stored["amendments"] == 10
        assert "_outbox" not in stored
        assert "_outbox_since" not in stored

    async def test_of_a_document_without_events_does_nothing(self, db: Database, clock: FakeClock) -> None:
        motion_id = ObjectId()
        await MOTIONS.of(db).insert_one({"_id": motion_id, "title": "Bike lanes"})

        assert await relay(db, MOTIONS.name, motion_id, now=clock) == 0
        assert await relay(db, MOTIONS.name, ObjectId(), now=clock) == 0
        assert await outbox_records(db) == []

    async def test_refuses_a_collection_not_declared_as_carrier(self, db: Database) -> None:
        with pytest.raises(ValueError, match="declare_event_carrier"):
            await relay(db, "outbox_test_undeclared", ObjectId())


class TestRelayOrDefer:
    async def test_relays_like_relay(self, db: Database, clock: FakeClock) -> None:
        motion_id = await insert_motion(db, make_events(clock, 2))

        assert await relay_or_defer(db, MOTIONS.name, motion_id, now=clock) == 2
        assert len(await outbox_records(db)) == 2

    async def test_leaves_the_events_to_the_sweeper_when_the_database_fails(
        self, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        motion_id = await insert_motion(db, make_events(clock, 1))

        async def unreachable(db: Database, records: list[Document]) -> int:
            raise AutoReconnect("connection lost")

        monkeypatch.setattr(outbox, "_insert_once", unreachable)

        assert await relay_or_defer(db, MOTIONS.name, motion_id, now=clock) == 0
        assert len((await motion(db, motion_id))["_outbox"]) == 1


class TestRelayStale:
    async def test_relays_a_document_left_unrelayed_by_a_crash(self, db: Database, clock: FakeClock) -> None:
        events = make_events(clock, 2)
        motion_id = await insert_motion(db, events)
        clock.advance(dt.timedelta(seconds=31))

        relayed = await relay_stale(db, dt.timedelta(seconds=30), now=clock)

        assert relayed == 2
        assert {record["_id"] for record in await outbox_records(db)} == {e.id for e in events}
        assert "_outbox_since" not in await motion(db, motion_id)

    async def test_leaves_documents_younger_than_the_cutoff_alone(
        self, db: Database, clock: FakeClock
    ) -> None:
        motion_id = await insert_motion(db, make_events(clock, 1))
        clock.advance(dt.timedelta(seconds=29))

        relayed = await relay_stale(db, dt.timedelta(seconds=30), now=clock)

        assert relayed == 0
        assert await outbox_records(db) == []
        assert len((await motion(db, motion_id))["_outbox"]) == 1

    async def test_relays_at_most_a_batch_of_documents_oldest_first(
        self, db: Database, clock: FakeClock
    ) -> None:
        oldest = await insert_motion(db, make_events(clock, 1))
        clock.advance(dt.timedelta(seconds=1))
        await insert_motion(db, make_events(clock, 1))
        clock.advance(dt.timedelta(minutes=1))

        relayed = await relay_stale(db, dt.timedelta(seconds=30), batch=1, now=clock)

        assert relayed == 1
        assert [r["source"]["id"] for r in await outbox_records(db)] == [oldest]

    async def test_clears_a_marker_left_without_events(self, db: Database, clock: FakeClock) -> None:
        motion_id = await insert_motion(db, make_events(clock, 1))
        await relay(db, MOTIONS.name, motion_id, now=clock)
        # The crash: events pulled from the document, the marker not yet cleared.
        await MOTIONS.of(db).update_one(
            {"_id": motion_id}, {"$set": {"_outbox": []}, "$min": {"_outbox_since": clock()}}
        )
        clock.advance(dt.timedelta(minutes=1))

        assert await relay_stale(db, dt.timedelta(seconds=30), now=clock) == 0
        stored = await motion(db, motion_id)
        assert "_outbox" not in stored
        assert "_outbox_since" not in stored
