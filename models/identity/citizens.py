"""Citizens: found or created at phone sign-in, identified by a keyed hash of their number."""

from __future__ import annotations

import datetime as dt
import secrets

from pymongo.errors import DuplicateKeyError

from models.common.actors import Role
from models.common.clock import utcnow
from models.common.db import Database
from models.common.errors import Forbidden
from models.identity.documents import PEOPLE, PersonDocument, PhoneRecord, Status
from models.identity.phones import phone_record
from models.identity.repository import find_by_phone_hash


def pseudonym() -> str:
    """A public name that says nothing about the person; they can change it later."""
    return f"市民{secrets.randbelow(1_000_000):06d}"


def new_citizen(
    phone: PhoneRecord, *, now: dt.datetime, firebase_uid: str | None = None, public_name: str | None = None
) -> PersonDocument:
    """A citizen's document as first stored: signed in now (with `firebase_uid`), or enrolled by a
    helper without signing in (no `firebase_uid`, which the sparse unique index allows, and no last
    sign-in)."""
    signed_in: PersonDocument = {"firebase_uid": firebase_uid, "last_sign_in_at": now} if firebase_uid else {}
    return PEOPLE.new_document(
        {
            "role": Role.CITIZEN.value,
            "status": Status.ACTIVE.value,
            "public_name": public_name or pseudonym(),
            "phone": phone,
            **signed_in,
            "preferences": {"language": "zh", "large_text": False, "district_id": None},
            "created_at": now,
            "updated_at": now,
        }
    )


def _refuse_unless_active(person: PersonDocument) -> None:
    if person.get("status") != Status.ACTIVE:
        raise Forbidden("this account is disabled; contact the service desk")


async def find_or_create_citizen(
    db: Database, *, phone_number: str, firebase_uid: str, phone_key: bytes
) -> PersonDocument:
    """The citizen with this verified phone number, created on first sign-in."""
    phone = phone_record(phone_key, phone_number)
    people = PEOPLE.of(db)
    now = utcnow()
    person = await find_by_phone_hash(db, phone["hash"])
    if person is None:
        document = new_citizen(phone, now=now, firebase_uid=firebase_uid)
        try:
            await people.insert_one(document)
            return document
        except DuplicateKeyError:
            # Two first sign-ins at once: the other one created the person.
            person = await find_by_phone_hash(db, phone["hash"])
            if person is None:
                raise
    _refuse_unless_active(person)
    await people.update_one(
        {"_id": person["_id"]}, {"$set": {"last_sign_in_at": now, "firebase_uid": firebase_uid}}
    )
    return {**person, "last_sign_in_at": now, "firebase_uid": firebase_uid}


async def find_or_enrol_citizen(db: Database, *, phone_number: str, phone_key: bytes) -> PersonDocument:
    """The citizen with this phone number, enrolled without signing in when new (assisted submission
    by a helper); signing in with that number later finds the same person."""
    phone = phone_record(phone_key, phone_number)
    people = PEOPLE.of(db)
    person = await find_by_phone_hash(db, phone["hash"])
    if person is None:
        document = new_citizen(phone, now=utcnow())
        try:
            await people.insert_one(document)
            return document
        except DuplicateKeyError:
            person = await find_by_phone_hash(db, phone["hash"])
            if person is None:
                raise
    if person.get("role") != Role.CITIZEN:
        raise Forbidden("this phone number belongs to a staff account")
    _refuse_unless_active(person)
    return person
