"""Abusive operations are refused before they run: depth, aliases, tokens, cost, introspection."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import ANY

import pytest
from graphql import get_introspection_query
from strawberry.relay import to_base64

from api.settings import Limits, Settings
from models.common.db import Database
from tests.support.command_log import CommandLog
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests
from tests.support.live_server import ROOT


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


def fragment_fan_out(levels: int) -> str:
    """`{ ...F0 }` where each fragment spreads the next twice: 2**levels paths to the last one."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return "\n".join(["{ ...F0 }", *fragments, f"fragment F{levels} on Query {{ serverTime }}"])


async def timed(gql: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> tuple[Any, float]:
    started = time.perf_counter()
    response = await gql.execute(query, variables)
    return response, time.perf_counter() - started


async def health_while(gql: GraphQLClient, query: str) -> tuple[Any, float, list[float]]:
    """Send `query` while /healthz is asked again and again; the /healthz latencies seen meanwhile."""
    done = asyncio.Event()
    latencies: list[float] = []

    async def ask_health() -> None:
        # Timed from when it could be sent (after a short pause), so that a blocked loop shows.
        while True:
            asked = time.perf_counter() + 0.002
            await asyncio.sleep(0.002)
            answer = await gql.http.get("/healthz")
            assert answer.status_code == 200
            latencies.append(time.perf_counter() - asked)
            if done.is_set():
                return

    async def hostile() -> tuple[Any, float]:
        try:
            return await timed(gql, query)
        finally:
            done.set()

    (response, elapsed), _ = await asyncio.gather(hostile(), ask_health())
    return response, elapsed, latencies


class TestFragmentFanOut:
    @pytest.mark.parametrize("levels", [20, 30])
    async def test_fan_out_is_refused_at_once_while_healthz_answers(
        self, gql: GraphQLClient, levels: int
    ) -> None:
        response, elapsed, health = await health_while(gql, fragment_fan_out(levels))

        assert response.status == 400
        assert response.error_codes() == ["QUERY_TOO_COSTLY"]
        assert response.errors[0]["extensions"]["cost"] == 2**levels
        assert elapsed < 0.5  # it took ~9 s at 20 levels when every path was walked
        assert health and max(health) < 0.5

    async def test_fan_out_of_free_fields_runs(self, gql: GraphQLClient) -> None:
        query = fragment_fan_out(30).replace("{ serverTime }", "{ __typename }")

        response, elapsed = await timed(gql, query)

        assert response.status == 200
        assert response.data == {"__typename": "Query"}
        assert elapsed < 0.5

    async def test_depth_through_fragments_is_counted(self, gql: GraphQLClient) -> None:
        query = f"fragment Q on Query {{ {nested_children(5)[2:-2]} }} {{ ...Q }}"

        response = await gql.execute(query)

        assert response.status == 400
        assert "exceeds maximum operation depth of 12" in response.errors[0]["message"]

    async def test_aliases_in_a_fragment_count_at_each_spread(self, gql: GraphQLClient) -> None:
        aliases = " ".join(f"t{i}: serverTime" for i in range(16))
        response = await gql.execute(
            f"fragment T on Query {{ {aliases} }} {{ ...T ... on Query {{ ...T }} }}"
        )

        assert response.status == 400
        assert response.errors[0]["message"] == "32 aliases found. Allowed: 30"


class TestRepeatedSelections:
    async def test_a_field_repeated_hundreds_of_times_is_refused(self, gql: GraphQLClient) -> None:
        response, elapsed = await timed(gql, "{ " + " serverTime" * 400 + " }")

        assert response.status == 400
        assert response.error_codes() == ["QUERY_TOO_COMPLEX"]
        assert elapsed < 0.5

    async def test_a_few_repeats_through_fragments_run(self, gql: GraphQLClient) -> None:
        query = """fragment A on Query { serverTime } fragment B on Query { serverTime }
        { serverTime ...A ...B ... on Query { serverTime } }"""

        response = await gql.execute(query)

        assert response.status == 200
        assert set(response.data) == {"serverTime"}

    async def test_many_operations_sharing_a_large_fragment_are_refused(self, gql: GraphQLClient) -> None:
        fields = " ".join(f"d{i}: departments(first: 1) {{ edges {{ cursor }} }}" for i in range(30))
        operations = " ".join(f"query Q{i} {{ ...F }}" for i in range(25))
        query = f"{operations} fragment F on Query {{ {fields} }}"

        response = await gql.execute(query, operation_name="Q0")

        assert response.status == 400
        assert "send one operation per request" in response.errors[-1]["message"]


NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
DEPARTMENT_NODES = """query ($ids: [ID!]!) { %s }"""
DEPARTMENT_SELECTION = "nodes(ids: $ids) { id ... on Department { code name { zh en } parent { code } } }"


def department_ids(count: int) -> list[str]:
    return [to_base64("Department", f"{index:024x}") for index in range(count)]


class TestNodes:
    async def test_1500_inline_ids_are_refused_before_any_database_work(
        self, gql: GraphQLClient, command_log: CommandLog
    ) -> None:
        ids = ", ".join(f'"{node_id}"' for node_id in department_ids(1_500))
        selection = "id ... on Department { code name { zh en } parent { code } }"

        with command_log.count() as used:
            response, elapsed = await timed(gql, f"{{ nodes(ids: [{ids}]) {{ {selection} }} }}")

        assert response.status == 400
        assert response.error_codes() == ["INVALID_INPUT", "QUERY_TOO_COSTLY"]
        assert response.errors[0]["message"] == "nodes takes at most 100 ids; this asks for 1500."
        assert response.errors[0]["extensions"]["field"] == "ids"
        assert response.errors[1]["extensions"]["cost"] == 1 + 1_500 * 7
        assert used.total == 0
        assert elapsed < 0.5

    async def test_1500_ids_in_a_variable_under_10_aliases_are_refused_before_any_database_work(
        self, gql: GraphQLClient, command_log: CommandLog
    ) -> None:
        query = DEPARTMENT_NODES % " ".join(f"n{i}: {DEPARTMENT_SELECTION}" for i in range(10))

        with command_log.count() as used:
            response, elapsed = await timed(gql, query, {"ids": department_ids(1_500)})

        assert response.status == 400
        assert response.error_codes() == ["INVALID_INPUT", "QUERY_TOO_COSTLY"]
        assert response.errors[0]["extensions"]["field"] == "ids"
        assert response.errors[1]["extensions"]["cost"] == 10 * (1 + 1_500 * 7)
        assert used.total == 0
        assert elapsed < 0.5

    async def test_101_ids_in_a_variable_are_refused(self, gql: GraphQLClient) -> None:
        response = await gql.execute(NODES, {"ids": department_ids(101)})

        assert response.status == 400
        assert response.error_codes() == ["INVALID_INPUT"]
        assert response.errors[0]["message"] == "nodes takes at most 100 ids; this asks for 101."

    async def test_ids_in_a_variable_count_as_many_as_given(self, gql: GraphQLClient) -> None:
        # Ten aliases would cost 7,010 with the 100-id cap assumed; with 3 ids given, 220.
        query = DEPARTMENT_NODES % " ".join(f"n{i}: {DEPARTMENT_SELECTION}" for i in range(10))

        response = await gql.execute(query, {"ids": department_ids(3)})

        assert response.status == 200, response.errors
        assert response.data["n0"] == [None, None, None]

    async def test_many_ids_in_a_variable_make_the_same_operation_too_costly(
        self, gql: GraphQLClient
    ) -> None:
        query = DEPARTMENT_NODES % " ".join(f"n{i}: {DEPARTMENT_SELECTION}" for i in range(10))

        response = await gql.execute(query, {"ids": department_ids(100)})

        assert response.status == 400
        assert response.error_codes() == ["QUERY_TOO_COSTLY"]
        assert response.errors[0]["extensions"]["cost"] == 10 * (1 + 100 * 7)

    async def test_100_ids_are_accepted(self, gql: GraphQLClient) -> None:
        response = await gql.execute(NODES, {"ids": department_ids(100)})

        assert response.status == 200
        assert response.data == {"nodes": [None] * 100}


def graphiql_introspection_query() -> str:
    """graphql-js's standard introspection query (what GraphiQL sends), every option on."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "graphql").is_dir():
        pytest.fail("this test needs Node and `npm ci` (make test runs it)")
    options = (
        "{descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, "
        "schemaDescription: true, inputValueDeprecation: true, oneOf: true}"
    )
    script = f"process.stdout.write(require('graphql').getIntrospectionQuery({options}))"
    return subprocess.run(
        [node, "-e", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout


DEEP_SCHEMA = "__schema { types { name fields { name type { name ofType { name ofType { name } } } } } }"


class TestIntrospectionBudget:
    async def test_graphiql_introspection_passes(self, gql: GraphQLClient) -> None:
        response = await gql.execute(graphiql_introspection_query())

        assert response.status == 200
        assert not response.errors
        assert response.data["__schema"]["queryType"]["name"] == "Query"

    async def test_every_option_of_graphql_core_introspection_passes(self, gql: GraphQLClient) -> None:
        query = get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
            one_of=True,
        )
        response = await gql.execute(query)

        assert response.status == 200
        assert not response.errors

    async def test_30_aliased_schemas_are_refused(self, gql: GraphQLClient) -> None:
        aliases = " ".join(f"s{i}: {DEEP_SCHEMA}" for i in range(30))

        response, elapsed = await timed(gql, f"{{ {aliases} }}")

        assert response.status == 400
        assert set(response.error_codes()) == {"INTROSPECTION_TOO_COSTLY"}
        assert "selects __schema 30 times; an operation may select it once" in response.errors[0]["message"]
        assert elapsed < 0.5

    async def test_introspection_nested_deeper_than_the_standard_query_is_refused(
        self, gql: GraphQLClient
    ) -> None:
        type_ref = "name"
        for _ in range(14):
            type_ref = f"name ofType {{ {type_ref} }}"

        response = await gql.execute(f'{{ __type(name: "Query") {{ fields {{ type {{ {type_ref} }} }} }} }}')

        assert response.status == 400
        assert response.error_codes() == ["INTROSPECTION_TOO_DEEP"]

    async def test_one_type_is_introspected(self, gql: GraphQLClient) -> None:
        response = await gql.execute('{ __type(name: "PageInfo") { fields { name } } }')

        assert response.status == 200
        assert {"name": "hasNextPage"} in response.data["__type"]["fields"]

    async def test_development_suggests_names(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ serverTme }")

        assert "Did you mean 'serverTime'?" in response.errors[0]["message"]


@pytest.fixture
async def production_gql(db: Database) -> AsyncIterator[GraphQLClient]:
    """The app with introspection as production has it by default."""
    settings = settings_for_tests(limits=Limits(introspection=False))
    async with running_app(db, settings) as app, client_for(app) as client:
        yield client


class TestIntrospectionOff:
    def test_production_turns_introspection_off_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_ENV", "production")
        monkeypatch.delenv("TOWNHALL_INTROSPECTION", raising=False)
        assert Settings.from_env().limits.introspection is False

        monkeypatch.setenv("TOWNHALL_INTROSPECTION", "true")
        assert Settings.from_env().limits.introspection is True

    def test_development_has_introspection_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_ENV", "development")
        monkeypatch.delenv("TOWNHALL_INTROSPECTION", raising=False)
        assert Settings.from_env().limits.introspection is True

    async def test_introspection_is_refused(self, production_gql: GraphQLClient) -> None:
        response = await production_gql.execute(get_introspection_query())

        assert response.status == 400
        assert response.error_codes() == ["INTROSPECTION_DISABLED"]
        assert response.errors[0]["message"] == "Introspection is turned off on this server."

    async def test_one_type_is_refused(self, production_gql: GraphQLClient) -> None:
        response = await production_gql.execute('{ __type(name: "Query") { name } }')

        assert response.error_codes() == ["INTROSPECTION_DISABLED"]

    async def test_typename_still_answers(self, production_gql: GraphQLClient) -> None:
        assert await production_gql.data("{ __typename serverTime }") == {
            "__typename": "Query",
            "serverTime": ANY,
        }

    async def test_validation_errors_make_no_suggestions(self, production_gql: GraphQLClient) -> None:
        response = await production_gql.execute("{ serverTme }")

        assert response.status == 400
        assert response.errors[0]["message"] == "Cannot query field 'serverTme' on type 'Query'."

    async def test_variable_errors_make_no_suggestions(self, production_gql: GraphQLClient) -> None:
        query = "query ($s: ModerationItemStatus!) { moderationQueue(status: $s) { edges { cursor } } }"

        response = await production_gql.execute(query, {"s": "OPN"})

        assert response.status == 400
        assert "OPN" in response.errors[0]["message"]
        assert "Did you mean" not in response.errors[0]["message"]


class TestLargeDocumentsOffTheLoop:
    async def test_healthz_answers_while_large_documents_are_validated(self, gql: GraphQLClient) -> None:
        # 35 repeated composite fields: graphql-core's overlap check takes ~30 ms, in a worker thread.
        repeated = " ".join("departments(first: 1) { edges { node { code } } }" for _ in range(35))
        query = f"{{ {repeated} }}"

        response, elapsed, health = await health_while(gql, query)

        assert response.status == 200, response.errors
        assert elapsed < 0.5
        assert health and max(health) < 0.5
