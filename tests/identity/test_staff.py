"""Staff accounts: who may create them, sign-in with back-off and lockout, password change, status."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from bson import ObjectId

from api.workers import HANDLERS
from models.common.actors import ANONYMOUS, COMMAND_LINE, Actor, Role
from models.common.clock import Clock
from models.common.db import Database, Document
from models.common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from models.common.outbox_worker import OutboxWorker
from models.identity import sign_in_attempts, staff
from models.identity.documents import PEOPLE, SIGN_IN_ATTEMPTS
from models.identity.passwords import (
    DEFAULT_PARAMS,
    ScryptParams,
    hash_password,
    needs_rehash,
    verify_password,
)
from models.identity.sign_in_attempts import LOCK_DURATION, address_key, record_id
from models.identity.staff import (
    InvalidCredentials,
    NewStaff,
    TooManyAttempts,
    change_password,
    create_staff,
    log_in_staff,
    set_staff_status,
)
from models.notifications.documents import NOTIFICATIONS
from tests.support.factories import make_department

EMAIL = "li.wei@example.gov.cn"
PASSWORD = "tram-lantern-47-quietly"
NEW_PASSWORD = "harbour-kite-93-slowly"
WRONG = "not-the-password-at-all"
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
E = TypeVar("E", bound=DomainError)
HOME = "198.51.100.7"
ELSEWHERE = "192.0.2.44"

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


async def attempts_of(db: Database, email: str) -> Document:
    document = await SIGN_IN_ATTEMPTS.of(db).find_one({"_id": record_id(email)})
    assert document is not None
    return document


async def wrong_passwords(
    db: Database, email: str, address: str, count: int, start: float = 0
) -> list[float]:
    """`count` wrong passwords from `address`, each as soon as the back-off allows; their times."""
    moments: list[float] = []
    moment = start
    for n in range(count):
        await raises(InvalidCredentials, log_in_staff(db, email, WRONG, now=at(moment), address=address))
        moments.append(moment)
        moment += 2**n
    return moments


async def answers(db: Database, email: str) -> list[tuple[str, str, int | None]]:
    """What a run of attempts from several addresses at `email` is told, up to and into the lock."""
    script = [(f"203.0.113.{n}", n * 10 + seconds) for n in range(5) for seconds in (0, 0.5, 1)]
    script += [(HOME, 60), (HOME, 15 * 60)]
    told = []
    for address, moment in script:
        try:
            await log_in_staff(db, email, WRONG, now=at(moment), address=address)
        except DomainError as error:
            told.append((type(error).__name__, error.message, getattr(error, "retry_after", None)))
    return told


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
        assert "login" not in document  # attempts are kept per e-mail (models/identity/sign_in_attempts.py)
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

        person = await log_in_staff(db, EMAIL, PASSWORD, now=at(0), address=HOME)

        assert person["_id"] == created["_id"]
        assert (await stored(db, created))["last_sign_in_at"] == T0
        record = await attempts_of(db, EMAIL)
        assert (record["failures"], record["locked_until"], record["addresses"]) == (0, None, {})

    async def test_the_email_matches_whatever_its_case(self, db: Database) -> None:
        created = await make_staff(db)

        person = await log_in_staff(db, " LI.Wei@example.gov.cn", PASSWORD, now=at(0))

        assert person["_id"] == created["_id"]

    async def test_a_wrong_password_is_refused_counted_and_backs_off(self, db: Database) -> None:
        created = await make_staff(db)

        error = await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address=HOME))

        assert (error.code, error.message) == ("INVALID_CREDENTIALS", "wrong e-mail or password")
        record = await attempts_of(db, EMAIL)
        assert record["failures"] == 1
        assert record["addresses"] == {
            address_key(HOME): {
                "failures": 1,
                "next_attempt_at": T0 + dt.timedelta(seconds=1),
                "locked_until": None,
            }
        }
        assert (await stored(db, created))["last_sign_in_at"] is None

    async def test_the_record_names_neither_the_email_nor_the_address(self, db: Database) -> None:
        await make_staff(db)

        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address=HOME))

        text = str(await attempts_of(db, EMAIL))
        assert EMAIL not in text and HOME not in text

    async def test_during_the_back_off_even_the_right_password_is_refused(self, db: Database) -> None:
        await make_staff(db)
        await wrong_passwords(db, EMAIL, HOME, 3)  # at 0, 1 and 3 s: the next may come at 7 s

        error = await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(4), address=HOME))

        assert (error.code, error.retry_after) == ("RATE_LIMITED", 3)
        assert error.message == "too many wrong passwords; try again in 3 seconds"
        assert (await attempts_of(db, EMAIL))["addresses"][address_key(HOME)]["failures"] == 3

    async def test_the_back_off_holds_back_only_the_address_that_failed(self, db: Database) -> None:
        created = await make_staff(db)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address=ELSEWHERE))

        person = await log_in_staff(db, EMAIL, PASSWORD, now=at(0.5), address=HOME)

        assert person["_id"] == created["_id"]
        await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(0.5), address=ELSEWHERE))

    async def test_after_the_back_off_the_right_password_signs_in_and_resets_the_count(
        self, db: Database
    ) -> None:
        created = await make_staff(db)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address=HOME))
        await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(0.5), address=HOME))

        await log_in_staff(db, EMAIL, PASSWORD, now=at(1), address=HOME)

        record = await attempts_of(db, EMAIL)
        assert (record["failures"], record["addresses"]) == (0, {})
        assert (await stored(db, created))["last_sign_in_at"] == T0 + dt.timedelta(seconds=1)

    async def test_the_back_off_doubles_and_the_fifth_failure_shuts_the_address_out(
        self, db: Database
    ) -> None:
        await make_staff(db)

        moments = await wrong_passwords(db, EMAIL, HOME, 5)

        assert moments == [0, 1, 3, 7, 15]
        mine = (await attempts_of(db, EMAIL))["addresses"][address_key(HOME)]
        assert mine["locked_until"] == T0 + dt.timedelta(seconds=15) + LOCK_DURATION
        error = await raises(TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(60), address=HOME))
        assert error.message == "too many wrong passwords from your network; try again in 15 minutes"
        assert error.retry_after == 15 * 60 - 45

    async def test_one_address_cannot_lock_the_account_for_everyone(self, db: Database) -> None:
        created = await make_staff(db)
        await wrong_passwords(db, EMAIL, ELSEWHERE, 5)

        person = await log_in_staff(db, EMAIL, PASSWORD, now=at(60), address=HOME)

        assert person["_id"] == created["_id"]

    async def test_an_ipv6_client_counts_as_one_address_per_64_block(self, db: Database) -> None:
        await make_staff(db)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address="2001:db8:1:2::1"))

        await raises(
            TooManyAttempts, log_in_staff(db, EMAIL, WRONG, now=at(0.5), address="2001:db8:1:2:ffff::9")
        )

    async def test_wrong_passwords_from_five_addresses_lock_the_account_for_15_minutes(
        self, db: Database
    ) -> None:
        await make_staff(db)

        for n in range(5):  # two failures each count toward the lock
            await wrong_passwords(db, EMAIL, f"203.0.113.{n}", 2, start=n * 10)

        record = await attempts_of(db, EMAIL)
        last = T0 + dt.timedelta(seconds=41)
        assert (record["failures"], record["locked_until"]) == (10, last + LOCK_DURATION)
        error = await raises(
            TooManyAttempts, log_in_staff(db, EMAIL, PASSWORD, now=at(41 + 14 * 60), address=HOME)
        )
        assert error.retry_after == 60
        assert error.message == (
            "sign-in to this account is locked after repeated wrong passwords; try again in 1 minute"
        )

    async def test_after_a_lock_ends_the_count_starts_afresh(self, db: Database) -> None:
        created = await make_staff(db)
        for n in range(5):
            await wrong_passwords(db, EMAIL, f"203.0.113.{n}", 2, start=n * 10)
        ended = 41 + 15 * 60

        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(ended), address="203.0.113.0"))

        record = await attempts_of(db, EMAIL)
        assert (record["failures"], record["locked_until"]) == (1, None)
        person = await log_in_staff(db, EMAIL, PASSWORD, now=at(ended + 1), address=HOME)
        assert person["_id"] == created["_id"]

    async def test_failures_are_forgotten_after_a_quiet_quarter_hour(self, db: Database) -> None:
        await make_staff(db)
        await wrong_passwords(db, EMAIL, HOME, 4)

        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(7 + 15 * 60), address=HOME))

        record = await attempts_of(db, EMAIL)
        assert record["failures"] == 1
        assert record["addresses"][address_key(HOME)]["failures"] == 1

    async def test_an_unknown_email_gets_the_same_error_as_a_wrong_password(self, db: Database) -> None:
        await make_staff(db)

        unknown = await raises(InvalidCredentials, log_in_staff(db, "nobody@example.gov.cn", PASSWORD))
        wrong = await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG))

        assert (unknown.code, unknown.message, unknown.field) == (wrong.code, wrong.message, wrong.field)

    async def test_an_unknown_email_walks_the_same_back_off_and_lock(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await make_staff(db)
        checks: list[str] = []
        verify = staff.verify_password_async

        async def counted(password: str, encoded: str) -> bool:
            checks.append(encoded.split("$")[0])
            return await verify(password, encoded)

        monkeypatch.setattr(staff, "verify_password_async", counted)

        known = await answers(db, EMAIL)
        known_checks = len(checks)
        unknown = await answers(db, "nobody@example.gov.cn")

        assert unknown == known
        assert known[-1][0] == "TooManyAttempts" and "locked" in known[-1][1]
        assert len(checks) == 2 * known_checks and set(checks) == {"scrypt"}

    async def test_of_concurrent_wrong_passwords_one_is_checked_and_the_rest_wait(self, db: Database) -> None:
        await make_staff(db)

        results = await asyncio.gather(
            *(log_in_staff(db, EMAIL, f"{WRONG}-{guess}", now=at(0), address=HOME) for guess in range(5)),
            return_exceptions=True,
        )

        assert sorted(type(result).__name__ for result in results) == [
            "InvalidCredentials",
            *["TooManyAttempts"] * 4,
        ]
        assert (await attempts_of(db, EMAIL))["failures"] == 1

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


class TestLockNotice:
    async def test_a_lock_tells_the_account_holder(self, db: Database) -> None:
        created = await make_staff(db)
        for n in range(5):
            await wrong_passwords(db, EMAIL, f"203.0.113.{n}", 2, start=n * 10)

        await OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS)).drain()

        inbox = [note async for note in NOTIFICATIONS.of(db).find({})]
        assert [(note["person_id"], note["category"], note["template"]) for note in inbox] == [
            (created["_id"], "account", "account.sign_in_locked")
        ]

    async def test_a_lock_of_an_unknown_email_tells_nobody(self, db: Database) -> None:
        await make_staff(db)
        for n in range(5):
            await wrong_passwords(db, "nobody@example.gov.cn", f"203.0.113.{n}", 2, start=n * 10)

        processed = await OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS)).drain()

        assert processed == 1
        assert await NOTIFICATIONS.of(db).count_documents({}) == 0

    async def test_a_lock_the_right_password_lifted_at_once_tells_nobody(self, db: Database) -> None:
        await make_staff(db)
        for n in range(4):
            await wrong_passwords(db, EMAIL, f"203.0.113.{n}", 2, start=n * 10)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(40), address=HOME))

        await log_in_staff(db, EMAIL, PASSWORD, now=at(50), address="198.51.100.1")  # the tenth counted

        await OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS)).drain()
        assert await NOTIFICATIONS.of(db).count_documents({}) == 0


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
        assert (await attempts_of(db, EMAIL))["failures"] == 1
        assert verify_password(PASSWORD, (await stored(db, created))["password"]) is True

    async def test_the_back_off_applies_to_the_current_password(self, db: Database) -> None:
        created = await make_staff(db)
        await raises(InvalidCredentials, log_in_staff(db, EMAIL, WRONG, now=at(0), address=HOME))

        await raises(
            TooManyAttempts,
            change_password(db, created["_id"], PASSWORD, NEW_PASSWORD, now=at(0.5), address=HOME),
        )

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
    back_off: Callable[[int], dt.timedelta] = sign_in_attempts.back_off
    assert [back_off(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [1, 2, 4, 60, 60, 60]
