"""A consultation's life as its department's officials drive it: draft, edit, publish, extend, revise,
withdraw and close (the automatic steps are in deadlines.py).

Publishing at a later time keeps the stage DRAFT with `publish_at` set, until `open_due` opens
it: so OPEN always means open for comments (until `closes_at`), and citizens never see a
consultation that has not opened yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.actors import Actor
from models.common.calendar import BusinessCalendar
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import InvalidInput, NotFound
from models.common.outbox import Event, push_events, relay_or_defer
from models.consultations import validation as v
from models.consultations.clauses import ClauseText, build_clauses, changed_clause_ids
from models.consultations.documents import COMMENTS, CONSULTATIONS, CommentStatus, ConsultationDocument, Stage
from models.consultations.errors import StaleEdit
from models.consultations.events import clause_changed_event, opened_event
from models.consultations.policy import require_authority_over
from models.consultations.repository import get_consultation
from models.consultations.stages import effective_stage, require_stage, transition
from models.consultations.versions import keep_current_version, settle_first_version, sync_draft_version
from models.departments.policy import DepartmentScope, require_authority
from models.departments.repository import find_by_code
from models.districts.documents import DISTRICTS
from models.topics.documents import TOPICS

DEFAULT_REPORT_DAYS = 20


@dataclass(frozen=True)
class NewConsultation:
    department_code: str
    title: str
    summary: str
    clauses: Sequence[ClauseText]
    opens_at: dt.datetime
    closes_at: dt.datetime
    district_codes: Sequence[str] = ()
    topic_codes: Sequence[str] = ()
    premoderated: bool = False


@dataclass(frozen=True)
class DraftChanges:
    """An edit of a draft; None leaves a field as it is. Clauses passing an id keep it."""

    title: str | None = None
    summary: str | None = None
    clauses: Sequence[ClauseText] | None = None
    district_codes: Sequence[str] | None = None
    topic_codes: Sequence[str] | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    premoderated: bool | None = None


# --- loading --------------------------------------------------------------------------------


async def _load_for_official(
    db: Database, actor: Actor, consultation_id: ObjectId, scope: DepartmentScope
) -> ConsultationDocument:
    consultation = await get_consultation(db, consultation_id)
    await require_authority_over(db, actor, consultation, scope)
    return consultation


# --- drafting -------------------------------------------------------------------------------


async def create_draft(
    db: Database, actor: Actor, new: NewConsultation, scope: DepartmentScope, *, now: Clock = utcnow
) -> ConsultationDocument:
    """A new DRAFT of the department's (its officials, or admins); its text is version 1."""
    department = await find_by_code(db, new.department_code.strip().lower())
    if department is None:
        raise NotFound(f"no department has the code {new.department_code!r}", field="departmentCode")
    require_authority(actor, department, scope)
    at = now()
    title, summary = v.title(new.title), v.summary(new.summary)
    clauses, last_number = build_clauses(v.no_ids(new.clauses), 0)
    opens_at, closes_at = v.moment(new.opens_at, "opensAt"), v.moment(new.closes_at, "closesAt")
    v.window(opens_at, closes_at, at)
    document = CONSULTATIONS.new_document(
        {
            "department_id": department["_id"],
            "created_by": actor.person_id,
            "title": title,
            "summary": summary,
            "clauses": clauses,
            "clause_seq": last_number,
            "version": 1,
            "revision": 1,
            "stage": Stage.DRAFT.value,
            "district_ids": await v.ids_by_code(
                db, DISTRICTS, new.district_codes, "districtCodes", "district"
            ),
            "topic_ids": await v.ids_by_code(db, TOPICS, new.topic_codes, "topicCodes", "topic"),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "publish_at": None,
            "premoderated": new.premoderated,
            "attachments": [],
            "published_at": None,
            "closed_at": None,
            "report_overdue": False,
            "withdrawn": None,
            "extensions": [],
            "counters": {
                "comments": 0,
                "commenters": 0,
                "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 0},
                "clauses": {},
            },
            "search_terms": v.consultation_search_terms(title, summary, clauses),
            "created_at": at,
            "updated_at": at,
        }
    )
    result = await CONSULTATIONS.of(db).insert_one(document)
    document["_id"] = result.inserted_id
    # A crash before this line loses only the copy; publishing writes it again.
    await keep_current_version(db, document, by=actor.person_id, at=at)
    return document


async def edit_draft(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    revision: int,
    changes: DraftChanges,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Change a draft made on `revision`; if anyone saved another edit since, StaleEdit and no change."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    require_stage(Stage(consultation["stage"]), (Stage.DRAFT,), "edited")
    if consultation["revision"] != revision:
        raise StaleEdit(consultation["revision"])
    at = now()
    updates: Document = {}
    title = v.title(changes.title) if changes.title is not None else consultation["title"]
    summary = v.summary(changes.summary) if changes.summary is not None else consultation["summary"]
    clauses = consultation["clauses"]
    if changes.clauses is not None:
        clauses, updates["clause_seq"] = build_clauses(changes.clauses, consultation["clause_seq"])
    if (title, summary, clauses) != (consultation["title"], consultation["summary"], consultation["clauses"]):
        updates.update(title=title, summary=summary, clauses=clauses)
        updates["search_terms"] = v.consultation_search_terms(title, summary, clauses)
    if changes.district_codes is not None:
        updates["district_ids"] = await v.ids_by_code(
            db, DISTRICTS, changes.district_codes, "districtCodes", "district"
        )
    if changes.topic_codes is not None:
        updates["topic_ids"] = await v.ids_by_code(db, TOPICS, changes.topic_codes, "topicCodes", "topic")
    if changes.premoderated is not None:
        updates["premoderated"] = changes.premoderated
    if changes.opens_at is not None or changes.closes_at is not None:
        opens_at = v.moment(changes.opens_at or consultation["opens_at"], "opensAt")
        closes_at = v.moment(changes.closes_at or consultation["closes_at"], "closesAt")
        v.window(opens_at, closes_at, at)
        updates.update(opens_at=opens_at, closes_at=closes_at)
        if consultation.get("publish_at") is not None:
            # A scheduled publication follows the planned opening, which must then be to come.
            if opens_at <= at:
                raise InvalidInput(
                    "a scheduled draft opens in the future; to open it now, publish it", field="opensAt"
                )
            updates["publish_at"] = opens_at
    if not updates:
        return consultation
    updates["updated_at"] = at
    updated = await CONSULTATIONS.of(db).find_one_and_update(
        {"_id": consultation_id, "stage": Stage.DRAFT.value, "revision": revision},
        {"$set": updates, "$inc": {"revision": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        current = await get_consultation(db, consultation_id)
        require_stage(Stage(current["stage"]), (Stage.DRAFT,), "edited")
        raise StaleEdit(current["revision"])
    await sync_draft_version(db, updated)
    return updated


# --- publishing, extending, withdrawing, closing --------------------------------------------


async def publish(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    scope: DepartmentScope,
    at: dt.datetime | None = None,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Open a draft for comments at `at` (default: its planned opening): now if that time has come,
    else scheduled (still DRAFT, with `publish_at`) for `open_due` to open."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    require_stage(Stage(consultation["stage"]), (Stage.DRAFT,), "published")
    current = now()
    opening = v.moment(at, "at") if at is not None else consultation["opens_at"]
    scheduled = opening > current
    opening = opening if scheduled else current
    if consultation["closes_at"] <= opening:
        raise InvalidInput(
            "the closing time must be after the opening; edit the draft's closing time first",
            field="closesAt",
        )
    if scheduled:
        changes: Document = {"publish_at": opening, "opens_at": opening}
    else:
        changes = {
            "stage": Stage.OPEN.value,
            "opens_at": opening,
            "published_at": opening,
            "publish_at": None,
        }
    update: Document = {"$set": {**changes, "updated_at": current}}
    if not scheduled:
        update = push_events(update, [opened_event(consultation, opening)])
    updated = await transition(db, consultation_id, (Stage.DRAFT,), "published", update)
    if not scheduled:
        await settle_first_version(db, updated, current)
        await relay_or_defer(db, CONSULTATIONS.name, consultation_id)
    return updated


async def extend(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    new_closes_at: dt.datetime,
    reason: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Move an open consultation's closing time later; the reason is shown to citizens."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    current = now()
    require_stage(effective_stage(consultation, current), (Stage.OPEN,), "extended")
    closes_at = v.moment(new_closes_at, "closesAt")
    if closes_at <= consultation["closes_at"]:
        raise InvalidInput(
            "the new closing time must be later than the current one "
            f"({consultation['closes_at'].isoformat()})",
            field="closesAt",
        )
    extension = {
        "from": consultation["closes_at"],
        "to": closes_at,
        "reason": v.reason(reason),
        "at": current,
        "by": actor.person_id,
    }
    return await transition(
        db,
        consultation_id,
        (Stage.OPEN,),
        "extended",
        {"$set": {"closes_at": closes_at, "updated_at": current}, "$push": {"extensions": extension}},
        # Still open, and nobody extended it past this time meanwhile.
        guard={"closes_at": {"$gt": current, "$lt": closes_at}},
    )


async def withdraw(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    reason: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Withdraw a draft or an open consultation, with a reason shown to citizens."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    current = now()
    allowed = (Stage.DRAFT, Stage.OPEN)
    require_stage(effective_stage(consultation, current), allowed, "withdrawn")
    withdrawn = {"reason": v.reason(reason), "at": current, "by": actor.person_id}
    return await transition(
        db,
        consultation_id,
        allowed,
        "withdrawn",
        {
            "$set": {
                "stage": Stage.WITHDRAWN.value,
                "withdrawn": withdrawn,
                "publish_at": None,
                "updated_at": current,
            }
        },
    )


def closing_update(
    calendar: BusinessCalendar, closed_at: dt.datetime, report_days: int, now: dt.datetime
) -> Document:
    """CLOSED at `closed_at`, with the adoption report due `report_days` business days later."""
    return {
        "$set": {
            "stage": Stage.CLOSED.value,
            "closed_at": closed_at,
            "report_due_at": calendar.add_business_days(closed_at, report_days),
            "updated_at": now,
        }
    }


async def close(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    scope: DepartmentScope,
    calendar: BusinessCalendar,
    report_days: int = DEFAULT_REPORT_DAYS,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """Close an open consultation before its closing time (or, past it, ahead of the sweep)."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    require_stage(Stage(consultation["stage"]), (Stage.OPEN,), "closed")
    current = now()
    # Past the closing time it closed then, as `close_due` would record it.
    closed_at = min(current, consultation["closes_at"])
    return await transition(
        db,
        consultation_id,
        (Stage.OPEN,),
        "closed",
        closing_update(calendar, closed_at, report_days, current),
    )


# --- revising an open consultation ----------------------------------------------------------


async def _clause_changed_events(
    db: Database, consultation_id: ObjectId, version: int, changed: Sequence[str], at: dt.datetime
) -> list[Event]:
    """One event per person with a live comment on a changed clause, naming their changed clauses."""
    if not changed:
        return []
    cursor = COMMENTS.of(db).find(
        {
            "consultation_id": consultation_id,
            "clause_id": {"$in": list(changed)},
            "status": {"$in": [CommentStatus.PUBLISHED.value, CommentStatus.PENDING.value]},
        },
        {"author_id": 1, "clause_id": 1},
    )
    clauses_by_person: dict[ObjectId, set[str]] = {}
    async for comment in cursor:
        clause_id = comment.get("clause_id")  # one of `changed`, as the query asks
        if comment.get("author_id") is not None and clause_id is not None:  # an erased author is told nothing
            clauses_by_person.setdefault(comment["author_id"], set()).add(clause_id)
    return [
        clause_changed_event(
            consultation_id=consultation_id,
            version=version,
            clause_ids=[clause_id for clause_id in changed if clause_id in clause_ids],
            person_id=person_id,
            at=at,
        )
        for person_id, clause_ids in sorted(clauses_by_person.items())
    ]


async def revise(
    db: Database,
    actor: Actor,
    consultation_id: ObjectId,
    clauses: Sequence[ClauseText],
    note: str,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> ConsultationDocument:
    """A new version of an open consultation's text; everyone who commented on a clause whose text
    changed (or that was removed) gets one `consultation.clause_changed` event."""
    consultation = await _load_for_official(db, actor, consultation_id, scope)
    current = now()
    require_stage(effective_stage(consultation, current), (Stage.OPEN,), "revised")
    new_clauses, last_number = build_clauses(clauses, consultation["clause_seq"])
    if new_clauses == consultation["clauses"]:
        raise InvalidInput("the revision changes nothing", field="clauses")
    note = v.reason(note, "note")
    await keep_current_version(db, consultation, at=current)
    version = consultation["version"] + 1
    changed = changed_clause_ids(consultation["clauses"], new_clauses)
    events = await _clause_changed_events(db, consultation_id, version, changed, current)
    update = {
        "$set": {
            "clauses": new_clauses,
            "clause_seq": last_number,
            "version": version,
            "search_terms": v.consultation_search_terms(
                consultation["title"], consultation["summary"], new_clauses
            ),
            "updated_at": current,
        }
    }
    updated = await transition(
        db,
        consultation_id,
        (Stage.OPEN,),
        "revised",
        push_events(update, events),
        guard={"version": consultation["version"], "closes_at": {"$gt": current}},
    )
    await keep_current_version(db, updated, note=note, by=actor.person_id, at=current)
    await relay_or_defer(db, CONSULTATIONS.name, consultation_id)
    return updated
