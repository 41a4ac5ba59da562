"""Staff accounts: who may create them, sign-in with back-off and lockout, password change, status."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from bson import ObjectId

from models.common.actors import ANONYMOUS, COMMAND_LINE, Actor, Role
from models.common.clock import Clock
from models.common.db import Database, Document
from models.common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from models.identity import staff
from models.identity.documents import PEOPLE
from models.identity.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    hash_password,
    needs_rehash,
    verify_password,
)
from models.identity.staff import (
    InvalidCredentials,
    NewStaff,
    TooManyAttempts,
    change_password,
    create_staff,
    log_in_staff,
    set_staff_status,
)
from tests.support.factories import make_department

EMAIL = "li.wei@example.gov.cn"
PASSWORD = "tram-lantern-47-quietly"
NEW_PASSWORD = "harbour-kite-93-slowly"
WRONG = "not-the-password-at-all"
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
E = TypeVar("E", bound=DomainError)
FRESH_LOGIN = {"failures": 0, "locked_until": None, "next_attempt_at": None}

CITIZEN = Actor(person_id=ObjectId(), role=Role.CITIZEN)
OFFICIAL = Actor(person_id=ObjectId(), role=Role.OFFICIAL, department_id=ObjectId())


def at(seconds: float = 0) -> Clock:
    return lambda: T0 + dt.timedelta(seconds=seconds)


async def make_staff(db: Database, **fields: object) -> Document:
    values: dict[str, object] = {"email": EMAIL, "role": "admin", "password": PASSWORD} | fields
    return await create_staff(db, COMMAND_LINE, NewStaff(**values))  # type: ignore[arg-type]


async def stored(db: Database, person: Document) -> Document:
    document = await PEOPLE.of(db).find_one({"_id": person["_id"]})
    assert document is not None
    return document


async def set_login(db: Database, person: Document, **login: object) -> None:
    """Start from a given attempt history instead of typing every wrong password."""
    await PEOPLE.of(db).update_one({"_id": person["_id"]}, {"$set": {"login": FRESH_LOGIN | login}})


async def raises(error: type[E], attempt: Awaitable[object]) -> E:
    with pytest.raises(error) as raised:
        await attempt
    return raised.value


class TestCreateStaff:
    async def test_creates_an_official_in_their_department(self, db: Database) -> None:
        housing = await make_department(db, "housing")

        created = await make_staff(
            db, email=" Li.Wei@Example.GOV.cn ", role="official", department_code="housing"
        )

        document = await stored(db, created)
        assert {
            key: document[key] for key in ("role", "status", "email", "department_id", "public_name")
        } == {
            "role": "official",
            "status": "active",
            "email": EMAIL,
            "department_id": housing["_id"],
            "public_name": "li.wei",
        }
        assert document["preferences"] == {"language": "zh", "large_text": False, "district_id": None}
        assert document["login"] == FRESH_LOGIN
        assert document["last_sign_in_at"] is None
        assert document["created_at"] == document["updated_at"]
        assert document["created_at"].tzinfo is not None

    async def test_stores_a_hash_not_the_password(self, db: Database) -> None:
        created = await make_staff(db)

        document = await stored(db, created)
        assert document["password"].startswith("scrypt$16384$8$2$")
        assert PASSWORD not in document["password"]
        assert verify_password(PASSWORD, document["password"]) is True

    async def test_an_admin_needs_no_department(self, db: Database) -> None:
        created = await make_staff(db, role=Role.ADMIN)

        assert (await stored(db, created))["department_id"] is None

    async def test_keeps_a_given_public_name(self, db: Database) -> None:
        created = await make_staff(db, role="moderator", public_name="  审核员 小王 ")

        assert (await stored(db, created))["public_name"] == "审核员 小王"

    @pytest.mark.parametrize("actor", [CITIZEN, OFFICIAL], ids=["citizen", "official"])
    async def test_only_an_admin_may_create_staff(self, db: Database, actor: Actor) -> None:
        error = await raises(
            Forbidden, create_staff(db, actor, NewStaff(email=EMAIL, role="helper", password=PASSWORD))
        )

        assert error.message == "only admin may do this"
        assert await PEOPLE.of(db).count_documents({}) == 0

    async def test_nobody_signed_in_may_not_create_staff(self, db: Database) -> None:
        error = await raises(
            Forbidden, create_staff(db, ANONYMOUS, NewStaff(email=EMAIL, role="helper", password=PASSWORD))
        )

        assert error.message == "sign in first"

    @pytest.mark.parametrize("role", ["citizen", "mayor", ""])
    async def test_refuses_a_role_that_is_not_a_staff_role(self, db: Database, role: str) -> None:
        error = await raises(InvalidInput, make_staff(db, role=role))

        assert error.message == "a staff role is one of helper, official, moderator, admin"
        assert error.field == "role"

    async def test_an_official_needs_a_department(self, db: Database) -> None:
        error = await raises(InvalidInput, make_staff(db, role="official"))

        assert error.field == "departmentCode"
        assert await PEOPLE.of(db).count_documents({}) == 0

    async def test_refuses_a_department_that_does_not_exist(self, db: Database) -> None:
        error = await raises(NotFound, make_staff(db, role="official", department_code="housing"))

        assert error.message == "no department has the code 'housing'"
        assert error.field == "departmentCode"

    async def test_refuses_an_email_in_use_whatever_its_case(self, db: Database) -> None:
        await make_staff(db)

        error = await raises(Conflict, make_staff(db, email="LI.WEI@example.gov.cn", role="helper"))

        assert error.field == "email"
        assert await PEOPLE.of(db).count_documents({}) == 1

    @pytest.mark.parametrize(
        "email", ["", "li.wei", "li.wei@", "@example.gov.cn", "li wei@example.gov.cn", "li.wei@localhost"]
    )
    async def test_refuses_an_invalid_email(self, db: Database, email: str) -> None:
        error = await raises(InvalidInput, make_staff(db, email=email))

        assert error.message == "an e-mail address looks like name@example.gov.cn"
        assert error.field == "email"

    async def test_refuses_a_weak_password(self, db: Database) -> None:
        error = await raises(InvalidInput, make_staff(db, password="password1234"))

        assert error.field == "password"
        assert await PEOPLE.of(db).count_documents({}) == 0


class TestLogInStaff:
    async def test_the_right_password_signs_in_and_is_recorded(self, db: Database) -> None:
        created = await make_staff(db)

        person = await log_in_staff(db, EMAIL, PASSWORD, now=at(0))

        assert person["_id"] == created["_id"]
        document = await stored(db, created)
        assert document["last_sign_in_at"] == T0
        assert document["login"] == FRESH_LOGIN

    async def test_the_email_matches_whatever_its_case(self, db: Database) -> None:
        created = await make_staff(db)

        person = await log_in_staff(db, " LI.Wei@example.gov.cn", PASSWORD, now=at(0))

        assert person["_id"] == created["_id"]

    async def test_a_wrong_password_is_refused_counted_and_backs_off(self, db: Database) -> None:
        created = await make_staff(db)

        error = await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0)))

        assert (error.code, error.message) == ("INVALID_CREDENTIALS", "wrong e-mail or password")
        document = await stored(db, created)
        assert document["login"] == {
            "failures": 1,
            "locked_until": None,
            "next_attempt_at": T0 + dt.timedelta(seconds=1),
        }
        assert document["last_sign_in_at"] is None

    async def test_during_the_back_off_even_the_right_password_is_refused(self, db: Database) -> None:
        created = await make_staff(db)
        await set_login(db, created, failures=3, next_attempt_at=T0 + dt.timedelta(seconds=4))

        error = await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(1.5)))

        assert (error.code, error.retry_after) == ("RATE_LIMITED", 3)
        assert error.message == "too many wrong passwords; try again in 3 seconds"
        assert (await stored(db, created))["login"]["failures"] == 3

    async def test_after_the_back_off_the_right_password_signs_in_and_resets_the_count(
        self, db: Database
    ) -> None:
        created = await make_staff(db)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0)))
        await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(0.5)))

        await log_in_staff(db, EMAIL, PASSWORD, now=at(1))

        document = await stored(db, created)
        assert document["login"] == FRESH_LOGIN
        assert document["last_sign_in_at"] == T0 + dt.timedelta(seconds=1)

    async def test_the_back_off_doubles_up_to_a_minute(self, db: Database) -> None:
        created = await make_staff(db)
        delays = []
        for failures in range(1, 9):
            await set_login(db, created, failures=failures - 1)
            await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0)))
            delays.append(((await stored(db, created))["login"]["next_attempt_at"] - T0).total_seconds())

        assert delays == [1, 2, 4, 8, 16, 32, 60, 60]

    async def test_ten_wrong_passwords_in_a_row_lock_the_account_for_15_minutes(self, db: Database) -> None:
        created = await make_staff(db)
        moment = 0
        for _ in range(10):
            await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(moment)))
            moment += 60

        login = (await stored(db, created))["login"]
        tenth = T0 + dt.timedelta(seconds=9 * 60)
        assert login["failures"] == 10
        assert login["locked_until"] == tenth + dt.timedelta(minutes=15)

    async def test_a_locked_account_refuses_the_right_password_until_the_lock_ends(
        self, db: Database
    ) -> None:
        created = await make_staff(db)
        await set_login(db, created, failures=10, locked_until=T0 + dt.timedelta(minutes=15))

        error = await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(14 * 60)))

        assert error.retry_after == 60
        assert error.message == "this account is locked after 10 wrong passwords; try again in 1 minute"
        await log_in_staff(db, EMAIL, PASSWORD, now=at(15 * 60))
        assert (await stored(db, created))["login"] == FRESH_LOGIN

    async def test_a_wrong_password_after_a_lock_locks_again(self, db: Database) -> None:
        created = await make_staff(db)
        await set_login(db, created, failures=10, locked_until=T0)

        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0)))

        login = (await stored(db, created))["login"]
        assert login["failures"] == 11
        assert login["locked_until"] == T0 + dt.timedelta(minutes=15)

    async def test_an_unknown_email_gets_the_same_error_as_a_wrong_password(self, db: Database) -> None:
        await make_staff(db)

        unknown = await raises(InvalidCredentials, log_in_staff(db, "nobody@example.gov.cn", PASSWORD))
        wrong = await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG))

        assert (unknown.code, unknown.message, unknown.field) == (wrong.code, wrong.message, wrong.field)

    async def test_an_unknown_email_costs_a_password_check_like_a_known_one(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        checks: list[str] = []
        verify = staff.verify_password_async

        async def counted(password: str, encoded: str) -> bool:
            checks.append(encoded.split("$")[0])
            return await verify(password, encoded)

        monkeypatch.setattr(staff, "verify_password_async", counted)

        await raises(InvalidCredentials, log_in_staff(db, "nobody@example.gov.cn", PASSWORD))

        assert checks == ["scrypt"]

    async def test_of_concurrent_wrong_passwords_one_is_checked_and_the_rest_wait(self, db: Database) -> None:
        created = await make_staff(db)

        results = await asyncio.gather(
            *(log_in_staff(db, EMAIL, f"{WRONG}-{guess}", now=at(0)) for guess in range(5)),
            return_exceptions=True,
        )

        assert sorted(type(result).__name__ for result in results) == [
            "InvalidCredentials",
            *["TooManyAttempts"] * 4,
        ]
        assert (await stored(db, created))["login"]["failures"] == 1

    async def test_a_disabled_account_is_refused_after_the_right_password(self, db: Database) -> None:
        created = await make_staff(db)
        await PEOPLE.of(db).update_one({"_id": created["_id"]}, {"$set": {"status": "disabled"}})

        error = await raises(Forbidden, log_in_staff(db, EMAIL, PASSWORD, now=at(0)))

        assert error.message == "this account is disabled; contact an administrator"
        assert (await stored(db, created))["last_sign_in_at"] is None

    async def test_a_disabled_account_shows_a_wrong_password_only_the_usual_error(self, db: Database) -> None:
        created = await make_staff(db)
        await PEOPLE.of(db).update_one({"_id": created["_id"]}, {"$set": {"status": "disabled"}})

        error = await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0)))

        assert error.message == "wrong e-mail or password"

    async def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(self, db: Database) -> None:
        created = await make_staff(db)
        old = hash_password(PASSWORD, ScryptParams(n=1024, r=8, p=1))
        await PEOPLE.of(db).update_one({"_id": created["_id"]}, {"$set": {"password": old}})

        await log_in_staff(db, EMAIL, PASSWORD, now=at(0))

        upgraded = (await stored(db, created))["password"]
        assert not needs_rehash(upgraded, DEFAULT_PARAMS)
        assert verify_password(PASSWORD, upgraded) is True


class TestChangePassword:
    async def test_the_new_password_replaces_the_old_one(self, db: Database) -> None:
        created = await make_staff(db)

        await change_password(db, created["_id"], PASSWORD, NEW_PASSWORD, now=at(0))

        await raises(InvalidCredentials, log_in_staff(db, EMAIL, PASSWORD, now=at(10)))
        person = await log_in_staff(db, EMAIL, NEW_PASSWORD, now=at(20))
        assert person["_id"] == created["_id"]
        assert (await stored(db, created))["updated_at"] == T0

    async def test_a_wrong_current_password_is_refused_and_counted(self, db: Database) -> None:
        created = await make_staff(db)

        error = await raises(InvalidCredentials, change_password(db, created["_id"], WRONG, NEW_PASSWORD))

        assert (error.message, error.field) == ("the current password is wrong", "currentPassword")
        document = await stored(db, created)
        assert document["login"]["failures"] == 1
        assert verify_password(PASSWORD, document["password"]) is True

    async def test_the_back_off_applies_to_the_current_password(self, db: Database) -> None:
        created = await make_staff(db)
        await set_login(db, created, failures=1, next_attempt_at=T0 + dt.timedelta(seconds=1))

        await raises(TooManyAttempts, change_password(db, created["_id"], PASSWORD, NEW_PASSWORD, now=at(0)))

    async def test_the_new_password_must_meet_the_policy(self, db: Database) -> None:
        created = await make_staff(db)

        error = await raises(InvalidInput, change_password(db, created["_id"], PASSWORD, "short"))

        assert (error.message, error.field) == ("a password needs at least 12 characters", "newPassword")

    async def test_the_new_password_must_differ_from_the_current_one(self, db: Database) -> None:
        created = await make_staff(db)

        error = await raises(InvalidInput, change_password(db, created["_id"], PASSWORD, PASSWORD))

        assert error.field == "newPassword"

    async def test_a_person_without_a_password_has_nothing_to_change(self, db: Database) -> None:
        await raises(NotFound, change_password(db, ObjectId(), PASSWORD, NEW_PASSWORD))


class TestSetStaffStatus:
    async def test_an_admin_disables_a_staff_account(self, db: Database) -> None:
        created = await make_staff(db, role="helper")

        person = await set_staff_status(db, COMMAND_LINE, created["_id"], "disabled")

        assert person["status"] == "disabled"
        assert (await stored(db, created))["status"] == "disabled"

    async def test_an_admin_enables_it_again(self, db: Database) -> None:
        created = await make_staff(db, role="helper")
        await set_staff_status(db, COMMAND_LINE, created["_id"], "disabled")

        await set_staff_status(db, COMMAND_LINE, created["_id"], "active")

        await log_in_staff(db, EMAIL, PASSWORD, now=at(0))

    async def test_only_an_admin_may_change_a_status(self, db: Database) -> None:
        created = await make_staff(db, role="helper")

        await raises(Forbidden, set_staff_status(db, OFFICIAL, created["_id"], "disabled"))

        assert (await stored(db, created))["status"] == "active"

    async def test_an_admin_cannot_disable_themselves(self, db: Database) -> None:
        created = await make_staff(db, role="admin")
        admin = Actor(person_id=created["_id"], role=Role.ADMIN)

        error = await raises(Forbidden, set_staff_status(db, admin, created["_id"], "disabled"))

        assert error.message == "an admin cannot disable their own account; ask another admin"
        assert (await stored(db, created))["status"] == "active"

    async def test_a_citizen_is_not_a_staff_account(self, db: Database) -> None:
        citizen = PEOPLE.new_document({"role": "citizen", "status": "active"})
        await PEOPLE.of(db).insert_one(citizen)

        await raises(NotFound, set_staff_status(db, COMMAND_LINE, citizen["_id"], "disabled"))

    async def test_refuses_an_unknown_status(self, db: Database) -> None:
        created = await make_staff(db, role="helper")

        error = await raises(InvalidInput, set_staff_status(db, COMMAND_LINE, created["_id"], "paused"))

        assert error.field == "status"


def test_the_back_off_table() -> None:
    back_off: Callable[[int], dt.timedelta] = staff.back_off
    assert [back_off(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [1, 2, 4, 60, 60, 60]
