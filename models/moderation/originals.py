"""The restricted store of redacted originals: what a text said before a moderator redacted it.

Only moderators and admins read it; the first original kept for an item stays (a retried
redaction must not store the already redacted text as the original).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.errors import DuplicateKeyError

from models.common.db import Database
from models.moderation.documents import MODERATION_ORIGINALS


async def keep_original(
    db: Database, item_id: str, kind: str, ref_id: Any, text: str, at: dt.datetime
) -> str:
    """Store `text` as the item's original unless one is stored already; returns the stored one."""
    try:
        await MODERATION_ORIGINALS.of(db).insert_one(
            MODERATION_ORIGINALS.new_document(
                {"_id": item_id, "kind": kind, "ref_id": ref_id, "text": text, "kept_at": at}
            )
        )
    except DuplicateKeyError:
        kept = await stored_original(db, item_id)
        assert kept is not None
        return kept
    return text


async def stored_original(db: Database, item_id: str) -> str | None:
    document = await MODERATION_ORIGINALS.of(db).find_one({"_id": item_id}, {"text": 1})
    return None if document is None else str(document["text"])


async def forget_original(db: Database, item_id: str) -> None:
    """Drop the item's original: its content was replaced (a person chose a new name), so a later
    redaction's spans are of the new text, not of the stored one."""
    await MODERATION_ORIGINALS.of(db).delete_one({"_id": item_id})
