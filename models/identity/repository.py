"""Queries on people: by id, by phone (its keyed hash) or e-mail, and a person's role."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId

from models.common.actors import Role
from models.common.db import Database
from models.common.repository import find_by_keys
from models.identity.documents import PEOPLE, PersonDocument
from models.identity.phones import phone_hash


async def find_by_ids(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, PersonDocument]:
    return await find_by_keys(PEOPLE.of(db), "_id", ids)  # type: ignore[return-value]


async def find_person(db: Database, person_id: ObjectId) -> PersonDocument | None:
    return await PEOPLE.of(db).find_one({"_id": person_id})


async def role_of(db: Database, person_id: ObjectId) -> Role | None:
    """The person's role; None when there is no such person."""
    person = await PEOPLE.of(db).find_one({"_id": person_id}, {"role": 1})
    return Role(person["role"]) if person is not None and person.get("role") else None


async def find_by_phone_hash(db: Database, hashed: str) -> PersonDocument | None:
    """The person whose phone number has this keyed hash (models/identity/phones.py)."""
    return await PEOPLE.of(db).find_one({"phone.hash": hashed})


async def find_by_phone(db: Database, phone_key: bytes, phone_number: str) -> PersonDocument | None:
    return await find_by_phone_hash(db, phone_hash(phone_key, phone_number))


async def find_by_email(db: Database, email: str) -> PersonDocument | None:
    return await PEOPLE.of(db).find_one({"email": email.strip().lower()})
