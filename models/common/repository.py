"""Queries every domain shares: loading documents by a key in one round trip."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from models.common.db import Collection, Document


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
