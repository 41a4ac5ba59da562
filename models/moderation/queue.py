"""The moderation queue: one item per piece of content, claimed with a lease, decided, appealed once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor, Role, require_role
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.common.outbox import Event, declare_event_carrier, push_events, relay_or_defer
from models.moderation.audit import append
from models.moderation.content_kinds import Action, Decision, content_kind
from models.moderation.reasons import require_reason


class ItemStatus(StrEnum):
    OPEN = "OPEN"
    DECIDED = "DECIDED"
    APPEALED = "APPEALED"
    CLOSED = "CLOSED"


class Audience(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"  # escalated items: only admins claim them


MODERATION_ITEMS = declare_event_carrier(
    "moderation_items",
    [
        # Claiming walks this order (priority, then age) and takes the first free item.
        IndexModel([("sort_key", ASCENDING)], unique=True),
    ],
)

DEFAULT_LEASE = dt.timedelta(minutes=5)
# A free item's lease ended long ago, so one `lease_until < now` finds free and expired items
# alike without an `$or` (which nx-27017 answers by scanning).
FREE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_PRIORITY = 9999
APPEAL_LENGTH = (2, 2000)
APPEALABLE = (Action.REJECT.value, Action.HIDE.value)

DECISION_EVENT = "moderation.decision"
APPEAL_EVENT = "moderation.appeal_decided"


class NotHolding(Conflict):
    """The moderator's lease on the item ended, or was never theirs."""

    code = "NOT_HOLDING"


def item_id_of(kind: str, ref_id: Any) -> str:
    """The item's `_id`: one item per piece of content, so enqueueing twice is harmless."""
    return f"{kind}:{ref_id}"


def sort_key(priority: int, created_at: dt.datetime) -> str:
    """Higher priority first, then older first; a fresh ObjectId makes the key unique."""
    if not 0 <= priority <= MAX_PRIORITY:
        raise InvalidInput(f"priority is 0–{MAX_PRIORITY}, got {priority}", field="priority")
    millis = int(created_at.timestamp() * 1000)
    return f"{MAX_PRIORITY - priority:04d}:{millis:015d}:{ObjectId()}"


def _require_staff(actor: Actor) -> ObjectId:
    require_role(actor, Role.MODERATOR, Role.ADMIN)
    assert actor.person_id is not None
    return actor.person_id


async def get_item(db: Database, item_id: str) -> Document:
    item = await MODERATION_ITEMS.of(db).find_one({"_id": item_id})
    if item is None:
        raise NotFound("no such moderation item")
    return item


async def enqueue(
    db: Database,
    *,
    kind: str,
    ref_id: Any,
    author_id: ObjectId,
    reasons: Sequence[str],
    priority: int = 0,
    due_at: dt.datetime | None = None,
    now: Clock = utcnow,
) -> Document:
    """Put content in the queue, or return its item when it is already there."""
    content_kind(kind)
    created_at = now()
    item = MODERATION_ITEMS.new_document(
        {
            "_id": item_id_of(kind, ref_id),
            "kind": kind,
            "ref_id": ref_id,
            "author_id": author_id,
            "status": ItemStatus.OPEN.value,
            "audience": Audience.MODERATOR.value,
            "priority": priority,
            "sort_key": sort_key(priority, created_at),
            "lease_owner": None,
            "lease_until": FREE,
            "claims": 0,
            "reasons": list(reasons),
            "due_at": due_at,
            "decision": None,
            "escalation": None,
            "appeal": None,
            "reports": [],
            "created_at": created_at,
        }
    )
    try:
        await MODERATION_ITEMS.of(db).insert_one(item)
    except DuplicateKeyError:
        return await get_item(db, item["_id"])
    return item


async def claim_next(
    db: Database, moderator: Actor, lease: dt.timedelta = DEFAULT_LEASE, *, now: Clock = utcnow
) -> Document | None:
    """Lease the first open item (by priority, then age) whose lease is free or expired; None when none is."""
    person_id = _require_staff(moderator)
    at = now()
    audiences = [Audience.MODERATOR.value]
    if moderator.role is Role.ADMIN:
        audiences.append(Audience.ADMIN.value)
    # One atomic find_one_and_update: of two moderators racing for an item, only one matches it.
    return await MODERATION_ITEMS.of(db).find_one_and_update(
        {"status": ItemStatus.OPEN.value, "audience": {"$in": audiences}, "lease_until": {"$lt": at}},
        {"$set": {"lease_owner": person_id, "lease_until": at + lease}, "$inc": {"claims": 1}},
        sort=[("sort_key", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )


def _held_by(person_id: ObjectId, item_id: str, at: dt.datetime) -> Document:
    return {
        "_id": item_id,
        "status": ItemStatus.OPEN.value,
        "lease_owner": person_id,
        "lease_until": {"$gt": at},
    }


async def renew(
    db: Database, moderator: Actor, item_id: str, lease: dt.timedelta = DEFAULT_LEASE, *, now: Clock = utcnow
) -> Document:
    """Extend the moderator's lease on an item they hold."""
    person_id = _require_staff(moderator)
    at = now()
    item = await MODERATION_ITEMS.of(db).find_one_and_update(
        _held_by(person_id, item_id, at),
        {"$set": {"lease_until": at + lease}},
        return_document=ReturnDocument.AFTER,
    )
    if item is None:
        raise NotHolding("you do not hold this item")
    return item


async def release(db: Database, moderator: Actor, item_id: str, *, now: Clock = utcnow) -> None:
    """Give an item back to the queue undecided."""
    person_id = _require_staff(moderator)
    result = await MODERATION_ITEMS.of(db).update_one(
        _held_by(person_id, item_id, now()), {"$set": {"lease_owner": None, "lease_until": FREE}}
    )
    if result.matched_count == 0:
        raise NotHolding("you do not hold this item")


def _decision_event(item: Document, decision: Decision) -> Event:
    # The note is for staff; the author is told the action and the reason code.
    return Event(
        id=f"{DECISION_EVENT}:{item['_id']}",
        kind=DECISION_EVENT,
        payload={
            "person_id": item["author_id"],
            "item_id": item["_id"],
            "content_kind": item["kind"],
            "ref_id": item["ref_id"],
            "action": decision.action.value,
            "reason_code": decision.reason_code,
        },
        created_at=decision.at,
    )


async def _apply(db: Database, item: Document, decision: Decision) -> None:
    kind = content_kind(item["kind"])
    callback = {
        Action.APPROVE: kind.on_approve,
        Action.REJECT: kind.on_reject,
        Action.HIDE: kind.on_hide,
    }[decision.action]
    await callback(db, item["ref_id"], decision)


async def decide(
    db: Database,
    moderator: Actor,
    item_id: str,
    action: Action,
    reason_code: str | None,
    note: str | None = None,
    *,
    now: Clock = utcnow,
) -> Document:
    """Decide an item the moderator holds: record it, tell the author, apply it to the content, audit it.

    ESCALATE hands the item to admins instead: nothing is applied and the author is not told yet.
    """
    person_id = _require_staff(moderator)
    at = now()
    if reason_code is None and action is not Action.APPROVE:
        raise InvalidInput(f"{action.value} needs a reason code", field="reasonCode")
    if reason_code is not None:
        await require_reason(db, reason_code)
    decision = Decision(action=action, reason_code=reason_code, note=note, moderator_id=person_id, at=at)
    item = await get_item(db, item_id)
    free = {"lease_owner": None, "lease_until": FREE}
    if action is Action.ESCALATE:
        update: Document = {
            "$set": {**free, "audience": Audience.ADMIN.value, "escalation": decision.to_document()}
        }
    else:
        update = push_events(
            {"$set": {**free, "status": ItemStatus.DECIDED.value, "decision": decision.to_document()}},
            [_decision_event(item, decision)],
        )
    # The lease is checked in the same write that records the decision, so a lapsed lease loses.
    decided = await MODERATION_ITEMS.of(db).find_one_and_update(
        _held_by(person_id, item_id, at), update, return_document=ReturnDocument.AFTER
    )
    if decided is None:
        raise NotHolding("you do not hold this item")
    if action is not Action.ESCALATE:
        # After the record: a crash here leaves a DECIDED item whose content a retry of _apply fixes.
        await _apply(db, decided, decision)
        await relay_or_defer(db, MODERATION_ITEMS.name, item_id)
    await append(
        db,
        actor_id=person_id,
        action="moderation.decision",
        subject={"kind": decided["kind"], "id": decided["ref_id"]},
        details={"item_id": item_id, "action": action.value, "reason_code": reason_code, "note": note},
        at=at,
    )
    return decided


async def appeal(db: Database, author: Actor, item_id: str, text: str, *, now: Clock = utcnow) -> Document:
    """The author appeals a REJECT or HIDE decision, once, with a text."""
    if not author.signed_in:
        raise Forbidden("sign in first")
    item = await get_item(db, item_id)
    if item["author_id"] != author.person_id:
        raise Forbidden("only the author can appeal a decision")
    if item["appeal"] is not None:
        raise Conflict("already appealed")
    if item["status"] != ItemStatus.DECIDED or item["decision"]["action"] not in APPEALABLE:
        raise Conflict("only a rejection or a hidden item can be appealed")
    cleaned = text.strip()
    low, high = APPEAL_LENGTH
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"an appeal is {low}–{high} characters", field="text")
    appealed = await MODERATION_ITEMS.of(db).find_one_and_update(
        # DECIDED is left for good here, so a second appeal cannot match.
        {"_id": item_id, "status": ItemStatus.DECIDED.value},
        {
            "$set": {
                "status": ItemStatus.APPEALED.value,
                "appeal": {"text": cleaned, "at": now(), "decision": None},
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if appealed is None:
        raise Conflict("already appealed")
    return appealed


async def decide_appeal(
    db: Database,
    moderator: Actor,
    item_id: str,
    uphold: bool,
    note: str | None = None,
    *,
    now: Clock = utcnow,
) -> Document:
    """A moderator other than the decider upholds or overturns the decision, and the author is told."""
    person_id = _require_staff(moderator)
    at = now()
    item = await get_item(db, item_id)
    if item["status"] != ItemStatus.APPEALED:
        raise Conflict("the item has no open appeal")
    original = item["decision"]
    if original["moderator_id"] == person_id:
        raise Forbidden("the original moderator cannot decide the appeal")
    outcome = {"upheld": uphold, "note": note, "moderator_id": person_id, "at": at}
    event = Event(
        id=f"{APPEAL_EVENT}:{item_id}",
        kind=APPEAL_EVENT,
        payload={
            "person_id": item["author_id"],
            "item_id": item_id,
            "content_kind": item["kind"],
            "ref_id": item["ref_id"],
            "upheld": uphold,
            "reason_code": original["reason_code"],
        },
        created_at=at,
    )
    # The whole `appeal` is written back (not `appeal.decision`) to stay off dotted-path updates.
    closed = await MODERATION_ITEMS.of(db).find_one_and_update(
        {"_id": item_id, "status": ItemStatus.APPEALED.value},
        push_events(
            {"$set": {"status": ItemStatus.CLOSED.value, "appeal": {**item["appeal"], "decision": outcome}}},
            [event],
        ),
        return_document=ReturnDocument.AFTER,
    )
    if closed is None:
        raise Conflict("the appeal was decided meanwhile")
    if not uphold:
        overturn = Decision(action=Action.APPROVE, reason_code=None, note=note, moderator_id=person_id, at=at)
        await _apply(db, closed, overturn)
    await relay_or_defer(db, MODERATION_ITEMS.name, item_id)
    await append(
        db,
        actor_id=person_id,
        action="moderation.appeal_decision",
        subject={"kind": closed["kind"], "id": closed["ref_id"]},
        details={"item_id": item_id, "upheld": uphold, "note": note},
        at=at,
    )
    return closed
