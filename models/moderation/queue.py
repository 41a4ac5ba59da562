"""The moderation queue: one item per piece of content, in priority order, claimed with a lease.

Decisions are in decisions.py, appeals in appeals.py, citizens' reports in reports.py. Content
that screening holds enters through `events.hold_event` (in the content's own write) and
`hold_for_review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common import leases
from models.common.actors import Actor
from models.common.clock import EPOCH, Clock, epoch_ms, utcnow
from models.common.db import Database, Document
from models.common.errors import InvalidInput
from models.common.outbox import payload_of, relay_or_defer
from models.common.outbox_worker import ClaimedEvent
from models.moderation.content_kinds import content_kind, item_id_of
from models.moderation.documents import (
    MODERATION_ITEMS,
    Audience,
    ItemStatus,
    ModerationItemDocument,
    PastRoundDocument,
)
from models.moderation.errors import NotHolding
from models.moderation.events import ContentHeld
from models.moderation.policy import audiences_of, require_moderator
from models.moderation.priority import MAX_PRIORITY, due_at_of, priority_of
from models.moderation.repository import get_item
from moderation.screening import Screening

DEFAULT_LEASE = dt.timedelta(minutes=5)
MAX_LEASE = dt.timedelta(minutes=30)
# A free item's lease ended long ago (models/common/leases.py): no `$or` to find free and expired.
FREE = EPOCH
FREE_LEASE: Document = leases.LEASE.free

REPORTED = "reported"  # the reason of an item that citizens' reports opened


def sort_key(priority: int, due_at: dt.datetime) -> str:
    """Higher priority first, then the earliest due; a fresh ObjectId makes the key unique."""
    if not 0 <= priority <= MAX_PRIORITY:
        raise InvalidInput(f"priority is 0–{MAX_PRIORITY}, got {priority}", field="priority")
    millis = max(0, epoch_ms(due_at))
    return f"{MAX_PRIORITY - priority:04d}:{millis:015d}:{ObjectId()}"


async def enqueue(
    db: Database,
    *,
    kind: str,
    ref_id: Any,
    author_id: ObjectId,
    reasons: Sequence[str],
    score: float = 0.0,
    blocking: bool = False,
    reopen_decided: bool = False,
    now: Clock = utcnow,
) -> ModerationItemDocument:
    """Put content in the queue, or return its item when it is already there (reopened for a new
    round with `reopen_decided`, when the content is held again after a decision)."""
    content_kind(kind)
    created_at = now()
    screened = any(reason != REPORTED for reason in reasons)
    priority = priority_of(screened=screened, score=score, blocking=blocking)
    due_at = due_at_of(created_at, blocking=blocking)
    item = MODERATION_ITEMS.new_document(
        {
            "_id": item_id_of(kind, ref_id),
            "kind": kind,
            "ref_id": ref_id,
            "author_id": author_id,
            "status": ItemStatus.OPEN.value,
            "audience": Audience.MODERATOR.value,
            "round": 1,  # a new round starts when reports reopen a decided item
            "priority": priority,
            "score": score,
            "blocking": blocking,
            "due_at": due_at,
            "sort_key": sort_key(priority, due_at),
            "lease_owner": None,  # a free lease (FREE_LEASE)
            "lease_until": FREE,
            "claims": 0,
            "reasons": list(reasons),
            "decision": None,
            "decided_at": None,
            "escalation": None,
            "appeal": None,
            "appeal_decided_at": None,
            "history": [],
            "report_count": 0,
            "created_at": created_at,
        }
    )
    try:
        await MODERATION_ITEMS.of(db).insert_one(item)
    except DuplicateKeyError:
        existing = await get_item(db, item["_id"])
        if reopen_decided and existing["status"] != ItemStatus.OPEN:
            return await reopen(db, existing, created_at, reasons=reasons)
        return existing
    return item


async def reopen(
    db: Database, item: ModerationItemDocument, at: dt.datetime, *, reasons: Sequence[str] | None = None
) -> ModerationItemDocument:
    """A decided item goes back to the queue for a new round: its content was reported after it was
    made public again, or its author's edit was held. Earlier rounds stay in `history`."""
    if item["status"] == ItemStatus.OPEN:
        return item
    past: PastRoundDocument = {
        "round": item["round"],
        "decision": item.get("decision"),
        "decided_at": item.get("decided_at"),
        "appeal": item.get("appeal"),
        "appeal_decided_at": item.get("appeal_decided_at"),
        "reopened_at": item.get("reopened_at"),
    }
    reopened = await MODERATION_ITEMS.of(db).find_one_and_update(
        {"_id": item["_id"], "status": item["status"], "round": item["round"]},
        {
            "$set": {
                "status": ItemStatus.OPEN.value,
                "round": item["round"] + 1,
                "decision": None,
                "decided_at": None,
                "appeal": None,
                "appeal_decided_at": None,
                "report_count": 0,
                "history": [*item.get("history", []), past],
                "reopened_at": at,
                **({"reasons": list(reasons)} if reasons is not None else {}),
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    return reopened or await get_item(db, item["_id"])


async def hold_for_review(
    db: Database, kind: str, ref_id: Any, author_id: ObjectId, screening: Screening, at: dt.datetime
) -> None:
    """Queue content screening held, once its write (carrying `hold_event`) is done: one item per
    piece of content, reopened when it was decided before (an edit or a new name held again); then
    relay the hold event, which the worker replays if a crash comes first."""
    await enqueue(
        db,
        kind=kind,
        ref_id=ref_id,
        author_id=author_id,
        reasons=screening.reasons,
        score=screening.score,
        reopen_decided=True,
        now=lambda: at,
    )
    await relay_or_defer(db, content_kind(kind).carrier.name, ref_id)


async def take_from_moderator(db: Database, kind: str, ref_id: Any) -> None:
    """Free the content's open item from any moderator's claim: its content changed, so a decision
    on what the moderator saw would be about something no longer waiting."""
    await MODERATION_ITEMS.of(db).update_one(
        {"_id": item_id_of(kind, ref_id), "status": ItemStatus.OPEN.value}, {"$set": FREE_LEASE}
    )


async def enqueue_held(event: ClaimedEvent, db: Database) -> None:
    """Outbox handler for HOLD_EVENT: queue held content whose inline enqueue did not happen."""
    payload = payload_of(event.payload, ContentHeld)
    await enqueue(
        db,
        kind=payload["kind"],
        ref_id=payload["ref_id"],
        author_id=payload["author_id"],
        reasons=payload["reasons"],
        score=float(payload["score"]),
        blocking=payload.get("blocking", False),
    )


async def reprioritise(
    db: Database, item: ModerationItemDocument, *, reported_at: dt.datetime
) -> ModerationItemDocument:
    """Recompute an item's priority and due time after reports; returns the item as stored."""
    priority = priority_of(
        screened=any(reason != REPORTED for reason in item["reasons"]),
        score=float(item.get("score", 0.0)),
        reports=int(item.get("report_count", 0)),
        blocking=bool(item.get("blocking")),
    )
    due_at = min(item["due_at"], due_at_of(item["created_at"], reported_at=reported_at))
    if priority == item["priority"] and due_at == item["due_at"]:
        return item
    key = sort_key(priority, due_at)
    updated = await MODERATION_ITEMS.of(db).find_one_and_update(
        {"_id": item["_id"]},
        {"$set": {"priority": priority, "due_at": due_at, "sort_key": key}},
        return_document=ReturnDocument.AFTER,
    )
    return updated or {**item, "priority": priority, "due_at": due_at, "sort_key": key}


async def claim_next(
    db: Database, moderator: Actor, lease: dt.timedelta = DEFAULT_LEASE, *, now: Clock = utcnow
) -> ModerationItemDocument | None:
    """Lease the first open item (by priority, then due time) whose lease is free or expired.

    None when there is none.
    """
    person_id = require_moderator(moderator)
    lease = _bounded(lease)
    at = now()
    # One atomic find_one_and_update: of two moderators racing for an item, only one matches it.
    return await leases.claim(
        MODERATION_ITEMS.of(db),
        person_id,
        match={"status": ItemStatus.OPEN.value, "audience": {"$in": audiences_of(moderator)}},
        lease=lease,
        at=at,
        sort=[("sort_key", ASCENDING)],
        also={"$inc": {"claims": 1}},
    )


async def claim(
    db: Database, moderator: Actor, item_id: str, lease: dt.timedelta = DEFAULT_LEASE, *, now: Clock = utcnow
) -> ModerationItemDocument:
    """Lease one chosen open item (free, expired, or already the moderator's)."""
    person_id = require_moderator(moderator)
    lease = _bounded(lease)
    at = now()
    base = {"_id": item_id, "status": ItemStatus.OPEN.value, "audience": {"$in": audiences_of(moderator)}}
    items, counted = MODERATION_ITEMS.of(db), {"$inc": {"claims": 1}}
    # Two writes tried in turn instead of one `$or`: free or expired, else held by this moderator.
    item = await leases.claim(items, person_id, match=base, lease=lease, at=at, also=counted)
    if item is None:
        item = await leases.renew(
            items, person_id, match=base, lease=lease, at=at, unexpired=True, also=counted
        )
    if item is None:
        await get_item(db, item_id)  # NotFound when there is no such item
        raise NotHolding("the item is decided, or another moderator holds it")
    return item


def held_by(person_id: ObjectId, item_id: str, at: dt.datetime) -> Document:
    """The filter of an open item whose lease `person_id` holds at `at`."""
    return {"_id": item_id, "status": ItemStatus.OPEN.value, **leases.LEASE.held_by(person_id, at)}


def _bounded(lease: dt.timedelta) -> dt.timedelta:
    if not dt.timedelta(seconds=30) <= lease <= MAX_LEASE:
        raise InvalidInput("a lease is 30 seconds to 30 minutes", field="lease")
    return lease


async def renew(
    db: Database, moderator: Actor, item_id: str, lease: dt.timedelta = DEFAULT_LEASE, *, now: Clock = utcnow
) -> ModerationItemDocument:
    """Extend the moderator's lease on an item they hold."""
    person_id = require_moderator(moderator)
    lease = _bounded(lease)
    at = now()
    open_item = {"_id": item_id, "status": ItemStatus.OPEN.value}
    item = await leases.renew(
        MODERATION_ITEMS.of(db), person_id, match=open_item, lease=lease, at=at, unexpired=True
    )
    if item is None:
        raise NotHolding("you do not hold this item")
    return item


async def release(db: Database, moderator: Actor, item_id: str, *, now: Clock = utcnow) -> None:
    """Give an item back to the queue undecided."""
    person_id = require_moderator(moderator)
    open_item = {"_id": item_id, "status": ItemStatus.OPEN.value}
    released = await leases.release(MODERATION_ITEMS.of(db), person_id, match=open_item, unexpired_at=now())
    if not released:
        raise NotHolding("you do not hold this item")
