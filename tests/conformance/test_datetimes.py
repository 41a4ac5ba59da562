"""Datetimes keep their type and instant through every write path Townhall uses, and filter and sort right."""

from __future__ import annotations

import datetime as dt

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne

from models.common.db import Collection
from tests.conformance.support import T0, assert_utc_instant, ms

LATER = T0 + dt.timedelta(days=3, milliseconds=456)
EARLIER = T0 - dt.timedelta(days=3, milliseconds=789)
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


async def test_insert_one_keeps_a_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": T0})

    stored = await coll.find_one({"_id": "a"})

    assert stored is not None
    assert_utc_instant(stored["at"], T0)


async def test_top_level_set_keeps_a_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a"})

    await coll.update_one({"_id": "a"}, {"$set": {"at": T0}})

    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    assert_utc_instant(stored["at"], T0)


async def test_top_level_set_replaces_an_existing_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": EARLIER, "n": 1})

    await coll.update_one({"_id": "a"}, {"$set": {"at": LATER, "n": 2}})

    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    assert stored["n"] == 2
    assert_utc_instant(stored["at"], LATER)


async def test_nested_set_keeps_a_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "stage": {"name": "ACCEPTED"}})

    await coll.update_one({"_id": "a"}, {"$set": {"stage.due_at": T0}})

    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    assert stored["stage"]["name"] == "ACCEPTED"
    assert_utc_instant(stored["stage"]["due_at"], T0)


async def test_set_on_insert_upsert_keeps_a_datetime(coll: Collection) -> None:
    result = await coll.update_one(
        {"_id": "a"}, {"$setOnInsert": {"created_at": T0}, "$inc": {"n": 1}}, upsert=True
    )

    stored = await coll.find_one({"_id": "a"})
    assert result.upserted_id == "a"
    assert stored is not None
    assert stored["n"] == 1
    assert_utc_instant(stored["created_at"], T0)


async def test_set_on_insert_leaves_an_existing_datetime_alone(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "created_at": EARLIER, "n": 1})

    await coll.update_one({"_id": "a"}, {"$setOnInsert": {"created_at": T0}, "$inc": {"n": 1}}, upsert=True)

    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    assert stored["n"] == 2
    assert_utc_instant(stored["created_at"], EARLIER)


async def test_replace_one_keeps_a_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": EARLIER})

    await coll.replace_one({"_id": "a"}, {"at": T0, "kind": "replaced"})

    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    assert stored["kind"] == "replaced"
    assert_utc_instant(stored["at"], T0)


async def test_current_date_stores_the_server_time_as_a_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a"})
    # The server's clock, not ours: allow for skew with a remote server.
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)

    await coll.update_one({"_id": "a"}, {"$currentDate": {"seen_at": True}})

    after = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    stored = await coll.find_one({"_id": "a"})
    assert stored is not None
    seen_at = stored["seen_at"]
    assert type(seen_at) is dt.datetime
    assert seen_at.utcoffset() == dt.timedelta(0)
    assert before <= seen_at <= after
    assert seen_at.microsecond % 1000 == 0


async def test_max_with_dates_keeps_the_later_one(coll: Collection) -> None:
    await coll.insert_many([{"_id": "raise", "last_at": T0}, {"_id": "keep", "last_at": T0}])

    await coll.update_one({"_id": "raise"}, {"$max": {"last_at": LATER}})
    await coll.update_one({"_id": "keep"}, {"$max": {"last_at": EARLIER}})

    raised = await coll.find_one({"_id": "raise"})
    kept = await coll.find_one({"_id": "keep"})
    assert raised is not None
    assert kept is not None
    assert_utc_instant(raised["last_at"], LATER)
    assert_utc_instant(kept["last_at"], T0)


async def test_min_with_dates_keeps_the_earlier_one(coll: Collection) -> None:
    await coll.insert_many([{"_id": "lower", "first_at": T0}, {"_id": "keep", "first_at": T0}])

    await coll.update_one({"_id": "lower"}, {"$min": {"first_at": EARLIER}})
    await coll.update_one({"_id": "keep"}, {"$min": {"first_at": LATER}})

    lowered = await coll.find_one({"_id": "lower"})
    kept = await coll.find_one({"_id": "keep"})
    assert lowered is not None
    assert kept is not None
    assert_utc_instant(lowered["first_at"], EARLIER)
    assert_utc_instant(kept["first_at"], T0)


async def test_find_one_and_update_returns_the_new_datetime(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": EARLIER})

    returned = await coll.find_one_and_update(
        {"_id": "a"}, {"$set": {"at": T0}}, return_document=ReturnDocument.AFTER
    )

    stored = await coll.find_one({"_id": "a"})
    assert returned is not None
    assert stored is not None
    assert_utc_instant(returned["at"], T0)
    assert_utc_instant(stored["at"], T0)


async def test_update_many_sets_a_datetime_on_every_match(coll: Collection) -> None:
    await coll.insert_many([{"_id": i, "state": "OPEN" if i < 3 else "DONE"} for i in range(5)])

    result = await coll.update_many({"state": "OPEN"}, {"$set": {"closed_at": T0}})

    assert result.modified_count == 3
    docs = await coll.find({}).sort("_id", ASCENDING).to_list()
    for doc in docs[:3]:
        assert_utc_instant(doc["closed_at"], T0)
    assert [("closed_at" in doc) for doc in docs[3:]] == [False, False]


async def test_bulk_write_update_one_keeps_a_datetime(coll: Collection) -> None:
    await coll.insert_many([{"_id": "a"}, {"_id": "b"}])

    result = await coll.bulk_write(
        [
            UpdateOne({"_id": "a"}, {"$set": {"at": T0}}),
            UpdateOne({"_id": "b"}, {"$set": {"at": LATER}}),
        ]
    )

    assert result.modified_count == 2
    a = await coll.find_one({"_id": "a"})
    b = await coll.find_one({"_id": "b"})
    assert a is not None
    assert b is not None
    assert_utc_instant(a["at"], T0)
    assert_utc_instant(b["at"], LATER)


async def test_datetimes_are_truncated_to_milliseconds(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": T0 + dt.timedelta(microseconds=987)})

    stored = await coll.find_one({"_id": "a"})

    assert stored is not None
    assert_utc_instant(stored["at"], T0)


async def test_a_datetime_in_another_zone_is_stored_as_the_same_instant(coll: Collection) -> None:
    await coll.insert_one({"_id": "a", "at": T0.astimezone(SHANGHAI)})

    stored = await coll.find_one({"_id": "a"})

    assert stored is not None
    assert_utc_instant(stored["at"], T0)


async def test_a_date_range_filter_returns_exactly_the_documents_inside(coll: Collection) -> None:
    start = T0.replace(microsecond=0)
    offsets = {"before": -1, "at_start": 0, "inside": 5, "last_inside": 9, "at_end": 10}
    await coll.insert_many(
        [{"_id": name, "at": start + dt.timedelta(seconds=s)} for name, s in offsets.items()]
    )

    found = await coll.find({"at": {"$gte": start, "$lt": start + dt.timedelta(seconds=10)}}).to_list()

    assert sorted(doc["_id"] for doc in found) == ["at_start", "inside", "last_inside"]


async def test_date_filters_compare_to_the_millisecond(coll: Collection) -> None:
    offsets = {"-1ms": -1, "at": 0, "+1ms": 1, "+999ms": 999, "+1s": 1000}
    await coll.insert_many([{"_id": name, "at": T0 + ms(n)} for name, n in offsets.items()])

    within_a_second = await coll.find({"at": {"$gte": T0, "$lt": T0 + ms(1000)}}).to_list()
    later = await coll.find({"at": {"$gt": T0}}).to_list()
    same = await coll.find({"at": T0}).to_list()

    assert sorted(doc["_id"] for doc in within_a_second) == sorted(["at", "+1ms", "+999ms"])
    assert sorted(doc["_id"] for doc in later) == sorted(["+1ms", "+999ms", "+1s"])
    assert [doc["_id"] for doc in same] == ["at"]


async def test_keyset_page_on_a_date_key_continues_within_the_same_second(coll: Collection) -> None:
    # Newest first by _id, oldest first by date: the date decides the page, not the id.
    await coll.insert_many([{"_id": f"q{9 - n}", "at": T0 + ms(n * 100)} for n in range(6)])
    # The cursor points at q7 (T0 + 200ms); ties on the date are broken by _id.
    cursor_at, cursor_id = T0 + ms(200), "q7"
    beyond = {"$or": [{"at": {"$gt": cursor_at}}, {"at": cursor_at, "_id": {"$gt": cursor_id}}]}

    page = await coll.find(beyond, sort=[("at", ASCENDING), ("_id", ASCENDING)], limit=2).to_list()

    assert [doc["_id"] for doc in page] == ["q6", "q5"]


async def test_a_date_range_filter_spanning_days_returns_exactly_the_documents_inside(
    coll: Collection,
) -> None:
    days = {"d0": 0, "d1": 1, "d2": 2, "d3": 3, "d4": 4}
    await coll.insert_many([{"_id": name, "at": T0 + dt.timedelta(days=n)} for name, n in days.items()])

    found = await coll.find(
        {"at": {"$gte": T0 + dt.timedelta(days=1), "$lt": T0 + dt.timedelta(days=3)}}
    ).to_list()

    assert sorted(doc["_id"] for doc in found) == ["d1", "d2"]


async def test_sort_by_a_date_field_orders_by_instant(coll: Collection) -> None:
    # Includes instants one millisecond apart: sorting keeps millisecond order.
    instants = {"c": T0 + ms(1), "a": T0 - dt.timedelta(days=1), "d": T0 + ms(999), "b": T0}
    await coll.insert_many([{"_id": name, "at": at} for name, at in instants.items()])

    ascending = await coll.find({}).sort("at", ASCENDING).to_list()
    descending = await coll.find({}).sort("at", DESCENDING).to_list()

    assert [doc["_id"] for doc in ascending] == ["a", "b", "c", "d"]
    assert [doc["_id"] for doc in descending] == ["d", "c", "b", "a"]
