"""The aggregation stages the accountability figures use, on non-date fields and string group keys."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from models.common.db import Collection, Document

# Department codes (strings) as group keys: nx-27017 garbles ObjectId keys and dates in
# aggregation, and rounds computed doubles (test_known_gaps.py). Values below keep every
# computed number exact, so the assertions hold on MongoDB and nx-27017 alike.
REQUESTS: list[Document] = [
    {"_id": "r1", "dept": "water", "status": "REPLIED", "days": 2, "on_time": True, "tags": ["a"]},
    {"_id": "r2", "dept": "water", "status": "REPLIED", "days": 6, "on_time": False, "tags": []},
    {"_id": "r3", "dept": "water", "status": "OPEN", "days": 1, "on_time": True, "tags": ["b"]},
    {"_id": "r4", "dept": "roads", "status": "REPLIED", "days": 4, "on_time": True, "tags": ["a"]},
    {
        "_id": "r5",
        "dept": "roads",
        "status": "REPLIED",
        "days": 9,
        "on_time": False,
        "tags": ["a", "b", "c"],
    },
    {"_id": "r6", "dept": "parks", "status": "OPEN", "days": 3, "on_time": True, "tags": ["c"]},
]


@pytest.fixture
async def requests(coll: Collection) -> Collection:
    await coll.insert_many([dict(doc) for doc in REQUESTS])
    return coll


async def run(coll: Collection, pipeline: list[dict[str, Any]]) -> list[Document]:
    return await (await coll.aggregate(pipeline)).to_list()


async def test_match_and_group_with_sum_avg_min_max(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$match": {"status": "REPLIED"}},
            {
                "$group": {
                    "_id": "$dept",
                    "replies": {"$sum": 1},
                    "total_days": {"$sum": "$days"},
                    "mean_days": {"$avg": "$days"},
                    "fastest": {"$min": "$days"},
                    "slowest": {"$max": "$days"},
                }
            },
            {"$sort": {"_id": 1}},
        ],
    )

    assert result == [
        {
            "_id": "roads",
            "replies": 2,
            "total_days": 13,
            "mean_days": 6.5,
            "fastest": 4,
            "slowest": 9,
        },
        {"_id": "water", "replies": 2, "total_days": 8, "mean_days": 4.0, "fastest": 2, "slowest": 6},
    ]


async def test_group_by_null_totals_everything(requests: Collection) -> None:
    result = await run(requests, [{"$group": {"_id": None, "n": {"$sum": 1}}}])

    assert result == [{"_id": None, "n": 6}]


async def test_match_after_group_filters_groups(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$group": {"_id": "$dept", "n": {"$sum": 1}}},
            {"$match": {"n": {"$gte": 2}}},
            {"$sort": {"_id": 1}},
        ],
    )

    assert result == [{"_id": "roads", "n": 2}, {"_id": "water", "n": 3}]


async def test_sort_and_limit(requests: Collection) -> None:
    result = await run(
        requests,
        [{"$sort": {"days": -1}}, {"$limit": 3}, {"$project": {"_id": 0, "days": 1}}],
    )

    assert result == [{"days": 9}, {"days": 6}, {"days": 4}]


async def test_sort_and_limit_after_group(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$group": {"_id": "$dept", "total_days": {"$sum": "$days"}}},
            {"$sort": {"total_days": -1}},
            {"$limit": 1},
        ],
    )

    assert result == [{"_id": "roads", "total_days": 13}]


async def test_project_computed_fields(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$match": {"dept": "roads"}},
            {
                "$project": {
                    "_id": 0,
                    "label": {"$concat": ["$dept", "/", "$status"]},
                    "hours": {"$multiply": ["$days", 24]},
                    "half_days": {"$divide": ["$days", 2]},
                    "days_over_due": {"$subtract": ["$days", 5]},
                }
            },
            {"$sort": {"hours": 1}},
        ],
    )

    assert result == [
        {"label": "roads/REPLIED", "hours": 96, "half_days": 2.0, "days_over_due": -1},
        {"label": "roads/REPLIED", "hours": 216, "half_days": 4.5, "days_over_due": 4},
    ]


async def test_cond_in_a_project_chooses_a_branch(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$match": {"dept": "water"}},
            {
                "$project": {
                    "days": 1,
                    "speed": {"$cond": {"if": {"$lte": ["$days", 2]}, "then": "fast", "else": "slow"}},
                }
            },
            {"$sort": {"days": 1}},
            # Drop _id after the sort: the embedded server returns it as a string here.
            {"$project": {"_id": 0, "days": 1, "speed": 1}},
        ],
    )

    assert result == [
        {"days": 1, "speed": "fast"},
        {"days": 2, "speed": "fast"},
        {"days": 6, "speed": "slow"},
    ]


async def test_cond_inside_a_group_sum_counts_matching_documents(requests: Collection) -> None:
    # How the on-time rate is counted. The condition is an explicit comparison: a bare
    # field path as the condition is a known gap of nx-27017.
    result = await run(
        requests,
        [
            {
                "$group": {
                    "_id": "$dept",
                    "on_time": {"$sum": {"$cond": [{"$eq": ["$on_time", True]}, 1, 0]}},
                    "n": {"$sum": 1},
                }
            },
            {"$sort": {"_id": 1}},
        ],
    )

    assert result == [
        {"_id": "parks", "on_time": 1, "n": 1},
        {"_id": "roads", "on_time": 1, "n": 2},
        {"_id": "water", "on_time": 2, "n": 3},
    ]


async def test_bucket_counts_per_range_with_a_default(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {
                "$bucket": {
                    "groupBy": "$days",
                    "boundaries": [0, 3, 6],
                    "default": "later",
                    "output": {"n": {"$sum": 1}, "total_days": {"$sum": "$days"}},
                }
            }
        ],
    )

    assert result == [
        {"_id": 0, "n": 2, "total_days": 3},
        {"_id": 3, "n": 2, "total_days": 7},
        {"_id": "later", "n": 2, "total_days": 15},
    ]


async def test_unwind_then_group_counts_array_elements(requests: Collection) -> None:
    result = await run(
        requests,
        [
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ],
    )

    assert result == [{"_id": "a", "n": 3}, {"_id": "b", "n": 2}, {"_id": "c", "n": 2}]


async def test_unwind_drops_documents_with_an_empty_array(requests: Collection) -> None:
    result = await run(
        requests,
        [{"$match": {"dept": "water"}}, {"$unwind": "$tags"}, {"$project": {"_id": 0, "tags": 1}}],
    )

    assert sorted(doc["tags"] for doc in result) == ["a", "b"]


async def test_count_names_the_number_of_documents(requests: Collection) -> None:
    result = await run(requests, [{"$match": {"status": "OPEN"}}, {"$count": "open"}])

    assert result == [{"open": 2}]


async def test_match_on_an_object_id_selects_the_documents(coll: Collection) -> None:
    water, roads = ObjectId("65f0000000000000000000a1"), ObjectId("65f0000000000000000000b2")
    request_id = ObjectId("65f0000000000000000000c3")
    await coll.insert_many(
        [
            {"_id": request_id, "dept_id": water, "days": 2},
            {"_id": "r2", "dept_id": roads, "days": 4},
            {"_id": "r3", "dept_id": water, "days": 6},
        ]
    )

    by_field = await run(coll, [{"$match": {"dept_id": water}}, {"$sort": {"days": 1}}])
    by_id = await run(coll, [{"$match": {"_id": request_id}}])
    totals = await run(
        coll, [{"$match": {"dept_id": water}}, {"$group": {"_id": None, "days": {"$sum": "$days"}}}]
    )

    assert [doc["days"] for doc in by_field] == [2, 6]
    assert by_id == [{"_id": request_id, "dept_id": water, "days": 2}]
    assert totals == [{"_id": None, "days": 8}]
