"""Leases on the real database: one claimant wins, an ended lease is anyone's, only the holder
renews, completes or releases — with the end stored as a datetime or as integer milliseconds."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from models.common import leases
from models.common.clock import epoch_ms
from models.common.db import Collection, Database
from models.common.leases import LEASE, LeaseFields

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
MS_LEASE = LeaseFields(owner="lease_owner", until="lease_ms", epoch_ms=True)


@pytest.fixture
async def jobs(db: Database) -> Collection:
    return db["lease_test_jobs"]


async def add(jobs: Collection, count: int, fields: LeaseFields = LEASE) -> list[int]:
    await jobs.insert_many([{"_id": n, "state": "pending", **fields.free} for n in range(count)])
    return list(range(count))


class TestClaim:
    async def test_of_two_claimants_at_once_one_wins(self, jobs: Collection) -> None:
        await add(jobs, 1)

        won = await asyncio.gather(
            *(leases.claim(jobs, owner, match={"_id": 0}, lease=MINUTE, at=NOW) for owner in ("a", "b"))
        )

        holders = [document["lease_owner"] for document in won if document is not None]
        assert len(holders) == 1
        stored = await jobs.find_one({"_id": 0})
        assert stored == {
            "_id": 0,
            "state": "pending",
            "lease_owner": holders[0],
            "lease_until": NOW + MINUTE,
        }

    async def test_a_held_lease_is_not_claimable_until_its_end_and_is_at_its_end(
        self, jobs: Collection
    ) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)

        early = await leases.claim(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW + MINUTE / 2)
        at_end = await leases.claim(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW + MINUTE)

        assert early is None
        assert at_end is not None and at_end["lease_owner"] == "b"
        assert at_end["lease_until"] == NOW + 2 * MINUTE

    async def test_the_claim_applies_the_extra_update_and_follows_the_sort(self, jobs: Collection) -> None:
        await add(jobs, 3)

        claimed = await leases.claim(
            jobs, "a", match={"state": "pending"}, lease=MINUTE, at=NOW, sort=[("_id", -1)],
            also={"$inc": {"attempts": 1}, "$set": {"state": "running"}},
        )  # fmt: skip

        assert claimed is not None and claimed["_id"] == 2
        assert (claimed["attempts"], claimed["state"]) == (1, "running")

    async def test_an_integer_millisecond_end(self, jobs: Collection) -> None:
        await add(jobs, 1, MS_LEASE)

        claimed = await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW, fields=MS_LEASE)
        again = await leases.claim(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW, fields=MS_LEASE)

        assert claimed is not None and claimed["lease_ms"] == epoch_ms(NOW + MINUTE)
        assert again is None


class TestClaimMany:
    async def test_takes_the_first_free_ones_in_order_up_to_the_limit(self, jobs: Collection) -> None:
        await add(jobs, 5, MS_LEASE)
        await leases.claim(jobs, "other", match={"_id": 1}, lease=MINUTE, at=NOW, fields=MS_LEASE)

        held = await leases.claim_many(
            jobs,
            "a",
            match={"state": "pending"},
            lease=MINUTE,
            at=NOW,
            limit=3,
            order_by="_id",
            fields=MS_LEASE,
        )

        assert [document["_id"] for document in held] == [0, 2, 3]
        owners = {document["_id"]: document["lease_owner"] async for document in jobs.find({})}
        assert owners == {0: "a", 1: "other", 2: "a", 3: "a", 4: None}

    async def test_two_claimants_at_once_never_share_a_document(self, jobs: Collection) -> None:
        await add(jobs, 20, MS_LEASE)

        first, second = await asyncio.gather(
            *(
                leases.claim_many(
                    jobs, owner, match={}, lease=MINUTE, at=NOW, limit=15, order_by="_id", fields=MS_LEASE
                )
                for owner in ("a", "b")
            )
        )

        mine, theirs = {d["_id"] for d in first}, {d["_id"] for d in second}
        assert not mine & theirs
        assert len(mine) + len(theirs) == await jobs.count_documents({"lease_owner": {"$ne": None}})

    async def test_nothing_claimable_is_an_empty_list(self, jobs: Collection) -> None:
        assert (
            await leases.claim_many(jobs, "a", match={}, lease=MINUTE, at=NOW, limit=10, order_by="_id") == []
        )


class TestHolderOnly:
    async def test_only_the_holder_renews(self, jobs: Collection) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)

        other = await leases.renew(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW)
        mine = await leases.renew(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW + MINUTE / 2)

        assert other is None
        assert mine is not None and mine["lease_until"] == NOW + MINUTE * 3 / 2

    async def test_an_ended_lease_is_not_renewed_when_it_must_be_unexpired(self, jobs: Collection) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)
        later = NOW + 2 * MINUTE

        refused = await leases.renew(jobs, "a", match={"_id": 0}, lease=MINUTE, at=later, unexpired=True)
        allowed = await leases.renew(jobs, "a", match={"_id": 0}, lease=MINUTE, at=later)

        assert refused is None
        assert allowed is not None and allowed["lease_until"] == later + MINUTE

    async def test_a_claimant_that_lost_its_lease_cannot_complete(self, jobs: Collection) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)
        await leases.claim(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW + MINUTE)

        lost = await leases.complete(jobs, "a", match={"_id": 0}, update={"$set": {"state": "done-by-a"}})
        kept = await leases.complete(jobs, "b", match={"_id": 0}, update={"$set": {"state": "done-by-b"}})

        assert (lost, kept) == (False, True)
        assert (await jobs.find_one({"_id": 0}) or {})["state"] == "done-by-b"

    async def test_completing_after_the_end_is_refused_when_asked(self, jobs: Collection) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)

        late = await leases.complete(
            jobs, "a", match={"_id": 0}, update={"$set": {"state": "done"}}, unexpired_at=NOW + MINUTE
        )

        assert late is False
        assert (await jobs.find_one({"_id": 0}) or {})["state"] == "pending"

    async def test_release_frees_the_lease_for_anyone_and_only_for_the_holder(self, jobs: Collection) -> None:
        await add(jobs, 1)
        await leases.claim(jobs, "a", match={"_id": 0}, lease=MINUTE, at=NOW)

        by_other = await leases.release(jobs, "b", match={"_id": 0})
        by_holder = await leases.release(jobs, "a", match={"_id": 0}, also={"$set": {"state": "waiting"}})
        next_claim = await leases.claim(jobs, "b", match={"_id": 0}, lease=MINUTE, at=NOW)

        assert (by_other, by_holder) == (False, True)
        assert next_claim is not None and (next_claim["lease_owner"], next_claim["state"]) == ("b", "waiting")
