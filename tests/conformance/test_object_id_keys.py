"""Per-person documents keyed by an ObjectId `_id`, and null equality (`read_at: None`).

Townhall relies on the portable tests. The two pinned nx-27017 gaps show why per-person
documents are created with `insert_one` and then updated (not by an upsert), and why unread
notifications are counted by a kept counter rather than `count_documents`.
"""

from __future__ import annotations

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from models.common.db import Collection
from tests.conformance.support import embedded_server_only

PERSON = ObjectId("65f0000000000000000000c3")


async def test_insert_then_update_keeps_an_object_id_key(coll: Collection) -> None:
    first = await coll.update_one({"_id": PERSON}, {"$set": {"daily_cap": 5}})
    await coll.insert_one({"_id": PERSON, "daily_cap": 5})
    second = await coll.update_one({"_id": PERSON}, {"$set": {"daily_cap": 7}})

    found = await coll.find({"_id": {"$in": [PERSON, ObjectId()]}}).to_list()

    assert (first.matched_count, second.matched_count) == (0, 1)
    assert found == [{"_id": PERSON, "daily_cap": 7}]
    assert type(found[0]["_id"]) is ObjectId


async def test_a_second_insert_of_the_key_is_a_duplicate(coll: Collection) -> None:
    await coll.insert_one({"_id": PERSON})

    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"_id": PERSON})


async def test_a_null_equality_matches_a_stored_null_and_a_missing_field(coll: Collection) -> None:
    # The inbox marks read with `read_at: None` in the filter: only unread ones change.
    await coll.insert_many(
        [{"_id": "unread", "read_at": None}, {"_id": "missing"}, {"_id": "read", "read_at": 1}]
    )

    changed = await coll.update_many({"read_at": None}, {"$set": {"read_at": 2}})
    again = await coll.update_one({"_id": "unread", "read_at": None}, {"$set": {"read_at": 3}})

    assert (changed.modified_count, again.modified_count) == (2, 0)
    assert {d["_id"]: d["read_at"] for d in await coll.find({}).to_list()} == {
        "unread": 2,
        "missing": 2,
        "read": 1,
    }


@embedded_server_only
async def test_an_upsert_stores_an_object_id_key_as_its_hex_string(coll: Collection) -> None:
    """nx-27017 gap: an upsert whose filter names an ObjectId `_id` creates the document with
    the hex string as `_id`. Filters by the ObjectId still find it (`_id` equality and `$in`),
    but reads return a str, so results keyed by `_id` miss it. MongoDB stores the ObjectId.

    When this fails, nx-27017 (or a fix in api/embedded_db_process.py) has closed the gap.
    """
    await coll.update_one({"_id": PERSON}, {"$inc": {"unread": 1}}, upsert=True)

    by_id = await coll.find_one({"_id": PERSON})
    by_in = await coll.find({"_id": {"$in": [PERSON]}}).to_list()

    assert by_id == {"_id": str(PERSON), "unread": 1}
    assert [document["_id"] for document in by_in] == [str(PERSON)]


@embedded_server_only
async def test_count_documents_with_a_null_equality_misses_stored_nulls(coll: Collection) -> None:
    """nx-27017 gap (found with the inbox's `read_at: None`): `count_documents({f: None})`
    counts only documents without the field, not those storing null, where `find` with the
    same filter returns both (as MongoDB does for both). Townhall keeps counters, or uses find.
    """
    await coll.insert_many(
        [{"_id": "unread", "read_at": None}, {"_id": "missing"}, {"_id": "read", "read_at": 1}]
    )

    found = await coll.find({"read_at": None}).to_list()
    counted = await coll.count_documents({"read_at": None})
    counted_null = await coll.count_documents({"_id": "unread", "read_at": None})

    assert sorted(document["_id"] for document in found) == ["missing", "unread"]
    assert (counted, counted_null) == (1, 0)
