"""Abusive operations are refused before they run: depth, aliases, tokens and cost."""

from __future__ import annotations

from graphql import get_introspection_query

from tests.support.graphql_client import GraphQLClient


def nested_children(depth: int) -> str:
    selection = "code"
    for _ in range(depth):
        selection = f"children(first: 1) {{ edges {{ node {{ {selection} }} }} }}"
    return f"{{ departments(first: 1) {{ edges {{ node {{ {selection} }} }} }} }}"


class TestDepth:
    async def test_deep_query_is_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute(nested_children(5))

        assert response.status == 400
        assert "exceeds maximum operation depth of 12" in response.errors[0]["message"]

    async def test_query_within_depth_runs(self, gql: GraphQLClient) -> None:
        response = await gql.execute(nested_children(2))

        assert response.status == 200
        assert response.data == {"departments": {"edges": []}}


class TestAliases:
    async def test_too_many_aliases_are_refused(self, gql: GraphQLClient) -> None:
        aliases = " ".join(f"t{i}: serverTime" for i in range(31))
        response = await gql.execute(f"{{ {aliases} }}")

        assert response.status == 400
        assert "30" in response.errors[0]["message"]
        assert "aliases" in response.errors[0]["message"]


class TestTokens:
    async def test_too_many_tokens_are_refused(self, gql: GraphQLClient) -> None:
        fields = " ".join("serverTime" for _ in range(2_100))
        response = await gql.execute(f"{{ {fields} }}")

        assert response.status == 400
        assert "data" not in response.body
        assert "more than 2000 tokens" in response.errors[0]["message"]


class TestCost:
    async def test_nested_pages_are_refused_by_cost(self, gql: GraphQLClient) -> None:
        query = """{ departments(first: 100) { edges { node {
            children(first: 100) { edges { node { code parent { code } } } } } } } }"""
        response = await gql.execute(query)

        assert response.status == 400
        error = response.errors[0]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["limit"] == 5000
        assert error["extensions"]["cost"] > 5000
        assert "fewer items per page" in error["message"]

    async def test_page_size_from_a_variable_counts_as_the_maximum(self, gql: GraphQLClient) -> None:
        query = """query ($n: Int) { departments(first: $n) { edges { node {
            children(first: $n) { edges { node { code } } } } } } }"""
        response = await gql.execute(query, {"n": 2})

        assert response.status == 400
        assert response.error_codes() == ["QUERY_TOO_COSTLY"]

    async def test_fragments_are_counted(self, gql: GraphQLClient) -> None:
        query = """
        fragment Kids on Department { children(first: 100) { edges { node { code parent { code } } } } }
        { departments(first: 100) { edges { node { ...Kids } } } }"""
        response = await gql.execute(query)

        assert response.error_codes() == ["QUERY_TOO_COSTLY"]


class TestPageSize:
    async def test_first_above_the_maximum_is_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ departments(first: 101) { edges { cursor } } }")

        assert response.status == 200
        assert response.data is None
        assert response.errors[0]["message"] == "first can be at most 100"
        assert response.errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}

    async def test_negative_last_is_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ departments(last: -1) { edges { cursor } } }")

        assert response.errors[0]["message"] == "last cannot be negative"


class TestIntrospection:
    async def test_graphiql_introspection_is_not_limited(self, gql: GraphQLClient) -> None:
        response = await gql.execute(get_introspection_query(descriptions=True))

        assert response.status == 200
        assert not response.errors
        names = {t["name"] for t in response.data["__schema"]["types"]}
        assert {"Department", "Node", "PageInfo", "CreateDepartmentResult"} <= names
