"""The adoption report through the API: themes, outcomes, refusal while incomplete, publication; the CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from bson import ObjectId
from strawberry.relay import from_base64

from models.common.actors import Actor, Role
from models.common.clock import utcnow
from models.common.errors import Forbidden
from models.common.outbox import EVENTS_FIELD, OUTBOX
from models.consultations import report, service
from models.consultations.clauses import ClauseText
from models.consultations.comment_batches import BATCH_SIZE
from models.consultations.comments import comment_document
from models.consultations.documents import COMMENTS, CONSULTATIONS, CommentStatus, Outcome, Stance
from models.consultations.export import BOM, HEADER, export_comments_csv
from tests.consultations.comment_support import (
    DELETE,
    RESULT,
    citizen,
    gid,
    mutate,
    run,
    staff,
    stored_comment,
    submit,
)
from tests.consultations.drafts import SCOPE, make_city, make_draft, make_open, official
from tests.support.graphql_client import GraphQLClient

CLOSE = f"""
mutation ($input: CloseConsultationInput!) {{ closeConsultation(input: $input) {{ {RESULT} }} }}
"""
CREATE_THEME = f"""
mutation ($input: CreateThemeInput!) {{
  createTheme(input: $input) {{ {RESULT} ... on ThemeCreated {{ theme {{ id title }} }} }}
}}
"""
ASSIGN = f"""
mutation ($input: AssignCommentsToThemeInput!) {{
  assignCommentsToTheme(input: $input) {{ {RESULT} ... on CommentsAssignedToTheme {{ assigned }} }}
}}
"""
SET_THEME_OUTCOME = f"""
mutation ($input: SetThemeOutcomeInput!) {{
  setThemeOutcome(input: $input) {{ {RESULT} ... on ThemeOutcomeSet {{ theme {{ outcome {{ outcome }} }} }} }}
}}
"""
SET_COMMENT_OUTCOME = f"""
mutation ($input: SetCommentOutcomeInput!) {{
  setCommentOutcome(input: $input) {{ {RESULT} ... on CommentOutcomeSet {{ comment {{ id }} }} }}
}}
"""
PUBLISH = f"""
mutation ($input: PublishAdoptionReportInput!) {{
  publishAdoptionReport(input: $input) {{
    {RESULT}
    ... on AdoptionReportPublished {{
      consultation {{ stage }}
      report {{
        summary changedClauseIds commentCount adoptedShare
        outcomes {{ adopted partlyAdopted notAdopted noted }}
      }}
    }}
  }}
}}
"""
OUTCOMES = """
query ($id: ID!) { consultationComments(consultationId: $id, first: 20) { edges { node {
  text outcome { outcome reason theme { title } }
} } } }
"""
PUBLIC_REPORT = """
query ($id: ID!) {
  adoptionReport(consultationId: $id) { summary adoptedShare }
  consultationThemes(consultationId: $id) { edges { node { title outcome { outcome } } } }
}
"""
SUMMARY = "采纳了关于充电设施的建议，楼道禁停条款保留。"


async def close(gql: GraphQLClient, consultation: dict[str, Any], headers: dict[str, str]) -> None:
    result = await mutate(gql, CLOSE, {"id": gid("Consultation", consultation)}, headers)
    assert result["__typename"] == "ConsultationClosed", result


def publish_input(consultation: dict[str, Any], changed: list[str] | None = None) -> dict[str, Any]:
    return {
        "consultationId": gid("Consultation", consultation),
        "summary": SUMMARY,
        "changedClauseIds": changed or [],
    }


async def commented(gql: GraphQLClient, db) -> dict[str, Any]:
    """Housing's consultation with four live comments by three citizens, and one deleted."""
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    people = [await citizen(db, f"+861391234567{n + 1}") for n in range(3)]
    a_headers, b_headers, c_headers = (headers for _, headers in people)
    comments = {
        "a_c3": await submit(
            gql, consultation, a_headers, clauseId="c3", stance="OPPOSE", text="楼道禁停太严。"
        ),
        "b_c3": await submit(gql, consultation, b_headers, clauseId="c3", text="楼道可设充电柜。"),
        "c_all": await submit(gql, consultation, c_headers, stance="SUPPORT", text="总体支持。"),
        "a_all": await submit(gql, consultation, a_headers, text="希望听证。"),
    }
    gone = await submit(gql, consultation, b_headers, clauseId="c1", text="写错了。")
    await mutate(gql, DELETE, {"commentId": gone["id"]}, b_headers)
    _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
    return {
        "consultation": consultation,
        "comments": comments,
        "people": people,
        "housing": housing,
        "city": city,
    }


class TestPublish:
    async def test_refused_while_incomplete_then_published_and_every_commenter_told(
        self, gql: GraphQLClient, db
    ) -> None:
        world = await commented(gql, db)
        consultation, comments, housing = world["consultation"], world["comments"], world["housing"]
        await close(gql, consultation, housing)

        incomplete = await mutate(gql, PUBLISH, publish_input(consultation), housing)

        # The deleted comment needs no outcome; the message says how many and where.
        assert incomplete == {
            "__typename": "ReportIncompleteError",
            "code": "REPORT_INCOMPLETE",
            "message": "4 comments have no outcome: 2 on 第三条, 2 on the whole draft",
            "field": None,
        }

        theme = (
            await mutate(
                gql,
                CREATE_THEME,
                {"consultationId": gid("Consultation", consultation), "title": "楼道停放"},
                housing,
            )
        )["theme"]
        assigned = await mutate(
            gql,
            ASSIGN,
            {"themeId": theme["id"], "commentIds": [comments["a_c3"]["id"], comments["b_c3"]["id"]]},
            housing,
        )
        assert assigned == {"__typename": "CommentsAssignedToTheme", "assigned": 2}
        theme_outcome = await mutate(
            gql,
            SET_THEME_OUTCOME,
            {"themeId": theme["id"], "outcome": "PARTLY_ADOPTED", "reason": "增设充电柜，楼道仍禁停。"},
            housing,
        )
        assert theme_outcome["theme"] == {"outcome": {"outcome": "PARTLY_ADOPTED"}}
        still = await mutate(gql, PUBLISH, publish_input(consultation), housing)
        assert still["message"] == "2 comments have no outcome: 2 on the whole draft"

        for key, outcome in (("c_all", "ADOPTED"), ("a_all", "NOTED")):
            result = await mutate(
                gql,
                SET_COMMENT_OUTCOME,
                {"commentId": comments[key]["id"], "outcome": outcome, "reason": "已研究。"},
                housing,
            )
            assert result["__typename"] == "CommentOutcomeSet"
        # Until the report is out, citizens see no outcomes; the department's officials do.
        variables = {"id": gid("Consultation", consultation)}
        citizen_view = await run(gql, OUTCOMES, variables, world["people"][0][1])
        assert {e["node"]["outcome"] is None for e in citizen_view["consultationComments"]["edges"]} == {True}
        official_view = await run(gql, OUTCOMES, variables, housing)
        assert (
            official_view["consultationComments"]["edges"][0]["node"]["outcome"]["outcome"]
            == "PARTLY_ADOPTED"
        )

        published = await mutate(gql, PUBLISH, publish_input(consultation, ["c3"]), housing)

        assert published == {
            "__typename": "AdoptionReportPublished",
            "consultation": {"stage": "CONCLUDED"},
            "report": {
                "summary": SUMMARY,
                "changedClauseIds": ["c3"],
                "commentCount": 4,
                "adoptedShare": 0.75,
                "outcomes": {"adopted": 1, "partlyAdopted": 2, "notAdopted": 0, "noted": 1},
            },
        }
        events = await OUTBOX.of(db).find({"kind": "consultation.comment_outcome"}).sort("_id", 1).to_list()
        expected = []
        for key, outcome, reason in (
            ("a_c3", "PARTLY_ADOPTED", "增设充电柜，楼道仍禁停。"),
            ("b_c3", "PARTLY_ADOPTED", "增设充电柜，楼道仍禁停。"),
            ("c_all", "ADOPTED", "已研究。"),
            ("a_all", "NOTED", "已研究。"),
        ):
            stored = await stored_comment(db, comments[key]["id"])
            assert EVENTS_FIELD not in stored  # relayed
            expected.append(
                {
                    "_id": f"outcome:{stored['_id']}",
                    "payload": {
                        "person_id": stored["author_id"],
                        "comment_id": stored["_id"],
                        "consultation_id": consultation["_id"],
                        "outcome": outcome,
                        "reason": reason,
                    },
                }
            )
        assert [{"_id": e["_id"], "payload": e["payload"]} for e in events] == sorted(
            expected, key=lambda e: e["_id"]
        )
        citizen_view = await run(gql, OUTCOMES, variables, world["people"][0][1])
        first = citizen_view["consultationComments"]["edges"][0]["node"]
        assert first["outcome"] == {
            "outcome": "PARTLY_ADOPTED",
            "reason": "增设充电柜，楼道仍禁停。",
            "theme": {"title": "楼道停放"},
        }
        public = await run(gql, PUBLIC_REPORT, variables, {})
        assert public["adoptionReport"] == {"summary": SUMMARY, "adoptedShare": 0.75}
        assert public["consultationThemes"]["edges"] == [
            {"node": {"title": "楼道停放", "outcome": {"outcome": "PARTLY_ADOPTED"}}}
        ]

    async def test_a_retry_after_a_crash_tells_nobody_twice(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        consultation, housing = world["consultation"], world["housing"]
        await close(gql, consultation, housing)
        actor = official(world["city"]["housing"])
        for comment in world["comments"].values():
            await report.set_comment_outcome(
                db, actor, (await stored_comment(db, comment["id"]))["_id"], Outcome.NOTED, "已阅。", SCOPE
            )
        # A first attempt that wrote every outcome and event, then died before concluding.
        themes = await report.themes_of(db, consultation["_id"])
        stored = await CONSULTATIONS.of(db).find_one({"_id": consultation["_id"]})
        await report._record_outcomes(db, stored, themes, utcnow)
        assert (await CONSULTATIONS.of(db).find_one({"_id": consultation["_id"]}))["stage"] == "CLOSED"

        again = await mutate(gql, PUBLISH, publish_input(consultation), housing)

        assert again["consultation"] == {"stage": "CONCLUDED"}
        assert await OUTBOX.of(db).count_documents({"kind": "consultation.comment_outcome"}) == 4

    async def test_a_refused_report_tells_nobody_even_of_comments_in_earlier_batches(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
        theme = (
            await mutate(
                gql,
                CREATE_THEME,
                {"consultationId": gid("Consultation", consultation), "title": "总体意见"},
                housing,
            )
        )["theme"]
        await mutate(
            gql,
            SET_THEME_OUTCOME,
            {"themeId": theme["id"], "outcome": "NOTED", "reason": "已研究。"},
            housing,
        )
        # A full batch answered through the theme, then one comment, in the next batch, answered by nothing.
        answered = [
            {
                **comment_document(
                    consultation,
                    clause_id=None,
                    stance=Stance.SUPPORT,
                    text=f"支持第{n}号意见。",
                    author_id=ObjectId(),
                    status=CommentStatus.PUBLISHED,
                    created_at=utcnow(),
                ),
                "theme_id": ObjectId(from_base64(theme["id"])[1]),
            }
            for n in range(BATCH_SIZE)
        ]
        unanswered = comment_document(
            consultation,
            clause_id=None,
            stance=Stance.OPPOSE,
            text="反对。",
            author_id=ObjectId(),
            status=CommentStatus.PUBLISHED,
            created_at=utcnow(),
        )
        await COMMENTS.of(db).insert_many([*answered, unanswered])
        await close(gql, consultation, housing)

        refused = await mutate(gql, PUBLISH, publish_input(consultation), housing)

        assert refused["message"] == "1 comment has no outcome: 1 on the whole draft"
        assert await OUTBOX.of(db).count_documents({"kind": "consultation.comment_outcome"}) == 0
        stored = await COMMENTS.of(db).find({}, {"outcome": 1, EVENTS_FIELD: 1}).to_list()
        assert len(stored) == BATCH_SIZE + 1
        assert [c for c in stored if c.get("outcome") or c.get(EVENTS_FIELD)] == []

    async def test_only_a_closed_consultation_and_only_its_department(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        consultation = world["consultation"]
        _, transport = await staff(db, "zhao@transport.example.cn", Role.OFFICIAL, "transport")

        open_ = await mutate(gql, PUBLISH, publish_input(consultation), world["housing"])
        await close(gql, consultation, world["housing"])
        other = await mutate(gql, PUBLISH, publish_input(consultation), transport)
        theme = await mutate(
            gql,
            CREATE_THEME,
            {"consultationId": gid("Consultation", consultation), "title": "楼道"},
            transport,
        )

        assert (
            open_["message"]
            == "only a consultation that is CLOSED can be concluded with a report; this one is OPEN"
        )
        assert other["message"] == theme["message"] == "only officials of 住建局 (or admins) may do this"

    async def test_another_departments_draft_is_answered_as_an_unknown_id(
        self, gql: GraphQLClient, db
    ) -> None:
        city = await make_city(db)
        draft = await make_draft(db, city["housing"])
        _, transport = await staff(db, "zhao@transport.example.cn", Role.OFFICIAL, "transport")
        unknown = {"_id": ObjectId()}

        for document, given in (
            (PUBLISH, publish_input),
            (CREATE_THEME, lambda c: {"consultationId": gid("Consultation", c), "title": "楼道"}),
        ):
            hidden = await mutate(gql, document, given(draft), transport)
            missing = await mutate(gql, document, given(unknown), transport)
            assert hidden["__typename"] == "NotFoundError", document
            assert hidden == missing
        assert (await CONSULTATIONS.of(db).find_one({"_id": draft["_id"]}))["stage"] == "DRAFT"

    async def test_one_missing_outcome_on_a_clause_a_revision_removed(self, gql: GraphQLClient, db) -> None:
        city = await make_city(db)
        consultation = await make_open(db, city["housing"])
        _, headers = await citizen(db)
        await submit(gql, consultation, headers, clauseId="c2")
        kept = [
            ClauseText(c["label"], c["text"], id=c["id"]) for c in consultation["clauses"] if c["id"] != "c2"
        ]
        await service.revise(db, official(city["housing"]), consultation["_id"], kept, "删去第二条", SCOPE)
        _, housing = await staff(db, "li@housing.example.cn", Role.OFFICIAL, "housing")
        await close(gql, consultation, housing)

        result = await mutate(gql, PUBLISH, publish_input(consultation), housing)

        assert result["message"] == "1 comment has no outcome: 1 on 第二条"


class TestExport:
    async def test_csv_with_bom_chinese_text_and_pseudonyms_only(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        consultation = world["consultation"]
        _, headers = world["people"][1]
        await submit(gql, consultation, headers, text='=HYPERLINK("http://evil")')
        await COMMENTS.of(db).update_many({}, {"$set": {"created_at": utcnow().replace(hour=17, minute=30)}})
        actor = official(world["city"]["housing"])

        chunks = [
            chunk
            async for chunk in await export_comments_csv(
                db, actor, consultation["_id"], SCOPE, "Asia/Shanghai"
            )
        ]

        text = "".join(chunks)
        assert text.startswith(BOM)
        rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
        assert rows[0] == list(HEADER)
        assert len(rows) == 1 + 6
        first = dict(zip(HEADER, rows[1], strict=True))
        a = world["people"][0][0]
        assert first["条款 Clause"] == "第三条"
        assert first["立场 Stance"] == "OPPOSE"
        assert first["意见 Comment"] == "楼道禁停太严。"
        assert first["提交人 Pseudonym"] == a["public_name"]
        assert first["渠道 Channel"] == "APP"
        assert first["日期 Date"].endswith(" 01:30")  # 17:30 UTC is 01:30 the next day in Shanghai
        deleted = dict(zip(HEADER, rows[5], strict=True))
        assert (deleted["状态 Status"], deleted["意见 Comment"], deleted["提交人 Pseudonym"]) == (
            "DELETED",
            "",
            "",
        )
        assert rows[6][2] == '\'=HYPERLINK("http://evil")'  # not run as a formula
        assert rows[3][0] == "全文 Whole draft"
        for person, _ in world["people"]:
            assert person["phone"]["last4"] not in text and str(person["_id"]) not in text

    async def test_officials_of_other_departments_get_nothing(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        other = official(world["city"]["transport"])

        with pytest.raises(Forbidden):
            await export_comments_csv(db, other, world["consultation"]["_id"], SCOPE, "Asia/Shanghai")
        with pytest.raises(Forbidden):
            await export_comments_csv(
                db, Actor(person_id=ObjectId()), world["consultation"]["_id"], SCOPE, "UTC"
            )
