"""Push records are kept a month after they could last have been sent, cap ledgers days after their day."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId

from api.settings import Settings
from api.workers import run_once
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.notifications.documents import DELIVERIES, DIGESTS
from models.notifications.retention import DELIVERY_RECORDS_KEPT, LEDGERS_KEPT, purge_expired
from tests.push.delivery_factories import delivery_for, device_for

NOW = dt.datetime(2026, 6, 30, 4, 0, tzinfo=dt.UTC)


def record(expires_at: dt.datetime, status: str = "sent") -> Document:
    made = expires_at - dt.timedelta(days=1)
    return delivery_for(device_for(), now=made, expires_at=expires_at, status=status)


def ledger(day: dt.date) -> Document:
    person = ObjectId()
    return DIGESTS.new_document(
        {"_id": f"{person}:{day.isoformat()}", "person_id": person, "day": day.isoformat(), "pushed": []}
    )


async def remaining(db: Database) -> tuple[set[str], set[str]]:
    deliveries = {d["_id"] async for d in DELIVERIES.of(db).find({}, {"_id": 1})}
    ledgers = {d["_id"] async for d in DIGESTS.of(db).find({}, {"_id": 1})}
    return deliveries, ledgers


class TestPurge:
    async def test_records_past_a_month_and_ledgers_past_three_days_go(self, db: Database) -> None:
        a_month_ago = NOW - DELIVERY_RECORDS_KEPT
        minute, day = dt.timedelta(minutes=1), dt.timedelta(days=1)
        gone = [record(a_month_ago - minute), record(a_month_ago - 9 * day, "dropped")]
        kept = [record(a_month_ago + minute, "failed"), record(NOW + day, "pending")]
        await DELIVERIES.of(db).insert_many(gone + kept)
        old_day, recent_day = (NOW - LEDGERS_KEPT - dt.timedelta(days=1)).date(), (NOW - LEDGERS_KEPT).date()
        old, recent = ledger(old_day), ledger(recent_day)
        await DIGESTS.of(db).insert_many([old, recent])

        purged = await purge_expired(db, NOW)

        assert purged == 3
        assert await remaining(db) == ({d["_id"] for d in kept}, {recent["_id"]})
        assert await purge_expired(db, NOW) == 0

    async def test_a_sweep_deletes_a_bounded_batch(self, db: Database) -> None:
        old = NOW - DELIVERY_RECORDS_KEPT - dt.timedelta(days=1)
        await DELIVERIES.of(db).insert_many([record(old) for _ in range(5)])

        rounds = []
        while found := await purge_expired(db, NOW, batch=2):
            rounds.append(found)

        assert rounds == [2, 2, 1]
        assert await DELIVERIES.of(db).count_documents({}) == 0


class TestWorker:
    async def test_a_worker_pass_sweeps_what_is_past_keeping(self, db: Database) -> None:
        long_ago = utcnow() - DELIVERY_RECORDS_KEPT - dt.timedelta(days=1)
        old, current = record(long_ago, "sent"), record(utcnow() + dt.timedelta(days=1), "failed")
        await DELIVERIES.of(db).insert_many([old, current])

        await run_once(db, Settings())  # development without FCM: push is off, the sweep still runs

        assert await remaining(db) == ({current["_id"]}, set())
