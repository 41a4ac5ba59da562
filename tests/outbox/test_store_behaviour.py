"""The MongoDB behaviours the outbox relies on, pinned so nx-27017 and MongoDB must agree."""

from __future__ import annotations

import datetime as dt

import pytest
from pymongo.errors import BulkWriteError

from models.common.db import Database
from models.common.outbox import OUTBOX
from tests.outbox.factories import MOTIONS, FakeClock


class TestIndexes:
    async def test_the_outbox_has_its_claim_and_expiry_indexes(self, db: Database) -> None:
        indexes = {
            tuple(key for key, _ in info["key"]): info
            for info in (await OUTBOX.of(db).index_information()).values()
        }

        assert ("state", "available_at") in indexes
        assert indexes[("expire_at",)]["expireAfterSeconds"] == 0

    async def test_a_carrier_has_its_sweeper_index(self, db: Database) -> None:
        keys = [info["key"] for info in (await MOTIONS.of(db).index_information()).values()]

        assert [("_outbox_since", 1)] in keys


class TestUpdatesByIdWithConditions:
    """`relay` clears the marker with `{_id, _outbox: {$size: 0}}`; nothing else may match."""

    @pytest.mark.parametrize(
        ("events", "matches"),
        [([], True), ([{"id": "a"}], False), ([{"id": "a"}, {"id": "b"}], False)],
    )
    async def test_size_zero_matches_only_an_empty_array(
        self, db: Database, events: list[dict[str, str]], matches: bool
    ) -> None:
        await db["probe"].insert_one({"_id": 1, "_outbox": events})

        result = await db["probe"].update_one(
            {"_id": 1, "_outbox": {"$size": 0}}, {"$unset": {"_outbox": ""}}
        )

        assert result.matched_count == int(matches)

    async def test_exists_false_does_not_match_a_present_field(self, db: Database) -> None:
        await db["probe"].insert_one({"_id": 1, "_outbox": [{"id": "a"}]})

        result = await db["probe"].update_one(
            {"_id": 1, "_outbox": {"$exists": False}}, {"$unset": {"_outbox": ""}}
        )

        assert result.matched_count == 0

    async def test_pull_by_subfield_in_removes_only_those_elements(self, db: Database) -> None:
        await db["probe"].insert_one({"_id": 1, "_outbox": [{"id": i} for i in "abc"]})

        await db["probe"].update_one({"_id": 1}, {"$pull": {"_outbox": {"id": {"$in": ["a", "c"]}}}})

        assert (await db["probe"].find_one({"_id": 1})) == {"_id": 1, "_outbox": [{"id": "b"}]}

    async def test_push_and_min_keep_datetimes(self, db: Database, clock: FakeClock) -> None:
        await db["probe"].insert_one({"_id": 1})
        for offset in (5, 1, 9):
            at = clock() + dt.timedelta(seconds=offset)
            await db["probe"].update_one(
                {"_id": 1},
                {"$push": {"_outbox": {"$each": [{"created_at": at}]}}, "$min": {"since": at}},
            )

        stored = await db["probe"].find_one({"_id": 1})

        assert stored is not None
        assert stored["since"] == clock() + dt.timedelta(seconds=1)
        assert all(isinstance(e["created_at"], dt.datetime) for e in stored["_outbox"])


class TestUnorderedInsert:
    async def test_a_duplicate_id_fails_alone_with_code_11000(self, db: Database) -> None:
        await db["probe"].insert_one({"_id": "b"})

        with pytest.raises(BulkWriteError) as raised:
            await db["probe"].insert_many([{"_id": i} for i in "abc"], ordered=False)

        assert [e["code"] for e in raised.value.details["writeErrors"]] == [11000]
        assert raised.value.details["nInserted"] == 2
        assert await db["probe"].count_documents({}) == 3
