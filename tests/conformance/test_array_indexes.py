"""Array fields under a compound multikey index: "which items share one of these keys?" as the near-duplicate
lookup (models/moderation/similarity.py) asks it, scoped by an equality the index leads with."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import Collection

SCOPE, OTHER_SCOPE = ObjectId("65f000000000000000000001"), ObjectId("65f000000000000000000002")
KEYED = IndexModel([("scope_id", ASCENDING), ("keys", ASCENDING)], name="scoped_keys")


async def insert_items(coll: Collection) -> None:
    await coll.insert_many(
        [
            {"_id": "both", "scope_id": SCOPE, "keys": ["0:aa", "1:bb"], "text": "x", "big": "y" * 100},
            {"_id": "second", "scope_id": SCOPE, "keys": ["0:cc", "1:bb"], "text": "x"},
            {"_id": "none", "scope_id": SCOPE, "keys": ["0:dd", "1:ee"], "text": "x"},
            {"_id": "empty", "scope_id": SCOPE, "keys": [], "text": "x"},
            {"_id": "missing", "scope_id": SCOPE, "text": "x"},
            {"_id": "elsewhere", "scope_id": OTHER_SCOPE, "keys": ["0:aa", "1:bb"], "text": "x"},
        ]
    )


async def test_in_matches_arrays_holding_any_value_within_the_scope(coll: Collection) -> None:
    await coll.create_indexes([KEYED])
    await insert_items(coll)

    found = await coll.find({"scope_id": SCOPE, "keys": {"$in": ["0:aa", "1:bb", "9:zz"]}}).to_list()

    assert sorted(doc["_id"] for doc in found) == ["both", "second"]


async def test_in_on_an_array_with_limit_projection_and_exclusion(coll: Collection) -> None:
    # A bounded candidate read: whole top-level fields projected, the probe itself left out.
    await coll.create_indexes([KEYED])
    await insert_items(coll)

    found = await coll.find(
        {"scope_id": SCOPE, "keys": {"$in": ["1:bb"]}, "_id": {"$ne": "both"}}, {"text": 1}, limit=5
    ).to_list()

    assert found == [{"_id": "second", "text": "x"}]


async def test_writes_keep_working_under_the_multikey_index(coll: Collection) -> None:
    # Created before and after documents exist, and arrays replaced by `$set` stay searchable.
    await insert_items(coll)
    await coll.create_indexes([KEYED])
    await coll.update_one({"_id": "none"}, {"$set": {"keys": ["0:aa"]}})
    await coll.update_one({"_id": "both"}, {"$set": {"keys": []}})

    found = await coll.find({"scope_id": SCOPE, "keys": {"$in": ["0:aa"]}}).to_list()
    # Listed by fields: nx-27017 lists its own names (see test_known_gaps.py).
    listed = [tuple(field for field, _ in info["key"]) for info in (await coll.index_information()).values()]

    assert [doc["_id"] for doc in found] == ["none"]
    assert ("scope_id", "keys") in listed
