"""Writing what goes out: inserting idempotently, and the delivery document the sender claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError

from models.common.db import Collection, Document
from models.notifications.documents import DELIVERIES

FREE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a lease that ended long ago: free to claim
DUPLICATE_KEY = 11000


async def insert_new(collection: Collection, documents: list[Document]) -> set[Any]:
    """Insert the documents not there yet (unordered); the ids this call inserted."""
    if not documents:
        return set()
    ids = [document["_id"] for document in documents]
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        taken = {e["index"] for e in errors}
        return {doc_id for index, doc_id in enumerate(ids) if index not in taken}
    return set(ids)


def new_delivery(
    *,
    notification_id: str,
    person_id: ObjectId,
    device: Document,
    message: dict[str, Any],
    locale: str,
    due_at: dt.datetime,
    ttl: dt.timedelta,
    urgent: bool,
    now: dt.datetime,
) -> Document:
    """One push of a notification to one device, waiting for the sender; one per pair by its id.

    It expires `ttl` after it is due: a push still unsent then (a long FCM outage) is dropped, and
    one sent late goes with the time it has left."""
    token = device["_id"]
    return DELIVERIES.new_document(
        {
            "_id": f"{notification_id}|{token}",
            "notification_id": notification_id,
            "person_id": person_id,
            "token": token,
            "platform": device.get("platform"),
            "locale": locale,
            "status": "pending",
            "attempts": 0,
            "due_at": due_at,
            "expires_at": due_at + ttl,
            "lease_owner": None,
            "lease_until": FREE,
            "message": message,
            "urgent": urgent,
            "created_at": now,
            "sent_at": None,
            "fcm_message_id": None,
            "error": None,
        }
    )
