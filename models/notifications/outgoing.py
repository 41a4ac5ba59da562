"""The delivery document the sender claims: one push of a notification to one device."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId

from models.common.clock import epoch_ms
from models.notifications.deliveries import FREE
from models.notifications.documents import DELIVERIES, DeliveryDocument, DeviceDocument
from models.notifications.rendering import Rendered
from push.messages import message_for


def new_delivery(
    *,
    notification_id: str,
    person_id: ObjectId,
    device: DeviceDocument,
    rendered: Rendered,
    link: str,
    category: str,
    collapse_key: str,
    urgent: bool,
    ttl: dt.timedelta,
    due_at: dt.datetime,
    now: dt.datetime,
) -> DeliveryDocument:
    """The push of `rendered` to `device`, waiting for the sender; one per pair by its id.

    It expires `ttl` after it is due: a push still unsent then (a long FCM outage) is dropped, and
    one sent late goes with the time it has left."""
    token = device["_id"]
    message = message_for(
        title=rendered.title,
        body=rendered.body,
        link=link,
        notification_id=notification_id,
        category=category,
        collapse_key=collapse_key,
        urgent=urgent,
        ttl=ttl,
        platform=device.get("platform", ""),
        due_at=due_at,
    )
    return DELIVERIES.new_document(
        {
            "_id": f"{notification_id}|{token}",
            "notification_id": notification_id,
            "person_id": person_id,
            "token": token,
            "platform": device.get("platform"),
            "locale": rendered.locale,
            "status": "pending",
            "attempts": 0,
            "due_ms": epoch_ms(due_at),
            "expires_at": due_at + ttl,
            "lease_owner": None,  # a free lease (DELIVERY_LEASE.free)
            "lease_ms": FREE,
            "message": message,
            "urgent": urgent,
            "created_at": now,
            "sent_at": None,
            "fcm_message_id": None,
            "error": None,
        }
    )
