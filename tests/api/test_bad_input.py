"""Bad request bodies and query strings get 400 with a GraphQL error body, the request id echoed
and logged — never a plain-text 500 from the ASGI layer."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from models.common.actors import Role
from models.common.idempotency import IDEMPOTENCY_KEYS
from models.departments.documents import DEPARTMENTS
from tests.support.factories import bearer, make_staff, sign_in
from tests.support.graphql_client import GRAPHQL_RESPONSE, GraphQLClient

SERVER_TIME = "{ serverTime }"
CREATE_DEPARTMENT = """
mutation Create($input: CreateDepartmentInput!) {
  createDepartment(input: $input) { __typename }
}
"""
REQUEST_ID = "bad-input-0001"


def deep_list(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


async def post(gql: GraphQLClient, body: bytes, **headers: str) -> httpx.Response:
    return await gql.http.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "accept": GRAPHQL_RESPONSE,
            "x-request-id": REQUEST_ID,
            **headers,
        },
    )


def assert_refused(response: httpx.Response, caplog: pytest.LogCaptureFixture, message: str) -> None:
    """400, the GraphQL-over-HTTP error body, the request id echoed and on the access log line."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    assert response.headers["x-request-id"] == REQUEST_ID
    logged = [r for r in caplog.records if r.name == "townhall.access" and r.getMessage() == "request"]
    assert [(r.request_id, r.status) for r in logged] == [(REQUEST_ID, 400)]  # type: ignore[attr-defined]


def variables_body(variables: str) -> bytes:
    query = "query Q($a: String!) { department(code: $a) { code } }"
    return ('{"query": "' + query + '", "variables": {"a": ' + variables + "}}").encode()


TOO_DEEP = "The JSON nests arrays and objects deeper than 100 levels."


class TestDeepJSON:
    @pytest.mark.parametrize("nested", [deep_list(1000), deep_object(1000)], ids=["list", "object"])
    async def test_variables_nested_1000_deep_are_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, nested: str
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, variables_body(nested))

        assert_refused(response, caplog, TOO_DEEP)

    async def test_variables_nested_just_past_the_bound_are_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        # The body object and `variables` are two levels; 99 more make 101.
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, variables_body(deep_list(99)))

        assert_refused(response, caplog, TOO_DEEP)

    async def test_nesting_up_to_the_bound_is_read(self, gql: GraphQLClient) -> None:
        response = await post(gql, variables_body(deep_list(98)))

        # Read, then refused by GraphQL itself: a list is no String.
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["message"].startswith("Variable '$a' has invalid value: String cannot represent")
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    async def test_brackets_inside_strings_do_not_count(self, gql: GraphQLClient) -> None:
        response = await post(gql, variables_body(json.dumps("[{" * 500)))

        assert response.status_code == 200
        assert response.json() == {"data": {"department": None}}

    @pytest.mark.parametrize("nested", [deep_list(1000), deep_object(1000)], ids=["list", "object"])
    async def test_deep_variables_in_a_get_query_string_are_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, nested: str
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await gql.http.get(
                "/graphql",
                params={"query": SERVER_TIME, "variables": '{"a": ' + nested + "}"},
                headers={"accept": GRAPHQL_RESPONSE, "x-request-id": REQUEST_ID},
            )

        assert_refused(response, caplog, TOO_DEEP)


class TestBodyShape:
    @pytest.mark.parametrize("body", [b"null", b'"x"', b"1", b"true", b" \n null"])
    async def test_a_body_that_is_not_an_object_is_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, body: bytes
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, body)

        assert_refused(response, caplog, "The request body must be a JSON object with the operation's query.")

    @pytest.mark.parametrize("body", [b"[]", b"[1]", b'[{"query": "{ serverTime }"}]'])
    async def test_a_list_body_is_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture, body: bytes
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, body)

        assert_refused(response, caplog, "Send one operation per request: batches are not supported.")

    async def test_an_invalid_utf8_byte_is_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, b'{"query": "{ serverTime \xff }"}')

        assert_refused(response, caplog, "The JSON is not valid UTF-8 (byte 0xff at offset 24).")

    async def test_an_integer_too_long_to_convert_is_refused(
        self, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(gql, variables_body("1" * 5000))

        assert response.status_code == 400
        assert response.json()["errors"][0]["message"].startswith(
            "The JSON cannot be read: Exceeds the limit"
        )
        assert response.headers["x-request-id"] == REQUEST_ID

    async def test_application_json_clients_get_the_same_refusal(self, gql: GraphQLClient) -> None:
        response = await post(gql, b"null", accept="application/json")

        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


class TestIdempotentMutations:
    """With an Idempotency-Key the body is read once more, to know the request: the same bounds."""

    async def test_deep_variables_with_an_idempotency_key_are_refused(
        self, gql: GraphQLClient, db: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        admin = await make_staff(db, "admin@example.gov.cn", Role.ADMIN)
        body = f'{{"query": {json.dumps(CREATE_DEPARTMENT)}, "variables": {{"input": {deep_object(1000)}}}}}'

        with caplog.at_level(logging.INFO, logger="townhall.access"):
            response = await post(
                gql, body.encode(), **{"idempotency-key": "k-1"}, **bearer(await sign_in(db, admin))
            )

        assert_refused(response, caplog, TOO_DEEP)
        assert await DEPARTMENTS.of(db).count_documents({}) == 0

    async def test_a_document_over_the_token_limit_with_an_idempotency_key_is_refused_by_the_limit(
        self, gql: GraphQLClient, db: Any
    ) -> None:
        admin = await make_staff(db, "admin@example.gov.cn", Role.ADMIN)
        padding = " ".join("__typename" for _ in range(2500))  # over TOWNHALL_MAX_TOKENS (2000)
        query = CREATE_DEPARTMENT.replace("{ __typename }", "{ " + padding + " }")
        variables = {"input": {"code": "water", "name": {"zh": "市水务局"}}}
        body = json.dumps({"query": query, "variables": variables}).encode()

        response = await post(gql, body, **{"idempotency-key": "k-2"}, **bearer(await sign_in(db, admin)))

        assert response.status_code == 400
        errors = response.json()["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["GRAPHQL_VALIDATION_FAILED"]
        assert "tokens" in errors[0]["message"]
        assert await DEPARTMENTS.of(db).count_documents({}) == 0
        assert await IDEMPOTENCY_KEYS.of(db).count_documents({}) == 0
