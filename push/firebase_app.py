"""The firebase-admin app push notifications are sent with, built from the settings.

Production: the service account named by GOOGLE_APPLICATION_CREDENTIALS (or the Google Cloud metadata
server: Application Default Credentials) and TOWNHALL_FIREBASE_PROJECT_ID, sending to
https://fcm.googleapis.com. Development and tests: TOWNHALL_FCM_ENDPOINT points at the fake FCM server
and TOWNHALL_FCM_STATIC_TOKEN replaces the OAuth exchange with a fixed bearer token.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from typing import Any, Protocol

import firebase_admin
import google.auth.credentials
from firebase_admin import _http_client, credentials, messaging
from firebase_admin._retry import HttpxRetry

FCM_SEND_PATH = "/v1/projects/{0}/messages:send"
APP_NAME_PREFIX = "townhall-messaging"

_lock = threading.Lock()
_endpoint_in_use: str | None = None
_CLIENT_LOOP = "_townhall_client_loop"  # the event loop the messaging service's client belongs to


class MessagingSettings(Protocol):
    """What messaging_app reads from api.settings.Settings."""

    @property
    def firebase_project_id(self) -> str: ...
    @property
    def fcm_endpoint(self) -> str: ...
    @property
    def fcm_static_token(self) -> str | None: ...
    @property
    def fcm_timeout_seconds(self) -> int: ...


class FcmEndpointConflict(RuntimeError):
    """Two different FCM endpoints were asked for in one process; firebase-admin can hold only one."""


class StaticTokenCredential(credentials.Base):
    """A fixed bearer token instead of a service account: for the fake FCM server only."""

    def __init__(self, token: str) -> None:
        self._credential = _StaticAccessToken(token)

    def get_credential(self) -> google.auth.credentials.Credentials:
        return self._credential


class _StaticAccessToken(google.auth.credentials.Credentials):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def refresh(self, request: Any) -> None:
        # Nothing to refresh: firebase-admin calls this after a 401, which then stays a 401.
        pass


def messaging_app(settings: MessagingSettings) -> firebase_admin.App:
    """The firebase-admin app to pass to `messaging.send_each_async(..., app=...)`; the same app for
    the same settings, so calling it again is cheap. Points messaging at the FCM endpoint first."""
    use_fcm_endpoint(settings.fcm_endpoint)
    name = _app_name(settings)
    with _lock:
        try:
            return firebase_admin.get_app(name)
        except ValueError:
            pass  # not made yet
        if settings.fcm_static_token:
            credential: credentials.Base = StaticTokenCredential(settings.fcm_static_token)
        else:
            # Reads GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or, on Google Cloud,
            # the metadata server; loaded here, when the messaging service is made.
            credential = credentials.ApplicationDefault()
        options = {"projectId": settings.firebase_project_id, "httpTimeout": settings.fcm_timeout_seconds}
        return firebase_admin.initialize_app(credential, options, name=name)


def bind_to_running_loop(app: firebase_admin.App) -> None:
    """Before sending through `app` in this event loop: give its messaging service an HTTP client
    of this loop, one that does not retry by itself. Cheap when it already has one.

    httpx's pooled connections belong to the loop that opened them. An app used again under another
    loop (a second `asyncio.run` in one process: `townhall worker --once` twice, tests, the bench's
    sizes) would close them on a loop that is gone, and firebase-admin fails that whole batch
    ("Event loop is closed"); so each loop gets its own client.

    And firebase-admin 7.7's own client retries 500 and 503 up to four times, ignoring Retry-After,
    without closing the refused response first: each retry keeps one pooled connection busy for
    good, and after about a hundred of them every send of the app times out. Townhall's sender
    retries with back-off, jitter and Retry-After itself (push/retries.py), so its client sends
    once. The service's private `_async_client` is replaced here — with FCM_URL above, the only
    places Townhall reaches into firebase-admin.
    """
    loop = asyncio.get_running_loop()
    service = messaging._get_messaging_service(app)
    if getattr(service, _CLIENT_LOOP, None) is loop:
        return
    timeout = app.options.get("httpTimeout", _http_client.DEFAULT_TIMEOUT_SECONDS)
    service._async_client = _http_client.HttpxAsyncClient(
        credential=service._credential, timeout=timeout, retry_config=HttpxRetry(max_retries=0)
    )
    setattr(service, _CLIENT_LOOP, loop)


def use_fcm_endpoint(endpoint: str) -> None:
    """Send FCM messages to `endpoint` (scheme, host and port, e.g. https://fcm.googleapis.com).

    firebase-admin 7.7 has no option for this: each app's messaging service copies the class
    attribute `_MessagingService.FCM_URL` when it is created, at the app's first send. So this sets
    that private attribute, for the whole process, before any send. Setting the same endpoint again
    is harmless; a different one raises, since services already created would keep the old one.
    """
    global _endpoint_in_use
    url = endpoint.rstrip("/") + FCM_SEND_PATH
    with _lock:
        if _endpoint_in_use is None:
            messaging._MessagingService.FCM_URL = url
            _endpoint_in_use = endpoint.rstrip("/")
        elif _endpoint_in_use != endpoint.rstrip("/"):
            raise FcmEndpointConflict(
                f"FCM messages already go to {_endpoint_in_use} in this process; cannot also use {endpoint}"
            )


def _app_name(settings: MessagingSettings) -> str:
    # One app per distinct configuration (ApplicationDefault reads GOOGLE_APPLICATION_CREDENTIALS at
    # the first send, so the file is part of it); hashed so the token never shows in an app name.
    parts = (
        settings.firebase_project_id,
        settings.fcm_static_token or "",
        str(settings.fcm_timeout_seconds),
        os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", ""),
    )
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]
    return f"{APP_NAME_PREFIX}-{digest}"
