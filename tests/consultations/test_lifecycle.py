"""A consultation's life through the API: draft, edit, publish, extend, withdraw, close — and who may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson import ObjectId
from strawberry.relay import to_base64

from models.common.actors import Role
from models.common.clock import utcnow
from models.consultations.documents import CONSULTATION_VERSIONS, CONSULTATIONS
from tests.consultations.drafts import make_city, make_draft, make_open, official_headers
from tests.support.factories import bearer, make_citizen, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient, service_calendar

RESULT_FIELDS = """
    __typename
    ... on UserError { code message field }
"""
CONSULTATION_FIELDS = """
    id title summary stage version revision premoderated opensAt closesAt publishAt publishedAt
    closedAt reportDueAt reportOverdue withdrawnReason acceptingComments
    clauses { clauseId label text commentCount }
    extensions { previousClosesAt closesAt reason }
    department { code }
    districts { code }
    topics { code }
    counters {
      commentCount commenterCount byStance { support oppose suggestion } byClause { clauseId count }
    }
"""


def mutation(name: str, input_type: str, payload: str, extra: str = "") -> str:
    return f"""
mutation ($input: {input_type}!) {{
  {name}(input: $input) {{
    {RESULT_FIELDS} {extra}
    ... on {payload} {{ consultation {{ {CONSULTATION_FIELDS} }} }}
  }}
}}
"""


CREATE = mutation("createConsultation", "CreateConsultationInput", "ConsultationCreated")
EDIT = mutation(
    "editConsultationDraft",
    "EditConsultationDraftInput",
    "ConsultationDraftEdited",
    "... on StaleEditError { currentRevision }",
)
PUBLISH = mutation("publishConsultation", "PublishConsultationInput", "ConsultationPublished")
EXTEND = mutation("extendConsultation", "ExtendConsultationInput", "ConsultationExtended")
WITHDRAW = mutation("withdrawConsultation", "WithdrawConsultationInput", "ConsultationWithdrawn")
CLOSE = mutation("closeConsultation", "CloseConsultationInput", "ConsultationClosed")
REVISE = mutation("reviseConsultation", "ReviseConsultationInput", "ConsultationRevised")

CONSULTATION = f"""
query ($id: ID!) {{ consultation(id: $id) {{ {CONSULTATION_FIELDS} }} }}
"""


def gid(document: dict[str, Any]) -> str:
    return to_base64("Consultation", str(document["_id"]))


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def new_draft_input(**fields: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "departmentCode": "housing",
        "title": "电动自行车停放管理办法（征求意见稿）",
        "summary": "规定小区电动自行车集中停放和充电，禁止楼道停放充电。",
        "clauses": [
            {"label": "第一条", "text": "为规范电动自行车停放秩序，制定本办法。"},
            {"label": "第二条", "text": "住宅小区应当设置集中停放场所。"},
            {"label": "第三条", "text": "禁止在楼道停放电动自行车。"},
        ],
        "opensAt": iso(now - dt.timedelta(minutes=1)),
        "closesAt": iso(now + dt.timedelta(days=30)),
        "districtCodes": ["donghu"],
        "topicCodes": ["e-bikes"],
        **fields,
    }


async def stored(db, document: dict[str, Any]) -> dict[str, Any]:
    found = await CONSULTATIONS.of(db).find_one({"_id": document["_id"]})
    assert found is not None
    return found


class TestCreate:
    async def test_an_official_drafts_for_their_department(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        housing = await official_headers(db, "housing")

        result = await gql.execute(CREATE, {"input": new_draft_input()}, headers=housing)

        created = result.data["createConsultation"]
        assert created["__typename"] == "ConsultationCreated"
        consultation = created["consultation"]
        assert consultation["stage"] == "DRAFT"
        assert (consultation["version"], consultation["revision"]) == (1, 1)
        assert [c["clauseId"] for c in consultation["clauses"]] == ["c1", "c2", "c3"]
        assert consultation["department"] == {"code": "housing"}
        assert consultation["districts"] == [{"code": "donghu"}]
        assert consultation["topics"] == [{"code": "e-bikes"}]
        assert consultation["counters"] == {
            "commentCount": 0,
            "commenterCount": 0,
            "byStance": {"support": 0, "oppose": 0, "suggestion": 0},
            "byClause": [],
        }
        assert consultation["publishedAt"] is None and consultation["acceptingComments"] is False
        document = await CONSULTATIONS.of(db).find_one({})
        version = await CONSULTATION_VERSIONS.of(db).find_one({"consultation_id": document["_id"]})
        assert version["number"] == 1 and version["clauses"] == document["clauses"]
        assert document["counters"] == {
            "comments": 0,
            "commenters": 0,
            "stances": {"SUPPORT": 0, "OPPOSE": 0, "SUGGESTION": 0},
            "clauses": {},
        }

    async def test_an_official_of_another_department_may_not(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        transport = await official_headers(db, "transport")

        result = await gql.execute(CREATE, {"input": new_draft_input()}, headers=transport)

        assert result.data["createConsultation"] == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "only officials of 住建局 (or admins) may do this",
            "field": None,
        }
        assert await CONSULTATIONS.of(db).count_documents({}) == 0

    async def test_a_citizen_and_nobody_signed_in_may_not(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        citizen = bearer(await sign_in(db, await make_citizen(db)))

        as_citizen = await gql.execute(CREATE, {"input": new_draft_input()}, headers=citizen)
        anonymous = await gql.execute(CREATE, {"input": new_draft_input()})

        assert as_citizen.data["createConsultation"]["__typename"] == "ForbiddenError"
        assert anonymous.data["createConsultation"]["message"] == "sign in first"
        assert await CONSULTATIONS.of(db).count_documents({}) == 0

    async def test_an_admin_drafts_for_any_department(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))

        result = await gql.execute(
            CREATE, {"input": new_draft_input(departmentCode="transport")}, headers=admin
        )

        assert result.data["createConsultation"]["consultation"]["department"] == {"code": "transport"}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"summary": "长" * 301}, "summary"),
            ({"title": "  "}, "title"),
            ({"clauses": []}, "clauses"),
            ({"clauses": [{"label": "第一条", "text": "内容", "clauseId": "c1"}]}, "clauses.id"),
            ({"closesAt": iso(utcnow() - dt.timedelta(minutes=1))}, "closesAt"),
            ({"opensAt": iso(utcnow() + dt.timedelta(days=60))}, "closesAt"),
            ({"opensAt": "2025-09-01T09:00:00"}, "opensAt"),
        ],
    )
    async def test_an_invalid_draft_is_refused(
        self, gql: GraphQLClient, db, fields: dict, field: str
    ) -> None:
        await make_city(db)
        housing = await official_headers(db, "housing")

        result = await gql.execute(CREATE, {"input": new_draft_input(**fields)}, headers=housing)

        assert result.data["createConsultation"]["__typename"] == "InvalidInputError"
        assert result.data["createConsultation"]["field"] == field
        assert await CONSULTATIONS.of(db).count_documents({}) == 0

    async def test_an_unknown_district_is_not_found(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        housing = await official_headers(db, "housing")

        result = await gql.execute(
            CREATE, {"input": new_draft_input(districtCodes=["nowhere"])}, headers=housing
        )

        assert result.data["createConsultation"]["__typename"] == "NotFoundError"
        assert result.data["createConsultation"]["field"] == "districtCodes"


class TestEditDraft:
    async def test_an_edit_on_the_current_revision_changes_the_draft(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")
        clauses = [
            {"clauseId": "c1", "label": "第一条", "text": "为规范电动自行车停放秩序，制定本办法。"},
            {"clauseId": "c3", "label": "第二条", "text": "禁止在楼道、安全出口停放电动自行车。"},
            {"label": "第三条", "text": "本办法自发布之日起施行。"},
        ]

        result = await gql.execute(
            EDIT,
            {"input": {"id": gid(draft), "revision": 1, "title": "电动自行车停放办法", "clauses": clauses}},
            headers=housing,
        )

        consultation = result.data["editConsultationDraft"]["consultation"]
        assert consultation["revision"] == 2 and consultation["version"] == 1
        assert consultation["title"] == "电动自行车停放办法"
        # Kept ids stay; the new clause gets a number never used before (c2 was removed).
        assert [c["clauseId"] for c in consultation["clauses"]] == ["c1", "c3", "c4"]
        version = await CONSULTATION_VERSIONS.of(db).find_one({"consultation_id": draft["_id"]})
        assert [c["id"] for c in version["clauses"]] == ["c1", "c3", "c4"]
        assert "停放" in (await stored(db, draft))["search_terms"]

    async def test_a_stale_edit_is_refused_and_changes_nothing(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")
        first = {"id": gid(draft), "revision": 1, "title": "第一位官员的标题"}
        second = {"id": gid(draft), "revision": 1, "title": "第二位官员的标题", "summary": "另一份摘要。"}

        await gql.execute(EDIT, {"input": first}, headers=housing)
        result = await gql.execute(EDIT, {"input": second}, headers=housing)

        refused = result.data["editConsultationDraft"]
        assert refused["__typename"] == "StaleEditError"
        assert (refused["code"], refused["currentRevision"], refused["field"]) == (
            "STALE_EDIT",
            2,
            "revision",
        )
        assert "revision 2" in refused["message"]
        document = await stored(db, draft)
        assert (document["title"], document["summary"], document["revision"]) == (
            "第一位官员的标题",
            draft["summary"],
            2,
        )

    async def test_an_official_of_another_department_may_not_edit(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        transport = await official_headers(db, "transport")

        result = await gql.execute(
            EDIT, {"input": {"id": gid(draft), "revision": 1, "title": "改名"}}, headers=transport
        )

        assert result.data["editConsultationDraft"]["__typename"] == "NotFoundError"
        assert (await stored(db, draft))["title"] == draft["title"]

    async def test_a_published_consultation_is_no_longer_a_draft(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(
            EDIT, {"input": {"id": gid(consultation), "revision": 1, "title": "改名"}}, headers=housing
        )

        assert result.data["editConsultationDraft"] == {
            "__typename": "WrongStageError",
            "code": "WRONG_STAGE",
            "message": "only a consultation that is DRAFT can be edited; this one is OPEN",
            "field": None,
        }

    async def test_another_types_id_is_refused(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        housing = await official_headers(db, "housing")
        department_id = to_base64("Department", str(city["housing"]["_id"]))

        result = await gql.execute(EDIT, {"input": {"id": department_id, "revision": 1}}, headers=housing)

        assert result.data["editConsultationDraft"]["__typename"] == "InvalidInputError"


class TestPublish:
    async def test_publishing_opens_it_to_everyone(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")
        citizen = bearer(await sign_in(db, await make_citizen(db)))
        before = await gql.execute(CONSULTATION, {"id": gid(draft)}, headers=citizen)
        official_view = await gql.execute(CONSULTATION, {"id": gid(draft)}, headers=housing)

        result = await gql.execute(PUBLISH, {"input": {"id": gid(draft)}}, headers=housing)

        published = result.data["publishConsultation"]["consultation"]
        assert published["stage"] == "OPEN" and published["acceptingComments"] is True
        assert published["publishedAt"] == published["opensAt"]
        assert before.data["consultation"] is None  # a draft is not public
        assert official_view.data["consultation"]["stage"] == "DRAFT"
        after = await gql.execute(CONSULTATION, {"id": gid(draft)}, headers=citizen)
        assert after.data["consultation"]["stage"] == "OPEN"

    async def test_publishing_at_a_later_time_schedules_it(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")
        later = (utcnow() + dt.timedelta(days=2)).replace(microsecond=0)

        result = await gql.execute(PUBLISH, {"input": {"id": gid(draft), "at": iso(later)}}, headers=housing)

        scheduled = result.data["publishConsultation"]["consultation"]
        assert scheduled["stage"] == "DRAFT" and scheduled["publishedAt"] is None
        assert scheduled["publishAt"] == scheduled["opensAt"]
        assert dt.datetime.fromisoformat(scheduled["publishAt"]) == later

    async def test_publishing_twice_is_the_wrong_stage(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(PUBLISH, {"input": {"id": gid(consultation)}}, headers=housing)

        assert result.data["publishConsultation"]["__typename"] == "WrongStageError"
        assert "this one is OPEN" in result.data["publishConsultation"]["message"]


class TestExtend:
    async def test_extending_moves_the_closing_time_with_a_reason(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")
        later = consultation["closes_at"] + dt.timedelta(days=7)

        result = await gql.execute(
            EXTEND,
            {"input": {"id": gid(consultation), "closesAt": iso(later), "reason": "应居民要求延长一周"}},
            headers=housing,
        )

        extended = result.data["extendConsultation"]["consultation"]
        assert dt.datetime.fromisoformat(extended["closesAt"]) == later
        assert len(extended["extensions"]) == 1
        extension = extended["extensions"][0]
        assert dt.datetime.fromisoformat(extension["previousClosesAt"]) == consultation["closes_at"]
        assert extension["reason"] == "应居民要求延长一周"

    @pytest.mark.parametrize(
        ("days", "reason", "field"), [(-1, "理由", "closesAt"), (0, "理由", "closesAt"), (7, "  ", "reason")]
    )
    async def test_an_earlier_time_or_no_reason_is_refused(
        self, gql: GraphQLClient, db, days: int, reason: str, field: str
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")
        moment = consultation["closes_at"] + dt.timedelta(days=days)

        result = await gql.execute(
            EXTEND,
            {"input": {"id": gid(consultation), "closesAt": iso(moment), "reason": reason}},
            headers=housing,
        )

        assert result.data["extendConsultation"]["__typename"] == "InvalidInputError"
        assert result.data["extendConsultation"]["field"] == field
        assert (await stored(db, consultation))["closes_at"] == consultation["closes_at"]

    async def test_a_draft_cannot_be_extended(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")
        later = draft["closes_at"] + dt.timedelta(days=7)

        result = await gql.execute(
            EXTEND, {"input": {"id": gid(draft), "closesAt": iso(later), "reason": "延长"}}, headers=housing
        )

        assert result.data["extendConsultation"]["message"] == (
            "only a consultation that is OPEN can be extended; this one is DRAFT"
        )


class TestWithdraw:
    @pytest.mark.parametrize("published", [False, True])
    async def test_a_draft_or_open_consultation_is_withdrawn_with_a_reason(
        self, gql: GraphQLClient, db, published: bool
    ) -> None:
        city = await make_city(db)
        consultation = await (make_open if published else make_draft)(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(
            WITHDRAW,
            {"input": {"id": gid(consultation), "reason": "上位法修订，另行征求意见"}},
            headers=housing,
        )

        withdrawn = result.data["withdrawConsultation"]["consultation"]
        assert withdrawn["stage"] == "WITHDRAWN"
        assert withdrawn["withdrawnReason"] == "上位法修订，另行征求意见"

    async def test_withdrawing_twice_names_the_stage(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")
        variables = {"input": {"id": gid(consultation), "reason": "撤回"}}

        await gql.execute(WITHDRAW, variables, headers=housing)
        result = await gql.execute(WITHDRAW, variables, headers=housing)

        assert result.data["withdrawConsultation"]["message"] == (
            "only a consultation that is DRAFT or OPEN can be withdrawn; this one is WITHDRAWN"
        )

    async def test_a_draft_withdrawn_before_it_opened_stays_private(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")

        await gql.execute(WITHDRAW, {"input": {"id": gid(draft), "reason": "暂缓"}}, headers=housing)
        public = await gql.execute(CONSULTATION, {"id": gid(draft)})

        assert public.data["consultation"] is None


class TestClose:
    async def test_closing_early_starts_the_report_deadline(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(CLOSE, {"input": {"id": gid(consultation)}}, headers=housing)

        closed = result.data["closeConsultation"]["consultation"]
        assert closed["stage"] == "CLOSED" and closed["acceptingComments"] is False
        closed_at = dt.datetime.fromisoformat(closed["closedAt"])
        expected_due = service_calendar().add_business_days(closed_at, 20)
        assert abs(dt.datetime.fromisoformat(closed["reportDueAt"]) - expected_due) < dt.timedelta(
            milliseconds=1
        )
        assert closed["reportOverdue"] is False

    async def test_a_closed_consultation_cannot_be_closed_extended_or_revised(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        housing = await official_headers(db, "housing")
        await gql.execute(CLOSE, {"input": {"id": gid(consultation)}}, headers=housing)
        later = iso(consultation["closes_at"] + dt.timedelta(days=7))

        again = await gql.execute(CLOSE, {"input": {"id": gid(consultation)}}, headers=housing)
        extended = await gql.execute(
            EXTEND, {"input": {"id": gid(consultation), "closesAt": later, "reason": "延长"}}, headers=housing
        )
        revised = await gql.execute(
            REVISE,
            {
                "input": {
                    "id": gid(consultation),
                    "clauses": [{"label": "第一条", "text": "新"}],
                    "note": "修改",
                }
            },
            headers=housing,
        )

        for result, name in ((again, "closeConsultation"), (extended, "extendConsultation")):
            assert result.data[name]["__typename"] == "WrongStageError"
            assert result.data[name]["message"].endswith("this one is CLOSED")
        assert revised.data["reviseConsultation"]["__typename"] == "WrongStageError"


# Every step that acts for a consultation's department, with the input it needs besides the id.
DEPARTMENT_STEPS = [
    ("publishConsultation", PUBLISH, {}),
    ("extendConsultation", EXTEND, {"closesAt": "2099-01-01T00:00:00+08:00", "reason": "延长"}),
    ("withdrawConsultation", WITHDRAW, {"reason": "撤回"}),
    ("closeConsultation", CLOSE, {}),
    ("reviseConsultation", REVISE, {"clauses": [{"label": "第一条", "text": "新"}], "note": "改"}),
]


class TestDenials:
    """Each step on a published consultation is refused to anyone who does not act for its department."""

    @pytest.mark.parametrize(
        ("name", "document", "fields"), DEPARTMENT_STEPS, ids=[step[0] for step in DEPARTMENT_STEPS]
    )
    @pytest.mark.parametrize("who", ["other-official", "citizen", "anonymous"])
    async def test_refused_and_nothing_changes(
        self, gql: GraphQLClient, db, name: str, document: str, fields: dict, who: str
    ) -> None:
        city = await make_city(db)
        # Public: refusing it tells nobody anything (a draft is TestHiddenDrafts').
        consultation = await make_open(db, city["housing"])
        headers = {}
        if who == "other-official":
            headers = await official_headers(db, "transport")
        elif who == "citizen":
            headers = bearer(await sign_in(db, await make_citizen(db)))

        result = await gql.execute(document, {"input": {"id": gid(consultation), **fields}}, headers=headers)

        assert result.data[name]["__typename"] == "ForbiddenError"
        after = await stored(db, consultation)
        assert {k: after[k] for k in ("stage", "closes_at", "version", "clauses")} == {
            k: consultation[k] for k in ("stage", "closes_at", "version", "clauses")
        }

    async def test_an_unknown_consultation_is_not_found(self, gql: GraphQLClient, db) -> None:
        await make_city(db)
        housing = await official_headers(db, "housing")
        unknown = to_base64("Consultation", str(ObjectId()))

        result = await gql.execute(CLOSE, {"input": {"id": unknown}}, headers=housing)

        assert result.data["closeConsultation"]["__typename"] == "NotFoundError"


# Every step that acts for a consultation's department, on a draft: its input besides the id.
DRAFT_STEPS = [
    *DEPARTMENT_STEPS,
    ("editConsultationDraft", EDIT, {"revision": 1, "title": "改名"}),
]


async def headers_of(db, who: str) -> dict[str, str]:
    if who == "other-official":
        return await official_headers(db, "transport")
    if who == "citizen":
        return bearer(await sign_in(db, await make_citizen(db)))
    return {}


class TestHiddenDrafts:
    """A draft is as good as missing to anyone outside its department: no answer tells it apart."""

    @pytest.mark.parametrize(
        ("name", "document", "fields"), DRAFT_STEPS, ids=[step[0] for step in DRAFT_STEPS]
    )
    @pytest.mark.parametrize("who", ["other-official", "citizen", "anonymous"])
    async def test_another_departments_draft_is_answered_as_an_unknown_id(
        self, gql: GraphQLClient, db, name: str, document: str, fields: dict, who: str
    ) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        headers = await headers_of(db, who)
        unknown = to_base64("Consultation", str(ObjectId()))

        hidden = await gql.execute(document, {"input": {"id": gid(draft), **fields}}, headers=headers)
        missing = await gql.execute(document, {"input": {"id": unknown, **fields}}, headers=headers)

        assert hidden.data[name]["__typename"] == "NotFoundError"
        assert hidden.data[name] == missing.data[name]
        after = await stored(db, draft)
        assert {k: after[k] for k in ("stage", "title", "revision", "publish_at")} == {
            k: draft[k] for k in ("stage", "title", "revision", "publish_at")
        }

    async def test_a_supervising_departments_official_does_not_see_it_by_default(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        city_office = await official_headers(db, "city-office")

        result = await gql.execute(PUBLISH, {"input": {"id": gid(draft)}}, headers=city_office)

        assert result.data["publishConsultation"]["__typename"] == "NotFoundError"
        assert (await stored(db, draft))["stage"] == "DRAFT"

    async def test_its_own_department_is_told_the_stage(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        housing = await official_headers(db, "housing")

        result = await gql.execute(CLOSE, {"input": {"id": gid(draft)}}, headers=housing)

        assert result.data["closeConsultation"]["__typename"] == "WrongStageError"
