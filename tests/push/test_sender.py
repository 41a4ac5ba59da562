"""Sending a batch through firebase-admin to the fake FCM: one verdict per delivery."""

from __future__ import annotations

import asyncio
import datetime as dt

import firebase_admin
import httpx
import pytest
from firebase_admin import exceptions, messaging

from api.settings import Settings
from models.common.db import Document
from push.firebase_app import messaging_app
from push.outcomes import SendResult, Verdict, result_of_error, retry_after
from push.sender import MAX_BATCH, send_batch
from tests.push.delivery_factories import delivery_for, device_for
from tests.support.fake_fcm import FakeFcm, FcmFailure

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(fake_fcm: FakeFcm) -> firebase_admin.App:
    return messaging_app(
        Settings(
            firebase_project_id=fake_fcm.project_id,
            fcm_endpoint=fake_fcm.endpoint,
            fcm_static_token=fake_fcm.static_token,
        )
    )


def deliveries(count: int, platform: str = "android") -> list[Document]:
    return [delivery_for(device_for(platform=platform), now=NOW) for _ in range(count)]


def by_token(results: list[SendResult]) -> dict[str, SendResult]:
    return {result.delivery["token"]: result for result in results}


class TestSent:
    async def test_every_message_reaches_its_token(self, app: firebase_admin.App, fake_fcm: FakeFcm) -> None:
        batch = deliveries(3, "android") + deliveries(2, "ios") + deliveries(2, "web")

        results = await send_batch(app, batch, now=NOW)

        assert [r.verdict for r in results] == [Verdict.SENT] * 7
        for result in results:
            [received] = fake_fcm.messages_for(result.delivery["token"])
            assert result.message_id == received.name
            assert received.data["notification_id"] == result.delivery["notification_id"]

    async def test_the_stored_message_is_what_fcm_receives(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        [delivery] = deliveries(1, "ios")

        await send_batch(app, [delivery], now=NOW)

        [received] = fake_fcm.messages_for(delivery["token"])
        assert received.message == {"token": delivery["token"], **delivery["message"]}

    async def test_a_batch_is_at_most_500(self, app: firebase_admin.App) -> None:
        with pytest.raises(ValueError, match="500"):
            await send_batch(app, deliveries(MAX_BATCH + 1), now=NOW)


class TestVerdicts:
    async def test_unregistered_and_sender_mismatch_are_dead_tokens(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        gone, elsewhere, kept = deliveries(3)
        fake_fcm.unregister(gone["token"])
        fake_fcm.mismatch_sender(elsewhere["token"])

        results = by_token(await send_batch(app, [gone, elsewhere, kept], now=NOW))

        assert (results[gone["token"]].verdict, results[gone["token"]].code) == (
            Verdict.TOKEN_GONE,
            "UNREGISTERED",
        )
        assert (results[elsewhere["token"]].verdict, results[elsewhere["token"]].code) == (
            Verdict.TOKEN_GONE,
            "SENDER_ID_MISMATCH",
        )
        assert results[kept["token"]].verdict is Verdict.SENT

    async def test_a_malformed_token_is_a_dead_token(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        [delivery] = deliveries(1)
        delivery["token"] = "not-a-registration-token"

        [result] = await send_batch(app, [delivery], now=NOW)

        assert (result.verdict, result.code) == (Verdict.TOKEN_GONE, "INVALID_ARGUMENT")

    async def test_an_invalid_message_fails_without_blaming_the_token(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        [delivery] = deliveries(1)
        delivery["message"]["data"]["from"] = "townhall"  # a key FCM reserves

        [result] = await send_batch(app, [delivery], now=NOW)

        assert (result.verdict, result.code) == (Verdict.FAILED, "INVALID_ARGUMENT")

    async def test_quota_exceeded_is_retried_after_the_time_fcm_asks(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        fake_fcm.fail_next(2, FcmFailure.QUOTA_EXCEEDED, retry_after=17)

        results = await send_batch(app, deliveries(2), now=NOW)

        assert [(r.verdict, r.code, r.retry_after) for r in results] == [
            (Verdict.RETRY, "QUOTA_EXCEEDED", 17.0)
        ] * 2

    async def test_an_fcm_500_is_retried(self, app: firebase_admin.App, fake_fcm: FakeFcm) -> None:
        refused, sent = deliveries(2)
        fake_fcm.fail_next(1, FcmFailure.INTERNAL)

        results = await send_batch(app, [refused], now=NOW) + await send_batch(app, [sent], now=NOW)

        assert [(r.verdict, r.code) for r in results] == [(Verdict.RETRY, "INTERNAL"), (Verdict.SENT, None)]
        assert (fake_fcm.count(refused["token"]), fake_fcm.count(sent["token"])) == (0, 1)

    async def test_other_fcm_errors_fail_with_their_code(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        [delivery] = deliveries(1, "ios")
        fake_fcm.fail_targets(FcmFailure.THIRD_PARTY_AUTH_ERROR, delivery["token"])

        [result] = await send_batch(app, [delivery], now=NOW)

        assert (result.verdict, result.code) == (Verdict.FAILED, "THIRD_PARTY_AUTH_ERROR")

    async def test_a_front_end_502_page_is_retried(self, app: firebase_admin.App, fake_fcm: FakeFcm) -> None:
        refused, sent = deliveries(2)
        fake_fcm.fail_next(1, FcmFailure.BAD_GATEWAY)

        results = await send_batch(app, [refused], now=NOW) + await send_batch(app, [sent], now=NOW)

        assert [(r.verdict, r.code) for r in results] == [(Verdict.RETRY, "UNKNOWN"), (Verdict.SENT, None)]
        assert (fake_fcm.count(refused["token"]), fake_fcm.count(sent["token"])) == (0, 1)

    async def test_an_unreadable_answer_retries_the_whole_batch(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        batch = deliveries(3)
        fake_fcm.fail_next(1, FcmFailure.GARBLED)  # one message accepted, its answer cut off

        results = await send_batch(app, batch, now=NOW)

        # firebase-admin gives up on the whole batch at the first unreadable answer, so no answer is
        # known: all three are retried, though FCM took the garbled one and maybe the others (a
        # repeat shows once on the phone, by its collapse key).
        assert [(r.verdict, r.code) for r in results] == [(Verdict.RETRY, "UNKNOWN")] * 3
        assert sum(fake_fcm.count(d["token"]) for d in batch) >= 1

    async def test_a_stored_message_firebase_admin_refuses_fails_alone(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        broken, fine = deliveries(2)
        broken["message"]["android"]["priority"] = "URGENT"  # firebase-admin refuses it before sending

        results = by_token(await send_batch(app, [broken, fine], now=NOW))

        assert (results[broken["token"]].verdict, results[broken["token"]].code) == (
            Verdict.FAILED,
            "INVALID_MESSAGE",
        )
        assert results[fine["token"]].verdict is Verdict.SENT
        assert fake_fcm.count(broken["token"]) == 0


class TestEventLoops:
    def test_an_app_sends_from_one_event_loop_after_another(
        self, app: firebase_admin.App, fake_fcm: FakeFcm
    ) -> None:
        # Each asyncio.run is a new loop (`townhall worker --once` twice in one process, the bench's
        # sizes); connections pooled by the first must not be closed on it from the second.
        first, second = deliveries(2)

        [before] = asyncio.run(send_batch(app, [first], now=NOW))
        [after] = asyncio.run(send_batch(app, [second], now=NOW))

        assert (before.verdict, after.verdict) == (Verdict.SENT, Verdict.SENT)
        assert (fake_fcm.count(first["token"]), fake_fcm.count(second["token"])) == (1, 1)


class TestErrorMeaning:
    def response(self, status: int, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(status, headers=headers, request=httpx.Request("POST", "https://fcm.test"))

    def test_retry_after_in_seconds(self) -> None:
        error = exceptions.UnavailableError("down", http_response=self.response(503, {"Retry-After": "120"}))

        assert retry_after(error, now=NOW) == 120.0

    def test_retry_after_as_an_http_date(self) -> None:
        when = "Sat, 01 Mar 2025 09:01:30 GMT"
        error = exceptions.UnavailableError("down", http_response=self.response(503, {"Retry-After": when}))

        assert retry_after(error, now=NOW) == 90.0

    def test_no_retry_after(self) -> None:
        assert (
            retry_after(exceptions.InternalError("oops", http_response=self.response(500)), now=NOW) is None
        )

    def test_a_broken_connection_is_retried(self) -> None:
        error = exceptions.UnknownError("reset", cause=httpx.ReadError("connection reset"))

        assert result_of_error({}, error, now=NOW).verdict is Verdict.RETRY

    @pytest.mark.parametrize(
        ("error", "verdict"),
        [
            (exceptions.InternalError("500"), Verdict.RETRY),
            (exceptions.UnavailableError("503"), Verdict.RETRY),
            (exceptions.DeadlineExceededError("timeout"), Verdict.RETRY),
            (messaging.QuotaExceededError("429"), Verdict.RETRY),
            (messaging.UnregisteredError("404"), Verdict.TOKEN_GONE),
            (messaging.SenderIdMismatchError("403"), Verdict.TOKEN_GONE),
            (exceptions.UnauthenticatedError("401"), Verdict.FAILED),
            (exceptions.PermissionDeniedError("403"), Verdict.FAILED),
            (exceptions.InvalidArgumentError("Invalid value at 'message.android.ttl'"), Verdict.FAILED),
            (
                exceptions.InvalidArgumentError(
                    "The registration token is not a valid FCM registration token"
                ),
                Verdict.TOKEN_GONE,
            ),
        ],
    )
    def test_verdict_of_each_error(self, error: exceptions.FirebaseError, verdict: Verdict) -> None:
        assert result_of_error({}, error, now=NOW).verdict is verdict
