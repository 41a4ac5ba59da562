"""Relaying the events of many documents at once: once each, in a few commands whatever their number."""

from __future__ import annotations

from bson import ObjectId

from models.common.db import Database
from models.common.outbox import EVENTS_FIELD, SINCE_FIELD, Event, push_events, relay, relay_many
from tests.outbox.factories import MOTIONS, FakeClock, insert_motion, make_event, motion, outbox_records
from tests.support.command_log import CommandLog


class TestRelayMany:
    async def test_moves_every_documents_events_and_clears_them(
        self, db: Database, clock: FakeClock, command_log: CommandLog
    ) -> None:
        ids = [
            await insert_motion(db, [make_event(clock, n=n), make_event(clock, n=n + 100)]) for n in range(30)
        ]
        quiet = await insert_motion(db, [])

        with command_log.count() as used:
            added = await relay_many(db, MOTIONS.name, [*ids, quiet, ObjectId()], now=clock)

        assert added == 60
        assert len(await outbox_records(db)) == 60
        assert used.total == 4  # find, insert, pull, unset — not four per document
        for motion_id in ids:
            stored = await motion(db, motion_id)
            assert EVENTS_FIELD not in stored and SINCE_FIELD not in stored

    async def test_events_already_relayed_are_not_doubled(self, db: Database, clock: FakeClock) -> None:
        event = Event(id="outcome:1", kind="motion.decided", created_at=clock())
        motion_id = await insert_motion(db, [event])
        await relay(db, MOTIONS.name, motion_id, now=clock)
        # A retried command pushes the same deterministic event again.
        await MOTIONS.of(db).update_one({"_id": motion_id}, push_events({"$set": {"decided": True}}, [event]))

        added = await relay_many(db, MOTIONS.name, [motion_id], now=clock)

        assert added == 0
        assert [record["_id"] for record in await outbox_records(db)] == ["outcome:1"]
        assert EVENTS_FIELD not in await motion(db, motion_id)

    async def test_nothing_to_relay_sends_one_command(
        self, db: Database, clock: FakeClock, command_log: CommandLog
    ) -> None:
        motion_id = await insert_motion(db, [])

        with command_log.count() as used:
            assert await relay_many(db, MOTIONS.name, [motion_id], now=clock) == 0
            assert await relay_many(db, MOTIONS.name, [], now=clock) == 0

        assert used.total == 1
