"""The Firebase Auth emulator harness: the real phone flow, and firebase-admin verifying its ID tokens."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import firebase_admin
import google.auth.transport.requests
import pytest
from firebase_admin import auth

from tests.support.firebase_emulator import (
    EmulatorRequestError,
    FirebaseAuthEmulator,
    clear_accounts,
    delete_account,
    disable_account,
    sign_in_with_phone,
    unique_phone_number,
)


@pytest.fixture
def firebase_app(firebase_auth_emulator: FirebaseAuthEmulator) -> Iterator[firebase_admin.App]:
    """An Admin SDK app as the server will build it: a project id and no credentials."""
    app = firebase_admin.initialize_app(
        options={"projectId": firebase_auth_emulator.project_id}, name=f"test-{uuid.uuid4().hex}"
    )
    yield app
    firebase_admin.delete_app(app)


async def verify(id_token: str, app: firebase_admin.App, *, check_revoked: bool = False) -> dict[str, Any]:
    # verify_id_token is synchronous (and does HTTP with check_revoked): keep it off the event loop.
    claims: dict[str, Any] = await asyncio.to_thread(
        auth.verify_id_token, id_token, app=app, check_revoked=check_revoked
    )
    return claims


def unsigned_token(claims: dict[str, Any]) -> str:
    def encode(part: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(claims)}."


async def test_phone_sign_in_returns_an_id_token(firebase_auth_emulator: FirebaseAuthEmulator) -> None:
    phone_number = unique_phone_number()

    session = await sign_in_with_phone(firebase_auth_emulator, phone_number)

    assert session.id_token.count(".") == 2
    assert session.uid
    assert session.phone_number == phone_number


async def test_admin_sdk_verifies_the_id_token(
    firebase_auth_emulator: FirebaseAuthEmulator,
    firebase_app: firebase_admin.App,
) -> None:
    session = await sign_in_with_phone(firebase_auth_emulator, unique_phone_number())

    claims = await verify(session.id_token, firebase_app)

    assert claims["uid"] == session.uid
    assert claims["phone_number"] == session.phone_number
    assert claims["firebase"]["sign_in_provider"] == "phone"
    assert claims["aud"] == firebase_auth_emulator.project_id


async def test_verifying_fetches_no_certificates_in_emulator_mode(
    firebase_auth_emulator: FirebaseAuthEmulator,
    firebase_app: firebase_admin.App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = await sign_in_with_phone(firebase_auth_emulator, unique_phone_number())

    def no_http(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify_id_token made an HTTP request")

    # The transport the Admin SDK would use to fetch Google's public keys.
    monkeypatch.setattr(google.auth.transport.requests.Request, "__call__", no_http)
    claims = await verify(session.id_token, firebase_app)

    assert claims["uid"] == session.uid


async def test_a_garbage_token_is_refused(firebase_app: firebase_admin.App) -> None:
    with pytest.raises(auth.InvalidIdTokenError):
        await verify("not-a-token", firebase_app)


async def test_a_token_for_another_project_is_refused(firebase_app: firebase_admin.App) -> None:
    token = unsigned_token(
        {"aud": "demo-elsewhere", "iss": "https://securetoken.google.com/demo-elsewhere", "sub": "someone"}
    )

    with pytest.raises(auth.InvalidIdTokenError, match="audience"):
        await verify(token, firebase_app)


async def test_emulator_mode_trusts_unsigned_tokens(
    firebase_auth_emulator: FirebaseAuthEmulator,
    firebase_app: firebase_admin.App,
) -> None:
    # Why FIREBASE_AUTH_EMULATOR_HOST must never be set in production: anyone can forge a token.
    project = firebase_auth_emulator.project_id
    token = unsigned_token(
        {"aud": project, "iss": f"https://securetoken.google.com/{project}", "sub": "forged", "exp": 2**40}
    )

    claims = await verify(token, firebase_app)

    assert claims["uid"] == "forged"


async def test_the_same_phone_number_signs_in_as_the_same_account(
    firebase_auth_emulator: FirebaseAuthEmulator,
) -> None:
    phone_number = unique_phone_number()

    first = await sign_in_with_phone(firebase_auth_emulator, phone_number)
    second = await sign_in_with_phone(firebase_auth_emulator, phone_number)

    assert second.uid == first.uid


async def test_a_disabled_account_is_refused(
    firebase_auth_emulator: FirebaseAuthEmulator,
    firebase_app: firebase_admin.App,
) -> None:
    session = await sign_in_with_phone(firebase_auth_emulator, unique_phone_number())

    await disable_account(firebase_auth_emulator, session.uid)

    # Only check_revoked asks the emulator about the account; the token alone still looks valid.
    assert (await verify(session.id_token, firebase_app))["uid"] == session.uid
    with pytest.raises(auth.UserDisabledError):
        await verify(session.id_token, firebase_app, check_revoked=True)
    with pytest.raises(EmulatorRequestError) as refused:
        await sign_in_with_phone(firebase_auth_emulator, session.phone_number)
    assert refused.value.code == "USER_DISABLED"


async def test_a_deleted_account_is_refused(
    firebase_auth_emulator: FirebaseAuthEmulator,
    firebase_app: firebase_admin.App,
) -> None:
    session = await sign_in_with_phone(firebase_auth_emulator, unique_phone_number())

    await delete_account(firebase_auth_emulator, session.uid)

    with pytest.raises(auth.UserNotFoundError):
        await verify(session.id_token, firebase_app, check_revoked=True)


async def test_clearing_accounts_gives_the_phone_number_a_new_account(
    firebase_auth_emulator: FirebaseAuthEmulator,
) -> None:
    phone_number = unique_phone_number()
    before = await sign_in_with_phone(firebase_auth_emulator, phone_number)

    await clear_accounts(firebase_auth_emulator)
    after = await sign_in_with_phone(firebase_auth_emulator, phone_number)

    assert after.uid != before.uid
