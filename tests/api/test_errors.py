"""Expected failures are typed results; unexpected ones are masked, with an id that is in the log."""

from __future__ import annotations

import json
import logging

import pytest
from strawberry.relay import to_base64

from api.graphql_view import TownhallGraphQL
from api.logs import JsonFormatter
from models.departments.documents import DEPARTMENTS
from tests.support.graphql_client import GraphQLClient

CREATE_DEPARTMENT = """
mutation Create($input: CreateDepartmentInput!) {
  createDepartment(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on DepartmentCreated { department { code } }
  }
}
"""


class TestTypedErrors:
    async def test_forbidden_is_a_typed_result_and_writes_nothing(self, gql: GraphQLClient, db) -> None:
        response = await gql.execute(CREATE_DEPARTMENT, {"input": {"code": "parks", "nameZh": "园林局"}})

        assert response.status == 200
        assert response.data["createDepartment"] == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "sign in first",
            "field": None,
        }
        assert await DEPARTMENTS.of(db).count_documents({}) == 0


class TestMaskedErrors:
    async def test_unexpected_error_is_masked_with_an_id_in_the_log(
        self, gql: GraphQLClient, db, caplog: pytest.LogCaptureFixture
    ) -> None:
        # A damaged document (no name) makes the resolver fail in a way nobody planned for.
        await DEPARTMENTS.of(db).insert_one({"code": "broken", "parent_id": None, "ancestors": [], "v": 1})

        with caplog.at_level(logging.ERROR, logger="townhall.errors"):
            response = await gql.execute('{ department(code: "broken") { code name { zh } } }')

        assert response.status == 200
        error = response.errors[0]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        error_id = error["extensions"]["errorId"]
        assert error["message"].endswith(f"quote error id {error_id}.")
        assert "KeyError" not in error["message"] and "Traceback" not in str(response.body)
        logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
        assert len(logged) == 1
        assert logged[0].exc_info is not None and logged[0].exc_info[0] is KeyError
        line = json.loads(JsonFormatter().format(logged[0]))
        assert line["error_id"] == error_id
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["level"] == "error"
        assert "KeyError: 'name'" in line["exception"]

    async def test_an_exception_escaping_the_graphql_view_is_a_json_500_with_ids(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Fault injection: the view itself fails, below every GraphQL error handler.
        async def broken(self: TownhallGraphQL, request: object) -> None:
            raise RuntimeError("the view broke")

        monkeypatch.setattr(TownhallGraphQL, "run", broken)
        with caplog.at_level(logging.ERROR, logger="townhall.errors"):
            response = await gql.http.post(
                "/graphql", json={"query": "{ serverTime }"}, headers={"x-request-id": "req-escaped-1"}
            )

        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["x-request-id"] == "req-escaped-1"
        [error] = response.json()["errors"]
        error_id = error["extensions"]["errorId"]
        assert error == {
            "message": f"Something went wrong on our side. If it keeps happening, quote error id {error_id}.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        }
        [logged] = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
        line = json.loads(JsonFormatter().format(logged))
        assert line["request_id"] == "req-escaped-1" and "RuntimeError: the view broke" in line["exception"]

    async def test_malformed_global_id_is_a_clear_input_error(self, gql: GraphQLClient) -> None:
        response = await gql.execute('{ node(id: "not-a-global-id") { id } }')

        assert response.data == {"node": None}
        assert response.errors[0]["message"] == 'Value cannot represent a GlobalID: "not-a-global-id".'
        assert response.errors[0]["extensions"] == {"code": "INVALID_INPUT"}

    async def test_global_id_of_an_unknown_type_is_not_found(self, gql: GraphQLClient) -> None:
        unknown = to_base64("Unknown", "1")

        response = await gql.execute("query ($id: ID!) { node(id: $id) { id } }", {"id": unknown})

        assert response.body == {"data": {"node": None}}
