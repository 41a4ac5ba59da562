"""Changing one's own profile: public name, language, large text, district (repository.py reads people)."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ReturnDocument

from models.common.actors import Actor, Role
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import Forbidden, InvalidInput, NotFound
from models.common.outbox import push_events
from models.districts import repository as districts
from models.identity.documents import PEOPLE, PersonDocument
from models.identity.name_moderation import (
    PENDING_NAME,
    PROFILE_NAME,
    NameChange,
    choose_name,
    forget_redacted_original,
)
from models.identity.name_rules import refuse_staff_lookalike
from models.identity.repository import find_person
from models.moderation.events import hold_event
from models.moderation.queue import hold_for_review, take_from_moderator
from moderation.screening import normalise_text

LANGUAGES = ("zh", "en")
PUBLIC_NAME_LENGTH = (2, 30)


@dataclass(frozen=True)
class ProfileChanges:
    """What a person may change about themselves; None leaves a field as it is."""

    public_name: str | None = None
    language: str | None = None
    large_text: bool | None = None
    district_code: str | None = None


def clean_public_name(name: str) -> str:
    """A public name as it is stored: normalised, inner spaces folded, 2–30 characters."""
    cleaned = " ".join(normalise_text(name).split())
    low, high = PUBLIC_NAME_LENGTH
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"a public name is {low}–{high} characters", field="publicName")
    return cleaned


async def update_own_profile(
    db: Database, actor: Actor, changes: ProfileChanges, *, now: Clock = utcnow
) -> PersonDocument:
    """Change the signed-in person's own profile; every field is checked before anything is written.

    A citizen's new public name is screened first: a clean one is public at once; one screening
    holds waits in `pending_public_name` for a moderator (queued, with its hold event in this
    write) while the old name stays public. A name that passes for staff (a department's name, a
    role word, a staff member's own name) is refused outright. Staff names are not screened.
    """
    if actor.person_id is None:
        raise Forbidden("sign in first")
    updates: dict[str, object] = {}
    name = clean_public_name(changes.public_name) if changes.public_name is not None else None
    if name is not None and actor.role is Role.CITIZEN:
        await refuse_staff_lookalike(db, name)
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
    at = now()
    updates["updated_at"] = at
    update: Document = {"$set": updates}
    change: NameChange | None = None
    if name is not None:
        current = await find_person(db, actor.person_id)
        if current is None:
            raise NotFound("this account no longer exists")
        change = await choose_name(db, current, name, screened=actor.role is Role.CITIZEN, at=at)
        updates.update(change.set)
        if change.unset:
            update["$unset"] = dict.fromkeys(change.unset, "")
        if change.held is not None:
            held = hold_event(PROFILE_NAME, actor.person_id, actor.person_id, change.held, at)
            update = push_events(update, [held])
    person = await PEOPLE.of(db).find_one_and_update(
        {"_id": actor.person_id}, update, return_document=ReturnDocument.AFTER
    )
    if person is None:
        raise NotFound("this account no longer exists")
    if change is not None and ("public_name" in change.set or PENDING_NAME in change.set):
        await forget_redacted_original(db, actor.person_id)
    if change is not None and change.set:
        # A moderator judging the name loses the claim: they must not decide on a name that is no
        # longer the one waiting (say, approve a new held name unseen).
        await take_from_moderator(db, PROFILE_NAME, actor.person_id)
    if change is not None and change.held is not None:
        await hold_for_review(db, PROFILE_NAME, actor.person_id, actor.person_id, change.held, at)
    return person
