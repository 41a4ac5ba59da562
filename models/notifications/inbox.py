"""A person's inbox: marking read (its pages and unread count are read in repository.py)."""

from __future__ import annotations

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import NotFound
from models.notifications.documents import NOTIFICATION_SETTINGS, NOTIFICATIONS, NotificationDocument
from models.notifications.policy import person_of
from models.notifications.repository import inbox_range


async def mark_read(
    db: Database, actor: Actor, notification_id: str, *, now: Clock = utcnow
) -> NotificationDocument:
    """Mark one's own notification read; again changes nothing. Someone else's is not found."""
    person_id = person_of(actor)
    collection = NOTIFICATIONS.of(db)
    at = now()
    changed = await collection.update_one(
        {"_id": notification_id, "person_id": person_id, "read_at": None}, {"$set": {"read_at": at}}
    )
    if changed.modified_count:
        # Only the write that changed read_at counts down; never below zero.
        await NOTIFICATION_SETTINGS.of(db).update_one(
            {"_id": person_id, "unread": {"$gt": 0}}, {"$inc": {"unread": -1}}
        )
    document = await collection.find_one({"_id": notification_id})
    if document is None or document.get("person_id") != person_id:
        raise NotFound("there is no such notification in your inbox", field="id")
    return document


async def mark_all_read(db: Database, actor: Actor, *, now: Clock = utcnow) -> int:
    """Mark every unread notification read; the unread count becomes 0. Returns how many changed."""
    person_id = person_of(actor)
    changed = await NOTIFICATIONS.of(db).update_many(
        {"inbox_key": inbox_range(person_id), "read_at": None}, {"$set": {"read_at": now()}}
    )
    # Set, not decremented, so a count that drifted heals here: a fan-out killed between storing a
    # notification and counting it leaves the count one short. The price is the mirror case: a
    # notification stored and counted between these two writes stays unread but uncounted until the
    # next "mark all read". Without transactions one of the two windows has to stay open; this one
    # heals itself (a decrement by what changed would be exact here but would keep a drift for good).
    await NOTIFICATION_SETTINGS.of(db).update_one({"_id": person_id}, {"$set": {"unread": 0}})
    return changed.modified_count
