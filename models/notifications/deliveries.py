"""Deliveries (one push to one device): claiming due ones with leases, recording outcomes, releasing.

A claim marks deliveries as held by one worker (`lease_owner`, `lease_ms`) and counts an attempt
before anything is sent; an outcome is written after the send, only while that same claim holds
(owner and attempt count), so a worker whose lease lapsed and went to another cannot overwrite the
other's record. A lapsed lease (a crashed or stalled worker) makes the delivery claimable again:
nothing is skipped. What cannot be prevented with FCM, which has no idempotency key, is a second
send of a message FCM accepted just before the worker died without recording it; the collapse key
and the notification id in the message make the device show it once (see push/messages.py).

Claims go through models/common/leases.py (many at once: `claim_many`); outcomes and releases are
written in one `bulk_write`, each guarded by the claim as leases.py guards one. The claim's times —
when a delivery is due (`due_ms`) and when its lease ends (`lease_ms`) — are integer milliseconds
since 1970: a claim ranges over both on every batch, and the embedded
database answers integer ranges from its index but date ranges by reading every pending delivery
(3–4 s per claim with 75,000 waiting). On MongoDB both forms use the `(status, due_ms)` index alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from pymongo import ASCENDING, UpdateOne

from models.common import leases
from models.common.clock import epoch_ms, from_epoch_ms, to_bson_precision
from models.common.db import Database, Document
from models.notifications.documents import DELIVERIES, DeliveryDocument

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
DROPPED = "dropped"
FINAL = frozenset({SENT, FAILED, DROPPED})

DELIVERY_LEASE = leases.LeaseFields(until="lease_ms", epoch_ms=True)
# A free delivery's lease ended long ago (`lease_ms`; `None` would not compare): DELIVERY_LEASE.free_end.
FREE = 0
DEFAULT_LEASE = dt.timedelta(minutes=2)
MAX_ERROR_LENGTH = 500

# What a worker needs to send; `message` is the whole FCM message, so whole top-level fields.
_CLAIMED_FIELDS = {
    "notification_id": 1,
    "person_id": 1,
    "token": 1,
    "platform": 1,
    "message": 1,
    "urgent": 1,
    "attempts": 1,
    "due_ms": 1,
    "expires_at": 1,
    "created_at": 1,
    "lease_owner": 1,
    "lease_ms": 1,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outcome:
    """What became of one claimed delivery's send.

    `status` is final (sent, failed, dropped) or PENDING for a retry at `retry_at`; `attempts`
    is the claim's attempt count, which fences off a claim that was superseded.
    """

    delivery_id: str
    attempts: int
    status: str
    at: dt.datetime
    fcm_message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in FINAL and self.status != PENDING:
            raise ValueError(f"unknown delivery status {self.status!r}")
        if self.status == PENDING and self.retry_at is None:
            raise ValueError("a retry needs retry_at")


async def claim_due(
    db: Database,
    owner: str,
    *,
    limit: int = 500,
    lease: dt.timedelta = DEFAULT_LEASE,
    now: dt.datetime,
) -> list[DeliveryDocument]:
    """Lease up to `limit` due deliveries to `owner` (oldest due first) and return them.

    Three queries whatever the number (and their getMores past 101 documents), by `status` and
    `due_ms`: see leases.claim_many. One owner must not claim twice at once (the worker loop
    claims from one task).
    """
    held = await leases.claim_many(
        DELIVERIES.of(db),
        owner,
        match={"status": PENDING, "due_ms": {"$lte": epoch_ms(now)}},
        lease=lease,
        at=now,
        limit=limit,
        order_by="due_ms",
        fields=DELIVERY_LEASE,
        also={"$inc": {"attempts": 1}},
        projection=_CLAIMED_FIELDS,
    )
    return [document for document in held if document.get("attempts", 0) >= 1]


def _this_claim(owner: str, delivery_id: str, attempts: int) -> Document:
    # `attempts` grows with every claim, so it fences off a stale claim even by the same owner.
    return {"_id": delivery_id, "status": PENDING, "attempts": attempts, **DELIVERY_LEASE.held_by(owner)}


def _error(outcome: Outcome) -> Document | None:
    if outcome.error_code is None:
        return None
    return {
        "code": outcome.error_code,
        "message": (outcome.error_message or "")[:MAX_ERROR_LENGTH],
        "at": to_bson_precision(outcome.at),
    }


def _recording(owner: str, outcome: Outcome) -> UpdateOne:
    changes: Document = {"status": outcome.status, **DELIVERY_LEASE.free}
    if outcome.status == SENT:
        sent_at = to_bson_precision(outcome.at)
        changes |= {"sent_at": sent_at, "fcm_message_id": outcome.fcm_message_id, "error": None}
    else:
        changes["error"] = _error(outcome)
    if outcome.status == PENDING:
        assert outcome.retry_at is not None
        changes["due_ms"] = epoch_ms(outcome.retry_at)
    return UpdateOne(_this_claim(owner, outcome.delivery_id, outcome.attempts), {"$set": changes})


async def record_outcomes(db: Database, owner: str, outcomes: Sequence[Outcome]) -> int:
    """Write the outcomes of `owner`'s claims in one `bulk_write` by `_id`; returns how many held.

    An outcome whose claim was superseded (the lease lapsed and another worker claimed the
    delivery, or the delivery was dropped meanwhile) is not written.
    """
    if not outcomes:
        return 0
    result = await DELIVERIES.of(db).bulk_write([_recording(owner, o) for o in outcomes], ordered=False)
    return result.matched_count


async def release(db: Database, owner: str, held: Iterable[DeliveryDocument]) -> int:
    """Give back claimed deliveries that were not sent (graceful shutdown); returns how many.

    The attempt the claim counted is taken back, as nothing was tried.
    """
    updates = [
        UpdateOne(
            _this_claim(owner, document["_id"], document["attempts"]),
            {"$set": DELIVERY_LEASE.free, "$inc": {"attempts": -1}},
        )
        for document in held
    ]
    if not updates:
        return 0
    result = await DELIVERIES.of(db).bulk_write(updates, ordered=False)
    return result.matched_count


async def oldest_due(db: Database, *, now: dt.datetime) -> dt.datetime | None:
    """When the longest-waiting due delivery became due (claimed or not), for the queue lag."""
    found = await (
        DELIVERIES.of(db)
        .find({"status": PENDING, "due_ms": {"$lte": epoch_ms(now)}}, {"due_ms": 1})
        .sort("due_ms", ASCENDING)
        .limit(1)
        .to_list()
    )
    return from_epoch_ms(found[0]["due_ms"]) if found else None
