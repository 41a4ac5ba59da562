"""The moderation queue: leases, priority, decisions on consultation comments, appeals."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.db import Database, Document
from models.common.errors import Conflict, Forbidden, InvalidInput
from models.common.outbox import OUTBOX
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.comments import NewComment, submit_comment
from models.consultations.documents import COMMENTS, CONSULTATIONS, Stance
from models.moderation.appeals import appeal, decide_appeal
from models.moderation.content_kinds import Action
from models.moderation.decisions import DecisionInput, decide
from models.moderation.documents import AUDIT_LOG, MODERATION_ITEMS
from models.moderation.errors import NotHolding
from models.moderation.queue import FREE, claim_next, enqueue
from models.moderation.reasons import reason_codes, set_reason
from tests.consultations.drafts import fixed, make_city, make_open

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
ZHANG = Actor(person_id=ObjectId(), role=Role.MODERATOR)
LI = Actor(person_id=ObjectId(), role=Role.MODERATOR)
AUTHOR = Actor(person_id=ObjectId(), role=Role.CITIZEN)
EMPTY_COUNTERS = {"comments": 0, "commenters": 0, "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 0}}


async def pending_comment(db: Database) -> Document:
    """A comment held by a premoderated consultation, as submitted by AUTHOR."""
    city = await make_city(db)
    consultation = await make_open(db, city["housing"], premoderated=True)
    new = NewComment(consultation["_id"], "c2", Stance.SUGGESTION, "建议在小区门口增设充电桩。")
    return await submit_comment(db, AUTHOR, new)


async def queued_comment(db: Database) -> tuple[Document, Document]:
    """A pending comment and its queue item."""
    comment = await pending_comment(db)
    item = await enqueue(
        db,
        kind=CONSULTATION_COMMENT,
        ref_id=comment["_id"],
        author_id=comment["author_id"],
        reasons=comment["screening_reasons"],
        now=fixed(T0),
    )
    return comment, item


async def plain_item(
    db: Database, *, score: float = 0.0, blocking: bool = False, created_at: dt.datetime = T0
) -> Document:
    """An item for content that is never looked at (claiming does not touch the content)."""
    return await enqueue(
        db,
        kind=CONSULTATION_COMMENT,
        ref_id=ObjectId(),
        author_id=ObjectId(),
        reasons=["lexicon:spam"],
        score=score,
        blocking=blocking,
        now=fixed(created_at),
    )


async def stored(db: Database, item_id: str) -> Document:
    item = await MODERATION_ITEMS.of(db).find_one({"_id": item_id})
    assert item is not None
    return item


async def comment_state(db: Database, comment_id: ObjectId) -> dict[str, object]:
    comment = await COMMENTS.of(db).find_one({"_id": comment_id})
    assert comment is not None
    return {"status": comment["status"], "visible_to": comment["visible_to"], "text": comment["text"]}


async def counters(db: Database, consultation_id: ObjectId) -> dict[str, object]:
    consultation = await CONSULTATIONS.of(db).find_one({"_id": consultation_id})
    assert consultation is not None
    return {key: consultation["counters"][key] for key in ("comments", "commenters", "stances")}


async def rejected_and_appealed(db: Database) -> tuple[Document, Document]:
    comment, item = await queued_comment(db)
    await claim_next(db, ZHANG, LEASE, now=fixed(T0))
    await decide(db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "off_topic"), now=fixed(T0))
    await appeal(db, AUTHOR, item["_id"], "我的意见与充电设施直接相关。")
    return comment, item


class TestEnqueue:
    async def test_enqueueing_the_same_content_twice_keeps_one_item(self, db: Database) -> None:
        comment, item = await queued_comment(db)

        again = await enqueue(
            db, kind=CONSULTATION_COMMENT, ref_id=comment["_id"], author_id=comment["author_id"], reasons=[]
        )

        assert again["_id"] == item["_id"] == f"consultation_comment:{comment['_id']}"
        assert again["reasons"] == ["premoderated"]
        assert await MODERATION_ITEMS.of(db).count_documents({}) == 1

    async def test_an_unknown_kind_is_refused(self, db: Database) -> None:
        with pytest.raises(InvalidInput, match="unknown content kind 'petition'"):
            await enqueue(db, kind="petition", ref_id=ObjectId(), author_id=ObjectId(), reasons=[])


class TestClaim:
    async def test_two_moderators_claiming_at_once_one_wins(self, db: Database) -> None:
        item = await plain_item(db)

        first, second = await asyncio.gather(
            claim_next(db, ZHANG, LEASE, now=fixed(T0)), claim_next(db, LI, LEASE, now=fixed(T0))
        )

        winners = [claimed for claimed in (first, second) if claimed is not None]
        assert [claimed["_id"] for claimed in winners] == [item["_id"]]
        holder = (await stored(db, item["_id"]))["lease_owner"]
        assert holder == (ZHANG if first is not None else LI).person_id

    async def test_the_second_moderator_gets_the_next_item(self, db: Database) -> None:
        older = await plain_item(db, created_at=T0)
        newer = await plain_item(db, created_at=T0 + dt.timedelta(seconds=1))

        first = await claim_next(db, ZHANG, LEASE, now=fixed(T0))
        second = await claim_next(db, LI, LEASE, now=fixed(T0))

        assert first is not None and second is not None
        assert (first["_id"], first["lease_owner"]) == (older["_id"], ZHANG.person_id)
        assert (second["_id"], second["lease_owner"]) == (newer["_id"], LI.person_id)

    async def test_a_held_item_is_not_claimed_again(self, db: Database) -> None:
        await plain_item(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        assert await claim_next(db, LI, LEASE, now=fixed(T0 + dt.timedelta(minutes=4))) is None

    async def test_an_expired_lease_returns_the_item(self, db: Database) -> None:
        item = await plain_item(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        later = T0 + LEASE + dt.timedelta(seconds=1)
        reclaimed = await claim_next(db, LI, LEASE, now=fixed(later))

        assert reclaimed is not None
        assert reclaimed["_id"] == item["_id"]
        assert (reclaimed["lease_owner"], reclaimed["lease_until"], reclaimed["claims"]) == (
            LI.person_id,
            later + LEASE,
            2,
        )

    async def test_higher_priority_comes_first_then_the_older_item(self, db: Database) -> None:
        low = await plain_item(db, score=0.1, created_at=T0)
        high_newer = await plain_item(db, blocking=True, created_at=T0 + dt.timedelta(minutes=2))
        high_older = await plain_item(db, blocking=True, created_at=T0 + dt.timedelta(minutes=1))

        order = [await claim_next(db, ZHANG, LEASE, now=fixed(T0)) for _ in range(4)]

        assert [item and item["_id"] for item in order] == [
            high_older["_id"],
            high_newer["_id"],
            low["_id"],
            None,
        ]

    async def test_citizens_cannot_claim(self, db: Database) -> None:
        await plain_item(db)

        with pytest.raises(Forbidden, match="only moderator, admin may do this"):
            await claim_next(db, AUTHOR, LEASE)


class TestDecide:
    async def test_deciding_without_holding_the_item_is_refused(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        with pytest.raises(NotHolding, match="you do not hold this item"):
            await decide(db, LI, item["_id"], DecisionInput(Action.APPROVE, None), now=fixed(T0))

        assert (await stored(db, item["_id"]))["status"] == "OPEN"
        assert (await comment_state(db, comment["_id"]))["status"] == "PENDING"

    async def test_deciding_after_the_lease_ended_is_refused(self, db: Database) -> None:
        _, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        with pytest.raises(NotHolding):
            await decide(db, ZHANG, item["_id"], DecisionInput(Action.APPROVE, None), now=fixed(T0 + LEASE))

    async def test_an_unknown_reason_code_is_refused(self, db: Database) -> None:
        _, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        with pytest.raises(InvalidInput, match="unknown reason code 'rude'"):
            await decide(db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "rude"), now=fixed(T0))

    async def test_approving_publishes_the_comment_and_counts_it(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        assert await counters(db, comment["consultation_id"]) == EMPTY_COUNTERS
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(db, ZHANG, item["_id"], DecisionInput(Action.APPROVE, None), now=fixed(T0))

        assert await comment_state(db, comment["_id"]) == {
            "status": "PUBLISHED",
            "visible_to": "public",
            "text": comment["text"],
        }
        assert await counters(db, comment["consultation_id"]) == {
            "comments": 1,
            "commenters": 1,
            "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 1},
        }

    async def test_the_decision_is_stored_and_the_lease_freed(self, db: Database) -> None:
        _, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(
            db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "off_topic", "与条款无关"), now=fixed(T0)
        )

        decided = await stored(db, item["_id"])
        assert (decided["status"], decided["lease_owner"], decided["lease_until"]) == ("DECIDED", None, FREE)
        assert decided["decision"] == {
            "action": "REJECT",
            "reason_code": "off_topic",
            "note": "与条款无关",
            "moderator_id": ZHANG.person_id,
            "at": T0,
            "redactions": [],
            "merge_into": None,
        }

    async def test_rejecting_keeps_the_comment_invisible_and_uncounted(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "off_topic"), now=fixed(T0))

        assert await comment_state(db, comment["_id"]) == {
            "status": "REJECTED",
            "visible_to": str(AUTHOR.person_id),
            "text": comment["text"],
        }
        assert await counters(db, comment["consultation_id"]) == EMPTY_COUNTERS

    async def test_the_author_is_told_the_reason(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(
            db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "advertising", "staff only"), now=fixed(T0)
        )

        event = await OUTBOX.of(db).find_one({"_id": f"moderation.decision:{item['_id']}:1"})
        assert event is not None
        assert (event["kind"], event["payload"]) == (
            "moderation.decision",
            {
                "person_id": AUTHOR.person_id,
                "item_id": item["_id"],
                "content_kind": "consultation_comment",
                "ref_id": comment["_id"],
                "action": "REJECT",
                "reason_code": "advertising",
            },
        )
        assert "_outbox" not in await stored(db, item["_id"])

    async def test_the_decision_is_audited(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "spam"), now=fixed(T0))

        entries = await AUDIT_LOG.of(db).find({}).to_list()
        assert [(e["actor_id"], e["action"], e["subject"], e["details"]) for e in entries] == [
            (
                ZHANG.person_id,
                "moderation.decision",
                {"kind": "consultation_comment", "id": comment["_id"]},
                {
                    "item_id": item["_id"],
                    "action": "REJECT",
                    "reason_code": "spam",
                    "note": None,
                    "redactions": [],
                    "merge_into": None,
                },
            )
        ]

    async def test_hiding_a_published_comment_leaves_a_tombstone_and_uncounts_it(self, db: Database) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        new = NewComment(consultation["_id"], None, Stance.OPPOSE, "反对，楼下停车已经很挤了。")
        comment = await submit_comment(db, AUTHOR, new)
        assert comment["status"] == "PUBLISHED"
        # Published content reaches the queue later, e.g. when it is reported.
        item = await enqueue(
            db, kind=CONSULTATION_COMMENT, ref_id=comment["_id"], author_id=comment["author_id"], reasons=[]
        )
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(db, ZHANG, item["_id"], DecisionInput(Action.HIDE, "personal_data"), now=fixed(T0))

        hidden = await COMMENTS.of(db).find_one({"_id": comment["_id"]})
        assert hidden is not None
        assert (hidden["status"], hidden["visible_to"], hidden["text"]) == ("REJECTED", "public", None)
        assert hidden["hidden"] == {
            "text": comment["text"],
            "reason_code": "personal_data",
            "pending_review": False,
            "at": T0,
        }
        assert await counters(db, consultation["_id"]) == EMPTY_COUNTERS

    async def test_escalating_hands_the_item_to_admins_only(self, db: Database) -> None:
        comment, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))

        await decide(
            db, ZHANG, item["_id"], DecisionInput(Action.ESCALATE, "other", "法律问题"), now=fixed(T0)
        )

        assert await claim_next(db, LI, LEASE, now=fixed(T0)) is None
        admin = Actor(person_id=ObjectId(), role=Role.ADMIN)
        claimed = await claim_next(db, admin, LEASE, now=fixed(T0))
        assert claimed is not None
        assert (claimed["_id"], claimed["status"], claimed["audience"]) == (item["_id"], "OPEN", "admin")
        assert (await comment_state(db, comment["_id"]))["status"] == "PENDING"


class TestAppeal:
    async def test_the_author_appeals_once_only(self, db: Database) -> None:
        _, item = await rejected_and_appealed(db)

        with pytest.raises(Conflict, match="already appealed"):
            await appeal(db, AUTHOR, item["_id"], "再次申诉。")

        stored_item = await stored(db, item["_id"])
        assert stored_item["status"] == "APPEALED"
        assert stored_item["appeal"]["text"] == "我的意见与充电设施直接相关。"

    async def test_only_the_author_can_appeal(self, db: Database) -> None:
        _, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))
        await decide(db, ZHANG, item["_id"], DecisionInput(Action.REJECT, "spam"), now=fixed(T0))
        stranger = Actor(person_id=ObjectId(), role=Role.CITIZEN)

        with pytest.raises(Forbidden, match="only the author can appeal"):
            await appeal(db, stranger, item["_id"], "这不是垃圾信息。")

    async def test_an_approval_cannot_be_appealed(self, db: Database) -> None:
        _, item = await queued_comment(db)
        await claim_next(db, ZHANG, LEASE, now=fixed(T0))
        await decide(db, ZHANG, item["_id"], DecisionInput(Action.APPROVE, None), now=fixed(T0))

        with pytest.raises(Conflict, match="only a rejection, a hidden or a redacted item can be appealed"):
            await appeal(db, AUTHOR, item["_id"], "请求复核。")

    async def test_the_original_moderator_cannot_decide_the_appeal(self, db: Database) -> None:
        _, item = await rejected_and_appealed(db)

        with pytest.raises(Forbidden, match="the original moderator cannot decide the appeal"):
            await decide_appeal(db, ZHANG, item["_id"], uphold=False)

        assert (await stored(db, item["_id"]))["status"] == "APPEALED"

    async def test_another_moderator_upholds_and_the_author_is_told(self, db: Database) -> None:
        comment, item = await rejected_and_appealed(db)
        later = T0 + dt.timedelta(hours=1)

        await decide_appeal(db, LI, item["_id"], uphold=True, note="确与条款无关", now=fixed(later))

        closed = await stored(db, item["_id"])
        assert closed["status"] == "CLOSED"
        assert closed["appeal"]["decision"] == {
            "upheld": True,
            "note": "确与条款无关",
            "moderator_id": LI.person_id,
            "at": later,
        }
        event = await OUTBOX.of(db).find_one({"_id": f"moderation.appeal_decided:{item['_id']}:1"})
        assert event is not None
        assert (
            event["payload"]["person_id"],
            event["payload"]["upheld"],
            event["payload"]["reason_code"],
        ) == (
            AUTHOR.person_id,
            True,
            "off_topic",
        )
        assert (await comment_state(db, comment["_id"]))["status"] == "REJECTED"

    async def test_an_overturned_rejection_publishes_the_comment(self, db: Database) -> None:
        comment, item = await rejected_and_appealed(db)

        await decide_appeal(db, LI, item["_id"], uphold=False, now=fixed(T0 + dt.timedelta(hours=1)))

        assert await comment_state(db, comment["_id"]) == {
            "status": "PUBLISHED",
            "visible_to": "public",
            "text": comment["text"],
        }
        assert (await counters(db, comment["consultation_id"]))["comments"] == 1


class TestReasons:
    async def test_the_built_in_codes_are_there_from_the_start(self, db: Database) -> None:
        assert await reason_codes(db) == [
            "abuse",
            "advertising",
            "duplicate",
            "off_topic",
            "other",
            "personal_data",
            "spam",
        ]

    async def test_an_admin_adds_one_code_and_retires_another(self, db: Database) -> None:
        admin = Actor(person_id=ObjectId(), role=Role.ADMIN)

        await set_reason(db, admin, "misinformation", "Misinformation")
        await set_reason(db, admin, "advertising", "Advertising", active=False)

        codes = await reason_codes(db)
        assert "misinformation" in codes and "advertising" not in codes

    async def test_a_moderator_cannot_edit_the_list(self, db: Database) -> None:
        with pytest.raises(Forbidden, match="only admin may do this"):
            await set_reason(db, ZHANG, "misinformation", "Misinformation")
