"""The kinds of user content the moderation queue knows, each with what a decision does to it.

Adding a kind is one `register()` with its callbacks, in the package that owns the content
(models/consultations/comment_moderation.py for consultation comments, models/identity/
name_moderation.py for public names); models/catalog.py imports those modules, so every process
knows every kind. Moderation never imports an owner: it reaches content only through this registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import ObjectId

from models.common.actors import Role
from models.common.db import CollectionSpec, Database
from models.common.errors import InvalidInput
from models.moderation.documents import DecisionDocument
from moderation.redaction import Span


class Action(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"  # content that was never published
    HIDE = "HIDE"  # content taken down after publication: a public tombstone with the reason
    REDACT = "REDACT"  # spans replaced by a visible mark; the original kept for staff only
    MERGE_DUPLICATE = "MERGE_DUPLICATE"  # folded into another item; its author's support moves there
    ESCALATE = "ESCALATE"  # handed to an admin; the content is untouched


@dataclass(frozen=True)
class Decision:
    """What a moderator decided about one item, as the queue stores it and the callbacks receive it."""

    action: Action
    reason_code: str | None
    note: str | None
    moderator_id: ObjectId
    at: dt.datetime
    redactions: tuple[Span, ...] = ()
    merge_into: Any = None  # the ref_id of the content a duplicate is merged into

    def to_document(self) -> DecisionDocument:
        return {
            "action": self.action.value,
            "reason_code": self.reason_code,
            "note": self.note,
            "moderator_id": self.moderator_id,
            "at": self.at,
            "redactions": [list(span) for span in self.redactions],
            "merge_into": self.merge_into,
        }

    @classmethod
    def from_document(cls, document: DecisionDocument) -> Decision:
        return cls(
            action=Action(document["action"]),
            reason_code=document.get("reason_code"),
            note=document.get("note"),
            moderator_id=document["moderator_id"],
            at=document["at"],
            redactions=tuple((int(start), int(end)) for start, end in document.get("redactions") or ()),
            merge_into=document.get("merge_into"),
        )


Callback = Callable[[Database, Any, Decision], Awaitable[None]]
"""Applies a decision to the content `ref_id`; must be idempotent (a retry may run it twice)."""


@dataclass(frozen=True)
class ContentView:
    """What the queue needs to know of a piece of content."""

    author_id: ObjectId
    author_role: Role | None  # None when the author's account is gone
    text: str | None  # as moderators judge it (hidden text too); None when none is left
    published: bool  # visible to the public now


Read = Callable[[Database, Any], Awaitable[ContentView]]
"""Reads the content `ref_id`; NotFound when it is gone."""

MergeCheck = Callable[[Database, Any, Any], Awaitable[None]]
"""Refuses (with a DomainError) merging content `ref_id` into `target`."""


@dataclass(frozen=True)
class ContentKind:
    """A kind of content: its queue name, the collection whose documents carry its hold events,
    and what each decision does to it.

    `on_restore` undoes a redaction (an appeal overturned it); `on_report_hide` hides content
    pending review when enough people reported it; `on_approve` also undoes a reject or hide.
    """

    name: str
    carrier: CollectionSpec  # declared with declare_event_carrier: held content carries its hold event
    read: Read
    on_approve: Callback
    on_reject: Callback
    on_hide: Callback
    on_redact: Callback
    on_restore: Callback
    check_merge: MergeCheck
    on_merge: Callback
    on_report_hide: Callback


_kinds: dict[str, ContentKind] = {}


def register(kind: ContentKind) -> ContentKind:
    """Make `kind` known to the queue; each name once."""
    if kind.name in _kinds:
        raise ValueError(f"content kind {kind.name!r} is registered twice")
    _kinds[kind.name] = kind
    return kind


def content_kind(name: str) -> ContentKind:
    """The registered kind called `name`."""
    try:
        return _kinds[name]
    except KeyError:
        raise InvalidInput(f"unknown content kind {name!r}", field="kind") from None


def callback_for(kind: ContentKind, action: Action) -> Callback:
    """What deciding `action` runs on the content (ESCALATE runs nothing and has none)."""
    return {
        Action.APPROVE: kind.on_approve,
        Action.REJECT: kind.on_reject,
        Action.HIDE: kind.on_hide,
        Action.REDACT: kind.on_redact,
        Action.MERGE_DUPLICATE: kind.on_merge,
    }[action]


def item_id_of(kind: str, ref_id: Any) -> str:
    """The queue item's `_id`: one item per piece of content, so enqueueing twice is harmless."""
    return f"{kind}:{ref_id}"
