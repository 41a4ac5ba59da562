"""The fake FCM server answers like FCM: auth, validation, error bodies, programmed trouble, OAuth."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.embedded_db import free_loopback_port
from tests.support.fake_fcm import FakeFcm, FcmFailure, new_installation_id, new_registration_token
from tests.support.fake_fcm_validation import PAYLOAD_LIMIT_BYTES, payload_size

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
ROOT = Path(__file__).resolve().parents[2]


async def send(
    fake: FakeFcm, body: Any, *, token: str | None = "static", project: str | None = None
) -> httpx.Response:
    headers = {}
    if token is not None:
        headers["authorization"] = f"Bearer {fake.static_token if token == 'static' else token}"
    url = f"{fake.endpoint}/v1/projects/{project or fake.project_id}/messages:send"
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url, json=body, headers=headers)


def to_device(**fields: Any) -> dict[str, Any]:
    return {"message": {"token": new_registration_token(), **fields}}


def assert_invalid_argument(response: httpx.Response, message: str) -> None:
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"], error["message"]) == (400, "INVALID_ARGUMENT", message)
    assert {"@type": FCM_ERROR, "errorCode": "INVALID_ARGUMENT"} in error["details"]


class TestAuthentication:
    async def test_a_request_without_a_bearer_token_is_unauthenticated(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(data={"a": "b"}), token=None)

        assert response.status_code == 401
        assert response.json()["error"]["status"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert fake_fcm.count() == 0

    async def test_an_unknown_bearer_token_is_unauthenticated(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(data={"a": "b"}), token="ya29.made-up")

        assert response.status_code == 401
        assert [(r.status, r.code) for r in fake_fcm.refused] == [(401, "UNAUTHENTICATED")]

    async def test_another_project_is_permission_denied(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(data={"a": "b"}), project="someone-else")

        assert response.status_code == 403
        assert response.json()["error"]["status"] == "PERMISSION_DENIED"


class TestValidation:
    async def test_an_accepted_message_gets_a_name_and_is_recorded(self, fake_fcm: FakeFcm) -> None:
        body = to_device(data={"kind": "reply"}, notification={"title": "T", "body": "B"})

        response = await send(fake_fcm, body)

        assert response.status_code == 200
        [sent] = fake_fcm.messages
        assert response.json() == {"name": sent.name}
        assert sent.name.startswith(f"projects/{fake_fcm.project_id}/messages/")
        assert sent.message == body["message"]

    async def test_camel_case_names_are_accepted_as_google_apis_do(self, fake_fcm: FakeFcm) -> None:
        response = await send(
            fake_fcm,
            to_device(android={"collapseKey": "c", "priority": "HIGH"}, fcmOptions={"analyticsLabel": "x"}),
        )

        assert response.status_code == 200

    async def test_an_unknown_field_is_an_invalid_argument(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(android={"urgency": "high"}))

        assert_invalid_argument(
            response,
            'Invalid JSON payload received. Unknown name "urgency" at '
            "'message.android': Cannot find field.",
        )
        assert [(r.status, r.code) for r in fake_fcm.refused] == [(400, "INVALID_ARGUMENT")]

    async def test_data_values_must_be_strings(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(data={"count": 3}))

        assert_invalid_argument(response, "Invalid value at 'message.data[0].value' (TYPE_STRING), 3")

    async def test_a_message_needs_a_recipient(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, {"message": {"data": {"a": "b"}}})

        assert_invalid_argument(response, "Recipient of the message is not set.")

    async def test_a_message_has_only_one_recipient(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(topic="news"))

        assert response.status_code == 400
        assert "oneof field 'target' is already set" in response.json()["error"]["message"]

    async def test_a_malformed_registration_token_is_refused(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, {"message": {"token": "token-1", "data": {"a": "b"}}})

        assert_invalid_argument(response, "The registration token is not a valid FCM registration token")
        assert response.json()["error"]["details"] == [{"@type": FCM_ERROR, "errorCode": "INVALID_ARGUMENT"}]

    async def test_installation_ids_topics_and_conditions_are_recipients(self, fake_fcm: FakeFcm) -> None:
        bodies = [
            {"message": {"fid": new_installation_id(), "data": {"a": "b"}}},
            {"message": {"topic": "district-7", "data": {"a": "b"}}},
            {"message": {"condition": "'district-7' in topics && !('muted' in topics)", "data": {"a": "b"}}},
        ]

        statuses = [(await send(fake_fcm, body)).status_code for body in bodies]

        assert statuses == [200, 200, 200]

    async def test_reserved_data_keys_are_refused(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(data={"google.sent_time": "1"}))

        assert_invalid_argument(response, "Invalid data message key: google.sent_time")

    async def test_android_priority_and_ttl_are_checked(self, fake_fcm: FakeFcm) -> None:
        bad_priority = await send(fake_fcm, to_device(android={"priority": "urgent"}))
        bad_ttl = await send(fake_fcm, to_device(android={"ttl": "3600"}))
        too_long = await send(fake_fcm, to_device(android={"ttl": "2419201s"}))

        assert [r.status_code for r in (bad_priority, bad_ttl, too_long)] == [400, 400, 400]

    async def test_apns_headers_are_checked(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, to_device(apns={"headers": {"apns-priority": "7"}}))

        assert_invalid_argument(response, "apns-priority must be 1, 5 or 10")

    async def test_a_payload_over_4096_bytes_is_refused(self, fake_fcm: FakeFcm) -> None:
        at_limit = {"body": "x" * (PAYLOAD_LIMIT_BYTES - len('{"body":""}'))}
        over = {"body": "x" * (PAYLOAD_LIMIT_BYTES - len('{"body":""}') + 1)}

        accepted = await send(fake_fcm, to_device(data=at_limit))
        refused = await send(fake_fcm, to_device(data=over))

        assert accepted.status_code == 200
        assert_invalid_argument(refused, "Message is too big: its payload is 4097 bytes, the limit is 4096")

    async def test_validate_only_checks_without_delivering(self, fake_fcm: FakeFcm) -> None:
        response = await send(fake_fcm, {**to_device(data={"a": "b"}), "validate_only": True})

        assert response.status_code == 200
        assert fake_fcm.count() == 0
        assert fake_fcm.validated_count == 1


class TestPayloadSize:
    def test_counts_data_and_notification_as_compact_json(self) -> None:
        message = {"data": {"a": "bc"}, "notification": {"title": "né"}}

        assert payload_size(message) == len('{"a":"bc"}') + len('{"title":"né"}'.encode())

    def test_counts_the_platform_overrides(self) -> None:
        message = {"data": {"a": "b"}, "android": {"data": {"a": "b" * 100}}}

        assert payload_size(message) == len('{"a":""}') + 100


class TestProgrammedTrouble:
    async def test_unregistered_tokens_answer_404(self, fake_fcm: FakeFcm) -> None:
        body = to_device(data={"a": "b"})
        fake_fcm.unregister(body["message"]["token"])

        response = await send(fake_fcm, body)

        assert response.status_code == 404
        error = response.json()["error"]
        assert error["status"] == "NOT_FOUND"
        assert error["details"] == [{"@type": FCM_ERROR, "errorCode": "UNREGISTERED"}]

    async def test_the_next_requests_fail_then_succeed(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.fail_next(2, FcmFailure.INTERNAL)

        statuses = [(await send(fake_fcm, to_device(data={"a": "b"}))).status_code for _ in range(3)]

        assert statuses == [500, 500, 200]

    async def test_failures_can_start_in_the_middle_of_a_fan_out(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.fail_next(1, FcmFailure.UNAVAILABLE, after_successes=2)

        statuses = [(await send(fake_fcm, to_device(data={"a": "b"}))).status_code for _ in range(4)]

        assert statuses == [200, 200, 503, 200]

    async def test_a_bad_gateway_is_an_html_page_and_nothing_is_delivered(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.fail_next(1, FcmFailure.BAD_GATEWAY)

        response = await send(fake_fcm, to_device(data={"a": "b"}))

        assert (response.status_code, response.headers["content-type"]) == (502, "text/html; charset=UTF-8")
        assert b"502 Bad Gateway" in response.content
        assert (fake_fcm.count(), [r.code for r in fake_fcm.refused]) == (0, ["BAD_GATEWAY"])

    async def test_a_garbled_answer_is_cut_off_but_the_message_was_taken(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.fail_next(1, FcmFailure.GARBLED)
        body = to_device(data={"a": "b"})

        response = await send(fake_fcm, body)

        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()
        assert (fake_fcm.count(body["message"]["token"]), fake_fcm.refused) == (1, [])

    def test_only_refusals_can_be_chosen_per_token(self, fake_fcm: FakeFcm) -> None:
        with pytest.raises(ValueError, match="GARBLED"):
            fake_fcm.fail_targets(FcmFailure.GARBLED, new_registration_token())

    async def test_a_quota_storm_answers_429_with_the_time_left_as_retry_after(
        self, fake_fcm: FakeFcm
    ) -> None:
        fake_fcm.fail_for(0.5)

        during = await send(fake_fcm, to_device(data={"a": "b"}))
        await asyncio.sleep(0.6)
        after = await send(fake_fcm, to_device(data={"a": "b"}))

        assert during.status_code == 429
        assert during.headers["retry-after"] == "1"
        assert during.json()["error"]["details"] == [{"@type": FCM_ERROR, "errorCode": "QUOTA_EXCEEDED"}]
        assert after.status_code == 200

    async def test_slowness_delays_every_answer_and_requests_overlap(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.slow_down(0.3)
        started = time.monotonic()

        responses = await asyncio.gather(*(send(fake_fcm, to_device(data={"a": "b"})) for _ in range(10)))

        assert {r.status_code for r in responses} == {200}
        assert 0.3 <= time.monotonic() - started < 2.5
        assert fake_fcm.peak_in_flight > 1

    async def test_reset_forgets_messages_and_trouble(self, fake_fcm: FakeFcm) -> None:
        fake_fcm.fail_next(5)
        await send(fake_fcm, to_device(data={"a": "b"}))

        fake_fcm.reset()

        assert (await send(fake_fcm, to_device(data={"a": "b"}))).status_code == 200
        assert (fake_fcm.count(), fake_fcm.refused) == (1, [])


class TestTokenExchange:
    async def test_a_jwt_signed_by_an_unknown_key_is_refused(
        self, fake_fcm: FakeFcm, fake_fcm_service_account: Path
    ) -> None:
        info = json.loads(fake_fcm_service_account.read_text())  # noqa: ASYNC240 (small local file)
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = int(time.time())
        claims = {
            "iss": info["client_email"],
            "aud": "https://oauth2.googleapis.com/token",
            "scope": "https://www.googleapis.com/auth/cloud-platform",
            "iat": now,
            "exp": now + 3600,
        }
        assertion = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": info["private_key_id"]})

        async with httpx.AsyncClient() as http:
            response = await http.post(
                info["token_uri"],
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
            )

        assert response.status_code == 400
        assert response.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}

    async def test_another_grant_type_is_refused(self, fake_fcm: FakeFcm) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.post(fake_fcm.token_uri, data={"grant_type": "client_credentials"})

        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


class TestOtherProcesses:
    def test_a_separate_process_can_send(self, fake_fcm: FakeFcm) -> None:
        body = to_device(data={"sender": "worker"})
        script = (
            "import httpx, json, sys; "
            "r = httpx.post(sys.argv[1], json=json.loads(sys.argv[2]), "
            "headers={'authorization': sys.argv[3]}); "
            "print(r.status_code)"
        )
        url = f"{fake_fcm.endpoint}/v1/projects/{fake_fcm.project_id}/messages:send"

        result = subprocess.run(
            [sys.executable, "-c", script, url, json.dumps(body), f"Bearer {fake_fcm.static_token}"],
            capture_output=True,
            text=True,
            timeout=30,
        )

        assert result.stdout.strip() == "200", result.stderr
        assert fake_fcm.count(body["message"]["token"]) == 1

    def test_runs_standalone_and_prints_its_url(self, tmp_path: Path) -> None:
        port = free_loopback_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_fcm", "--port", str(port), "--quiet"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline()
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/projects/demo-townhall/messages:send",
                json=to_device(data={"a": "b"}),
                headers={"authorization": "Bearer fake-fcm-static-token"},
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()

        assert first_line.startswith(f"fake FCM listening on http://127.0.0.1:{port}")
        assert response.status_code == 200
