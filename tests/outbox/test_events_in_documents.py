"""Events written in the same document write as the change that causes them."""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId

from models.common.db import Database
from models.common.outbox import Event, push_events, with_events
from tests.outbox.factories import MOTIONS, FakeClock, insert_motion, make_event, motion


class TestEvent:
    def test_gets_a_random_hex_id_unless_given_one(self) -> None:
        first, second = Event(kind="motion.tabled"), Event(kind="motion.tabled")
        assert first.id != second.id
        assert len(first.id) == 32
        assert Event(kind="motion.tabled", id="motion-1-tabled").id == "motion-1-tabled"

    def test_refuses_a_naive_time(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            Event(kind="motion.tabled", created_at=dt.datetime(2024, 1, 1))


class TestWithEvents:
    async def test_insert_stores_the_events_and_the_oldest_time(self, db: Database, clock: FakeClock) -> None:
        older = make_event(clock, n=1)
        clock.advance(dt.timedelta(seconds=5))
        newer = make_event(clock, n=2)

        motion_id = await insert_motion(db, [newer, older])

        stored = await motion(db, motion_id)
        assert [event["id"] for event in stored["_outbox"]] == [newer.id, older.id]
        assert stored["_outbox"][1] == {
            "id": older.id,
            "kind": "motion.tabled",
            "payload": {"n": 1},
            "created_at": older.created_at,
        }
        assert stored["_outbox_since"] == older.created_at

    def test_without_events_leaves_the_document_as_it_is(self) -> None:
        assert with_events({"title": "Bike lanes"}, []) == {"title": "Bike lanes"}

    def test_refuses_a_document_that_already_carries_events(self, clock: FakeClock) -> None:
        document = with_events({"title": "Bike lanes"}, [make_event(clock)])
        with pytest.raises(ValueError, match="already"):
            with_events(document, [make_event(clock)])

    def test_refuses_two_events_with_one_id(self, clock: FakeClock) -> None:
        event = make_event(clock)
        with pytest.raises(ValueError, match="distinct ids"):
            with_events({"title": "Bike lanes"}, [event, event])


class TestPushEvents:
    async def test_update_appends_events_to_those_waiting(self, db: Database, clock: FakeClock) -> None:
        first = make_event(clock, n=1)
        motion_id = await insert_motion(db, [first])
        clock.advance(dt.timedelta(seconds=5))
        second = make_event(clock, "motion.amended", n=2)

        await MOTIONS.of(db).update_one(
            {"_id": motion_id}, push_events({"$set": {"title": "Wider bike lanes"}}, [second])
        )

        stored = await motion(db, motion_id)
        assert stored["title"] == "Wider bike lanes"
        assert [event["id"] for event in stored["_outbox"]] == [first.id, second.id]
        assert stored["_outbox_since"] == first.created_at

    async def test_update_of_a_document_without_events_starts_the_marker(
        self, db: Database, clock: FakeClock
    ) -> None:
        motion_id = ObjectId()
        await MOTIONS.of(db).insert_one({"_id": motion_id, "title": "Bike lanes"})
        event = make_event(clock)

        await MOTIONS.of(db).update_one({"_id": motion_id}, push_events({}, [event]))

        stored = await motion(db, motion_id)
        assert [item["id"] for item in stored["_outbox"]] == [event.id]
        assert stored["_outbox_since"] == event.created_at

    def test_combines_with_the_callers_push_and_min(self, clock: FakeClock) -> None:
        event = make_event(clock)
        update = {"$push": {"amendments": "a"}, "$min": {"lowest": 3}}

        merged = push_events(update, [event])

        assert merged["$push"]["amendments"] == "a"
        assert merged["$push"]["_outbox"] == {"$each": [event.to_document()]}
        assert merged["$min"] == {"lowest": 3, "_outbox_since": event.created_at}
        assert update == {"$push": {"amendments": "a"}, "$min": {"lowest": 3}}

    @pytest.mark.parametrize(
        "update",
        [
            {"$set": {"_outbox": []}},
            {"$unset": {"_outbox_since": ""}},
            {"$pull": {"_outbox": {"id": "x"}}},
            {"$set": {"_outbox.0.kind": "x"}},
            {"$rename": {"events": "_outbox"}},
        ],
    )
    def test_refuses_an_update_that_touches_the_events(self, update, clock: FakeClock) -> None:
        with pytest.raises(ValueError, match="already changes"):
            push_events(update, [make_event(clock)])

    def test_refuses_a_replacement_document(self, clock: FakeClock) -> None:
        with pytest.raises(ValueError, match="replacement"):
            push_events({"title": "Bike lanes"}, [make_event(clock)])
