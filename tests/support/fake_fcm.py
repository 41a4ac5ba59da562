"""A loopback fake of the FCM HTTP v1 API (`messages:send`) and of the OAuth token exchange it needs.

FCM has no emulator. This server answers firebase-admin the way fcm.googleapis.com and
oauth2.googleapis.com do: Bearer auth, the request validated like FCM (tests.support.fake_fcm_validation),
FCM's error bodies (`{"error": {"code", "message", "status", "details": [FcmError …]}}`), and
programmable trouble — UNREGISTERED or SENDER_ID_MISMATCH for chosen tokens, 429 QUOTA_EXCEEDED with
Retry-After, 503, 500, slowness — recording every message it accepted and every request it refused.

It runs in a thread of its own with its own event loop (uvicorn), so it serves the test's own event
loop (firebase-admin in the test process) and separate worker processes alike, and it survives a
worker killed with SIGKILL. All recorded state sits behind one lock.

Standalone, for development (`make demo` users can point Townhall at it):
    python -m tests.support.fake_fcm --port 9096 --service-account .townhall/fake-fcm-service-account.json
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import enum
import json
import math
import re
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.fake_fcm_validation import RequestRefused, check_send_request, message_target

DEFAULT_PROJECT_ID = "demo-townhall"
# The bearer token the fake accepts without an OAuth exchange (TOWNHALL_FCM_STATIC_TOKEN in tests).
DEFAULT_STATIC_TOKEN = "fake-fcm-static-token"
ACCESS_TOKEN_SECONDS = 3600
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth signs the assertion for Google's token endpoint whatever the key file's token_uri says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
# Scopes that allow sending (firebase-admin asks for cloud-platform among others).
MESSAGING_SCOPES = frozenset(
    {"https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/firebase.messaging"}
)
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
SEND_PATH = re.compile(r"/v1/projects/([^/]+)/messages:send")
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class FcmFailure(enum.StrEnum):
    """An FCM error code (FcmError.errorCode) the fake can be told to answer with, or a failure
    on the way there (BAD_GATEWAY, GARBLED)."""

    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
    UNREGISTERED = "UNREGISTERED"
    SENDER_ID_MISMATCH = "SENDER_ID_MISMATCH"
    THIRD_PARTY_AUTH_ERROR = "THIRD_PARTY_AUTH_ERROR"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    BAD_GATEWAY = "BAD_GATEWAY"  # Google's front end: 502 with an HTML page, no FCM error
    GARBLED = "GARBLED"  # accepted (it counts as sent), but the 200's JSON body was cut off on the way


# HTTP status, google.rpc status and message FCM answers with for each error code.
FAILURES: dict[FcmFailure, tuple[int, str, str]] = {
    FcmFailure.QUOTA_EXCEEDED: (
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Send messages'.",
    ),
    FcmFailure.UNAVAILABLE: (503, "UNAVAILABLE", "The service is currently unavailable."),
    FcmFailure.INTERNAL: (500, "INTERNAL", "Internal error encountered."),
    FcmFailure.UNREGISTERED: (404, "NOT_FOUND", "Requested entity was not found."),
    FcmFailure.SENDER_ID_MISMATCH: (403, "PERMISSION_DENIED", "SenderId mismatch"),
    FcmFailure.THIRD_PARTY_AUTH_ERROR: (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    FcmFailure.INVALID_ARGUMENT: (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    FcmFailure.BAD_GATEWAY: (502, "BAD_GATEWAY", "Bad Gateway"),
}
JSON = "application/json; charset=UTF-8"
# What the failures on the way send instead of FCM's JSON, and as what.
_ON_THE_WAY: dict[FcmFailure, tuple[bytes, str]] = {
    FcmFailure.BAD_GATEWAY: (
        b"<html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>Error: Server Error</h1><p>The server encountered a temporary error.</p></body></html>",
        "text/html; charset=UTF-8",
    ),
    FcmFailure.GARBLED: (b'{"name": "projects/', JSON),
}


def new_registration_token() -> str:
    """A token shaped like the ones the FCM SDK hands an app: "<instance id>:APA91b…", 163 characters."""
    pick = secrets.choice
    return (
        "".join(pick(TOKEN_ALPHABET) for _ in range(22))
        + ":APA91b"
        + "".join(pick(TOKEN_ALPHABET) for _ in range(134))
    )


def new_installation_id() -> str:
    """A Firebase installation ID (FID): 22 characters, the first one of c, d, e, f."""
    return secrets.choice("cdef") + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(21))


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted: the `message` object exactly as the client sent it."""

    name: str  # what FCM answered: projects/<p>/messages/<id>
    project_id: str
    message: dict[str, Any]
    access_token: str
    headers: dict[str, str]  # request headers, names lower-cased
    http_version: str
    received_at: dt.datetime

    @property
    def target(self) -> str:
        found = message_target(self.message)
        assert found is not None
        return found[1]

    @property
    def data(self) -> dict[str, str]:
        data: dict[str, str] = self.message.get("data", {})
        return data


@dataclass(frozen=True)
class RefusedRequest:
    """A request the fake answered with an error."""

    status: int  # HTTP status
    code: str  # FcmError errorCode if FCM would give one, else the google.rpc status (UNAUTHENTICATED …)
    reason: str  # the error message
    target: str | None  # token, fid, topic or condition, when the body named one
    body: Any  # the request body as JSON, None if it was not JSON
    retry_after: str | None
    received_at: dt.datetime


@dataclass
class _FailurePlan:
    failure: FcmFailure
    remaining: int | None  # requests still to fail, or None for a time window
    until: float | None  # time.monotonic() deadline of the window
    retry_after: float | None
    successes_first: int  # accepted messages to let through before failing

    def active(self, now: float) -> bool:
        if self.successes_first > 0:
            return False
        if self.remaining is not None:
            return self.remaining > 0
        return self.until is not None and now < self.until

    def finished(self, now: float) -> bool:
        if self.remaining is not None:
            return self.remaining <= 0
        return self.until is not None and now >= self.until and self.successes_first <= 0


@dataclass(frozen=True)
class _ServiceAccount:
    email: str
    project_id: str
    public_key: rsa.RSAPublicKey


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent instead of `body` (which is then only what the fake records)
    content_type: str = JSON


class FakeFcm:
    """The fake server and its recorded state; `start()` it, point firebase-admin at `endpoint`."""

    def __init__(
        self,
        project_id: str = DEFAULT_PROJECT_ID,
        static_token: str | None = DEFAULT_STATIC_TOKEN,
        host: str = "127.0.0.1",
        log_messages: bool = False,
    ) -> None:
        self.project_id = project_id
        self.static_token = static_token
        self.host = host
        self.log_messages = log_messages
        self._lock = threading.Lock()
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._service_accounts: dict[str, _ServiceAccount] = {}  # by private_key_id
        self._issued: dict[str, tuple[str, float]] = {}  # access token -> (project id, expiry)
        self._sequence = 0
        self.reset()

    # --- running -------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeFcm:
        """Listen on host:port (0: a free port) and serve in a background thread; returns when ready."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(self, log_level="warning", access_log=False, lifespan="off", backlog=4096)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-fcm", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake FCM server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeFcm:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port is not None, "the fake FCM server is not started"
        return self._port

    @property
    def endpoint(self) -> str:
        """What TOWNHALL_FCM_ENDPOINT holds to send here, e.g. http://127.0.0.1:43123."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_uri(self) -> str:
        return f"{self.endpoint}/token"

    def environment(self, service_account_file: Path | None = None) -> dict[str, str]:
        """Environment variables pointing a Townhall process (e.g. `townhall worker`) at this fake:
        with the static token, or with a service-account file from write_service_account()."""
        env = {"TOWNHALL_FCM_ENDPOINT": self.endpoint, "TOWNHALL_FIREBASE_PROJECT_ID": self.project_id}
        if service_account_file is not None:
            env["GOOGLE_APPLICATION_CREDENTIALS"] = str(service_account_file)
        elif self.static_token is not None:
            env["TOWNHALL_FCM_STATIC_TOKEN"] = self.static_token
        return env

    def write_service_account(self, path: Path) -> Path:
        """Write a service-account key file (a fresh RSA key) whose token_uri is this fake; the fake
        then trusts JWTs signed with that key. Use with credentials.Certificate or
        GOOGLE_APPLICATION_CREDENTIALS."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        email = f"firebase-adminsdk-fake@{self.project_id}.iam.gserviceaccount.com"
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        info = {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**21)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
            "universe_domain": "googleapis.com",
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)
        with self._lock:
            self._service_accounts[key_id] = _ServiceAccount(email, self.project_id, key.public_key())
        return path

    # --- programming behaviour -----------------------------------------------------------------

    def reset(self) -> None:
        """Forget recorded requests and every programmed behaviour (issued access tokens stay valid)."""
        with self._lock:
            self._messages: list[SentMessage] = []
            self._refused: list[RefusedRequest] = []
            self._validated = 0
            self._token_exchanges = 0
            self._plans: list[_FailurePlan] = []
            self._target_failures: dict[str, FcmFailure] = {}
            self._delay = 0.0
            self._in_flight = 0
            self._peak_in_flight = 0

    def clear(self) -> None:
        """Forget recorded requests, keeping programmed behaviour."""
        with self._lock:
            self._messages = []
            self._refused = []
            self._validated = 0
            self._token_exchanges = 0
            self._peak_in_flight = self._in_flight

    def unregister(self, *targets: str) -> None:
        """These tokens (or FIDs) answer 404 UNREGISTERED from now on, as for an uninstalled app."""
        self.fail_targets(FcmFailure.UNREGISTERED, *targets)

    def mismatch_sender(self, *targets: str) -> None:
        """These tokens answer 403 SENDER_ID_MISMATCH (registered to another Firebase project)."""
        self.fail_targets(FcmFailure.SENDER_ID_MISMATCH, *targets)

    def fail_targets(self, failure: FcmFailure, *targets: str) -> None:
        if failure not in FAILURES:
            raise ValueError(f"{failure} is not a refusal; use fail_next or fail_for")
        with self._lock:
            for target in targets:
                self._target_failures[target] = failure

    def fail_next(
        self,
        count: int,
        failure: FcmFailure = FcmFailure.UNAVAILABLE,
        *,
        retry_after: float | None = None,
        after_successes: int = 0,
    ) -> None:
        """The next `count` send requests fail with `failure` (after `after_successes` accepted
        messages, for failures in the middle of a fan-out); `retry_after` adds a Retry-After header."""
        with self._lock:
            self._plans.append(_FailurePlan(failure, count, None, retry_after, after_successes))

    def fail_for(
        self,
        seconds: float,
        failure: FcmFailure = FcmFailure.QUOTA_EXCEEDED,
        *,
        retry_after: float | None = None,
        after_successes: int = 0,
    ) -> None:
        """Every send request fails with `failure` for the next `seconds` (an outage, a 429 storm).
        Retry-After defaults to the seconds left in the window, rounded up."""
        with self._lock:
            until = time.monotonic() + seconds
            self._plans.append(_FailurePlan(failure, None, until, retry_after, after_successes))

    def slow_down(self, seconds: float) -> None:
        """Every request waits this long before it is answered (0 to stop)."""
        with self._lock:
            self._delay = seconds

    def revoke_access_tokens(self) -> None:
        """Expire every token issued by /token, as Google does after an hour (the static token stays)."""
        with self._lock:
            self._issued.clear()

    # --- what was received ---------------------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        """Every message accepted for delivery (validate_only requests excluded), in arrival order."""
        with self._lock:
            return list(self._messages)

    @property
    def refused(self) -> list[RefusedRequest]:
        with self._lock:
            return list(self._refused)

    def messages_for(self, target: str) -> list[SentMessage]:
        """Messages accepted for one token, FID, topic or condition."""
        return [message for message in self.messages if message.target == target]

    def refused_for(self, target: str) -> list[RefusedRequest]:
        return [request for request in self.refused if request.target == target]

    def count(self, target: str | None = None) -> int:
        with self._lock:
            if target is None:
                return len(self._messages)
            return sum(1 for message in self._messages if message.target == target)

    @property
    def validated_count(self) -> int:
        """validate_only (dry-run) requests that passed."""
        with self._lock:
            return self._validated

    @property
    def token_exchanges(self) -> int:
        """Successful OAuth exchanges at /token."""
        with self._lock:
            return self._token_exchanges

    @property
    def peak_in_flight(self) -> int:
        """The most requests being answered at once since the last reset or clear."""
        with self._lock:
            return self._peak_in_flight

    async def wait_for_count(self, count: int, timeout: float = 10.0) -> int:
        """Wait (without blocking the event loop) until at least `count` messages were accepted."""
        deadline = time.monotonic() + timeout
        while (current := self.count()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fake FCM accepted {current} messages, not {count}, in {timeout}s")
            await asyncio.sleep(0.02)
        return current

    # --- the HTTP API (ASGI) -------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        path, method = scope["path"], scope["method"]
        matched = SEND_PATH.fullmatch(path)
        if method == "POST" and matched:
            reply = await self._messages_send(scope, matched.group(1), body)
        elif method == "POST" and path == "/token":
            reply = self._token_exchange(body)
        elif method == "GET" and path == "/":
            reply = _Reply(200, {"fakeFcm": {"ready": True, "projectId": self.project_id}})
        else:
            reply = _Reply(404, _google_error(404, "NOT_FOUND", f"The requested URL {path} was not found."))
        payload = json.dumps(reply.body).encode() if reply.raw is None else reply.raw
        headers = [
            (b"content-type", reply.content_type.encode()),
            (b"content-length", str(len(payload)).encode()),
            *((name.encode(), value.encode()) for name, value in reply.headers.items()),
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _messages_send(self, scope: Scope, project_id: str, raw: bytes) -> _Reply:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
            delay = self._delay
        try:
            if delay:
                await asyncio.sleep(delay)
            return self._answer_send(scope, project_id, raw)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer_send(self, scope: Scope, project_id: str, raw: bytes) -> _Reply:
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        target = _target_of(body)
        with self._lock:
            bearer = _bearer(headers.get("authorization", ""))
            if bearer is None or not self._accepts_token(bearer):
                reason = "CREDENTIALS_MISSING" if bearer is None else "ACCESS_TOKEN_EXPIRED"
                return self._refuse(_unauthenticated(reason), target, body)
            if project_id != self.project_id or self._issued.get(bearer, (project_id, 0))[0] != project_id:
                return self._refuse(_permission_denied(project_id), target, body)
            now = time.monotonic()
            plan = next((plan for plan in self._plans if plan.active(now)), None)
            garbled = plan is not None and plan.failure is FcmFailure.GARBLED
            if plan is not None:
                self._use(plan, now)
            if plan is not None and not garbled:
                retry_after = plan.retry_after
                if (
                    retry_after is None
                    and plan.until is not None
                    and plan.failure is FcmFailure.QUOTA_EXCEEDED
                ):
                    retry_after = max(plan.until - now, 0.0)
                return self._refuse(_fcm_failure(plan.failure, retry_after), target, body)
        if body is None:
            reply = _Reply(400, _google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."))
            return self._record_refusal(reply, target, body)
        try:
            message, validate_only = check_send_request(body)
        except RequestRefused as refused:
            return self._record_refusal(_invalid_argument(refused), target, body)
        with self._lock:
            found = message_target(message)
            failure = self._target_failures.get(found[1]) if found else None
            if failure is not None:
                return self._refuse(_fcm_failure(failure, None), target, body)
            self._sequence += 1
            name = f"projects/{project_id}/messages/0:{time.time_ns() // 1000}%{self._sequence:016x}"
            if validate_only:
                self._validated += 1
                return _Reply(200, {"name": f"projects/{project_id}/messages/fake_message_id"})
            for plan in self._plans:
                plan.successes_first -= 1
            self._messages.append(
                SentMessage(
                    name=name,
                    project_id=project_id,
                    message=body["message"],
                    access_token=bearer,
                    headers=headers,
                    http_version=str(scope.get("http_version", "")),
                    received_at=dt.datetime.now(dt.UTC),
                )
            )
        if self.log_messages:
            print(
                f"fake FCM: {name} -> {target}: {json.dumps(body['message'], ensure_ascii=False)}", flush=True
            )
        if garbled:
            raw, content_type = _ON_THE_WAY[FcmFailure.GARBLED]
            return _Reply(200, {"name": name}, raw=raw, content_type=content_type)
        return _Reply(200, {"name": name})

    def _use(self, plan: _FailurePlan, now: float) -> None:
        """One request answered by `plan`; the caller holds the lock."""
        if plan.remaining is not None:
            plan.remaining -= 1
        self._plans = [other for other in self._plans if not other.finished(now)]

    def _accepts_token(self, bearer: str) -> bool:
        if self.static_token is not None and secrets.compare_digest(bearer, self.static_token):
            return True
        issued = self._issued.get(bearer)
        return issued is not None and time.monotonic() < issued[1]

    def _refuse(self, reply: _Reply, target: str | None, body: Any) -> _Reply:
        """Record a refusal; the caller holds the lock."""
        error = reply.body["error"]
        codes = [d["errorCode"] for d in error.get("details", []) if d.get("@type") == FCM_ERROR_TYPE]
        self._refused.append(
            RefusedRequest(
                status=reply.status,
                code=codes[0] if codes else error["status"],
                reason=error["message"],
                target=target,
                body=body,
                retry_after=reply.headers.get("retry-after"),
                received_at=dt.datetime.now(dt.UTC),
            )
        )
        return reply

    def _record_refusal(self, reply: _Reply, target: str | None, body: Any) -> _Reply:
        with self._lock:
            return self._refuse(reply, target, body)

    def _token_exchange(self, raw: bytes) -> _Reply:
        """Google's OAuth 2.0 token endpoint for a service account's signed JWT (RFC 7523)."""
        form = {key: values[0] for key, values in parse_qs(raw.decode(errors="replace")).items()}
        if form.get("grant_type") != JWT_BEARER_GRANT:
            return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
        assertion = form.get("assertion", "")
        try:
            key_id = jwt.get_unverified_header(assertion).get("kid")
        except jwt.PyJWTError:
            return _oauth_error("invalid_request", "Invalid JWT.")
        with self._lock:
            account = self._service_accounts.get(key_id or "")
        if account is None:
            return _oauth_error("invalid_grant", "Invalid JWT Signature.")
        try:
            claims = jwt.decode(
                assertion,
                account.public_key,
                algorithms=["RS256"],
                audience=[GOOGLE_TOKEN_AUDIENCE, self.token_uri],
                issuer=account.email,
                options={"require": ["iss", "aud", "iat", "exp"]},
                leeway=60,
            )
        except jwt.InvalidSignatureError:
            return _oauth_error("invalid_grant", "Invalid JWT Signature.")
        except jwt.PyJWTError as error:
            return _oauth_error("invalid_grant", f"Invalid JWT: {error}")
        if claims["exp"] - claims["iat"] > ACCESS_TOKEN_SECONDS:
            return _oauth_error(
                "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes)"
            )
        if not MESSAGING_SCOPES & set(str(claims.get("scope", "")).split()):
            return _oauth_error("invalid_scope", "The scope does not allow sending messages.")
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        with self._lock:
            self._issued[token] = (account.project_id, time.monotonic() + ACCESS_TOKEN_SECONDS)
            self._token_exchanges += 1
        return _Reply(
            200, {"access_token": token, "expires_in": ACCESS_TOKEN_SECONDS, "token_type": "Bearer"}
        )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        event = await receive()
        chunks.append(event.get("body", b""))
        if not event.get("more_body", False):
            return b"".join(chunks)


def _bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _target_of(body: Any) -> str | None:
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        return None
    for kind in ("token", "fid", "topic", "condition"):
        if isinstance(message.get(kind), str):
            return str(message[kind])
    return None


def _google_error(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


def _fcm_failure(failure: FcmFailure, retry_after: float | None) -> _Reply:
    code, status, message = FAILURES[failure]
    body = _google_error(code, status, message, {"@type": FCM_ERROR_TYPE, "errorCode": failure.value})
    headers = {"retry-after": str(math.ceil(retry_after))} if retry_after is not None else {}
    if failure in _ON_THE_WAY:
        raw, content_type = _ON_THE_WAY[failure]
        return _Reply(code, body, headers, raw=raw, content_type=content_type)
    return _Reply(code, body, headers)


def _invalid_argument(refused: RequestRefused) -> _Reply:
    details: list[dict[str, Any]] = [{"@type": FCM_ERROR_TYPE, "errorCode": "INVALID_ARGUMENT"}]
    if refused.schema_error:
        violation = {"field": refused.field or "", "description": refused.message}
        details.append({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]})
    return _Reply(400, _google_error(400, "INVALID_ARGUMENT", refused.message, *details))


def _unauthenticated(reason: str) -> _Reply:
    message = (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    )
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {
            "service": "fcm.googleapis.com",
            "method": "google.firebase.fcm.v1.FcmService.SendMessage",
        },
    }
    headers = {"www-authenticate": 'Bearer realm="https://accounts.google.com/"'}
    return _Reply(401, _google_error(401, "UNAUTHENTICATED", message, info), headers)


def _permission_denied(project_id: str) -> _Reply:
    message = (
        "Permission 'cloudmessaging.messages.create' denied on resource "
        f"'//cloudresourcemanager.googleapis.com/projects/{project_id}' (or it may not exist)."
    )
    return _Reply(403, _google_error(403, "PERMISSION_DENIED", message))


def _oauth_error(error: str, description: str) -> _Reply:
    return _Reply(400, {"error": error, "error_description": description})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fake_fcm", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9096)
    parser.add_argument("--project", default=DEFAULT_PROJECT_ID, help="the Firebase project id it serves")
    parser.add_argument("--static-token", default=DEFAULT_STATIC_TOKEN, help="a bearer token accepted as is")
    parser.add_argument("--service-account", type=Path, help="also write a service-account key file here")
    parser.add_argument("--quiet", action="store_true", help="do not print each accepted message")
    args = parser.parse_args(argv)
    fake = FakeFcm(args.project, args.static_token, args.host, log_messages=not args.quiet).start(args.port)
    print(f"fake FCM listening on {fake.endpoint} (project {fake.project_id})", flush=True)
    for name, value in fake.environment().items():
        print(f"  export {name}={value}", flush=True)
    if args.service_account is not None:
        fake.write_service_account(args.service_account)
        print(
            f"  or, instead of the static token: export GOOGLE_APPLICATION_CREDENTIALS={args.service_account}"
        )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
