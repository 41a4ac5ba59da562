"""The daily cap on non-transactional pushes: over it, one digest push a day instead of many.

The ledger is one document per person and local day (`digests`): pushes counted, pushes held
back for the digest, and when the digest goes (early evening, after quiet hours). The inbox has
every notification either way; only the pushes are folded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne

from models.common.clock import epoch_ms
from models.common.db import Database
from models.common.repository import insert_new
from models.notifications.documents import DELIVERIES, DIGESTS
from models.notifications.outgoing import new_delivery
from models.notifications.preferences import PersonSettings
from models.notifications.rendering import render
from models.notifications.repository import devices_of
from models.notifications.schedule import digest_due, local_day

DIGEST_TEMPLATE = "digest.daily"
DIGEST_TTL = dt.timedelta(days=1)
SWEEP_BATCH = 200


def digest_id(person_id: ObjectId, day: dt.date) -> str:
    return f"{person_id}:{day.isoformat()}"


async def over_cap(
    db: Database,
    notifications: Mapping[ObjectId, str],
    settings: Mapping[ObjectId, PersonSettings],
    zones: Mapping[ObjectId, str],
    due: Mapping[ObjectId, dt.datetime],
    now: dt.datetime,
) -> set[ObjectId]:
    """Count each person's non-transactional push (`notifications`: person → notification id) on the
    local day it goes; those past their cap get it in that day's digest instead. Returns the people
    whose push was folded.

    The ledger keeps the ids, not counts (`$addToSet` keeps the order they came in and adds an id
    once), so a chunk redone after a crash finds the same place for each push and decides the same.
    """
    people = list(notifications)
    if not people:
        return set()
    days = {person: local_day(due[person], zones[person]) for person in people}
    ids = {person: digest_id(person, days[person]) for person in people}
    ledger = DIGESTS.of(db)
    await ledger.bulk_write(
        [
            UpdateOne(
                {"_id": ids[person]},
                {
                    "$addToSet": {"pushed": notifications[person]},
                    # Made here, not by the first fold's $addToSet: nx-27017 adds nothing to a
                    # missing array unless the update takes its Python path.
                    "$setOnInsert": {"pending": [], "folds": 0},
                    "$set": {
                        "person_id": person,
                        "day": days[person].isoformat(),
                        "time_zone": zones[person],
                    },
                },
                upsert=True,
            )
            for person in people
        ],
        ordered=False,
    )
    pushed = {
        doc["_id"]: doc.get("pushed", [])
        async for doc in ledger.find({"_id": {"$in": list(ids.values())}}, {"pushed": 1})
    }
    capped = {
        person
        for person in people
        if notifications[person] in pushed.get(ids[person], [])
        and pushed[ids[person]].index(notifications[person]) >= settings[person].daily_cap
    }
    if capped:
        await ledger.bulk_write(
            [
                UpdateOne(
                    {"_id": ids[person]},
                    {
                        "$addToSet": {"pending": notifications[person]},
                        "$inc": {"folds": 1},  # the sweep's compare-and-set
                        # Each fold moves the digest to the evening (or half an hour on), so one
                        # digest gathers the day's extra pushes.
                        "$set": {
                            "due_ms": epoch_ms(digest_due(now, zones[person], settings[person].quiet_hours))
                        },
                    },
                )
                for person in capped
            ],
            ordered=False,
        )
    return capped


async def send_due_digests(db: Database, now: dt.datetime) -> int:
    """Turn due digests into deliveries (one per device); returns how many digests went."""
    ledger = DIGESTS.of(db)
    due = await ledger.find(
        # A ledger has a due time only while pushes wait for its digest.
        {"due_ms": {"$lte": epoch_ms(now)}},
        {"person_id": 1, "pending": 1, "round": 1, "folds": 1},
        sort=[("due_ms", ASCENDING)],
        limit=SWEEP_BATCH,
    ).to_list()
    if not due:
        return 0
    devices = await devices_of(db, [digest["person_id"] for digest in due])
    sent = 0
    for digest in due:
        pending, round_ = list(digest.get("pending") or []), int(digest.get("round") or 0)
        count = len(pending)
        if not count:
            await ledger.update_one(
                {"_id": digest["_id"], "folds": digest["folds"]}, {"$set": {"due_ms": None}}
            )
            continue
        notification = f"digest:{digest['_id']}:{round_}"
        deliveries = []
        for device in devices.get(digest["person_id"], []):
            deliveries.append(
                new_delivery(
                    notification_id=notification,
                    person_id=digest["person_id"],
                    device=device,
                    rendered=render(DIGEST_TEMPLATE, {"count": str(count)}, device.get("locale")),
                    link="townhall://notifications",
                    category="digest",
                    collapse_key=f"digest-{digest['_id']}",
                    urgent=False,
                    ttl=DIGEST_TTL,
                    due_at=now,
                    now=now,
                )
            )
        await insert_new(DELIVERIES.of(db), deliveries)
        # Deliveries first, then the ledger moves on: a crash between re-inserts the same ids.
        # Unless folds arrived meanwhile (then they stay pending, with the due time they set),
        # the ledger is left with nothing pending and no due time.
        done = {"round": round_ + 1}
        cleared = await ledger.update_one(
            {"_id": digest["_id"], "folds": digest["folds"]},
            {"$set": {**done, "pending": [], "due_ms": None}},
        )
        if cleared.matched_count == 0:
            await ledger.update_one({"_id": digest["_id"]}, {"$pullAll": {"pending": pending}, "$set": done})
        sent += 1
    return sent
