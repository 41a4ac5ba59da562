"""Sending one batch of claimed deliveries through firebase-admin, one answer per delivery.

FCM HTTP v1 takes one request per message; `messaging.send_each_async` sends a batch's requests
concurrently over the app's one httpx client (connection reuse, HTTP/2 where the endpoint offers
it over TLS; at most 100 connections, firebase-admin's default). Throughput comes from the
delivery worker keeping several batches in flight on that client.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import firebase_admin
from firebase_admin import exceptions, messaging

from models.notifications.documents import DeliveryDocument
from push.firebase_app import bind_to_running_loop
from push.messages import to_fcm, with_ttl_left
from push.outcomes import INVALID_MESSAGE, SendResult, Verdict, error_code, result_of_error, unanswered

log = logging.getLogger("townhall.push")

MAX_BATCH = 500  # firebase-admin's limit for send_each_async


def _build(delivery: DeliveryDocument, now: dt.datetime) -> messaging.Message:
    stored = delivery["message"]
    if delivery.get("expires_at") is not None:
        stored = with_ttl_left(stored, delivery["expires_at"] - now)
    message = to_fcm(stored, delivery["token"])
    # firebase-admin encodes a whole batch before sending any of it, so one message it refuses
    # would fail all 500; encoding each here first keeps the refusal to that one.
    str(message)
    return message


async def send_batch(
    app: firebase_admin.App, deliveries: Sequence[DeliveryDocument], *, now: dt.datetime
) -> list[SendResult]:
    """Send each delivery's message to its token; one result per delivery, in no promised order.

    Never raises for FCM's answers: a failure of the whole call becomes each delivery's result.
    """
    if len(deliveries) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} deliveries")
    results: list[SendResult] = []
    ready: list[tuple[DeliveryDocument, messaging.Message]] = []
    for delivery in deliveries:
        try:
            ready.append((delivery, _build(delivery, now)))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            results.append(
                SendResult(delivery=delivery, verdict=Verdict.FAILED, code=INVALID_MESSAGE, detail=str(error))
            )
    if not ready:
        return results
    bind_to_running_loop(app)
    try:
        batch = await messaging.send_each_async([message for _, message in ready], app=app)
    except exceptions.FirebaseError as error:
        # firebase-admin answers FCM's refusals and broken connections per message; an error for
        # the whole batch wraps something unexpected on the way (an unreadable answer, say), so
        # nothing is known of any message: each is tried again (a repeat shows once on the phone).
        log.warning("push batch of %d failed as a whole; retrying each", len(ready), exc_info=True)
        detail = str(error) or type(error).__name__
        return results + [unanswered(delivery, error_code(error), detail) for delivery, _ in ready]
    for (delivery, _), response in zip(ready, batch.responses, strict=True):
        if response.success:
            results.append(
                SendResult(delivery=delivery, verdict=Verdict.SENT, message_id=response.message_id)
            )
        else:
            results.append(result_of_error(delivery, response.exception, now=now))
    return results
