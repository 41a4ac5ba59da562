"""Introspection runs off the event loop and is remembered: the same answer as graphql-core's own,
and operations that mix in our own fields run as usual."""

from __future__ import annotations

import threading

import pytest
from graphql import ExecutionResult, get_introspection_query, get_operation_ast, parse

import api.introspection
from api.introspection import REMEMBERED, introspection_only
from tests.support.graphql_client import GraphQLClient

FULL = get_introspection_query(descriptions=True)


class TestIntrospectionOnly:
    @pytest.mark.parametrize(
        ("document", "only"),
        [
            ("{ __schema { queryType { name } } }", True),
            ('{ __type(name: "Query") { name } __typename }', True),
            ("{ __typename }", True),
            ("{ serverTime __schema { queryType { name } } }", False),
            ("mutation { __typename }", False),
            ("{ ... on Query { __typename } }", False),  # a fragment: treated as ordinary work
        ],
    )
    def test_only_queries_whose_root_fields_are_all_introspection(self, document: str, only: bool) -> None:
        assert introspection_only(get_operation_ast(parse(document))) is only


class TestAnswers:
    async def test_the_full_introspection_is_graphql_cores_answer_and_stays_so_when_repeated(
        self, gql: GraphQLClient
    ) -> None:
        first = await gql.execute(FULL)
        second = await gql.execute(FULL)

        assert first.status == second.status == 200 and not first.errors and not second.errors
        assert first.data == second.data
        assert first.data["__schema"]["queryType"]["name"] == "Query"
        names = {type_["name"] for type_ in first.data["__schema"]["types"]}
        assert {"Consultation", "Comment", "Department", "NotificationCategory"} <= names

    async def test_it_runs_outside_the_event_loops_thread_and_once(
        self, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A spy on the execute our module calls: which thread builds the answer, and how often.
        threads: list[str] = []
        execute = api.introspection.execute

        def spied(*args: object, **kwargs: object) -> ExecutionResult:
            threads.append(threading.current_thread().name)
            return execute(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(api.introspection, "execute", spied)
        query = '{ __type(name: "Consultation") { name description } }'
        answers = [await gql.execute(query) for _ in range(3)]

        assert [answer.data["__type"]["name"] for answer in answers] == ["Consultation"] * 3
        assert len(threads) == 1 and threads[0].startswith("townhall-cpu")

    async def test_variables_and_operation_names_give_their_own_answers(self, gql: GraphQLClient) -> None:
        query = "query Named($name: String!) { __type(name: $name) { name kind } }"
        for name in ("Consultation", "Stance", "Consultation"):
            response = await gql.execute(query, {"name": name}, operation_name="Named")
            assert response.data == {
                "__type": {"name": name, "kind": "OBJECT" if name == "Consultation" else "ENUM"}
            }

    async def test_mixed_with_our_own_fields_it_runs_as_usual(self, gql: GraphQLClient) -> None:
        response = await gql.execute("{ serverTime __schema { queryType { name } } }")

        assert response.status == 200 and not response.errors
        assert response.data["__schema"] == {"queryType": {"name": "Query"}} and response.data["serverTime"]

    async def test_only_a_few_documents_are_remembered(self, gql: GraphQLClient) -> None:
        # More distinct documents than are kept: each still answered right.
        for n in range(REMEMBERED + 3):
            response = await gql.execute(f"query Q{n} {{ __typename }}")
            assert response.data == {"__typename": "Query"}
