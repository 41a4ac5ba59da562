"""Queries on notifications: a person's inbox and unread count, notifications by id, people's devices,
follows by id, one's own follows, a target's followers."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId
from pymongo import ASCENDING

from models.common.actors import Actor
from models.common.db import Database, Document
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.notifications.documents import (
    DEVICES,
    FOLLOWS,
    NOTIFICATIONS,
    DeviceDocument,
    FollowDocument,
    NotificationDocument,
)
from models.notifications.policy import person_of
from models.notifications.preferences import settings_of

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


async def find_notifications(db: Database, ids: Sequence[str]) -> dict[str, NotificationDocument]:
    """Notifications by id, anyone's (for DataLoaders; the caller keeps the viewer's own)."""
    found = await find_by_keys(NOTIFICATIONS.of(db), "_id", ids)
    return {str(key): document for key, document in found.items()}


async def devices_of(db: Database, person_ids: Sequence[ObjectId]) -> dict[ObjectId, list[DeviceDocument]]:
    """Each given person's devices (one `$in` read on person_id); [] for people without any."""
    wanted = list(dict.fromkeys(person_ids))
    grouped: dict[ObjectId, list[DeviceDocument]] = {person_id: [] for person_id in wanted}
    if not wanted:
        return grouped
    async for device in DEVICES.of(db).find({"person_id": {"$in": wanted}}):
        grouped.setdefault(device["person_id"], []).append(device)
    return grouped


async def find_follows(db: Database, ids: Sequence[str]) -> dict[str, FollowDocument]:
    """Follows by id, anyone's (for DataLoaders; the caller keeps the viewer's own)."""
    found = await find_by_keys(FOLLOWS.of(db), "_id", ids)
    return {str(key): document for key, document in found.items()}


async def my_follows(db: Database, actor: Actor, args: PageArgs, bounds: PageBounds) -> Page:
    """The signed-in person's follows, by kind and target: a range of `_id`, which starts with them."""
    person_id = person_of(actor)
    # ";" follows ":" in ASCII, so this is exactly the ids "<person>:…", on the `_id` index.
    query = {"_id": {"$gt": f"{person_id}:", "$lt": f"{person_id};"}}
    return await paginate(FOLLOWS.of(db), query, SortOrder("_id", 1), args, bounds)


async def followers_after(
    db: Database, target_key: str, after: ObjectId | None, limit: int
) -> list[ObjectId]:
    """The next `limit` followers of `target_key` after person `after`, in person-id order: one
    range read on the (target_key, person_id) index, so an audience of any size is walked in
    pages and a walk can resume from the last person done."""
    query: dict[str, object] = {"target_key": target_key}
    if after is not None:
        query["person_id"] = {"$gt": after}
    cursor = FOLLOWS.of(db).find(query, {"person_id": 1, "_id": 0}).sort("person_id", ASCENDING).limit(limit)
    return [document["person_id"] async for document in cursor]
