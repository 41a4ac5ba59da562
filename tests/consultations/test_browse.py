"""Browsing consultations: newest first with cursors, filters, drafts only for their officials, and
search in Chinese by character bigrams."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson import ObjectId

from models.common.actors import ANONYMOUS, Actor, Role
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.common.pagination import PageArgs, PageBounds
from models.consultations import report, service
from models.consultations.clauses import ClauseText
from models.consultations.comments import NewComment, submit_comment
from models.consultations.documents import Outcome, Stance
from models.consultations.policy import may_read
from models.consultations.repository import page_consultations
from models.consultations.repository.browse import ConsultationFilter, browse
from models.consultations.search import search_terms
from tests.consultations.comment_support import gid
from tests.consultations.drafts import (
    SCOPE,
    at,
    fixed,
    make_city,
    make_draft,
    make_open,
    official,
    official_headers,
)
from tests.support.command_log import CommandLog
from tests.support.factories import bearer, make_citizen, sign_in
from tests.support.graphql_client import GraphQLClient, service_calendar

LIST = """
query ($first: Int, $after: String, $last: Int, $before: String, $stage: ConsultationStage,
       $department: String, $district: String, $topic: String, $search: String, $closingWithinDays: Int) {
  consultations(first: $first, after: $after, last: $last, before: $before, stage: $stage,
                departmentCode: $department, districtCode: $district, topicCode: $topic, search: $search,
                closingWithinDays: $closingWithinDays) {
    edges { cursor node { title stage department { code } districts { code } topics { code } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def titles(gql: GraphQLClient, headers: dict[str, str] | None = None, **variables: Any) -> list[str]:
    result = await gql.execute(LIST, variables, headers=headers)
    assert not result.errors, result.errors
    return [edge["node"]["title"] for edge in result.data["consultations"]["edges"]]


async def numbered(db: Database, city: dict[str, Document], count: int, **fields: Any) -> list[Document]:
    return [await make_open(db, city["housing"], title=f"征求意见 {n}", **fields) for n in range(count)]


class TestPaging:
    async def test_pages_newest_first_with_cursors_both_ways(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        await numbered(db, city, 5)

        first = await gql.data(LIST, {"first": 2})
        second = await gql.data(LIST, {"first": 2, "after": first["consultations"]["pageInfo"]["endCursor"]})
        third = await gql.data(LIST, {"first": 2, "after": second["consultations"]["pageInfo"]["endCursor"]})
        back = await gql.data(LIST, {"last": 2, "before": third["consultations"]["pageInfo"]["startCursor"]})

        pages = [
            [edge["node"]["title"] for edge in page["consultations"]["edges"]]
            for page in (first, second, third)
        ]
        assert pages == [["征求意见 4", "征求意见 3"], ["征求意见 2", "征求意见 1"], ["征求意见 0"]]
        assert first["consultations"]["pageInfo"]["hasNextPage"] is True
        assert third["consultations"]["pageInfo"]["hasNextPage"] is False
        assert [edge["node"]["title"] for edge in back["consultations"]["edges"]] == [
            "征求意见 2",
            "征求意见 1",
        ]

    async def test_a_forged_cursor_is_refused(self, gql: GraphQLClient, db) -> None:
        await make_city(db)

        result = await gql.execute(LIST, {"first": 2, "after": "not-a-cursor"})

        assert result.error_codes() == ["INVALID_INPUT"]

    async def test_the_page_loads_references_in_batches(
        self, gql: GraphQLClient, db, command_log: CommandLog
    ) -> None:
        city = await make_city(db)
        await numbered(db, city, 6, district_codes=["donghu", "xihu"], topic_codes=["e-bikes"])

        with command_log.count() as two:
            await gql.data(LIST, {"first": 2})
        with command_log.count() as six:
            await gql.data(LIST, {"first": 6})

        # consultations, departments, districts, topics: one query each, whatever the page size.
        assert six.named("find") == two.named("find") == 4


class TestFilters:
    async def test_by_stage_department_district_and_topic(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        await make_open(
            db, city["housing"], title="住建 东湖", district_codes=["donghu"], topic_codes=["e-bikes"]
        )
        closing = await make_open(db, city["housing"], title="住建 西湖", district_codes=["xihu"])
        await make_open(db, city["transport"], title="交通 东湖", district_codes=["donghu", "xihu"])
        await service.close(db, official(city["housing"]), closing["_id"], SCOPE, service_calendar())

        assert await titles(gql, stage="CLOSED") == ["住建 西湖"]
        assert await titles(gql, stage="OPEN") == ["交通 东湖", "住建 东湖"]
        assert await titles(gql, department="transport") == ["交通 东湖"]
        assert await titles(gql, district="xihu") == ["交通 东湖", "住建 西湖"]
        assert await titles(gql, district="donghu", department="housing") == ["住建 东湖"]
        assert await titles(gql, topic="e-bikes") == ["住建 东湖"]

    async def test_an_unknown_code_is_not_found(self, gql: GraphQLClient, db) -> None:
        await make_city(db)

        result = await gql.execute(LIST, {"department": "nowhere"})

        assert result.error_codes() == ["NOT_FOUND"]


class TestClosingSoon:
    async def test_keeps_those_open_now_and_closing_within_the_days(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        now = utcnow()
        for title, days in (("明天截止", 1), ("后天截止", 2.5), ("十天后截止", 10)):
            await make_open(db, city["housing"], title=title, closes_at=now + dt.timedelta(days=days))
        closed_early = await make_open(
            db, city["housing"], title="提前结束", closes_at=now + dt.timedelta(days=2)
        )
        await service.close(db, official(city["housing"]), closed_early["_id"], SCOPE, service_calendar())
        await make_draft(db, city["housing"], title="未发布", closes_at=now + dt.timedelta(days=2))

        assert await titles(gql, closingWithinDays=3) == ["后天截止", "明天截止"]
        assert await titles(gql, closingWithinDays=3, stage="OPEN") == ["后天截止", "明天截止"]
        assert await titles(gql, closingWithinDays=2) == ["明天截止"]
        assert await titles(gql, closingWithinDays=3, department="transport") == []
        assert await titles(gql, closingWithinDays=14) == ["十天后截止", "后天截止", "明天截止"]

    async def test_one_past_its_closing_time_is_not_closing_soon_before_the_sweep(self, db) -> None:
        city = await make_city(db)
        opened = at("2026-03-02T09:00:00+08:00")
        await make_open(db, city["housing"], now=opened, closes_at=opened + dt.timedelta(days=3))

        async def closing_soon(moment: str) -> int:
            page = await browse(
                db,
                ANONYMOUS,
                ConsultationFilter(closing_within_days=3),
                PageArgs(first=5),
                PageBounds(),
                SCOPE,
                now=fixed(at(moment)),
            )
            return len(page.items)

        assert await closing_soon("2026-03-02T09:00:00+08:00") == 1  # closes exactly 3 days later
        assert await closing_soon("2026-03-05T08:59:00+08:00") == 1
        assert await closing_soon("2026-03-05T09:00:00+08:00") == 0  # still OPEN in storage, but closed

    @pytest.mark.parametrize(
        ("variables", "why"),
        [
            ({"closingWithinDays": 0}, "give 1–366 days"),
            ({"closingWithinDays": 367}, "give 1–366 days"),
            ({"closingWithinDays": 3, "stage": "CLOSED"}, "only open consultations are closing"),
            ({"closingWithinDays": 3, "stage": "DRAFT"}, "only open consultations are closing"),
        ],
    )
    async def test_a_day_count_out_of_range_or_another_stage_is_refused(
        self, gql: GraphQLClient, db, variables: dict[str, Any], why: str
    ) -> None:
        await make_city(db)

        result = await gql.execute(LIST, variables)

        assert result.error_codes() == ["INVALID_INPUT"]
        assert why in result.errors[0]["message"]


CONSULTATION_REPORT = """
query ($id: ID!) {
  consultation(id: $id) {
    stage
    report {
      summary changedClauseIds commentCount adoptedShare
      outcomes { adopted partlyAdopted notAdopted noted }
    }
  }
  adoptionReport(consultationId: $id) { summary commentCount }
}
"""
LISTED_REPORTS = """
query { consultations(first: 5) { edges { node { title report { commentCount } } } } }
"""


async def concluded(db: Database, city: dict[str, Document], title: str = "已办结") -> Document:
    """An open consultation with one comment, closed, its comment adopted, and its report published."""
    consultation = await make_open(db, city["housing"], title=title)
    resident = Actor(person_id=ObjectId(), role=Role.CITIZEN)
    comment = await submit_comment(
        db, resident, NewComment(consultation["_id"], "c2", Stance.SUGGESTION, "建议每栋楼配一个充电点。")
    )
    housing = official(city["housing"])
    await service.close(db, housing, consultation["_id"], SCOPE, service_calendar())
    await report.set_comment_outcome(db, housing, comment["_id"], Outcome.ADOPTED, "第二条已修改。", SCOPE)
    return await report.publish_report(db, housing, consultation["_id"], "采纳1条。", ["c2"], SCOPE)


class TestReport:
    async def test_a_concluded_consultation_carries_its_adoption_report(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await concluded(db, city)

        data = await gql.data(CONSULTATION_REPORT, {"id": gid("Consultation", consultation)})

        assert data["consultation"] == {
            "stage": "CONCLUDED",
            "report": {
                "summary": "采纳1条。",
                "changedClauseIds": ["c2"],
                "commentCount": 1,
                "adoptedShare": 1.0,
                "outcomes": {"adopted": 1, "partlyAdopted": 0, "notAdopted": 0, "noted": 0},
            },
        }
        # The standalone query stays, and says the same.
        assert data["adoptionReport"] == {"summary": "采纳1条。", "commentCount": 1}

    async def test_the_report_is_null_until_it_is_published(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        open_one = await make_open(db, city["housing"], title="征求意见中")
        await concluded(db, city)

        data = await gql.data(CONSULTATION_REPORT, {"id": gid("Consultation", open_one)})
        listed = await gql.data(LISTED_REPORTS)

        assert data == {"consultation": {"stage": "OPEN", "report": None}, "adoptionReport": None}
        assert [
            (edge["node"]["title"], edge["node"]["report"]) for edge in listed["consultations"]["edges"]
        ] == [
            ("已办结", {"commentCount": 1}),
            ("征求意见中", None),
        ]


class TestDrafts:
    async def test_drafts_are_listed_only_for_their_departments_officials(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        await make_draft(db, city["housing"], title="住建草稿")
        await make_draft(db, city["transport"], title="交通草稿")
        await make_open(db, city["housing"], title="已发布")
        housing = await official_headers(db, "housing")
        citizen = bearer(await sign_in(db, await make_citizen(db)))

        assert await titles(gql) == ["已发布"]
        assert await titles(gql, housing) == ["已发布"]  # drafts are asked for by stage
        assert await titles(gql, housing, stage="DRAFT") == ["住建草稿"]
        refused = await gql.execute(LIST, {"stage": "DRAFT", "department": "transport"}, headers=housing)
        assert refused.error_codes() == ["FORBIDDEN"]
        as_citizen = await gql.execute(LIST, {"stage": "DRAFT"}, headers=citizen)
        assert as_citizen.error_codes() == ["FORBIDDEN"]
        anonymous = await gql.execute(LIST, {"stage": "DRAFT"})
        assert anonymous.error_codes() == ["FORBIDDEN"]


class TestSearch:
    def test_terms_are_characters_bigrams_and_words(self) -> None:
        assert search_terms("电动车 E-Bike，２０２５年") == [
            "电",
            "电动",
            "动",
            "动车",
            "车",
            "e",
            "bike",
            "2025",
            "年",
        ]

    def test_terms_are_bounded(self) -> None:
        text = "".join(chr(0x4E00 + n) for n in range(5000))

        assert len(search_terms(text)) == 6000

    async def test_finds_a_chinese_phrase_from_the_text_and_not_an_absent_one(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        await make_open(
            db,
            city["housing"],
            title="电动自行车停放管理办法",
            clauses=[ClauseText("第五条", "住宅小区应当建设集中充电设施，鼓励安装智能充电桩。")],
        )
        await make_open(
            db,
            city["transport"],
            title="公交线路优化方案",
            summary="调整三条公交线路。",
            clauses=[ClauseText("第一条", "撤销12路，新开通环线公交。")],
        )
        await make_draft(db, city["housing"], title="智能充电桩草稿")

        assert await titles(gql, search="智能充电桩") == ["电动自行车停放管理办法"]
        assert await titles(gql, search="自行车停放") == ["电动自行车停放管理办法"]
        assert await titles(gql, search="公交线路") == ["公交线路优化方案"]
        assert await titles(gql, search="共享单车") == []
        assert await titles(gql, search="充电", department="transport") == []

    async def test_lists_leave_the_search_terms_out(self, db) -> None:
        city = await make_city(db)
        await make_open(db, city["housing"])

        for text in (None, "停放"):
            page = await page_consultations(db, {}, PageArgs(first=5), PageBounds(), text)
            assert len(page.items) == 1
            assert "search_terms" not in page.items[0] and page.items[0]["clauses"]

    async def test_a_search_without_letters_is_refused(self, gql: GraphQLClient, db) -> None:
        await make_city(db)

        result = await gql.execute(LIST, {"search": "，。！"})

        assert result.error_codes() == ["INVALID_INPUT"]


class TestReadingOne:
    @pytest.mark.parametrize("who", ["admin", "official", "other-official", "citizen"])
    async def test_a_draft_is_read_only_by_those_acting_for_its_department(self, db, who: str) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        actor = {
            "admin": Actor(person_id=ObjectId(), role=Role.ADMIN),
            "official": official(city["housing"]),
            "other-official": official(city["transport"]),
            "citizen": Actor(person_id=ObjectId(), role=Role.CITIZEN),
        }[who]

        assert may_read(actor, draft, city["housing"], SCOPE) is (who in ("admin", "official"))
