"""The outbox events consultations emit: each kind, its payload's TypedDict, and the Event it makes.

Readers (models/notifications/producers.py) take a payload with `payload_of(payload, CommentReplied)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypedDict

from bson import ObjectId

from models.common.outbox import Event
from models.consultations.documents import CommentDocument, ConsultationDocument

REPLIED = "consultation.comment_replied"  # tells the comment's author
OUTCOME_EVENT = "consultation.comment_outcome"  # tells the comment's author
CLAUSE_CHANGED = "consultation.clause_changed"  # tells each commenter on a revised clause
OPENED = "consultation.opened"  # tells the followers of its department, topics and districts
REPORT_OVERDUE = "consultation.report_overdue"  # for the supervising department (no handler yet)


class CommentReplied(TypedDict):
    person_id: ObjectId
    comment_id: ObjectId
    consultation_id: ObjectId


class CommentOutcome(TypedDict):
    person_id: ObjectId
    comment_id: ObjectId
    consultation_id: ObjectId
    outcome: str  # an Outcome's value
    reason: str | None


class ClauseChanged(TypedDict):
    consultation_id: ObjectId
    version: int
    clause_ids: list[str]  # the person's changed clauses, in the text's order
    person_id: ObjectId


class ConsultationOpened(TypedDict):
    consultation_id: ObjectId
    department_id: ObjectId
    topic_ids: list[ObjectId]
    district_ids: list[ObjectId]


class ReportOverdue(TypedDict):
    consultation_id: ObjectId
    department_id: ObjectId
    supervising_department_id: ObjectId | None  # None at the top of the tree: nobody above
    report_due_at: dt.datetime


def replied_event(
    *, person_id: ObjectId, comment_id: ObjectId, consultation_id: ObjectId, at: dt.datetime
) -> Event:
    payload: CommentReplied = {
        "person_id": person_id,
        "comment_id": comment_id,
        "consultation_id": consultation_id,
    }
    return Event(kind=REPLIED, payload=dict(payload), created_at=at)


def outcome_event(comment: CommentDocument, outcome: Mapping[str, Any], *, at: dt.datetime) -> Event:
    """The event a comment (with an author) carries in the write of its final outcome."""
    payload: CommentOutcome = {
        "person_id": comment["author_id"],
        "comment_id": comment["_id"],
        "consultation_id": comment["consultation_id"],
        "outcome": outcome["code"],
        "reason": outcome["reason"],
    }
    # Deterministic: a retried publication records each commenter's event once.
    return Event(id=f"outcome:{comment['_id']}", kind=OUTCOME_EVENT, payload=dict(payload), created_at=at)


def clause_changed_event(
    *, consultation_id: ObjectId, version: int, clause_ids: list[str], person_id: ObjectId, at: dt.datetime
) -> Event:
    payload: ClauseChanged = {
        "consultation_id": consultation_id,
        "version": version,
        "clause_ids": clause_ids,
        "person_id": person_id,
    }
    return Event(
        # Deterministic: a retried revision cannot tell anyone twice.
        id=f"clause-changed:{consultation_id}:{version}:{person_id}",
        kind=CLAUSE_CHANGED,
        payload=dict(payload),
        created_at=at,
    )


def opened_event(consultation: ConsultationDocument, at: dt.datetime) -> Event:
    """The event a consultation carries in the write that opens it for comments."""
    payload: ConsultationOpened = {
        "consultation_id": consultation["_id"],
        "department_id": consultation["department_id"],
        "topic_ids": list(consultation.get("topic_ids") or ()),
        "district_ids": list(consultation.get("district_ids") or ()),
    }
    return Event(id=f"{OPENED}:{consultation['_id']}", kind=OPENED, payload=dict(payload), created_at=at)


def report_overdue_event(
    *,
    consultation_id: ObjectId,
    department_id: ObjectId,
    supervising_department_id: ObjectId | None,
    report_due_at: dt.datetime,
    at: dt.datetime,
) -> Event:
    payload: ReportOverdue = {
        "consultation_id": consultation_id,
        "department_id": department_id,
        "supervising_department_id": supervising_department_id,
        "report_due_at": report_due_at,
    }
    return Event(
        id=f"report-overdue:{consultation_id}", kind=REPORT_OVERDUE, payload=dict(payload), created_at=at
    )
