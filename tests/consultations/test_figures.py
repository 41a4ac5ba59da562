"""The department scorecard: adoption rate of consultation comments per department and month."""

from __future__ import annotations

import datetime as dt

from models.consultations.documents import CONSULTATIONS
from tests.support.factories import make_department
from tests.support.graphql_client import GraphQLClient

SCORECARD = """
query ($code: String!, $month: String!) {
  departmentScorecard(departmentCode: $code, month: $month) {
    department { code } month consultationsConcluded commentsAnswered
    adopted partlyAdopted notAdopted noted adoptionRate
  }
}
"""


async def concluded(db, department, at: dt.datetime, **outcomes: int) -> None:
    counts = {"ADOPTED": 0, "PARTLY_ADOPTED": 0, "NOT_ADOPTED": 0, "NOTED": 0, **outcomes}
    await CONSULTATIONS.of(db).insert_one(
        {
            "department_id": department["_id"],
            "stage": "CONCLUDED",
            "concluded_at": at,
            "report": {"outcomes": counts, "published_at": at},
            "v": 1,
        }
    )


class TestDepartmentScorecard:
    async def test_adoption_rate_of_the_month_in_local_time(self, gql: GraphQLClient, db) -> None:
        housing = await make_department(db, "housing")
        transport = await make_department(db, "transport")
        october = dt.datetime(2025, 10, 15, 3, 0, tzinfo=dt.UTC)
        await concluded(db, housing, october, ADOPTED=3, PARTLY_ADOPTED=1, NOT_ADOPTED=4)
        await concluded(db, housing, october, NOTED=2)
        # 17:00 UTC on 31 October is already 1 November in Shanghai.
        await concluded(db, housing, dt.datetime(2025, 10, 31, 17, 0, tzinfo=dt.UTC), ADOPTED=9)
        await concluded(db, transport, october, ADOPTED=5)

        card = (await gql.data(SCORECARD, {"code": "housing", "month": "2025-10"}))["departmentScorecard"]

        assert card == {
            "department": {"code": "housing"},
            "month": "2025-10",
            "consultationsConcluded": 2,
            "commentsAnswered": 10,
            "adopted": 3,
            "partlyAdopted": 1,
            "notAdopted": 4,
            "noted": 2,
            "adoptionRate": 0.4,
        }

    async def test_a_month_without_reports_has_no_rate(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "housing")

        card = (await gql.data(SCORECARD, {"code": "housing", "month": "2025-12"}))["departmentScorecard"]

        assert (card["consultationsConcluded"], card["adoptionRate"]) == (0, None)

    async def test_a_badly_written_month_is_refused(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "housing")

        response = await gql.execute(SCORECARD, {"code": "housing", "month": "October"})

        assert response.errors[0]["message"] == "a month is written YYYY-MM, e.g. 2025-10"
        assert response.errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "month"}

    async def test_an_unknown_department_is_not_found(self, gql: GraphQLClient) -> None:
        response = await gql.execute(SCORECARD, {"code": "nowhere", "month": "2025-10"})

        assert response.errors[0]["extensions"]["code"] == "NOT_FOUND"
