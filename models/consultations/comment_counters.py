"""A consultation's comment figures, kept by `$inc` on its document as comments are published or withdrawn."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.clock import utcnow
from models.common.db import Database
from models.consultations.campaigns import count_member
from models.consultations.documents import COMMENTERS, CONSULTATIONS, CommentDocument


def commenter_key(consultation_id: ObjectId, person_id: ObjectId) -> str:
    return f"{consultation_id}:{person_id}"


async def _commenter_change(db: Database, consultation_id: ObjectId, person_id: ObjectId, delta: int) -> int:
    """+1 when the person now has their first published comment here, -1 when their last one went,
    else 0; the marker's atomic `$inc` decides, so concurrent comments count a person once."""
    markers = COMMENTERS.of(db)
    key = commenter_key(consultation_id, person_id)
    if delta > 0:
        try:
            await markers.insert_one(
                COMMENTERS.new_document(
                    {
                        "_id": key,
                        "consultation_id": consultation_id,
                        "person_id": person_id,
                        "published": 1,
                        "created_at": utcnow(),
                    }
                )
            )
            return 1
        except DuplicateKeyError:
            pass
    # By `_id`, never upserting: nx-27017's find_one_and_update upsert hides duplicate keys.
    marker = await markers.find_one_and_update(
        {"_id": key}, {"$inc": {"published": delta}}, return_document=ReturnDocument.AFTER
    )
    if marker is None:
        return 0
    if delta > 0 and marker["published"] == 1:
        return 1
    if delta < 0 and marker["published"] == 0:
        return -1
    return 0


async def count_published(db: Database, comment: CommentDocument, delta: int) -> None:
    """Count a comment that became published (`delta` +1) or stopped being so (-1).

    Only published comments are counted: a premoderated comment counts when a moderator
    approves it (moderation calls this), a deleted one stops counting.
    """
    if delta not in (1, -1):
        raise ValueError(f"delta is +1 or -1, got {delta}")
    increments: dict[str, int] = {
        "counters.comments": delta,
        f"counters.stances.{comment['stance']}": delta,
    }
    clause_id = comment.get("clause_id")
    if clause_id is not None:
        # Clause ids are "c<number>" (clauses.py), safe as field names.
        increments[f"counters.clauses.{clause_id}"] = delta
    commenters = await _commenter_change(db, comment["consultation_id"], comment["author_id"], delta)
    if commenters:
        increments["counters.commenters"] = commenters
    await CONSULTATIONS.of(db).update_one({"_id": comment["consultation_id"]}, {"$inc": increments})
    await count_member(db, comment, delta)  # a campaign's size counts its published members
