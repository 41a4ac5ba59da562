"""Leases: a worker or a moderator holds a document for a while by writing its name and the lease's
end into it; once the end has passed, anyone may claim it again.

Every leased collection (outbox events, fan-out jobs, push deliveries, moderation items,
idempotency keys) claims, renews, completes and releases through these functions:

- claim: one atomic `find_one_and_update` on "the lease is free or has ended" (`until <= now`), so
  of two claimants only one matches. A free lease keeps an end long past (`free_end`) rather than
  none, so that one range finds free and expired documents alike without an `$or`, which nx-27017
  answers by scanning.
- renew, complete and release: updates guarded by the owner, so a claimant whose lease lapsed and
  went to another cannot overwrite the other's work.

The end is a datetime, or integer milliseconds since 1970 for collections the worker ranges over
on every pass (deliveries): nx-27017 answers integer ranges from its index, date ranges by
scanning (README, "Known limits").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from models.common.clock import EPOCH, epoch_ms
from models.common.db import Collection, D, Document


@dataclass(frozen=True)
class LeaseFields:
    """Where a collection keeps its lease: who holds it, and when it ends."""

    owner: str = "lease_owner"
    until: str = "lease_until"
    epoch_ms: bool = False  # the end in integer milliseconds since 1970 instead of a datetime

    def end(self, at: dt.datetime) -> dt.datetime | int:
        """`at` as the end field stores it."""
        return epoch_ms(at) if self.epoch_ms else at

    @property
    def free_end(self) -> dt.datetime | int:
        return 0 if self.epoch_ms else EPOCH

    @property
    def free(self) -> Document:
        """The fields of a lease nobody holds (for new documents and `$set`)."""
        return {self.owner: None, self.until: self.free_end}

    def claimable(self, at: dt.datetime) -> Document:
        """The filter of a free or ended lease at `at`: a lease holds while its end is after now."""
        return {self.until: {"$lte": self.end(at)}}

    def held_by(self, owner: Any, at: dt.datetime | None = None) -> Document:
        """The filter of a lease `owner` holds; with `at`, one that has not ended by then."""
        held: Document = {self.owner: owner}
        if at is not None:
            held[self.until] = {"$gt": self.end(at)}
        return held

    def taken(self, owner: Any, until: dt.datetime) -> Document:
        """The fields of a lease `owner` holds until `until` (for `$set`)."""
        return {self.owner: owner, self.until: self.end(until)}


LEASE = LeaseFields()


def _with_set(fields: Document, also: Mapping[str, Any] | None) -> Document:
    """`also` (an update with operators) with `fields` added to its `$set`."""
    update = {operator: dict(values) for operator, values in (also or {}).items()}
    update["$set"] = {**update.get("$set", {}), **fields}
    return update


async def claim(
    collection: AsyncCollection[D],
    owner: Any,
    *,
    match: Document,
    lease: dt.timedelta,
    at: dt.datetime,
    fields: LeaseFields = LEASE,
    sort: Sequence[tuple[str, int]] | None = None,
    also: Mapping[str, Any] | None = None,
) -> D | None:
    """Lease the first document matching `match` whose lease is free or ended to `owner` until
    `at + lease`, applying `also` (e.g. `{"$inc": {"attempts": 1}}`) in the same write; the
    document as it is now, or None when none is claimable."""
    return await collection.find_one_and_update(
        {**match, **fields.claimable(at)},
        _with_set(fields.taken(owner, at + lease), also),
        sort=list(sort) if sort else None,
        return_document=ReturnDocument.AFTER,
    )


async def claim_many(
    collection: AsyncCollection[D],
    owner: Any,
    *,
    match: Document,
    lease: dt.timedelta,
    at: dt.datetime,
    limit: int,
    order_by: str,
    fields: LeaseFields = LEASE,
    also: Mapping[str, Any] | None = None,
    projection: Mapping[str, Any] | None = None,
) -> list[D]:
    """Lease up to `limit` claimable documents (first by `order_by`) to `owner` and return them.

    Three queries whatever the number: the candidates' ids, one `update_many` with the same filter
    plus `_id $in` (a candidate another claimant took meanwhile no longer matches), and a read of
    what this claim holds, told apart by owner and lease end — so one owner must not claim twice in
    the same millisecond (a worker claims from one task).
    """
    claimable = {**match, **fields.claimable(at)}
    candidates = collection.find(claimable, {"_id": 1}).sort(order_by, ASCENDING).limit(limit)
    ids = [document["_id"] async for document in candidates]
    if not ids:
        return []
    taken = fields.taken(owner, at + lease)
    await collection.update_many({**claimable, "_id": {"$in": ids}}, _with_set(taken, also))
    held = await collection.find({"_id": {"$in": ids}, **taken}, projection).to_list()
    order = {document_id: index for index, document_id in enumerate(ids)}
    return sorted(held, key=lambda document: order[document["_id"]])


async def renew(
    collection: AsyncCollection[D],
    owner: Any,
    *,
    match: Document,
    lease: dt.timedelta,
    at: dt.datetime,
    fields: LeaseFields = LEASE,
    unexpired: bool = False,
    also: Mapping[str, Any] | None = None,
) -> D | None:
    """Extend `owner`'s lease on the document matching `match` to `at + lease` (with `also`, e.g. a
    cursor moved on); None when `owner` no longer holds it. With `unexpired`, a lease that has
    ended is not renewed even if nobody took it over (moderators: an ended lease is anyone's)."""
    return await collection.find_one_and_update(
        {**match, **fields.held_by(owner, at if unexpired else None)},
        _with_set({fields.until: fields.end(at + lease)}, also),
        return_document=ReturnDocument.AFTER,
    )


async def complete(
    collection: Collection,
    owner: Any,
    *,
    match: Document,
    update: Mapping[str, Any],
    fields: LeaseFields = LEASE,
    unexpired_at: dt.datetime | None = None,
) -> bool:
    """Apply `update` (the outcome) to the document matching `match` while `owner` holds its lease
    (and, with `unexpired_at`, while that lease has not ended); False when the claim was lost."""
    result = await collection.update_one({**match, **fields.held_by(owner, unexpired_at)}, dict(update))
    return result.matched_count == 1


async def release(
    collection: Collection,
    owner: Any,
    *,
    match: Document,
    fields: LeaseFields = LEASE,
    unexpired_at: dt.datetime | None = None,
    also: Mapping[str, Any] | None = None,
) -> bool:
    """Give `owner`'s lease on the document matching `match` back (free for anyone to claim);
    False when `owner` did not hold it."""
    return await complete(
        collection,
        owner,
        match=match,
        update=_with_set(fields.free, also),
        fields=fields,
        unexpired_at=unexpired_at,
    )
