"""Reading the moderation queue: the queue in claiming order, items and redacted originals by id.

Who may read what is in policy.py; callers of `find_originals` check `policy.may_read`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.common.actors import Actor
from models.common.db import Database, Document
from models.common.errors import NotFound
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.moderation.documents import (
    MODERATION_ITEMS,
    MODERATION_ORIGINALS,
    ItemStatus,
    ModerationItemDocument,
)
from models.moderation.policy import audiences_of, require_moderator

CLAIMING_ORDER = SortOrder("sort_key", 1)  # the order claim_next walks
LISTED_FIELDS: Document = {"_outbox": 0}


async def get_item(db: Database, item_id: str) -> ModerationItemDocument:
    item = await MODERATION_ITEMS.of(db).find_one({"_id": item_id})
    if item is None:
        raise NotFound("no such moderation item")
    return item


async def queue_page(
    db: Database, actor: Actor, status: ItemStatus, args: PageArgs, bounds: PageBounds
) -> Page:
    """One page of the items in `status` that `actor` may read, in claiming order."""
    require_moderator(actor)
    audiences = audiences_of(actor)
    # Equality when there is one audience: the plainest filter for the planner.
    audience: Any = audiences[0] if len(audiences) == 1 else {"$in": audiences}
    query: Document = {"status": status.value, "audience": audience}
    return await paginate(MODERATION_ITEMS.of(db), query, CLAIMING_ORDER, args, bounds, LISTED_FIELDS)


async def find_items(db: Database, item_ids: Sequence[str]) -> dict[str, ModerationItemDocument]:
    """Items by `_id` (one `$in`, for DataLoaders)."""
    return await find_by_keys(MODERATION_ITEMS.of(db), "_id", item_ids)  # type: ignore[return-value]


async def find_originals(db: Database, item_ids: Sequence[str]) -> dict[str, str]:
    """The redacted originals kept for these items, by item id (one `$in`). Callers check `may_read`."""
    found = await find_by_keys(MODERATION_ORIGINALS.of(db), "_id", item_ids)
    return {str(item_id): str(document["text"]) for item_id, document in found.items()}
