"""Background work: the outbox worker with every domain's handlers, the deadline sweeps, and
notifications (fan-out jobs, daily digests, push delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Mapping

import firebase_admin
from prometheus_client import CollectorRegistry, start_http_server

from api.settings import Settings
from models.common.calendar import BusinessCalendar
from models.common.calendar_notices import notify_missing_years
from models.common.clock import utcnow
from models.common.db import Database
from models.common.outbox_worker import Handler, OutboxWorker, default_owner
from models.consultations.deadlines import run_deadlines
from models.moderation.decisions import APPLY_EVENT, apply_decided
from models.moderation.queue import HOLD_EVENT, enqueue_held
from models.notifications.digests import send_due_digests
from models.notifications.fanout import notify_event, run_fanout_job
from models.notifications.producers import PRODUCERS
from models.notifications.retention import purge_expired
from push.delivery_worker import DeliveryWorker
from push.firebase_app import messaging_app
from push.metrics import DeliveryMetrics

log = logging.getLogger("townhall.worker")

# Event kind → handler. Domains add theirs here as they gain side effects (push, screening, …);
# the worker claims only kinds it can handle, so events for newer handlers wait for a newer worker.
HANDLERS: Mapping[str, Handler] = {
    HOLD_EVENT: enqueue_held,  # held content whose inline enqueue a crash cut short
    APPLY_EVENT: apply_decided,  # decisions recorded but not (yet) applied to their content
    **dict.fromkeys(PRODUCERS, notify_event),  # events that tell people: inbox, then push
}

DEADLINE_SWEEP_SECONDS = 30.0
FANOUT_POLL_SECONDS = 1.0
DIGEST_SWEEP_SECONDS = 60.0
RETENTION_SWEEP_SECONDS = 3600.0


async def sweep_deadlines(db: Database, calendar: BusinessCalendar, report_days: int) -> dict[str, int]:
    """Open scheduled consultations, close due ones, flag overdue adoption reports, and tell admins
    of calendar years without holiday data (idempotent)."""
    now = utcnow()
    swept = await run_deadlines(db, calendar, now, report_days)
    swept["calendar_years_noticed"] = len(await notify_missing_years(db, calendar, now))
    return swept


async def _every(stop: asyncio.Event, seconds: float, name: str, work: Callable[[], Awaitable[int]]) -> None:
    """Run `work` until `stop`; again at once while it finds work, else after `seconds`."""
    while not stop.is_set():
        done = 0
        try:
            done = await work()
        except Exception:  # a failed round is retried next time; it must not end the worker
            log.exception(f"{name} failed")
        if done:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


def push_app(settings: Settings) -> firebase_admin.App | None:
    """The firebase-admin app pushes go through, or None when none is configured (development
    without the fake FCM server): deliveries then wait in the database."""
    configured = settings.fcm_static_token or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not configured and settings.development:
        log.warning(
            "push is off: set TOWNHALL_FCM_STATIC_TOKEN and TOWNHALL_FCM_ENDPOINT (fake FCM) or "
            "GOOGLE_APPLICATION_CREDENTIALS; notifications still reach the inbox"
        )
        return None
    return messaging_app(settings)


async def run_once(db: Database, settings: Settings) -> None:
    """Everything due now, then return (`townhall worker --once`, tests)."""
    owner = default_owner()
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS), owner=owner)
    swept = await sweep_deadlines(db, settings.business_calendar(), settings.consultation_report_days)
    relayed = await worker.sweep()
    processed = await worker.drain()
    fanouts = 0
    while await run_fanout_job(db, owner):
        fanouts += 1
    digests = await send_due_digests(db, utcnow())
    app = push_app(settings)
    report = await DeliveryWorker(db=db, app=app, owner=owner).deliver_due() if app is not None else None
    purged = 0
    while found := await purge_expired(db, utcnow()):
        purged += found
    log.info(
        "work drained",
        extra={
            "relayed": relayed,
            "processed": processed,
            "fanouts": fanouts,
            "digests": digests,
            "pushes": vars(report) if report is not None else None,
            "purged": purged,
            **swept,
        },
    )


async def run_until(
    db: Database, settings: Settings, stop: asyncio.Event, *, registry: CollectorRegistry | None = None
) -> None:
    """Every loop, until `stop` is set: outbox events, deadlines, fan-out jobs, digests and pushes.
    On stop, each loop finishes what it holds (the push loop sends or releases its claims).

    Push metrics join `registry` (the API's, when the worker runs in the API process), or are served
    on TOWNHALL_WORKER_METRICS_PORT by a standalone worker."""
    owner = default_owner()
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS), owner=owner)
    calendar = settings.business_calendar()  # read and checked once, not at every sweep
    report_days = settings.consultation_report_days

    async def deadlines() -> int:
        done = await sweep_deadlines(db, calendar, report_days)
        if any(done.values()):
            log.info("deadlines swept", extra=done)
        return 0  # the sweep does everything due at once; next round after the interval

    lease = dt.timedelta(seconds=settings.worker_lease_seconds)

    async def fanouts() -> int:
        return int(await run_fanout_job(db, owner, lease=lease))

    async def digests() -> int:
        return await send_due_digests(db, utcnow())

    async def retention() -> int:
        return await purge_expired(db, utcnow())

    loops = [
        worker.run(stop),
        _every(stop, DEADLINE_SWEEP_SECONDS, "deadline sweep", deadlines),
        _every(stop, FANOUT_POLL_SECONDS, "fan-out", fanouts),
        _every(stop, DIGEST_SWEEP_SECONDS, "digest sweep", digests),
        _every(stop, RETENTION_SWEEP_SECONDS, "retention sweep", retention),
    ]
    app = push_app(settings)
    if app is not None:
        metrics = DeliveryMetrics(registry)
        if registry is None and settings.worker_metrics_port:
            start_http_server(settings.worker_metrics_port, addr="0.0.0.0", registry=metrics.registry)
        loops.append(DeliveryWorker(db=db, app=app, owner=owner, lease=lease, metrics=metrics).run(stop))
    log.info("worker started", extra={"owner": owner, "kinds": sorted(HANDLERS), "push": app is not None})
    await asyncio.gather(*loops)
    log.info("worker stopped", extra={"owner": owner})


async def run_workers(db: Database, settings: Settings, *, once: bool = False) -> None:
    """`townhall worker`: until SIGINT/SIGTERM (or, with `once`, until nothing is due)."""
    if once:
        await run_once(db, settings)
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_until(db, settings, stop)
