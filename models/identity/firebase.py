"""Verifies Firebase ID tokens (phone sign-in) once, at sign-in; the emulator in development and tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import firebase_admin
from firebase_admin import auth

from models.identity.errors import InvalidToken


@dataclass(frozen=True)
class FirebaseIdentity:
    uid: str
    phone_number: str


class FirebaseVerifier:
    """One firebase-admin app per project id. With FIREBASE_AUTH_EMULATOR_HOST set, firebase-admin
    verifies against the Auth emulator; otherwise against Google's keys for the project."""

    def __init__(self, project_id: str) -> None:
        name = f"townhall-{project_id}"
        try:
            self._app = firebase_admin.get_app(name)
        except ValueError:
            self._app = firebase_admin.initialize_app(options={"projectId": project_id}, name=name)

    async def verify(self, id_token: str) -> FirebaseIdentity:
        try:
            # verify_id_token may fetch Google's public keys: keep it off the event loop.
            claims = await asyncio.to_thread(auth.verify_id_token, id_token, app=self._app)
        except auth.ExpiredIdTokenError as error:
            raise InvalidToken("the Firebase sign-in has expired; sign in again") from error
        except (auth.InvalidIdTokenError, ValueError) as error:
            raise InvalidToken("the Firebase ID token is not valid") from error
        phone_number = claims.get("phone_number")
        provider = (claims.get("firebase") or {}).get("sign_in_provider")
        if not phone_number or provider != "phone":
            raise InvalidToken("sign in with a phone number")
        return FirebaseIdentity(uid=str(claims["uid"]), phone_number=str(phone_number))
