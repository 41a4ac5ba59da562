"""Workers claim jobs with `find_one_and_update`: each job once among concurrent workers, expired again."""

from __future__ import annotations

import asyncio
import datetime as dt

from pymongo import ASCENDING, IndexModel, ReturnDocument

from models.common.db import Collection, Document
from tests.conformance.support import T0, assert_utc_instant

NOW = T0
LEASE = dt.timedelta(minutes=5)
# Far from NOW on purpose: nx-27017 compares dates in filters only to the second.
EXPIRED = NOW - dt.timedelta(hours=1)
LIVE = NOW + dt.timedelta(hours=1)

JOBS = 40
CLAIMERS = 8


async def claim_next(coll: Collection, worker: str) -> Document | None:
    return await coll.find_one_and_update(
        {"lease_until": {"$lte": NOW}},
        {"$set": {"lease_until": NOW + LEASE, "owner": worker}},
        sort=[("seq", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )


async def claim_all(coll: Collection, worker: str) -> list[Document]:
    claimed: list[Document] = []
    while (job := await claim_next(coll, worker)) is not None:
        claimed.append(job)
    return claimed


async def test_concurrent_claimers_each_claim_distinct_jobs(coll: Collection) -> None:
    await coll.create_indexes([IndexModel([("lease_until", ASCENDING), ("seq", ASCENDING)])])
    await coll.insert_many([{"_id": f"job-{n:02d}", "seq": n, "lease_until": EXPIRED} for n in range(JOBS)])

    per_worker = await asyncio.gather(*(claim_all(coll, f"w{n}") for n in range(CLAIMERS)))

    claimed = [(job["_id"], job["owner"]) for jobs in per_worker for job in jobs]
    assert sorted(job_id for job_id, _ in claimed) == [f"job-{n:02d}" for n in range(JOBS)]
    # Each claim returned the state it wrote, and the stored owner is the one that claimed it.
    stored = {doc["_id"]: doc for doc in await coll.find({}).to_list()}
    assert all(stored[job_id]["owner"] == owner for job_id, owner in claimed)
    for doc in stored.values():
        assert_utc_instant(doc["lease_until"], NOW + LEASE)


async def test_claims_follow_the_sort_order(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"job-{n}", "seq": n, "lease_until": EXPIRED} for n in (3, 1, 2)])

    order = [job["_id"] for job in await claim_all(coll, "w")]

    assert order == ["job-1", "job-2", "job-3"]


async def test_an_expired_lease_can_be_reclaimed(coll: Collection) -> None:
    await coll.insert_one({"_id": "job", "seq": 1, "lease_until": EXPIRED, "owner": "crashed"})

    job = await claim_next(coll, "w2")

    assert job is not None
    assert job["_id"] == "job"
    assert job["owner"] == "w2"
    assert_utc_instant(job["lease_until"], NOW + LEASE)


async def test_a_live_lease_cannot_be_claimed(coll: Collection) -> None:
    await coll.insert_one({"_id": "job", "seq": 1, "lease_until": LIVE, "owner": "w1"})

    job = await claim_next(coll, "w2")

    assert job is None
    stored = await coll.find_one({"_id": "job"})
    assert stored is not None
    assert stored["owner"] == "w1"
    assert_utc_instant(stored["lease_until"], LIVE)
