"""What a consultation and its comments store, and the indexes their queries need."""

from __future__ import annotations

from enum import StrEnum

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


CONSULTATIONS = declare_event_carrier(
    "consultations",
    [
        IndexModel([("department_id", ASCENDING), ("stage", ASCENDING)], name="by_department_stage"),
        IndexModel([("stage", ASCENDING), ("closes_at", ASCENDING)], name="by_stage_closing"),
        IndexModel([("report_due_at", ASCENDING)], sparse=True, name="report_due"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
    ],
)
# Fields:
#   department_id, created_by, title, summary (plain language, shown first), clauses (the current
#   text: [{id, label, text}] in order; ids are stable across versions), version (number of the
#   current text), revision (optimistic-concurrency counter of draft edits), stage (Stage),
#   district_ids, topic_ids, opens_at, closes_at, premoderated, attachments ([] — media later),
#   published_at, closed_at, report_due_at, report_overdue, withdrawn {reason, at},
#   extensions [{from, to, reason, at}], counters {comments, commenters, stances {…}, clauses {id: n}},
#   report {summary, changed_clause_ids, published_at, published_by}, search_terms (bigrams),
#   created_at, updated_at.

CONSULTATION_VERSIONS = declare_collection(
    "consultation_versions",
    [IndexModel([("consultation_id", ASCENDING), ("number", ASCENDING)], unique=True, name="by_number")],
)
# Fields: consultation_id, number, clauses [{id, label, text}], note, created_by, created_at.

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
)
# Fields: consultation_id, clause_id (None: the whole draft), version (of the text commented on),
#   author_id, helper_id and channel (assisted submission), stance, text, status (CommentStatus),
#   agree_count, reply {text, official_id, at}, theme_id, outcome {code, reason, theme_id},
#   page_key, author_page_key, screening_reasons, created_at, edited_at, deleted_at,
#   similarity_keys (near-duplicate band keys of the text), campaign_id and campaign_page_key
#   ("<campaign hex>:<comment hex>", only once in a campaign; see campaigns.py),
#   visible_to (comment_status.py: "public" once published, deleted or taken down after publication
#   as a tombstone, else the author's id as hex: a consultation's list is one flat filter,
#   `visible_to $in ["public", viewer]`, which nx-27017 runs on its index path; an `$or` over
#   status and author falls back to a scan there, ~35× slower).

COMMENTERS = declare_collection("consultation_commenters")
# One document per (consultation, person) who has a published comment there: _id =
# "<consultation hex>:<person hex>", fields consultation_id, person_id, published (how many of their
# comments are published), created_at. Its `$inc` says when a person becomes, or stops being, a
# commenter, so `counters.commenters` counts each person once.

COMMENT_AGREES = declare_collection(
    "comment_agrees",
    [IndexModel([("comment_id", ASCENDING)], name="by_comment")],
)
# One document per (comment, person): _id = "<comment hex>:<person hex>", so agreeing twice is a
# duplicate key, and "did I agree?" for a page of comments is one `$in` on `_id`.

THEMES = declare_collection(
    "consultation_themes",
    [IndexModel([("consultation_id", ASCENDING)], name="by_consultation")],
)
# Fields: consultation_id, title, outcome {code, reason}, created_by, created_at.

CAMPAIGNS = declare_collection(
    "consultation_campaigns",
    [IndexModel([("consultation_id", ASCENDING)], name="by_consultation")],
)
# Near-identical comments grouped (models/consultations/campaigns.py): _id = the id of the comment
# that started it, consultation_id, size (its published members), sample_comment_id and sample_text
# (a published member's, kept current as members come and go), theme_id, created_at.
