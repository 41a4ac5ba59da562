"""Sign-in: how a person becomes a Townhall session, the same for the app, the CLI and the tests."""

from __future__ import annotations

from models.common.db import Database
from models.common.errors import NotFound
from models.identity import citizens, repository
from models.identity.documents import PersonDocument
from models.identity.sessions import Session, TokenPolicy, start_session


async def sign_in_citizen(
    db: Database, policy: TokenPolicy, *, phone_number: str, firebase_uid: str, phone_key: bytes
) -> Session:
    """A session for the citizen with this verified phone number, created at their first sign-in
    (the caller has verified the number with Firebase and counted the attempt)."""
    person = await citizens.find_or_create_citizen(
        db, phone_number=phone_number, firebase_uid=firebase_uid, phone_key=phone_key
    )
    return await sign_in_person(db, policy, person)


async def sign_in_person(db: Database, policy: TokenPolicy, person: PersonDocument) -> Session:
    """A session for a person already identified (staff after their password, a citizen above)."""
    return await start_session(db, policy, person)


async def sign_in_locally(
    db: Database, policy: TokenPolicy, *, phone_key: bytes, phone: str | None = None, email: str | None = None
) -> Session:
    """A session for an existing citizen (by phone) or staff member (by e-mail) without credentials:
    `townhall token`, which signs with the server's own key and so needs its key files."""
    if phone:
        person = await repository.find_by_phone(db, phone_key, phone)
    elif email:
        person = await repository.find_by_email(db, email)
    else:
        raise ValueError("a phone number or an e-mail is needed")
    if person is None:
        raise NotFound(f"nobody signs in with {phone or email}; see `townhall seed-demo`")
    return await sign_in_person(db, policy, person)
