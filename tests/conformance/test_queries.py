"""The query shapes repositories use: batched `$in` loads, ObjectId references, null matching,
projections and keyset paging."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from models.common.db import Collection

# Increasing ObjectIds, made once so their order is known.
IDS = [ObjectId(f"65f000000000000000000{n:03d}") for n in range(8)]

WATER, ROADS = IDS[6], IDS[7]


async def insert_complaints(coll: Collection) -> None:
    """Complaints referencing departments by ObjectId, as parent_id and department_id do."""
    await coll.insert_many(
        [
            {"_id": "c1", "department_id": WATER, "n": 1},
            {"_id": "c2", "department_id": ROADS, "n": 2},
            {"_id": "c3", "department_id": WATER, "n": 3},
        ]
    )


async def test_in_on_object_ids_loads_exactly_those_documents(coll: Collection) -> None:
    # DataLoaders batch by `_id`: one `$in` query per request.
    await coll.insert_many([{"_id": oid, "n": n} for n, oid in enumerate(IDS)])

    found = await coll.find({"_id": {"$in": [IDS[5], IDS[1], IDS[3]]}}).to_list()

    assert sorted(doc["n"] for doc in found) == [1, 3, 5]


async def test_in_on_an_object_id_field_loads_exactly_those_documents(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"c{n}", "department_id": IDS[n % 3]} for n in range(6)])

    found = await coll.find({"department_id": {"$in": [IDS[0], IDS[2]]}}).to_list()

    assert sorted(doc["_id"] for doc in found) == ["c0", "c2", "c3", "c5"]


async def test_find_one_by_object_id_returns_the_document(coll: Collection) -> None:
    await coll.insert_many([{"_id": oid, "n": n} for n, oid in enumerate(IDS[:3])])

    doc = await coll.find_one({"_id": IDS[1]})

    assert doc == {"_id": IDS[1], "n": 1}


async def test_equality_to_none_matches_null_and_missing_fields(coll: Collection) -> None:
    # Top-level departments have parent_id None; documents from before the field have none.
    await coll.insert_many(
        [{"_id": "top", "parent_id": None}, {"_id": "old"}, {"_id": "child", "parent_id": "top"}]
    )

    found = await coll.find({"parent_id": None}).to_list()

    assert sorted(doc["_id"] for doc in found) == ["old", "top"]


async def test_a_projection_returns_only_the_named_fields(coll: Collection) -> None:
    await coll.insert_one({"_id": "u1", "name": "Li", "phone_hash": "x", "district": "east"})

    doc = await coll.find_one({"_id": "u1"}, {"name": 1, "district": 1})

    assert doc == {"_id": "u1", "name": "Li", "district": "east"}


async def test_keyset_page_ascending_continues_after_the_cursor(coll: Collection) -> None:
    codes = ["a", "b", "b", "b", "c", "d"]
    await coll.insert_many([{"_id": IDS[n], "code": code, "n": n} for n, code in enumerate(codes)])
    # The cursor points at (code "b", IDS[1]); ties on code are broken by _id.
    beyond = {"$or": [{"code": {"$gt": "b"}}, {"code": "b", "_id": {"$gt": IDS[1]}}]}

    page = await coll.find(beyond, sort=[("code", ASCENDING), ("_id", ASCENDING)], limit=3).to_list()

    assert [doc["n"] for doc in page] == [2, 3, 4]


async def test_keyset_page_descending_continues_after_the_cursor(coll: Collection) -> None:
    codes = ["a", "b", "b", "b", "c", "d"]
    await coll.insert_many([{"_id": IDS[n], "code": code, "n": n} for n, code in enumerate(codes)])
    beyond = {"$or": [{"code": {"$lt": "b"}}, {"code": "b", "_id": {"$lt": IDS[3]}}]}

    page = await coll.find(beyond, sort=[("code", DESCENDING), ("_id", DESCENDING)], limit=3).to_list()

    assert [doc["n"] for doc in page] == [2, 1, 0]


async def test_object_id_range_on_id_pages_in_insertion_order(coll: Collection) -> None:
    await coll.insert_many([{"_id": oid, "n": n} for n, oid in enumerate(IDS)])

    page = await coll.find({"_id": {"$gt": IDS[4]}}, sort=[("_id", ASCENDING)], limit=2).to_list()

    assert [doc["n"] for doc in page] == [5, 6]


async def test_count_documents_counts_matches_of_a_plain_filter(coll: Collection) -> None:
    await coll.insert_many([{"state": "OPEN"}, {"state": "OPEN"}, {"state": "CLOSED"}])

    assert await coll.count_documents({"state": "OPEN"}) == 2
    assert await coll.count_documents({}) == 3


async def test_equality_on_an_object_id_field_finds_the_matching_documents(coll: Collection) -> None:
    await insert_complaints(coll)

    found = await coll.find({"department_id": WATER}, sort=[("n", ASCENDING)]).to_list()
    found_one = await coll.find_one({"department_id": {"$eq": ROADS}})
    others = await coll.find({"department_id": {"$ne": WATER}}).to_list()

    assert [doc["_id"] for doc in found] == ["c1", "c3"]
    assert found_one == {"_id": "c2", "department_id": ROADS, "n": 2}
    assert [doc["_id"] for doc in others] == ["c2"]


async def test_equality_on_an_indexed_object_id_field_finds_the_document(coll: Collection) -> None:
    await coll.create_indexes([IndexModel([("department_id", ASCENDING)])])
    await insert_complaints(coll)

    found = await coll.find_one({"department_id": ROADS})

    assert found == {"_id": "c2", "department_id": ROADS, "n": 2}


async def test_equality_inside_or_and_and_on_an_object_id_field(coll: Collection) -> None:
    await insert_complaints(coll)

    either = await coll.find({"$or": [{"department_id": ROADS}, {"n": 3}]}, sort=[("n", ASCENDING)]).to_list()
    both = await coll.find({"$and": [{"department_id": WATER}, {"n": {"$gt": 1}}]}).to_list()

    assert [doc["_id"] for doc in either] == ["c2", "c3"]
    assert [doc["_id"] for doc in both] == ["c3"]


async def test_a_range_on_an_object_id_field_compares_the_ids(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"c{n}", "ref": IDS[n]} for n in range(5)])

    after = await coll.find({"ref": {"$gt": IDS[2]}}, sort=[("ref", ASCENDING)]).to_list()
    up_to = await coll.find({"ref": {"$lte": IDS[1]}}, sort=[("ref", ASCENDING)]).to_list()

    assert [doc["_id"] for doc in after] == ["c3", "c4"]
    assert [doc["_id"] for doc in up_to] == ["c0", "c1"]


async def test_update_filtered_by_an_object_id_field_changes_only_the_matches(coll: Collection) -> None:
    await insert_complaints(coll)

    one = await coll.update_one({"department_id": ROADS}, {"$set": {"seen": True}})
    many = await coll.update_many({"department_id": WATER}, {"$inc": {"n": 10}})

    assert (one.matched_count, one.modified_count) == (1, 1)
    assert (many.matched_count, many.modified_count) == (2, 2)
    assert await coll.find({}, sort=[("_id", ASCENDING)]).to_list() == [
        {"_id": "c1", "department_id": WATER, "n": 11},
        {"_id": "c2", "department_id": ROADS, "n": 2, "seen": True},
        {"_id": "c3", "department_id": WATER, "n": 13},
    ]


async def test_find_one_and_update_filtered_by_an_object_id_field_claims_one(coll: Collection) -> None:
    await insert_complaints(coll)

    claimed = await coll.find_one_and_update(
        {"department_id": WATER, "claimed": {"$exists": False}},
        {"$set": {"claimed": True}},
        sort=[("n", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )

    assert claimed == {"_id": "c1", "department_id": WATER, "n": 1, "claimed": True}
    assert await coll.count_documents({"claimed": True}) == 1


async def test_delete_filtered_by_an_object_id_field_removes_only_the_matches(coll: Collection) -> None:
    await insert_complaints(coll)

    one = await coll.delete_one({"department_id": ROADS})
    many = await coll.delete_many({"department_id": WATER})

    assert (one.deleted_count, many.deleted_count) == (1, 2)
    assert await coll.find().to_list() == []


async def test_count_documents_with_object_id_filters_counts_the_matches(coll: Collection) -> None:
    await coll.insert_many([{"_id": IDS[n], "department_id": WATER if n % 2 else ROADS} for n in range(5)])

    counts = [
        await coll.count_documents({"_id": IDS[3]}),
        await coll.count_documents({"_id": {"$in": [IDS[0], IDS[4]]}}),
        await coll.count_documents({"department_id": WATER}),
        await coll.count_documents({"department_id": {"$in": [ROADS]}}),
    ]

    assert counts == [1, 2, 2, 3]


async def test_distinct_filtered_by_an_object_id_field(coll: Collection) -> None:
    await insert_complaints(coll)

    values = await coll.distinct("n", {"department_id": WATER})

    assert sorted(values) == [1, 3]


async def test_an_upsert_by_an_object_id_field_stores_the_object_id(coll: Collection) -> None:
    # Per-department tallies created on first use.
    first = await coll.update_one({"department_id": WATER}, {"$inc": {"n": 1}}, upsert=True)
    again = await coll.update_one({"department_id": WATER}, {"$inc": {"n": 1}}, upsert=True)

    assert (first.upserted_id is not None, again.matched_count) == (True, 1)
    assert await coll.find({}, {"_id": 0}).to_list() == [{"department_id": WATER, "n": 2}]
