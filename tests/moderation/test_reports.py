"""Citizens' reports: priority rises, enough distinct reporters hide content pending review."""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.comments import NewComment, submit_comment
from models.consultations.documents import COMMENTS, CONSULTATIONS, Stance
from models.identity.documents import PEOPLE
from models.moderation.content_kinds import Action
from models.moderation.decisions import DecisionInput, decide
from models.moderation.documents import MODERATION_ITEMS
from models.moderation.errors import AlreadyReported
from models.moderation.queue import claim
from models.moderation.reports import ReportPolicy, report_content
from tests.consultations.drafts import make_city, make_open

AUTHOR = Actor(person_id=ObjectId(), role=Role.CITIZEN)
MODERATOR = Actor(person_id=ObjectId(), role=Role.MODERATOR)
POLICY = ReportPolicy(hide_after=3)


def citizen() -> Actor:
    return Actor(person_id=ObjectId(), role=Role.CITIZEN)


async def published(db: Database, author: Actor = AUTHOR) -> Document:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    comment = await submit_comment(
        db, author, NewComment(consultation["_id"], "c1", Stance.OPPOSE, "反对，楼下停车已经很挤了。")
    )
    assert comment["status"] == "PUBLISHED"
    return comment


async def report(db: Database, comment: Document, reporter: Actor, policy: ReportPolicy = POLICY) -> Document:
    return await report_content(db, reporter, CONSULTATION_COMMENT, comment["_id"], "abuse", "骂人", policy)


async def comment_now(db: Database, comment_id: ObjectId) -> Document:
    stored = await COMMENTS.of(db).find_one({"_id": comment_id})
    assert stored is not None
    return stored


async def test_a_report_opens_an_item_with_higher_priority(db: Database) -> None:
    comment = await published(db)

    first = await report(db, comment, citizen())
    second = await report(db, comment, citizen())

    assert (first["reasons"], first["report_count"], second["report_count"]) == (["reported"], 1, 2)
    assert second["priority"] > first["priority"]
    # Reported content is due within 4 hours, not the 24 of screened content.
    assert second["due_at"] - second["created_at"] <= dt.timedelta(hours=4)


async def test_a_person_reports_once(db: Database) -> None:
    comment = await published(db)
    reporter = citizen()
    await report(db, comment, reporter)

    with pytest.raises(AlreadyReported):
        await report(db, comment, reporter)

    item = await MODERATION_ITEMS.of(db).find_one({})
    assert item is not None and item["report_count"] == 1


async def test_own_content_and_anonymous_reports_are_refused(db: Database) -> None:
    comment = await published(db)

    with pytest.raises(Forbidden, match="your own"):
        await report(db, comment, AUTHOR)
    with pytest.raises(Forbidden, match="sign in"):
        await report(db, comment, Actor(person_id=None, role=Role.CITIZEN))
    assert await MODERATION_ITEMS.of(db).count_documents({}) == 0


async def test_an_unknown_reason_is_refused(db: Database) -> None:
    comment = await published(db)

    with pytest.raises(InvalidInput, match="unknown reason code"):
        await report_content(db, citizen(), CONSULTATION_COMMENT, comment["_id"], "boring", None, POLICY)


async def test_the_third_reporter_hides_the_comment_pending_review(db: Database) -> None:
    comment = await published(db)
    for _ in range(2):
        await report(db, comment, citizen())
    assert (await comment_now(db, comment["_id"]))["status"] == "PUBLISHED"

    await report(db, comment, citizen())

    hidden = await comment_now(db, comment["_id"])
    assert (hidden["status"], hidden["text"], hidden["hidden"]["pending_review"]) == ("REJECTED", None, True)
    consultation = await CONSULTATIONS.of(db).find_one({"_id": comment["consultation_id"]})
    assert consultation is not None and consultation["counters"]["comments"] == 0


async def test_approving_a_reported_hidden_comment_restores_it(db: Database) -> None:
    comment = await published(db)
    for _ in range(3):
        await report(db, comment, citizen())
    item = await claim(db, MODERATOR, f"{CONSULTATION_COMMENT}:{comment['_id']}")

    await decide(db, MODERATOR, item["_id"], DecisionInput(Action.APPROVE, None))

    restored = await comment_now(db, comment["_id"])
    assert (restored["status"], restored["text"], "hidden" in restored) == (
        "PUBLISHED",
        comment["text"],
        False,
    )


async def test_officials_content_is_not_hidden_by_default(db: Database) -> None:
    official = Actor(person_id=ObjectId(), role=Role.CITIZEN)
    comment = await published(db, official)
    await PEOPLE.of(db).insert_one({"_id": official.person_id, "role": "official"})

    for _ in range(3):
        await report(db, comment, citizen())

    assert (await comment_now(db, comment["_id"]))["status"] == "PUBLISHED"


async def test_hiding_can_be_switched_off(db: Database) -> None:
    comment = await published(db)

    for _ in range(4):
        await report(db, comment, citizen(), ReportPolicy(hide_after=None))

    assert (await comment_now(db, comment["_id"]))["status"] == "PUBLISHED"


async def test_reporting_approved_content_again_reopens_it_for_a_new_round(db: Database) -> None:
    comment = await published(db)
    await report(db, comment, citizen())
    item = await claim(db, MODERATOR, f"{CONSULTATION_COMMENT}:{comment['_id']}")
    await decide(db, MODERATOR, item["_id"], DecisionInput(Action.APPROVE, None))

    reopened = await report(db, comment, citizen())

    assert (reopened["status"], reopened["round"], reopened["report_count"]) == ("OPEN", 2, 1)
    assert [past["decision"]["action"] for past in reopened["history"]] == ["APPROVE"]


async def test_unpublished_content_cannot_be_reported(db: Database) -> None:
    comment = await published(db)
    await COMMENTS.of(db).update_one({"_id": comment["_id"]}, {"$set": {"status": "DELETED"}})

    with pytest.raises(Conflict, match="only published content"):
        await report(db, comment, citizen())
