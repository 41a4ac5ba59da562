"""The kinds of user content the moderation queue knows, each with what a decision does to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.db import Database, Document
from models.common.errors import InvalidInput, NotFound
from models.consultations.comment_counters import count_published
from models.consultations.documents import COMMENTS, CommentStatus


class Action(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"  # content that was never published
    HIDE = "HIDE"  # content taken down after publication
    ESCALATE = "ESCALATE"  # handed to an admin; the content is untouched


@dataclass(frozen=True)
class Decision:
    """What a moderator decided about one item, as the queue stores it and the callbacks receive it."""

    action: Action
    reason_code: str | None
    note: str | None
    moderator_id: ObjectId
    at: dt.datetime

    def to_document(self) -> Document:
        return {
            "action": self.action.value,
            "reason_code": self.reason_code,
            "note": self.note,
            "moderator_id": self.moderator_id,
            "at": self.at,
        }


Callback = Callable[[Database, Any, Decision], Awaitable[None]]
"""Applies a decision to the content `ref_id`; must be idempotent (a retry may run it twice)."""


@dataclass(frozen=True)
class ContentKind:
    """A kind of content: its queue name and what approving, rejecting and hiding do to it."""

    name: str
    on_approve: Callback
    on_reject: Callback
    on_hide: Callback


_kinds: dict[str, ContentKind] = {}


def register(kind: ContentKind) -> ContentKind:
    """Make `kind` known to the queue; each name once."""
    if kind.name in _kinds:
        raise ValueError(f"content kind {kind.name!r} is registered twice")
    _kinds[kind.name] = kind
    return kind


def content_kind(name: str) -> ContentKind:
    """The registered kind called `name`."""
    try:
        return _kinds[name]
    except KeyError:
        raise InvalidInput(f"unknown content kind {name!r}", field="kind") from None


# --- consultation comments -------------------------------------------------------------------
# A hidden comment keeps status REJECTED (CommentStatus has no HIDDEN): if it was published it
# becomes a public tombstone without text, the text kept in `hidden.text` (staff only) so an
# overturned appeal can restore it; if it never was, hiding is the same as rejecting.

CONSULTATION_COMMENT = "consultation_comment"
# models.consultations.comments.PUBLIC, repeated: comments will enqueue here, and importing it back
# would be circular.
_PUBLIC = "public"


async def _comment(db: Database, comment_id: ObjectId) -> Document:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    if comment is None:
        raise NotFound("the comment no longer exists")
    return comment


async def _approve_comment(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] not in (CommentStatus.PENDING, CommentStatus.REJECTED):
        return  # already published (a retry), or deleted by its author meanwhile
    hidden = comment.get("hidden") or {}
    update: Document = {
        "$set": {
            "status": CommentStatus.PUBLISHED.value,
            "visible_to": _PUBLIC,
            "text": hidden.get("text", comment.get("text")),
        }
    }
    if hidden:
        update["$unset"] = {"hidden": ""}
    # Filtered on the status read, so only the call that published it counts it.
    before = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id, "status": comment["status"]}, update, return_document=ReturnDocument.BEFORE
    )
    if before is not None:
        await count_published(db, before, +1)


async def _reject_comment(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] == CommentStatus.PUBLISHED:
        # Published meanwhile (say, screened clean, then reported): the decision is already
        # recorded, so take it down as a tombstone rather than fail after the fact.
        await _hide_comment(db, comment_id, decision)
        return
    await COMMENTS.of(db).update_one(
        {"_id": comment_id, "status": CommentStatus.PENDING.value},
        {"$set": {"status": CommentStatus.REJECTED.value, "visible_to": str(comment["author_id"])}},
    )


async def _hide_comment(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] != CommentStatus.PUBLISHED:
        await _reject_comment(db, comment_id, decision)
        return
    tombstone = {
        "status": CommentStatus.REJECTED.value,
        "visible_to": _PUBLIC,
        "text": None,
        "hidden": {"text": comment["text"], "reason_code": decision.reason_code, "at": decision.at},
    }
    before = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment_id, "status": CommentStatus.PUBLISHED.value},
        {"$set": tombstone},
        return_document=ReturnDocument.BEFORE,
    )
    if before is not None:
        await count_published(db, before, -1)


register(
    ContentKind(
        name=CONSULTATION_COMMENT,
        on_approve=_approve_comment,
        on_reject=_reject_comment,
        on_hide=_hide_comment,
    )
)
