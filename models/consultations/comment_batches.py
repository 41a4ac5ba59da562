"""All of one consultation's comments read in keyset batches, for the adoption report and the CSV export."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bson import ObjectId

from models.common.db import Database, Document
from models.consultations.documents import COMMENTS, CommentDocument

BATCH_SIZE = 500


def consultation_range(consultation_id: ObjectId) -> dict[str, str]:
    """The page keys of one consultation's comments: "<id>:" < key < "<id>;" (";" follows ":")."""
    return {"$gt": f"{consultation_id}:", "$lt": f"{consultation_id};"}


async def comment_batches(
    db: Database,
    consultation_id: ObjectId,
    *,
    status: str | None = None,
    projection: Document | None = None,
    size: int = BATCH_SIZE,
) -> AsyncIterator[list[CommentDocument]]:
    """The consultation's comments in creation order, `size` at a time.

    Each batch is its own query after the last page key, not one long cursor: callers write to
    these comments between batches, and memory stays bounded by `size`.
    """
    if projection is not None:
        projection = {**projection, "page_key": 1}
    key_range: Document = consultation_range(consultation_id)
    while True:
        query: Document = {"page_key": key_range}
        if status is not None:
            query["status"] = status
        batch = await COMMENTS.of(db).find(query, projection, sort=[("page_key", 1)], limit=size).to_list()
        if batch:
            yield batch
        if len(batch) < size:
            return
        key_range = {**key_range, "$gt": batch[-1]["page_key"]}
