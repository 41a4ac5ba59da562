"""Test data for notifications: FCM-shaped tokens, and inbox documents written as the fan-out writes them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database, Document
from models.notifications.categories import Category
from models.notifications.documents import NOTIFICATION_SETTINGS, NOTIFICATIONS


def fcm_token() -> str:
    """A registration token shaped like FCM's: base64url, a colon, well over 100 characters."""
    return f"{secrets.token_urlsafe(16)}:APA91b{secrets.token_urlsafe(105)}"


def device_input(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "token": token,
        "platform": "ANDROID",
        "appVersion": "2.3.1",
        "locale": "zh-CN",
        "timeZone": "Asia/Shanghai",
        **fields,
    }


async def deliver(
    db: Database,
    person: Document,
    *,
    event_id: str | None = None,
    created_at: dt.datetime | None = None,
    category: Category = Category.REPLY,
    template: str = "consultation.comment_replied",
    params: dict[str, str] | None = None,
    about: dict[str, Any] | None = None,
    link: str | None = "townhall://consultations/1",
) -> Document:
    """One notification in `person`'s inbox, as the fan-out inserts it (with the unread $inc)."""
    at = created_at or utcnow()
    notification_id = f"{event_id or ObjectId()}|{person['_id']}"
    document = NOTIFICATIONS.new_document(
        {
            "_id": notification_id,
            "person_id": person["_id"],
            "category": category.value,
            "template": template,
            "params": params if params is not None else {"consultation": "电动自行车停放管理办法"},
            "about": about,
            "link": link,
            "created_at": at,
            "read_at": None,
            "inbox_key": f"{person['_id']}:{int(at.timestamp() * 1000):015d}:{notification_id}",
        }
    )
    await NOTIFICATIONS.of(db).insert_one(document)
    await NOTIFICATION_SETTINGS.of(db).update_one(
        {"_id": person["_id"]}, {"$inc": {"unread": 1}}, upsert=True
    )
    return document
