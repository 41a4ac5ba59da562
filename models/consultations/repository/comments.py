"""Reading comments: a consultation's in the order they came, one person's own, who agreed with which."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.actors import Actor
from models.common.db import Database, Document
from models.common.errors import Forbidden
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.consultations.comment_batches import consultation_range
from models.consultations.documents import COMMENT_AGREES, COMMENTS, PUBLIC, CommentDocument, agree_key

BY_CONSULTATION = SortOrder("page_key")
BY_AUTHOR = SortOrder("author_page_key")


async def agreed_by(db: Database, person_id: ObjectId, comment_ids: Sequence[ObjectId]) -> set[ObjectId]:
    """Which of `comment_ids` the person agreed with: one `$in` on `_id`."""
    if not comment_ids:
        return set()
    keys = [agree_key(comment_id, person_id) for comment_id in dict.fromkeys(comment_ids)]
    cursor = COMMENT_AGREES.of(db).find({"_id": {"$in": keys}}, {"comment_id": 1})
    return {document["comment_id"] async for document in cursor}


async def comments_of(
    db: Database,
    viewer: Actor,
    consultation_id: ObjectId,
    args: PageArgs,
    bounds: PageBounds,
    *,
    clause_id: str | None = None,
) -> Page[CommentDocument]:
    """A consultation's comments in the order they came: published ones and tombstones, plus the
    viewer's own that are not (yet) published."""
    audience = [PUBLIC] if viewer.person_id is None else [PUBLIC, str(viewer.person_id)]
    query: Document = {"page_key": consultation_range(consultation_id), "visible_to": {"$in": audience}}
    if clause_id is not None:
        query["clause_id"] = clause_id
    return await paginate(COMMENTS.of(db), query, BY_CONSULTATION, args, bounds)


async def my_comments(
    db: Database, actor: Actor, args: PageArgs, bounds: PageBounds
) -> Page[CommentDocument]:
    """The signed-in person's comments across consultations, oldest first, whatever their status."""
    if actor.person_id is None:
        raise Forbidden("sign in first")
    person = actor.person_id
    query: Document = {"author_page_key": {"$gt": f"{person}:", "$lt": f"{person};"}}
    return await paginate(COMMENTS.of(db), query, BY_AUTHOR, args, bounds)
