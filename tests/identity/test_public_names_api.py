"""Citizens' public names may not pass for staff or the service; staff are marked as staff."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from models.common.actors import Role
from models.identity.documents import PEOPLE
from moderation.detectors.impersonation import department_forms
from tests.support.factories import bearer, make_citizen, make_department, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient

SET_NAME = """
mutation ($name: String!) {
  updateMe(input: {publicName: $name}) {
    __typename
    ... on UserError { code message field }
    ... on MeUpdated { me { person { publicName isStaff } } }
  }
}
"""
PERSON = "query ($id: ID!) { node(id: $id) { ... on Person { publicName role isStaff } } }"


async def city(db) -> None:
    await make_department(db, "transport", name_zh="市交通运输局")
    await make_department(db, "housing", name_zh="市住房和城乡建设局")
    official = await make_staff(
        db, "liu.fang@transport.example.cn", Role.OFFICIAL, department_code="transport"
    )
    await PEOPLE.of(db).update_one({"_id": official["_id"]}, {"$set": {"public_name": "刘芳"}})


async def set_name(gql: GraphQLClient, db, name: str) -> dict:
    session = await sign_in(db, await make_citizen(db))
    response = await gql.execute(SET_NAME, {"name": name}, headers=bearer(session))
    assert response.status == 200 and not response.errors, response.errors
    return response.data["updateMe"]


class TestNamesThatPassForStaff:
    @pytest.mark.parametrize(
        ("name", "word"),
        [
            ("交通局 刘芳", "市交通运输局"),
            ("交通運輸局小王", "市交通运输局"),  # traditional characters
            ("市住房和城乡建设局", "市住房和城乡建设局"),
            ("住房局老李", "市住房和城乡建设局"),
        ],
    )
    async def test_a_department_name_or_short_name_is_refused(
        self, gql: GraphQLClient, db, name, word
    ) -> None:
        await city(db)

        result = await set_name(gql, db, name)

        assert result == {
            "__typename": "InvalidInputError",
            "code": "INVALID_INPUT",
            "field": "publicName",
            "message": f"a public name may not contain a department's name ({word}): "
            "it would pass for an official",
        }

    @pytest.mark.parametrize(
        ("name", "word"),
        [
            ("系统管理员", "管理员"),
            ("官方 客服", "官方"),
            ("本站版主", "版主"),
            ("Site Admin", "admin"),
            ("ＡＤＭＩＮ", "admin"),
        ],
    )
    async def test_a_role_word_is_refused(self, gql: GraphQLClient, db, name, word) -> None:
        await city(db)

        result = await set_name(gql, db, name)

        assert (result["__typename"], result["field"]) == ("InvalidInputError", "publicName")
        assert (
            result["message"]
            == f"a public name may not contain “{word}”: it would pass for staff or the service"
        )

    @pytest.mark.parametrize("name", ["刘芳", "刘 芳"])
    async def test_a_staff_members_own_name_is_refused(self, gql: GraphQLClient, db, name) -> None:
        await city(db)

        result = await set_name(gql, db, name)

        assert result["__typename"] == "InvalidInputError"
        assert result["message"] == "this is a staff member's public name; choose another"

    async def test_a_refused_name_changes_nothing(self, gql: GraphQLClient, db) -> None:
        await city(db)
        citizen = await make_citizen(db)
        session = await sign_in(db, citizen)

        await gql.execute(SET_NAME, {"name": "系统管理员"}, headers=bearer(session))

        stored = await PEOPLE.of(db).find_one({"_id": citizen["_id"]})
        assert stored["public_name"] == citizen["public_name"]
        assert "pending_public_name" not in stored

    @pytest.mark.parametrize("name", ["刘芳芳", "交通迷", "badminton fan", "东湖老王"])
    async def test_ordinary_names_are_taken(self, gql: GraphQLClient, db, name) -> None:
        await city(db)

        result = await set_name(gql, db, name)

        assert result == {"__typename": "MeUpdated", "me": {"person": {"publicName": name, "isStaff": False}}}

    async def test_staff_may_use_their_departments_name(self, gql: GraphQLClient, db) -> None:
        await city(db)
        official = await sign_in(
            db, await make_staff(db, "o@transport.example.cn", Role.OFFICIAL, department_code="transport")
        )

        response = await gql.execute(SET_NAME, {"name": "交通局 王强"}, headers=bearer(official))

        assert response.data["updateMe"] == {
            "__typename": "MeUpdated",
            "me": {"person": {"publicName": "交通局 王强", "isStaff": True}},
        }


class TestStaffAreMarked:
    async def test_a_staff_member_is_marked_and_a_citizen_is_not(self, gql: GraphQLClient, db) -> None:
        await city(db)
        official = await PEOPLE.of(db).find_one({"email": "liu.fang@transport.example.cn"})
        citizen = await make_citizen(db)

        marks = []
        for person in (official, citizen):
            data = await gql.data(PERSON, {"id": to_base64("Person", str(person["_id"]))})
            marks.append(data["node"]["isStaff"])

        assert marks == [True, False]


def test_department_forms() -> None:
    assert department_forms("市交通运输局") == {"市交通运输局", "交通运输局", "交通局"}
    assert department_forms("市公安局") == {"市公安局", "公安局"}
