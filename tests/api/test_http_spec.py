"""GraphQL over HTTP as the GraphQL-over-HTTP specification asks: media types and status codes."""

from __future__ import annotations

import json

from tests.support.graphql_client import GRAPHQL_RESPONSE, GraphQLClient

SERVER_TIME = "query ServerTime { serverTime }"
CREATE_DEPARTMENT = """
mutation Create($input: CreateDepartmentInput!) {
  createDepartment(input: $input) { __typename }
}
"""


class TestMediaTypes:
    async def test_graphql_response_json_when_accepted(self, gql: GraphQLClient) -> None:
        response = await gql.execute(SERVER_TIME, accept=GRAPHQL_RESPONSE)

        assert response.status == 200
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert response.data["serverTime"].endswith("+00:00")

    async def test_application_json_for_older_clients(self, gql: GraphQLClient) -> None:
        response = await gql.execute(SERVER_TIME, accept="application/json")

        assert response.status == 200
        assert response.headers["content-type"].startswith("application/json")

    async def test_no_accept_header_is_treated_as_json(self, gql: GraphQLClient) -> None:
        response = await gql.http.post("/graphql", json={"query": SERVER_TIME}, headers={"accept": ""})

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")

    async def test_a_wildcard_accept_is_answered_with_json(self, gql: GraphQLClient) -> None:
        response = await gql.execute(SERVER_TIME, accept="*/*")

        assert response.status == 200
        assert response.headers["content-type"].startswith("application/json")

    async def test_a_named_graphql_response_type_wins_over_a_wildcard(self, gql: GraphQLClient) -> None:
        response = await gql.execute(SERVER_TIME, accept=f"*/*, {GRAPHQL_RESPONSE}")

        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)

    async def test_preference_follows_quality(self, gql: GraphQLClient) -> None:
        accept = f"{GRAPHQL_RESPONSE};q=0.5, application/json;q=0.9"
        response = await gql.execute(SERVER_TIME, accept=accept)

        assert response.headers["content-type"].startswith("application/json")

    async def test_unacceptable_media_type_is_406(self, gql: GraphQLClient) -> None:
        response = await gql.http.post(
            "/graphql", json={"query": SERVER_TIME}, headers={"accept": "text/csv"}
        )

        assert response.status_code == 406
        assert "Accept" in response.json()["errors"][0]["message"]


class TestRequestErrors:
    async def test_parse_error_is_400_without_data(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ serverTime ", accept=GRAPHQL_RESPONSE)

        assert response.status == 400
        assert "data" not in response.body
        assert "Syntax Error" in response.errors[0]["message"]

    async def test_validation_error_is_400_without_data(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ noSuchField }", accept=GRAPHQL_RESPONSE)

        assert response.status == 400
        assert "data" not in response.body
        assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]

    async def test_variable_error_is_400(self, gql: GraphQLClient) -> None:
        response = await gql.execute(CREATE_DEPARTMENT, {"input": {"code": 5}}, accept=GRAPHQL_RESPONSE)

        assert response.status == 400
        assert "data" not in response.body

    async def test_request_errors_are_200_for_application_json(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ noSuchField }", accept="application/json")

        assert response.status == 200
        assert response.errors[0]["message"].startswith("Cannot query field 'noSuchField'")

    async def test_malformed_json_body_is_400(self, gql: GraphQLClient) -> None:
        response = await gql.http.post(
            "/graphql",
            content=b'{"query": ',
            headers={"content-type": "application/json", "accept": GRAPHQL_RESPONSE},
        )

        assert response.status_code == 400
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert response.json()["errors"][0]["message"] == "Unable to parse request body as JSON"

    async def test_oversized_body_is_413(self, gql: GraphQLClient) -> None:
        query = "{ serverTime }" + " " * 200_000
        response = await gql.http.post("/graphql", content=json.dumps({"query": query}).encode())

        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


class TestMethods:
    async def test_query_over_get(self, gql: GraphQLClient) -> None:
        response = await gql.http.get(
            "/graphql", params={"query": SERVER_TIME}, headers={"accept": GRAPHQL_RESPONSE}
        )

        assert response.status_code == 200
        assert "serverTime" in response.json()["data"]

    async def test_mutation_over_get_is_405(self, gql: GraphQLClient) -> None:
        query = 'mutation { createDepartment(input: {code: "x", nameZh: "x"}) { __typename } }'
        response = await gql.http.get(
            "/graphql", params={"query": query}, headers={"accept": GRAPHQL_RESPONSE}
        )

        assert response.status_code == 405
        assert response.headers["allow"] == "POST"

    async def test_graphiql_in_development(self, gql: GraphQLClient) -> None:
        response = await gql.http.get("/graphql", headers={"accept": "text/html"})

        assert response.status_code == 200
        assert "graphiql" in response.text.lower()

    async def test_request_id_is_echoed(self, gql: GraphQLClient) -> None:
        response = await gql.http.post(
            "/graphql", json={"query": SERVER_TIME}, headers={"x-request-id": "app-req-12345678"}
        )

        assert response.headers["x-request-id"] == "app-req-12345678"
