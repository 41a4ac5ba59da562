"""A comment's status changes: each sets the status, who sees the comment and its published figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.db import Database, Document
from models.common.outbox import Event, push_events
from models.consultations.comment_counters import count_published
from models.consultations.documents import COMMENTS, PUBLIC, CommentDocument, CommentStatus


def visible_to(status: str, author_id: ObjectId, *, tombstone: bool = False) -> str:
    """Who sees a comment in lists: everyone once published or deleted, and a `tombstone` (a
    published comment moderation took down, shown without its text); else only its author."""
    if tombstone or status in (CommentStatus.PUBLISHED, CommentStatus.DELETED):
        return PUBLIC
    return str(author_id)


async def change_status(
    db: Database,
    comment: CommentDocument,
    status: CommentStatus,
    fields: Document | None = None,
    *,
    unset: Sequence[str] = (),
    tombstone: bool = False,
    condition: Document | None = None,
    events: Sequence[Event] = (),
) -> CommentDocument | None:
    """Give `comment` the `status` (with `fields` set, `unset` removed and `events` carried) if it
    still is in the status it was read in — or matches `condition` (beside its `_id`) instead.

    Returns the comment as the change left it, or None when it had changed meanwhile. The change
    that publishes or unpublishes a comment counts it in or out of the published figures; only the
    call whose write changed the status counts, so a retry counts nothing twice.
    """
    changes: Document = {
        **(fields or {}),
        "status": status.value,
        "visible_to": visible_to(status, comment["author_id"], tombstone=tombstone),
    }
    update: Document = {"$set": changes}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    when = condition if condition is not None else {"status": comment["status"]}
    before = await COMMENTS.of(db).find_one_and_update(
        {"_id": comment["_id"], **when}, push_events(update, events), return_document=ReturnDocument.BEFORE
    )
    if before is None:
        return None
    # The comment as it is now: a campaign's sample must show the redacted text, not the original.
    after = cast(
        CommentDocument, {key: value for key, value in {**before, **changes}.items() if key not in unset}
    )
    was_published = before["status"] == CommentStatus.PUBLISHED
    if was_published != (status is CommentStatus.PUBLISHED):
        await count_published(db, after, -1 if was_published else +1)
    return after
