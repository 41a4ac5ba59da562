"""Staff accounts: provisioned by admins, signed in by e-mail and password with back-off and lockout."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument

from models.common.actors import Actor, Role
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.common.repository import insert_unique
from models.common.text import clean_code
from models.departments.repository import find_by_code
from models.identity import refresh_tokens, sign_in_attempts
from models.identity.documents import PEOPLE, PersonDocument, Status
from models.identity.errors import InvalidCredentials
from models.identity.errors import TooManyAttempts as TooManyAttempts  # re-exported for resolvers
from models.identity.passwords import (
    check_password_policy,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from models.identity.people import PUBLIC_NAME_LENGTH
from models.identity.policy import refuse_disabling_oneself, require_staff_admin
from models.identity.repository import find_by_email, find_person

STAFF_ROLES = (Role.HELPER, Role.OFFICIAL, Role.MODERATOR, Role.ADMIN)
MAX_EMAIL_LENGTH = 254
# Lower-case ASCII addresses with a dotted domain: what government mail systems hand out.
EMAIL_PATTERN = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
WRONG_CREDENTIALS = "wrong e-mail or password"


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


async def create_staff(db: Database, actor: Actor, new: NewStaff) -> PersonDocument:
    """Create a staff account (admins only); an official belongs to a department."""
    require_staff_admin(actor)
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
            "last_sign_in_at": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    return await insert_unique(
        PEOPLE.of(db), document, Conflict(f"an account with the e-mail {email} exists already", field="email")
    )


async def _verify_counted(
    db: Database,
    email: str,
    account: PersonDocument | None,
    password: str,
    at: dt.datetime,
    address: str | None,
) -> bool:
    """Check `password` for `email` as one attempt from `address`, counted (models/identity/sign_in_attempts).

    An e-mail without an account walks every step an account does — the same record, refusals,
    claim and a password check against a throw-away hash — so no answer and no timing tells them
    apart. A right password clears the count afterwards.
    """
    attempts = await sign_in_attempts.refuse_if_paused(db, email, address, at)
    person = account if _has_password(account) else None
    await sign_in_attempts.claim(
        db, email, address, at, attempts, account_id=person["_id"] if person is not None else None
    )
    if person is None:
        await _spend_a_verification(password)
        return False
    if not await verify_password_async(password, person["password"]):
        return False
    await sign_in_attempts.forgive(db, email, address, at)
    return True


_dummy_hash: str | None = None


async def _spend_a_verification(password: str) -> None:
    """Check the password against a throw-away hash, so that an unknown e-mail takes as long as a
    known one and the response time does not tell which e-mails have accounts."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await hash_password_async(secrets.token_urlsafe(16))
    await verify_password_async(password, _dummy_hash)


def _has_password(person: PersonDocument | None) -> bool:
    return person is not None and person.get("role") != Role.CITIZEN.value and bool(person.get("password"))


async def log_in_staff(
    db: Database, email: str, password: str, now: Clock = utcnow, *, address: str | None = None
) -> PersonDocument:
    """The staff person with this e-mail and password, their sign-in recorded.

    `address` is the client's: after each wrong password it takes no attempt at this e-mail for
    1, 2, 4 … seconds, after five it is shut out of it for 15 minutes, and wrong passwords from
    five addresses lock the e-mail for 15 minutes (models/identity/sign_in_attempts.py) — whether
    or not it has an account. Status is told only to the right password.
    """
    at = now()
    people = PEOPLE.of(db)
    normalised = email.strip().lower()
    person = await find_by_email(db, normalised)
    if not await _verify_counted(db, normalised, person, password, at, address) or person is None:
        raise InvalidCredentials(WRONG_CREDENTIALS)
    if person.get("status") != Status.ACTIVE:
        raise Forbidden("this account is disabled; contact an administrator")
    changes: PersonDocument = {"last_sign_in_at": at}
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
    address: str | None = None,
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
    if not await _verify_counted(db, person["email"], person, current_password, at, address):
        raise InvalidCredentials("the current password is wrong", field="currentPassword")
    if person.get("status") != Status.ACTIVE:
        raise Forbidden("this account is disabled; contact an administrator")
    changed = await PEOPLE.of(db).update_one(
        {"_id": person["_id"], "password": person["password"]},
        {
            "$set": {
                "password": await hash_password_async(new_password),
                "updated_at": at,
            }
        },
    )
    if changed.matched_count == 0:
        raise Conflict("the password was changed meanwhile; sign in again", field="currentPassword")
    await refresh_tokens.revoke_all(db, person["_id"], now=at, keep=keep_session)


async def set_staff_status(
    db: Database, actor: Actor, person_id: ObjectId, status: Status | str
) -> PersonDocument:
    """Enable, disable or delete a staff account (admins only; never one's own)."""
    require_staff_admin(actor)
    try:
        new_status = Status(status)
    except ValueError:
        allowed = ", ".join(status.value for status in Status)
        raise InvalidInput(f"a status is one of {allowed}", field="status") from None
    refuse_disabling_oneself(actor, person_id, new_status)
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
