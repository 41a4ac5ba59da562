"""Queries every domain shares: batched loads by key, and inserts guarded by a unique index."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from models.common.db import D, Document
from models.common.errors import Conflict

DUPLICATE_KEY = 11000


async def find_by_keys(
    collection: AsyncCollection[D], key: str, values: Sequence[Hashable]
) -> dict[Hashable, D]:
    """Documents whose `key` is one of `values`, by that key (one `$in` query, for DataLoaders)."""
    if not values:
        return {}
    cursor = collection.find({key: {"$in": list(dict.fromkeys(values))}})
    return {document[key]: document async for document in cursor}


async def find_grouped_by(
    collection: AsyncCollection[D],
    key: str,
    values: Sequence[Hashable],
    sort: Sequence[tuple[str, int]] = (("_id", 1),),
) -> dict[Hashable, list[D]]:
    """Documents grouped by `key` for each of `values` (one query for a DataLoader of lists)."""
    grouped: dict[Hashable, list[D]] = {value: [] for value in values}
    if not values:
        return grouped
    cursor = collection.find({key: {"$in": list(grouped)}}, sort=list(sort))
    async for document in cursor:
        grouped[document[key]].append(document)
    return grouped


async def insert_unique(collection: AsyncCollection[D], document: D, conflict: Conflict) -> D:
    """Insert `document`; a unique-index clash raises `conflict` (the caller's words for it)."""
    try:
        result = await collection.insert_one(document)
    except DuplicateKeyError as error:
        raise conflict from error
    cast(Document, document)["_id"] = result.inserted_id
    return document


async def insert_new(collection: AsyncCollection[D], documents: Sequence[D]) -> set[Any]:
    """Insert the documents whose `_id` is not taken yet (unordered, one command); the ids this
    call inserted. Any error but a duplicate key is raised."""
    if not documents:
        return set()
    ids = [document["_id"] for document in documents]
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        taken = {e["index"] for e in errors}
        return {doc_id for index, doc_id in enumerate(ids) if index not in taken}
    return set(ids)
