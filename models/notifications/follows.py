"""Following and unfollowing departments, topics, districts and single consultations (repository.py reads
who follows what)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import InvalidInput, NotFound
from models.consultations import repository as consultations
from models.consultations.policy import is_published
from models.departments import repository as departments
from models.districts import repository as districts
from models.notifications.documents import FOLLOWS, FollowDocument
from models.notifications.policy import person_of
from models.topics import repository as topics


@dataclass(frozen=True)
class TargetKind:
    """Something people may follow: how to find it, and whether it may be followed now."""

    kind: str
    find: Callable[[Database, Sequence[ObjectId]], Awaitable[Mapping[ObjectId, Mapping[str, Any]]]]
    followable: Callable[[Any], bool] = lambda document: True  # takes the kind's own document type


# Petitions and livestream sessions join with their issues: one line each.
TARGET_KINDS: dict[str, TargetKind] = {
    target.kind: target
    for target in (
        TargetKind("department", departments.find_by_ids),
        TargetKind("topic", topics.find_by_ids),
        TargetKind("district", districts.find_by_ids),
        # Drafts are not public: following one would tell who is preparing what.
        TargetKind("consultation", consultations.find_consultations, followable=is_published),
    )
}


def target_key(kind: str, target_id: ObjectId | str) -> str:
    """ "<kind>:<id>", as follows and the fan-out name a target."""
    return f"{kind}:{target_id}"


def follow_id(person_id: ObjectId, key: str) -> str:
    return f"{person_id}:{key}"


def _kind(kind: str) -> TargetKind:
    target = TARGET_KINDS.get(kind)
    if target is None:
        raise InvalidInput(f"{kind!r} cannot be followed", field="targetId")
    return target


async def follow(
    db: Database, actor: Actor, kind: str, target_id: ObjectId, *, now: Clock = utcnow
) -> FollowDocument:
    """Follow a target; following it again changes nothing and returns the follow."""
    person_id = person_of(actor)
    target = _kind(kind)
    found = (await target.find(db, [target_id])).get(target_id)
    if found is None or not target.followable(found):
        raise NotFound(f"there is no {kind} with this id", field="targetId")
    key = target_key(kind, target_id)
    document = FOLLOWS.new_document(
        {"_id": follow_id(person_id, key), "person_id": person_id, "target_key": key, "created_at": now()}
    )
    try:
        await FOLLOWS.of(db).insert_one(document)
    except DuplicateKeyError:
        existing = await FOLLOWS.of(db).find_one({"_id": document["_id"]})
        if existing is not None:
            return existing
    return document


async def unfollow(db: Database, actor: Actor, kind: str, target_id: ObjectId) -> bool:
    """Stop following; True if one was followed (a target gone since can still be unfollowed)."""
    person_id = person_of(actor)
    _kind(kind)
    removed = await FOLLOWS.of(db).delete_one({"_id": follow_id(person_id, target_key(kind, target_id))})
    return bool(removed.deleted_count)


def parse_target_key(key: str) -> tuple[str, ObjectId] | None:
    """(kind, id) of a stored target key; None for one this code cannot read."""
    kind, _, raw_id = key.partition(":")
    if not ObjectId.is_valid(raw_id):
        return None
    return kind, ObjectId(raw_id)
