"""Fan-out: a domain event becomes inbox notifications for its audience and one delivery per device
of those who want it pushed, in chunks of bounded size.

Events naming people are fanned out by the outbox handler itself. Events for the followers of
some targets (a whole district, say) start a fan-out job instead, which a worker walks in
person-id order with a lease and a cursor: memory stays flat however large the audience, and a
crash resumes after the last chunk done. Everything written is idempotent (notification and
delivery ids derive from the event, the person and the device), so a chunk done twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne

from models.common import leases
from models.common.calendar import DEFAULT_TIME_ZONE
from models.common.clock import EPOCH, Clock, epoch_ms, utcnow
from models.common.db import Database
from models.common.outbox_worker import ClaimedEvent
from models.common.repository import insert_new
from models.notifications.categories import TRANSACTIONAL, Delivery
from models.notifications.digests import over_cap
from models.notifications.documents import (
    DELIVERIES,
    FANOUTS,
    NOTIFICATION_SETTINGS,
    NOTIFICATIONS,
    DeviceDocument,
    FanoutDocument,
)
from models.notifications.outgoing import new_delivery
from models.notifications.preferences import PersonSettings, settings_of
from models.notifications.producers import PRODUCERS, Notice
from models.notifications.rendering import Rendered, render
from models.notifications.repository import devices_of, followers_after
from models.notifications.schedule import after_quiet_hours

CHUNK = 500
FANOUT_LEASE = dt.timedelta(seconds=60)


def notification_id(event_id: str, person_id: ObjectId) -> str:
    return f"{event_id}|{person_id}"


def inbox_key(person_id: ObjectId, at: dt.datetime, notification: str) -> str:
    return f"{person_id}:{epoch_ms(at):015d}:{notification}"


def time_zone_of(settings: PersonSettings, devices: Sequence[DeviceDocument]) -> str:
    return settings.time_zone or next(
        (d["time_zone"] for d in devices if d.get("time_zone")), DEFAULT_TIME_ZONE
    )


@dataclass
class _Renderer:
    """Renders a notice once per locale in a chunk."""

    notice: Notice
    _cache: dict[str | None, Rendered]

    def __call__(self, locale: str | None) -> Rendered:
        if locale not in self._cache:
            self._cache[locale] = render(self.notice.template, self.notice.params, locale)
        return self._cache[locale]


async def notify_people(
    db: Database, event_id: str, notice: Notice, person_ids: Iterable[ObjectId], now: dt.datetime
) -> int:
    """Tell these people (one chunk): inbox notifications, unread counts, deliveries; returns how many
    deliveries were made."""
    people = list(dict.fromkeys(person_ids))
    settings = await settings_of(db, people)
    modes = {person: settings[person].delivery(notice.category) for person in people}
    told = [person for person in people if modes[person] is not Delivery.OFF]
    documents = [
        NOTIFICATIONS.new_document(
            {
                "_id": notification_id(event_id, person),
                "person_id": person,
                "category": notice.category.value,
                "template": notice.template,
                "params": notice.params,
                "about": {"kind": notice.about_kind, "id": notice.about_id},
                "link": notice.link,
                "created_at": now,
                "read_at": None,
                "inbox_key": inbox_key(person, now, notification_id(event_id, person)),
            }
        )
        for person in told
    ]
    inserted = await insert_new(NOTIFICATIONS.of(db), documents)
    new_people = [person for person in told if notification_id(event_id, person) in inserted]
    if new_people:
        # A settings document first for those without one (no upsert: nx-27017 would store the
        # ObjectId `_id` of an upsert as a string), then the unread counts.
        await insert_new(
            NOTIFICATION_SETTINGS.of(db),
            [NOTIFICATION_SETTINGS.new_document({"_id": p, "unread": 0}) for p in new_people],
        )
        await NOTIFICATION_SETTINGS.of(db).bulk_write(
            [UpdateOne({"_id": person}, {"$inc": {"unread": 1}}) for person in new_people], ordered=False
        )
    # Deliveries for everyone told, not only the newly notified: a chunk redone after a crash
    # between the inbox and the deliveries makes the missing ones (the ids make the rest no-ops).
    pushed = [person for person in told if modes[person] is Delivery.PUSH]
    if not pushed:
        return 0
    devices = await devices_of(db, pushed)
    due = {
        person: now
        if notice.urgent
        else after_quiet_hours(
            now, time_zone_of(settings[person], devices.get(person, [])), settings[person].quiet_hours
        )
        for person in pushed
    }
    if notice.category not in TRANSACTIONAL:
        zones = {person: time_zone_of(settings[person], devices.get(person, [])) for person in pushed}
        ids = {person: notification_id(event_id, person) for person in pushed}
        capped = await over_cap(db, ids, settings, zones, due, now)
        pushed = [person for person in pushed if person not in capped]
    renderer = _Renderer(notice, {})
    deliveries = [
        new_delivery(
            notification_id=notification_id(event_id, person),
            person_id=person,
            device=device,
            rendered=renderer(device.get("locale")),
            link=notice.link,
            category=notice.category.value,
            collapse_key=notice.collapse_key,
            urgent=notice.urgent,
            ttl=notice.ttl,
            due_at=due[person],
            now=now,
        )
        for person in pushed
        for device in devices.get(person, [])
    ]
    return len(await insert_new(DELIVERIES.of(db), deliveries))


# --- the outbox handler ---------------------------------------------------------------------


async def notify_event(event: ClaimedEvent, db: Database) -> None:
    """Outbox handler for every kind in PRODUCERS: tell the people named now, start a job for followers."""
    now = utcnow()
    produced = await PRODUCERS[event.kind](db, event.payload)
    if produced is None:
        return  # what the event is about is gone (a deleted consultation): nobody to tell
    notice, audience = produced
    if audience.people:
        await notify_people(db, event.id, notice, audience.people, now)
    if audience.broad:
        job = FANOUTS.new_document(
            {
                "_id": event.id,
                "kind": event.kind,
                "payload": dict(event.payload),
                "cursor": {"key": 0, "after": None},
                "lease_owner": None,  # a free lease (leases.LEASE.free)
                "lease_until": EPOCH,
                "created_at": now,
                "done_at": None,
            }
        )
        # A retried event finds its job there already, going on from its cursor.
        await insert_new(FANOUTS.of(db), [job])


# --- fan-out jobs ---------------------------------------------------------------------------


async def _done(db: Database, job: FanoutDocument, owner: str, at: dt.datetime) -> None:
    await leases.complete(
        FANOUTS.of(db),
        owner,
        match={"_id": job["_id"]},
        update={"$set": {"done_at": at, "lease_until": leases.LEASE.free_end}},
    )


async def run_fanout_job(
    db: Database, owner: str, *, lease: dt.timedelta = FANOUT_LEASE, now: Clock = utcnow
) -> bool:
    """Claim one unfinished fan-out job and walk its audience to the end; False when none is due.

    After each chunk the cursor and the lease move on together (guarded by the owner): a worker
    that lost its lease stops, and whoever holds it next starts after the last chunk recorded.
    """
    jobs = FANOUTS.of(db)
    job = await leases.claim(
        jobs, owner, match={"done_at": None}, lease=lease, at=now(), sort=[("lease_until", ASCENDING)]
    )
    if job is None:
        return False
    produced = await PRODUCERS[job["kind"]](db, job["payload"])
    if produced is None:
        await _done(db, job, owner, now())
        return True
    notice, audience = produced
    keys = list(audience.follower_keys)
    key_index, after = int(job["cursor"]["key"]), job["cursor"]["after"]
    while key_index < len(keys):
        chunk = await followers_after(db, keys[key_index], after, CHUNK)
        if chunk:
            await notify_people(db, job["_id"], notice, chunk, now())
            after = chunk[-1]
        if len(chunk) < CHUNK:
            key_index, after = key_index + 1, None
        moved = await leases.renew(
            jobs,
            owner,
            match={"_id": job["_id"]},
            lease=lease,
            at=now(),
            also={"$set": {"cursor": {"key": key_index, "after": after}}},
        )
        if moved is None:
            return True  # the lease lapsed and another worker took the job over
    await _done(db, job, owner, now())
    return True
