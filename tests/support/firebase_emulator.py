"""The Firebase Auth emulator, started once per test run, and the phone sign-in a citizen's app performs."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.embedded_db import free_loopback_port

# A `demo-` project id makes the emulator run fully offline: it never looks the project up at Google.
PROJECT_ID = "demo-townhall"
# The emulator accepts any API key; the app's real key has no business in tests.
API_KEY = "fake-api-key"
# The emulator treats this bearer token as an admin (service account) caller.
ADMIN_AUTHORIZATION = {"authorization": "Bearer owner"}

REPO_ROOT = Path(__file__).resolve().parents[2]
FIREBASE_CLI = REPO_ROOT / "node_modules" / ".bin" / "firebase"
STARTUP_TIMEOUT_SECONDS = 120.0
START_ATTEMPTS = 3  # free ports are picked before the emulator binds them; another process may win the race
_PR_SET_PDEATHSIG = 1


class EmulatorRequestError(RuntimeError):
    """The emulator refused a request; `code` is its error code, such as USER_DISABLED."""

    def __init__(self, method: str, status: int, code: str) -> None:
        super().__init__(f"{method} failed with HTTP {status}: {code}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class FirebaseAuthEmulator:
    """A running Auth emulator: `host` is what FIREBASE_AUTH_EMULATOR_HOST holds ("127.0.0.1:port")."""

    host: str
    project_id: str
    startup_seconds: float

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def client_url(self, method: str) -> str:
        """An Identity Toolkit method as the app's client SDK calls it, e.g. `accounts:signUp`."""
        return f"{self.base_url}/identitytoolkit.googleapis.com/v1/{method}?key={API_KEY}"

    def admin_url(self, method: str) -> str:
        """An Identity Toolkit method as the Admin SDK calls it, on this project."""
        return f"{self.base_url}/identitytoolkit.googleapis.com/v1/projects/{self.project_id}/{method}"

    def emulator_url(self, path: str) -> str:
        """The emulator's own test-only API, e.g. `verificationCodes`."""
        return f"{self.base_url}/emulator/v1/projects/{self.project_id}/{path}"


@dataclass(frozen=True)
class FirebaseSession:
    """What the app holds after a phone sign-in: the ID token it sends to Townhall."""

    id_token: str
    uid: str
    phone_number: str


def unique_phone_number() -> str:
    """A fictional mainland mobile number no other test in the run is likely to use."""
    return f"+86139{secrets.randbelow(10**8):08d}"


async def sign_in_with_phone(emulator: FirebaseAuthEmulator, phone_number: str) -> FirebaseSession:
    """Sign in through the real phone flow: send a code, read the "SMS" from the emulator, confirm it."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        sent = await _call(
            http,
            "accounts:sendVerificationCode",
            emulator.client_url("accounts:sendVerificationCode"),
            # The emulator skips reCAPTCHA but the request shape requires a token.
            {"phoneNumber": phone_number, "recaptchaToken": "emulator-skips-recaptcha"},
        )
        session_info = sent["sessionInfo"]
        response = await http.get(emulator.emulator_url("verificationCodes"))
        response.raise_for_status()
        # Match on the session, not the number: several sign-ins may be waiting at once.
        codes = [
            entry["code"]
            for entry in response.json().get("verificationCodes", [])
            if entry["sessionInfo"] == session_info
        ]
        assert len(codes) == 1, f"expected one verification code for the session, got {codes}"
        signed_in = await _call(
            http,
            "accounts:signInWithPhoneNumber",
            emulator.client_url("accounts:signInWithPhoneNumber"),
            {"sessionInfo": session_info, "code": codes[0]},
        )
    return FirebaseSession(
        id_token=signed_in["idToken"], uid=signed_in["localId"], phone_number=signed_in["phoneNumber"]
    )


async def clear_accounts(emulator: FirebaseAuthEmulator) -> None:
    """Delete every account in the emulator's project, for a test that needs a clean slate."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        response = await http.delete(emulator.emulator_url("accounts"))
        response.raise_for_status()


async def disable_account(emulator: FirebaseAuthEmulator, uid: str) -> None:
    """Disable an account as an admin would in the Firebase console."""
    async with httpx.AsyncClient(timeout=10.0, headers=ADMIN_AUTHORIZATION) as http:
        await _call(
            http,
            "accounts:update",
            emulator.admin_url("accounts:update"),
            {"localId": uid, "disableUser": True},
        )


async def delete_account(emulator: FirebaseAuthEmulator, uid: str) -> None:
    """Delete one account as an admin would in the Firebase console."""
    async with httpx.AsyncClient(timeout=10.0, headers=ADMIN_AUTHORIZATION) as http:
        await _call(http, "accounts:delete", emulator.admin_url("accounts:delete"), {"localId": uid})


async def _call(http: httpx.AsyncClient, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(url, json=body)
    if response.status_code != 200:
        try:
            code = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            code = response.text
        raise EmulatorRequestError(method, response.status_code, code)
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture(scope="session")
def firebase_auth_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirebaseAuthEmulator]:
    """One Auth emulator for the whole run; firebase-admin in this process is pointed at it."""
    if not FIREBASE_CLI.exists():
        pytest.fail(
            f"{FIREBASE_CLI.relative_to(REPO_ROOT)} is missing: the Firebase Auth emulator comes from npm. "
            "Run `make test` (or `npm ci --ignore-scripts` in the repository root) first.",
            pytrace=False,
        )
    process, emulator = _start_with_retries(tmp_path_factory.mktemp("firebase-emulator"))
    try:
        with pytest.MonkeyPatch.context() as env:
            # firebase-admin reads the host on every call; it then accepts the emulator's unsigned tokens.
            env.setenv("FIREBASE_AUTH_EMULATOR_HOST", emulator.host)
            # For code that initialises firebase-admin without a projectId option.
            env.setenv("GOOGLE_CLOUD_PROJECT", emulator.project_id)
            yield emulator
    finally:
        _stop(process)


def _start_with_retries(workdir: Path) -> tuple[subprocess.Popen[bytes], FirebaseAuthEmulator]:
    failures: list[str] = []
    for _ in range(START_ATTEMPTS):
        process, emulator, failure = _start(workdir)
        if emulator is not None:
            return process, emulator
        failures.append(failure)
    pytest.fail("the Firebase Auth emulator did not start:\n\n" + "\n\n".join(failures), pytrace=False)


def _start(workdir: Path) -> tuple[subprocess.Popen[bytes], FirebaseAuthEmulator | None, str]:
    """Start one emulator; returns it when ready, or the reason it failed (after stopping it)."""
    port = free_loopback_port()
    config = {
        "emulators": {
            "auth": {"host": "127.0.0.1", "port": port},
            # The CLI always starts a hub and a logging endpoint; keep them off the default ports.
            "hub": {"host": "127.0.0.1", "port": free_loopback_port()},
            "logging": {"host": "127.0.0.1", "port": free_loopback_port()},
            "ui": {"enabled": False},
        }
    }
    config_file = workdir / "firebase.json"
    config_file.write_text(json.dumps(config, indent=2))
    for name in ("config", "tmp"):
        (workdir / name).mkdir(exist_ok=True)
    environment = {
        **os.environ,
        # CI=true skips the "message of the day" fetch from firebaseio.com and the npm update check.
        "CI": "true",
        "NO_UPDATE_NOTIFIER": "1",
        # Keep the developer's Firebase login, usage-statistics consent and cached settings out of the run.
        "XDG_CONFIG_HOME": str(workdir / "config"),
        # The CLI writes hub-<project>.json into TMPDIR; a shared /tmp would mix up two concurrent runs.
        "TMPDIR": str(workdir / "tmp"),
    }
    environment.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    log_file = workdir / "emulator.log"
    started = time.monotonic()
    with log_file.open("ab") as log_output:
        process = subprocess.Popen(
            [
                str(FIREBASE_CLI),
                "emulators:start",
                "--only",
                "auth",
                "--project",
                PROJECT_ID,
                "--config",
                str(config_file),
            ],
            cwd=workdir,  # firebase-debug.log lands here, not in the repository
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log_output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can stop everything it spawned
            preexec_fn=_die_with_parent,
        )
    host = f"127.0.0.1:{port}"
    deadline = started + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _stop(process)  # whatever it spawned before dying
            return process, None, f"it exited with code {process.returncode}; {_log_tail(log_file)}"
        if _answers(host):
            emulator = FirebaseAuthEmulator(host, PROJECT_ID, round(time.monotonic() - started, 2))
            return process, emulator, ""
        time.sleep(0.1)
    _stop(process)
    return process, None, f"it did not answer within {STARTUP_TIMEOUT_SECONDS:.0f}s; {_log_tail(log_file)}"


def _answers(host: str) -> bool:
    try:
        response = httpx.get(f"http://{host}/", timeout=1.0)
        ready = response.status_code == 200 and response.json().get("authEmulator", {}).get("ready")
    except (httpx.TransportError, ValueError, AttributeError):
        return False  # not listening yet, or something else holds the port
    return ready is True


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM lets the CLI remove its hub locator file; SIGKILL the group if it lingers.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    # Anything the CLI spawned is in its group and must not outlive the run either.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _die_with_parent() -> None:
    # Linux only: the emulator gets SIGTERM if pytest itself is killed, so a crash leaves no orphan.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _log_tail(log_file: Path, lines: int = 20) -> str:
    text = log_file.read_text(errors="replace") if log_file.exists() else ""
    tail = "\n".join(text.splitlines()[-lines:])
    return f"its output ({log_file}) ends with:\n{tail}"
