"""Moderation's collections, their indexes, and what their documents hold.

The queue's items carry outbox events (declared with `declare_event_carrier`); the other collections
are plain. The modules named in each comment are the collection's only writers.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection
from models.common.outbox import declare_event_carrier


class ItemStatus(StrEnum):
    OPEN = "OPEN"
    DECIDED = "DECIDED"
    APPEALED = "APPEALED"
    CLOSED = "CLOSED"  # the appeal is decided


class Audience(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"  # escalated items: only admins claim them


class DecisionDocument(TypedDict):
    """A moderator's decision as stored on an item (content_kinds.Decision.to_document)."""

    action: str  # content_kinds.Action
    reason_code: str | None
    note: str | None
    moderator_id: ObjectId
    at: dt.datetime
    redactions: list[list[int]]  # [start, end) spans of the original text
    merge_into: Any  # the ref_id of the content a duplicate is merged into


class AppealOutcomeDocument(TypedDict):
    upheld: bool
    note: str | None
    moderator_id: ObjectId
    at: dt.datetime


class AppealDocument(TypedDict):
    text: str
    at: dt.datetime
    decision: AppealOutcomeDocument | None  # None until a moderator decides the appeal


class PastRoundDocument(TypedDict, total=False):
    """An earlier round of an item, kept in `history` when reports or a held edit reopen it."""

    round: int
    decision: DecisionDocument | None
    decided_at: dt.datetime | None
    appeal: AppealDocument | None
    appeal_decided_at: dt.datetime | None
    reopened_at: dt.datetime | None


class ModerationItemDocument(TypedDict, total=False):
    """One item per piece of content (queue.py, decisions.py, appeals.py, reports.py write it)."""

    _id: str  # content_kinds.item_id_of(kind, ref_id)
    kind: str
    ref_id: Any
    author_id: ObjectId
    status: str  # ItemStatus
    audience: str  # Audience
    round: int  # a new round starts when reports reopen a decided item
    priority: int
    score: float
    blocking: bool
    due_at: dt.datetime
    sort_key: str  # queue.sort_key: the claiming order
    lease_owner: ObjectId | None  # models/common/leases.LEASE
    lease_until: dt.datetime
    claims: int
    reasons: list[str]
    decision: DecisionDocument | None
    decided_at: dt.datetime | None
    escalation: DecisionDocument | None
    appeal: AppealDocument | None
    appeal_decided_at: dt.datetime | None
    history: list[PastRoundDocument]
    report_count: int
    reopened_at: dt.datetime
    created_at: dt.datetime
    v: int  # the schema version, stamped by new_document


MODERATION_ITEMS = declare_event_carrier(
    "moderation_items",
    [
        # Claiming walks this order (priority, then due time) and takes the first free item.
        IndexModel([("sort_key", ASCENDING)], unique=True),
        # The transparency report reads a month of decisions, appeals and reopened items.
        IndexModel([("decided_at", ASCENDING)], name="by_decided_at"),
        IndexModel([("appeal_decided_at", ASCENDING)], name="by_appeal_decided_at"),
        IndexModel([("reopened_at", ASCENDING)], name="by_reopened_at"),
    ],
    document=ModerationItemDocument,
)


class ModerationOriginalDocument(TypedDict, total=False):
    """What a text said before a moderator redacted it (originals.py); moderators and admins read it."""

    _id: str  # the moderation item's id
    kind: str
    ref_id: Any
    text: str
    kept_at: dt.datetime
    v: int  # the schema version, stamped by new_document


MODERATION_ORIGINALS = declare_collection("moderation_originals", document=ModerationOriginalDocument)


class ModerationReasonDocument(TypedDict, total=False):
    """An admin's change to the reason codes (reasons.py); built-in codes need no document."""

    _id: str  # the code
    label: str
    active: bool  # False retires a code, a built-in one too
    updated_at: dt.datetime


MODERATION_REASONS = declare_collection("moderation_reasons", document=ModerationReasonDocument)


class RepeatedTextDocument(TypedDict, total=False):
    """How often one person posted one text in one scope (flood.py); no text is kept."""

    _id: str  # sha256 of scope, person and folded text
    n: int  # times posted since first_at
    first_at: dt.datetime
    expires_at: dt.datetime  # first_at + the window
    v: int  # the schema version, stamped by new_document


REPEATED_TEXTS = declare_collection(
    "repeated_texts",
    [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="repeated_texts_ttl")],
    document=RepeatedTextDocument,
)


class ModerationReportDocument(TypedDict, total=False):
    """A citizen's report of published content (reports.py): one per person, content and round."""

    _id: str  # "<item id>:<reporter id>:<round>"
    item_id: str
    person_id: ObjectId
    reason_code: str
    note: str | None
    round: int  # the item's round it was made in
    created_at: dt.datetime
    v: int  # the schema version, stamped by new_document


MODERATION_REPORTS = declare_collection(
    "moderation_reports",
    [IndexModel([("item_id", ASCENDING)], name="by_item")],
    document=ModerationReportDocument,
)


class AuditEntryDocument(TypedDict, total=False):
    """One entry of the hash-chained audit log of staff actions (audit.py)."""

    seq: int  # 1, 2, 3… with no gaps
    at: dt.datetime
    actor_id: ObjectId
    action: str  # e.g. "moderation.decision", "redaction"
    subject: dict[str, Any]  # {kind, id}
    details: dict[str, Any]
    prev_hash: str  # the hash of entry seq - 1
    hash: str
    v: int  # the schema version, stamped by new_document


AUDIT_LOG = declare_collection(
    "audit_log",
    [IndexModel([("seq", ASCENDING)], unique=True, name="seq_unique")],
    document=AuditEntryDocument,
)


class FloodRulesDocument(TypedDict, total=False):
    repeated_text: int
    repeated_text_hours: float
    rate_limit: int
    rate_minutes: float


class ScreeningRulesDocument(TypedDict, total=False):
    """The one rules document, _id "rules" (screening_rules.py)."""

    _id: str
    version: int  # +1 at every change
    allowed_domains: list[str]  # absent: the starter list
    flood: FloodRulesDocument  # absent: FloodLimits()
    updated_at: dt.datetime


SCREENING_RULES = declare_collection("screening_rules", document=ScreeningRulesDocument)


class LexiconTermDocument(TypedDict, total=False):
    """An admin's change to the lexicon (screening_rules.py)."""

    _id: str  # "<category>:<term>"
    category: str
    term: str  # normalised, see screening_rules.clean_term
    active: bool  # False removes the term, a starter one too
    updated_at: dt.datetime
    updated_by: ObjectId


LEXICON_TERMS = declare_collection("lexicon_terms", document=LexiconTermDocument)


class TransparencyReportDocument(TypedDict, total=False):
    """A finished (or the current) month's report (transparency.py): its fields, counts as pairs."""

    _id: str  # "2026-10@Asia/Shanghai"
    year: int
    month: int
    time_zone: str
    by_action: list[list[Any]]  # [action, count]
    by_reason: list[list[Any]]  # [reason code, count]
    by_kind: list[list[Any]]  # [kind, [[action, count], …]]
    median_seconds_to_decision: float | None
    p90_seconds_to_decision: float | None
    appeals_decided: int
    appeals_overturned: int
    held_by_screening: int
    held_by_screening_approved: int
    generated_at: dt.datetime
    final: bool
    v: int  # the schema version, stamped by new_document


TRANSPARENCY_REPORTS = declare_collection(
    "moderation_transparency_reports", document=TransparencyReportDocument
)
