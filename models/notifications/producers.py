"""What each domain event tells whom: the notice (category, template, deep link) and the audience.

A producer reads what the notice needs (a consultation's title, say) and names its audience:
people by id (the commenter whose comment got a reply) or the followers of some targets (a
department, topics, districts), which the fan-out streams rather than loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bson import ObjectId

from models.common.actors import Role
from models.common.calendar_notices import YEAR_MISSING, YearMissingPayload
from models.common.db import Database
from models.common.outbox import payload_of
from models.consultations.documents import CONSULTATIONS, ConsultationDocument
from models.consultations.events import (
    CLAUSE_CHANGED,
    OPENED,
    OUTCOME_EVENT,
    REPLIED,
    ClauseChanged,
    CommentOutcome,
    CommentReplied,
    ConsultationOpened,
)
from models.departments.documents import DEPARTMENTS
from models.identity.documents import PEOPLE, Status
from models.identity.events import LOCKED_EVENT, SignInLocked
from models.identity.sign_in_attempts import LOCK_DURATION, lock_stands
from models.moderation.content_kinds import Action
from models.moderation.events import APPEAL_EVENT, DECISION_EVENT, AppealDecided, AuthorNotice, Decided
from models.notifications.categories import Category
from push.messages import MAX_TTL


@dataclass(frozen=True)
class Notice:
    """What one event says, the same for everyone it tells (rendered per reader's language)."""

    category: Category
    template: str
    params: dict[str, str]
    about_kind: str
    about_id: Any
    link: str
    collapse_key: str  # a newer message with the same key replaces the older one on the device
    urgent: bool = False  # pushed through quiet hours (a livestream starting now)
    ttl: dt.timedelta = MAX_TTL


@dataclass(frozen=True)
class Audience:
    people: tuple[ObjectId, ...] = ()
    follower_keys: tuple[str, ...] = field(default=())  # "<kind>:<id>", as follows store them

    @property
    def broad(self) -> bool:
        return bool(self.follower_keys)


Produced = tuple[Notice, Audience] | None
Producer = Callable[[Database, Mapping[str, Any]], Awaitable[Produced]]
P = TypeVar("P", bound=Mapping[str, object])


def _reading(payload_type: type[P], produce: Callable[[Database, P], Awaitable[Produced]]) -> Producer:
    """The producer of one kind: its payload read as the TypedDict the kind's events.py declares."""

    async def read(db: Database, payload: Mapping[str, Any]) -> Produced:
        return await produce(db, payload_of(payload, payload_type))

    return read


def follower_key(kind: str, target_id: Any) -> str:
    return f"{kind}:{target_id}"


async def _consultation(db: Database, consultation_id: ObjectId) -> ConsultationDocument | None:
    return await CONSULTATIONS.of(db).find_one(
        {"_id": consultation_id}, {"title": 1, "clauses": 1, "department_id": 1}
    )


async def _title(db: Database, consultation_id: ObjectId) -> str | None:
    consultation = await _consultation(db, consultation_id)
    return None if consultation is None else str(consultation["title"])


def _consultation_link(consultation_id: ObjectId, comment_id: ObjectId | None = None) -> str:
    link = f"townhall://consultations/{consultation_id}"
    return f"{link}/comments/{comment_id}" if comment_id is not None else link


async def _comment_replied(db: Database, payload: CommentReplied) -> Produced:
    title = await _title(db, payload["consultation_id"])
    if title is None:
        return None
    notice = Notice(
        category=Category.REPLY,
        template="consultation.comment_replied",
        params={"consultation": title},
        about_kind="comment",
        about_id=payload["comment_id"],
        link=_consultation_link(payload["consultation_id"], payload["comment_id"]),
        collapse_key=f"reply-{payload['comment_id']}",
    )
    return notice, Audience(people=(payload["person_id"],))


async def _comment_outcome(db: Database, payload: CommentOutcome) -> Produced:
    title = await _title(db, payload["consultation_id"])
    if title is None:
        return None
    notice = Notice(
        category=Category.OUTCOME,
        template="consultation.comment_outcome",
        params={
            "consultation": title,
            "outcome": payload["outcome"],
            "reason": payload["reason"] or "",
        },
        about_kind="comment",
        about_id=payload["comment_id"],
        link=_consultation_link(payload["consultation_id"], payload["comment_id"]),
        collapse_key=f"outcome-{payload['comment_id']}",
    )
    return notice, Audience(people=(payload["person_id"],))


async def _clause_changed(db: Database, payload: ClauseChanged) -> Produced:
    consultation = await _consultation(db, payload["consultation_id"])
    if consultation is None:
        return None
    changed = set(payload["clause_ids"])
    labels = [clause["label"] for clause in consultation.get("clauses") or () if clause["id"] in changed]
    notice = Notice(
        category=Category.CONSULTATION_UPDATE,
        template="consultation.clause_changed",
        params={"consultation": str(consultation["title"]), "clauses": "、".join(labels)},
        about_kind="consultation",
        about_id=payload["consultation_id"],
        link=_consultation_link(payload["consultation_id"]),
        collapse_key=f"revision-{payload['consultation_id']}",
    )
    return notice, Audience(people=(payload["person_id"],))


async def _opened(db: Database, payload: ConsultationOpened) -> Produced:
    title = await _title(db, payload["consultation_id"])
    department = await DEPARTMENTS.of(db).find_one({"_id": payload["department_id"]}, {"name": 1})
    if title is None or department is None:
        return None
    keys = [follower_key("department", payload["department_id"])]
    keys += [follower_key("topic", topic_id) for topic_id in payload["topic_ids"]]
    keys += [follower_key("district", district_id) for district_id in payload["district_ids"]]
    notice = Notice(
        category=Category.NEW_CONSULTATION,
        template="consultation.published",
        params={
            "consultation": title,
            "department": str(department["name"]["zh"]),
            "department.en": str(department["name"].get("en") or department["name"]["zh"]),
        },
        about_kind="consultation",
        about_id=payload["consultation_id"],
        link=_consultation_link(payload["consultation_id"]),
        collapse_key=f"opened-{payload['consultation_id']}",
        ttl=dt.timedelta(days=7),
    )
    return notice, Audience(follower_keys=tuple(keys))


def _moderation(payload: AuthorNotice, template: str, params: dict[str, str]) -> Produced:
    notice = Notice(
        category=Category.MODERATION,
        template=template,
        params={"reason": payload["reason_code"] or "", **params},
        about_kind=payload["content_kind"],
        about_id=payload["ref_id"],
        link=f"townhall://moderation/{payload['item_id']}",
        collapse_key=f"moderation-{payload['item_id']}",
    )
    return notice, Audience(people=(payload["person_id"],))


async def _moderation_decided(db: Database, payload: Decided) -> Produced:
    # An approval has no reason to give: its own template says the content is public now.
    template = "moderation.approved" if payload["action"] == Action.APPROVE else "moderation.decision"
    return _moderation(payload, template, {"action": payload["action"]})


async def _appeal_decided(db: Database, payload: AppealDecided) -> Produced:
    result = "upheld" if payload["upheld"] else "overturned"
    return _moderation(payload, "moderation.appeal_decided", {"result": result})


async def _calendar_year_missing(db: Database, payload: YearMissingPayload) -> Produced:
    admins = PEOPLE.of(db).find({"role": Role.ADMIN.value, "status": Status.ACTIVE.value}, {"_id": 1})
    people = tuple([admin["_id"] async for admin in admins])
    if not people:
        return None
    year = str(payload["year"])
    notice = Notice(
        category=Category.ACCOUNT,
        template=YEAR_MISSING,
        params={"year": year},
        about_kind="calendar",
        about_id=year,
        link="townhall://admin/calendar",
        collapse_key=f"calendar-{year}",
    )
    return notice, Audience(people=people)


async def _sign_in_locked(db: Database, payload: SignInLocked) -> Produced:
    # An e-mail without an account locks too (so the answers do not tell), but tells nobody; nor
    # does a lock the right password lifted at once.
    person_id = payload["person_id"]
    if person_id is None or not await lock_stands(db, payload["record_id"], payload["locked_until"]):
        return None
    notice = Notice(
        category=Category.ACCOUNT,
        template="account.sign_in_locked",
        params={"minutes": str(LOCK_DURATION // dt.timedelta(minutes=1))},
        about_kind="account",
        about_id=person_id,
        link="townhall://me/security",
        collapse_key=f"sign-in-locked-{person_id}",
        ttl=LOCK_DURATION,
    )
    return notice, Audience(people=(person_id,))


# Event kind → its producer, reading the payload as the kind's TypedDict.
PRODUCERS: dict[str, Producer] = {
    REPLIED: _reading(CommentReplied, _comment_replied),
    OUTCOME_EVENT: _reading(CommentOutcome, _comment_outcome),
    CLAUSE_CHANGED: _reading(ClauseChanged, _clause_changed),
    OPENED: _reading(ConsultationOpened, _opened),
    DECISION_EVENT: _reading(Decided, _moderation_decided),
    APPEAL_EVENT: _reading(AppealDecided, _appeal_decided),
    YEAR_MISSING: _reading(YearMissingPayload, _calendar_year_missing),
    LOCKED_EVENT: _reading(SignInLocked, _sign_in_locked),
}
