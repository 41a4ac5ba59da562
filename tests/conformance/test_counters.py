"""Counters stay exact under concurrency: atomic `$inc`, guards in the filter, one document per upsert."""

from __future__ import annotations

import asyncio

from pymongo import ReturnDocument

from models.common.db import Collection

CONCURRENT = 200


async def test_concurrent_increments_add_up_exactly(coll: Collection) -> None:
    await coll.insert_one({"_id": "votes", "count": 0})

    results = await asyncio.gather(
        *(coll.update_one({"_id": "votes"}, {"$inc": {"count": 1}}) for _ in range(CONCURRENT))
    )

    assert [r.modified_count for r in results] == [1] * CONCURRENT
    assert await coll.find_one({"_id": "votes"}) == {"_id": "votes", "count": CONCURRENT}


async def test_a_guard_in_the_filter_never_lets_the_counter_pass_the_limit(
    coll: Collection,
) -> None:
    limit = 50
    await coll.insert_one({"_id": "seats", "count": 0})

    results = await asyncio.gather(
        *(
            coll.update_one({"_id": "seats", "count": {"$lt": limit}}, {"$inc": {"count": 1}})
            for _ in range(CONCURRENT)
        )
    )

    assert sum(r.modified_count for r in results) == limit
    assert await coll.find_one({"_id": "seats"}) == {"_id": "seats", "count": limit}


async def test_concurrent_upserts_create_one_document(coll: Collection) -> None:
    results = await asyncio.gather(
        *(
            coll.update_one(
                {"_id": "tally"},
                {"$setOnInsert": {"kind": "tally"}, "$inc": {"count": 1}},
                upsert=True,
            )
            for _ in range(CONCURRENT)
        )
    )

    assert sum(1 for r in results if r.upserted_id is not None) == 1
    assert await coll.find({}).to_list() == [{"_id": "tally", "kind": "tally", "count": CONCURRENT}]


async def test_concurrent_find_one_and_update_hands_out_each_number_once(
    coll: Collection,
) -> None:
    # How case numbers are issued: every caller gets its own number, with no gaps.
    await coll.insert_one({"_id": "case_number", "last": 0})

    issued = await asyncio.gather(
        *(
            coll.find_one_and_update(
                {"_id": "case_number"},
                {"$inc": {"last": 1}},
                return_document=ReturnDocument.AFTER,
            )
            for _ in range(CONCURRENT)
        )
    )

    assert sorted(doc["last"] for doc in issued if doc is not None) == list(range(1, CONCURRENT + 1))
