"""Appeals: the author appeals a REJECT, HIDE or REDACT once; a different moderator decides it."""

from __future__ import annotations

from pymongo import ReturnDocument

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.common.outbox import push_events, relay_or_defer
from models.moderation.audit import append
from models.moderation.content_kinds import Action
from models.moderation.decisions import apply_current
from models.moderation.documents import (
    MODERATION_ITEMS,
    AppealOutcomeDocument,
    ItemStatus,
    ModerationItemDocument,
)
from models.moderation.events import appeal_event, apply_event
from models.moderation.policy import require_moderator, require_other_moderator
from models.moderation.repository import get_item
from moderation.screening import normalise_text

APPEAL_LENGTH = (2, 2000)
APPEALABLE = (Action.REJECT.value, Action.HIDE.value, Action.REDACT.value)


def appealable(item: ModerationItemDocument) -> bool:
    """Whether the author may still appeal the item's decision."""
    decision = item.get("decision")
    return (
        item["status"] == ItemStatus.DECIDED
        and decision is not None
        and decision.get("action") in APPEALABLE
        and item.get("appeal") is None
    )


async def appeal(
    db: Database, author: Actor, item_id: str, text: str, *, now: Clock = utcnow
) -> ModerationItemDocument:
    """The author appeals a REJECT, HIDE or REDACT decision, once, with a text."""
    if not author.signed_in:
        raise Forbidden("sign in first")
    item = await get_item(db, item_id)
    if item["author_id"] != author.person_id:
        raise Forbidden("only the author can appeal a decision")
    if item["appeal"] is not None:
        raise Conflict("already appealed")
    if not appealable(item):
        raise Conflict("only a rejection, a hidden or a redacted item can be appealed")
    cleaned = normalise_text(text)
    low, high = APPEAL_LENGTH
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"an appeal is {low}–{high} characters", field="text")
    appealed = await MODERATION_ITEMS.of(db).find_one_and_update(
        # DECIDED is left for good here, so a second appeal cannot match.
        {"_id": item_id, "status": ItemStatus.DECIDED.value, "round": item["round"]},
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
) -> ModerationItemDocument:
    """A moderator other than the decider upholds or overturns the decision, and the author is told."""
    person_id = require_moderator(moderator)
    at = now()
    item = await get_item(db, item_id)
    if item["status"] != ItemStatus.APPEALED:
        raise Conflict("the item has no open appeal")
    require_other_moderator(person_id, item)
    original, appealed = item["decision"], item["appeal"]
    assert original is not None and appealed is not None  # an appealed item has both
    outcome: AppealOutcomeDocument = {"upheld": uphold, "note": note, "moderator_id": person_id, "at": at}
    key = f"{item_id}:{item['round']}"
    events = [appeal_event(item, key, upheld=uphold, reason_code=original["reason_code"], at=at)]
    if not uphold:
        events.append(apply_event(item_id, f"{key}:appeal", at))
    # The whole `appeal` is written back (not `appeal.decision`) to stay off dotted-path updates.
    closed = await MODERATION_ITEMS.of(db).find_one_and_update(
        {"_id": item_id, "status": ItemStatus.APPEALED.value},
        push_events(
            {
                "$set": {
                    "status": ItemStatus.CLOSED.value,
                    "appeal": {**appealed, "decision": outcome},
                    "appeal_decided_at": at,
                }
            },
            events,
        ),
        return_document=ReturnDocument.AFTER,
    )
    if closed is None:
        raise Conflict("the appeal was decided meanwhile")
    if not uphold:
        await apply_current(db, closed)
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
