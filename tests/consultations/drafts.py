"""Test data for consultations' life cycle: a small city, officials, and drafts made through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from bson import ObjectId

from models.common.actors import COMMAND_LINE, Actor, Role
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.consultations import service
from models.consultations.clauses import ClauseText
from models.consultations.documents import (
    COMMENTS,
    CommentStatus,
    ConsultationDocument,
    Stance,
    author_page_key,
    comment_page_key,
)
from models.departments.documents import DepartmentDocument
from models.departments.policy import DepartmentScope
from models.districts.documents import DistrictDocument
from models.districts.service import NewDistrict, create_district
from models.topics.documents import TopicDocument
from models.topics.service import NewTopic, create_topic
from tests.support.factories import bearer, make_department, make_staff, sign_in

SCOPE = DepartmentScope()

E_BIKE_CLAUSES = [
    ClauseText("第一条", "为规范电动自行车停放秩序，保障消防安全，制定本办法。"),
    ClauseText("第二条", "住宅小区应当设置集中停放和充电场所。"),
    ClauseText("第三条", "禁止在楼道、安全出口停放电动自行车或者为其充电。"),
]


# The small city of make_city, by code.
City = TypedDict(
    "City",
    {
        "city-office": DepartmentDocument,
        "housing": DepartmentDocument,
        "transport": DepartmentDocument,
        "donghu": DistrictDocument,
        "xihu": DistrictDocument,
        "e-bikes": TopicDocument,
    },
)


async def make_city(db: Database) -> City:
    """Departments city-office (supervising), housing and transport; districts; a topic."""
    return {
        "city-office": await make_department(db, "city-office", name_zh="市政府办公室"),
        "housing": await make_department(db, "housing", name_zh="住建局", parent_code="city-office"),
        "transport": await make_department(db, "transport", name_zh="交通局", parent_code="city-office"),
        "donghu": await create_district(db, COMMAND_LINE, NewDistrict(code="donghu", name_zh="东湖区")),
        "xihu": await create_district(db, COMMAND_LINE, NewDistrict(code="xihu", name_zh="西湖区")),
        "e-bikes": await create_topic(db, COMMAND_LINE, NewTopic(code="e-bikes", name_zh="电动自行车")),
    }


def official(department: DepartmentDocument) -> Actor:
    """An official of `department` as the rules see them (no account needed at the model level)."""
    return Actor(person_id=ObjectId(), role=Role.OFFICIAL, department_id=department["_id"])


async def official_headers(db: Database, department_code: str) -> dict[str, str]:
    person = await make_staff(
        db, f"official@{department_code}.example.cn", Role.OFFICIAL, department_code=department_code
    )
    return bearer(await sign_in(db, person))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def fixed(moment: dt.datetime) -> Clock:
    return lambda: moment


async def make_draft(
    db: Database,
    department: DepartmentDocument,
    *,
    title: str = "电动自行车停放管理办法（征求意见稿）",
    summary: str = "规定小区电动自行车集中停放和充电，禁止楼道停放充电。",
    clauses: list[ClauseText] | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> ConsultationDocument:
    current = now or utcnow()
    return await service.create_draft(
        db,
        official(department),
        service.NewConsultation(
            department_code=department["code"],
            title=title,
            summary=summary,
            clauses=clauses or E_BIKE_CLAUSES,
            opens_at=opens_at or current,
            closes_at=closes_at or current + dt.timedelta(days=30),
            **fields,
        ),
        SCOPE,
        now=fixed(current),
    )


async def make_open(
    db: Database, department: DepartmentDocument, *, now: dt.datetime | None = None, **fields: Any
) -> ConsultationDocument:
    current = now or utcnow()
    draft = await make_draft(db, department, now=current, **fields)
    return await service.publish(db, official(department), draft["_id"], SCOPE, now=fixed(current))


async def insert_comment(
    db: Database,
    consultation: Document,
    author_id: ObjectId,
    clause_id: str | None,
    status: CommentStatus = CommentStatus.PUBLISHED,
) -> ObjectId:
    """A comment stored as the comments engine stores it (this file tests only who is told of changes)."""
    comment_id = ObjectId()
    await COMMENTS.of(db).insert_one(
        COMMENTS.new_document(
            {
                "_id": comment_id,
                "consultation_id": consultation["_id"],
                "clause_id": clause_id,
                "version": consultation["version"],
                "author_id": author_id,
                "helper_id": None,
                "channel": "APP",
                "stance": Stance.SUGGESTION.value,
                "text": "建议增加充电桩数量。",
                "status": status.value,
                "agree_count": 0,
                "page_key": comment_page_key(consultation["_id"], comment_id),
                "author_page_key": author_page_key(author_id, comment_id),
                "created_at": utcnow(),
            }
        )
    )
    return comment_id
