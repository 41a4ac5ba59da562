"""Moderators' decisions: recorded with the lease check, told to the author, applied, audited.

The decision and the events that follow from it are one write on the item; applying it to the
content comes after and is repeated by the outbox worker (APPLY_EVENT) if a crash cut it short,
so a recorded decision always reaches its content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import DomainError, InvalidInput
from models.common.outbox import Event, payload_of, push_events, relay_or_defer
from models.common.outbox_worker import ClaimedEvent
from models.moderation.audit import append
from models.moderation.content_kinds import Action, Decision, callback_for, content_kind
from models.moderation.documents import MODERATION_ITEMS, Audience, ItemStatus, ModerationItemDocument
from models.moderation.errors import NotHolding
from models.moderation.events import ItemToApply, apply_event, decision_event
from models.moderation.originals import stored_original
from models.moderation.policy import require_moderator
from models.moderation.queue import FREE_LEASE, claim, held_by
from models.moderation.reasons import require_reason
from models.moderation.repository import get_item
from moderation.redaction import Span, checked_spans

NOTE_LENGTH = 1000
MAX_BULK = 100


def decision_events(item: ModerationItemDocument, decision: Decision) -> list[Event]:
    """The author is told the action and the reason code (not the moderator's note); the content
    is brought in line with the item."""
    key = f"{item['_id']}:{item.get('round', 1)}"
    return [decision_event(item, key, decision), apply_event(item["_id"], f"{key}:decision", decision.at)]


async def apply_current(db: Database, item: ModerationItemDocument) -> None:
    """Make the content say what the item says now (idempotent; the repair path too)."""
    status, stored = item["status"], item.get("decision")
    if status == ItemStatus.OPEN or stored is None:
        return
    kind = content_kind(item["kind"])
    decision = Decision.from_document(stored)
    appeal = item.get("appeal")
    outcome = appeal.get("decision") if appeal else None
    if status == ItemStatus.CLOSED and outcome is not None and not outcome["upheld"]:
        overturn = Decision(
            action=Action.APPROVE,
            reason_code=None,
            note=outcome.get("note"),
            moderator_id=outcome["moderator_id"],
            at=outcome["at"],
        )
        if decision.action is Action.REDACT:
            await kind.on_restore(db, item["ref_id"], overturn)
        else:
            await kind.on_approve(db, item["ref_id"], overturn)
        return
    await callback_for(kind, decision.action)(db, item["ref_id"], decision)


async def apply_decided(event: ClaimedEvent, db: Database) -> None:
    """Outbox handler for APPLY_EVENT."""
    payload = payload_of(event.payload, ItemToApply)
    await apply_current(db, await get_item(db, payload["item_id"]))


@dataclass(frozen=True)
class DecisionInput:
    action: Action
    reason_code: str | None
    note: str | None = None
    redactions: Sequence[Span] = ()
    merge_into: Any = None  # the ref_id of the content to merge a duplicate into


async def _checked(
    db: Database, item: ModerationItemDocument, given: DecisionInput
) -> tuple[tuple[Span, ...], Any]:
    """The redaction spans and merge target of a decision, refused unless they fit its action."""
    action = given.action
    if given.reason_code is None and action is not Action.APPROVE:
        raise InvalidInput(f"{action.value} needs a reason code", field="reasonCode")
    if given.reason_code is not None:
        await require_reason(db, given.reason_code)
    if given.note is not None and len(given.note) > NOTE_LENGTH:
        raise InvalidInput(f"a note is at most {NOTE_LENGTH} characters", field="note")
    kind = content_kind(item["kind"])
    spans: tuple[Span, ...] = ()
    if action is Action.REDACT:
        # Spans are of the original: the text before any earlier redaction of this item.
        text = await stored_original(db, item["_id"]) or (await kind.read(db, item["ref_id"])).text
        if not given.redactions or text is None:
            raise InvalidInput("REDACT needs the spans to redact", field="redactions")
        try:
            spans = tuple(checked_spans(given.redactions, len(text)))
        except ValueError as error:
            raise InvalidInput(str(error), field="redactions") from None
    elif given.redactions:
        raise InvalidInput("redactions go with REDACT only", field="redactions")
    if action is Action.MERGE_DUPLICATE:
        if given.merge_into is None:
            raise InvalidInput("MERGE_DUPLICATE needs the content to merge into", field="mergeInto")
        await kind.check_merge(db, item["ref_id"], given.merge_into)
    elif given.merge_into is not None:
        raise InvalidInput("a merge target goes with MERGE_DUPLICATE only", field="mergeInto")
    return spans, given.merge_into


async def decide(
    db: Database, moderator: Actor, item_id: str, given: DecisionInput, *, now: Clock = utcnow
) -> ModerationItemDocument:
    """Decide an item the moderator holds: record it, tell the author, apply it to the content, audit it.

    ESCALATE hands the item to admins instead: nothing is applied and the author is not told yet.
    """
    person_id = require_moderator(moderator)
    at = now()
    item = await get_item(db, item_id)
    spans, merge_into = await _checked(db, item, given)
    decision = Decision(
        action=given.action,
        reason_code=given.reason_code,
        note=given.note,
        moderator_id=person_id,
        at=at,
        redactions=spans,
        merge_into=merge_into,
    )
    if given.action is Action.ESCALATE:
        update: Document = {
            "$set": {**FREE_LEASE, "audience": Audience.ADMIN.value, "escalation": decision.to_document()}
        }
    else:
        recorded = {"status": ItemStatus.DECIDED.value, "decision": decision.to_document(), "decided_at": at}
        update = push_events({"$set": {**FREE_LEASE, **recorded}}, decision_events(item, decision))
    # The lease is checked in the same write that records the decision, so a lapsed lease loses.
    decided = await MODERATION_ITEMS.of(db).find_one_and_update(
        held_by(person_id, item_id, at), update, return_document=ReturnDocument.AFTER
    )
    if decided is None:
        raise NotHolding("you do not hold this item")
    if given.action is not Action.ESCALATE:
        await apply_current(db, decided)  # a crash here: APPLY_EVENT does it later
        await relay_or_defer(db, MODERATION_ITEMS.name, item_id)
    await append(
        db,
        actor_id=person_id,
        action="moderation.decision",
        subject={"kind": decided["kind"], "id": decided["ref_id"]},
        details={
            "item_id": item_id,
            "action": given.action.value,
            "reason_code": given.reason_code,
            "note": given.note,
            "redactions": [list(span) for span in spans],
            "merge_into": merge_into,
        },
        at=at,
    )
    return decided


@dataclass(frozen=True)
class BulkResult:
    approved: list[str]
    skipped: dict[str, str]  # item id → why (decided already, held by someone else, unknown)


async def bulk_approve(
    db: Database, moderator: Actor, item_ids: Sequence[str], *, now: Clock = utcnow
) -> BulkResult:
    """Approve many open items at once (a live session's questions): each claimed, then approved;
    items another moderator holds or that are decided are skipped and said so."""
    require_moderator(moderator)
    unique = list(dict.fromkeys(item_ids))
    if not 1 <= len(unique) <= MAX_BULK:
        raise InvalidInput(f"approve 1–{MAX_BULK} items at once", field="itemIds")
    approved: list[str] = []
    skipped: dict[str, str] = {}
    for item_id in unique:
        try:
            await claim(db, moderator, item_id, now=now)
            await decide(db, moderator, item_id, DecisionInput(Action.APPROVE, None), now=now)
        except DomainError as error:
            skipped[item_id] = error.message
        else:
            approved.append(item_id)
    return BulkResult(approved=approved, skipped=skipped)
