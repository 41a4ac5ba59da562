"""Queries on consultations and their comments: by id here; the lists in modules named for them.

`browse` (the consultations a person may list), `comments` (a consultation's comments, one's own,
agreements), `campaigns` (campaigns, their comments, similar comments).
"""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.db import Database, Document
from models.common.errors import NotFound
from models.common.pagination import Page, PageArgs, PageBounds, SortOrder, paginate
from models.common.repository import find_by_keys
from models.consultations.documents import COMMENTS, CONSULTATIONS, CommentDocument, ConsultationDocument
from models.consultations.search import search


async def find_consultations(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, ConsultationDocument]:
    return await find_by_keys(CONSULTATIONS.of(db), "_id", ids)  # type: ignore[return-value]


async def find_comments(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, CommentDocument]:
    return await find_by_keys(COMMENTS.of(db), "_id", ids)  # type: ignore[return-value]


def no_such_consultation() -> NotFound:
    """The answer for an unknown id, and word for word for a consultation the caller may not see."""
    return NotFound("no consultation has this id", field="consultationId")


def no_such_comment() -> NotFound:
    """The answer for an unknown id, and word for word for a comment the caller may not see."""
    return NotFound("no comment has this id", field="commentId")


async def get_consultation(db: Database, consultation_id: ObjectId) -> ConsultationDocument:
    consultation = await CONSULTATIONS.of(db).find_one({"_id": consultation_id})
    if consultation is None:
        raise no_such_consultation()
    return consultation


async def get_comment(db: Database, comment_id: ObjectId) -> CommentDocument:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    if comment is None:
        raise no_such_comment()
    return comment


NEWEST_FIRST = SortOrder("_id", -1)
# Lists leave out what only writes need: a long text's search terms are thousands of strings.
LISTED_FIELDS: Document = {"search_terms": 0, "_outbox": 0}


async def page_consultations(
    db: Database, query: Document, args: PageArgs, bounds: PageBounds, search_text: str | None = None
) -> Page[ConsultationDocument]:
    """Consultations matching `query`, newest first; with `search_text`, only those containing it."""
    if search_text:
        return await search(db, search_text, query, NEWEST_FIRST, args, bounds, LISTED_FIELDS)
    return await paginate(CONSULTATIONS.of(db), query, NEWEST_FIRST, args, bounds, LISTED_FIELDS)
