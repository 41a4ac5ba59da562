"""Which consultations a person may list: published ones for everyone, drafts for their department's
officials; filtered by stage, department, district, topic and text."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Actor, Role
from models.common.db import Database, Document
from models.common.errors import Forbidden, NotFound
from models.common.pagination import Page, PageArgs, PageBounds
from models.consultations.documents import Stage
from models.consultations.repository import page_consultations
from models.departments import repository as departments
from models.departments.policy import DepartmentScope, require_authority
from models.districts import repository as districts
from models.topics import repository as topics


@dataclass(frozen=True)
class ConsultationFilter:
    stage: Stage | None = None
    department_code: str | None = None
    district_code: str | None = None
    topic_code: str | None = None
    search: str | None = None


def _found(document: Document | None, code: str, noun: str, field: str) -> Document:
    if document is None:
        raise NotFound(f"no {noun} has the code {code!r}", field=field)
    return document


async def browse(
    db: Database,
    actor: Actor,
    filters: ConsultationFilter,
    args: PageArgs,
    bounds: PageBounds,
    scope: DepartmentScope,
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
