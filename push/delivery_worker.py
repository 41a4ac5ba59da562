"""The delivery loop: claim due deliveries in batches, send several batches at once, record each.

Crash windows, in order:
1. Claimed, not yet sent: a crash leaves the lease to lapse; the delivery is claimed again. Nothing
   is skipped; a graceful stop releases such deliveries at once.
2. Sent, FCM answered, outcome not yet recorded: FCM has no idempotency key, so after the lease
   lapses the message is sent again. This cannot be prevented, only made harmless and rare: the
   repeat carries the same collapse key (Android tag, apns-collapse-id, web push Topic) and
   notification id, so the device shows one notification; and each batch is recorded the moment it
   returns, so the window is one batch's round trip, not a run.
3. Recorded: never sent again; a record is written only while this claim holds (owner and
   attempt), so a worker that lost its lease cannot overwrite the outcome of the one that took it.

A batch's send is cut off well before its lease ends (`send_timeout`), so that a slow FCM cannot
let a second worker claim deliveries this one is still sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import firebase_admin

from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.outbox_worker import default_owner
from models.notifications import deliveries, devices
from models.notifications.deliveries import DROPPED, FAILED, PENDING, SENT, Outcome
from models.notifications.documents import DeliveryDocument
from push.metrics import DeliveryMetrics, reason_label
from push.outcomes import QUOTA_CODES, SendResult, Verdict, unanswered
from push.retries import RetryPolicy
from push.sender import MAX_BATCH, send_batch

log = logging.getLogger("townhall.push")

# Requests in flight are `concurrency` × `batch_size`; keep them near the HTTP client's 100
# connections. httpcore 1.0.9's pool does work proportional to the queue on every request
# (encode/httpcore#1035): 4 batches of 500 queued at once slowed sends against the fake FCM until
# they timed out, where 4 of 100 ran at the fake's full speed.
DEFAULT_BATCH = 100
DEFAULT_CONCURRENCY = 4
ABANDONED = "ABANDONED"  # claimed this many times without an outcome: something kills the worker
EXPIRED = "EXPIRED"  # ours: the TTL passed before the push could be sent
RECORD_ATTEMPTS = 4

T = TypeVar("T")


@dataclasses.dataclass
class DeliveryReport:
    """What one run did, by outcome; `lost` counts outcomes not recorded (the claim was superseded)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    lost: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "failed", "dropped", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclasses.dataclass
class DeliveryWorker:
    """Sends due deliveries through `app`; run any number of these, in one process or many.

    `concurrency` batches (of at most `batch_size`) are in flight at once, over the app's one
    HTTP client; FCM's per-project quota is respected by backing off on 429 (every delivery of the
    batch waits at least its Retry-After) and by pausing all claims for as long as FCM asked.
    """

    db: Database
    app: firebase_admin.App
    owner: str = dataclasses.field(default_factory=default_owner)
    concurrency: int = DEFAULT_CONCURRENCY
    batch_size: int = DEFAULT_BATCH
    lease: dt.timedelta = deliveries.DEFAULT_LEASE
    policy: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    metrics: DeliveryMetrics = dataclasses.field(default_factory=DeliveryMetrics)
    poll_interval: float = 0.5
    shutdown_grace: float = 20.0
    lag_interval: float = 10.0
    now: Clock = utcnow
    rng: random.Random = dataclasses.field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._paused_until: dt.datetime | None = None
        self._sending: set[asyncio.Task[DeliveryReport]] = set()

    @property
    def send_timeout(self) -> float:
        # Cut a send off while the lease still has time for the record, so no rival claims it meanwhile.
        return self.lease.total_seconds() * 0.75

    # --- one pass (tests, `townhall worker --once`) ---------------------------------------------

    async def deliver_due(self) -> DeliveryReport:
        """Send what is due now, `concurrency` batches at a time, until nothing due is left (or FCM
        asked us to wait: what is left waits for a later pass)."""
        report = DeliveryReport()
        tasks: set[asyncio.Task[DeliveryReport]] = set()
        try:
            while self._pause_left() <= 0:
                if len(tasks) >= self.concurrency:
                    done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        report.add(task.result())
                    continue
                batch = await self._claim()
                if not batch:
                    break
                tasks.add(asyncio.create_task(self._deliver(batch)))
        finally:
            for result in await asyncio.gather(*tasks):
                report.add(result)
        return report

    # --- the loop ---------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; then claim nothing more, let batches in flight finish (up
        to `shutdown_grace` seconds), record them, and release whatever was claimed but not sent."""
        tasks: set[asyncio.Task[DeliveryReport]] = set()
        errors_in_a_row = 0
        next_lag = 0.0
        log.info("push delivery started", extra={"owner": self.owner, "concurrency": self.concurrency})
        try:
            while not stop.is_set():
                if time.monotonic() >= next_lag:
                    next_lag = time.monotonic() + self.lag_interval
                    await self._observe_lag()
                paused = self._pause_left()
                if paused > 0:
                    await _wait_any(stop, tasks, paused)
                    continue
                if len(tasks) >= self.concurrency:
                    await _wait_any(stop, tasks, None)
                    continue
                try:
                    batch = await self._claim()
                    errors_in_a_row = 0
                except Exception:
                    errors_in_a_row += 1
                    log.exception("push delivery %s could not claim; retrying", self.owner)
                    await _wait_any(stop, tasks, self.poll_interval * min(2**errors_in_a_row, 60))
                    continue
                if not batch:
                    # Jitter spreads idle workers' polls.
                    await _wait_any(stop, tasks, self.poll_interval * self.rng.uniform(0.5, 1.5))
                    continue
                if stop.is_set():
                    await self._release(batch)
                    break
                task = asyncio.create_task(self._deliver(batch))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            await self._finish(tasks)
            log.info("push delivery stopped", extra={"owner": self.owner})

    async def _finish(self, tasks: set[asyncio.Task[DeliveryReport]]) -> None:
        if not tasks:
            return
        _, late = await asyncio.wait(set(tasks), timeout=self.shutdown_grace)
        # Sends still running past the grace are cut off (their batch is released); a batch already
        # being recorded is left to finish, as its sends happened.
        for task in late:
            if task in self._sending:
                task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    # --- one batch --------------------------------------------------------------------------------

    async def _claim(self) -> list[DeliveryDocument]:
        return await deliveries.claim_due(
            self.db, self.owner, limit=self.batch_size, lease=self.lease, now=self.now()
        )

    async def _deliver(self, batch: list[DeliveryDocument]) -> DeliveryReport:
        """Send one claimed batch and record what FCM answered; never raises but for cancellation."""
        task = asyncio.current_task()
        assert task is not None
        now = self.now()
        expired = [d for d in batch if d.get("expires_at") is not None and d["expires_at"] <= now]
        live = [d for d in batch if d not in expired]
        abandoned = [d for d in live if d.get("attempts", 0) > self.policy.max_attempts]
        to_send = [d for d in live if d.get("attempts", 0) <= self.policy.max_attempts]
        self._sending.add(task)
        self.metrics.in_flight.inc(len(to_send))
        started = time.perf_counter()
        try:
            results = await self._send(to_send)
        except asyncio.CancelledError:
            # Stopped mid-send: some may have reached FCM; they go back (a repeat shows once).
            await asyncio.shield(self._release(batch))
            raise
        except Exception:
            log.exception("push batch of %d failed before FCM answered", len(to_send))
            results = [unanswered(d, "UNKNOWN", "the batch failed before FCM answered") for d in to_send]
        finally:
            self._sending.discard(task)
            self.metrics.in_flight.dec(len(to_send))
            self.metrics.batch_seconds.observe(time.perf_counter() - started)
        gave_up = "claimed too often without an outcome"
        results += [
            SendResult(delivery=d, verdict=Verdict.FAILED, code=ABANDONED, detail=gave_up) for d in abandoned
        ]
        results += [
            SendResult(
                delivery=d, verdict=Verdict.EXPIRED, code=EXPIRED, detail="its time to live passed unsent"
            )
            for d in expired
        ]
        try:
            return await self._record(results)
        except Exception:
            # The leases will lapse and the batch be sent again: harmless, by the collapse keys.
            log.exception("push outcomes of %d deliveries could not be recorded", len(results))
            return DeliveryReport(lost=len(results))

    async def _send(self, batch: Sequence[DeliveryDocument]) -> list[SendResult]:
        if not batch:
            return []
        try:
            async with asyncio.timeout(self.send_timeout):
                return await send_batch(self.app, batch, now=self.now())
        except TimeoutError:
            log.warning("push batch of %d timed out after %.0f s", len(batch), self.send_timeout)
            return [unanswered(d, "DEADLINE_EXCEEDED", "no answer before the send timeout") for d in batch]

    async def _record(self, results: Sequence[SendResult]) -> DeliveryReport:
        now = self.now()
        report = DeliveryReport()
        outcomes: list[Outcome] = []
        dead_tokens: list[str] = []
        pause = dt.timedelta(0)
        for result in results:
            outcome = self._outcome(result, now)
            outcomes.append(outcome)
            if outcome.status == SENT:
                report.sent += 1
                self.metrics.sent.inc()
            elif outcome.status == PENDING:
                report.retried += 1
                self.metrics.retries.labels(reason_label(result.code)).inc()
                if result.retry_after is not None or result.code in QUOTA_CODES:
                    pause = max(pause, self.policy.floor(result.code, result.retry_after))
            else:
                report.dropped += outcome.status == DROPPED
                report.failed += outcome.status == FAILED
                self.metrics.failed.labels(reason_label(result.code)).inc()
                if result.verdict is Verdict.TOKEN_GONE:
                    dead_tokens.append(result.delivery["token"])
        if pause > dt.timedelta(0):
            # FCM asked the whole sender to slow down: no new claims until then.
            until = now + pause
            self._paused_until = until if self._paused_until is None else max(self._paused_until, until)
            log.warning("FCM asked to wait %.1f s; pausing claims", pause.total_seconds())
        recorded = await _with_retries(lambda: deliveries.record_outcomes(self.db, self.owner, outcomes))
        report.lost = len(outcomes) - recorded
        if report.lost:
            log.warning("push delivery %s lost %d claims before recording", self.owner, report.lost)
        for token in dict.fromkeys(dead_tokens):
            await _with_retries(functools.partial(devices.forget_token, self.db, token, now=self.now))
        return report

    def _outcome(self, result: SendResult, now: dt.datetime) -> Outcome:
        delivery_id, attempts = result.delivery["_id"], int(result.delivery.get("attempts", 0))
        if result.verdict is Verdict.SENT:
            return Outcome(
                delivery_id=delivery_id,
                attempts=attempts,
                at=now,
                status=SENT,
                fcm_message_id=result.message_id,
            )
        status, retry_at = FAILED, None
        if result.verdict in (Verdict.TOKEN_GONE, Verdict.EXPIRED):
            status = DROPPED
        elif result.verdict is Verdict.RETRY and not self.policy.gives_up(attempts):
            delay = self.policy.delay(
                attempts, code=result.code, retry_after=result.retry_after, rng=self.rng
            )
            status, retry_at = PENDING, now + delay
        return Outcome(
            delivery_id=delivery_id,
            attempts=attempts,
            at=now,
            status=status,
            error_code=result.code,
            error_message=result.detail,
            retry_at=retry_at,
        )

    async def _release(self, batch: Sequence[DeliveryDocument]) -> int:
        try:
            released = await deliveries.release(self.db, self.owner, batch)
        except Exception:
            log.exception("push delivery %s could not release %d deliveries", self.owner, len(batch))
            return 0
        log.info("push delivery %s released %d deliveries", self.owner, released)
        return released

    async def _observe_lag(self) -> None:
        try:
            now = self.now()
            oldest = await deliveries.oldest_due(self.db, now=now)
        except Exception:
            log.warning("push queue lag not read", exc_info=True)
            return
        self.metrics.queue_lag.set(0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0))

    def _pause_left(self) -> float:
        if self._paused_until is None:
            return 0.0
        left = (self._paused_until - self.now()).total_seconds()
        if left <= 0:
            self._paused_until = None
        return max(left, 0.0)


async def _with_retries(write: Callable[[], Awaitable[T]]) -> T:
    """A write retried briefly: an outcome lost here means a repeated send later."""
    for attempt in range(RECORD_ATTEMPTS - 1):
        try:
            return await write()
        except Exception:
            log.warning("push record write failed (attempt %d); retrying", attempt + 1, exc_info=True)
            await asyncio.sleep(0.25 * 2**attempt)
    return await write()


async def _wait_any(
    stop: asyncio.Event, tasks: set[asyncio.Task[DeliveryReport]], seconds: float | None
) -> None:
    """Until `stop` is set, one of `tasks` finishes, or `seconds` pass."""
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopping, *tasks}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
