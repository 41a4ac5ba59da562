"""Officials act only within their department (and its sub-departments where the settings say so)."""

from __future__ import annotations

from models.common.actors import Role
from models.departments.documents import DEPARTMENTS
from tests.support.factories import bearer, make_citizen, make_department, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests

RENAME = """
mutation ($code: String!, $name: String!) {
  updateDepartment(input: {code: $code, nameZh: $name}) {
    __typename
    ... on UserError { code message }
    ... on DepartmentUpdated { department { code name { zh } } }
  }
}
"""


async def city(db) -> None:
    await make_department(db, "city-office", name_zh="市政府办公室")
    await make_department(db, "housing", name_zh="住建局", parent_code="city-office")
    await make_department(db, "transport", name_zh="交通局", parent_code="city-office")


async def official_of(db, department: str) -> dict[str, str]:
    person = await make_staff(
        db, f"official@{department}.example.cn", Role.OFFICIAL, department_code=department
    )
    return bearer(await sign_in(db, person))


async def stored_name(db, code: str) -> str:
    document = await DEPARTMENTS.of(db).find_one({"code": code})
    return document["name"]["zh"]


class TestOfficials:
    async def test_an_official_renames_their_own_department(self, gql: GraphQLClient, db) -> None:
        await city(db)
        housing = await official_of(db, "housing")

        result = await gql.execute(RENAME, {"code": "housing", "name": "住房和城乡建设局"}, headers=housing)

        assert result.data["updateDepartment"] == {
            "__typename": "DepartmentUpdated",
            "department": {"code": "housing", "name": {"zh": "住房和城乡建设局"}},
        }
        assert await stored_name(db, "housing") == "住房和城乡建设局"

    async def test_an_official_may_not_act_for_another_department(self, gql: GraphQLClient, db) -> None:
        await city(db)
        housing = await official_of(db, "housing")

        result = await gql.execute(RENAME, {"code": "transport", "name": "改名"}, headers=housing)

        assert result.data["updateDepartment"] == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "only officials of 交通局 (or admins) may do this",
        }
        assert await stored_name(db, "transport") == "交通局"

    async def test_a_supervising_official_may_not_act_below_by_default(self, gql: GraphQLClient, db) -> None:
        await city(db)
        office = await official_of(db, "city-office")

        result = await gql.execute(RENAME, {"code": "housing", "name": "改名"}, headers=office)

        assert result.data["updateDepartment"]["__typename"] == "ForbiddenError"
        assert await stored_name(db, "housing") == "住建局"

    async def test_a_supervising_official_may_act_below_when_the_settings_say_so(self, db) -> None:
        await city(db)
        office = await official_of(db, "city-office")
        settings = settings_for_tests(officials_act_for_sub_departments=True)

        async with running_app(db, settings) as app, client_for(app) as gql:
            result = await gql.execute(
                RENAME, {"code": "housing", "name": "住房和城乡建设局"}, headers=office
            )
            upward = await gql.execute(
                RENAME, {"code": "city-office", "name": "改名"}, headers=await official_of(db, "housing")
            )

        assert result.data["updateDepartment"]["__typename"] == "DepartmentUpdated"
        assert upward.data["updateDepartment"]["__typename"] == "ForbiddenError"


class TestOtherRoles:
    async def test_an_admin_renames_any_department(self, gql: GraphQLClient, db) -> None:
        await city(db)
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))

        result = await gql.execute(RENAME, {"code": "transport", "name": "交通运输局"}, headers=admin)

        assert result.data["updateDepartment"]["__typename"] == "DepartmentUpdated"

    async def test_a_citizen_may_not(self, gql: GraphQLClient, db) -> None:
        await city(db)
        citizen = bearer(await sign_in(db, await make_citizen(db)))

        result = await gql.execute(RENAME, {"code": "housing", "name": "改名"}, headers=citizen)

        assert result.data["updateDepartment"]["__typename"] == "ForbiddenError"
        assert await stored_name(db, "housing") == "住建局"

    async def test_nobody_signed_in_may_not(self, gql: GraphQLClient, db) -> None:
        await city(db)

        result = await gql.execute(RENAME, {"code": "housing", "name": "改名"})

        assert result.data["updateDepartment"] == {
            "__typename": "ForbiddenError",
            "code": "FORBIDDEN",
            "message": "sign in first",
        }

    async def test_a_blank_name_is_refused_and_changes_nothing(self, gql: GraphQLClient, db) -> None:
        await city(db)
        housing = await official_of(db, "housing")

        result = await gql.execute(RENAME, {"code": "housing", "name": "   "}, headers=housing)

        assert result.data["updateDepartment"]["__typename"] == "InvalidInputError"
        assert await stored_name(db, "housing") == "住建局"
