"""Comments that screening holds go into the moderation queue by themselves, with the reasons."""

from __future__ import annotations

from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.db import Database
from models.consultations.comments import NewComment, submit_comment
from models.consultations.documents import Stance
from models.moderation.documents import MODERATION_ITEMS
from tests.consultations.drafts import make_city, make_open

AUTHOR = Actor(person_id=ObjectId(), role=Role.CITIZEN)


async def test_a_comment_with_a_phone_number_is_queued_with_the_reason(db: Database) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    new = NewComment(consultation["_id"], "c1", Stance.SUGGESTION, "充电桩的事可以打我电话13812345678。")

    comment = await submit_comment(db, AUTHOR, new)

    items = await MODERATION_ITEMS.of(db).find({}).to_list()
    assert comment["status"] == "PENDING"
    assert [(item["ref_id"], item["author_id"], item["reasons"]) for item in items] == [
        (comment["_id"], AUTHOR.person_id, ["personal_data:mobile"])
    ]


async def test_a_clean_comment_is_published_and_not_queued(db: Database) -> None:
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    new = NewComment(consultation["_id"], "c1", Stance.SUPPORT, "支持在小区增设充电桩。")

    comment = await submit_comment(db, AUTHOR, new)

    assert comment["status"] == "PUBLISHED"
    assert await MODERATION_ITEMS.of(db).count_documents({}) == 0
