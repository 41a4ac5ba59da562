"""Test data for push delivery: devices and pending deliveries as the fan-out writes them, a clock."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from bson import ObjectId

from models.common.clock import epoch_ms, utcnow
from models.common.db import Database, Document
from models.notifications.deliveries import FREE
from models.notifications.documents import DELIVERIES, DEVICES
from push.messages import message_for
from tests.support.fake_fcm import new_registration_token

_numbers = itertools.count(1)


class FakeClock:
    """Starts at the real time (at millisecond precision) and moves only when told."""

    def __init__(self) -> None:
        self.current = utcnow()

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current += delta


def device_for(*, platform: str = "android", person_id: ObjectId | None = None) -> Document:
    token = new_registration_token()
    return DEVICES.new_document(
        {
            "_id": token,
            "person_id": person_id or ObjectId(),
            "platform": platform,
            "app_version": "1.4.0",
            "locale": "zh-CN",
            "time_zone": "Asia/Shanghai",
            "registered_at": utcnow(),
            "last_seen_at": utcnow(),
        }
    )


async def add_device(
    db: Database, *, platform: str = "android", person_id: ObjectId | None = None
) -> Document:
    device = device_for(platform=platform, person_id=person_id)
    await DEVICES.of(db).insert_one(device)
    return device


def delivery_for(
    device: Document,
    *,
    now: dt.datetime,
    due_at: dt.datetime | None = None,
    notification_id: str | None = None,
    body: str = "交通运输局回复了您的意见。",
    **fields: Any,
) -> Document:
    """A pending delivery of one notification to `device`, per models/notifications/documents.py."""
    notification = notification_id or f"evt-{next(_numbers)}|{device['person_id']}"
    due = due_at or now
    return DELIVERIES.new_document(
        {
            "_id": f"{notification}|{device['_id']}",
            "notification_id": notification,
            "person_id": device["person_id"],
            "token": device["_id"],
            "platform": device["platform"],
            "locale": "zh-CN",
            "status": "pending",
            "attempts": 0,
            "due_ms": epoch_ms(due),
            "lease_owner": None,
            "lease_ms": FREE,
            "message": message_for(
                title="您的意见有了答复",
                body=body,
                link="townhall://consultations/65f0000000000000000000aa",
                notification_id=notification,
                category="reply",
                collapse_key=f"reply:{notification}",
                urgent=True,
                ttl=dt.timedelta(days=1),
                platform=device["platform"],
                due_at=due,
            ),
            "urgent": True,
            "created_at": now,
            "sent_at": None,
            "fcm_message_id": None,
            "error": None,
            **fields,
        }
    )


async def add_deliveries(
    db: Database, count: int, *, now: dt.datetime, platforms: tuple[str, ...] = ("android", "ios", "web")
) -> list[Document]:
    """`count` pending deliveries due now, each to a device of its own."""
    devices = [device_for(platform=platforms[n % len(platforms)]) for n in range(count)]
    made = [delivery_for(device, now=now) for device in devices]
    if made:
        await DEVICES.of(db).insert_many(devices)
        await DELIVERIES.of(db).insert_many(made)
    return made


async def stored(db: Database, delivery_id: str) -> Document:
    found = await DELIVERIES.of(db).find_one({"_id": delivery_id})
    assert found is not None
    return found


async def by_status(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async for delivery in DELIVERIES.of(db).find({}, {"status": 1}):
        counts[delivery["status"]] = counts.get(delivery["status"], 0) + 1
    return counts
