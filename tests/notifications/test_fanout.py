"""Fan-out: events become inbox notifications and deliveries, by preference, quiet hours and cap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson import ObjectId

from models.common.clock import from_epoch_ms
from models.common.db import Database, Document
from models.notifications import fanout
from models.notifications.categories import Category
from models.notifications.digests import send_due_digests
from models.notifications.documents import (
    DELIVERIES,
    DEVICES,
    DIGESTS,
    FANOUTS,
    FOLLOWS,
    NOTIFICATION_SETTINGS,
    NOTIFICATIONS,
)
from models.notifications.fanout import CHUNK, FANOUT_LEASE, notify_people, run_fanout_job
from models.notifications.producers import Notice
from models.notifications.rendering import render
from tests.consultations.drafts import make_city, make_open

# 2026-03-02 10:00 in Shanghai: daytime, outside the default quiet hours (22:00–08:00).
DAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
NIGHT = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai

REPLY = Notice(
    category=Category.REPLY,
    template="consultation.comment_replied",
    params={"consultation": "临川市电动自行车停放充电管理规定（征求意见稿）"},
    about_kind="comment",
    about_id=ObjectId(),
    link="townhall://consultations/x/comments/y",
    collapse_key="reply-y",
)
NEWS = Notice(
    category=Category.NEW_CONSULTATION,
    template="consultation.published",
    params={"consultation": "临川市老旧小区加装电梯实施办法", "department": "市住房和城乡建设局"},
    about_kind="consultation",
    about_id=ObjectId(),
    link="townhall://consultations/z",
    collapse_key="opened-z",
)


async def person_with_device(
    db: Database, locale: str = "zh-CN", *, settings: Document | None = None, devices: int = 1
) -> ObjectId:
    person = ObjectId()
    for n in range(devices):
        await DEVICES.of(db).insert_one(
            {
                "_id": f"token-{person}-{n}",
                "person_id": person,
                "platform": "android",
                "app_version": "1.0.0",
                "locale": locale,
                "time_zone": "Asia/Shanghai",
            }
        )
    if settings is not None:
        await NOTIFICATION_SETTINGS.of(db).insert_one({"_id": person, **settings})
    return person


def english_title() -> str:
    return render(REPLY.template, REPLY.params, "en").title


async def deliveries_of(db: Database, person: ObjectId) -> list[Document]:
    return await DELIVERIES.of(db).find({"person_id": person}).to_list()


class TestNotifyPeople:
    async def test_each_device_gets_one_delivery_in_its_language_and_the_inbox_one_notice(
        self, db: Database
    ) -> None:
        chinese = await person_with_device(db, "zh-CN", devices=2)
        english = await person_with_device(db, "en-GB")

        made = await notify_people(db, "event-1", REPLY, [chinese, english], DAY)

        assert made == 3
        titles = {
            d["token"]: d["message"]["notification"]["title"]
            for d in await DELIVERIES.of(db).find().to_list()
        }
        assert sorted(titles.values()) == sorted([english_title(), "您的意见有了答复", "您的意见有了答复"])
        english_delivery = (await deliveries_of(db, english))[0]
        assert english_delivery["locale"].startswith("en")
        assert from_epoch_ms(english_delivery["due_ms"]) == DAY
        assert await NOTIFICATIONS.of(db).count_documents({}) == 2
        assert (await NOTIFICATION_SETTINGS.of(db).find_one({"_id": chinese}) or {})["unread"] == 1

    async def test_the_same_event_twice_adds_nothing(self, db: Database) -> None:
        person = await person_with_device(db)
        await notify_people(db, "event-1", REPLY, [person], DAY)

        again = await notify_people(db, "event-1", REPLY, [person], DAY)

        assert again == 0
        assert await DELIVERIES.of(db).count_documents({}) == 1
        assert (await NOTIFICATION_SETTINGS.of(db).find_one({"_id": person}) or {})["unread"] == 1

    async def test_inbox_only_makes_no_delivery(self, db: Database) -> None:
        person = await person_with_device(db, settings={"categories": {"reply": "INBOX"}})

        await notify_people(db, "event-1", REPLY, [person], DAY)

        assert await NOTIFICATIONS.of(db).count_documents({"person_id": person}) == 1
        assert await deliveries_of(db, person) == []

    async def test_off_tells_nothing_but_transactional_stays_in_the_inbox(self, db: Database) -> None:
        person = await person_with_device(
            db, settings={"categories": {"reply": "OFF", "new_consultation": "OFF"}}
        )

        await notify_people(db, "event-1", REPLY, [person], DAY)
        await notify_people(db, "event-2", NEWS, [person], DAY)

        assert [n["category"] for n in await NOTIFICATIONS.of(db).find({"person_id": person}).to_list()] == [
            "reply"
        ]
        assert await deliveries_of(db, person) == []

    async def test_quiet_hours_hold_the_push_until_the_morning(self, db: Database) -> None:
        person = await person_with_device(db)

        await notify_people(db, "event-1", REPLY, [person], NIGHT)

        (delivery,) = await deliveries_of(db, person)
        morning = dt.datetime(2026, 3, 3, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
        assert from_epoch_ms(delivery["due_ms"]) == morning
        assert await NOTIFICATIONS.of(db).count_documents({"person_id": person}) == 1  # the inbox at once

    async def test_over_the_daily_cap_pushes_fold_into_one_digest(self, db: Database) -> None:
        person = await person_with_device(db, settings={"daily_cap": 2})

        for n in range(5):
            await notify_people(db, f"opened-{n}", NEWS, [person], DAY + dt.timedelta(minutes=n))

        assert len(await deliveries_of(db, person)) == 2
        assert await NOTIFICATIONS.of(db).count_documents({"person_id": person}) == 5
        (digest,) = await DIGESTS.of(db).find({"person_id": person}).to_list()
        assert (len(digest["pushed"]), len(digest["pending"])) == (5, 3)
        due = from_epoch_ms(digest["due_ms"])
        assert await send_due_digests(db, due - dt.timedelta(seconds=1)) == 0

        assert await send_due_digests(db, due) == 1

        digests = [d for d in await deliveries_of(db, person) if d["notification_id"].startswith("digest:")]
        assert len(digests) == 1
        assert "3" in digests[0]["message"]["notification"]["body"]
        assert await send_due_digests(db, due + dt.timedelta(hours=1)) == 0

    async def test_transactional_pushes_are_not_capped(self, db: Database) -> None:
        person = await person_with_device(db, settings={"daily_cap": 1})

        for n in range(3):
            await notify_people(db, f"reply-{n}", REPLY, [person], DAY)

        assert len(await deliveries_of(db, person)) == 3


class TestFanoutJobs:
    async def test_every_follower_is_told_once_across_chunks_and_keys(self, db: Database) -> None:
        consultation = await open_consultation(db)
        department, topic = consultation["department_id"], ObjectId()
        people = [ObjectId() for _ in range(CHUNK + 30)]
        await FOLLOWS.of(db).insert_many(
            [
                {
                    "_id": f"{p}:department:{department}",
                    "person_id": p,
                    "target_key": f"department:{department}",
                }
                for p in people
            ]
            + [
                {"_id": f"{p}:topic:{topic}", "person_id": p, "target_key": f"topic:{topic}"}
                for p in people[:10]
            ]
        )
        await FANOUTS.of(db).insert_one(job(consultation, [topic]))

        assert await run_fanout_job(db, "worker-1", now=lambda: DAY) is True

        assert await NOTIFICATIONS.of(db).count_documents({}) == len(people)
        stored = await FANOUTS.of(db).find_one({})
        assert stored is not None and stored["done_at"] == DAY
        assert await run_fanout_job(db, "worker-1", now=lambda: DAY) is False

    async def test_a_job_resumes_after_the_last_chunk_done(self, db: Database) -> None:
        consultation = await open_consultation(db)
        department = consultation["department_id"]
        people = sorted(ObjectId() for _ in range(20))
        await FOLLOWS.of(db).insert_many(
            [
                {
                    "_id": f"{p}:department:{department}",
                    "person_id": p,
                    "target_key": f"department:{department}",
                }
                for p in people
            ]
        )
        started = job(consultation, [])
        # As if a worker died after recording its cursor at the 12th follower.
        started["cursor"] = {"key": 0, "after": people[11]}
        await FANOUTS.of(db).insert_one(started)

        await run_fanout_job(db, "worker-2")

        told = {n["person_id"] for n in await NOTIFICATIONS.of(db).find().to_list()}
        assert told == set(people[12:])

    async def test_a_worker_that_lost_its_lease_records_nothing_more(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        consultation = await open_consultation(db)
        department = consultation["department_id"]
        people = [ObjectId() for _ in range(CHUNK + 5)]
        await FOLLOWS.of(db).insert_many(
            [
                {
                    "_id": f"{p}:department:{department}",
                    "person_id": p,
                    "target_key": f"department:{department}",
                }
                for p in people
            ]
        )
        await FANOUTS.of(db).insert_one(job(consultation, []))
        later = DAY + FANOUT_LEASE + dt.timedelta(seconds=1)
        real_notify = fanout.notify_people
        stalled: list[bool] = []

        async def stall_first_worker(*args: Any) -> None:
            await real_notify(*args)
            if not stalled:
                # Fault injection: worker-1 stalls past its lease after its first chunk, and
                # worker-2 takes the job over and finishes it meanwhile.
                stalled.append(True)
                assert await run_fanout_job(db, "worker-2", now=lambda: later) is True

        monkeypatch.setattr(fanout, "notify_people", stall_first_worker)

        assert await run_fanout_job(db, "worker-1", now=lambda: DAY) is True

        stored = await FANOUTS.of(db).find_one({})
        assert stored is not None
        assert (stored["lease_owner"], stored["done_at"]) == ("worker-2", later)
        assert stored["cursor"] == {"key": 1, "after": None}
        assert stored["lease_until"] == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        assert await NOTIFICATIONS.of(db).count_documents({}) == len(people)


async def open_consultation(db: Database) -> Document:
    city = await make_city(db)
    return await make_open(db, city["housing"])


def job(consultation: Document, topics: list[ObjectId]) -> Document:
    return {
        "_id": "consultation.opened:test",
        "kind": "consultation.opened",
        "payload": {
            "consultation_id": consultation["_id"],
            "department_id": consultation["department_id"],
            "topic_ids": topics,
            "district_ids": [],
        },
        "cursor": {"key": 0, "after": None},
        "lease_owner": None,
        "lease_until": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        "created_at": DAY,
        "done_at": None,
    }
