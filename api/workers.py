"""Background work: the outbox worker with every domain's handlers, the deadline sweeps, and
notifications (fan-out jobs, daily digests, push delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import firebase_admin
from prometheus_client import CollectorRegistry, start_http_server

from api.settings import Settings
from models.common.calendar import BusinessCalendar
from models.common.calendar_notices import notify_missing_years
from models.common.clock import utcnow
from models.common.db import Database
from models.common.outbox_worker import Handler, OutboxWorker, default_owner
from models.consultations.deadlines import run_deadlines
from models.moderation.decisions import apply_decided
from models.moderation.events import APPLY_EVENT, HOLD_EVENT
from models.moderation.queue import enqueue_held
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


async def sweep_deadlines(db: Database, calendar: BusinessCalendar, report_days: int) -> dict[str, int]:
    """Open scheduled consultations, close due ones, flag overdue adoption reports, and tell admins
    of calendar years without holiday data (idempotent)."""
    now = utcnow()
    swept = await run_deadlines(db, calendar, now, report_days)
    swept["calendar_years_noticed"] = len(await notify_missing_years(db, calendar, now))
    return swept


@dataclass(frozen=True)
class JobContext:
    """What a periodic job works with, made once per worker."""

    db: Database
    owner: str  # the worker's name on the leases it takes
    lease: dt.timedelta
    calendar: BusinessCalendar  # read and checked once, not at every sweep
    report_days: int


@dataclass(frozen=True)
class Job:
    """Periodic work: `run` does one round of what is due and returns how much it did; a round that
    did something is followed by another at once, else by a pause of `interval` seconds."""

    name: str
    interval: float
    run: Callable[[JobContext], Awaitable[int]]


async def _deadlines(context: JobContext) -> int:
    done = await sweep_deadlines(context.db, context.calendar, context.report_days)
    if any(done.values()):
        log.info("deadlines swept", extra=done)
    return 0  # the sweep does everything due at once; next round after the interval


async def _fanouts(context: JobContext) -> int:
    return int(await run_fanout_job(context.db, context.owner, lease=context.lease))


async def _digests(context: JobContext) -> int:
    return await send_due_digests(context.db, utcnow())


async def _retention(context: JobContext) -> int:
    return await purge_expired(context.db, utcnow())


# The one table of periodic jobs, an entry per domain's work: `run_once` runs each until a round
# finds nothing, `run_until` loops each at its interval. The outbox and push workers loop on their own.
JOBS: tuple[Job, ...] = (
    Job("deadlines", 30.0, _deadlines),  # consultations' stages and reports, the calendar's years
    Job("fanouts", 1.0, _fanouts),  # notifications to followers, a chunk at a time
    Job("digests", 60.0, _digests),  # evening digests of capped pushes
    Job("purged", 3600.0, _retention),  # expired notifications and deliveries
)


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


def _job_context(db: Database, settings: Settings, owner: str) -> JobContext:
    return JobContext(
        db=db,
        owner=owner,
        lease=dt.timedelta(seconds=settings.worker_lease_seconds),
        calendar=settings.business_calendar(),
        report_days=settings.consultation_report_days,
    )


async def run_once(db: Database, settings: Settings) -> None:
    """Everything due now, then return (`townhall worker --once`, tests)."""
    owner = default_owner()
    context = _job_context(db, settings, owner)
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS), owner=owner)
    relayed = await worker.sweep()
    processed = 0
    done: dict[str, int] = {}
    for job in JOBS:
        # Events first, whoever made them (a closed consultation's notices, say), then the job.
        processed += await worker.drain()
        done[job.name] = 0
        while found := await job.run(context):
            done[job.name] += found
    processed += await worker.drain()
    app = push_app(settings)
    report = await DeliveryWorker(db=db, app=app, owner=owner).deliver_due() if app is not None else None
    log.info(
        "work drained",
        extra={
            "relayed": relayed,
            "processed": processed,
            "pushes": vars(report) if report is not None else None,
            **done,
        },
    )


async def run_until(
    db: Database, settings: Settings, stop: asyncio.Event, *, registry: CollectorRegistry | None = None
) -> None:
    """Every loop, until `stop` is set: outbox events, every job of JOBS, and pushes.
    On stop, each loop finishes what it holds (the push loop sends or releases its claims).

    Push metrics join `registry` (the API's, when the worker runs in the API process), or are served
    on TOWNHALL_WORKER_METRICS_PORT by a standalone worker."""
    owner = default_owner()
    context = _job_context(db, settings, owner)
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS), owner=owner)
    loops = [
        worker.run(stop),
        *(_every(stop, job.interval, job.name, functools.partial(job.run, context)) for job in JOBS),
    ]
    app = push_app(settings)
    if app is not None:
        metrics = DeliveryMetrics(registry)
        if registry is None and settings.worker_metrics_port:
            start_http_server(settings.worker_metrics_port, addr="0.0.0.0", registry=metrics.registry)
        loops.append(
            DeliveryWorker(db=db, app=app, owner=owner, lease=context.lease, metrics=metrics).run(stop)
        )
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
