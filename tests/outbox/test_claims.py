"""Claiming outbox events with leases, and recording their outcome."""

from __future__ import annotations

import asyncio
import datetime as dt

from models.common.db import Database
from models.common.outbox import OUTBOX
from models.common.outbox_worker import (
    DEFAULT_RETENTION,
    claim_next,
    complete,
    fail,
    retry_delay,
)
from tests.outbox.factories import FakeClock, enqueue, make_event, make_events

LEASE = dt.timedelta(seconds=60)


async def stored(db: Database, event_id: str) -> dict:
    record = await OUTBOX.of(db).find_one({"_id": event_id})
    assert record is not None
    return record


class TestClaimNext:
    async def test_leases_the_oldest_available_event(self, db: Database, clock: FakeClock) -> None:
        first = make_event(clock)
        await enqueue(db, clock, [first])
        clock.advance(dt.timedelta(seconds=1))
        await enqueue(db, clock, [make_event(clock)])

        claimed = await claim_next(db, "worker-a", LEASE, now=clock)

        assert claimed is not None
        assert claimed.id == first.id
        assert claimed.payload == {}
        assert claimed.attempts == 1
        assert claimed.lease_owner == "worker-a"
        assert claimed.lease_until == clock() + LEASE
        record = await stored(db, first.id)
        assert (record["lease_owner"], record["attempts"]) == ("worker-a", 1)
        assert record["available_at"] == clock() + LEASE

    async def test_finds_nothing_when_the_outbox_is_empty(self, db: Database) -> None:
        assert await claim_next(db, "worker-a", LEASE) is None

    async def test_a_leased_event_is_not_claimable_before_the_lease_ends(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        await claim_next(db, "worker-a", LEASE, now=clock)
        clock.advance(LEASE - dt.timedelta(seconds=1))

        assert await claim_next(db, "worker-b", LEASE, now=clock) is None

    async def test_a_leased_event_is_claimable_again_after_the_lease_ends(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])
        await claim_next(db, "worker-a", LEASE, now=clock)
        clock.advance(LEASE)

        claimed = await claim_next(db, "worker-b", LEASE, now=clock)

        assert claimed is not None
        assert (claimed.id, claimed.lease_owner, claimed.attempts) == (event.id, "worker-b", 2)

    async def test_concurrent_claimers_each_get_a_different_event(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, make_events(clock, 10))

        claims = await asyncio.gather(*(claim_next(db, f"worker-{n}", LEASE, now=clock) for n in range(12)))

        ids = [claim.id for claim in claims if claim is not None]
        assert len(ids) == 10
        assert len(set(ids)) == 10

    async def test_takes_only_the_kinds_asked_for(self, db: Database, clock: FakeClock) -> None:
        await enqueue(db, clock, [make_event(clock, "motion.tabled")])
        clock.advance(dt.timedelta(seconds=1))
        amended = make_event(clock, "motion.amended")
        await enqueue(db, clock, [amended])

        claimed = await claim_next(db, "worker-a", LEASE, {"motion.amended"}, now=clock)

        assert claimed is not None
        assert claimed.id == amended.id
        assert await claim_next(db, "worker-a", LEASE, {"motion.amended"}, now=clock) is None


class TestComplete:
    async def test_marks_the_event_done_to_expire_after_the_retention(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        claimed = await claim_next(db, "worker-a", LEASE, now=clock)
        assert claimed is not None

        assert await complete(db, claimed, now=clock) is True

        record = await stored(db, claimed.id)
        assert record["state"] == "done"
        assert record["done_at"] == clock()
        assert record["expire_at"] == clock() + DEFAULT_RETENTION
        assert await claim_next(db, "worker-b", LEASE, now=clock) is None

    async def test_after_the_lease_went_to_another_worker_reports_false(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        late = await claim_next(db, "worker-a", LEASE, now=clock)
        clock.advance(LEASE)
        current = await claim_next(db, "worker-b", LEASE, now=clock)
        assert late is not None
        assert current is not None

        assert await complete(db, late, now=clock) is False

        record = await stored(db, late.id)
        assert (record["state"], record["lease_owner"]) == ("pending", "worker-b")

    async def test_a_stale_claim_of_the_same_owner_reports_false(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        stale = await claim_next(db, "worker-a", LEASE, now=clock)
        clock.advance(LEASE)
        await claim_next(db, "worker-a", LEASE, now=clock)
        assert stale is not None

        assert await complete(db, stale, now=clock) is False

    async def test_twice_reports_false_the_second_time(self, db: Database, clock: FakeClock) -> None:
        await enqueue(db, clock, [make_event(clock)])
        claimed = await claim_next(db, "worker-a", LEASE, now=clock)
        assert claimed is not None

        assert await complete(db, claimed, now=clock) is True
        assert await complete(db, claimed, now=clock) is False


class TestFail:
    async def test_makes_the_event_claimable_after_a_back_off(self, db: Database, clock: FakeClock) -> None:
        await enqueue(db, clock, [make_event(clock)])
        claimed = await claim_next(db, "worker-a", LEASE, now=clock)
        assert claimed is not None

        assert await fail(db, claimed, "push service down", max_attempts=3, now=clock) is True

        record = await stored(db, claimed.id)
        assert record["state"] == "pending"
        assert record["available_at"] == clock() + dt.timedelta(seconds=2)
        assert record["last_error"] == "push service down"
        assert record["lease_owner"] is None
        clock.advance(dt.timedelta(seconds=1))
        assert await claim_next(db, "worker-a", LEASE, now=clock) is None
        clock.advance(dt.timedelta(seconds=1))
        assert await claim_next(db, "worker-a", LEASE, now=clock) is not None

    async def test_after_the_last_attempt_marks_the_event_dead(self, db: Database, clock: FakeClock) -> None:
        await enqueue(db, clock, [make_event(clock)])
        for _ in range(2):
            claimed = await claim_next(db, "worker-a", LEASE, now=clock)
            assert claimed is not None
            await fail(db, claimed, f"attempt {claimed.attempts} failed", max_attempts=2, now=clock)
            clock.advance(dt.timedelta(minutes=1))

        record = await stored(db, claimed.id)
        assert record["state"] == "dead"
        assert record["attempts"] == 2
        assert record["last_error"] == "attempt 2 failed"
        assert await claim_next(db, "worker-a", LEASE, now=clock) is None

    async def test_stores_at_most_a_thousand_characters_of_error(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        claimed = await claim_next(db, "worker-a", LEASE, now=clock)
        assert claimed is not None

        await fail(db, claimed, "x" * 5_000, now=clock)

        assert len((await stored(db, claimed.id))["last_error"]) == 1_000

    async def test_after_the_lease_went_to_another_worker_reports_false(
        self, db: Database, clock: FakeClock
    ) -> None:
        await enqueue(db, clock, [make_event(clock)])
        late = await claim_next(db, "worker-a", LEASE, now=clock)
        clock.advance(LEASE)
        await claim_next(db, "worker-b", LEASE, now=clock)
        assert late is not None

        assert await fail(db, late, "too late", now=clock) is False
        assert (await stored(db, late.id))["last_error"] is None


class TestRetryDelay:
    def test_doubles_with_each_attempt_up_to_the_cap(self) -> None:
        delays = [retry_delay(n, cap=dt.timedelta(seconds=60)).total_seconds() for n in range(1, 8)]
        assert delays == [2, 4, 8, 16, 32, 60, 60]
