"""Consultation comments as moderated content: what each decision does to a comment, registered
with the moderation queue as the kind CONSULTATION_COMMENT. Every status change goes through
`change_status` (comment_status.py), which sets visibility and the published figures with it.

A hidden comment keeps status REJECTED (CommentStatus has no HIDDEN): if it was published it
becomes a public tombstone without text, the text kept in `hidden.text` (staff only) so an
overturned appeal can restore it; if it never was, hiding is the same as rejecting. A redacted
comment is published with marks in place of the spans and a `redaction` note; its original is in
the restricted store. A merged duplicate leaves the public list (status REJECTED, `merged_into`)
and its author's support moves to the comment it was merged into as an agreement.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from models.common.db import Database
from models.common.errors import Conflict, InvalidInput, NotFound
from models.consultations.comment_status import change_status
from models.consultations.documents import COMMENT_AGREES, COMMENTS, CommentDocument, CommentStatus, agree_key
from models.identity.repository import role_of
from models.moderation.content_kinds import ContentKind, ContentView, Decision, item_id_of, register
from models.moderation.originals import keep_original, stored_original
from moderation.redaction import redact_spans

CONSULTATION_COMMENT = "consultation_comment"  # the kind's name in the moderation queue
REPORTED = "reported"  # hidden.reason_code while a reported comment waits for review


async def _comment(db: Database, comment_id: ObjectId) -> CommentDocument:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    if comment is None:
        raise NotFound("the comment no longer exists")
    return comment


async def _read(db: Database, comment_id: ObjectId) -> ContentView:
    comment = await _comment(db, comment_id)
    hidden = comment.get("hidden") or {}
    return ContentView(
        author_id=comment["author_id"],
        author_role=await role_of(db, comment["author_id"]),
        text=hidden.get("text") or comment.get("text"),
        published=comment["status"] == CommentStatus.PUBLISHED,
    )


async def _approve(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] not in (CommentStatus.PENDING, CommentStatus.REJECTED) or comment.get("merged_into"):
        return  # already published (a retry), deleted by its author, or merged
    hidden = comment.get("hidden") or {}
    text = hidden.get("text", comment.get("text"))
    await change_status(
        db, comment, CommentStatus.PUBLISHED, {"text": text}, unset=("hidden",) if hidden else ()
    )


async def _reject(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] != CommentStatus.PENDING:
        # Published meanwhile (say, screened clean, then reported) or hidden pending review: the
        # decision is recorded already, so take it down as a tombstone rather than fail.
        await _hide(db, comment_id, decision)
        return
    await change_status(db, comment, CommentStatus.REJECTED)


async def _hide(
    db: Database, comment_id: ObjectId, decision: Decision, *, pending_review: bool = False
) -> None:
    comment = await _comment(db, comment_id)
    status = comment["status"]
    hidden = comment.get("hidden")
    if status == CommentStatus.PENDING:
        await _reject(db, comment_id, decision)
        return
    if status == CommentStatus.REJECTED and hidden:
        if not pending_review:  # a hold after reports becomes the moderator's decision
            final = {
                **hidden,
                "reason_code": decision.reason_code,
                "pending_review": False,
                "at": decision.at,
            }
            # Not a status change: the tombstone stays as it is, its reason becomes the moderator's.
            await COMMENTS.of(db).update_one(
                {"_id": comment_id, "status": status}, {"$set": {"hidden": final}}
            )
        return
    if status != CommentStatus.PUBLISHED:
        return  # deleted by its author, rejected before publication, or merged
    taken_down = {
        "text": comment["text"],
        "reason_code": decision.reason_code,
        "pending_review": pending_review,
        "at": decision.at,
    }
    fields = {"text": None, "hidden": taken_down}
    await change_status(db, comment, CommentStatus.REJECTED, fields, tombstone=True)


async def _hide_pending_review(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    await _hide(db, comment_id, decision, pending_review=True)


async def _redact(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    if comment["status"] == CommentStatus.DELETED or comment.get("merged_into"):
        return
    hidden = comment.get("hidden") or {}
    current = hidden.get("text") or comment.get("text")
    if current is None:
        return
    # The original is kept before the text changes; a retry finds it and redacts it again.
    original = await keep_original(
        db,
        item_id_of(CONSULTATION_COMMENT, comment_id),
        CONSULTATION_COMMENT,
        comment_id,
        current,
        decision.at,
    )
    fields = {
        "text": redact_spans(original, decision.redactions),
        "redaction": {
            "reason_code": decision.reason_code,
            "spans": len(decision.redactions),
            "at": decision.at,
        },
    }
    await change_status(db, comment, CommentStatus.PUBLISHED, fields, unset=("hidden",) if hidden else ())


async def _restore(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    """Undo a redaction: the original text back, the note gone."""
    original = await stored_original(db, item_id_of(CONSULTATION_COMMENT, comment_id))
    if original is None:
        return
    await COMMENTS.of(db).update_one(
        {"_id": comment_id, "status": CommentStatus.PUBLISHED.value, "redaction": {"$exists": True}},
        {"$set": {"text": original}, "$unset": {"redaction": ""}},
    )


async def _check_merge(db: Database, comment_id: ObjectId, target_id: Any) -> None:
    if not isinstance(target_id, ObjectId):
        raise InvalidInput("merge into a comment", field="mergeInto")
    if target_id == comment_id:
        raise InvalidInput("a comment cannot be merged into itself", field="mergeInto")
    comment = await _comment(db, comment_id)
    target = await COMMENTS.of(db).find_one({"_id": target_id})
    if target is None:
        raise NotFound("the comment to merge into does not exist")
    if target["consultation_id"] != comment["consultation_id"]:
        raise InvalidInput("merge only into a comment on the same consultation", field="mergeInto")
    if target["status"] != CommentStatus.PUBLISHED:
        raise Conflict("merge only into a published comment")


async def _merge(db: Database, comment_id: ObjectId, decision: Decision) -> None:
    comment = await _comment(db, comment_id)
    target_id: ObjectId = decision.merge_into
    if comment["status"] != CommentStatus.DELETED and not comment.get("merged_into"):
        await change_status(db, comment, CommentStatus.REJECTED, {"merged_into": target_id})
    target = await COMMENTS.of(db).find_one({"_id": target_id}, {"author_id": 1})
    if target is None or target["author_id"] == comment["author_id"]:
        return
    # The author's support stays: they agree with the comment theirs duplicated (once; a retry
    # or an earlier agreement finds the key taken and counts nothing).
    key = agree_key(target_id, comment["author_id"])
    try:
        await COMMENT_AGREES.of(db).insert_one(
            COMMENT_AGREES.new_document(
                {
                    "_id": key,
                    "comment_id": target_id,
                    "person_id": comment["author_id"],
                    "created_at": decision.at,
                }
            )
        )
    except DuplicateKeyError:
        return
    await COMMENTS.of(db).update_one({"_id": target_id}, {"$inc": {"agree_count": 1}})


register(
    ContentKind(
        name=CONSULTATION_COMMENT,
        carrier=COMMENTS,
        read=_read,
        on_approve=_approve,
        on_reject=_reject,
        on_hide=_hide,
        on_redact=_redact,
        on_restore=_restore,
        check_merge=_check_merge,
        on_merge=_merge,
        on_report_hide=_hide_pending_review,
    )
)
