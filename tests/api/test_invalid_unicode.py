"""Text that is not valid Unicode (a lone surrogate) is refused as INVALID_INPUT before anything
runs, for every String and ID argument and input field of the schema, and in documents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)

from api.schema import build_schema
from models.common.actors import Role
from models.common.db import Database
from models.departments.documents import DEPARTMENTS
from tests.support.command_log import CommandLog
from tests.support.factories import bearer, make_staff, sign_in
from tests.support.graphql_client import GRAPHQL_RESPONSE, GraphQLClient, GraphQLResponse

LONE_SURROGATE = "a\ud800b"
TEXT_TYPES = ("String", "ID")


@dataclass(frozen=True)
class TextInput:
    """One String or ID a client can send: an argument of a root field, or a field inside one."""

    root: str  # "query" or "mutation"
    field_name: str
    field: GraphQLField
    argument: str
    path: tuple[str, ...]  # input object fields under the argument, outermost first
    value: Any  # the argument's value, carrying the lone surrogate at `path`

    @property
    def id(self) -> str:
        return ".".join((self.root, self.field_name, self.argument, *self.path))


def _carrying(type_: GraphQLInputType, inner: Any) -> Any:
    """`inner` wrapped in a list wherever `type_` is a list, so the value has the argument's shape."""
    if isinstance(type_, GraphQLNonNull):
        return _carrying(type_.of_type, inner)
    if isinstance(type_, GraphQLList):
        return [_carrying(type_.of_type, inner)]
    return inner


def _text_paths(
    type_: GraphQLInputType, seen: frozenset[str] = frozenset()
) -> list[tuple[tuple[str, ...], Any]]:
    """Every path to a String or ID inside `type_`, with a value putting the surrogate there."""
    named = get_named_type(type_)
    if named.name in TEXT_TYPES:
        return [((), _carrying(type_, LONE_SURROGATE))]
    if not isinstance(named, GraphQLInputObjectType) or named.name in seen:
        return []
    found = []
    fields: dict[str, GraphQLInputField] = named.fields
    for name, input_field in fields.items():
        for path, inner in _text_paths(input_field.type, seen | {named.name}):
            found.append(((name, *path), _carrying(type_, {name: inner})))
    return found


def text_inputs() -> list[TextInput]:
    schema = build_schema()._schema
    inputs = []
    for root, type_ in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert isinstance(type_, GraphQLObjectType)
        for field_name, field in type_.fields.items():
            arguments: dict[str, GraphQLArgument] = field.args
            for argument, definition in arguments.items():
                for path, value in _text_paths(definition.type):
                    inputs.append(TextInput(root, field_name, field, argument, path, value))
    return inputs


TEXT_INPUTS = text_inputs()


def probe(case: TextInput) -> str:
    """An operation passing every argument of the field as a variable of its own type."""
    arguments = case.field.args
    declared = ", ".join(f"${name}: {definition.type}" for name, definition in arguments.items())
    passed = ", ".join(f"{name}: ${name}" for name in arguments)
    selection = "" if is_leaf_type(get_named_type(case.field.type)) else " { __typename }"
    return f"{case.root} Probe({declared}) {{ {case.field_name}({passed}){selection} }}"


async def send(
    gql: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
    accept: str = GRAPHQL_RESPONSE,
    headers: dict[str, str] | None = None,
) -> GraphQLResponse:
    """Posted as an app's JSON encoder writes it: a lone surrogate as the escape `\\ud800`."""
    body = json.dumps({"query": query, "variables": variables})
    response = await gql.http.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", "accept": accept, **(headers or {})},
    )
    return GraphQLResponse(response.status_code, response.headers, response.json())


def test_the_walk_finds_the_known_text_arguments() -> None:
    ids = {case.id for case in TEXT_INPUTS}

    assert {
        "query.department.code",
        "query.consultations.departmentCode",
        "query.consultationComments.clauseId",
        "query.consultationComments.consultationId",
        "query.node.id",
        "mutation.logInStaff.email",
    } <= ids
    assert any(case.path for case in TEXT_INPUTS)  # fields inside input objects too
    assert len(TEXT_INPUTS) > 50


@pytest.mark.parametrize("case", TEXT_INPUTS, ids=lambda case: case.id)
async def test_a_lone_surrogate_is_refused_before_anything_runs(
    gql: GraphQLClient, command_log: CommandLog, case: TextInput
) -> None:
    with command_log.count() as used:
        response = await send(gql, probe(case), {case.argument: case.value})

    assert response.status == 400, response.body
    assert "data" not in response.body
    assert response.error_codes() == ["INVALID_INPUT"], response.errors
    message = response.errors[0]["message"]
    assert message.startswith(f"Variable '${case.argument}' is not valid Unicode: ")
    assert "lone surrogate (U+D800)" in message
    assert used.total == 0  # nothing ran: not even a read


class TestControls:
    async def test_the_same_probe_with_valid_text_runs(
        self, gql: GraphQLClient, command_log: CommandLog
    ) -> None:
        (case,) = [case for case in TEXT_INPUTS if case.id == "query.department.code"]

        with command_log.count() as used:
            response = await gql.execute(probe(case), {"code": "a\U0001f600b"})  # a pair is valid

        assert response.status == 200 and response.body == {"data": {"department": None}}
        assert used.total > 0

    async def test_the_message_names_where_in_an_input_it_is(self, gql: GraphQLClient) -> None:
        # Every variable sent is checked, declared or not.
        response = await send(
            gql,
            "query Q($code: String!) { department(code: $code) { code } }",
            {"code": "ok", "extra": ["ok", {"name": "x\udc00"}]},
        )

        assert response.error_codes() == ["INVALID_INPUT"]
        assert response.errors[0]["message"] == (
            "Variable '$extra' is not valid Unicode: it holds a lone surrogate (U+DC00) "
            "at [1].name, character 1. Send text as UTF-8."
        )

    async def test_application_json_clients_get_200_with_the_error(self, gql: GraphQLClient) -> None:
        response = await send(
            gql,
            "query Q($code: String!) { department(code: $code) { code } }",
            {"code": LONE_SURROGATE},
            accept="application/json",
        )

        assert response.status == 200
        assert response.error_codes() == ["INVALID_INPUT"]


INLINE = {
    "department": '{{ department(code: "{text}") {{ code }} }}',
    "consultations": '{{ consultations(departmentCode: "{text}") {{ edges {{ cursor }} }} }}',
    "consultationComments": (
        '{{ consultationComments(consultationId: "Q29uc3VsdGF0aW9uOjE=", clauseId: "{text}") '
        "{{ edges {{ cursor }} }} }}"
    ),
    "logInStaff": 'mutation {{ logInStaff(email: "{text}", password: "x") {{ __typename }} }}',
}


class TestSignedIn:
    async def test_a_remembered_mutation_is_refused_the_same_way(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.gov.cn", Role.ADMIN)))
        mutation = (
            "mutation M($input: CreateDepartmentInput!) { createDepartment(input: $input) { __typename } }"
        )
        variables = {"input": {"code": "parks", "nameZh": LONE_SURROGATE}}

        first = await send(gql, mutation, variables, headers={**admin, "idempotency-key": "k-1"})
        again = await send(gql, mutation, variables, headers={**admin, "idempotency-key": "k-1"})

        assert first.status == 400 and first.error_codes() == ["INVALID_INPUT"]
        assert "at nameZh, character 1" in first.errors[0]["message"]
        assert (again.status, again.body) == (first.status, first.body)
        assert await DEPARTMENTS.of(db).count_documents({}) == 0


class TestInDocuments:
    @pytest.mark.parametrize("field", INLINE)
    @pytest.mark.parametrize(
        "text", [LONE_SURROGATE, "a\\ud800b", "a\\u{DFFF}b"], ids=["raw", "escaped", "braced"]
    )
    async def test_a_lone_surrogate_in_a_literal_is_refused(
        self, gql: GraphQLClient, command_log: CommandLog, field: str, text: str
    ) -> None:
        with command_log.count() as used:
            response = await send(gql, INLINE[field].format(text=text))

        assert response.status == 400
        assert "data" not in response.body
        assert response.error_codes() == ["INVALID_INPUT"]
        assert response.errors[0]["message"].startswith("Syntax Error: Invalid ")
        assert used.total == 0

    async def test_other_syntax_errors_keep_their_code(self, gql: GraphQLClient) -> None:
        response = await gql.execute('{ department(code: "a\\uzzzz") { code } }')

        assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]

    async def test_an_operation_name_that_is_not_unicode_is_refused(self, gql: GraphQLClient) -> None:
        body = json.dumps({"query": "query A { serverTime }", "operationName": "A\ud800"})
        response = await gql.http.post(
            "/graphql", content=body, headers={"content-type": "application/json", "accept": GRAPHQL_RESPONSE}
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "The operation name is not valid Unicode."


class TestOverWebsockets:
    async def test_a_lone_surrogate_in_subscribe_variables_is_an_error_message(
        self, gql: GraphQLClient
    ) -> None:
        async with gql.websocket() as socket:
            await socket.init()
            operation_id = await socket.subscribe(
                "query Q($code: String!) { department(code: $code) { code } }", {"code": LONE_SURROGATE}
            )

            message = await socket.receive()

        assert message["id"] == operation_id and message["type"] == "error"
        assert [error["extensions"]["code"] for error in message["payload"]] == ["INVALID_INPUT"]
