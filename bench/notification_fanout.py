"""Fan one notification out to many devices through the fake FCM server: messages/s and peak memory.

    .venv/bin/python bench/notification_fanout.py                 # 10,000 then 100,000 devices
    .venv/bin/python bench/notification_fanout.py --sizes 2000     # a quick look
    .venv/bin/python bench/notification_fanout.py --mongodb-uri mongodb://…   # a real MongoDB

Each size is a fresh database: N citizens follow a department, each with one device; a
consultation of that department opens (the `consultation.opened` event), and the same code as
`townhall worker` turns it into N inbox notifications and N deliveries (the fan-out job, in chunks
of 500 followers) and sends them (the push loop: batches of 500 through firebase-admin
`send_each_async`, several in flight) to the fake FCM server, which runs as its own process like
FCM would. Peak memory is the Python heap's peak (tracemalloc) during fan-out and sending: it
must stay flat as the audience grows, since nothing holds the audience in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import httpx
from bson import ObjectId

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the fake FCM server lives in tests/

from api.embedded_db import EmbeddedDatabase, free_loopback_port
from api.settings import Settings
from models.catalog import ensure_indexes
from models.common.clock import utcnow
from models.common.db import Database, connect
from models.common.outbox_worker import ClaimedEvent, EventSource
from models.consultations.events import OPENED, opened_event
from models.notifications.documents import DELIVERIES, DEVICES, FOLLOWS
from models.notifications.fanout import notify_event, run_fanout_job
from push.delivery_worker import DeliveryWorker
from push.firebase_app import messaging_app
from tests.consultations.drafts import make_city, make_open
from tests.support.fake_fcm import DEFAULT_STATIC_TOKEN as STATIC_TOKEN
from tests.support.fake_fcm import new_registration_token

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "demo-townhall"
INSERT_BATCH = 2000


def start_fake_fcm(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.support.fake_fcm", "--port", str(port), "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.2)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the fake FCM server did not start")


def midday_zone(now: dt.datetime) -> str:
    """A time zone where it is about noon now, so quiet hours (22:00–08:00) hold nothing back."""
    offset = 12 - now.hour  # hours east of UTC, -11…+12
    return f"Etc/GMT{-offset:+d}"  # the Etc zones count west as positive


async def seed(db: Database, size: int) -> ClaimedEvent:
    """`size` followers of the housing bureau with a device each, and the event of a consultation opening."""
    city = await make_city(db)
    consultation = await make_open(db, city["housing"])
    key = f"department:{city['housing']['_id']}"
    people = [ObjectId() for _ in range(size)]
    time_zone = midday_zone(utcnow())
    for start in range(0, size, INSERT_BATCH):
        chunk = people[start : start + INSERT_BATCH]
        await FOLLOWS.of(db).insert_many(
            [{"_id": f"{p}:{key}", "person_id": p, "target_key": key, "created_at": utcnow()} for p in chunk]
        )
        await DEVICES.of(db).insert_many(
            [
                {
                    "_id": new_registration_token(),
                    "person_id": p,
                    "platform": "android",
                    "app_version": "2.3.1",
                    "locale": "zh-CN" if n % 5 else "en",
                    "time_zone": time_zone,
                    "registered_at": utcnow(),
                    "last_seen_at": utcnow(),
                }
                for n, p in enumerate(chunk)
            ]
        )
    event = opened_event(consultation, utcnow())
    return ClaimedEvent(
        id=event.id,
        kind=OPENED,
        payload=event.payload,
        created_at=event.created_at,
        source=EventSource(collection="consultations", id=consultation["_id"]),
        attempts=1,
        lease_owner="bench",
        lease_until=utcnow() + dt.timedelta(minutes=1),
    )


async def print_failures(db: Database) -> None:
    """What became of the deliveries that were not sent: how many per status and error, one example each."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    async for delivery in DELIVERIES.of(db).find({"status": {"$ne": "sent"}}, {"status": 1, "error": 1}):
        error = delivery.get("error")
        key = (delivery["status"], str(error["code"] if error else None))
        counts[key] += 1
        examples.setdefault(key, str(error["message"] if error else None))
    for (status, code), count in counts.most_common():
        print(f"  {count:,} {status} {code}: {examples[status, code]}", flush=True)


async def one_size(uri: str, size: int, fcm_endpoint: str, concurrency: int) -> None:
    client = connect(uri)
    db = client[f"bench_fanout_{size}_{ObjectId()}"]
    try:
        await ensure_indexes(db)
        started = time.perf_counter()
        event = await seed(db, size)
        seeded = time.perf_counter() - started
        settings = Settings(
            firebase_project_id=PROJECT, fcm_endpoint=fcm_endpoint, fcm_static_token=STATIC_TOKEN
        )
        app = messaging_app(settings)
        tracemalloc.start()
        started = time.perf_counter()
        await notify_event(event, db)
        while await run_fanout_job(db, "bench"):
            pass
        fanned = time.perf_counter() - started
        _, fanout_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        started = time.perf_counter()
        report = await DeliveryWorker(db=db, app=app, owner="bench", concurrency=concurrency).deliver_due()
        sent_seconds = time.perf_counter() - started
        _, send_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sent = await DELIVERIES.of(db).count_documents({"status": "sent"})
        print(
            f"{size:>9,} devices  seed {seeded:6.1f} s  "
            f"fan-out {fanned:6.1f} s ({size / fanned:7,.0f}/s, peak {fanout_peak / 2**20:5.1f} MiB)  "
            f"send {sent_seconds:6.1f} s ({sent / sent_seconds:6,.0f} msg/s, "
            f"peak {send_peak / 2**20:5.1f} MiB)  "
            f"sent {sent:,} {vars(report)}",
            flush=True,
        )
        if sent != size:
            await print_failures(db)
            raise SystemExit(f"only {sent:,} of {size:,} devices got the message")
    finally:
        await client.drop_database(db.name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    parser.add_argument("--mongodb-uri", help="a MongoDB to use instead of the embedded database")
    args = parser.parse_args()
    os.environ.setdefault("TOWNHALL_LOG_LEVEL", "WARNING")
    port = free_loopback_port()
    fake = start_fake_fcm(port)
    try:
        with tempfile.TemporaryDirectory(prefix="townhall-bench-") as temporary:
            database = None if args.mongodb_uri else EmbeddedDatabase(Path(temporary) / "db")
            uri = args.mongodb_uri or database.start()  # type: ignore[union-attr]
            try:
                for size in args.sizes:
                    asyncio.run(one_size(uri, size, f"http://127.0.0.1:{port}", args.concurrency))
            finally:
                if database is not None:
                    database.stop()
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
