"""Queries on topics."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId
from pymongo import ASCENDING

from models.common.db import Database
from models.common.repository import find_by_keys
from models.topics.documents import TOPICS, TopicDocument

# Topics are a short reference list; the bound keeps an unpaged list safe all the same.
MAX_TOPICS = 500


async def find_by_code(db: Database, code: str) -> TopicDocument | None:
    return await TOPICS.of(db).find_one({"code": code})


async def find_by_ids(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, TopicDocument]:
    return await find_by_keys(TOPICS.of(db), "_id", ids)  # type: ignore[return-value]


async def list_topics(db: Database) -> list[TopicDocument]:
    """Every topic, by code (at most MAX_TOPICS; the code index serves the sort)."""
    cursor = TOPICS.of(db).find({}, sort=[("code", ASCENDING)], limit=MAX_TOPICS)
    return await cursor.to_list()


async def count_topics(db: Database) -> int:
    return await TOPICS.of(db).count_documents({})
