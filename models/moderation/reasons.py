"""Reason codes a moderator picks for a decision: built-in defaults plus an admin-edited list."""

from __future__ import annotations

import datetime as dt

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import InvalidInput
from models.moderation.documents import MODERATION_REASONS
from models.moderation.policy import require_admin

DEFAULT_REASONS: dict[str, str] = {
    "personal_data": "Contains personal data",
    "abuse": "Abusive or threatening",
    "spam": "Spam",
    "advertising": "Advertising",
    "off_topic": "Off topic",
    "duplicate": "Duplicate",
    "other": "Other (see the note)",
}

CODE_LENGTH = (2, 40)


async def reasons(db: Database) -> dict[str, str]:
    """The active reason codes and their labels, in code order."""
    merged = dict(DEFAULT_REASONS)
    async for document in MODERATION_REASONS.of(db).find({}):
        if document.get("active", True):
            merged[document["_id"]] = document["label"]
        else:
            merged.pop(document["_id"], None)
    return dict(sorted(merged.items()))


async def reason_labels(db: Database) -> dict[str, str]:
    """The label of every reason code ever known, retired ones too: past decisions keep their words."""
    labels = dict(DEFAULT_REASONS)
    async for document in MODERATION_REASONS.of(db).find({}, {"label": 1}):
        labels[document["_id"]] = document.get("label") or document["_id"]
    return labels


async def reason_codes(db: Database) -> list[str]:
    """The codes a decision may use now."""
    return list(await reasons(db))


async def require_reason(db: Database, code: str) -> None:
    """Refuse a code that is not (or no longer) in the list."""
    if code not in await reasons(db):
        raise InvalidInput(f"unknown reason code {code!r}", field="reasonCode")


async def set_reason(
    db: Database, admin: Actor, code: str, label: str, *, active: bool = True, now: Clock = utcnow
) -> None:
    """An admin adds, relabels or retires a reason code."""
    require_admin(admin)
    low, high = CODE_LENGTH
    if not (low <= len(code) <= high and code.replace("_", "").isalnum() and code.islower()):
        raise InvalidInput("a reason code is 2–40 lower-case letters, digits or underscores", field="code")
    at: dt.datetime = now()
    # update_one, not find_one_and_update: nx-27017 mishandles upserts in the latter.
    await MODERATION_REASONS.of(db).update_one(
        {"_id": code},
        {"$set": {"label": label.strip() or code, "active": active, "updated_at": at}},
        upsert=True,
    )
