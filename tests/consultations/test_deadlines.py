"""The automatic steps: scheduled drafts open, due consultations close with a report deadline in
business days, and an overdue report is flagged and escalated once."""

from __future__ import annotations

import datetime as dt

import pytest

from models.common.calendar import load_calendar
from models.common.errors import InvalidInput
from models.common.outbox import OUTBOX
from models.consultations import deadlines, service
from models.consultations.documents import CONSULTATION_VERSIONS, CONSULTATIONS
from tests.consultations.drafts import SCOPE, at, fixed, make_city, make_draft, make_open, official

CALENDAR = load_calendar()
SEPT_1 = at("2025-09-01T09:00:00+08:00")
SEPT_30_10AM = at("2025-09-30T10:00:00+08:00")


async def stored(db, document: dict) -> dict:
    return await CONSULTATIONS.of(db).find_one({"_id": document["_id"]})


class TestOpenDue:
    async def test_a_scheduled_draft_opens_at_its_time_and_not_before(self, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        opening = at("2025-09-08T09:00:00+08:00")
        await service.publish(db, official(city["housing"]), draft["_id"], SCOPE, opening, now=fixed(SEPT_1))

        unscheduled = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)

        early = await deadlines.open_due(db, opening - dt.timedelta(seconds=1))
        on_time = await deadlines.open_due(db, opening + dt.timedelta(minutes=1))
        again = await deadlines.open_due(db, opening + dt.timedelta(minutes=2))

        assert (early, on_time, again) == (0, 1, 0)
        opened = await stored(db, draft)
        assert opened["stage"] == "OPEN"
        assert opened["published_at"] == opened["opens_at"] == opening
        assert opened["publish_at"] is None
        assert await CONSULTATION_VERSIONS.of(db).count_documents({"consultation_id": draft["_id"]}) == 1
        assert (await stored(db, unscheduled))["stage"] == "DRAFT"

    async def test_opening_tells_the_followers_once(self, db) -> None:
        city = await make_city(db)
        scheduled = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        opening = at("2025-09-08T09:00:00+08:00")
        await service.publish(
            db, official(city["housing"]), scheduled["_id"], SCOPE, opening, now=fixed(SEPT_1)
        )
        right_away = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        await service.publish(db, official(city["housing"]), right_away["_id"], SCOPE, now=fixed(SEPT_1))

        await deadlines.open_due(db, opening + dt.timedelta(minutes=1))
        await deadlines.open_due(db, opening + dt.timedelta(minutes=2))

        events = await OUTBOX.of(db).find({"kind": "consultation.opened"}).sort("created_at", 1).to_list()
        assert [(e["payload"]["consultation_id"], e["payload"]["department_id"]) for e in events] == [
            (right_away["_id"], city["housing"]["_id"]),
            (scheduled["_id"], city["housing"]["_id"]),
        ]

    async def test_a_scheduled_drafts_opening_moves_with_an_edit_but_not_into_the_past(self, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        actor = official(city["housing"])
        await service.publish(
            db, actor, draft["_id"], SCOPE, at("2025-09-08T09:00:00+08:00"), now=fixed(SEPT_1)
        )
        later = at("2025-09-10T09:00:00+08:00")

        edited = await service.edit_draft(
            db, actor, draft["_id"], 1, service.DraftChanges(opens_at=later), SCOPE, now=fixed(SEPT_1)
        )
        with pytest.raises(InvalidInput, match="opens in the future") as refused:
            await service.edit_draft(
                db, actor, draft["_id"], 2, service.DraftChanges(opens_at=SEPT_1), SCOPE, now=fixed(SEPT_1)
            )

        assert edited["publish_at"] == edited["opens_at"] == later
        assert refused.value.field == "opensAt"

    async def test_a_withdrawn_scheduled_draft_never_opens(self, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        opening = at("2025-09-08T09:00:00+08:00")
        await service.publish(db, official(city["housing"]), draft["_id"], SCOPE, opening, now=fixed(SEPT_1))
        await service.withdraw(db, official(city["housing"]), draft["_id"], "暂缓", SCOPE, now=fixed(SEPT_1))

        assert await deadlines.open_due(db, opening + dt.timedelta(days=1)) == 0
        assert (await stored(db, draft))["stage"] == "WITHDRAWN"


class TestCloseDue:
    async def test_closes_only_the_due_ones_with_the_report_due_in_business_days(self, db) -> None:
        city = await make_city(db)
        due = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        later = await make_open(db, city["housing"], now=SEPT_1, closes_at=at("2025-10-20T10:00:00+08:00"))
        draft = await make_draft(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)

        closed = await deadlines.close_due(db, CALENDAR, at("2025-09-30T12:00:00+08:00"))

        assert closed == 1
        document = await stored(db, due)
        assert document["stage"] == "CLOSED"
        # Closed at its closing time, not when the sweep ran.
        assert document["closed_at"] == SEPT_30_10AM
        # 20 business days from 30 September: National Day (1–8 October) is off and Saturday
        # 11 October is a working day, so the last day is Tuesday 4 November, to its end in Beijing.
        assert document["report_due_at"] == dt.datetime(2025, 11, 4, 15, 59, 59, 999000, tzinfo=dt.UTC)
        assert (await stored(db, later))["stage"] == "OPEN"
        assert (await stored(db, draft))["stage"] == "DRAFT"
        assert await deadlines.close_due(db, CALENDAR, at("2025-09-30T12:00:00+08:00")) == 0

    async def test_an_extended_consultation_stays_open(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        await service.extend(
            db,
            official(city["housing"]),
            consultation["_id"],
            at("2025-10-15T18:00:00+08:00"),
            "国庆假期顺延",
            SCOPE,
            now=fixed(at("2025-09-29T09:00:00+08:00")),
        )

        assert await deadlines.close_due(db, CALENDAR, at("2025-09-30T12:00:00+08:00")) == 0
        assert (await stored(db, consultation))["stage"] == "OPEN"


class TestOverdueReports:
    async def test_flags_once_and_escalates_to_the_supervising_department(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        await deadlines.close_due(db, CALENDAR, at("2025-09-30T12:00:00+08:00"))
        due = at("2025-11-04T23:59:59.999+08:00")

        before = await deadlines.flag_overdue_reports(db, due - dt.timedelta(hours=1))
        after = await deadlines.flag_overdue_reports(db, due + dt.timedelta(hours=1))
        again = await deadlines.flag_overdue_reports(db, due + dt.timedelta(days=3))

        assert (before, after, again) == (0, 1, 0)
        assert (await stored(db, consultation))["report_overdue"] is True
        events = await OUTBOX.of(db).find({"kind": "consultation.report_overdue"}).to_list()
        assert [(event["_id"], event["kind"]) for event in events] == [
            (f"report-overdue:{consultation['_id']}", "consultation.report_overdue")
        ]
        assert events[0]["payload"] == {
            "consultation_id": consultation["_id"],
            "department_id": city["housing"]["_id"],
            "supervising_department_id": city["city-office"]["_id"],
            "report_due_at": dt.datetime(2025, 11, 4, 15, 59, 59, 999000, tzinfo=dt.UTC),
        }

    async def test_open_and_concluded_consultations_are_not_flagged(self, db) -> None:
        city = await make_city(db)
        await make_open(db, city["housing"], now=SEPT_1, closes_at=at("2025-12-31T18:00:00+08:00"))
        concluded = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)
        await deadlines.close_due(db, CALENDAR, at("2025-09-30T12:00:00+08:00"))
        # Stands for a published adoption report (built elsewhere).
        await CONSULTATIONS.of(db).update_one({"_id": concluded["_id"]}, {"$set": {"stage": "CONCLUDED"}})

        assert await deadlines.flag_overdue_reports(db, at("2025-12-01T09:00:00+08:00")) == 0
        assert await OUTBOX.of(db).count_documents({"kind": "consultation.report_overdue"}) == 0

    async def test_one_pass_runs_every_step(self, db) -> None:
        city = await make_city(db)
        await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)

        first = await deadlines.run_deadlines(db, CALENDAR, at("2025-09-30T12:00:00+08:00"))
        second = await deadlines.run_deadlines(db, CALENDAR, at("2025-11-05T09:00:00+08:00"))

        assert first == {"opened": 0, "closed": 1, "flagged": 0}
        assert second == {"opened": 0, "closed": 0, "flagged": 1}


class TestClosingByHand:
    async def test_past_its_closing_time_it_closed_then(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)

        closed = await service.close(
            db,
            official(city["housing"]),
            consultation["_id"],
            SCOPE,
            CALENDAR,
            now=fixed(at("2025-10-02T10:00:00+08:00")),
        )

        assert closed["closed_at"] == SEPT_30_10AM
        assert closed["report_due_at"] == dt.datetime(2025, 11, 4, 15, 59, 59, 999000, tzinfo=dt.UTC)

    async def test_the_report_days_are_a_parameter(self, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"], now=SEPT_1, closes_at=SEPT_30_10AM)

        closed = await service.close(
            db,
            official(city["housing"]),
            consultation["_id"],
            SCOPE,
            CALENDAR,
            report_days=5,
            now=fixed(at("2025-09-26T10:00:00+08:00")),
        )

        # Friday 26 September + 5 business days: Sunday 28 (worked), Monday 29, Tuesday 30,
        # then National Day until 8 October: Thursday 9 and Friday 10 October.
        assert closed["report_due_at"] == dt.datetime(2025, 10, 10, 15, 59, 59, 999000, tzinfo=dt.UTC)
