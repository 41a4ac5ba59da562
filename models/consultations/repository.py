"""Queries on consultations and their comments."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.db import Database, Document
from models.common.errors import NotFound
from models.common.repository import find_by_keys
from models.consultations.documents import COMMENTS, CONSULTATIONS


async def find_consultations(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, Document]:
    return await find_by_keys(CONSULTATIONS.of(db), "_id", ids)  # type: ignore[return-value]


async def find_comments(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, Document]:
    return await find_by_keys(COMMENTS.of(db), "_id", ids)  # type: ignore[return-value]


async def get_consultation(db: Database, consultation_id: ObjectId) -> Document:
    consultation = await CONSULTATIONS.of(db).find_one({"_id": consultation_id})
    if consultation is None:
        raise NotFound("no consultation has this id", field="consultationId")
    return consultation


async def get_comment(db: Database, comment_id: ObjectId) -> Document:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    if comment is None:
        raise NotFound("no comment has this id", field="commentId")
    return comment
