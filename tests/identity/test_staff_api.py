"""Staff through the API: password login with back-off, provisioning by admins, department scoping."""

from __future__ import annotations

import asyncio

from strawberry.relay import to_base64

from models.common.actors import Actor, Role
from models.identity.documents import PEOPLE
from models.identity.staff import set_staff_status
from tests.support.factories import STAFF_PASSWORD, bearer, make_department, make_staff, sign_in
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests

LOG_IN = """
mutation ($email: String!, $password: String!) {
  logInStaff(email: $email, password: $password) {
    __typename
    ... on UserError { code message }
    ... on RateLimitedError { retryAfter }
    ... on SignedIn { accessToken me { email person { role department { code } } } }
  }
}
"""
CREATE_STAFF = """
mutation ($input: CreateStaffInput!) {
  createStaff(input: $input) {
    __typename
    ... on UserError { code message field }
    ... on StaffCreated { person { publicName role department { code } } }
  }
}
"""
CREATE_DEPARTMENT = """
mutation { createDepartment(input: {code: "parks", nameZh: "园林局"}) {
  __typename ... on UserError { message } ... on DepartmentCreated { department { code } } } }
"""


class TestLogInStaff:
    async def test_an_official_signs_in_with_their_department(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "housing")
        await make_staff(db, "zhang.wei@housing.example.cn", Role.OFFICIAL, department_code="housing")

        result = (
            await gql.data(LOG_IN, {"email": "Zhang.Wei@housing.example.cn", "password": STAFF_PASSWORD})
        )["logInStaff"]

        assert result["__typename"] == "SignedIn"
        assert result["me"] == {
            "email": "zhang.wei@housing.example.cn",
            "person": {"role": "OFFICIAL", "department": {"code": "housing"}},
        }
        me = await gql.execute(
            "{ me { email } }", headers={"authorization": f"Bearer {result['accessToken']}"}
        )
        assert me.data == {"me": {"email": "zhang.wei@housing.example.cn"}}

    async def test_a_wrong_password_and_an_unknown_email_look_the_same(self, gql: GraphQLClient, db) -> None:
        await make_staff(db, "mod@example.cn", Role.MODERATOR)

        wrong = await gql.data(LOG_IN, {"email": "mod@example.cn", "password": "not the password at all"})
        unknown = await gql.data(
            LOG_IN, {"email": "nobody@example.cn", "password": "not the password at all"}
        )

        expected = {
            "__typename": "InvalidCredentialsError",
            "code": "INVALID_CREDENTIALS",
            "message": "wrong e-mail or password",
        }
        assert wrong["logInStaff"] == expected
        assert unknown["logInStaff"] == expected

    async def test_after_a_failure_even_the_right_password_waits(self, gql: GraphQLClient, db) -> None:
        await make_staff(db, "mod@example.cn", Role.MODERATOR)
        await gql.data(LOG_IN, {"email": "mod@example.cn", "password": "not the password at all"})
        await gql.data(LOG_IN, {"email": "mod@example.cn", "password": "not the password at all"})

        result = (await gql.data(LOG_IN, {"email": "mod@example.cn", "password": STAFF_PASSWORD}))[
            "logInStaff"
        ]

        assert result["__typename"] == "RateLimitedError"
        assert result["code"] == "RATE_LIMITED"
        assert 1 <= result["retryAfter"] <= 2


class TestUnknownEmailsLookTheSame:
    """Known and unknown e-mails walk the same back-off and lock: nothing in the answers tells them apart."""

    async def test_through_back_off_and_lockout(self, db) -> None:
        await make_staff(db, "mod@example.cn", Role.MODERATOR)
        # Behind a proxy, so that five client addresses can take part; the per-e-mail rate limit is
        # raised, or it would answer before the lock is reached.
        settings = settings_for_tests(trusted_proxies=("127.0.0.1",), rate_limits="signIn.account=100/60s")
        addresses = [f"203.0.113.{n}" for n in range(5)]
        told: dict[str, list[tuple[object, ...]]] = {"mod@example.cn": [], "nobody@example.cn": []}
        async with running_app(db, settings) as app, client_for(app) as gql:

            async def attempt(address: str) -> None:
                for email, answers in told.items():
                    variables = {"email": email, "password": "not the password at all"}
                    response = await gql.execute(LOG_IN, variables, headers={"x-forwarded-for": address})
                    result = response.data["logInStaff"]
                    answers.append(
                        (result["__typename"], result["code"], result["message"], result.get("retryAfter"))
                    )

            await attempt(addresses[0])
            await attempt(addresses[0])  # within its back-off
            for address in addresses[1:]:
                await attempt(address)
            await asyncio.sleep(1.1)
            for address in addresses:  # the tenth counted wrong password locks
                await attempt(address)
            await attempt("198.51.100.1")  # a new address meets the lock

        known, unknown = told["mod@example.cn"], told["nobody@example.cn"]
        assert [answer[:3] for answer in unknown] == [answer[:3] for answer in known]
        # Asked a few milliseconds apart: a wait in whole seconds may round either way.
        assert all(abs((a[3] or 0) - (b[3] or 0)) <= 1 for a, b in zip(known, unknown, strict=True))
        wrong = ("InvalidCredentialsError", "INVALID_CREDENTIALS", "wrong e-mail or password", None)
        assert known[0] == wrong
        assert known[1] == (
            "RateLimitedError",
            "RATE_LIMITED",
            "too many wrong passwords; try again in 1 second",
            1,
        )
        assert known[2:11] == [wrong] * 9
        assert known[11][:3] == (
            "RateLimitedError",
            "RATE_LIMITED",
            "sign-in to this account is locked after repeated wrong passwords; try again in 15 minutes",
        )
        assert 899 <= known[11][3] <= 900


class TestCreateStaff:
    async def test_an_admin_creates_an_official(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "transport")
        admin = await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN))
        staff = {
            "email": "liu.fang@transport.example.cn",
            "role": "OFFICIAL",
            "password": "a long and fine password",
            "departmentCode": "transport",
            "publicName": "刘芳",
        }

        result = await gql.execute(CREATE_STAFF, {"input": staff}, headers=bearer(admin))

        assert result.data["createStaff"] == {
            "__typename": "StaffCreated",
            "person": {"publicName": "刘芳", "role": "OFFICIAL", "department": {"code": "transport"}},
        }
        stored = await PEOPLE.of(db).find_one({"email": "liu.fang@transport.example.cn"})
        assert stored["password"].startswith("scrypt$")
        assert "a long and fine password" not in str(stored)

    async def test_an_official_may_not_create_staff(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "transport")
        official = await sign_in(
            db, await make_staff(db, "o@transport.example.cn", Role.OFFICIAL, department_code="transport")
        )
        staff = {"email": "x@example.cn", "role": "ADMIN", "password": "a long and fine password"}

        result = await gql.execute(CREATE_STAFF, {"input": staff}, headers=bearer(official))

        assert result.data["createStaff"]["__typename"] == "ForbiddenError"
        assert await PEOPLE.of(db).find_one({"email": "x@example.cn"}) is None

    async def test_a_weak_password_is_refused(self, gql: GraphQLClient, db) -> None:
        admin = await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN))
        staff = {"email": "m@example.cn", "role": "MODERATOR", "password": "short"}

        result = await gql.execute(CREATE_STAFF, {"input": staff}, headers=bearer(admin))

        assert result.data["createStaff"]["__typename"] == "InvalidInputError"
        assert result.data["createStaff"]["field"] == "password"


class TestAdminOnlyOperations:
    async def test_an_admin_token_creates_a_department(self, gql: GraphQLClient, db) -> None:
        admin = await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN))

        result = await gql.execute(CREATE_DEPARTMENT, headers=bearer(admin))

        assert result.data["createDepartment"] == {
            "__typename": "DepartmentCreated",
            "department": {"code": "parks"},
        }

    async def test_an_official_token_may_not_create_a_department(self, gql: GraphQLClient, db) -> None:
        await make_department(db, "housing")
        official = await sign_in(
            db, await make_staff(db, "o@housing.example.cn", Role.OFFICIAL, department_code="housing")
        )

        result = await gql.execute(CREATE_DEPARTMENT, headers=bearer(official))

        assert result.data["createDepartment"] == {
            "__typename": "ForbiddenError",
            "message": "only admin may do this",
        }


class TestDisablingStaff:
    async def test_disabling_ends_every_session_of_the_account(self, gql: GraphQLClient, db) -> None:
        moderator = await make_staff(db, "mod@example.cn", Role.MODERATOR)
        session = await sign_in(db, moderator)
        admin = await make_staff(db, "admin@example.cn", Role.ADMIN)

        await set_staff_status(
            db, Actor(person_id=admin["_id"], role=Role.ADMIN), moderator["_id"], "disabled"
        )

        me = await gql.execute("{ me { email } }", headers=bearer(session))
        refresh = await gql.data(
            "mutation ($t: String!) { refreshSession(refreshToken: $t) { __typename } }",
            {"t": session.refresh_token},
        )
        assert me.status == 401
        assert refresh == {"refreshSession": {"__typename": "InvalidTokenError"}}


CHANGE_PASSWORD = """
mutation ($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename ... on UserError { code message field }
  }
}
"""


class TestChangePassword:
    async def test_the_new_password_works_and_other_sessions_end(self, gql: GraphQLClient, db) -> None:
        moderator = await make_staff(db, "mod@example.cn", Role.MODERATOR)
        here, elsewhere = await sign_in(db, moderator), await sign_in(db, moderator)
        new = "a brand new long password"

        result = await gql.execute(
            CHANGE_PASSWORD, {"current": STAFF_PASSWORD, "new": new}, headers=bearer(here)
        )

        assert result.data == {"changePassword": {"__typename": "PasswordChanged"}}
        assert (await gql.execute("{ me { email } }", headers=bearer(here))).status == 200
        assert (await gql.execute("{ me { email } }", headers=bearer(elsewhere))).status == 401
        login = await gql.data(LOG_IN, {"email": "mod@example.cn", "password": new})
        assert login["logInStaff"]["__typename"] == "SignedIn"

    async def test_a_wrong_current_password_changes_nothing(self, gql: GraphQLClient, db) -> None:
        moderator = await make_staff(db, "mod@example.cn", Role.MODERATOR)
        session = await sign_in(db, moderator)

        result = await gql.execute(
            CHANGE_PASSWORD, {"current": "not the password at all", "new": "another long password"},
            headers=bearer(session),
        )  # fmt: skip

        assert result.data["changePassword"] == {
            "__typename": "InvalidCredentialsError",
            "code": "INVALID_CREDENTIALS",
            "message": "the current password is wrong",
            "field": "currentPassword",
        }
        stored = await PEOPLE.of(db).find_one({"_id": moderator["_id"]})
        assert stored["password"] == moderator["password"]


SET_STATUS = """
mutation ($id: ID!, $status: AccountStatus!) {
  setStaffStatus(personId: $id, status: $status) {
    __typename ... on UserError { code message } ... on StaffStatusChanged { person { publicName } }
  }
}
"""


class TestSetStaffStatus:
    async def test_an_admin_disables_a_moderator_whose_token_stops_working(
        self, gql: GraphQLClient, db
    ) -> None:
        moderator = await make_staff(db, "mod@example.cn", Role.MODERATOR)
        their_session = await sign_in(db, moderator)
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))
        their_id = to_base64("Person", str(moderator["_id"]))

        result = await gql.execute(SET_STATUS, {"id": their_id, "status": "DISABLED"}, headers=admin)

        assert result.data["setStaffStatus"]["__typename"] == "StaffStatusChanged"
        assert (await PEOPLE.of(db).find_one({"_id": moderator["_id"]}))["status"] == "disabled"
        assert (await gql.execute("{ me { email } }", headers=bearer(their_session))).status == 401

    async def test_disabling_ends_the_sessions_for_good(self, gql: GraphQLClient, db) -> None:
        moderator = await make_staff(db, "mod@example.cn", Role.MODERATOR)
        their_session = await sign_in(db, moderator)
        admin = bearer(await sign_in(db, await make_staff(db, "admin@example.cn", Role.ADMIN)))
        their_id = to_base64("Person", str(moderator["_id"]))

        for status in ("DISABLED", "ACTIVE"):
            result = await gql.execute(SET_STATUS, {"id": their_id, "status": status}, headers=admin)
            assert result.data["setStaffStatus"]["__typename"] == "StaffStatusChanged"

        # Enabled again, the account signs in afresh: the sessions it had ended with the disabling.
        me = await gql.execute("{ me { email } }", headers=bearer(their_session))
        assert me.status == 401
        assert me.errors[0]["message"] == "this session has ended; sign in again"

    async def test_a_moderator_may_not_disable_anyone(self, gql: GraphQLClient, db) -> None:
        admin = await make_staff(db, "admin@example.cn", Role.ADMIN)
        moderator = bearer(await sign_in(db, await make_staff(db, "mod@example.cn", Role.MODERATOR)))

        result = await gql.execute(
            SET_STATUS,
            {"id": to_base64("Person", str(admin["_id"])), "status": "DISABLED"},
            headers=moderator,
        )

        assert result.data["setStaffStatus"]["__typename"] == "ForbiddenError"
        assert (await PEOPLE.of(db).find_one({"_id": admin["_id"]}))["status"] == "active"
