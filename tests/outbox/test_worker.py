"""The outbox worker: every event processed once, through crashes, failures and rivals."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from models.common.db import Database, Document
from models.common.outbox import OUTBOX
from models.common.outbox_worker import (
    ClaimedEvent,
    Handler,
    OutboxWorker,
    claim_next,
    complete,
)
from tests.outbox.factories import FakeClock, enqueue, insert_motion, make_event, make_events

LEASE = dt.timedelta(seconds=60)
RUN_LIMIT_SECONDS = 15


class Deliveries:
    """A handler that records each delivery in a Python list and in a `deliveries` collection."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.by_owner: dict[str, int] = {}

    def handler(self, owner: str = "any") -> Handler:
        async def deliver(event: ClaimedEvent, db: Database) -> None:
            self.seen.append(event.id)
            self.by_owner[owner] = self.by_owner.get(owner, 0) + 1
            # Keyed by event id, as a real handler makes its side effect idempotent.
            await db["deliveries"].insert_one({"_id": event.id, "owner": owner})

        return deliver


def worker(db: Database, clock: FakeClock, handlers: dict[str, Handler], **options: Any) -> OutboxWorker:
    options = {"owner": "worker-a", "lease": LEASE, "poll_interval": 0.01, **options}
    return OutboxWorker(db=db, handlers=handlers, now=clock, **options)


async def record(db: Database, event_id: str) -> Document:
    found = await OUTBOX.of(db).find_one({"_id": event_id})
    assert found is not None
    return found


async def run_until(workers: list[OutboxWorker], condition: Callable[[], Awaitable[bool]]) -> None:
    """Run the workers' loops as concurrent tasks until `condition` holds, then stop them."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        async with asyncio.timeout(RUN_LIMIT_SECONDS):
            # The condition is a database state, so it is polled rather than awaited.
            while True:
                if await condition():
                    break
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


class TestTwoWorkers:
    async def test_process_every_event_exactly_once(self, db: Database, clock: FakeClock) -> None:
        events = []
        for _ in range(30):
            batch = make_events(clock, 10)
            await enqueue(db, clock, batch)
            events += batch
        deliveries = Deliveries()
        workers = [
            worker(db, clock, {"motion.tabled": deliveries.handler(owner)}, owner=owner)
            for owner in ("worker-a", "worker-b")
        ]

        async def all_done() -> bool:
            return await OUTBOX.of(db).count_documents({"state": {"$ne": "done"}}) == 0

        await run_until(workers, all_done)

        assert len(deliveries.seen) == len(set(deliveries.seen))
        assert set(deliveries.seen) == {event.id for event in events}
        assert await db["deliveries"].count_documents({}) == 300
        assert await OUTBOX.of(db).count_documents({"state": "done"}) == 300
        assert deliveries.by_owner["worker-a"] > 0
        assert deliveries.by_owner["worker-b"] > 0


class TestKilledWorker:
    async def test_its_event_waits_for_the_lease_then_goes_to_another_worker(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])
        started = asyncio.Event()
        held: list[ClaimedEvent] = []

        async def hang(claimed: ClaimedEvent, db: Database) -> None:
            held.append(claimed)
            started.set()
            await asyncio.Event().wait()

        killed = asyncio.create_task(worker(db, clock, {"motion.tabled": hang}).run_once())
        await started.wait()
        killed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await killed
        deliveries = Deliveries()
        rival = worker(db, clock, {"motion.tabled": deliveries.handler()}, owner="worker-b")

        assert await rival.drain() == 0
        clock.advance(LEASE)
        assert await rival.drain() == 1

        assert deliveries.seen == [event.id]
        assert await complete(db, held[0], now=clock) is False
        stored = await record(db, event.id)
        assert (stored["state"], stored["lease_owner"], stored["attempts"]) == (
            "done",
            "worker-b",
            2,
        )

    async def test_an_event_that_keeps_killing_workers_ends_dead_unrun(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])
        deliveries = Deliveries()
        survivor = worker(db, clock, {"motion.tabled": deliveries.handler()}, max_attempts=2)
        # Two workers died holding it: each claim counted an attempt, none recorded an outcome.
        for owner in ("crashed-1", "crashed-2"):
            assert await claim_next(db, owner, LEASE, now=clock) is not None
            clock.advance(LEASE)

        assert await survivor.drain() == 1

        assert deliveries.seen == []
        stored = await record(db, event.id)
        assert stored["state"] == "dead"
        assert "gave up after 2 attempts" in stored["last_error"]


class TestFailingHandler:
    async def test_is_retried_after_the_back_off_and_then_succeeds(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])
        calls: list[int] = []

        async def flaky(claimed: ClaimedEvent, db: Database) -> None:
            calls.append(claimed.attempts)
            if claimed.attempts == 1:
                raise ConnectionError("push service down")

        flaky_worker = worker(db, clock, {"motion.tabled": flaky})

        assert await flaky_worker.drain() == 1
        stored = await record(db, event.id)
        assert (stored["state"], stored["last_error"]) == (
            "pending",
            "ConnectionError: push service down",
        )
        assert await flaky_worker.drain() == 0
        clock.advance(dt.timedelta(seconds=2))
        assert await flaky_worker.drain() == 1

        assert calls == [1, 2]
        assert (await record(db, event.id))["state"] == "done"

    async def test_ends_dead_after_the_last_attempt(self, db: Database, clock: FakeClock) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])

        async def broken(claimed: ClaimedEvent, db: Database) -> None:
            raise ValueError(f"bad payload on attempt {claimed.attempts}")

        broken_worker = worker(db, clock, {"motion.tabled": broken}, max_attempts=3)
        for _ in range(3):
            assert await broken_worker.drain() == 1
            clock.advance(dt.timedelta(minutes=5))

        stored = await record(db, event.id)
        assert stored["state"] == "dead"
        assert stored["attempts"] == 3
        assert stored["last_error"] == "ValueError: bad payload on attempt 3"
        assert await broken_worker.drain() == 0

    async def test_is_logged_with_the_event_id_and_kind(
        self, db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])

        async def broken(claimed: ClaimedEvent, db: Database) -> None:
            raise ValueError("bad payload")

        with caplog.at_level(logging.ERROR, logger="townhall.outbox"):
            await worker(db, clock, {"motion.tabled": broken}).drain()

        [logged] = [r for r in caplog.records if r.name == "townhall.outbox"]
        assert event.id in logged.getMessage()
        assert "motion.tabled" in logged.getMessage()
        assert logged.exc_info is not None

    async def test_that_outlives_its_lease_is_stopped_and_failed(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await enqueue(db, clock, [event])

        async def slow(claimed: ClaimedEvent, db: Database) -> None:
            await asyncio.sleep(5)

        short_lease = dt.timedelta(milliseconds=50)
        await worker(db, clock, {"motion.tabled": slow}, lease=short_lease).drain()

        stored = await record(db, event.id)
        assert stored["state"] == "pending"
        assert stored["last_error"] == "TimeoutError"


class TestUnknownKind:
    async def test_ends_dead_and_the_loop_goes_on(self, db: Database, clock: FakeClock) -> None:
        unknown = make_event(clock, "motion.vanished")
        await enqueue(db, clock, [unknown])
        clock.advance(dt.timedelta(seconds=1))
        known = make_event(clock)
        await enqueue(db, clock, [known])
        deliveries = Deliveries()
        loop_worker = worker(db, clock, {"motion.tabled": deliveries.handler()}, max_attempts=1)

        async def known_done() -> bool:
            return (await record(db, known.id))["state"] == "done"

        await run_until([loop_worker], known_done)

        assert deliveries.seen == [known.id]
        stored = await record(db, unknown.id)
        assert stored["state"] == "dead"
        assert stored["last_error"] == "no handler for event kind 'motion.vanished'"


class TestKindsFilter:
    async def test_a_worker_for_some_kinds_leaves_the_others_alone(
        self, db: Database, clock: FakeClock
    ) -> None:
        tabled, amended = make_event(clock), make_event(clock, "motion.amended")
        await enqueue(db, clock, [tabled, amended])
        deliveries = Deliveries()
        amendments_worker = worker(
            db, clock, {"motion.amended": deliveries.handler()}, kinds={"motion.amended"}
        )

        assert await amendments_worker.drain() == 1

        assert deliveries.seen == [amended.id]
        stored = await record(db, tabled.id)
        assert (stored["state"], stored["attempts"]) == ("pending", 0)


class TestSweep:
    async def test_the_loop_relays_events_a_crash_left_in_their_document(
        self, db: Database, clock: FakeClock
    ) -> None:
        event = make_event(clock)
        await insert_motion(db, [event])
        clock.advance(dt.timedelta(minutes=1))
        deliveries = Deliveries()
        sweeping_worker = worker(db, clock, {"motion.tabled": deliveries.handler()})

        async def delivered() -> bool:
            return deliveries.seen == [event.id]

        await run_until([sweeping_worker], delivered)

        assert (await record(db, event.id))["state"] == "done"
