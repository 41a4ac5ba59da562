"""Runs the outbox worker with the handlers of every domain, until SIGINT/SIGTERM or, once, until idle."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping

from models.common.db import Database
from models.common.outbox_worker import Handler, OutboxWorker

log = logging.getLogger("townhall.worker")

# Event kind → handler. Domains add theirs here as they gain side effects (push, screening, …);
# the worker claims only kinds it can handle, so events for newer handlers wait for a newer worker.
HANDLERS: Mapping[str, Handler] = {}


async def run_outbox_worker(db: Database, *, once: bool = False) -> None:
    worker = OutboxWorker(db=db, handlers=HANDLERS, kinds=set(HANDLERS))
    if once:
        relayed = await worker.sweep()
        processed = await worker.drain()
        log.info("outbox drained", extra={"relayed": relayed, "processed": processed})
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("outbox worker started", extra={"owner": worker.owner, "kinds": sorted(HANDLERS)})
    await worker.run(stop)
    log.info("outbox worker stopped", extra={"owner": worker.owner})
