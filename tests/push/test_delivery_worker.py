"""The delivery loop against the fake FCM: every delivery sent once, through storms, outages and rivals."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import firebase_admin
import pytest

from api.settings import Settings
from models.common.clock import from_epoch_ms
from models.common.db import Database, Document
from models.notifications.deliveries import FREE, Outcome, claim_due, record_outcomes
from models.notifications.documents import DELIVERIES, DEVICES
from push.delivery_worker import DeliveryReport, DeliveryWorker
from push.firebase_app import messaging_app
from push.metrics import DeliveryMetrics
from push.retries import RetryPolicy
from tests.push.delivery_factories import (
    FakeClock,
    add_deliveries,
    add_device,
    by_status,
    delivery_for,
    stored,
)
from tests.support.fake_fcm import FakeFcm, FcmFailure

LEASE = dt.timedelta(minutes=2)
# Small back-off so a test moves its clock by seconds; the quota floor as in production.
POLICY = RetryPolicy(max_attempts=6, base=dt.timedelta(seconds=1), cap=dt.timedelta(seconds=4))
RUN_LIMIT_SECONDS = 30


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(fake_fcm: FakeFcm) -> firebase_admin.App:
    return messaging_app(
        Settings(
            firebase_project_id=fake_fcm.project_id,
            fcm_endpoint=fake_fcm.endpoint,
            fcm_static_token=fake_fcm.static_token,
        )
    )


async def once(db: Database, app: firebase_admin.App, clock: FakeClock, **options: Any) -> DeliveryReport:
    options = {"owner": "worker-a", "lease": LEASE, "policy": POLICY, "now": clock, **options}
    return await DeliveryWorker(db=db, app=app, **options).deliver_due()


def received_per_token(fake: FakeFcm) -> collections.Counter[str]:
    return collections.Counter(message.target for message in fake.messages)


def assert_each_sent_once(fake: FakeFcm, made: list[Document]) -> None:
    assert received_per_token(fake) == {d["token"]: 1 for d in made}


def collapse_id(message: Document) -> tuple[str | None, ...]:
    """What makes a phone show repeats of a message once, whatever its platform."""
    return (
        message.get("android", {}).get("collapse_key"),
        message.get("apns", {}).get("headers", {}).get("apns-collapse-id"),
        message.get("webpush", {}).get("headers", {}).get("Topic"),
    )


async def wait_for(
    condition: Callable[[], Awaitable[bool] | bool], seconds: float = RUN_LIMIT_SECONDS
) -> None:
    """Poll `condition` (a database state or the fake's) until it holds."""
    async with asyncio.timeout(seconds):
        while True:
            holds = condition()
            if holds if isinstance(holds, bool) else await holds:
                return
            await asyncio.sleep(0.02)


class TestSending:
    async def test_every_due_delivery_is_sent_once_and_recorded(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 30, now=clock())

        report = await once(db, app, clock, batch_size=7, concurrency=2)

        assert (report.sent, report.retried, report.failed, report.lost) == (30, 0, 0, 0)
        assert_each_sent_once(fake_fcm, made)
        for delivery in made:
            record = await stored(db, delivery["_id"])
            [received] = fake_fcm.messages_for(delivery["token"])
            assert (record["status"], record["fcm_message_id"], record["sent_at"]) == (
                "sent",
                received.name,
                clock(),
            )
            assert (record["lease_owner"], record["lease_ms"], record["attempts"]) == (None, FREE, 1)
            assert received.data["notification_id"] == delivery["notification_id"]

    async def test_a_second_run_sends_nothing_again(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 5, now=clock())
        await once(db, app, clock)
        clock.advance(dt.timedelta(hours=1))

        report = await once(db, app, clock)

        assert report == DeliveryReport()
        assert_each_sent_once(fake_fcm, made)

    async def test_a_delivery_waits_for_its_due_time(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        device = await add_device(db)
        morning = delivery_for(device, now=clock(), due_at=clock() + dt.timedelta(hours=9))
        await DELIVERIES.of(db).insert_one(morning)

        await once(db, app, clock)
        assert fake_fcm.count() == 0
        clock.advance(dt.timedelta(hours=9))
        await once(db, app, clock)

        assert fake_fcm.count(device["_id"]) == 1

    async def test_a_push_sent_late_keeps_only_the_time_to_live_it_has_left(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        device = await add_device(db)
        late = delivery_for(device, now=clock(), expires_at=clock() + dt.timedelta(hours=2))
        await DELIVERIES.of(db).insert_one(late)
        clock.advance(dt.timedelta(minutes=30))  # an outage held it back

        await once(db, app, clock)

        (sent,) = fake_fcm.messages_for(device["_id"])
        assert sent.message["android"]["ttl"] == "5400s"

    async def test_a_push_whose_time_to_live_passed_unsent_is_dropped_not_sent(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        device = await add_device(db)
        stale = delivery_for(device, now=clock(), expires_at=clock() + dt.timedelta(hours=1))
        await DELIVERIES.of(db).insert_one(stale)
        clock.advance(dt.timedelta(hours=2))

        report = await once(db, app, clock)

        assert (report.sent, report.dropped, fake_fcm.count()) == (0, 1, 0)
        assert (await stored(db, stale["_id"]))["status"] == "dropped"
        assert (await stored(db, stale["_id"]))["error"]["code"] == "EXPIRED"

    async def test_batches_are_in_flight_together(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        await add_deliveries(db, 40, now=clock())
        fake_fcm.slow_down(0.2)

        await once(db, app, clock, batch_size=10, concurrency=4)

        assert fake_fcm.peak_in_flight > 10  # more than one batch's requests at once


class TestQuotaStorm:
    async def test_429_with_retry_after_waits_that_long_then_everything_arrives_once(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 10, now=clock())
        started = clock()
        fake_fcm.fail_next(10, FcmFailure.QUOTA_EXCEEDED, retry_after=30)

        first = await once(db, app, clock)

        assert (first.sent, first.retried) == (0, 10)
        for delivery in made:
            record = await stored(db, delivery["_id"])
            assert record["status"] == "pending"
            assert record["error"]["code"] == "QUOTA_EXCEEDED"
            retry_at = from_epoch_ms(record["due_ms"])
            assert started + dt.timedelta(seconds=30) <= retry_at <= started + dt.timedelta(seconds=31)
        # Before Retry-After has passed nothing is tried.
        clock.advance(dt.timedelta(seconds=29))
        assert await once(db, app, clock) == DeliveryReport()
        assert len(fake_fcm.refused) == 10
        clock.advance(dt.timedelta(seconds=2))
        second = await once(db, app, clock)

        assert second.sent == 10
        assert_each_sent_once(fake_fcm, made)
        assert await by_status(db) == {"sent": 10}

    async def test_a_long_storm_ends_with_everything_delivered_once(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 12, now=clock())
        # 30 refusals: the storm outlasts two full rounds and ends in the middle of the third.
        fake_fcm.fail_next(30, FcmFailure.QUOTA_EXCEEDED, retry_after=5)

        rounds = 0
        while await by_status(db) != {"sent": 12}:
            rounds += 1
            assert rounds < 10
            await once(db, app, clock, batch_size=4, concurrency=1)
            clock.advance(dt.timedelta(seconds=10))

        assert_each_sent_once(fake_fcm, made)
        assert len(fake_fcm.refused) == 30

    async def test_a_worker_pauses_claims_while_fcm_asks_to_wait(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        await add_deliveries(db, 6, now=clock())
        fake_fcm.fail_next(1, FcmFailure.QUOTA_EXCEEDED, retry_after=60)
        worker = DeliveryWorker(
            db=db, app=app, owner="worker-a", batch_size=1, concurrency=1, policy=POLICY, now=clock
        )

        report = await worker.deliver_due()

        # The first 429 stops the pass: the other five wait for the pause, untried.
        assert (report.sent, report.retried) == (0, 1)
        assert fake_fcm.count() == 0
        assert await DELIVERIES.of(db).count_documents({"attempts": 0}) == 5
        clock.advance(dt.timedelta(seconds=61))
        assert (await worker.deliver_due()).sent >= 5


class TestOutage:
    async def test_503_then_recovery_delivers_everything_once(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 8, now=clock())
        # Two rounds down (the app sends each message once: push/firebase_app.py turns off the SDK's retries).
        fake_fcm.fail_next(8 * 2, FcmFailure.UNAVAILABLE)

        first = await once(db, app, clock)
        assert first.retried == 8
        record = await stored(db, made[0]["_id"])
        assert (record["status"], record["attempts"], record["error"]["code"]) == (
            "pending",
            1,
            "UNAVAILABLE",
        )
        clock.advance(dt.timedelta(seconds=5))
        assert (await once(db, app, clock)).retried == 8
        clock.advance(dt.timedelta(seconds=5))
        third = await once(db, app, clock)

        assert third.sent == 8
        assert_each_sent_once(fake_fcm, made)
        assert [(await stored(db, d["_id"]))["attempts"] for d in made] == [3] * 8

    async def test_answers_lost_on_the_way_are_retried_and_every_phone_shows_one(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        made = await add_deliveries(db, 6, now=clock())
        fake_fcm.fail_next(1, FcmFailure.GARBLED)  # accepted, but the batch's answers are unreadable
        fake_fcm.fail_next(1, FcmFailure.BAD_GATEWAY, after_successes=6)

        first = await once(db, app, clock, batch_size=6)
        # firebase-admin gave up at the garbled answer; the batch's other requests still land.
        await fake_fcm.wait_for_count(6)
        clock.advance(dt.timedelta(seconds=5))
        second = await once(db, app, clock, batch_size=6)
        clock.advance(dt.timedelta(seconds=5))
        third = await once(db, app, clock, batch_size=6)

        assert (first.retried, first.failed, second.sent, second.retried, third.sent) == (6, 0, 5, 1, 1)
        assert await by_status(db) == {"sent": 6}
        # FCM took all six the first time, but the answers were lost: every phone got the message
        # twice, both copies with the same collapse key and notification id, so it shows once.
        assert set(received_per_token(fake_fcm).values()) == {2}
        for delivery in made:
            copies = [m.message for m in fake_fcm.messages if m.target == delivery["token"]]
            assert {collapse_id(c) for c in copies} == {collapse_id(delivery["message"])}
            assert all(c["data"] == delivery["message"]["data"] for c in copies)  # the notification id

    async def test_503_with_retry_after_is_honoured(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        [delivery] = await add_deliveries(db, 1, now=clock())
        fake_fcm.fail_next(1, FcmFailure.UNAVAILABLE, retry_after=120)

        await once(db, app, clock)

        retry_at = from_epoch_ms((await stored(db, delivery["_id"]))["due_ms"])
        assert retry_at >= clock() + dt.timedelta(seconds=120)

    async def test_a_delivery_that_never_gets_through_fails_after_the_last_attempt(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        [delivery] = await add_deliveries(db, 1, now=clock())
        fake_fcm.fail_next(1000, FcmFailure.INTERNAL)

        for _ in range(POLICY.max_attempts + 2):
            await once(db, app, clock)
            clock.advance(dt.timedelta(seconds=10))

        record = await stored(db, delivery["_id"])
        assert (record["status"], record["attempts"], record["error"]["code"]) == (
            "failed",
            POLICY.max_attempts,
            "INTERNAL",
        )


class TestDeadTokens:
    async def test_unregistered_token_is_forgotten_and_its_deliveries_dropped(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        gone, kept = await add_device(db), await add_device(db)
        now = clock()
        first = delivery_for(gone, now=now)
        later = delivery_for(gone, now=now, due_at=now + dt.timedelta(hours=1))
        other = delivery_for(kept, now=now)
        await DELIVERIES.of(db).insert_many([first, later, other])
        fake_fcm.unregister(gone["_id"])

        report = await once(db, app, clock)
        clock.advance(dt.timedelta(hours=2))
        await once(db, app, clock)

        assert (report.sent, report.dropped) == (1, 1)
        assert await DEVICES.of(db).find_one({"_id": gone["_id"]}) is None
        assert await DEVICES.of(db).find_one({"_id": kept["_id"]}) is not None
        dropped = await stored(db, first["_id"])
        assert (dropped["status"], dropped["error"]["code"], dropped["attempts"]) == (
            "dropped",
            "UNREGISTERED",
            1,
        )
        assert (await stored(db, later["_id"]))["status"] == "dropped"
        # Tried once, never again.
        assert len(fake_fcm.refused_for(gone["_id"])) == 1
        assert fake_fcm.count(kept["_id"]) == 1

    async def test_another_error_fails_the_delivery_without_retrying(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        device = await add_device(db, platform="ios")
        delivery = delivery_for(device, now=clock())
        await DELIVERIES.of(db).insert_one(delivery)
        fake_fcm.fail_targets(FcmFailure.THIRD_PARTY_AUTH_ERROR, device["_id"])

        await once(db, app, clock)
        # (firebase-admin itself repeats a 401 after refreshing its credential; that is one send for us.)
        tried = len(fake_fcm.refused_for(device["_id"]))
        clock.advance(dt.timedelta(hours=1))
        await once(db, app, clock)

        record = await stored(db, delivery["_id"])
        assert (record["status"], record["error"]["code"], record["attempts"]) == (
            "failed",
            "THIRD_PARTY_AUTH_ERROR",
            1,
        )
        assert len(fake_fcm.refused_for(device["_id"])) == tried
        assert await DEVICES.of(db).find_one({"_id": device["_id"]}) is not None


class TestCrashes:
    async def test_a_lapsed_lease_returns_the_delivery_to_another_worker(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        [delivery] = await add_deliveries(db, 1, now=clock())
        [crashed] = await claim_due(db, "crashed-worker", lease=LEASE, now=clock())

        assert await once(db, app, clock, owner="worker-b") == DeliveryReport()
        clock.advance(LEASE + dt.timedelta(seconds=1))
        report = await once(db, app, clock, owner="worker-b")

        assert report.sent == 1
        assert_each_sent_once(fake_fcm, [delivery])
        record = await stored(db, delivery["_id"])
        assert (record["status"], record["attempts"]) == ("sent", 2)
        # The crashed worker, back too late, cannot overwrite what the other recorded.
        late = Outcome(
            delivery_id=crashed["_id"], attempts=1, status="failed", at=clock(), error_code="INTERNAL"
        )
        assert await record_outcomes(db, "crashed-worker", [late]) == 0
        assert (await stored(db, delivery["_id"]))["status"] == "sent"

    async def test_a_delivery_claimed_too_often_without_an_outcome_is_given_up(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm, clock: FakeClock
    ) -> None:
        [delivery] = await add_deliveries(db, 1, now=clock())
        for _ in range(POLICY.max_attempts):
            await claim_due(db, "dying-worker", lease=LEASE, now=clock())
            clock.advance(LEASE + dt.timedelta(seconds=1))

        await once(db, app, clock)

        record = await stored(db, delivery["_id"])
        assert (record["status"], record["error"]["code"]) == ("failed", "ABANDONED")
        assert fake_fcm.count() == 0


class TestLoops:
    async def test_two_loops_at_once_send_each_message_once(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        made = await add_deliveries(db, 300, platforms=("android",), now=FakeClock()())
        fake_fcm.slow_down(0.02)
        stop = asyncio.Event()
        metrics = {owner: DeliveryMetrics() for owner in ("worker-a", "worker-b")}
        loops = [
            asyncio.create_task(
                DeliveryWorker(
                    db=db,
                    app=app,
                    owner=owner,
                    concurrency=3,
                    batch_size=25,
                    poll_interval=0.05,
                    metrics=metrics[owner],
                ).run(stop)
            )
            for owner in metrics
        ]

        async def all_sent() -> bool:
            return await by_status(db) == {"sent": 300}

        try:
            await wait_for(all_sent)
        finally:
            stop.set()
            await asyncio.gather(*loops)

        assert_each_sent_once(fake_fcm, made)
        sent_by = {
            owner: m.registry.get_sample_value("townhall_push_sent_total") for owner, m in metrics.items()
        }
        assert sum(sent_by.values()) == 300
        assert all(count and count > 0 for count in sent_by.values()), sent_by

    async def test_stop_finishes_the_batches_in_flight_and_claims_no_more(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        made = await add_deliveries(db, 30, platforms=("android",), now=FakeClock()())
        fake_fcm.slow_down(0.5)
        stop = asyncio.Event()
        loop = asyncio.create_task(
            DeliveryWorker(
                db=db, app=app, owner="worker-a", concurrency=1, batch_size=10, shutdown_grace=10
            ).run(stop)
        )
        await wait_for(lambda: fake_fcm.peak_in_flight > 0)

        stop.set()
        await loop

        assert await by_status(db) == {"sent": 10, "pending": 20}
        assert fake_fcm.count() == 10
        untouched = await DELIVERIES.of(db).find({"status": "pending"}).to_list()
        assert all((d["lease_owner"], d["lease_ms"], d["attempts"]) == (None, FREE, 0) for d in untouched)
        assert {d["_id"] for d in untouched} < {d["_id"] for d in made}

    async def test_stop_releases_a_batch_still_unanswered_after_the_grace(
        self, db: Database, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        await add_deliveries(db, 10, platforms=("android",), now=FakeClock()())
        fake_fcm.slow_down(1.0)
        stop = asyncio.Event()
        loop = asyncio.create_task(
            DeliveryWorker(
                db=db, app=app, owner="worker-a", concurrency=1, batch_size=10, shutdown_grace=0.1
            ).run(stop)
        )
        await wait_for(lambda: fake_fcm.peak_in_flight > 0)

        stop.set()
        async with asyncio.timeout(5):
            await loop

        held = await DELIVERIES.of(db).find({}).to_list()
        assert all(
            (d["status"], d["lease_owner"], d["lease_ms"], d["attempts"]) == ("pending", None, FREE, 0)
            for d in held
        )
        # The fake still answers the abandoned requests; let it finish before the next test resets it.
        await asyncio.sleep(1.2)
