"""Live feeds: change streams shared per process, fanned out by topic, bounded, resumed after errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect, OperationFailure

from models.common.db import Database, Document, connect
from models.common.live_feed import Change, LiveFeed, SubscriberTooSlow, Subscription

WAIT = 5.0  # seconds; a broken stream fails the test instead of hanging it
ITEMS = "live_feed_items"
NOTES = "live_feed_notes"


@pytest.fixture
async def feed(db: Database) -> AsyncIterator[LiveFeed]:
    live_feed = LiveFeed(db, poll_interval=0.01, retry_delay=0.01)
    yield live_feed
    await live_feed.close()


def item(session_id: ObjectId, **fields: Any) -> Document:
    return {"_id": ObjectId(), "session_id": session_id, "text": "When does the bus line open?", **fields}


async def next_change(changes: Subscription) -> Change:
    return await asyncio.wait_for(anext(changes), WAIT)


def pump_tasks() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith("live-feed:")]


class TestDelivery:
    async def test_inserts_and_updates_of_the_topic_arrive_in_order_as_full_documents(
        self, feed: LiveFeed, db: Database
    ) -> None:
        session, other_session = ObjectId(), ObjectId()
        question = item(session, votes=0)

        async with feed.subscribe(ITEMS, {"session_id": session}) as changes:
            await db[ITEMS].insert_one(item(other_session))
            await db[ITEMS].insert_one(question)
            inserted = await next_change(changes)
            await db[ITEMS].update_one({"_id": question["_id"]}, {"$inc": {"votes": 1}})
            updated = await next_change(changes)

        # The other session's item was written first: had it been delivered, it would come first.
        assert inserted == Change("insert", question)
        assert updated == Change("update", {**question, "votes": 1})

    async def test_two_feeds_with_their_own_clients_both_deliver_a_write_from_a_third(
        self, db: Database, mongodb_uri: str
    ) -> None:
        clients: list[AsyncMongoClient[Document]] = [connect(mongodb_uri), connect(mongodb_uri)]
        feeds = [LiveFeed(client[db.name], poll_interval=0.01) for client in clients]
        session = ObjectId()
        question = item(session)
        try:
            async with (
                feeds[0].subscribe(ITEMS, {"session_id": session}) as first,
                feeds[1].subscribe(ITEMS, {"session_id": session}) as second,
            ):
                await db[ITEMS].insert_one(question)
                received = [await next_change(first), await next_change(second)]
        finally:
            for live_feed in feeds:
                await live_feed.close()
            for client in clients:
                await client.close()

        assert received == [Change("insert", question)] * 2


class TestSharing:
    async def test_subscribers_to_one_topic_share_one_stream_and_all_receive(
        self, feed: LiveFeed, db: Database
    ) -> None:
        session = ObjectId()
        question = item(session)

        async with (
            feed.subscribe(ITEMS, {"session_id": session}) as first,
            feed.subscribe(ITEMS, {"session_id": session}) as second,
        ):
            assert (feed.open_streams, feed.subscribers) == (1, 2)
            await db[ITEMS].insert_one(question)
            received = [await next_change(first), await next_change(second)]

        assert received == [Change("insert", question)] * 2

    async def test_topics_of_one_collection_share_its_stream_and_each_gets_its_own(
        self, feed: LiveFeed, db: Database
    ) -> None:
        session_a, session_b = ObjectId(), ObjectId()
        question_a, question_b = item(session_a), item(session_b)

        async with (
            feed.subscribe(ITEMS, {"session_id": session_a}) as follows_a,
            feed.subscribe(ITEMS, {"session_id": session_b}) as follows_b,
        ):
            assert feed.open_streams == 1
            await db[ITEMS].insert_one(question_a)
            await db[ITEMS].insert_one(question_b)
            received = [await next_change(follows_a), await next_change(follows_b)]

        assert received == [Change("insert", question_a), Change("insert", question_b)]

    async def test_each_collection_has_its_own_stream(self, feed: LiveFeed) -> None:
        session = ObjectId()

        async with (
            feed.subscribe(ITEMS, {"session_id": session}),
            feed.subscribe(NOTES, {"session_id": session}),
        ):
            assert feed.open_streams == 2

    async def test_the_stream_closes_when_its_last_subscriber_leaves(self, feed: LiveFeed) -> None:
        session = ObjectId()

        async with feed.subscribe(ITEMS, {"session_id": session}):
            async with feed.subscribe(ITEMS, {"session_id": session}):
                pass
            assert (feed.open_streams, feed.subscribers) == (1, 1)

        assert (feed.open_streams, feed.subscribers) == (0, 0)
        assert pump_tasks() == []


class TestSlowSubscribers:
    async def test_a_subscriber_max_queue_behind_is_dropped_while_a_fast_one_keeps_receiving(
        self, feed: LiveFeed, db: Database
    ) -> None:
        session = ObjectId()
        questions = [item(session, n=n) for n in range(4)]

        async with (
            feed.subscribe(ITEMS, {"session_id": session}, max_queue=2) as slow,
            feed.subscribe(ITEMS, {"session_id": session}) as fast,
        ):
            received = []
            for question in questions:
                await db[ITEMS].insert_one(question)
                received.append(await next_change(fast))
            subscribers_after_overflow = feed.subscribers
            with pytest.raises(SubscriberTooSlow):
                await next_change(slow)

        assert received == [Change("insert", question) for question in questions]
        assert subscribers_after_overflow == 1


class TestCancellation:
    async def test_cancelling_the_last_subscriber_closes_the_stream(self, feed: LiveFeed) -> None:
        subscribed = asyncio.Event()

        async def follow() -> None:
            async with feed.subscribe(ITEMS, {"session_id": ObjectId()}) as changes:
                subscribed.set()
                async for _ in changes:
                    pass

        follower = asyncio.create_task(follow())
        await asyncio.wait_for(subscribed.wait(), WAIT)
        assert (feed.open_streams, feed.subscribers) == (1, 1)

        follower.cancel()
        await asyncio.wait({follower}, timeout=WAIT)

        assert follower.cancelled()
        assert (feed.open_streams, feed.subscribers) == (0, 0)
        assert pump_tasks() == []

    async def test_cancelling_one_of_two_subscribers_keeps_the_stream_for_the_other(
        self, feed: LiveFeed, db: Database
    ) -> None:
        session = ObjectId()
        question = item(session)
        subscribed = asyncio.Event()

        async def follow() -> None:
            async with feed.subscribe(ITEMS, {"session_id": session}) as changes:
                subscribed.set()
                async for _ in changes:
                    pass

        async with feed.subscribe(ITEMS, {"session_id": session}) as staying:
            follower = asyncio.create_task(follow())
            await asyncio.wait_for(subscribed.wait(), WAIT)
            follower.cancel()
            await asyncio.wait({follower}, timeout=WAIT)
            counts = (feed.open_streams, feed.subscribers)
            await db[ITEMS].insert_one(question)
            received = await next_change(staying)

        assert counts == (1, 1)
        assert received == Change("insert", question)


class TestResilience:
    async def test_changes_written_during_a_stream_failure_arrive_once_in_order(
        self, feed: LiveFeed, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        session = ObjectId()
        first, during_outage, after = item(session, n=1), item(session, n=2), item(session, n=3)
        lookup = feed._lookup
        failures = 1

        async def blip_once(collection: str, event: Mapping[str, Any]) -> Document | None:
            nonlocal failures
            if failures:
                failures -= 1
                await db[ITEMS].insert_one(during_outage)
                raise AutoReconnect("simulated network blip")
            return await lookup(collection, event)

        monkeypatch.setattr(feed, "_lookup", blip_once)
        async with feed.subscribe(ITEMS, {"session_id": session}) as changes:
            await db[ITEMS].insert_one(first)
            received = [await next_change(changes), await next_change(changes)]
            await db[ITEMS].insert_one(after)
            received.append(await next_change(changes))

        assert received == [Change("insert", first), Change("insert", during_outage), Change("insert", after)]

    async def test_a_stream_that_cannot_resume_continues_from_now_with_a_warning(
        self,
        feed: LiveFeed,
        db: Database,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        session = ObjectId()
        lost, after = item(session, n=1), item(session, n=2)
        watch, lookup = feed._watch, feed._lookup
        reopened_from_now = asyncio.Event()
        failures = 1

        async def blip_once(collection: str, event: Mapping[str, Any]) -> Document | None:
            nonlocal failures
            if failures:
                failures -= 1
                raise AutoReconnect("simulated network blip")
            return await lookup(collection, event)

        async def history_lost(collection: str, resume_token: Mapping[str, Any] | None) -> Any:
            if resume_token is not None:
                raise OperationFailure("resume point no longer in the oplog", code=286)
            stream = await watch(collection, resume_token)
            reopened_from_now.set()
            return stream

        monkeypatch.setattr(feed, "_lookup", blip_once)
        caplog.set_level(logging.WARNING, logger="townhall.live_feed")
        async with feed.subscribe(ITEMS, {"session_id": session}) as changes:
            monkeypatch.setattr(feed, "_watch", history_lost)
            await db[ITEMS].insert_one(lost)
            await asyncio.wait_for(reopened_from_now.wait(), WAIT)
            await db[ITEMS].insert_one(after)
            received = await next_change(changes)

        assert received == Change("insert", after)
        assert any("cannot resume the live feed" in record.getMessage() for record in caplog.records)


class TestClose:
    async def test_close_ends_every_subscription_and_closes_the_streams(self, feed: LiveFeed) -> None:
        async with feed.subscribe(ITEMS, {"session_id": ObjectId()}) as changes:
            await feed.close()
            with pytest.raises(StopAsyncIteration):
                await next_change(changes)

        assert (feed.open_streams, feed.subscribers) == (0, 0)
        assert pump_tasks() == []
