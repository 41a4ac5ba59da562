"""The outbox events moderation emits: each kind, its payload's TypedDict, and the Event it makes.

Readers (the handlers in queue.py and decisions.py, models/notifications/producers.py) take a
payload with `payload_of(payload, ContentHeld)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from bson import ObjectId

from models.common.clock import epoch_ms
from models.common.outbox import Event
from models.moderation.content_kinds import Decision, item_id_of
from moderation.screening import Screening

HOLD_EVENT = "moderation.hold"  # rides the held content's own write, so a crash cannot lose the item
APPLY_EVENT = "moderation.apply"  # (re)applies the item's current state to its content
DECISION_EVENT = "moderation.decision"  # tells the author
APPEAL_EVENT = "moderation.appeal_decided"  # tells the author


class ContentHeld(TypedDict):
    kind: str  # a content kind's name
    ref_id: Any  # the content's id, as its kind has it
    author_id: ObjectId
    reasons: list[str]
    score: float
    blocking: NotRequired[bool]  # held content that blocks something live (no emitter sets it yet)


class ItemToApply(TypedDict):
    item_id: str


class AuthorNotice(TypedDict):
    """What both notices to an author hold: whose content, which item, and the reason code."""

    person_id: ObjectId
    item_id: str
    content_kind: str
    ref_id: Any
    reason_code: str | None


class Decided(AuthorNotice):
    action: str  # an Action's value


class AppealDecided(AuthorNotice):
    upheld: bool


def hold_event(kind: str, ref_id: Any, author_id: ObjectId, screening: Screening, at: dt.datetime) -> Event:
    """The event held content carries in its own write: the worker queues it if `hold_for_review`
    after that write did not happen."""
    payload: ContentHeld = {
        "kind": kind,
        "ref_id": ref_id,
        "author_id": author_id,
        "reasons": list(screening.reasons),
        "score": screening.score,
    }
    return Event(
        id=f"{HOLD_EVENT}:{item_id_of(kind, ref_id)}:{epoch_ms(at)}",
        kind=HOLD_EVENT,
        payload=dict(payload),
        created_at=at,
    )


def apply_event(item_id: str, key: str, at: dt.datetime) -> Event:
    payload: ItemToApply = {"item_id": item_id}
    return Event(id=f"{APPLY_EVENT}:{key}", kind=APPLY_EVENT, payload=dict(payload), created_at=at)


def decision_event(item: Mapping[str, Any], key: str, decision: Decision) -> Event:
    """The author is told the action and the reason code (not the moderator's note)."""
    payload: Decided = {
        "person_id": item["author_id"],
        "item_id": item["_id"],
        "content_kind": item["kind"],
        "ref_id": item["ref_id"],
        "action": decision.action.value,
        "reason_code": decision.reason_code,
    }
    return Event(
        id=f"{DECISION_EVENT}:{key}", kind=DECISION_EVENT, payload=dict(payload), created_at=decision.at
    )


def appeal_event(
    item: Mapping[str, Any], key: str, *, upheld: bool, reason_code: str | None, at: dt.datetime
) -> Event:
    """The author is told whether the decision appealed (with its reason code) was upheld."""
    payload: AppealDecided = {
        "person_id": item["author_id"],
        "item_id": item["_id"],
        "content_kind": item["kind"],
        "ref_id": item["ref_id"],
        "upheld": upheld,
        "reason_code": reason_code,
    }
    return Event(id=f"{APPEAL_EVENT}:{key}", kind=APPEAL_EVENT, payload=dict(payload), created_at=at)
