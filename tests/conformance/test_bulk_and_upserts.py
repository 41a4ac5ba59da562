"""Unordered bulk writes report each failed item by index and apply the rest; upserts report what they did."""

from __future__ import annotations

import pytest
from pymongo import ASCENDING, IndexModel, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

from models.common.db import Collection

DUPLICATE_KEY = 11000


def failed_items(error: BulkWriteError) -> list[tuple[int, int]]:
    return [(item["index"], item["code"]) for item in error.details["writeErrors"]]


async def test_unordered_bulk_write_reports_the_duplicate_and_writes_the_rest(
    coll: Collection,
) -> None:
    await coll.create_indexes([IndexModel([("code", ASCENDING)], unique=True)])
    await coll.insert_one({"_id": "a", "code": "water", "n": 0})

    with pytest.raises(BulkWriteError) as caught:
        await coll.bulk_write(
            [
                InsertOne({"_id": "b", "code": "roads"}),
                InsertOne({"_id": "c", "code": "water"}),
                InsertOne({"_id": "d", "code": "parks"}),
                UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            ],
            ordered=False,
        )

    assert failed_items(caught.value) == [(1, DUPLICATE_KEY)]
    assert caught.value.details["nInserted"] == 2
    assert caught.value.details["nModified"] == 1
    docs = await coll.find({}).sort("_id", ASCENDING).to_list()
    assert docs == [
        {"_id": "a", "code": "water", "n": 1},
        {"_id": "b", "code": "roads"},
        {"_id": "d", "code": "parks"},
    ]


async def test_unordered_insert_many_reports_each_duplicate_and_inserts_the_rest(
    coll: Collection,
) -> None:
    await coll.insert_one({"_id": "a"})

    with pytest.raises(BulkWriteError) as caught:
        await coll.insert_many(
            [{"_id": "b"}, {"_id": "a"}, {"_id": "c"}, {"_id": "b"}, {"_id": "d"}],
            ordered=False,
        )

    assert failed_items(caught.value) == [(1, DUPLICATE_KEY), (3, DUPLICATE_KEY)]
    assert caught.value.details["nInserted"] == 3
    assert sorted(doc["_id"] for doc in await coll.find({}).to_list()) == ["a", "b", "c", "d"]


async def test_ordered_insert_many_stops_at_the_first_duplicate(coll: Collection) -> None:
    await coll.insert_one({"_id": "a"})

    with pytest.raises(BulkWriteError) as caught:
        await coll.insert_many([{"_id": "b"}, {"_id": "a"}, {"_id": "c"}])

    assert failed_items(caught.value) == [(1, DUPLICATE_KEY)]
    assert caught.value.details["nInserted"] == 1
    assert sorted(doc["_id"] for doc in await coll.find({}).to_list()) == ["a", "b"]


async def test_bulk_upserts_report_inserted_and_matched_documents(coll: Collection) -> None:
    await coll.insert_one({"_id": "existing", "n": 1})

    result = await coll.bulk_write(
        [
            UpdateOne({"_id": "new"}, {"$setOnInsert": {"kind": "k"}, "$inc": {"n": 1}}, upsert=True),
            UpdateOne({"_id": "existing"}, {"$setOnInsert": {"kind": "k"}, "$inc": {"n": 1}}, upsert=True),
        ],
        ordered=False,
    )

    assert result.upserted_ids == {0: "new"}
    assert (result.matched_count, result.modified_count, result.upserted_count) == (1, 1, 1)
    assert await coll.find({}).sort("_id", ASCENDING).to_list() == [
        {"_id": "existing", "n": 2},
        {"_id": "new", "kind": "k", "n": 1},
    ]


async def test_update_one_upsert_reports_the_new_id_once(coll: Collection) -> None:
    first = await coll.update_one({"_id": "k"}, {"$set": {"v": 1}}, upsert=True)
    second = await coll.update_one({"_id": "k"}, {"$set": {"v": 2}}, upsert=True)

    assert (first.upserted_id, first.matched_count) == ("k", 0)
    assert (second.upserted_id, second.matched_count, second.modified_count) == (None, 1, 1)
    assert await coll.find_one({"_id": "k"}) == {"_id": "k", "v": 2}


async def test_upsert_copies_the_equality_filter_into_the_new_document(coll: Collection) -> None:
    # Get-or-create by natural key: the filter's equality fields become the document's.
    await coll.update_one(
        {"petition_id": "p1", "person_id": "u1"},
        {"$setOnInsert": {"district": "east"}},
        upsert=True,
    )

    doc = await coll.find_one({"petition_id": "p1"}, {"_id": 0})

    assert doc == {"petition_id": "p1", "person_id": "u1", "district": "east"}
