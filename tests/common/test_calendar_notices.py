"""A year without published holidays: deadlines keep working (weekends only), and it is said loudly —
in the log, in `/readyz`, and in every admin's inbox, once per year."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from api.workers import HANDLERS, sweep_deadlines
from models.common.actors import Role
from models.common.calendar import BusinessCalendar, load_calendar
from models.common.calendar_notices import CALENDAR_NOTICES, notify_missing_years
from models.common.clock import utcnow
from models.common.outbox_worker import OutboxWorker
from models.identity.documents import PEOPLE, Status
from models.notifications.documents import NOTIFICATIONS
from tests.consultations.drafts import make_city, make_open, official_headers
from tests.consultations.test_lifecycle import CLOSE, gid
from tests.support.factories import bearer, make_staff, sign_in
from tests.support.graphql_client import client_for, running_app, settings_for_tests

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Midnight of 4 December 2026 in Shanghai: 2027's deadlines come within the horizon, its holidays are unknown.
PAST_THE_LAST_YEAR = dt.datetime(2026, 12, 4, 0, 30, tzinfo=SHANGHAI)

INBOX = """
{ notifications(first: 5) { unreadCount edges { node { category title body link about { id } } } } }
"""


def calendar_covering(tmp_path: Path, *years: int) -> Path:
    """A calendar file whose data ends before today, whatever today is (years without holidays)."""
    path = tmp_path / "calendar.json"
    data = {"source": "test", "time_zone": "Asia/Shanghai", "years": {str(year): [] for year in years}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


async def handle_events(db) -> None:
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS))
    await worker.sweep()
    await worker.drain()


class TestAdminNotice:
    async def test_every_active_admin_is_told_once_when_the_clock_passes_the_last_covered_year(
        self, db
    ) -> None:
        admin = await make_staff(db, "admin@linchuan.gov.cn", Role.ADMIN)
        second = await make_staff(db, "second.admin@linchuan.gov.cn", Role.ADMIN)
        gone = await make_staff(db, "former.admin@linchuan.gov.cn", Role.ADMIN)
        await PEOPLE.of(db).update_one({"_id": gone["_id"]}, {"$set": {"status": Status.DISABLED.value}})
        moderator = await make_staff(db, "moderator@linchuan.gov.cn", Role.MODERATOR)
        calendar = load_calendar(strict=False)

        first = await notify_missing_years(db, calendar, PAST_THE_LAST_YEAR)
        again = await notify_missing_years(db, calendar, PAST_THE_LAST_YEAR + dt.timedelta(days=1))
        await handle_events(db)

        assert (first, again) == ([2027], [])
        told = await NOTIFICATIONS.of(db).find({}, {"person_id": 1, "category": 1, "params": 1}).to_list()
        assert sorted(notice["person_id"] for notice in told) == sorted([admin["_id"], second["_id"]])
        assert {(notice["category"], notice["params"]["year"]) for notice in told} == {("account", "2027")}
        assert moderator["_id"] not in {notice["person_id"] for notice in told}

    async def test_the_admin_reads_it_in_the_inbox(self, db) -> None:
        admin = await make_staff(db, "admin@linchuan.gov.cn", Role.ADMIN)
        await notify_missing_years(db, load_calendar(strict=False), PAST_THE_LAST_YEAR)
        await handle_events(db)

        async with running_app(db) as app, client_for(app) as gql:
            response = await gql.execute(INBOX, headers=bearer(await sign_in(db, admin)))

        inbox = response.data["notifications"]
        assert inbox["unreadCount"] == 1
        assert inbox["edges"] == [
            {
                "node": {
                    "category": "ACCOUNT",
                    "title": "节假日日历缺少2027年的安排",
                    "body": "业务日日历尚未收录2027年的法定节假日和调休安排，期限目前只按周末计算。"
                    "请在国务院办公厅公布后将该年安排加入日历文件。",
                    "link": "townhall://admin/calendar",
                    "about": None,
                }
            }
        ]

    async def test_a_covered_horizon_notices_nothing(self, db) -> None:
        await make_staff(db, "admin@linchuan.gov.cn", Role.ADMIN)
        in_2025 = dt.datetime(2025, 6, 1, tzinfo=SHANGHAI)

        assert await notify_missing_years(db, load_calendar(strict=False), in_2025) == []
        assert await CALENDAR_NOTICES.of(db).count_documents({}) == 0

    async def test_the_worker_sweep_notices_the_years_the_configured_calendar_lacks(
        self, db, tmp_path: Path
    ) -> None:
        await make_staff(db, "admin@linchuan.gov.cn", Role.ADMIN)
        calendar = settings_for_tests(
            calendar_file=calendar_covering(tmp_path, 2024, 2025)
        ).business_calendar()

        swept = await sweep_deadlines(db, calendar, 20)
        again = await sweep_deadlines(db, calendar, 20)

        this_year = calendar.local_date(utcnow()).year
        assert swept["calendar_years_noticed"] >= 1 and again["calendar_years_noticed"] == 0
        noticed = {notice["year"] for notice in await CALENDAR_NOTICES.of(db).find({}).to_list()}
        assert this_year in noticed and noticed == set(calendar.missing_years(utcnow()))


class TestDeadlinesKeepWorking:
    async def test_closing_a_consultation_in_a_year_without_holidays_counts_weekends_only(
        self, db, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        settings = settings_for_tests(calendar_file=calendar_covering(tmp_path, 2024, 2025))
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")

        with caplog.at_level("WARNING", logger="townhall.calendar"):
            async with running_app(db, settings) as app, client_for(app) as gql:
                result = await gql.execute(CLOSE, {"input": {"id": gid(consultation)}}, headers=housing)

        closed = result.data["closeConsultation"]["consultation"]
        closed_at = dt.datetime.fromisoformat(closed["closedAt"])
        weekends_only = BusinessCalendar(time_zone="Asia/Shanghai", strict=False)  # no holiday at all
        assert dt.datetime.fromisoformat(closed["reportDueAt"]) == weekends_only.add_business_days(
            closed_at, 20
        ).replace(microsecond=999000)
        assert any("no holiday data for" in record.getMessage() for record in caplog.records)


class TestSaidLoudly:
    async def test_readyz_stays_ready_and_names_the_missing_years(self, db, tmp_path: Path) -> None:
        settings = settings_for_tests(calendar_file=calendar_covering(tmp_path, 2024, 2025))
        async with running_app(db, settings) as app, client_for(app) as gql:
            response = await gql.http.get("/readyz")

        body = response.json()
        this_year = load_calendar(strict=False).local_date(utcnow()).year
        assert response.status_code == 200 and body["status"] == "ready"
        assert body["calendar"]["coveredYears"] == [2024, 2025]
        assert this_year in body["calendar"]["missingYears"]
        years = ", ".join(map(str, body["calendar"]["missingYears"]))
        assert body["warnings"] == [
            f"the business calendar has no holiday data for {years}:"
            " deadlines there count weekends only; add the official schedule to the calendar file"
            " (TOWNHALL_CALENDAR_FILE)"
        ]

    async def test_readyz_has_no_warning_when_the_horizon_is_covered(self, db, tmp_path: Path) -> None:
        this_year = load_calendar(strict=False).local_date(utcnow()).year
        years = range(this_year - 1, this_year + 3)
        settings = settings_for_tests(calendar_file=calendar_covering(tmp_path, *years))
        async with running_app(db, settings) as app, client_for(app) as gql:
            body = (await gql.http.get("/readyz")).json()

        assert body == {"status": "ready", "calendar": {"coveredYears": list(years), "missingYears": []}}

    async def test_start_up_logs_the_missing_years(
        self, db, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        settings = settings_for_tests(calendar_file=calendar_covering(tmp_path, 2024, 2025))
        with caplog.at_level("WARNING", logger="townhall.app"):
            async with running_app(db, settings):
                pass

        warnings = [record for record in caplog.records if record.name == "townhall.app"]
        assert len(warnings) == 1 and "no holiday data for" in warnings[0].getMessage()
