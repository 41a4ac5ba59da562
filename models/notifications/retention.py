"""How long push records and daily-cap ledgers are kept, and the sweep that deletes older ones.

A delivery record answers "what became of this push" (sent with FCM's message id, failed with the
reason, dropped and why) for a month after the push could last have been sent; a ledger matters
only for its local day and the digest at its end. The worker sweeps them hourly, in bounded
batches, on its own clock — not through TTL indexes: deliveries are the largest collection, and
nx-27017 runs a TTL purge as deletes over the whole collection up to once a second.
"""

from __future__ import annotations

import datetime as dt

from models.common.db import Collection, Database, Document
from models.notifications.documents import DELIVERIES, DIGESTS

DELIVERY_RECORDS_KEPT = dt.timedelta(days=30)  # after `expires_at`
LEDGERS_KEPT = dt.timedelta(days=3)  # after their local day (any time zone)
PURGE_BATCH = 1000


async def purge_expired(db: Database, now: dt.datetime, *, batch: int = PURGE_BATCH) -> int:
    """Delete up to `batch` delivery records and `batch` ledgers past keeping; returns how many
    went (the worker sweeps again at once while this finds any)."""
    records = await _purge(DELIVERIES.of(db), {"expires_at": {"$lt": now - DELIVERY_RECORDS_KEPT}}, batch)
    ledgers = await _purge(DIGESTS.of(db), {"day": {"$lt": (now - LEDGERS_KEPT).date().isoformat()}}, batch)
    return records + ledgers


async def _purge(collection: Collection, old: Document, batch: int) -> int:
    ids = [document["_id"] async for document in collection.find(old, {"_id": 1}).limit(batch)]
    if not ids:
        return 0
    return (await collection.delete_many({**old, "_id": {"$in": ids}})).deleted_count
