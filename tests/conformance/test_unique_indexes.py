"""Unique indexes reject duplicates with error 11000 on every write path; declaring twice is safe."""

from __future__ import annotations

import pytest
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from models.common.db import Collection

DUPLICATE_KEY = 11000

CODE_UNIQUE = IndexModel([("code", ASCENDING)], unique=True, name="code_unique")


async def test_insert_of_a_duplicate_raises_duplicate_key_error(coll: Collection) -> None:
    await coll.create_indexes([CODE_UNIQUE])
    await coll.insert_one({"_id": "a", "code": "water"})

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"_id": "b", "code": "water"})

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.count_documents({}) == 1


async def test_update_to_a_taken_value_raises_duplicate_key_error(coll: Collection) -> None:
    await coll.create_indexes([CODE_UNIQUE])
    await coll.insert_many([{"_id": "a", "code": "water"}, {"_id": "b", "code": "roads"}])

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.update_one({"_id": "b"}, {"$set": {"code": "water"}})

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.find_one({"_id": "b"}) == {"_id": "b", "code": "roads"}


async def test_replace_with_a_taken_value_raises_duplicate_key_error(coll: Collection) -> None:
    await coll.create_indexes([CODE_UNIQUE])
    await coll.insert_many([{"_id": "a", "code": "water"}, {"_id": "b", "code": "roads"}])

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.replace_one({"_id": "b"}, {"code": "water"})

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.find_one({"_id": "b"}) == {"_id": "b", "code": "roads"}


async def test_upsert_inserting_a_taken_value_raises_duplicate_key_error(coll: Collection) -> None:
    await coll.create_indexes([CODE_UNIQUE])
    await coll.insert_one({"_id": "a", "code": "water"})

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.update_one({"_id": "b"}, {"$set": {"code": "water"}}, upsert=True)

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.count_documents({}) == 1


async def test_duplicate_id_raises_duplicate_key_error(coll: Collection) -> None:
    # Deterministic _ids (outbox events, one signature per person) rely on this.
    await coll.insert_one({"_id": "event-1", "n": 1})

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"_id": "event-1", "n": 2})

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.find_one({"_id": "event-1"}) == {"_id": "event-1", "n": 1}


async def test_compound_unique_index_rejects_only_the_same_pair(coll: Collection) -> None:
    await coll.create_indexes(
        [IndexModel([("petition_id", ASCENDING), ("person_id", ASCENDING)], unique=True)]
    )
    await coll.insert_many(
        [
            {"petition_id": "p1", "person_id": "u1"},
            {"petition_id": "p1", "person_id": "u2"},
            {"petition_id": "p2", "person_id": "u1"},
        ]
    )

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"petition_id": "p1", "person_id": "u1"})

    assert caught.value.code == DUPLICATE_KEY
    assert await coll.count_documents({}) == 3


async def test_sparse_unique_index_allows_many_documents_without_the_field(
    coll: Collection,
) -> None:
    await coll.create_indexes([IndexModel([("email", ASCENDING)], unique=True, sparse=True)])

    await coll.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c", "email": "c@example.org"}])

    assert await coll.count_documents({}) == 3


async def test_sparse_unique_index_rejects_equal_values(coll: Collection) -> None:
    await coll.create_indexes([IndexModel([("email", ASCENDING)], unique=True, sparse=True)])
    await coll.insert_one({"_id": "a", "email": "a@example.org"})

    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"_id": "b", "email": "a@example.org"})

    assert caught.value.code == DUPLICATE_KEY


async def test_create_indexes_twice_with_the_same_models_is_idempotent(coll: Collection) -> None:
    models = [CODE_UNIQUE, IndexModel([("parent_id", ASCENDING), ("code", ASCENDING)])]

    first = await coll.create_indexes(models)
    second = await coll.create_indexes(models)

    assert first == ["code_unique", "parent_id_1_code_1"]
    assert second == first
    # Still exactly one working unique index after the second call.
    await coll.insert_one({"code": "water"})
    with pytest.raises(DuplicateKeyError) as caught:
        await coll.insert_one({"code": "water"})
    assert caught.value.code == DUPLICATE_KEY
