"""Claiming due deliveries with leases, recording outcomes under the claim, releasing on shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from models.common.clock import epoch_ms, from_epoch_ms
from models.common.db import Database
from models.notifications.deliveries import (
    FREE,
    Outcome,
    claim_due,
    oldest_due,
    record_outcomes,
    release,
)
from models.notifications.documents import DELIVERIES
from tests.push.delivery_factories import FakeClock, add_deliveries, add_device, delivery_for, stored
from tests.support.command_log import CommandLog

LEASE = dt.timedelta(minutes=2)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class TestClaimDue:
    async def test_claims_due_free_deliveries_oldest_first(self, db: Database, clock: FakeClock) -> None:
        now = clock()
        device = await add_device(db)
        older = delivery_for(device, now=now, due_at=now - dt.timedelta(minutes=5))
        newer = delivery_for(device, now=now, due_at=now - dt.timedelta(minutes=1))
        await DELIVERIES.of(db).insert_many([newer, older])

        claimed = await claim_due(db, "worker-a", lease=LEASE, now=now)

        assert [d["_id"] for d in claimed] == [older["_id"], newer["_id"]]
        assert all(d["lease_owner"] == "worker-a" for d in claimed)
        assert all(d["lease_ms"] == epoch_ms(now + LEASE) for d in claimed)
        assert all(d["attempts"] == 1 for d in claimed)
        assert claimed[0]["message"] == older["message"]

    async def test_claims_at_most_the_limit(self, db: Database, clock: FakeClock) -> None:
        await add_deliveries(db, 7, now=clock())

        first = await claim_due(db, "worker-a", limit=5, now=clock())
        second = await claim_due(db, "worker-a", limit=5, now=clock())

        assert len(first) == 5
        assert len(second) == 2
        assert not {d["_id"] for d in first} & {d["_id"] for d in second}

    async def test_leaves_deliveries_not_yet_due(self, db: Database, clock: FakeClock) -> None:
        now = clock()
        device = await add_device(db)
        later = delivery_for(device, now=now, due_at=now + dt.timedelta(milliseconds=1))
        await DELIVERIES.of(db).insert_one(later)

        assert await claim_due(db, "worker-a", now=now) == []
        clock.advance(dt.timedelta(milliseconds=1))
        assert [d["_id"] for d in await claim_due(db, "worker-a", now=clock())] == [later["_id"]]

    async def test_leaves_deliveries_already_claimed_until_the_lease_lapses(
        self, db: Database, clock: FakeClock
    ) -> None:
        [delivery] = await add_deliveries(db, 1, now=clock())
        await claim_due(db, "worker-a", lease=LEASE, now=clock())

        clock.advance(LEASE - dt.timedelta(milliseconds=1))
        assert await claim_due(db, "worker-b", now=clock()) == []
        clock.advance(dt.timedelta(milliseconds=2))
        [again] = await claim_due(db, "worker-b", lease=LEASE, now=clock())

        assert again["_id"] == delivery["_id"]
        assert (again["lease_owner"], again["attempts"]) == ("worker-b", 2)

    async def test_leaves_finished_deliveries(self, db: Database, clock: FakeClock) -> None:
        device = await add_device(db)
        await DELIVERIES.of(db).insert_many(
            [delivery_for(device, now=clock(), status=status) for status in ("sent", "failed", "dropped")]
        )

        assert await claim_due(db, "worker-a", now=clock()) == []

    async def test_concurrent_claimers_never_hold_one_delivery(self, db: Database, clock: FakeClock) -> None:
        made = await add_deliveries(db, 120, now=clock())

        async def claim_all(owner: str) -> list[str]:
            held: list[str] = []
            while batch := await claim_due(db, owner, limit=7, now=clock()):
                held += [d["_id"] for d in batch]
            return held

        per_owner = await asyncio.gather(*(claim_all(f"worker-{n}") for n in range(6)))

        claimed = [delivery_id for held in per_owner for delivery_id in held]
        assert sorted(claimed) == sorted(d["_id"] for d in made)
        assert await DELIVERIES.of(db).count_documents({"attempts": 1}) == 120

    async def test_claims_in_three_commands_not_one_per_delivery(
        self, db: Database, clock: FakeClock, command_log: CommandLog
    ) -> None:
        await add_deliveries(db, 50, now=clock())

        with command_log.count() as used:
            claimed = await claim_due(db, "worker-a", now=clock())

        assert len(claimed) == 50
        assert used.commands == [("find", "deliveries"), ("update", "deliveries"), ("find", "deliveries")]


class TestRecordOutcomes:
    async def test_records_sent_retry_and_failed_and_frees_the_lease(
        self, db: Database, clock: FakeClock
    ) -> None:
        await add_deliveries(db, 3, now=clock())
        sent, retried, failed = await claim_due(db, "worker-a", now=clock())
        at = clock()
        retry_at = at + dt.timedelta(seconds=30)

        recorded = await record_outcomes(
            db,
            "worker-a",
            [
                Outcome(
                    delivery_id=sent["_id"], attempts=1, status="sent", at=at, fcm_message_id="projects/p/m/1"
                ),
                Outcome(
                    delivery_id=retried["_id"],
                    attempts=1,
                    status="pending",
                    at=at,
                    error_code="UNAVAILABLE",
                    error_message="The service is currently unavailable.",
                    retry_at=retry_at,
                ),
                Outcome(
                    delivery_id=failed["_id"],
                    attempts=1,
                    status="failed",
                    at=at,
                    error_code="THIRD_PARTY_AUTH_ERROR",
                ),
            ],
        )

        assert recorded == 3
        done = await stored(db, sent["_id"])
        assert (done["status"], done["sent_at"], done["fcm_message_id"]) == ("sent", at, "projects/p/m/1")
        again = await stored(db, retried["_id"])
        assert (again["status"], from_epoch_ms(again["due_ms"]), again["error"]["code"]) == (
            "pending",
            retry_at,
            "UNAVAILABLE",
        )
        lost = await stored(db, failed["_id"])
        assert (lost["status"], lost["error"]["code"]) == ("failed", "THIRD_PARTY_AUTH_ERROR")
        for document in (done, again, lost):
            assert (document["lease_owner"], document["lease_ms"]) == (None, FREE)

    async def test_a_superseded_claim_records_nothing(self, db: Database, clock: FakeClock) -> None:
        await add_deliveries(db, 1, now=clock())
        [first] = await claim_due(db, "worker-a", lease=LEASE, now=clock())
        clock.advance(LEASE + dt.timedelta(seconds=1))
        [second] = await claim_due(db, "worker-b", lease=LEASE, now=clock())
        await record_outcomes(
            db, "worker-b", [Outcome(delivery_id=second["_id"], attempts=2, status="sent", at=clock())]
        )

        late = await record_outcomes(
            db,
            "worker-a",
            [
                Outcome(
                    delivery_id=first["_id"], attempts=1, status="failed", at=clock(), error_code="INTERNAL"
                )
            ],
        )

        assert late == 0
        assert (await stored(db, first["_id"]))["status"] == "sent"

    async def test_the_same_owner_with_an_older_claim_records_nothing(
        self, db: Database, clock: FakeClock
    ) -> None:
        await add_deliveries(db, 1, now=clock())
        [first] = await claim_due(db, "worker-a", lease=LEASE, now=clock())
        clock.advance(LEASE + dt.timedelta(seconds=1))
        await claim_due(db, "worker-a", lease=LEASE, now=clock())

        late = await record_outcomes(
            db, "worker-a", [Outcome(delivery_id=first["_id"], attempts=1, status="sent", at=clock())]
        )

        assert late == 0
        assert (await stored(db, first["_id"]))["status"] == "pending"

    def test_a_retry_needs_its_time(self) -> None:
        with pytest.raises(ValueError, match="retry_at"):
            Outcome(delivery_id="d", attempts=1, status="pending", at=dt.datetime.now(dt.UTC))


class TestRelease:
    async def test_gives_back_unsent_claims_without_counting_an_attempt(
        self, db: Database, clock: FakeClock
    ) -> None:
        await add_deliveries(db, 4, now=clock())
        held = await claim_due(db, "worker-a", now=clock())

        released = await release(db, "worker-a", held)

        assert released == 4
        async for document in DELIVERIES.of(db).find({}):
            assert (
                document["status"],
                document["lease_owner"],
                document["lease_ms"],
                document["attempts"],
            ) == (
                "pending",
                None,
                FREE,
                0,
            )
        assert len(await claim_due(db, "worker-b", now=clock())) == 4

    async def test_leaves_what_another_worker_holds_now(self, db: Database, clock: FakeClock) -> None:
        await add_deliveries(db, 1, now=clock())
        held = await claim_due(db, "worker-a", lease=LEASE, now=clock())
        clock.advance(LEASE + dt.timedelta(seconds=1))
        [taken] = await claim_due(db, "worker-b", now=clock())

        assert await release(db, "worker-a", held) == 0
        assert (await stored(db, taken["_id"]))["lease_owner"] == "worker-b"


class TestQueueLag:
    async def test_oldest_due_is_the_longest_waiting_pending_delivery(
        self, db: Database, clock: FakeClock
    ) -> None:
        now = clock()
        device = await add_device(db)
        await DELIVERIES.of(db).insert_many(
            [
                delivery_for(device, now=now, due_at=now - dt.timedelta(hours=2), status="sent"),
                delivery_for(device, now=now, due_at=now - dt.timedelta(minutes=3)),
                delivery_for(device, now=now, due_at=now - dt.timedelta(minutes=1)),
                delivery_for(device, now=now, due_at=now + dt.timedelta(hours=8)),
            ]
        )

        assert await oldest_due(db, now=now) == now - dt.timedelta(minutes=3)

    async def test_nothing_due_has_no_lag(self, db: Database, clock: FakeClock) -> None:
        assert await oldest_due(db, now=clock()) is None
