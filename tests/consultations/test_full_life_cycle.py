"""One consultation from draft to adoption report, through the API, as a city would run it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.common.actors import Role
from models.common.clock import utcnow
from models.common.outbox import OUTBOX
from models.consultations.documents import CONSULTATIONS
from tests.support.factories import bearer, make_citizen, make_department, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient

CREATE = """
mutation ($input: CreateConsultationInput!) {
  createConsultation(input: $input) {
    __typename ... on UserError { message } ... on ConsultationCreated { consultation { id stage } }
  }
}
"""
PUBLISH = """
mutation ($id: ID!) { publishConsultation(input: {id: $id}) {
  __typename ... on UserError { message } ... on ConsultationPublished { consultation { stage } } } }
"""
COMMENT = """
mutation ($input: SubmitCommentInput!) {
  submitComment(input: $input) {
    __typename ... on UserError { message } ... on CommentSubmitted { comment { id status } }
  }
}
"""
REVISE = """
mutation ($input: ReviseConsultationInput!) {
  reviseConsultation(input: $input) {
    __typename ... on UserError { message } ... on ConsultationRevised { consultation { version } }
  }
}
"""
CLOSE = """
mutation ($id: ID!) { closeConsultation(input: {id: $id}) {
  __typename ... on UserError { message } ... on ConsultationClosed { consultation { stage reportDueAt } } } }
"""
OUTCOME = """
mutation ($input: SetCommentOutcomeInput!) {
  setCommentOutcome(input: $input) { __typename ... on UserError { message } }
}
"""
REPORT = """
mutation ($input: PublishAdoptionReportInput!) {
  publishAdoptionReport(input: $input) {
    __typename
    ... on UserError { message }
    ... on AdoptionReportPublished { consultation { stage } }
  }
}
"""


async def run(gql: GraphQLClient, query: str, variables: dict[str, Any], headers: dict[str, str]) -> Any:
    response = await gql.execute(query, variables, headers=headers)
    assert response.status == 200 and not response.errors, response.errors
    return next(iter(response.data.values()))


async def test_draft_to_adoption_report(gql: GraphQLClient, db) -> None:
    await make_department(db, "housing", name_zh="住建局")
    official = bearer(
        await sign_in(
            db, await make_staff(db, "o@housing.example.cn", Role.OFFICIAL, department_code="housing")
        )
    )
    citizens = [await make_citizen(db, f"+86139000000{n}{n}") for n in range(1, 4)]
    wang, li, chen = [bearer(await sign_in(db, person)) for person in citizens]
    now = utcnow()
    draft = {
        "departmentCode": "housing",
        "title": "临川市老旧小区改造实施办法（征求意见稿）",
        "summary": "加装电梯、改造管网、增设停车位：我们想听听您的意见。",
        "clauses": [
            {"label": "第一条", "text": "为推进老旧小区改造，制定本办法。"},
            {"label": "第二条", "text": "改造内容包括加装电梯和改造供水管网。"},
            {"label": "第三条", "text": "居民出资比例由业主大会决定。"},
        ],
        "opensAt": (now - dt.timedelta(minutes=1)).isoformat(),
        "closesAt": (now + dt.timedelta(days=14)).isoformat(),
    }

    created = await run(gql, CREATE, {"input": draft}, official)
    consultation = created["consultation"]["id"]
    assert created["consultation"]["stage"] == "DRAFT"
    assert (await run(gql, PUBLISH, {"id": consultation}, official))["consultation"]["stage"] == "OPEN"

    comments = {}
    for name, headers, clause, stance, text in (
        ("wang", wang, "c1", "SUPPORT", "早该改造了，支持。"),
        ("li", li, "c2", "SUGGESTION", "建议把雨污分流也纳入改造内容。"),
        ("chen", chen, None, "OPPOSE", "出资比例不明确，担心负担过重。"),
    ):
        submitted = await run(
            gql,
            COMMENT,
            {"input": {"consultationId": consultation, "clauseId": clause, "stance": stance, "text": text}},
            headers,
        )
        assert submitted["comment"]["status"] == "PUBLISHED"
        comments[name] = submitted["comment"]["id"]

    revised = await run(
        gql,
        REVISE,
        {
            "input": {
                "id": consultation,
                "note": "采纳意见，增加雨污分流。",
                "clauses": [
                    {"clauseId": "c1", "label": "第一条", "text": "为推进老旧小区改造，制定本办法。"},
                    {
                        "clauseId": "c2",
                        "label": "第二条",
                        "text": "改造内容包括加装电梯、改造供水管网和雨污分流。",
                    },
                    {"clauseId": "c3", "label": "第三条", "text": "居民出资比例由业主大会决定。"},
                ],
            }
        },
        official,
    )
    assert revised["consultation"]["version"] == 2
    changed = await OUTBOX.of(db).find({"kind": "consultation.clause_changed"}).to_list()
    # Only Li commented on the changed clause: one event, for Li, naming it.
    assert [(event["payload"]["person_id"], event["payload"]["clause_ids"]) for event in changed] == [
        (citizens[1]["_id"], ["c2"])
    ]

    closed = await run(gql, CLOSE, {"id": consultation}, official)
    assert closed["consultation"]["stage"] == "CLOSED"
    assert closed["consultation"]["reportDueAt"] is not None

    report = {
        "consultationId": consultation,
        "summary": "采纳雨污分流建议，出资比例另行规定。",
        "changedClauseIds": ["c2"],
    }
    refused = await run(gql, REPORT, {"input": report}, official)
    assert refused["__typename"] == "ReportIncompleteError"
    assert refused["message"].startswith("3 comments have no outcome")

    for name, outcome, reason in (
        ("wang", "NOTED", "感谢支持。"),
        ("li", "ADOPTED", "已在第二条中增加雨污分流。"),
        ("chen", "PARTLY_ADOPTED", "出资比例将在实施细则中明确。"),
    ):
        result = await run(
            gql,
            OUTCOME,
            {"input": {"commentId": comments[name], "outcome": outcome, "reason": reason}},
            official,
        )
        assert result["__typename"] == "CommentOutcomeSet"

    published = await run(gql, REPORT, {"input": report}, official)
    assert published == {"__typename": "AdoptionReportPublished", "consultation": {"stage": "CONCLUDED"}}
    stored = await CONSULTATIONS.of(db).find_one({})
    assert stored["stage"] == "CONCLUDED"
    told = await OUTBOX.of(db).find({"kind": "consultation.comment_outcome"}).to_list()
    by_person = {event["payload"]["person_id"]: event["payload"]["outcome"] for event in told}
    assert by_person == {
        citizens[0]["_id"]: "NOTED",
        citizens[1]["_id"]: "ADOPTED",
        citizens[2]["_id"]: "PARTLY_ADOPTED",
    }
