"""The automatic steps of consultations, run by a worker: open scheduled drafts, close those due,
and flag adoption reports that are overdue (with an escalation to the supervising department)."""

from __future__ import annotations

import datetime as dt

from pymongo import ASCENDING, ReturnDocument

from models.common.calendar import BusinessCalendar
from models.common.db import Database
from models.common.outbox import push_events, relay_or_defer
from models.consultations.documents import CONSULTATIONS, Stage
from models.consultations.events import opened_event, report_overdue_event
from models.consultations.service import DEFAULT_REPORT_DAYS, closing_update
from models.consultations.versions import settle_first_version
from models.departments.repository import find_by_ids

DEFAULT_BATCH = 100


async def open_due(db: Database, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Open the drafts whose scheduled publication time has come; returns how many opened."""
    collection = CONSULTATIONS.of(db)
    due = collection.find(
        {"stage": Stage.DRAFT.value, "publish_at": {"$lte": now}},
        {"publish_at": 1, "department_id": 1, "topic_ids": 1, "district_ids": 1},
        limit=batch,
    )
    opened = 0
    async for consultation in due:
        at = consultation["publish_at"]
        if at is None:  # the query asks for a time; this tells mypy
            continue
        # The filter repeats the condition: a withdrawal or a new schedule since the read wins.
        opening = {
            "stage": Stage.OPEN.value,
            "opens_at": at,
            "published_at": at,
            "publish_at": None,
            "updated_at": now,
        }
        updated = await collection.find_one_and_update(
            {"_id": consultation["_id"], "stage": Stage.DRAFT.value, "publish_at": at},
            push_events({"$set": opening}, [opened_event(consultation, at)]),
            return_document=ReturnDocument.AFTER,
        )
        if updated is not None:
            opened += 1
            await settle_first_version(db, updated, now)
            await relay_or_defer(db, CONSULTATIONS.name, consultation["_id"])
    return opened


async def close_due(
    db: Database,
    calendar: BusinessCalendar,
    now: dt.datetime,
    report_days: int = DEFAULT_REPORT_DAYS,
    batch: int = DEFAULT_BATCH,
) -> int:
    """Close every open consultation past its closing time (at that time, however late the sweep
    runs, so the report deadline does not drift); returns how many closed."""
    collection = CONSULTATIONS.of(db)
    due = collection.find(
        {"stage": Stage.OPEN.value, "closes_at": {"$lte": now}},
        {"closes_at": 1},
        sort=[("stage", ASCENDING), ("closes_at", ASCENDING)],
        limit=batch,
    )
    closed = 0
    async for consultation in due:
        closes_at = consultation["closes_at"]
        result = await collection.update_one(
            # An extension since the read moved closes_at: then it stays open.
            {"_id": consultation["_id"], "stage": Stage.OPEN.value, "closes_at": {"$lte": now}},
            closing_update(calendar, closes_at, report_days, now),
        )
        closed += result.modified_count
    return closed


async def flag_overdue_reports(db: Database, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Flag closed consultations whose adoption report is overdue and escalate each once to the
    supervising department (the parent of the consultation's department); returns how many."""
    collection = CONSULTATIONS.of(db)
    overdue = await collection.find(
        {"stage": Stage.CLOSED.value, "report_due_at": {"$lt": now}, "report_overdue": False},
        {"department_id": 1, "report_due_at": 1},
        limit=batch,
    ).to_list()
    departments = await find_by_ids(db, list({c["department_id"] for c in overdue}))
    flagged = 0
    for consultation in overdue:
        department = departments.get(consultation["department_id"]) or {}
        event = report_overdue_event(
            consultation_id=consultation["_id"],
            department_id=consultation["department_id"],
            # None at the top of the tree: the escalation then has nobody above to go to.
            supervising_department_id=department.get("parent_id"),
            report_due_at=consultation["report_due_at"],
            at=now,
        )
        result = await collection.update_one(
            {"_id": consultation["_id"], "stage": Stage.CLOSED.value, "report_overdue": False},
            push_events({"$set": {"report_overdue": True, "updated_at": now}}, [event]),
        )
        if result.modified_count:
            flagged += 1
            await relay_or_defer(db, CONSULTATIONS.name, consultation["_id"])
    return flagged


async def run_deadlines(
    db: Database, calendar: BusinessCalendar, now: dt.datetime, report_days: int = DEFAULT_REPORT_DAYS
) -> dict[str, int]:
    """One pass of every automatic step, in the order a consultation goes through them."""
    return {
        "opened": await open_due(db, now),
        "closed": await close_due(db, calendar, now, report_days),
        "flagged": await flag_overdue_reports(db, now),
    }
