"""The firebase-admin messaging app: sending through firebase-admin to the fake FCM server."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import firebase_admin
import pytest
from firebase_admin import credentials, messaging

from api.settings import Settings, SettingsError
from push import firebase_app
from push.firebase_app import FcmEndpointConflict, bind_to_running_loop, messaging_app, use_fcm_endpoint
from tests.support.fake_fcm import FakeFcm, FcmFailure, new_installation_id, new_registration_token


def fake_settings(fake: FakeFcm, *, static_token: bool = True) -> Settings:
    return Settings(
        firebase_project_id=fake.project_id,
        fcm_endpoint=fake.endpoint,
        fcm_static_token=fake.static_token if static_token else None,
    )


def token_message(token: str, **fields: object) -> messaging.Message:
    # Registration tokens are what the app registers; firebase-admin 7.7 deprecates `token` for `fid`.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(token=token, **fields)


@pytest.fixture(scope="session")
def certificate_app(fake_fcm_server: FakeFcm, fake_fcm_service_account: Path) -> firebase_admin.App:
    """An app on credentials.Certificate(<the fake's key file>), as the Admin SDK docs set one up."""
    use_fcm_endpoint(fake_fcm_server.endpoint)
    app = firebase_admin.initialize_app(
        credentials.Certificate(str(fake_fcm_service_account)), name=f"certificate-{uuid.uuid4().hex[:8]}"
    )
    # Not deleted: firebase_admin.delete_app closes the async client with asyncio.run(), which fails
    # inside a running event loop.
    return app


class TestSending:
    async def test_sends_with_the_static_token(self, fake_fcm: FakeFcm) -> None:
        token = new_registration_token()
        message = token_message(
            token,
            data={"kind": "reply"},
            notification=messaging.Notification(title="New reply", body="Someone answered you"),
            android=messaging.AndroidConfig(collapse_key="reply", priority="high", ttl=3600),
            apns=messaging.APNSConfig(
                headers={"apns-priority": "10", "apns-collapse-id": "reply", "apns-push-type": "alert"},
                payload=messaging.APNSPayload(aps=messaging.Aps(badge=1)),
            ),
        )

        batch = await messaging.send_each_async([message], app=messaging_app(fake_settings(fake_fcm)))

        assert batch.success_count == 1
        [sent] = fake_fcm.messages_for(token)
        assert batch.responses[0].message_id == sent.name
        assert sent.access_token == fake_fcm.static_token
        assert sent.message == {
            "token": token,
            "data": {"kind": "reply"},
            "notification": {"title": "New reply", "body": "Someone answered you"},
            "android": {"collapse_key": "reply", "priority": "high", "ttl": "3600s"},
            "apns": {
                "headers": {"apns-priority": "10", "apns-collapse-id": "reply", "apns-push-type": "alert"},
                "payload": {"aps": {"badge": 1}},
            },
        }
        assert sent.headers["x-goog-api-format-version"] == "2"
        assert sent.headers["x-firebase-client"] == "fire-admin-python/7.7.0"

    async def test_sends_to_an_installation_id(self, fake_fcm: FakeFcm) -> None:
        fid = new_installation_id()

        batch = await messaging.send_each_async(
            [messaging.Message(fid=fid, data={"kind": "reply"})], app=messaging_app(fake_settings(fake_fcm))
        )

        assert batch.success_count == 1
        assert fake_fcm.messages_for(fid)[0].message == {"fid": fid, "data": {"kind": "reply"}}

    async def test_sends_with_the_service_account_in_google_application_credentials(
        self, fake_fcm: FakeFcm, fake_fcm_service_account: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake_fcm_service_account))
        token = new_registration_token()
        app = messaging_app(fake_settings(fake_fcm, static_token=False))

        batch = await messaging.send_each_async([token_message(token, data={"n": "1"})], app=app)

        assert batch.success_count == 1
        [sent] = fake_fcm.messages_for(token)
        assert sent.access_token.startswith("ya29.fake-")  # issued by the fake's /token

    async def test_certificate_credential_exchanges_a_signed_jwt_for_an_access_token(
        self, fake_fcm: FakeFcm, certificate_app: firebase_admin.App
    ) -> None:
        token = new_registration_token()
        fake_fcm.revoke_access_tokens()  # whatever an earlier test left cached must be refreshed

        batch = await messaging.send_each_async([token_message(token, data={"n": "1"})], app=certificate_app)

        assert batch.success_count == 1
        assert fake_fcm.token_exchanges == 1
        # The cached token was refused once (401), then firebase-admin refreshed it and sent again.
        assert [refused.status for refused in fake_fcm.refused] in ([], [401])
        assert fake_fcm.messages_for(token)[0].access_token.startswith("ya29.fake-")

    async def test_an_access_token_is_reused_until_it_is_refused(
        self, fake_fcm: FakeFcm, certificate_app: firebase_admin.App
    ) -> None:
        first, second = new_registration_token(), new_registration_token()
        await messaging.send_each_async([token_message(first, data={"n": "1"})], app=certificate_app)
        fake_fcm.clear()

        await messaging.send_each_async([token_message(second, data={"n": "2"})], app=certificate_app)

        assert fake_fcm.token_exchanges == 0
        assert fake_fcm.count(second) == 1


class TestErrors:
    async def test_an_unregistered_token_is_an_unregistered_error(self, fake_fcm: FakeFcm) -> None:
        gone, kept = new_registration_token(), new_registration_token()
        fake_fcm.unregister(gone)

        batch = await messaging.send_each_async(
            [token_message(gone, data={"n": "1"}), token_message(kept, data={"n": "1"})],
            app=messaging_app(fake_settings(fake_fcm)),
        )

        assert isinstance(batch.responses[0].exception, messaging.UnregisteredError)
        assert batch.responses[1].success
        assert [(r.status, r.code, r.target) for r in fake_fcm.refused] == [(404, "UNREGISTERED", gone)]

    async def test_a_sender_id_mismatch_is_its_own_error(self, fake_fcm: FakeFcm) -> None:
        token = new_registration_token()
        fake_fcm.mismatch_sender(token)

        batch = await messaging.send_each_async(
            [token_message(token, data={"n": "1"})], app=messaging_app(fake_settings(fake_fcm))
        )

        assert isinstance(batch.responses[0].exception, messaging.SenderIdMismatchError)

    async def test_quota_exceeded_exposes_retry_after_through_the_http_response(
        self, fake_fcm: FakeFcm
    ) -> None:
        fake_fcm.fail_next(1, FcmFailure.QUOTA_EXCEEDED, retry_after=7)

        batch = await messaging.send_each_async(
            [token_message(new_registration_token(), data={"n": "1"})],
            app=messaging_app(fake_settings(fake_fcm)),
        )

        error = batch.responses[0].exception
        assert isinstance(error, messaging.QuotaExceededError)
        # SendResponse.exception.http_response is the httpx.Response; firebase-admin does not wait itself.
        assert error.http_response.status_code == 429
        assert error.http_response.headers["Retry-After"] == "7"
        assert fake_fcm.count() == 0

    async def test_a_malformed_token_is_an_invalid_argument_naming_the_token(self, fake_fcm: FakeFcm) -> None:
        batch = await messaging.send_each_async(
            [token_message("token-1", data={"n": "1"})], app=messaging_app(fake_settings(fake_fcm))
        )

        error = batch.responses[0].exception
        assert isinstance(error, firebase_admin.exceptions.InvalidArgumentError)
        assert str(error) == "The registration token is not a valid FCM registration token"

    async def test_unavailable_comes_back_at_once_for_the_sender_to_retry(self, fake_fcm: FakeFcm) -> None:
        token = new_registration_token()
        fake_fcm.fail_next(2, FcmFailure.UNAVAILABLE)

        app = messaging_app(fake_settings(fake_fcm))
        bind_to_running_loop(app)  # what push/sender.py does before each batch

        batch = await messaging.send_each_async([token_message(token, data={"n": "1"})], app=app)

        assert isinstance(batch.responses[0].exception, firebase_admin.exceptions.UnavailableError)
        assert [refused.status for refused in fake_fcm.refused] == [503]
        assert fake_fcm.count(token) == 0


class TestApp:
    def test_the_same_settings_give_the_same_app(self, fake_fcm: FakeFcm) -> None:
        assert messaging_app(fake_settings(fake_fcm)) is messaging_app(fake_settings(fake_fcm))

    def test_another_credential_gives_another_app(
        self, fake_fcm: FakeFcm, fake_fcm_service_account: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake_fcm_service_account))

        assert messaging_app(fake_settings(fake_fcm)) is not messaging_app(
            fake_settings(fake_fcm, static_token=False)
        )

    def test_the_app_carries_the_project_and_timeout(self, fake_fcm: FakeFcm) -> None:
        app = messaging_app(fake_settings(fake_fcm))

        assert app.project_id == fake_fcm.project_id
        assert app.options.get("httpTimeout") == 30


class TestEndpoint:
    def test_setting_the_same_endpoint_again_is_harmless(self, fake_fcm: FakeFcm) -> None:
        use_fcm_endpoint(fake_fcm.endpoint)
        use_fcm_endpoint(fake_fcm.endpoint + "/")

        expected = f"{fake_fcm.endpoint}/v1/projects/{{0}}/messages:send"
        fcm_url = messaging._MessagingService.FCM_URL
        assert fcm_url == expected

    def test_a_second_endpoint_in_one_process_is_refused(self, fake_fcm: FakeFcm) -> None:
        use_fcm_endpoint(fake_fcm.endpoint)

        with pytest.raises(FcmEndpointConflict):
            use_fcm_endpoint("https://fcm.googleapis.com")

    def test_the_first_endpoint_is_applied_to_firebase_admin(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(firebase_app, "_endpoint_in_use", None)
        monkeypatch.setattr(messaging._MessagingService, "FCM_URL", messaging._MessagingService.FCM_URL)

        use_fcm_endpoint("http://127.0.0.1:9096")

        assert messaging._MessagingService.FCM_URL == "http://127.0.0.1:9096/v1/projects/{0}/messages:send"


class TestSettings:
    @pytest.fixture(autouse=True)
    def clean_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in (
            "TOWNHALL_ENV",
            "TOWNHALL_FCM_ENDPOINT",
            "TOWNHALL_FCM_STATIC_TOKEN",
            "TOWNHALL_FCM_TIMEOUT_SECONDS",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)

    def test_defaults_to_the_real_fcm(self) -> None:
        settings = Settings.from_env()

        assert settings.fcm_endpoint == "https://fcm.googleapis.com"
        assert settings.fcm_static_token is None
        assert settings.fcm_timeout_seconds == 30

    def test_development_may_use_the_fake_and_a_static_token(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_FCM_ENDPOINT", "http://127.0.0.1:9096")
        monkeypatch.setenv("TOWNHALL_FCM_STATIC_TOKEN", "dev-token")

        settings = Settings.from_env()

        assert (settings.fcm_endpoint, settings.fcm_static_token) == ("http://127.0.0.1:9096", "dev-token")

    def test_production_refuses_the_static_token(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_ENV", "production")
        monkeypatch.setenv("TOWNHALL_FCM_STATIC_TOKEN", "dev-token")

        with pytest.raises(SettingsError, match="TOWNHALL_FCM_STATIC_TOKEN must not be set in production"):
            Settings.from_env()

    def test_production_refuses_a_plain_http_endpoint(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_ENV", "production")
        monkeypatch.setenv("TOWNHALL_FCM_ENDPOINT", "http://127.0.0.1:9096")

        with pytest.raises(SettingsError, match="must be an https URL in production"):
            Settings.from_env()

    @pytest.mark.parametrize("endpoint", ["fcm.googleapis.com", "https://fcm.example/{0}"])
    def test_an_endpoint_that_is_not_a_url_is_refused(
        self, endpoint: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TOWNHALL_FCM_ENDPOINT", endpoint)

        with pytest.raises(SettingsError, match="TOWNHALL_FCM_ENDPOINT must be an http"):
            Settings.from_env()


class TestFirebaseAdminRetries:
    async def test_a_refused_send_is_not_retried_behind_our_back_and_holds_no_connection(
        self, fake_fcm: FakeFcm
    ) -> None:
        # firebase-admin 7.7 itself retries 500/503 without closing the refused response, so each
        # retry would keep one of httpx's 100 pooled connections busy for good, and after ~100 every
        # send times out. bind_to_running_loop gives the messaging service a client that sends once;
        # the sender retries with back-off and Retry-After. 101 errors later, sends still go through.
        settings = Settings(
            firebase_project_id=fake_fcm.project_id,
            fcm_endpoint=fake_fcm.endpoint,
            fcm_static_token=fake_fcm.static_token,
            fcm_timeout_seconds=1,  # an app of its own, given up on quickly
        )
        app = messaging_app(settings)
        bind_to_running_loop(app)  # what push/sender.py does before each batch
        outcomes = []
        for _ in range(101):
            fake_fcm.fail_next(1, FcmFailure.INTERNAL)
            batch = await messaging.send_each_async(
                [token_message(new_registration_token(), data={"n": "1"})], app=app
            )
            outcomes.append(batch.responses[0].exception)

        after = await messaging.send_each_async(
            [token_message(new_registration_token(), data={"n": "2"})], app=app
        )

        assert all(isinstance(error, firebase_admin.exceptions.InternalError) for error in outcomes)
        assert len(fake_fcm.refused) == 101  # one request per send: nothing retried inside
        assert after.responses[0].success
