"""Observed gaps of the embedded nx-27017 0.8.1 server, pinned as they behave now; Townhall stays off them.

These are observations, not requirements: they run only against the embedded server. When one
fails, nx-27017 has fixed that gap: update the README's known limits, and move the behaviour into
the conformance suite if Townhall should rely on it. `count_documents` scanning instead of using
an index is known as well but is not timed here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import OperationFailure, WriteError

from models.common.db import Collection, Database, Document
from tests.conformance.support import T0, embedded_server_only

pytestmark = embedded_server_only

DEPT_A = ObjectId("65f0000000000000000000a1")
DEPT_B = ObjectId("65f0000000000000000000b2")
WAIT_SECONDS = 5.0


async def run(coll: Collection, pipeline: list[dict[str, Any]]) -> list[Document]:
    return await (await coll.aggregate(pipeline)).to_list()


# --- aggregation ---------------------------------------------------------------------------


async def test_aggregation_date_range_match_misses_documents(coll: Collection) -> None:
    """A `$match` on a date range inside aggregation finds nothing; `find` finds all three.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"_id": f"d{n}", "at": T0 + dt.timedelta(days=n)} for n in range(3)])
    date_range = {"at": {"$gte": T0, "$lt": T0 + dt.timedelta(days=30)}}

    found = await coll.find(date_range).to_list()
    matched = await run(coll, [{"$match": date_range}])

    assert len(found) == 3
    assert matched == []


async def test_id_comes_back_as_a_string_after_project(coll: Collection) -> None:
    """An ObjectId `_id` kept by `$project` comes back as its hex string.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": DEPT_A, "code": "water"})

    result = await run(coll, [{"$project": {"code": 1}}])

    assert result == [{"code": "water", "_id": str(DEPT_A)}]


async def test_lookup_returns_the_joined_array_as_a_json_string(
    coll: Collection, other_coll: Collection
) -> None:
    """`$lookup` gives the joined documents as a JSON string; after a `$match`, `_id` is a string.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await other_coll.insert_one({"_id": "water", "name": "Water"})
    await coll.insert_one({"_id": DEPT_A, "dept": "water"})

    result = await run(
        coll,
        [
            {"$match": {"dept": "water"}},
            {
                "$lookup": {
                    "from": other_coll.name,
                    "localField": "dept",
                    "foreignField": "_id",
                    "as": "department",
                }
            },
        ],
    )

    assert result == [{"_id": str(DEPT_A), "dept": "water", "department": '[{"_id":"water","name":"Water"}]'}]


async def test_sort_by_count_is_rejected(coll: Collection) -> None:
    """`$sortByCount` fails with "not supported" (write `$group` + `$sort` instead).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"tag": "a"})

    with pytest.raises(OperationFailure) as caught:
        await run(coll, [{"$sortByCount": "$tag"}])

    assert "'$sortByCount' not supported" in str(caught.value)


async def test_median_and_percentile_are_silently_left_out(coll: Collection) -> None:
    """`$median` and `$percentile` produce no field at all, without an error.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"days": n} for n in (1, 2, 9)])

    result = await run(
        coll,
        [
            {
                "$group": {
                    "_id": None,
                    "median": {"$median": {"input": "$days", "method": "approximate"}},
                    "p90": {"$percentile": {"input": "$days", "p": [0.9], "method": "approximate"}},
                }
            }
        ],
    )

    assert result == [{"_id": None}]


async def test_date_to_string_ignores_the_timezone(coll: Collection) -> None:
    """`$dateToString` formats in UTC whatever `timezone` says (MongoDB: 08 in Asia/Shanghai).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "at": dt.datetime(2024, 5, 3, 0, 0, tzinfo=dt.UTC)})
    fmt = {"format": "%Y-%m-%d %H", "date": "$at"}

    result = await run(
        coll,
        [
            {
                "$project": {
                    "_id": 0,
                    "shanghai": {"$dateToString": {**fmt, "timezone": "Asia/Shanghai"}},
                    "utc": {"$dateToString": fmt},
                }
            }
        ],
    )

    assert result == [{"shanghai": "2024-05-03 00", "utc": "2024-05-03 00"}]


async def test_date_trunc_ignores_the_timezone(coll: Collection) -> None:
    """`$dateTrunc` to the day cuts at UTC midnight (MongoDB: 16:00 UTC, Shanghai's midnight).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "at": dt.datetime(2024, 5, 3, 1, 0, tzinfo=dt.UTC)})

    result = await run(
        coll,
        [
            {
                "$project": {
                    "_id": 0,
                    "day": {"$dateTrunc": {"date": "$at", "unit": "day", "timezone": "Asia/Shanghai"}},
                }
            }
        ],
    )

    assert result == [{"day": dt.datetime(2024, 5, 3, tzinfo=dt.UTC)}]


async def test_group_by_an_object_id_field_gives_a_json_string_key(coll: Collection) -> None:
    """`$group` on an ObjectId field returns the stored encoding as a JSON string, not the id.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"dept": DEPT_A}, {"dept": DEPT_A}])

    result = await run(coll, [{"$group": {"_id": "$dept", "n": {"$sum": 1}}}])

    stored_encoding = {"__neosqlite_objectid__": True, "id": str(DEPT_A)}
    assert result == [{"_id": json.dumps(stored_encoding, separators=(",", ":")), "n": 2}]


async def test_group_with_a_compound_key_is_not_evaluated(coll: Collection) -> None:
    """A document as `$group` `_id` is taken literally: everything lands in one group.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"dept": "water", "month": "2024-05"}, {"dept": "roads", "month": "2024-06"}])

    result = await run(coll, [{"$group": {"_id": {"dept": "$dept", "month": "$month"}, "n": {"$sum": 1}}}])

    assert result == [{"_id": {"dept": "$dept", "month": "$month"}, "n": 2}]


async def test_a_projected_comparison_is_an_integer_not_a_boolean(coll: Collection) -> None:
    """`$gt`/`$eq` in `$project` give 1/0 instead of true/false.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"days": 7})

    result = await run(
        coll,
        [{"$project": {"_id": 0, "late": {"$gt": ["$days", 5]}, "week": {"$eq": ["$days", 7]}}}],
    )

    assert result == [{"late": 1, "week": 1}]
    assert type(result[0]["late"]) is int


async def test_cond_with_a_bare_field_condition_is_rejected(coll: Collection) -> None:
    """`$cond: ["$flag", 1, 0]` fails; `{"$eq": ["$flag", true]}` as the condition works.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"on_time": True})

    with pytest.raises(OperationFailure) as caught:
        await run(coll, [{"$group": {"_id": None, "n": {"$sum": {"$cond": ["$on_time", 1, 0]}}}}])

    assert "Invalid $expr expression structure" in str(caught.value)


async def test_computed_doubles_are_rounded_to_15_significant_digits(coll: Collection) -> None:
    """`$avg` and `$divide` results lose the last digits of a double (MongoDB: exact IEEE values).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"days": 1}, {"days": 2}, {"days": 2}])

    averaged = await run(coll, [{"$group": {"_id": None, "mean": {"$avg": "$days"}}}])
    divided = await run(
        coll, [{"$match": {"days": 1}}, {"$project": {"_id": 0, "third": {"$divide": ["$days", 3]}}}]
    )

    assert averaged == [{"_id": None, "mean": 1.66666666666667}]
    assert divided == [{"third": 0.333333333333333}]


async def test_count_of_nothing_gives_zero_instead_of_no_document(coll: Collection) -> None:
    """`$count` over no documents returns `{n: 0}`; MongoDB returns no document at all.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"status": "OPEN"})

    result = await run(coll, [{"$match": {"status": "CLOSED"}}, {"$count": "n"}])

    assert result == [{"n": 0}]


async def test_push_inside_bucket_gives_a_json_string(coll: Collection) -> None:
    """A `$push` accumulator in `$bucket` output comes back as a JSON string, not an array.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"days": 1}, {"days": 2}])

    result = await run(
        coll,
        [
            {
                "$bucket": {
                    "groupBy": "$days",
                    "boundaries": [0, 5],
                    "output": {"days": {"$push": "$days"}},
                }
            }
        ],
    )

    assert result == [{"_id": 0, "days": "[1,2]"}]


async def test_min_of_dates_in_group_gives_a_json_string(coll: Collection) -> None:
    """`$min` over dates in `$group` gives the stored encoding as a string, not a datetime.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    first = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    await coll.insert_many([{"at": first}, {"at": first + dt.timedelta(days=1)}])

    result = await run(coll, [{"$group": {"_id": None, "first": {"$min": "$at"}}}])

    assert result == [{"_id": None, "first": '{"$date":"2024-05-01T00:00:00"}'}]


# --- queries and indexes -------------------------------------------------------------------


async def test_an_index_containing_id_breaks_writes(coll: Collection, other_coll: Collection) -> None:
    """A compound index with `_id` as a key fails every later insert with "JSON path error";
    on a collection that has documents, creating it fails the same way.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    by_code_then_id = IndexModel([("code", ASCENDING), ("_id", ASCENDING)])
    await coll.create_indexes([by_code_then_id])
    await other_coll.insert_one({"code": "a"})

    with pytest.raises(WriteError) as on_insert:
        await coll.insert_one({"code": "a"})
    with pytest.raises(OperationFailure) as on_create:
        await other_coll.create_indexes([by_code_then_id])

    assert "JSON path error near '_id'" in str(on_insert.value)
    assert "JSON path error near '_id'" in str(on_create.value)


async def test_unique_index_allows_many_documents_without_the_field(coll: Collection) -> None:
    """A (non-sparse) unique index lets any number of documents lack the field; MongoDB
    indexes them as null and rejects the second one.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.create_indexes([IndexModel([("email", ASCENDING)], unique=True)])

    await coll.insert_many([{"_id": "a"}, {"_id": "b"}])

    assert await coll.count_documents({}) == 2


async def test_partial_filter_expression_is_ignored(coll: Collection) -> None:
    """A partial unique index acts as a full one: documents outside the filter still conflict.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.create_indexes(
        [IndexModel([("code", ASCENDING)], unique=True, partialFilterExpression={"active": True})]
    )
    await coll.insert_one({"code": "x", "active": False})

    with pytest.raises(WriteError) as caught:
        await coll.insert_one({"code": "x", "active": False})

    assert caught.value.code == 11000


async def test_listed_index_names_differ_from_the_created_ones(coll: Collection) -> None:
    """`create_indexes` returns MongoDB's names, but listing shows `idx_<collection>_<fields>`
    and drops the direction and the sparse flag.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    created = await coll.create_indexes(
        [IndexModel([("code", ASCENDING), ("at", -1)], name="code_recent", sparse=True)]
    )

    listed = await coll.index_information()

    assert created == ["code_recent"]
    assert listed == {
        "_id_": {"v": 2, "key": [("_id", 1)]},
        f"idx_{coll.name}_code_at": {"v": 2, "key": [("code", 1), ("at", 1)]},
    }


async def test_in_on_object_ids_misses_arrays_and_matches_hex_strings(coll: Collection) -> None:
    """`$in` with an ObjectId misses an array holding it and matches a string holding its hex;
    inside `$or`/`$and` (evaluated in Python) equality matches that string too. MongoDB
    matches "array" and "one" in both cases.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many(
        [{"_id": "array", "ref": [DEPT_A]}, {"_id": "hex", "ref": str(DEPT_A)}, {"_id": "one", "ref": DEPT_A}]
    )

    with_in = await coll.find({"ref": {"$in": [DEPT_A]}}).to_list()
    with_or = await coll.find({"$or": [{"ref": DEPT_A}, {"never": True}]}).to_list()

    assert sorted(doc["_id"] for doc in with_in) == ["hex", "one"]
    assert sorted(doc["_id"] for doc in with_or) == ["array", "hex", "one"]


async def test_equality_on_an_indexed_field_does_not_look_into_arrays(coll: Collection) -> None:
    """With an index on the field, `{field: value}` no longer matches arrays containing the
    value (neosqlite drops the array test to keep the index usable); MongoDB matches both.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.create_indexes([IndexModel([("tags", ASCENDING)])])
    await coll.insert_many([{"_id": "array", "tags": ["a", "b"]}, {"_id": "scalar", "tags": "a"}])

    found = await coll.find({"tags": "a"}).to_list()

    assert [doc["_id"] for doc in found] == ["scalar"]


# --- writes --------------------------------------------------------------------------------


async def test_find_one_and_update_upsert_drops_set_on_insert(coll: Collection) -> None:
    """`find_one_and_update(upsert=True)` creates the document without its `$setOnInsert`
    fields (`update_one` with upsert keeps them).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    returned = await coll.find_one_and_update(
        {"_id": "k"},
        {"$setOnInsert": {"created_at": T0}, "$inc": {"n": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )

    assert returned == {"_id": "k", "n": 1}
    assert await coll.find_one({"_id": "k"}) == {"_id": "k", "n": 1}


async def test_find_one_and_update_hides_a_duplicate_key_error(coll: Collection) -> None:
    """A `find_one_and_update` that would break a unique index returns None instead of
    raising DuplicateKeyError, so it looks like "no document matched".

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.create_indexes([IndexModel([("code", ASCENDING)], unique=True)])
    await coll.insert_many([{"_id": "a", "code": "water"}, {"_id": "b", "code": "roads"}])

    returned = await coll.find_one_and_update({"_id": "b"}, {"$set": {"code": "water"}})

    assert returned is None
    assert await coll.find_one({"_id": "b"}) == {"_id": "b", "code": "roads"}


async def test_push_of_an_object_id_stores_its_encoding_as_a_string(coll: Collection) -> None:
    """A `$push` of an ObjectId (alone in its update, so on neosqlite's SQL path) appends the
    storage encoding as a JSON string and turns ObjectIds already in the array into such
    strings. Pushed documents (`$each` of dicts, as the outbox does) keep their types.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "refs": [DEPT_A]})

    await coll.update_one({"_id": "a"}, {"$push": {"refs": DEPT_B}})

    encoded = [
        json.dumps({"__neosqlite_objectid__": True, "id": str(oid)}, separators=(",", ":"))
        for oid in (DEPT_A, DEPT_B)
    ]
    assert await coll.find_one({"_id": "a"}) == {"_id": "a", "refs": encoded}


async def test_add_to_set_into_a_missing_array_adds_nothing(coll: Collection) -> None:
    """`$addToSet` into a field the document lacks, in an update without a datetime (so on
    neosqlite's SQL path), leaves the field missing; MongoDB creates `[value]`. Townhall creates
    such arrays when it inserts or upserts the document (the daily-cap ledger's `pending`).

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "pushed": ["p"]})

    await coll.update_one({"_id": "a"}, {"$addToSet": {"pending": "x", "pushed": "y"}, "$inc": {"n": 1}})

    assert await coll.find_one({"_id": "a"}) == {"_id": "a", "pushed": ["p", "y"], "n": 1}


async def test_a_dotted_inc_alone_is_not_checked_against_the_stored_value(coll: Collection) -> None:
    """A dotted `$inc` alone in its update (so on neosqlite's SQL path) neither refuses a
    string field (MongoDB: TypeMismatch) nor a scalar parent (MongoDB: PathNotViable): the
    string becomes the increment, the scalar parent is silently left as it is. Next to a
    datetime (the Python path) both are refused, as on MongoDB.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_many([{"_id": "text", "login": {"failures": "two"}}, {"_id": "scalar", "login": 5}])

    text = await coll.update_one({"_id": "text"}, {"$inc": {"login.failures": 1}})
    scalar = await coll.update_one({"_id": "scalar"}, {"$inc": {"login.failures": 1}})

    assert (text.modified_count, scalar.modified_count) == (1, 0)
    assert await coll.find({}).sort("_id", ASCENDING).to_list() == [
        {"_id": "scalar", "login": 5},
        {"_id": "text", "login": {"failures": 1}},
    ]


async def test_a_dotted_inc_alone_into_an_array_element_does_nothing(coll: Collection) -> None:
    """`{"$inc": {"items.0.n": 1}}` alone in its update (neosqlite's SQL path) leaves the
    element as it is; next to a datetime (the Python path) it increments it, as on MongoDB.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "items": [{"n": 1}]})

    result = await coll.update_one({"_id": "a"}, {"$inc": {"items.0.n": 1}})

    assert result.modified_count == 0
    assert await coll.find_one({"_id": "a"}) == {"_id": "a", "items": [{"n": 1}]}


async def test_pop_of_an_empty_array_is_refused(coll: Collection) -> None:
    """`$pop` of an empty array fails ("pop from empty list"); MongoDB leaves it empty.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "tags": []})

    with pytest.raises(WriteError, match="pop from empty list"):
        await coll.update_one({"_id": "a"}, {"$pop": {"tags": 1}})


async def test_a_transaction_write_is_visible_outside_before_commit(db: Database, coll: Collection) -> None:
    """Transactions give no isolation: a read outside sees an uncommitted insert.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    async with db.client.start_session() as session:
        await session.start_transaction()
        await coll.insert_one({"_id": "draft"}, session=session)

        seen_outside = await coll.find_one({"_id": "draft"})

        await session.abort_transaction()

    assert seen_outside == {"_id": "draft"}
    assert await coll.find_one({"_id": "draft"}) is None


async def test_aborting_a_transaction_also_undoes_a_write_made_outside_it(
    db: Database, coll: Collection
) -> None:
    """A write outside an open transaction neither conflicts nor survives its abort.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "counter", "n": 0})
    async with db.client.start_session() as session:
        await session.start_transaction()
        await coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}}, session=session)

        outside = await coll.update_one({"_id": "counter"}, {"$inc": {"n": 10}})

        await session.abort_transaction()

    assert outside.modified_count == 1
    assert await coll.find_one({"_id": "counter"}) == {"_id": "counter", "n": 0}


# --- change streams ------------------------------------------------------------------------


async def test_change_event_document_key_of_an_int_id_is_a_string(coll: Collection) -> None:
    """`documentKey._id` of a document with an int `_id` is its text.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    async with await coll.watch() as stream:
        await coll.insert_one({"_id": 7})
        change = await asyncio.wait_for(stream.next(), WAIT_SECONDS)

    assert change["documentKey"] == {"_id": "7"}


async def test_a_replace_is_reported_as_an_update_without_a_description(coll: Collection) -> None:
    """A replace arrives as operationType "update", and updates carry no updateDescription.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "n": 1})
    async with await coll.watch() as stream:
        await coll.replace_one({"_id": "a"}, {"n": 2})
        change = await asyncio.wait_for(stream.next(), WAIT_SECONDS)

    assert change["operationType"] == "update"
    assert change["updateDescription"] is None


# --- GridFS --------------------------------------------------------------------------------


async def test_gridfs_upload_date_is_a_string(db: Database) -> None:
    """A GridFS file's `upload_date` comes back as an ISO string, not a datetime.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    bucket = AsyncGridFSBucket(db)
    file_id = await bucket.upload_from_stream("a.txt", b"a")

    download = await bucket.open_download_stream(file_id)

    assert type(download.upload_date) is str
    assert dt.datetime.fromisoformat(download.upload_date).year >= 2024


async def test_deleting_a_missing_gridfs_file_raises_operation_failure(db: Database) -> None:
    """Deleting an unknown file id raises OperationFailure "not found" instead of NoFile.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    bucket = AsyncGridFSBucket(db)
    missing = ObjectId()

    with pytest.raises(OperationFailure) as caught:
        await bucket.delete(missing)

    assert str(caught.value).startswith(f"File with id {missing} not found")


async def test_a_dotted_projection_comes_back_as_a_flat_key(coll: Collection) -> None:
    """Projecting `report.outcomes` returns `{"report.outcomes": …}` instead of the nested
    `{"report": {"outcomes": …}}`. Townhall projects whole top-level fields.

    When this fails, nx-27017 has fixed the gap: update the README's known limits.
    """
    await coll.insert_one({"_id": "a", "report": {"outcomes": {"ADOPTED": 3}, "summary": "…"}})

    projected = await coll.find_one({"_id": "a"}, {"report.outcomes": 1})

    assert projected == {"_id": "a", "report.outcomes": {"ADOPTED": 3}}


async def test_a_filter_on_a_whole_array_is_refused_in_an_update(coll: Collection) -> None:
    """MongoDB matches `{"tags": ["a", "b"]}` by array equality; nx-27017 cannot bind the list
    (Townhall compares a counter instead: the digest sweep's `folds`)."""
    await coll.insert_one({"_id": 1, "tags": ["a", "b"]})

    with pytest.raises(WriteError, match="type 'list' is not supported"):
        await coll.update_one({"_id": 1, "tags": ["a", "b"]}, {"$set": {"seen": True}})
