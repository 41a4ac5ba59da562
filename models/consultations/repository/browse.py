"""Which consultations a person may list: published ones for everyone, drafts for their department's
officials; filtered by stage, department, district, topic, closing soon and text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.common.actors import Actor, Role
from models.common.clock import Clock, utcnow
from models.common.db import D, Database, Document
from models.common.errors import Forbidden, InvalidInput, NotFound
from models.common.pagination import Page, PageArgs, PageBounds
from models.consultations.documents import Stage
from models.consultations.repository import page_consultations
from models.departments import repository as departments
from models.departments.policy import DepartmentScope, require_authority
from models.districts import repository as districts
from models.topics import repository as topics

CLOSING_SOON_DAYS = 3  # what the app's "closing soon" list asks for
MAX_CLOSING_WITHIN_DAYS = 366


@dataclass(frozen=True)
class ConsultationFilter:
    stage: Stage | None = None
    department_code: str | None = None
    district_code: str | None = None
    topic_code: str | None = None
    search: str | None = None
    # Only those open now and closing within this many days (of 24 hours); None: any.
    closing_within_days: int | None = None


def _found(document: D | None, code: str, noun: str, field: str) -> D:
    if document is None:
        raise NotFound(f"no {noun} has the code {code!r}", field=field)
    return document


def _closing_within(days: int, stage: Stage | None, now: dt.datetime) -> Document:
    """Open now (its closing time still ahead: past it, it is closed even before the sweep records
    it) and closing within `days`."""
    if not 1 <= days <= MAX_CLOSING_WITHIN_DAYS:
        raise InvalidInput(f"give 1–{MAX_CLOSING_WITHIN_DAYS} days", field="closingWithinDays")
    if stage not in (None, Stage.OPEN):
        raise InvalidInput(
            f"only open consultations are closing; leave out stage {stage.value} or ask for OPEN",
            field="closingWithinDays",
        )
    return {
        "stage": Stage.OPEN.value,
        "closes_at": {"$gt": now, "$lte": now + dt.timedelta(days=days)},
    }


async def browse(
    db: Database,
    actor: Actor,
    filters: ConsultationFilter,
    args: PageArgs,
    bounds: PageBounds,
    scope: DepartmentScope,
    *,
    now: Clock = utcnow,
) -> Page:
    """One page of the consultations `actor` may see that match `filters`, newest first."""
    query: Document = {}
    department = None
    if filters.department_code:
        code = filters.department_code.strip().lower()
        department = _found(await departments.find_by_code(db, code), code, "department", "departmentCode")
        query["department_id"] = department["_id"]
    if filters.district_code:
        code = filters.district_code.strip().lower()
        district = _found(await districts.find_by_code(db, code), code, "district", "districtCode")
        # Plain equality: it matches inside the array (and `district_ids` has no index, under
        # which nx-27017 would stop looking into arrays).
        query["district_ids"] = district["_id"]
    if filters.topic_code:
        code = filters.topic_code.strip().lower()
        topic = _found(await topics.find_by_code(db, code), code, "topic", "topicCode")
        query["topic_ids"] = topic["_id"]
    if filters.closing_within_days is not None:
        query.update(_closing_within(filters.closing_within_days, filters.stage, now()))
    if filters.stage is Stage.DRAFT:
        query["stage"] = Stage.DRAFT.value
        if department is not None:
            require_authority(actor, department, scope)
        elif not actor.signed_in:
            raise Forbidden("sign in first")
        elif actor.role is Role.OFFICIAL and actor.department_id is not None:
            query["department_id"] = actor.department_id
        elif actor.role is not Role.ADMIN:
            raise Forbidden("only officials (for their department) and admins see drafts")
    else:
        # Published ever: a draft withdrawn before it opened stays out of public lists.
        query["published_at"] = {"$ne": None}
        if filters.stage is not None:
            query["stage"] = filters.stage.value
    text = (filters.search or "").strip()
    return await page_consultations(db, query, args, bounds, text or None)
