"""Mobile networks retry: a mutation sent again with the same Idempotency-Key does nothing twice."""

from __future__ import annotations

import json

from models.common.actors import Role
from models.departments.documents import DEPARTMENTS
from tests.support.factories import bearer, make_staff, sign_in
from tests.support.graphql_client import GRAPHQL_RESPONSE, GraphQLClient

CREATE = """
mutation ($code: String!) {
  createDepartment(input: {code: $code, nameZh: "园林局"}) {
    __typename ... on DepartmentCreated { department { id code } } ... on UserError { code message }
  }
}
"""


async def post(gql: GraphQLClient, headers: dict[str, str], variables: dict[str, str], key: str | None):
    extra = {"idempotency-key": key} if key else {}
    return await gql.http.post(
        "/graphql",
        json={"query": CREATE, "variables": variables},
        headers={"accept": GRAPHQL_RESPONSE, **headers, **extra},
    )


class TestIdempotencyKey:
    async def test_a_retry_returns_the_first_response_and_creates_nothing_more(
        self, gql: GraphQLClient, db
    ) -> None:
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))

        first = await post(gql, admin, {"code": "parks"}, "retry-1")
        retry = await post(gql, admin, {"code": "parks"}, "retry-1")

        assert first.status_code == retry.status_code == 200
        assert retry.content == first.content
        assert json.loads(first.content)["data"]["createDepartment"]["__typename"] == "DepartmentCreated"
        assert "idempotent-replayed" not in first.headers
        assert retry.headers["idempotent-replayed"] == "true"
        assert await DEPARTMENTS.of(db).count_documents({"code": "parks"}) == 1

    async def test_without_a_key_a_repeat_runs_again(self, gql: GraphQLClient, db) -> None:
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))

        await post(gql, admin, {"code": "parks"}, None)
        again = await post(gql, admin, {"code": "parks"}, None)

        assert json.loads(again.content)["data"]["createDepartment"]["__typename"] == "ConflictError"

    async def test_the_key_with_another_request_is_refused(self, gql: GraphQLClient, db) -> None:
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))
        await post(gql, admin, {"code": "parks"}, "retry-2")

        other = await post(gql, admin, {"code": "libraries"}, "retry-2")

        assert other.status_code == 422
        assert other.json()["errors"][0] == {
            "message": "this idempotency key was used for a different request",
            "extensions": {"code": "IDEMPOTENCY_KEY_REUSED"},
        }
        assert await DEPARTMENTS.of(db).count_documents({"code": "libraries"}) == 0

    async def test_keys_belong_to_one_person(self, gql: GraphQLClient, db) -> None:
        first_admin = bearer(await sign_in(db, await make_staff(db, "a1@example.cn", Role.ADMIN)))
        second_admin = bearer(await sign_in(db, await make_staff(db, "a2@example.cn", Role.ADMIN)))
        await post(gql, first_admin, {"code": "parks"}, "same-key")

        theirs = await post(gql, second_admin, {"code": "libraries"}, "same-key")

        assert json.loads(theirs.content)["data"]["createDepartment"]["__typename"] == "DepartmentCreated"

    async def test_a_malformed_key_is_a_clear_error(self, gql: GraphQLClient, db) -> None:
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))

        response = await post(gql, admin, {"code": "parks"}, "not a valid key!")

        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"] == {"code": "INVALID_INPUT"}
        assert await DEPARTMENTS.of(db).count_documents({}) == 0
