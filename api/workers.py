"""Background work: the outbox worker with every domain's handlers, and the deadline sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

from api.settings import Settings
from models.common.calendar import BusinessCalendar
from models.common.clock import utcnow
from models.common.db import Database
from models.common.outbox_worker import Handler, OutboxWorker
from models.consultations.deadlines import run_deadlines
from models.moderation.decisions import APPLY_EVENT, apply_decided
from models.moderation.queue import HOLD_EVENT, enqueue_held

log = logging.getLogger("townhall.worker")

# Event kind → handler. Domains add theirs here as they gain side effects (push, screening, …);
# the worker claims only kinds it can handle, so events for newer handlers wait for a newer worker.
HANDLERS: Mapping[str, Handler] = {
    HOLD_EVENT: enqueue_held,  # held content whose inline enqueue a crash cut short
    APPLY_EVENT: apply_decided,  # decisions recorded but not (yet) applied to their content
}

DEADLINE_SWEEP_SECONDS = 30.0


async def sweep_deadlines(db: Database, calendar: BusinessCalendar, report_days: int) -> dict[str, int]:
    """Open scheduled consultations, close due ones, flag overdue adoption reports (idempotent)."""
    return await run_deadlines(db, calendar, utcnow(), report_days)


async def _sweep_until(
    stop: asyncio.Event, db: Database, calendar: BusinessCalendar, report_days: int
) -> None:
    while not stop.is_set():
        try:
            done = await sweep_deadlines(db, calendar, report_days)
            if any(done.values()):
                log.info("deadlines swept", extra=done)
        except Exception:  # a failed sweep is retried next time; it must not end the worker
            log.exception("deadline sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), DEADLINE_SWEEP_SECONDS)


async def run_workers(db: Database, settings: Settings, *, once: bool = False) -> None:
    """Until SIGINT/SIGTERM (or, with `once`, until nothing is due): outbox events and deadlines."""
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS))
    calendar = settings.business_calendar()  # read and checked once, not at every sweep
    if once:
        swept = await sweep_deadlines(db, calendar, settings.consultation_report_days)
        relayed = await worker.sweep()
        processed = await worker.drain()
        log.info("work drained", extra={"relayed": relayed, "processed": processed, **swept})
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("worker started", extra={"owner": worker.owner, "kinds": sorted(HANDLERS)})
    await asyncio.gather(
        worker.run(stop), _sweep_until(stop, db, calendar, settings.consultation_report_days)
    )
    log.info("worker stopped", extra={"owner": worker.owner})
