"""Staff accounts: provisioned by admins, signed in by e-mail and password with back-off and lockout."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.actors import Actor, Role, require_role
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from models.common.repository import insert_unique
from models.common.text import clean_code
from models.departments.repository import find_by_code
from models.identity import refresh_tokens
from models.identity.documents import PEOPLE, Status
from models.identity.passwords import (
    check_password_policy,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from models.identity.people import PUBLIC_NAME_LENGTH, find_person

STAFF_ROLES = (Role.HELPER, Role.OFFICIAL, Role.MODERATOR, Role.ADMIN)
MAX_BACK_OFF_SECONDS = 60
LOCK_AFTER_FAILURES = 10
LOCK_DURATION = dt.timedelta(minutes=15)
MAX_EMAIL_LENGTH = 254
# Lower-case ASCII addresses with a dotted domain: what government mail systems hand out.
EMAIL_PATTERN = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
WRONG_CREDENTIALS = "wrong e-mail or password"


class InvalidCredentials(DomainError):
    """The e-mail or the password is wrong; deliberately never says which."""

    code = "INVALID_CREDENTIALS"


class TooManyAttempts(DomainError):
    """Password attempts on this account are paused; `retry_after` is in whole seconds.

    The same code as a rate limit (models.common.rate_limits.RateLimited): to the app both mean
    "wait `retry_after` seconds".
    """

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewStaff:
    email: str
    role: Role | str
    password: str
    department_code: str | None = None
    public_name: str = ""


def clean_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        raise InvalidInput("an e-mail address looks like name@example.gov.cn", field="email")
    return email


def _staff_role(value: Role | str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = Role.CITIZEN
    if role not in STAFF_ROLES:
        allowed = ", ".join(role.value for role in STAFF_ROLES)
        raise InvalidInput(f"a staff role is one of {allowed}", field="role")
    return role


def _public_name(given: str, email: str) -> str:
    name = " ".join(given.split())
    if not name:
        return email.partition("@")[0][: PUBLIC_NAME_LENGTH[1]]
    low, high = PUBLIC_NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidInput(f"a public name is {low}–{high} characters", field="publicName")
    return name


def _fresh_login() -> Document:
    return {"failures": 0, "locked_until": None, "next_attempt_at": None}


async def create_staff(db: Database, actor: Actor, new: NewStaff) -> Document:
    """Create a staff account (admins only); an official belongs to a department."""
    require_role(actor, Role.ADMIN)
    role = _staff_role(new.role)
    email = clean_email(new.email)
    public_name = _public_name(new.public_name, email)
    department = None
    if new.department_code:
        code = clean_code(new.department_code, field="departmentCode")
        department = await find_by_code(db, code)
        if department is None:
            raise NotFound(f"no department has the code {code!r}", field="departmentCode")
    elif role is Role.OFFICIAL:
        raise InvalidInput("an official belongs to a department; give its code", field="departmentCode")
    check_password_policy(new.password, email=email)
    now = utcnow()
    document = PEOPLE.new_document(
        {
            "role": role.value,
            "status": Status.ACTIVE.value,
            "public_name": public_name,
            "email": email,
            "department_id": department["_id"] if department else None,
            "password": await hash_password_async(new.password),
            "preferences": {"language": "zh", "large_text": False, "district_id": None},
            "login": _fresh_login(),
            "last_sign_in_at": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    return await insert_unique(
        PEOPLE.of(db), document, Conflict(f"an account with the e-mail {email} exists already", field="email")
    )


def back_off(failures: int) -> dt.timedelta:
    """How long after its `failures`-th consecutive failure an account takes no new attempt."""
    return dt.timedelta(seconds=min(2 ** (failures - 1), MAX_BACK_OFF_SECONDS))


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _refuse_while_paused(login: Document, now: dt.datetime) -> None:
    locked_until = login.get("locked_until")
    if locked_until is not None and now < locked_until:
        minutes = math.ceil(_seconds_until(locked_until, now) / 60)
        raise TooManyAttempts(
            f"this account is locked after {LOCK_AFTER_FAILURES} wrong passwords; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}",
            retry_after=_seconds_until(locked_until, now),
        )
    next_attempt_at = login.get("next_attempt_at")
    if next_attempt_at is not None and now < next_attempt_at:
        seconds = _seconds_until(next_attempt_at, now)
        raise TooManyAttempts(
            f"too many wrong passwords; try again in {seconds} second{'s' if seconds != 1 else ''}",
            retry_after=seconds,
        )


async def _verify_counted(db: Database, person: Document, password: str, now: dt.datetime) -> bool:
    """Check `password` as one counted attempt on `person`.

    The attempt is claimed as a failure (with its back-off, and the lock from the tenth on)
    *before* the hash is checked, by one compare-and-set on the failure count read: of concurrent
    attempts exactly one gets through and the rest are refused, so parallel guesses can neither
    slip past the back-off nor be lost. A right password resets the count afterwards.
    """
    login = person.get("login") or {}
    _refuse_while_paused(login, now)
    failures = int(login.get("failures") or 0)
    # Setting failures + 1 under a filter on failures is an atomic increment. (A dotted `$inc` next
    # to a datetime would do the same on MongoDB, but nx-27017 0.8 writes it as a literal
    # "login.failures" field when the update carries a datetime.)
    updates: Document = {
        "login.failures": failures + 1,
        "login.next_attempt_at": now + back_off(failures + 1),
    }
    if failures + 1 >= LOCK_AFTER_FAILURES:
        updates["login.locked_until"] = now + LOCK_DURATION
    same_count = failures if "failures" in login else {"$exists": False}
    claimed = await PEOPLE.of(db).update_one(
        {"_id": person["_id"], "login.failures": same_count}, {"$set": updates}
    )
    if claimed.matched_count == 0:
        raise TooManyAttempts(
            "another sign-in to this account is under way; try again in a moment",
            retry_after=int(back_off(failures + 1).total_seconds()),
        )
    return await verify_password_async(password, person["password"])


_dummy_hash: str | None = None


async def _spend_a_verification(password: str) -> None:
    """Check the password against a throw-away hash, so that an unknown e-mail takes as long as a
    known one and the response time does not tell which e-mails have accounts."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await hash_password_async(secrets.token_urlsafe(16))
    await verify_password_async(password, _dummy_hash)


def _has_password(person: Document | None) -> bool:
    return person is not None and person.get("role") != Role.CITIZEN.value and bool(person.get("password"))


async def log_in_staff(db: Database, email: str, password: str, now: Clock = utcnow) -> Document:
    """The staff person with this e-mail and password, their sign-in recorded.

    After each wrong password the account takes no attempt for 1, 2, 4 … 60 seconds; after
    LOCK_AFTER_FAILURES in a row, for LOCK_DURATION. Status is told only to the right password.
    """
    at = now()
    people = PEOPLE.of(db)
    person = await people.find_one({"email": email.strip().lower()})
    if person is None or not _has_password(person):
        await _spend_a_verification(password)
        raise InvalidCredentials(WRONG_CREDENTIALS)
    if not await _verify_counted(db, person, password, at):
        raise InvalidCredentials(WRONG_CREDENTIALS)
    if person.get("status") != Status.ACTIVE:
        await people.update_one({"_id": person["_id"]}, {"$set": {"login": _fresh_login()}})
        raise Forbidden("this account is disabled; contact an administrator")
    changes: Document = {"login": _fresh_login(), "last_sign_in_at": at}
    await people.update_one({"_id": person["_id"]}, {"$set": changes})
    if needs_rehash(person["password"]):
        rehashed = await hash_password_async(password)
        # Only over the hash just verified: a password changed meanwhile stays changed.
        upgraded = await people.update_one(
            {"_id": person["_id"], "password": person["password"]}, {"$set": {"password": rehashed}}
        )
        if upgraded.modified_count:
            changes["password"] = rehashed
    return {**person, **changes}


async def change_password(
    db: Database,
    actor_person_id: ObjectId,
    current_password: str,
    new_password: str,
    now: Clock = utcnow,
    keep_session: str | None = None,
) -> None:
    """Change one's own password; the current one must be right (and counts as an attempt).

    Every other sign-in session ends: whoever knew the old password is signed out.
    """
    person = await find_person(db, actor_person_id)
    if person is None or not _has_password(person):
        raise NotFound("this account has no password to change")
    if new_password == current_password:
        raise InvalidInput("the new password must differ from the current one", field="newPassword")
    try:
        check_password_policy(new_password, email=person["email"])
    except InvalidInput as error:
        raise InvalidInput(error.message, field="newPassword") from error
    at = now()
    if not await _verify_counted(db, person, current_password, at):
        raise InvalidCredentials("the current password is wrong", field="currentPassword")
    if person.get("status") != Status.ACTIVE:
        await PEOPLE.of(db).update_one({"_id": person["_id"]}, {"$set": {"login": _fresh_login()}})
        raise Forbidden("this account is disabled; contact an administrator")
    changed = await PEOPLE.of(db).update_one(
        {"_id": person["_id"], "password": person["password"]},
        {
            "$set": {
                "password": await hash_password_async(new_password),
                "login": _fresh_login(),
                "updated_at": at,
            }
        },
    )
    if changed.matched_count == 0:
        raise Conflict("the password was changed meanwhile; sign in again", field="currentPassword")
    await refresh_tokens.revoke_all(db, person["_id"], now=at, keep=keep_session)


async def set_staff_status(db: Database, actor: Actor, person_id: ObjectId, status: Status | str) -> Document:
    """Enable, disable or delete a staff account (admins only; never one's own)."""
    require_role(actor, Role.ADMIN)
    try:
        new_status = Status(status)
    except ValueError:
        allowed = ", ".join(status.value for status in Status)
        raise InvalidInput(f"a status is one of {allowed}", field="status") from None
    if person_id == actor.person_id and new_status is not Status.ACTIVE:
        raise Forbidden("an admin cannot disable their own account; ask another admin")
    person = await PEOPLE.of(db).find_one_and_update(
        {"_id": person_id, "role": {"$in": [role.value for role in STAFF_ROLES]}},
        {"$set": {"status": new_status.value, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if person is None:
        raise NotFound("no staff account has this id", field="personId")
    if new_status is not Status.ACTIVE:
        # Access tokens are refused at once (the status is checked on every request); ending
        # the sessions also stops their refresh tokens from being rotated ever again.
        await refresh_tokens.revoke_all(db, person_id)
    return person
