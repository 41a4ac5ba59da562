"""Reading people and changing one's own profile: public name, language, large text, district."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId

from models.common.actors import Actor
from models.common.clock import utcnow
from models.common.db import Database, Document
from models.common.errors import Forbidden, InvalidInput, NotFound
from models.common.repository import find_by_keys
from models.districts import repository as districts
from models.identity.documents import PEOPLE
from models.identity.phones import phone_hash

LANGUAGES = ("zh", "en")
PUBLIC_NAME_LENGTH = (2, 30)


async def find_by_ids(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, Document]:
    return await find_by_keys(PEOPLE.of(db), "_id", ids)  # type: ignore[return-value]


async def find_person(db: Database, person_id: ObjectId) -> Document | None:
    return await PEOPLE.of(db).find_one({"_id": person_id})


@dataclass(frozen=True)
class ProfileChanges:
    """What a person may change about themselves; None leaves a field as it is."""

    public_name: str | None = None
    language: str | None = None
    large_text: bool | None = None
    district_code: str | None = None


async def update_own_profile(db: Database, actor: Actor, changes: ProfileChanges) -> Document:
    """Change the signed-in person's own profile; every field is checked before anything is written."""
    if actor.person_id is None:
        raise Forbidden("sign in first")
    updates: dict[str, object] = {}
    if changes.public_name is not None:
        name = " ".join(changes.public_name.split())
        low, high = PUBLIC_NAME_LENGTH
        if not low <= len(name) <= high:
            raise InvalidInput(f"a public name is {low}–{high} characters", field="publicName")
        updates["public_name"] = name
    if changes.language is not None:
        if changes.language not in LANGUAGES:
            raise InvalidInput(f"language is one of {', '.join(LANGUAGES)}", field="language")
        updates["preferences.language"] = changes.language
    if changes.large_text is not None:
        updates["preferences.large_text"] = changes.large_text
    if changes.district_code is not None:
        district = await districts.find_by_code(db, changes.district_code.strip().lower())
        if district is None:
            raise NotFound(f"no district has the code {changes.district_code!r}", field="districtCode")
        updates["preferences.district_id"] = district["_id"]
    updates["updated_at"] = utcnow()
    person = await PEOPLE.of(db).find_one_and_update(
        {"_id": actor.person_id}, {"$set": updates}, return_document=True
    )
    if person is None:
        raise NotFound("this account no longer exists")
    return person


async def find_by_phone(db: Database, phone_key: bytes, phone_number: str) -> Document | None:
    return await PEOPLE.of(db).find_one({"phone.hash": phone_hash(phone_key, phone_number)})


async def find_by_email(db: Database, email: str) -> Document | None:
    return await PEOPLE.of(db).find_one({"email": email.strip().lower()})
