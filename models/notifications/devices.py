"""The phones (and browsers) push goes to: one document per FCM registration token."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId

from models.common.actors import Actor
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import InvalidInput
from models.notifications.deliveries import DELIVERY_LEASE
from models.notifications.documents import DELIVERIES, DEVICES, DeviceDocument
from models.notifications.policy import person_of
from models.notifications.preferences import clean_time_zone
from models.notifications.rendering import normalize_locale

# What FCM accepts as a registration token (base64url around an optional colon, 100–4096 chars).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?")
TOKEN_LENGTH = range(100, 4097)
APP_VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_()-]{0,31}")
# A person's devices beyond this many: the longest unseen is dropped (each push fans out to all).
MAX_DEVICES_PER_PERSON = 10


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


@dataclass(frozen=True)
class DeviceRegistration:
    token: str
    platform: Platform
    app_version: str
    locale: str
    time_zone: str


def clean_token(token: str, field: str = "token") -> str:
    value = token.strip()
    if len(value) not in TOKEN_LENGTH or not TOKEN_PATTERN.fullmatch(value):
        raise InvalidInput("this is not an FCM registration token", field=field)
    return value


def _clean(registration: DeviceRegistration) -> DeviceRegistration:
    app_version = registration.app_version.strip()
    if not APP_VERSION_PATTERN.fullmatch(app_version):
        raise InvalidInput("an app version is 1–32 letters, digits and . + _ ( ) -", field="appVersion")
    locale = normalize_locale(registration.locale)
    if locale is None:
        raise InvalidInput("a locale is a language tag such as zh-CN or en", field="locale")
    return DeviceRegistration(
        token=clean_token(registration.token),
        platform=Platform(registration.platform),
        app_version=app_version,
        locale=locale,
        time_zone=clean_time_zone(registration.time_zone),
    )


async def register_device(
    db: Database, actor: Actor, registration: DeviceRegistration, *, now: Clock = utcnow
) -> DeviceDocument:
    """Register (or refresh) this device for the signed-in person.

    The token is the `_id`: registering again updates the device, and a token last registered
    by another account moves to this one (a shared phone, another sign-in): that account's
    pushes still waiting for the token are dropped, so they never show on someone else's phone.
    """
    person_id = person_of(actor)
    device = _clean(registration)
    at = now()
    fields = {
        "person_id": person_id,
        "platform": device.platform.value,
        "app_version": device.app_version,
        "locale": device.locale,
        "time_zone": device.time_zone,
        "last_seen_at": at,
    }
    collection = DEVICES.of(db)
    refreshed = await collection.update_one({"_id": device.token, "person_id": person_id}, {"$set": fields})
    if refreshed.matched_count == 0:
        previous = await collection.find_one({"_id": device.token}, {"person_id": 1})
        await collection.update_one(
            {"_id": device.token},
            {"$set": {**fields, "registered_at": at, "v": DEVICES.schema_version}},
            upsert=True,
        )
        if previous is not None:
            await _drop_waiting(db, device.token, at, reason="device_moved")
        await _keep_newest(db, person_id)
    stored = await collection.find_one({"_id": device.token})
    assert stored is not None
    return stored


async def unregister_device(db: Database, actor: Actor, token: str, *, now: Clock = utcnow) -> bool:
    """Remove one's own device; another person's token or an unknown one is left alone (False)."""
    person_id = person_of(actor)
    value = clean_token(token)
    removed = await DEVICES.of(db).delete_one({"_id": value, "person_id": person_id})
    if removed.deleted_count:
        await _drop_waiting(db, value, now(), reason="device_unregistered")
    return bool(removed.deleted_count)


async def unregister_all_devices(db: Database, actor: Actor, *, now: Clock = utcnow) -> int:
    """Remove every device of the signed-in person (signing out everywhere)."""
    person_id = person_of(actor)
    tokens = [d["_id"] async for d in DEVICES.of(db).find({"person_id": person_id}, {"_id": 1})]
    if not tokens:
        return 0
    removed = await DEVICES.of(db).delete_many({"_id": {"$in": tokens}, "person_id": person_id})
    at = now()
    for token in tokens:
        await _drop_waiting(db, token, at, reason="device_unregistered")
    return removed.deleted_count


async def forget_token(db: Database, token: str, *, now: Clock = utcnow) -> None:
    """FCM says the token is dead (UNREGISTERED and the like): forget the device and what waits for it."""
    await DEVICES.of(db).delete_one({"_id": token})
    await _drop_waiting(db, token, now(), reason="device_forgotten")


async def _drop_waiting(db: Database, token: str, at: dt.datetime, *, reason: str) -> None:
    """Pending deliveries to `token` that no sender holds now become "dropped" (held ones are left
    to their sender, whose outcome is guarded by its lease)."""
    await DELIVERIES.of(db).update_many(
        {"token": token, "status": "pending", **DELIVERY_LEASE.claimable(at)},
        {"$set": {"status": "dropped", "error": {"code": reason, "message": reason, "at": at}}},
    )


async def _keep_newest(db: Database, person_id: ObjectId) -> None:
    devices = await DEVICES.of(db).find({"person_id": person_id}, {"last_seen_at": 1}).to_list()
    if len(devices) <= MAX_DEVICES_PER_PERSON:
        return
    devices.sort(key=lambda device: device["last_seen_at"], reverse=True)
    stale = [device["_id"] for device in devices[MAX_DEVICES_PER_PERSON:]]
    await DEVICES.of(db).delete_many({"_id": {"$in": stale}, "person_id": person_id})
