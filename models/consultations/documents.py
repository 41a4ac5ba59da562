"""What a consultation and its comments store, and the indexes their queries need."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection
from models.common.outbox import declare_event_carrier


class Stage(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CONCLUDED = "CONCLUDED"
    WITHDRAWN = "WITHDRAWN"


class Stance(StrEnum):
    SUPPORT = "SUPPORT"
    OPPOSE = "OPPOSE"
    SUGGESTION = "SUGGESTION"


class CommentStatus(StrEnum):
    PENDING = "PENDING"  # waiting for screening (premoderated consultations)
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"
    DELETED = "DELETED"  # a tombstone: the author deleted it; replies stay readable


class Outcome(StrEnum):
    ADOPTED = "ADOPTED"
    PARTLY_ADOPTED = "PARTLY_ADOPTED"
    NOT_ADOPTED = "NOT_ADOPTED"
    NOTED = "NOTED"


class Channel(StrEnum):
    """How a comment reached Townhall: the app, or through a helper."""

    APP = "APP"
    HOTLINE = "HOTLINE"
    IN_PERSON = "IN_PERSON"
    LETTER = "LETTER"
    SMS = "SMS"
    WECHAT = "WECHAT"


# Paging keys: connections page on one uniquely indexed key (see models/common/pagination.py).
# "<consultation hex>:<comment hex>" orders a consultation's comments by creation and lets one
# index range-scan them; likewise per author for "my comments".


PUBLIC = "public"  # `visible_to` of published comments and tombstones (comment_status.visible_to)


def agree_key(comment_id: object, person_id: object) -> str:
    """An agreement's `_id`: one per person and comment."""
    return f"{comment_id}:{person_id}"


def comment_page_key(consultation_id: object, comment_id: object) -> str:
    return f"{consultation_id}:{comment_id}"


def author_page_key(author_id: object, comment_id: object) -> str:
    return f"{author_id}:{comment_id}"


class ConsultationDocument(TypedDict, total=False):
    """A consultation as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    department_id: ObjectId
    created_by: ObjectId | None
    title: str
    summary: str  # plain language, shown first
    clauses: list[dict[str, Any]]  # the current text: [{id, label, text}] in order; ids are stable
    clause_seq: int  # the last clause number given
    version: int  # number of the current text
    revision: int  # optimistic-concurrency counter of draft edits
    stage: str  # Stage
    district_ids: list[ObjectId]
    topic_ids: list[ObjectId]
    opens_at: dt.datetime
    closes_at: dt.datetime
    publish_at: dt.datetime | None
    premoderated: bool
    attachments: list[Any]  # [] (media later)
    published_at: dt.datetime | None
    closed_at: dt.datetime | None
    concluded_at: dt.datetime
    report_due_at: dt.datetime
    report_overdue: bool
    withdrawn: dict[str, Any] | None  # {reason, at}
    extensions: list[dict[str, Any]]  # [{from, to, reason, at}]
    counters: dict[str, Any]  # {comments, commenters, stances {…}, clauses {id: n}}
    report: dict[str, Any]  # {summary, changed_clause_ids, published_at, published_by}
    search_terms: list[str]  # bigrams
    created_at: dt.datetime
    updated_at: dt.datetime
    _outbox: list[dict[str, Any]]
    _outbox_since: dt.datetime


CONSULTATIONS = declare_event_carrier(
    "consultations",
    [
        IndexModel([("department_id", ASCENDING), ("stage", ASCENDING)], name="by_department_stage"),
        IndexModel([("stage", ASCENDING), ("closes_at", ASCENDING)], name="by_stage_closing"),
        IndexModel([("report_due_at", ASCENDING)], sparse=True, name="report_due"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
    ],
    document=ConsultationDocument,
)


class ConsultationVersionDocument(TypedDict, total=False):
    """A stored version of a consultation's text (versions.py)."""

    _id: ObjectId
    v: int  # schema version
    consultation_id: ObjectId
    number: int  # the consultation's `version` when this text was current
    clauses: list[dict[str, Any]]  # [{id, label, text}] in order
    revision: int  # the draft edit this copy follows (version 1 only changes while drafted)
    note: str
    created_by: ObjectId | None
    created_at: dt.datetime


CONSULTATION_VERSIONS = declare_collection(
    "consultation_versions",
    [IndexModel([("consultation_id", ASCENDING), ("number", ASCENDING)], unique=True, name="by_number")],
    document=ConsultationVersionDocument,
)


class CommentDocument(TypedDict, total=False):
    """A comment as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    consultation_id: ObjectId
    clause_id: str | None  # None: the whole draft
    version: int  # of the text commented on
    author_id: ObjectId
    helper_id: ObjectId | None  # with channel: an assisted submission
    channel: str  # Channel
    stance: str  # Stance
    text: str | None  # None once deleted or taken down
    status: str  # CommentStatus
    screening_reasons: list[str]
    # comment_status.py: "public" once published, deleted or taken down after publication as a
    # tombstone, else the author's id as hex: a consultation's list is one flat filter,
    # `visible_to $in ["public", viewer]`, which nx-27017 runs on its index path; an `$or` over
    # status and author falls back to a scan there, ~35× slower.
    visible_to: str
    agree_count: int
    reply: dict[str, Any] | None  # {text, official_id, at}
    theme_id: ObjectId | None
    outcome: dict[str, Any] | None  # {code, reason, theme_id}
    page_key: str
    author_page_key: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted_at: dt.datetime | None
    similarity_keys: list[str]  # near-duplicate band keys of the text
    campaign_id: ObjectId | None
    campaign_page_key: str  # "<campaign hex>:<comment hex>", only once in a campaign (campaigns.py)
    hidden: dict[str, Any]  # moderation's hold or take-down (comment_moderation.py)
    redaction: dict[str, Any]  # the note on a redacted text (comment_moderation.py)
    merged_into: ObjectId  # a merged duplicate: the comment it joined
    _outbox: list[dict[str, Any]]
    _outbox_since: dt.datetime


COMMENTS = declare_event_carrier(
    "comments",
    [
        IndexModel([("page_key", ASCENDING)], unique=True, name="page_key_unique"),
        IndexModel([("author_page_key", ASCENDING)], unique=True, name="author_page_key_unique"),
        IndexModel([("consultation_id", ASCENDING), ("clause_id", ASCENDING)], name="by_clause"),
        IndexModel([("theme_id", ASCENDING)], sparse=True, name="by_theme"),
        # "Similar to this?" is `consultation_id` equal and `similarity_keys $in`: one range of this
        # compound multikey index (nx-27017 scans instead, see models/moderation/similarity.py).
        IndexModel([("consultation_id", ASCENDING), ("similarity_keys", ASCENDING)], name="similar_keys"),
        IndexModel([("campaign_page_key", ASCENDING)], unique=True, sparse=True, name="campaign_page_key"),
    ],
    document=CommentDocument,
)


class CommenterDocument(TypedDict, total=False):
    """One per (consultation, person) who has a published comment there. Its `$inc` says when a
    person becomes, or stops being, a commenter, so `counters.commenters` counts each person once."""

    _id: str  # "<consultation hex>:<person hex>" (comment_counters.commenter_key)
    v: int  # schema version
    consultation_id: ObjectId
    person_id: ObjectId
    published: int  # how many of their comments here are published
    created_at: dt.datetime


COMMENTERS = declare_collection("consultation_commenters", document=CommenterDocument)


class AgreeDocument(TypedDict, total=False):
    """One per (comment, person), so agreeing twice is a duplicate key, and "did I agree?" for a
    page of comments is one `$in` on `_id`."""

    _id: str  # "<comment hex>:<person hex>" (agree_key)
    v: int  # schema version
    comment_id: ObjectId
    person_id: ObjectId
    created_at: dt.datetime


COMMENT_AGREES = declare_collection(
    "comment_agrees",
    [IndexModel([("comment_id", ASCENDING)], name="by_comment")],
    document=AgreeDocument,
)


class ThemeDocument(TypedDict, total=False):
    """A theme groups similar comments so one outcome answers them all (report.py)."""

    _id: ObjectId
    v: int  # schema version
    consultation_id: ObjectId
    title: str
    outcome: dict[str, Any] | None  # {code, reason, set_by, at}
    created_by: ObjectId | None
    created_at: dt.datetime


THEMES = declare_collection(
    "consultation_themes",
    [IndexModel([("consultation_id", ASCENDING)], name="by_consultation")],
    document=ThemeDocument,
)


class CampaignDocument(TypedDict, total=False):
    """Near-identical comments grouped (campaigns.py)."""

    _id: ObjectId  # the id of the comment that started it
    v: int  # schema version
    consultation_id: ObjectId
    size: int  # its published members
    sample_comment_id: ObjectId | None  # a published member's, kept current as members come and go
    sample_text: str | None  # that member's text
    theme_id: ObjectId | None
    created_at: dt.datetime


CAMPAIGNS = declare_collection(
    "consultation_campaigns",
    [IndexModel([("consultation_id", ASCENDING)], name="by_consultation")],
    document=CampaignDocument,
)
