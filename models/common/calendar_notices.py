"""Telling admins, once per year, that the business calendar lacks that year's holidays.

The calendar then counts weekends only (deadlines keep working); the notice asks for the year's
official schedule to be added to the calendar file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from models.common.calendar import BusinessCalendar
from models.common.db import Database
from models.common.outbox import Event, declare_event_carrier, relay_or_defer, with_events
from models.common.repository import insert_new

YEAR_MISSING = "calendar.year_missing"


# One document per missing year, carrying its notice event: the `_id` makes it once per year.
class CalendarNoticeDocument(TypedDict, total=False):
    _id: str  # "calendar.year_missing:<year>"
    v: int  # schema version
    year: int
    created_at: dt.datetime
    _outbox: list[dict[str, Any]]
    _outbox_since: dt.datetime


CALENDAR_NOTICES = declare_event_carrier("calendar_notices", document=CalendarNoticeDocument)


class YearMissingPayload(TypedDict):
    year: int
    covered_years: list[int]


def _notice_id(year: int) -> str:
    return f"{YEAR_MISSING}:{year}"


async def notify_missing_years(db: Database, calendar: BusinessCalendar, now: dt.datetime) -> list[int]:
    """Record a notice for each year within the coverage horizon that the calendar lacks; the
    years newly noticed (a year already noticed is not noticed again)."""
    missing = calendar.missing_years(now)
    if not missing:
        return []
    covered = sorted(calendar.covered_years)
    documents = []
    for year in missing:
        payload: YearMissingPayload = {"year": year, "covered_years": covered}
        event = Event(id=_notice_id(year), kind=YEAR_MISSING, payload=dict(payload), created_at=now)
        fields: CalendarNoticeDocument = {"_id": _notice_id(year), "year": year, "created_at": now}
        documents.append(with_events(CALENDAR_NOTICES.new_document(fields), [event]))
    added = await insert_new(CALENDAR_NOTICES.of(db), documents)
    for notice_id in sorted(added):
        await relay_or_defer(db, CALENDAR_NOTICES.name, notice_id)
    return [year for year in missing if _notice_id(year) in added]
