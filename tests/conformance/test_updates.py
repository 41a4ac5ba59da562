"""Update operators on dotted paths change the nested field, alone and next to a datetime `$set`.

A datetime in an update sends it through neosqlite's Python update path on the embedded server
(see install_datetime_set_fix), so each operator runs both ways; whole documents are compared
with their types.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import WriteError

from models.common.db import Collection, Document
from tests.conformance.support import T0, typed

LATER = T0 + dt.timedelta(days=2, milliseconds=5)
SIGN_IN_PAUSE = {"$set": {"login.next_attempt_at": T0}}


@dataclass(frozen=True)
class DottedUpdate:
    """A person `before` an update of nested fields and `after` it, as MongoDB stores them."""

    before: Document
    update: dict[str, Any]
    after: Document


DOTTED_UPDATES = {
    "inc": DottedUpdate(
        {"login": {"failures": 2, "score": 1}},
        {"$inc": {"login.failures": 1, "login.score": 0.5}},
        {"login": {"failures": 3, "score": 1.5}},
    ),
    "inc_creates_the_field_and_its_parents": DottedUpdate(
        {"login": {}},
        {"$inc": {"login.streak": 1, "stats.sign_ins.count": 2}},
        {"login": {"streak": 1}, "stats": {"sign_ins": {"count": 2}}},
    ),
    "unset": DottedUpdate(
        {"login": {"failures": 2, "token": "t-1"}},
        {"$unset": {"login.token": "", "other.missing": ""}},
        {"login": {"failures": 2}},
    ),
    "min": DottedUpdate(
        {"login": {"low": 5, "high": 2}},
        {"$min": {"login.low": 1, "login.high": 3, "login.fresh": 7}},
        {"login": {"low": 1, "high": 2, "fresh": 7}},
    ),
    "max": DottedUpdate(
        {"login": {"low": 5, "high": 2}},
        {"$max": {"login.low": 1, "login.high": 3, "login.fresh": 7}},
        {"login": {"low": 5, "high": 3, "fresh": 7}},
    ),
    "max_of_dates": DottedUpdate(
        {"login": {"raised_at": T0, "kept_at": LATER}},
        {"$max": {"login.raised_at": LATER, "login.kept_at": T0}},
        {"login": {"raised_at": LATER, "kept_at": LATER}},
    ),
    "mul": DottedUpdate(
        # A missing field becomes a zero of the multiplier's type.
        {"login": {"weight": 1.5, "n": 3}},
        {"$mul": {"login.weight": 2, "login.n": 2, "login.absent": 4, "login.absent_real": 2.5}},
        {"login": {"weight": 3.0, "n": 6, "absent": 0, "absent_real": 0.0}},
    ),
    "rename": DottedUpdate(
        {"login": {"token": "t-1", "old": "v"}},
        {"$rename": {"login.old": "login.previous", "login.token": "archive.token"}},
        {"login": {"previous": "v"}, "archive": {"token": "t-1"}},
    ),
    "push_each": DottedUpdate(
        {"login": {"attempts": ["a"], "recent": [1, 2]}},
        {
            "$push": {
                "login.attempts": {"$each": ["b", "c"]},
                "login.recent": {"$each": [3, 4], "$slice": -3},
                "login.started": {"$each": [1]},
            }
        },
        {"login": {"attempts": ["a", "b", "c"], "recent": [2, 3, 4], "started": [1]}},
    ),
    "add_to_set_each": DottedUpdate(
        {"login": {"devices": ["phone"]}},
        {"$addToSet": {"login.devices": {"$each": ["phone", "laptop"]}}},
        {"login": {"devices": ["phone", "laptop"]}},
    ),
    "pull": DottedUpdate(
        {"login": {"codes": [1, 3, 5, 3], "levels": [1, 3, 5]}},
        {"$pull": {"login.codes": 3, "login.levels": {"$gte": 3}}},
        {"login": {"codes": [1, 5], "levels": [1]}},
    ),
    "pull_all": DottedUpdate(
        {"login": {"codes": [1, 2, 3, 2]}},
        {"$pullAll": {"login.codes": [2, 3]}},
        {"login": {"codes": [1]}},
    ),
    "pop": DottedUpdate(
        {"login": {"first": [1, 2, 3], "last": [1, 2, 3]}},
        {"$pop": {"login.first": -1, "login.last": 1}},
        {"login": {"first": [2, 3], "last": [1, 2]}},
    ),
    "bit": DottedUpdate(
        {"login": {"flags": 1}},
        {"$bit": {"login.flags": {"or": 4}}},
        {"login": {"flags": 5}},
    ),
}


def next_to_a_datetime_set(case: DottedUpdate) -> DottedUpdate:
    """The same update with a datetime `$set` of a sibling field, as a failed sign-in writes."""
    after = copy.deepcopy(case.after)
    after["login"]["next_attempt_at"] = T0
    return DottedUpdate(case.before, {**SIGN_IN_PAUSE, **case.update}, after)


@pytest.mark.parametrize("with_datetime_set", [False, True], ids=["alone", "next_to_a_datetime_set"])
@pytest.mark.parametrize("name", DOTTED_UPDATES)
async def test_an_operator_on_a_dotted_path_changes_the_nested_field(
    coll: Collection, name: str, with_datetime_set: bool
) -> None:
    case = DOTTED_UPDATES[name]
    if with_datetime_set:
        case = next_to_a_datetime_set(case)
    await coll.insert_one({"_id": "p1", **case.before})

    result = await coll.update_one({"_id": "p1"}, case.update)

    assert (result.matched_count, result.modified_count) == (1, 1)
    stored = await coll.find_one({"_id": "p1"})
    assert typed(stored) == typed({"_id": "p1", **case.after})


async def test_a_failed_sign_in_counts_in_place_and_sets_the_pause(coll: Collection) -> None:
    await coll.insert_one({"_id": "p1", "name": "Ana", "login": {"failures": 2}})

    await coll.update_one({"_id": "p1"}, {**SIGN_IN_PAUSE, "$inc": {"login.failures": 1}})

    stored = await coll.find_one({"_id": "p1"})
    assert typed(stored) == typed(
        {"_id": "p1", "name": "Ana", "login": {"failures": 3, "next_attempt_at": T0}}
    )


async def test_an_upsert_sets_dotted_set_on_insert_and_inc_fields_in_the_new_document(
    coll: Collection,
) -> None:
    result = await coll.update_one(
        {"_id": "p1"},
        {
            **SIGN_IN_PAUSE,
            "$setOnInsert": {"login.created_at": LATER, "profile.kind": "staff"},
            "$inc": {"login.failures": 1},
        },
        upsert=True,
    )

    assert result.upserted_id == "p1"
    stored = await coll.find_one({"_id": "p1"})
    assert typed(stored) == typed(
        {
            "_id": "p1",
            "login": {"created_at": LATER, "failures": 1, "next_attempt_at": T0},
            "profile": {"kind": "staff"},
        }
    )


async def test_an_upsert_without_a_datetime_sets_dotted_fields_in_the_new_document(
    coll: Collection,
) -> None:
    await coll.update_one(
        {"_id": "tally"}, {"$setOnInsert": {"meta.kind": "tally"}, "$inc": {"counts.votes": 1}}, upsert=True
    )

    stored = await coll.find_one({"_id": "tally"})
    assert typed(stored) == typed({"_id": "tally", "meta": {"kind": "tally"}, "counts": {"votes": 1}})


async def test_an_upsert_matching_a_document_leaves_its_dotted_set_on_insert_fields_alone(
    coll: Collection,
) -> None:
    await coll.insert_one({"_id": "p1", "login": {"created_at": T0, "failures": 2}})

    result = await coll.update_one(
        {"_id": "p1"},
        {
            **SIGN_IN_PAUSE,
            "$setOnInsert": {"login.created_at": LATER, "profile.kind": "staff"},
            "$inc": {"login.failures": 1},
        },
        upsert=True,
    )

    assert result.upserted_id is None
    stored = await coll.find_one({"_id": "p1"})
    assert typed(stored) == typed(
        {"_id": "p1", "login": {"created_at": T0, "failures": 3, "next_attempt_at": T0}}
    )


@pytest.mark.parametrize("with_datetime_set", [False, True], ids=["alone", "next_to_a_datetime_set"])
async def test_current_date_on_a_dotted_path_stores_the_server_time_in_place(
    coll: Collection, with_datetime_set: bool
) -> None:
    await coll.insert_one({"_id": "p1", "login": {"failures": 2}})
    update: dict[str, Any] = {"$currentDate": {"login.seen_at": True}}
    if with_datetime_set:
        update |= SIGN_IN_PAUSE
    # The server's clock, not ours: allow for skew with a remote server.
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)

    await coll.update_one({"_id": "p1"}, update)

    after = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    stored = await coll.find_one({"_id": "p1"})
    assert stored is not None
    seen_at = stored["login"].pop("seen_at")
    assert type(seen_at) is dt.datetime
    assert seen_at.utcoffset() == dt.timedelta(0)
    assert before <= seen_at <= after
    expected_login: Document = {"failures": 2, **({"next_attempt_at": T0} if with_datetime_set else {})}
    assert typed(stored) == typed({"_id": "p1", "login": expected_login})


async def test_find_one_and_update_returns_the_nested_increment_next_to_a_datetime(
    coll: Collection,
) -> None:
    await coll.insert_one({"_id": "p1", "login": {"failures": 2}})

    returned = await coll.find_one_and_update(
        {"_id": "p1"},
        {**SIGN_IN_PAUSE, "$inc": {"login.failures": 1}},
        return_document=ReturnDocument.AFTER,
    )

    expected = {"_id": "p1", "login": {"failures": 3, "next_attempt_at": T0}}
    assert typed(returned) == typed(expected)
    assert typed(await coll.find_one({"_id": "p1"})) == typed(expected)


async def test_update_many_increments_the_nested_field_of_every_match_next_to_a_datetime(
    coll: Collection,
) -> None:
    await coll.insert_many([{"_id": f"p{n}", "state": "OPEN", "login": {"failures": n}} for n in range(3)])

    result = await coll.update_many({"state": "OPEN"}, {**SIGN_IN_PAUSE, "$inc": {"login.failures": 10}})

    assert result.modified_count == 3
    stored = await coll.find({}).sort("_id", ASCENDING).to_list()
    assert typed(stored) == typed(
        [
            {"_id": f"p{n}", "state": "OPEN", "login": {"failures": n + 10, "next_attempt_at": T0}}
            for n in range(3)
        ]
    )


async def test_a_dotted_inc_through_a_scalar_next_to_a_datetime_is_refused(coll: Collection) -> None:
    await coll.insert_one({"_id": "p1", "login": 5})

    with pytest.raises(WriteError):
        await coll.update_one({"_id": "p1"}, {**SIGN_IN_PAUSE, "$inc": {"login.failures": 1}})

    assert typed(await coll.find_one({"_id": "p1"})) == typed({"_id": "p1", "login": 5})
