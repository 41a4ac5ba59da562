"""The monthly public transparency report of moderation: counts, speed, appeals, screening, caching."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from models.common.actors import Actor, Role
from models.common.db import Database
from models.common.errors import InvalidInput
from models.consultations.comment_moderation import CONSULTATION_COMMENT
from models.consultations.documents import CommentStatus
from models.moderation.appeals import appeal, decide_appeal
from models.moderation.content_kinds import Action
from models.moderation.decisions import DecisionInput, decide
from models.moderation.documents import MODERATION_ITEMS, TRANSPARENCY_REPORTS
from models.moderation.queue import claim_next, enqueue
from models.moderation.reports import ReportPolicy, report_content
from models.moderation.transparency import (
    MonthTally,
    TransparencyReport,
    check_month,
    held_by_screening,
    month_bounds,
    monthly_report,
    percentile,
)
from tests.consultations.drafts import fixed, insert_comment, make_city, make_open
from tests.support.graphql_client import GraphQLClient

SHANGHAI = "Asia/Shanghai"
CST = ZoneInfo(SHANGHAI)
ZHANG = Actor(person_id=ObjectId(), role=Role.MODERATOR)
LI = Actor(person_id=ObjectId(), role=Role.MODERATOR)
AUTHOR = Actor(person_id=ObjectId(), role=Role.CITIZEN)
LEASE = dt.timedelta(minutes=5)
MID_NOVEMBER = dt.datetime(2026, 11, 15, 12, 0, tzinfo=CST)

REPORT_QUERY = """
query ($year: Int!, $month: Int!) {
  moderationTransparencyReport(year: $year, month: $month) {
    year month timeZone decisions
    actions { key count }
    reasons { key label count }
    contentKinds { key count actions { key count } }
    medianSecondsToDecision p90SecondsToDecision
    appealsDecided appealsOverturned overturnedShare
    heldByScreening heldByScreeningApproved heldApprovedShare
    generatedAt final
  }
}
"""


def cst(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST).astimezone(dt.UTC)


class Queue:
    """Items decided through the real queue functions, on comments of one open consultation."""

    def __init__(self, db: Database, consultation: dict[str, object]) -> None:
        self.db = db
        self.consultation = consultation

    async def decided(
        self,
        created_at: dt.datetime,
        decided_at: dt.datetime,
        action: Action,
        reason_code: str | None,
        reasons: list[str],
    ) -> str:
        comment_id = await insert_comment(
            self.db, self.consultation, AUTHOR.person_id, None, status=CommentStatus.PENDING
        )
        item = await enqueue(
            self.db,
            kind=CONSULTATION_COMMENT,
            ref_id=comment_id,
            author_id=AUTHOR.person_id,
            reasons=reasons,
            now=fixed(created_at),
        )
        await self.decide(str(item["_id"]), decided_at, action, reason_code)
        return str(item["_id"])

    async def decide(
        self, item_id: str, decided_at: dt.datetime, action: Action, reason_code: str | None
    ) -> None:
        claimed = await claim_next(self.db, ZHANG, LEASE, now=fixed(decided_at))
        assert claimed is not None and claimed["_id"] == item_id
        await decide(self.db, ZHANG, item_id, DecisionInput(action, reason_code), now=fixed(decided_at))

    async def appealed(
        self, item_id: str, appealed_at: dt.datetime, decided_at: dt.datetime, *, uphold: bool
    ) -> None:
        await appeal(self.db, AUTHOR, item_id, "这条意见没有违反规则。", now=fixed(appealed_at))
        await decide_appeal(self.db, LI, item_id, uphold, now=fixed(decided_at))


async def queue_of(db: Database) -> Queue:
    city = await make_city(db)
    return Queue(db, await make_open(db, city["housing"], now=cst(10, 1, 9)))


async def october_and_november(db: Database) -> Queue:
    """Four decisions in October (CST), one just after midnight into November; two appeals."""
    queue = await queue_of(db)
    await queue.decided(cst(10, 5, 10), cst(10, 5, 10, 10), Action.APPROVE, None, ["personal_data:mobile"])
    abusive = await queue.decided(cst(10, 10, 9), cst(10, 10, 10), Action.REJECT, "abuse", ["lexicon:abuse"])
    await queue.decided(cst(10, 20, 8), cst(10, 20, 8, 30), Action.HIDE, "spam", ["premoderated"])
    # Raised by a citizen's report (no screening reasons), decided late on 31 October in Shanghai.
    last = await queue.decided(cst(10, 31, 23), cst(10, 31, 23, 30), Action.REJECT, "spam", [])
    await queue.decided(
        cst(10, 31, 23, 50), cst(11, 1, 0, 30), Action.APPROVE, None, ["personal_data:id_card"]
    )
    await queue.appealed(abusive, cst(10, 11, 8), cst(10, 12, 9), uphold=False)
    await queue.appealed(last, cst(11, 1, 8), cst(11, 2, 9), uphold=True)
    return queue


async def report_of(
    db: Database, year: int, month: int, at: dt.datetime = MID_NOVEMBER
) -> TransparencyReport:
    return await monthly_report(db, year, month, time_zone=SHANGHAI, now=fixed(at.astimezone(dt.UTC)))


class TestMonthlyReport:
    async def test_decisions_count_in_the_month_they_were_made_in_shanghai(self, db: Database) -> None:
        await october_and_november(db)

        october = await report_of(db, 2026, 10)
        november = await report_of(db, 2026, 11)

        assert (october.decisions, october.by_action) == (4, {"REJECT": 2, "APPROVE": 1, "HIDE": 1})
        assert october.by_reason == {"spam": 2, "abuse": 1}
        assert october.by_kind == {CONSULTATION_COMMENT: {"REJECT": 2, "APPROVE": 1, "HIDE": 1}}
        assert (november.decisions, november.by_action, november.by_reason) == (1, {"APPROVE": 1}, {})

    async def test_median_and_90th_percentile_of_time_to_decision(self, db: Database) -> None:
        await october_and_november(db)

        october = await report_of(db, 2026, 10)
        november = await report_of(db, 2026, 11)

        # October: 10, 60, 30 and 30 minutes.
        assert (october.median_seconds_to_decision, october.p90_seconds_to_decision) == (1800.0, 3600.0)
        assert (november.median_seconds_to_decision, november.p90_seconds_to_decision) == (2400.0, 2400.0)

    async def test_appeals_count_in_the_month_they_were_decided(self, db: Database) -> None:
        await october_and_november(db)

        october = await report_of(db, 2026, 10)
        november = await report_of(db, 2026, 11)

        assert (october.appeals_decided, october.appeals_overturned, october.overturned_share) == (1, 1, 1.0)
        assert (november.appeals_decided, november.appeals_overturned, november.overturned_share) == (
            1,
            0,
            0.0,
        )

    async def test_items_held_by_screening_and_the_share_approved(self, db: Database) -> None:
        await october_and_november(db)

        october = await report_of(db, 2026, 10)
        november = await report_of(db, 2026, 11)

        # Premoderated and reported items were not held by screening.
        assert (october.held_by_screening, october.held_by_screening_approved) == (2, 1)
        assert october.held_approved_share == 0.5
        assert (november.held_by_screening, november.held_approved_share) == (1, 1.0)

    async def test_a_month_without_decisions_has_no_median_and_no_shares(self, db: Database) -> None:
        await october_and_november(db)

        september = await report_of(db, 2026, 9)

        assert (september.decisions, september.by_action, september.by_kind) == (0, {}, {})
        assert (september.median_seconds_to_decision, september.p90_seconds_to_decision) == (None, None)
        assert (september.overturned_share, september.held_approved_share) == (None, None)

    async def test_a_reopened_items_earlier_decision_still_counts_in_its_month(self, db: Database) -> None:
        queue = await queue_of(db)
        item_id = await queue.decided(
            cst(10, 5, 10), cst(10, 5, 11), Action.APPROVE, None, ["personal_data:mobile"]
        )
        item = await MODERATION_ITEMS.of(db).find_one({"_id": item_id})
        assert item is not None
        reporter = Actor(person_id=ObjectId(), role=Role.CITIZEN)
        await report_content(
            db,
            reporter,
            CONSULTATION_COMMENT,
            item["ref_id"],
            "abuse",
            None,
            ReportPolicy(hide_after=None),
            now=fixed(cst(11, 3, 9)),
        )
        await queue.decide(item_id, cst(11, 3, 9, 45), Action.HIDE, "abuse")

        october = await report_of(db, 2026, 10)
        november = await report_of(db, 2026, 11)

        assert (october.by_action, october.median_seconds_to_decision) == ({"APPROVE": 1}, 3600.0)
        assert (october.held_by_screening, october.held_by_screening_approved) == (1, 1)
        # The second round was opened by a report at 09:00, and screening had no part in it.
        assert (november.by_action, november.median_seconds_to_decision) == ({"HIDE": 1}, 2700.0)
        assert november.held_by_screening == 0


class TestCaching:
    async def test_a_finished_month_is_stored_and_does_not_change(self, db: Database) -> None:
        await october_and_november(db)
        first = await report_of(db, 2026, 10)
        # Written directly with an October date after the month was reported: not counted any more.
        await MODERATION_ITEMS.of(db).insert_one(
            {
                "_id": "late",
                "kind": CONSULTATION_COMMENT,
                "reasons": [],
                "created_at": cst(10, 30, 9),
                "decided_at": cst(10, 30, 10),
                "decision": {"action": "REJECT", "reason_code": "spam", "at": cst(10, 30, 10)},
            }
        )

        again = await report_of(db, 2026, 10, at=MID_NOVEMBER + dt.timedelta(days=3))

        assert first.final and again.final
        assert again == first
        assert await TRANSPARENCY_REPORTS.of(db).count_documents({}) == 1

    async def test_the_current_month_reflects_new_decisions_after_a_few_minutes(self, db: Database) -> None:
        queue = await october_and_november(db)
        before = await report_of(db, 2026, 11)

        await queue.decided(cst(11, 10, 9), cst(11, 10, 9, 20), Action.REJECT, "off_topic", [])
        soon = await report_of(db, 2026, 11, MID_NOVEMBER + dt.timedelta(minutes=1))
        later = await report_of(db, 2026, 11, MID_NOVEMBER + dt.timedelta(minutes=6))

        assert (before.final, soon.final, later.final) == (False, False, False)
        assert (before.decisions, soon.decisions, later.decisions) == (1, 1, 2)
        assert later.by_reason == {"off_topic": 1}

    async def test_a_month_just_ended_is_not_final_for_a_few_minutes(self, db: Database) -> None:
        await october_and_november(db)

        settling = await report_of(db, 2026, 10, at=dt.datetime(2026, 11, 1, 0, 5, tzinfo=CST))
        settled = await report_of(db, 2026, 10, at=dt.datetime(2026, 11, 1, 0, 15, tzinfo=CST))

        assert (settling.final, settled.final) == (False, True)
        assert await TRANSPARENCY_REPORTS.of(db).count_documents({}) == 1


class TestRefusedMonths:
    async def test_a_future_month_is_refused(self, db: Database) -> None:
        with pytest.raises(InvalidInput, match="2026-12 has not begun") as refused:
            await report_of(db, 2026, 12)

        assert refused.value.field == "month"

    async def test_the_current_month_is_given_from_its_first_minute_in_shanghai(self, db: Database) -> None:
        # 16:30 UTC on 30 November is already 1 December in Shanghai.
        report = await report_of(db, 2026, 12, at=dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC))

        assert (report.decisions, report.final) == (0, False)

    @pytest.mark.parametrize(
        ("year", "month", "field"), [(2023, 12, "year"), (2026, 0, "month"), (2026, 13, "month")]
    )
    async def test_impossible_months_are_refused(
        self, db: Database, year: int, month: int, field: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            await report_of(db, year, month)

        assert refused.value.field == field


class TestGraphQL:
    async def test_anyone_can_read_a_months_report(self, gql: GraphQLClient, db: Database) -> None:
        await october_and_november(db)

        report = (await gql.data(REPORT_QUERY, {"year": 2026, "month": 10}))["moderationTransparencyReport"]

        generated_at = report.pop("generatedAt")
        assert dt.datetime.fromisoformat(generated_at).tzinfo is not None
        assert report == {
            "year": 2026,
            "month": 10,
            "timeZone": SHANGHAI,
            "decisions": 4,
            "actions": [
                {"key": "REJECT", "count": 2},
                {"key": "APPROVE", "count": 1},
                {"key": "HIDE", "count": 1},
            ],
            "reasons": [
                {"key": "spam", "label": "Spam", "count": 2},
                {"key": "abuse", "label": "Abusive or threatening", "count": 1},
            ],
            "contentKinds": [
                {
                    "key": CONSULTATION_COMMENT,
                    "count": 4,
                    "actions": [
                        {"key": "REJECT", "count": 2},
                        {"key": "APPROVE", "count": 1},
                        {"key": "HIDE", "count": 1},
                    ],
                }
            ],
            "medianSecondsToDecision": 1800.0,
            "p90SecondsToDecision": 3600.0,
            "appealsDecided": 1,
            "appealsOverturned": 1,
            "overturnedShare": 1.0,
            "heldByScreening": 2,
            "heldByScreeningApproved": 1,
            "heldApprovedShare": 0.5,
            "final": True,
        }

    async def test_a_future_month_is_refused_with_a_typed_error(self, gql: GraphQLClient) -> None:
        response = await gql.execute(REPORT_QUERY, {"year": 2999, "month": 1})

        assert response.data == {"moderationTransparencyReport": None}
        assert response.errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "month"}


class TestPureParts:
    def test_month_bounds_are_local_midnights_in_utc(self) -> None:
        assert month_bounds(2026, 12, SHANGHAI) == (
            dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC),
        )

    def test_check_month_uses_the_local_month_of_now(self) -> None:
        last_utc_minute_of_november = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC)

        check_month(2026, 12, SHANGHAI, last_utc_minute_of_november)
        with pytest.raises(InvalidInput):
            check_month(2026, 12, "Europe/London", last_utc_minute_of_november)

    def test_percentile_is_the_nearest_rank(self) -> None:
        values = [float(n) for n in range(1, 11)]

        assert [percentile(values, f) for f in (0.1, 0.5, 0.9, 1.0)] == [1.0, 5.0, 9.0, 10.0]
        assert percentile([7.0], 0.9) == 7.0
        assert percentile([], 0.5) is None

    def test_premoderation_alone_is_not_a_screening_hold(self) -> None:
        assert held_by_screening(["premoderated", "lexicon:spam"])
        assert not held_by_screening(["premoderated"])
        assert not held_by_screening([])

    def test_tally_by_kind_and_action(self) -> None:
        tally = MonthTally()
        t0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        for kind, action, minutes in (
            ("comment", "APPROVE", 1),
            ("comment", "HIDE", 3),
            ("question", "HIDE", 2),
        ):
            decision = {"action": action, "reason_code": None, "at": t0 + dt.timedelta(minutes=minutes)}
            item = {"kind": kind, "reasons": [], "created_at": t0, "round": 1, "decision": decision}
            tally.add_decision(item, item)
        undecided = {"kind": "comment", "reasons": [], "created_at": t0, "round": 1, "decision": None}
        tally.add_decision(undecided, undecided)

        report = tally.report(2026, 10, SHANGHAI, t0, final=True)

        assert report.by_kind == {"comment": {"APPROVE": 1, "HIDE": 1}, "question": {"HIDE": 1}}
        assert report.kind_totals() == {"comment": 2, "question": 1}
        assert report.median_seconds_to_decision == 120.0
