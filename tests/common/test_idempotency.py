"""Idempotent retries: a key runs its request once, replays the result, and refuses other requests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from models.common.clock import utcnow
from models.common.db import Database, Document, connect
from models.common.errors import Conflict, InvalidInput, NotFound
from models.common.idempotency import (
    IDEMPOTENCY_KEYS,
    LEASE,
    RETENTION,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    key_id,
    run_once,
)

WAIT = 5.0  # seconds; a hung request fails the test instead of hanging it
ALICE = "65f0a11ce0000000000000a1"
BOB = "65f0b0b000000000000000b2"
KEY = "4d7c1a2e-retry_1"
SIGN = "signPetition"
PAYLOAD: dict[str, Any] = {"petitionId": "65f0cafe0000000000000001", "district": "xuhui"}


class Clock:
    """Starts at the real time (TTL indexes expire against it) and moves only when told."""

    def __init__(self) -> None:
        self.current = utcnow()

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


class Mutation:
    """A stand-in mutation that counts its runs; it can be held at its start until released."""

    def __init__(self, result: dict[str, Any] | None = None, *, hold: bool = False) -> None:
        self.result = result or {"__typename": "PetitionSigned", "signatures": 101}
        self.runs = 0
        self.started = asyncio.Event()
        self.released = asyncio.Event()
        if not hold:
            self.released.set()

    async def __call__(self) -> dict[str, Any]:
        self.runs += 1
        self.started.set()
        await self.released.wait()
        return dict(self.result)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def sign(
    db: Database,
    run: Callable[[], Awaitable[dict[str, Any]]],
    clock: Clock,
    *,
    key: str = KEY,
    actor_id: str = ALICE,
    operation: str = SIGN,
    payload: Mapping[str, Any] = PAYLOAD,
) -> dict[str, Any]:
    return await run_once(
        db, key=key, actor_id=actor_id, operation=operation, payload=payload, run=run, now=clock
    )


class TestFirstRequest:
    async def test_runs_and_returns_the_result_and_stores_it(self, db: Database, clock: Clock) -> None:
        mutation = Mutation()

        result = await sign(db, mutation, clock)

        assert result == {"__typename": "PetitionSigned", "signatures": 101}
        stored = await IDEMPOTENCY_KEYS.of(db).find_one({"_id": key_id(ALICE, KEY)})
        assert stored is not None
        assert (stored["state"], stored["result"], stored["actor_id"], stored["operation"]) == (
            "done",
            result,
            ALICE,
            SIGN,
        )
        assert stored["expires_at"] == clock() + RETENTION
        assert "claim" not in stored and "lease_until" not in stored
        assert KEY not in str(stored["_id"])

    async def test_the_keys_expire_through_a_ttl_index(self, db: Database) -> None:
        indexes = (await IDEMPOTENCY_KEYS.of(db).index_information()).values()

        assert [
            (info["key"], info["expireAfterSeconds"]) for info in indexes if "expireAfterSeconds" in info
        ] == [([("expires_at", 1)], 0)]


class TestRetry:
    async def test_a_retry_returns_the_stored_result_without_running_again(
        self, db: Database, clock: Clock
    ) -> None:
        mutation = Mutation()
        first = await sign(db, mutation, clock)
        clock.advance(dt.timedelta(minutes=5))

        retried = await sign(db, mutation, clock)

        assert retried == first
        assert mutation.runs == 1

    async def test_a_retry_through_another_api_process_gets_the_stored_result(
        self, db: Database, mongodb_uri: str, clock: Clock
    ) -> None:
        mutation = Mutation({"__typename": "PetitionSigned", "id": ObjectId(), "at": clock()})
        first = await sign(db, mutation, clock)
        other_client: AsyncMongoClient[Document] = connect(mongodb_uri)
        try:
            retried = await sign(other_client[db.name], mutation, clock)
        finally:
            await other_client.close()

        assert retried == first
        assert mutation.runs == 1

    async def test_the_same_payload_with_its_keys_in_another_order_is_the_same_request(
        self, db: Database, clock: Clock
    ) -> None:
        mutation = Mutation()
        await sign(db, mutation, clock, payload={"a": 1, "b": {"x": [1, 2], "y": None}})

        await sign(db, mutation, clock, payload={"b": {"y": None, "x": [1, 2]}, "a": 1})

        assert mutation.runs == 1

    async def test_an_expected_failure_returned_as_a_result_is_replayed_too(
        self, db: Database, clock: Clock
    ) -> None:
        mutation = Mutation({"__typename": "PetitionClosed", "message": "signatures closed on 1 May"})
        await sign(db, mutation, clock)

        assert (await sign(db, mutation, clock))["__typename"] == "PetitionClosed"
        assert mutation.runs == 1

    async def test_after_the_retention_the_key_is_free_again(self, db: Database, clock: Clock) -> None:
        mutation = Mutation()
        await sign(db, mutation, clock)
        clock.advance(RETENTION)

        await sign(db, mutation, clock, payload={"petitionId": "another"})

        assert mutation.runs == 2


class TestRefusals:
    @pytest.mark.parametrize(
        ("operation", "payload"),
        [
            (SIGN, {**PAYLOAD, "district": "jingan"}),
            (SIGN, {**PAYLOAD, "extra": None}),
            (SIGN, {}),
            ("withdrawSignature", PAYLOAD),
        ],
    )
    async def test_a_used_key_with_another_request_is_refused(
        self, db: Database, clock: Clock, operation: str, payload: Mapping[str, Any]
    ) -> None:
        mutation = Mutation()
        await sign(db, mutation, clock)

        with pytest.raises(IdempotencyKeyReused) as refused:
            await sign(db, mutation, clock, operation=operation, payload=payload)

        assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
        assert refused.value.message == "this idempotency key was used for a different request"
        assert refused.value.field == "idempotencyKey"
        assert isinstance(refused.value, Conflict)
        assert mutation.runs == 1

    @pytest.mark.parametrize(
        "key", ["", "x" * 101, "has space", "semi;colon", "a:b", "ключ", "tab\t", "new\nline", "$gt", "a.b"]
    )
    async def test_a_malformed_key_is_invalid_input(self, db: Database, clock: Clock, key: str) -> None:
        mutation = Mutation()

        with pytest.raises(InvalidInput) as refused:
            await sign(db, mutation, clock, key=key)

        assert refused.value.field == "idempotencyKey"
        assert mutation.runs == 0
        assert await IDEMPOTENCY_KEYS.of(db).find_one({}) is None

    @pytest.mark.parametrize("key", ["a", "x" * 100, "A-z_0-9", "01J9Z6Q3K4W5E6R7T8Y9U0I1O2"])
    async def test_a_well_formed_key_is_accepted(self, db: Database, clock: Clock, key: str) -> None:
        assert await sign(db, Mutation(), clock, key=key) == Mutation().result


class TestPeople:
    async def test_different_people_with_the_same_key_are_independent(
        self, db: Database, clock: Clock
    ) -> None:
        alice, bob = Mutation({"by": "alice"}), Mutation({"by": "bob"})

        assert await sign(db, alice, clock) == {"by": "alice"}
        assert await sign(db, bob, clock, actor_id=BOB, payload={"other": "payload"}) == {"by": "bob"}
        assert await sign(db, alice, clock) == {"by": "alice"}
        assert (alice.runs, bob.runs) == (1, 1)


class TestConcurrency:
    async def test_of_two_concurrent_duplicates_one_runs_and_the_other_is_told_to_wait(
        self, db: Database, clock: Clock
    ) -> None:
        mutation = Mutation(hold=True)
        requests = [asyncio.create_task(sign(db, mutation, clock)) for _ in range(2)]

        # The one that runs is held until released, so the first to finish is the other one.
        done, _ = await asyncio.wait(requests, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        mutation.released.set()
        await asyncio.wait(requests, timeout=WAIT)

        (duplicate,) = done
        (first,) = [request for request in requests if request is not duplicate]
        in_progress = duplicate.exception()
        assert isinstance(in_progress, IdempotencyInProgress)
        assert (in_progress.code, in_progress.retry_after) == ("IN_PROGRESS", LEASE.seconds)
        assert first.result() == mutation.result
        assert mutation.runs == 1
        assert await sign(db, mutation, clock) == mutation.result
        assert mutation.runs == 1

    async def test_the_retry_after_counts_down_the_lease(self, db: Database, clock: Clock) -> None:
        mutation = Mutation(hold=True)
        first = asyncio.create_task(sign(db, mutation, clock))
        await asyncio.wait_for(mutation.started.wait(), WAIT)
        clock.advance(dt.timedelta(seconds=45))
        try:
            with pytest.raises(IdempotencyInProgress) as waiting:
                await sign(db, mutation, clock)
        finally:
            mutation.released.set()
            await asyncio.wait_for(first, WAIT)

        assert waiting.value.retry_after == 15
        assert waiting.value.message == (
            "a request with this idempotency key is still running; try again in 15 seconds"
        )


class TestFailures:
    async def test_a_request_that_raised_can_be_retried_and_then_runs(
        self, db: Database, clock: Clock
    ) -> None:
        failing = Mutation()
        failing.result = {}

        async def not_found() -> dict[str, Any]:
            await failing()
            raise NotFound("no such petition")

        with pytest.raises(NotFound):
            await sign(db, not_found, clock)
        mutation = Mutation()
        result = await sign(db, mutation, clock)

        assert (failing.runs, mutation.runs) == (1, 1)
        assert result == mutation.result

    async def test_a_crashed_request_holds_the_key_until_its_lease_ends_then_a_retry_runs(
        self, db: Database, clock: Clock
    ) -> None:
        crashed = Mutation(hold=True)
        first = asyncio.create_task(sign(db, crashed, clock))
        await asyncio.wait_for(crashed.started.wait(), WAIT)
        first.cancel()  # like a process that died mid-request: nothing releases the key
        with pytest.raises(asyncio.CancelledError):
            await first
        retry = Mutation()

        clock.advance(LEASE - dt.timedelta(seconds=1))
        with pytest.raises(IdempotencyInProgress):
            await sign(db, retry, clock)
        clock.advance(dt.timedelta(seconds=1))
        result = await sign(db, retry, clock)

        assert result == retry.result
        assert (crashed.runs, retry.runs) == (1, 1)
        assert await sign(db, Mutation(), clock) == retry.result
