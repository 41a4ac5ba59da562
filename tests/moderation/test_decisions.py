"""Redaction, merging duplicates, bulk approval, and decisions that a crash left unapplied."""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId

from api.workers import HANDLERS
from models.common.actors import Actor, Role
from models.common.db import Database, Document
from models.common.errors import Forbidden, InvalidInput
from models.common.outbox_worker import OutboxWorker
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.comments import NewComment, edit_comment, submit_comment
from models.consultations.documents import CAMPAIGNS, COMMENT_AGREES, COMMENTS, Stance
from models.moderation.appeals import appeal, decide_appeal
from models.moderation.content_kinds import Action
from models.moderation.decisions import DecisionInput, apply_current, bulk_approve, decide
from models.moderation.documents import MODERATION_ITEMS, MODERATION_ORIGINALS
from models.moderation.originals import stored_original
from models.moderation.queue import claim, claim_next, enqueue
from moderation.redaction import REDACTION_MARK
from tests.consultations.drafts import fixed, make_city, make_open

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ZHANG = Actor(person_id=ObjectId(), role=Role.MODERATOR)
LI = Actor(person_id=ObjectId(), role=Role.MODERATOR)
AUTHOR = Actor(person_id=ObjectId(), role=Role.CITIZEN)
OTHER = Actor(person_id=ObjectId(), role=Role.CITIZEN)
WITH_PHONE = "充电桩的事可以打我电话13812345678，谢谢。"
PHONE_SPAN = (WITH_PHONE.index("138"), WITH_PHONE.index("138") + 11)


async def comment_doc(db: Database, comment_id: ObjectId) -> Document:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    assert comment is not None
    return comment


async def held(db: Database, text: str = WITH_PHONE, author: Actor = AUTHOR) -> tuple[Document, str]:
    """A comment screening held (it has a phone number), claimed by ZHANG; its item id."""
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    comment = await submit_comment(db, author, NewComment(consultation["_id"], "c1", Stance.SUGGESTION, text))
    assert comment["status"] == "PENDING"
    item = await claim_next(db, ZHANG)
    assert item is not None
    return comment, item["_id"]


class TestRedact:
    async def test_redacting_publishes_the_rest_with_a_visible_mark(self, db: Database) -> None:
        comment, item_id = await held(db)

        await decide(
            db, ZHANG, item_id, DecisionInput(Action.REDACT, "personal_data", redactions=[PHONE_SPAN])
        )

        stored = await comment_doc(db, comment["_id"])
        assert (stored["status"], stored["visible_to"]) == ("PUBLISHED", "public")
        assert stored["text"] == f"充电桩的事可以打我电话{REDACTION_MARK}，谢谢。"
        assert stored["redaction"]["reason_code"] == "personal_data"
        assert stored["redaction"]["spans"] == 1

    async def test_the_original_is_kept_in_the_restricted_store(self, db: Database) -> None:
        # Who may read it (moderators only) is the API's: test_api_queue.py, an item by id.
        _, item_id = await held(db)
        await decide(
            db, ZHANG, item_id, DecisionInput(Action.REDACT, "personal_data", redactions=[PHONE_SPAN])
        )

        assert await stored_original(db, item_id) == WITH_PHONE

    async def test_applying_twice_redacts_the_original_not_the_redacted_text(self, db: Database) -> None:
        comment, item_id = await held(db)
        decided = await decide(
            db, ZHANG, item_id, DecisionInput(Action.REDACT, "personal_data", redactions=[PHONE_SPAN])
        )

        await apply_current(db, decided)

        assert (await comment_doc(db, comment["_id"]))[
            "text"
        ] == f"充电桩的事可以打我电话{REDACTION_MARK}，谢谢。"
        assert await MODERATION_ORIGINALS.of(db).count_documents({}) == 1

    @pytest.mark.parametrize("spans", [[], [(5, 5)], [(0, 999)], [(-1, 3)]])
    async def test_bad_spans_are_refused_and_nothing_changes(
        self, db: Database, spans: list[tuple[int, int]]
    ) -> None:
        comment, item_id = await held(db)

        with pytest.raises(InvalidInput) as refused:
            await decide(db, ZHANG, item_id, DecisionInput(Action.REDACT, "personal_data", redactions=spans))

        assert refused.value.field == "redactions"
        assert (await comment_doc(db, comment["_id"]))["status"] == "PENDING"
        assert (await MODERATION_ITEMS.of(db).find_one({"_id": item_id}) or {})["status"] == "OPEN"

    async def test_spans_with_another_action_are_refused(self, db: Database) -> None:
        _, item_id = await held(db)

        with pytest.raises(InvalidInput, match="redactions go with REDACT only"):
            await decide(db, ZHANG, item_id, DecisionInput(Action.REJECT, "spam", redactions=[PHONE_SPAN]))

    async def test_a_campaign_shows_the_redacted_text_not_the_original(self, db: Database) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        texts = [
            f"建议小区尽快增设电动车充电桩，有事请打我电话{phone}，谢谢大家支持。"
            for phone in ("13812345678", "13912345678")
        ]
        first, second = [
            await submit_comment(db, author, NewComment(consultation["_id"], "c1", Stance.SUGGESTION, text))
            for author, text in zip((AUTHOR, OTHER), texts, strict=True)
        ]
        assert second["campaign_id"] == first["_id"]
        item = await claim(db, ZHANG, f"{CONSULTATION_COMMENT}:{first['_id']}")
        phone = texts[0].index("138")

        await decide(
            db,
            ZHANG,
            item["_id"],
            DecisionInput(Action.REDACT, "personal_data", redactions=[(phone, phone + 11)]),
        )

        campaign = await CAMPAIGNS.of(db).find_one({"_id": first["_id"]})
        assert campaign is not None
        assert (campaign["size"], campaign["sample_text"]) == (
            1,
            texts[0].replace("13812345678", REDACTION_MARK),
        )

    async def test_an_overturned_redaction_restores_the_original(self, db: Database) -> None:
        comment, item_id = await held(db)
        await decide(
            db, ZHANG, item_id, DecisionInput(Action.REDACT, "personal_data", redactions=[PHONE_SPAN])
        )
        await appeal(db, AUTHOR, item_id, "这是单位的公开热线，不是个人信息。")

        await decide_appeal(db, LI, item_id, uphold=False)

        stored = await comment_doc(db, comment["_id"])
        assert (stored["status"], stored["text"], "redaction" in stored) == ("PUBLISHED", WITH_PHONE, False)


class TestMerge:
    async def test_a_duplicate_merges_and_its_author_agrees_with_the_target(self, db: Database) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        target = await submit_comment(
            db, OTHER, NewComment(consultation["_id"], "c1", Stance.SUPPORT, "支持增设充电桩。")
        )
        duplicate = await submit_comment(
            db, AUTHOR, NewComment(consultation["_id"], "c1", Stance.SUPPORT, "支持增设充电桩！")
        )
        first = await claim(db, ZHANG, f"{CONSULTATION_COMMENT}:{target['_id']}", now=fixed(T0))
        await decide(db, ZHANG, first["_id"], DecisionInput(Action.APPROVE, None), now=fixed(T0))
        second = await claim(db, ZHANG, f"{CONSULTATION_COMMENT}:{duplicate['_id']}", now=fixed(T0))

        await decide(
            db,
            ZHANG,
            second["_id"],
            DecisionInput(Action.MERGE_DUPLICATE, "duplicate", merge_into=target["_id"]),
            now=fixed(T0),
        )

        merged = await comment_doc(db, duplicate["_id"])
        assert (merged["status"], merged["merged_into"], merged["visible_to"]) == (
            "REJECTED",
            target["_id"],
            str(AUTHOR.person_id),
        )
        assert (await comment_doc(db, target["_id"]))["agree_count"] == 1
        assert await COMMENT_AGREES.of(db).count_documents({"person_id": AUTHOR.person_id}) == 1

    async def test_merging_needs_a_published_comment_of_the_same_consultation(self, db: Database) -> None:
        comment, item_id = await held(db)

        with pytest.raises(InvalidInput, match="merged into itself"):
            await decide(
                db,
                ZHANG,
                item_id,
                DecisionInput(Action.MERGE_DUPLICATE, "duplicate", merge_into=comment["_id"]),
            )
        with pytest.raises(InvalidInput, match="needs the content to merge into"):
            await decide(db, ZHANG, item_id, DecisionInput(Action.MERGE_DUPLICATE, "duplicate"))
        assert (await comment_doc(db, comment["_id"]))["status"] == "PENDING"


class TestBulkApprove:
    async def test_free_items_are_approved_and_held_ones_skipped(self, db: Database) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], premoderated=True)
        comments = [
            await submit_comment(
                db, AUTHOR, NewComment(consultation["_id"], "c1", Stance.SUPPORT, f"第{n}条意见。")
            )
            for n in range(3)
        ]
        ids = [f"{CONSULTATION_COMMENT}:{comment['_id']}" for comment in comments]
        await claim(db, LI, ids[2], now=fixed(T0))

        result = await bulk_approve(db, ZHANG, [*ids, "consultation_comment:nothing-here"], now=fixed(T0))

        assert result.approved == ids[:2]
        assert set(result.skipped) == {ids[2], "consultation_comment:nothing-here"}
        statuses = [(await comment_doc(db, comment["_id"]))["status"] for comment in comments]
        assert statuses == ["PUBLISHED", "PUBLISHED", "PENDING"]

    async def test_citizens_cannot_bulk_approve(self, db: Database) -> None:
        with pytest.raises(Forbidden):
            await bulk_approve(db, AUTHOR, ["consultation_comment:x"])


class TestCrashRepair:
    """The worker's handlers repair what a crash between two writes left behind."""

    async def test_a_recorded_but_unapplied_decision_is_applied_by_the_worker(self, db: Database) -> None:
        comment, item_id = await held(db)
        await decide(db, ZHANG, item_id, DecisionInput(Action.APPROVE, None))
        # As if the process died between recording the decision and applying it.
        await COMMENTS.of(db).update_one({"_id": comment["_id"]}, {"$set": {"status": "PENDING"}})

        await drain_worker(db)

        assert (await comment_doc(db, comment["_id"]))["status"] == "PUBLISHED"

    async def test_a_held_comment_whose_enqueue_was_lost_is_queued_by_the_worker(self, db: Database) -> None:
        comment, item_id = await held(db)
        await MODERATION_ITEMS.of(db).delete_one({"_id": item_id})  # as if enqueue never ran

        await drain_worker(db)

        item = await MODERATION_ITEMS.of(db).find_one({"_id": item_id})
        assert item is not None
        assert (item["ref_id"], item["status"], item["reasons"]) == (
            comment["_id"],
            "OPEN",
            ["personal_data:mobile"],
        )

    async def test_an_approved_comment_held_again_by_an_edit_is_reviewed_again(self, db: Database) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        new = NewComment(consultation["_id"], "c1", Stance.SUGGESTION, "建议增设充电桩，电话13812345678。")
        comment = await submit_comment(db, AUTHOR, new)
        item = await claim_next(db, ZHANG)
        assert item is not None
        await decide(db, ZHANG, item["_id"], DecisionInput(Action.APPROVE, None))

        await edit_comment(db, AUTHOR, comment["_id"], "建议增设充电桩，联系我13912345678。")

        again = await MODERATION_ITEMS.of(db).find_one({"_id": item["_id"]})
        assert again is not None
        assert (again["status"], again["round"], again["history"][0]["decision"]["action"]) == (
            "OPEN",
            2,
            "APPROVE",
        )


async def drain_worker(db: Database) -> None:
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS))
    await worker.sweep()
    await worker.drain()


async def test_priority_and_due_time_follow_blocking_content(db: Database) -> None:
    plain = await enqueue(
        db, kind=CONSULTATION_COMMENT, ref_id=ObjectId(), author_id=ObjectId(), reasons=["x"], now=fixed(T0)
    )
    live = await enqueue(
        db,
        kind=CONSULTATION_COMMENT,
        ref_id=ObjectId(),
        author_id=ObjectId(),
        reasons=["x"],
        blocking=True,
        now=fixed(T0),
    )

    assert live["priority"] > plain["priority"]
    assert (plain["due_at"] - T0, live["due_at"] - T0) == (dt.timedelta(hours=24), dt.timedelta(minutes=2))
    first = await claim_next(db, ZHANG, now=fixed(T0))
    assert first is not None and first["_id"] == live["_id"]
