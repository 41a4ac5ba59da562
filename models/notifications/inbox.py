"""A person's inbox: pages newest first, the unread count, marking read."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import NotFound
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.notifications.documents import NOTIFICATION_SETTINGS, NOTIFICATIONS
from models.notifications.preferences import person_of, settings_of

NEWEST_FIRST = SortOrder("inbox_key", -1)


def inbox_range(person_id: ObjectId) -> Document:
    """Every inbox key of one person ("<person hex>:…"; ";" sorts right after ":")."""
    return {"$gt": f"{person_id}:", "$lt": f"{person_id};"}


async def inbox_page(db: Database, actor: Actor, args: PageArgs, bounds: PageBounds) -> Page:
    """The signed-in person's notifications, newest first, on the unique `inbox_key` index."""
    person_id = person_of(actor)
    return await paginate(
        NOTIFICATIONS.of(db), {"inbox_key": inbox_range(person_id)}, NEWEST_FIRST, args, bounds
    )


async def unread_count(db: Database, actor: Actor) -> int:
    person_id = person_of(actor)
    return (await settings_of(db, [person_id]))[person_id].unread


async def find_by_ids(db: Database, ids: Sequence[str]) -> dict[str, Document]:
    """Notifications by id, anyone's (for DataLoaders; the caller keeps the viewer's own)."""
    found = await find_by_keys(NOTIFICATIONS.of(db), "_id", ids)
    return {str(key): document for key, document in found.items()}


async def mark_read(db: Database, actor: Actor, notification_id: str, *, now: Clock = utcnow) -> Document:
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
