"""Queries every domain shares: batched loads by key, and inserts guarded by a unique index."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from pymongo.errors import DuplicateKeyError

from models.common.db import Collection, Document
from models.common.errors import Conflict


async def find_by_keys(
    collection: Collection, key: str, values: Sequence[Hashable]
) -> dict[Hashable, Document]:
    """Documents whose `key` is one of `values`, by that key (one `$in` query, for DataLoaders)."""
    if not values:
        return {}
    cursor = collection.find({key: {"$in": list(dict.fromkeys(values))}})
    return {document[key]: document async for document in cursor}


async def find_grouped_by(
    collection: Collection,
    key: str,
    values: Sequence[Hashable],
    sort: Sequence[tuple[str, int]] = (("_id", 1),),
) -> dict[Hashable, list[Document]]:
    """Documents grouped by `key` for each of `values` (one query for a DataLoader of lists)."""
    grouped: dict[Hashable, list[Document]] = {value: [] for value in values}
    if not values:
        return grouped
    cursor = collection.find({key: {"$in": list(grouped)}}, sort=list(sort))
    async for document in cursor:
        grouped[document[key]].append(document)
    return grouped


async def insert_unique(collection: Collection, document: Document, conflict: Conflict) -> Document:
    """Insert `document`; a unique-index clash raises `conflict` (the caller's words for it)."""
    try:
        result = await collection.insert_one(document)
    except DuplicateKeyError as error:
        raise conflict from error
    document["_id"] = result.inserted_id
    return document
