"""How each person wants to be told: delivery per category, quiet hours, daily cap, time zone."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database, Document
from models.common.errors import InvalidInput
from models.notifications.categories import (
    DEFAULT_DAILY_CAP,
    DEFAULT_QUIET_HOURS,
    DEFAULTS,
    TRANSACTIONAL,
    Category,
    Delivery,
)
from models.notifications.documents import NOTIFICATION_SETTINGS, NotificationSettingsDocument
from models.notifications.policy import person_of

DAILY_CAP_RANGE = range(1, 51)
TIME_ZONE_LENGTH = 64
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DEFAULT_QUIET = (
    dt.time.fromisoformat(DEFAULT_QUIET_HOURS[0]),
    dt.time.fromisoformat(DEFAULT_QUIET_HOURS[1]),
)


class Keep(Enum):
    """Marks a setting left as it is by an update."""

    KEEP = "keep"


KEEP = Keep.KEEP


def parse_hh_mm(value: str, field: str) -> dt.time:
    match = _HH_MM.fullmatch(value.strip())
    if not match:
        raise InvalidInput(f"{value!r} is not a time of day as HH:MM (00:00–23:59)", field=field)
    return dt.time(int(match.group(1)), int(match.group(2)))


def clean_time_zone(value: str, field: str = "timeZone") -> str:
    """An IANA time zone name known to this server ("Asia/Shanghai")."""
    name = value.strip()
    if not name or len(name) > TIME_ZONE_LENGTH:
        raise InvalidInput("a time zone is an IANA name such as Asia/Shanghai", field=field)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"{name!r} is not a known time zone", field=field) from error
    return name


@dataclass(frozen=True)
class PersonSettings:
    """One person's settings, defaults filled in (the fan-out and the API read the same)."""

    person_id: ObjectId
    categories: Mapping[Category, Delivery] = field(default_factory=lambda: dict(DEFAULTS))
    quiet_hours: tuple[dt.time, dt.time] | None = _DEFAULT_QUIET
    daily_cap: int = DEFAULT_DAILY_CAP
    time_zone: str | None = None  # None: the zone of the person's devices (or the deployment's)
    unread: int = 0

    def delivery(self, category: Category) -> Delivery:
        chosen = self.categories.get(category, DEFAULTS[category])
        if chosen == Delivery.OFF and category in TRANSACTIONAL:
            return Delivery.INBOX  # about one's own case: always in the inbox
        return chosen

    @classmethod
    def from_document(
        cls, person_id: ObjectId, document: NotificationSettingsDocument | None
    ) -> PersonSettings:
        if document is None:
            return cls(person_id=person_id)
        stored = document.get("categories") or {}
        categories = dict(DEFAULTS)
        for category in Category:
            with contextlib.suppress(ValueError):  # an unknown stored value keeps the default
                categories[category] = Delivery(stored.get(category.value, DEFAULTS[category]))
        quiet_hours: tuple[dt.time, dt.time] | None = _DEFAULT_QUIET
        if "quiet_hours" in document:
            quiet = document["quiet_hours"]
            quiet_hours = (
                (dt.time.fromisoformat(quiet["start"]), dt.time.fromisoformat(quiet["end"]))
                if quiet
                else None
            )
        return cls(
            person_id=person_id,
            categories=categories,
            quiet_hours=quiet_hours,
            daily_cap=int(document.get("daily_cap", DEFAULT_DAILY_CAP)),
            time_zone=document.get("time_zone"),
            unread=max(0, int(document.get("unread", 0))),
        )


async def settings_of(db: Database, person_ids: Sequence[ObjectId]) -> dict[ObjectId, PersonSettings]:
    """Every given person's settings, defaults for those without a document (one `$in` read)."""
    wanted = list(dict.fromkeys(person_ids))
    if not wanted:
        return {}
    found = {
        _person_key(document["_id"]): document
        async for document in NOTIFICATION_SETTINGS.of(db).find({"_id": {"$in": wanted}})
    }
    return {person_id: PersonSettings.from_document(person_id, found.get(person_id)) for person_id in wanted}


async def settings_for(db: Database, actor: Actor) -> PersonSettings:
    person_id = person_of(actor)
    return (await settings_of(db, [person_id]))[person_id]


@dataclass(frozen=True)
class SettingsChanges:
    """What an update changes; KEEP leaves a setting, None switches quiet hours off or unsets the zone."""

    categories: Mapping[Category, Delivery] = field(default_factory=dict)
    quiet_hours: tuple[str, str] | Keep | None = KEEP
    daily_cap: int | Keep = KEEP
    time_zone: str | Keep | None = KEEP


def _changes(changes: SettingsChanges) -> Document:
    updates: Document = {}
    for category, delivery in changes.categories.items():
        if delivery == Delivery.OFF and category in TRANSACTIONAL:
            raise InvalidInput(
                f"notifications about your own case ({category.value}) always reach your inbox: "
                "choose PUSH or INBOX",
                field="categories",
            )
        updates[f"categories.{category.value}"] = delivery.value
    if not isinstance(changes.quiet_hours, Keep):
        if changes.quiet_hours is None:
            updates["quiet_hours"] = None
        else:
            start = parse_hh_mm(changes.quiet_hours[0], "quietHours.start")
            end = parse_hh_mm(changes.quiet_hours[1], "quietHours.end")
            if start == end:
                raise InvalidInput("quiet hours must start and end at different times", field="quietHours")
            updates["quiet_hours"] = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    if not isinstance(changes.daily_cap, Keep):
        if changes.daily_cap not in DAILY_CAP_RANGE:
            raise InvalidInput(
                f"the daily cap is {DAILY_CAP_RANGE.start}–{DAILY_CAP_RANGE.stop - 1} pushes",
                field="dailyCap",
            )
        updates["daily_cap"] = changes.daily_cap
    if not isinstance(changes.time_zone, Keep):
        updates["time_zone"] = None if changes.time_zone is None else clean_time_zone(changes.time_zone)
    return updates


async def update_settings(
    db: Database, actor: Actor, changes: SettingsChanges, *, now: Clock = utcnow
) -> PersonSettings:
    """Change one's own settings; OFF for a transactional category is refused."""
    person_id = person_of(actor)
    updates = {**_changes(changes), "updated_at": now()}
    collection = NOTIFICATION_SETTINGS.of(db)
    # Update, else insert: an upsert by an ObjectId `_id` stores its hex string on nx-27017
    # (tests/conformance/test_object_id_keys.py). The unread counter is never overwritten.
    if (await collection.update_one({"_id": person_id}, {"$set": updates})).matched_count:
        return await settings_for(db, actor)
    try:
        await collection.insert_one(
            NOTIFICATION_SETTINGS.new_document({"_id": person_id, **_nested(updates)})
        )
    except DuplicateKeyError:  # created meanwhile (by the fan-out's unread count): update that one
        await collection.update_one({"_id": person_id}, {"$set": updates})
    return await settings_for(db, actor)


def _nested(updates: Document) -> NotificationSettingsDocument:
    """Dotted `$set` paths as the nested fields of a new document."""
    document: Document = {}
    for path, value in updates.items():
        *parents, leaf = path.split(".")
        target = document
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return cast(NotificationSettingsDocument, document)  # the paths _changes makes are its fields


def _person_key(stored: object) -> ObjectId:
    """A settings `_id` as the person's ObjectId (nx-27017 upserts leave its hex string)."""
    return stored if isinstance(stored, ObjectId) else ObjectId(str(stored))
