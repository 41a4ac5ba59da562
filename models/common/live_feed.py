"""Live feeds for subscriptions: MongoDB change streams fanned out to this process's subscribers.

One change stream per watched collection per process, opened by the first subscriber and closed
when the last one leaves; each change is sent to the subscribers whose topic the document
matches. Because the changes come from the database, a write made through any API process
reaches the subscribers of every process.

Portability: the stream filters only on the operation type, and the changed document is read by
`_id`; topics are matched here. A server-side `$match` on `fullDocument.<field>` with
`updateLookup` would be cheaper on MongoDB, but nx-27017 0.8.1 never matches ObjectId values there
and sends `fullDocument` in its storage encoding (ObjectIds as `{"__neosqlite_objectid__": ...}`).
Reading by `_id` gives the current document, which is what `updateLookup` gives too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.errors import CursorNotFound, OperationFailure, PyMongoError

from models.common.db import CollectionSpec, D, Database, Document

log = logging.getLogger("townhall.live_feed")

OPERATIONS = ("insert", "update", "replace")

Topic = tuple[tuple[str, Any], ...]
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """A document as it is after a write; shared by every subscriber, so treat it as read-only."""

    operation: str
    document: Document


class SubscriberTooSlow(Exception):
    """The subscriber fell `max_queue` changes behind and was dropped; it should resubscribe."""

    def __init__(self, collection: str, max_queue: int) -> None:
        super().__init__(
            f"subscriber to {collection!r} fell {max_queue} changes behind and was dropped; "
            "close the subscription and let the client resubscribe"
        )
        self.collection = collection
        self.max_queue = max_queue


class _End:
    """Put in a queue when the feed closes: the subscription ends without error."""


_END = _End()


class Subscription:
    """The changes one subscriber receives, in order; an async iterator of `Change`."""

    def __init__(self, collection: str, topic: Topic, max_queue: int) -> None:
        self.collection = collection
        self.topic = topic
        self._max_queue = max_queue
        self._queue: asyncio.Queue[Change | SubscriberTooSlow | _End] = asyncio.Queue(max_queue)
        self._outcome: SubscriberTooSlow | _End | None = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Change:
        if self._outcome is None:
            item = await self._queue.get()
            if isinstance(item, Change):
                return item
            self._outcome = item
        if isinstance(self._outcome, SubscriberTooSlow):
            raise self._outcome
        raise StopAsyncIteration

    async def documents(self, spec: CollectionSpec[D]) -> AsyncIterator[D]:
        """The changed documents, as `spec`'s documents: this must be a subscription to `spec`."""
        if spec.name != self.collection:
            raise ValueError(f"this subscription is to {self.collection!r}, not {spec.name!r}")
        async for change in self:
            yield cast(D, change.document)

    def _offer(self, change: Change) -> bool:
        """Queue a change; False (and the subscriber is failed) when its queue is full."""
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            self._finish(SubscriberTooSlow(self.collection, self._max_queue))
            return False
        return True

    def _finish(self, outcome: SubscriberTooSlow | _End) -> None:
        # Drop the backlog at once: that memory is what the bound is for.
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(outcome)


@dataclass(eq=False)
class _Stream:
    """One change stream on a collection, shared by every subscriber to it in this process."""

    collection: str
    groups: dict[Topic, set[Subscription]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    resume_token: Mapping[str, Any] | None = None
    task: asyncio.Task[None] | None = None

    @property
    def subscribers(self) -> int:
        return sum(len(group) for group in self.groups.values())


class LiveFeed:
    """The live feeds of one API process; `close()` it at shutdown."""

    def __init__(
        self,
        db: Database,
        *,
        poll_interval: float = 0.05,
        max_await: float = 1.0,
        retry_delay: float = 0.1,
        max_retry_delay: float = 5.0,
    ) -> None:
        self._db = db
        self._poll_interval = poll_interval
        self._max_await_ms = int(max_await * 1000)
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._streams: dict[str, _Stream] = {}
        self._closed = False

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    @property
    def subscribers(self) -> int:
        return sum(stream.subscribers for stream in self._streams.values())

    @contextlib.asynccontextmanager
    async def subscribe(
        self, collection_name: str, topic: Mapping[str, Any], *, max_queue: int = 256
    ) -> AsyncIterator[Subscription]:
        """Changes to documents of `collection_name` whose fields equal `topic`, from now on.

        Entering waits until the change stream is open, so every write made afterwards arrives.
        Iterating raises `SubscriberTooSlow` once the subscriber lags `max_queue` changes behind.
        """
        if self._closed:
            raise RuntimeError("the live feed is closed")
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        subscription = Subscription(collection_name, _topic_key(topic), max_queue)
        stream = self._join(subscription)
        try:
            await stream.ready.wait()
            yield subscription
        finally:
            await self._leave(subscription)

    async def close(self) -> None:
        """End every subscription and close every change stream."""
        self._closed = True
        streams = list(self._streams.values())
        self._streams.clear()
        for stream in streams:
            for group in stream.groups.values():
                for subscription in group:
                    subscription._finish(_END)
            stream.groups.clear()
            stream.ready.set()  # subscribers still entering see the end at once
        await _stop([stream.task for stream in streams])

    def _join(self, subscription: Subscription) -> _Stream:
        stream = self._streams.get(subscription.collection)
        if stream is None:
            stream = _Stream(subscription.collection)
            self._streams[subscription.collection] = stream
            stream.task = asyncio.create_task(
                self._pump(stream), name=f"live-feed:{self._db.name}.{subscription.collection}"
            )
        stream.groups.setdefault(subscription.topic, set()).add(subscription)
        return stream

    def _detach(self, subscription: Subscription) -> _Stream | None:
        """Forget a subscriber; returns its stream when that was the stream's last subscriber."""
        stream = self._streams.get(subscription.collection)
        group = stream.groups.get(subscription.topic) if stream else None
        if stream is None or group is None or subscription not in group:
            return None
        group.discard(subscription)
        if not group:
            del stream.groups[subscription.topic]
        if stream.groups:
            return None
        del self._streams[subscription.collection]
        return stream

    async def _leave(self, subscription: Subscription) -> None:
        stream = self._detach(subscription)
        if stream is not None:
            await _stop([stream.task])

    async def _pump(self, stream: _Stream) -> None:
        """Read the change stream and fan it out, reopening it after errors until nobody listens."""
        delay = self._retry_delay
        while stream.groups:
            resuming = stream.resume_token is not None
            try:
                async with await self._watch(stream.collection, stream.resume_token) as changes:
                    stream.resume_token = changes.resume_token
                    stream.ready.set()
                    while changes.alive:
                        event = await changes.try_next()
                        resuming = False
                        delay = self._retry_delay
                        if event is None:
                            stream.resume_token = changes.resume_token or stream.resume_token
                            await asyncio.sleep(self._poll_interval)
                            continue
                        await self._deliver(stream, event)
                        # Only after delivery: a failed lookup is read again after the reopen.
                        stream.resume_token = event["_id"]
                        if not stream.groups:
                            return
            except OperationFailure as exc:
                if resuming and not _resumable(exc):
                    log.warning(
                        "cannot resume the live feed of %s (%s); continuing from now, "
                        "changes in between are not delivered",
                        stream.collection,
                        exc,
                    )
                    stream.resume_token = None
                else:
                    log.warning("live feed of %s failed (%s); reopening", stream.collection, exc)
            except PyMongoError as exc:
                log.warning("live feed of %s failed (%s); reopening", stream.collection, exc)
            except Exception:
                log.exception("live feed of %s failed; reopening", stream.collection)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry_delay)

    async def _watch(
        self, collection: str, resume_token: Mapping[str, Any] | None
    ) -> AsyncChangeStream[Document]:
        return await self._db[collection].watch(
            [{"$match": {"operationType": {"$in": list(OPERATIONS)}}}],
            resume_after=resume_token,
            max_await_time_ms=self._max_await_ms,
        )

    async def _lookup(self, collection: str, event: Mapping[str, Any]) -> Document | None:
        return await self._db[collection].find_one({"_id": event["documentKey"]["_id"]})

    async def _deliver(self, stream: _Stream, event: Mapping[str, Any]) -> None:
        document = await self._lookup(stream.collection, event)
        if document is None:  # deleted since
            return
        change = Change(operation=event["operationType"], document=document)
        for topic, group in list(stream.groups.items()):
            if not _matches(document, topic):
                continue
            for subscription in list(group):
                if not subscription._offer(change):
                    self._detach(subscription)


async def _stop(tasks: list[asyncio.Task[None] | None]) -> None:
    """Cancel pumps and wait until their change streams are closed."""
    pending = {task for task in tasks if task is not None}
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)


def _topic_key(topic: Mapping[str, Any]) -> Topic:
    key = tuple(sorted(topic.items()))
    try:
        hash(key)
    except TypeError:
        raise TypeError(f"topic values must be hashable (ObjectId, str, int, ...): {topic!r}") from None
    return key


def _matches(document: Document, topic: Topic) -> bool:
    return all(_equal(_value_at(document, path), expected) for path, expected in topic)


def _value_at(document: Document, path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _equal(value: Any, expected: Any) -> bool:
    # MongoDB equality: true is not 1, but 1 is 1.0.
    if isinstance(value, bool) != isinstance(expected, bool):
        return False
    return bool(value == expected)


def _resumable(exc: OperationFailure) -> bool:
    return isinstance(exc, CursorNotFound) or exc.has_error_label("ResumableChangeStreamError")
