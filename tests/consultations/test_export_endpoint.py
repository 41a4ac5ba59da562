"""GET /consultations/{id}/comments.csv: the download officials open in a spreadsheet."""

from __future__ import annotations

from bson import ObjectId

from models.consultations.export import BOM
from tests.consultations.comment_support import gid
from tests.consultations.drafts import make_draft, official_headers
from tests.consultations.test_report import commented
from tests.support.graphql_client import GraphQLClient


def csv_url(consultation: dict) -> str:
    return f"/consultations/{gid('Consultation', consultation)}/comments.csv"


class TestCommentsCsv:
    async def test_an_official_of_the_department_downloads_the_csv(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        url = f"/consultations/{gid('Consultation', world['consultation'])}/comments.csv"

        response = await gql.http.get(url, headers=await official_headers(db, "housing"))

        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].startswith('attachment; filename="consultation-')
        text = response.content.decode("utf-8")
        assert text.startswith(BOM)
        assert "楼道禁停太严。" in text
        assert len(text.removeprefix(BOM).strip().splitlines()) == 1 + 5

    async def test_an_official_of_another_department_is_refused(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        url = f"/consultations/{gid('Consultation', world['consultation'])}/comments.csv"

        response = await gql.http.get(url, headers=await official_headers(db, "transport"))

        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}

    async def test_without_a_token_it_is_401(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)

        response = await gql.http.get(
            f"/consultations/{gid('Consultation', world['consultation'])}/comments.csv"
        )

        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    async def test_an_unknown_consultation_is_404(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        officials = await official_headers(db, "housing")

        missing = await gql.http.get("/consultations/not-an-id/comments.csv", headers=officials)
        wrong_type = await gql.http.get(
            f"/consultations/{gid('Department', world['city']['housing'])}/comments.csv", headers=officials
        )

        assert missing.status_code == wrong_type.status_code == 404

    async def test_another_departments_draft_is_404_as_an_unknown_id(self, gql: GraphQLClient, db) -> None:
        world = await commented(gql, db)
        draft = await make_draft(db, world["city"]["housing"])
        transport = await official_headers(db, "transport")

        hidden = await gql.http.get(
            f"/consultations/{gid('Consultation', draft)}/comments.csv", headers=transport
        )
        missing = await gql.http.get(
            f"/consultations/{gid('Consultation', ObjectId())}/comments.csv", headers=transport
        )

        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
        assert hidden.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
