"""`townhall worker` killed with SIGKILL in the middle of a fan-out, then restarted."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database
from models.common.outbox_worker import ClaimedEvent, EventSource
from models.consultations.events import OPENED, opened_event
from models.notifications.documents import DELIVERIES, DEVICES, FOLLOWS, NOTIFICATION_SETTINGS, NOTIFICATIONS
from models.notifications.fanout import notify_event
from tests.consultations.drafts import make_city, make_open
from tests.support.cli import ROOT
from tests.support.fake_fcm import FakeFcm, new_registration_token

AUDIENCE = 1500
LEASE_SECONDS = 10


async def followers_with_devices(db: Database, key: str, count: int) -> list[str]:
    people = [ObjectId() for _ in range(count)]
    tokens = [new_registration_token() for _ in people]
    await FOLLOWS.of(db).insert_many(
        [{"_id": f"{p}:{key}", "person_id": p, "target_key": key, "created_at": utcnow()} for p in people]
    )
    await DEVICES.of(db).insert_many(
        [
            {"_id": t, "person_id": p, "platform": "android", "locale": "zh-CN", "time_zone": "Asia/Shanghai"}
            for p, t in zip(people, tokens, strict=True)
        ]
    )
    # Quiet hours off, so the test does not depend on the time of day it runs at.
    await NOTIFICATION_SETTINGS.of(db).insert_many([{"_id": p, "quiet_hours": None} for p in people])
    return tokens


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"], cwd=ROOT, env=env, stdout=output, stderr=output
        )


async def test_every_device_gets_the_message_after_a_sigkill_mid_fan_out(
    db: Database, mongodb_uri: str, fake_fcm: FakeFcm, tmp_path: Path
) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    tokens = await followers_with_devices(db, f"department:{city['housing']['_id']}", AUDIENCE)
    event = opened_event(consultation, utcnow())
    claimed = ClaimedEvent(
        id=event.id,
        kind=OPENED,
        payload=event.payload,
        created_at=event.created_at,
        source=EventSource(collection="consultations", id=consultation["_id"]),
        attempts=1,
        lease_owner="test",
        lease_until=utcnow() + dt.timedelta(minutes=1),
    )
    await notify_event(claimed, db)  # the outbox handler: a broad audience starts a fan-out job
    fake_fcm.slow_down(0.02)
    env = {
        **os.environ,
        **fake_fcm.environment(),
        "MONGODB_URI": mongodb_uri,
        "TOWNHALL_DB_NAME": db.name,
        "TOWNHALL_DATA_DIR": str(tmp_path),
        "TOWNHALL_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    log = tmp_path / "worker.log"

    first = start_worker(env, log)
    try:
        await fake_fcm.wait_for_count(300, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    await asyncio.sleep(1)  # requests already on their way still reach the fake
    accepted_before_restart = {sent.target for sent in fake_fcm.messages}
    assert len(accepted_before_restart) < AUDIENCE, "the worker finished before it was killed"

    second = start_worker(env, log)
    try:
        for _ in range(240):
            if len({sent.target for sent in fake_fcm.messages}) >= AUDIENCE:
                break
            await asyncio.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, log.read_text()[-3000:]

    received = Counter(sent.target for sent in fake_fcm.messages)
    missing = set(tokens) - set(received)
    states = Counter(
        [
            (d["status"], (d.get("error") or {}).get("code"))
            async for d in DELIVERIES.of(db).find({"token": {"$in": list(missing)}})
        ]
    )
    assert not missing, (len(missing), states, await NOTIFICATIONS.of(db).count_documents({}))
    # A message FCM accepted whose answer died with the worker is sent again after the lease lapses
    # (FCM has no idempotency key). Only those can repeat, and each repeat carries the same
    # notification id and collapse key, so the phone shows it once.
    repeated = {token for token, count in received.items() if count > 1}
    assert repeated <= accepted_before_restart
    for token in repeated:
        copies = fake_fcm.messages_for(token)
        assert len({c.message["data"]["notification_id"] for c in copies}) == 1
        assert len({c.message["android"]["collapse_key"] for c in copies}) == 1
    assert await NOTIFICATIONS.of(db).count_documents({}) == AUDIENCE
    assert await DELIVERIES.of(db).count_documents({"status": "sent"}) == AUDIENCE
