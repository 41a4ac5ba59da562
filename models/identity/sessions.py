"""Sign-in sessions: Townhall tokens issued at sign-in, refreshed by rotation, checked on every request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bson import ObjectId
from bson.errors import InvalidId

from models.common.actors import Actor, Role
from models.common.clock import utcnow
from models.common.db import Database
from models.identity import refresh_tokens
from models.identity.documents import PersonDocument, Status
from models.identity.errors import InvalidToken
from models.identity.keys import KeyRing
from models.identity.repository import find_person
from models.identity.tokens import ACCESS_TOKEN_TTL, issue_access_token, verify_access_token


@dataclass(frozen=True)
class TokenPolicy:
    """How Townhall tokens are signed and how long they live (from the deployment's settings)."""

    keys: KeyRing
    issuer: str = "townhall"
    audience: str = "townhall-app"
    access_ttl: dt.timedelta = ACCESS_TOKEN_TTL
    refresh_ttl: dt.timedelta = refresh_tokens.REFRESH_TOKEN_TTL
    session_lifetime: dt.timedelta = refresh_tokens.SESSION_LIFETIME


@dataclass(frozen=True)
class Session:
    """What the app keeps after signing in: a short access token and a rotating refresh token."""

    person: PersonDocument
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime


def _session(
    policy: TokenPolicy, person: PersonDocument, grant: refresh_tokens.RefreshGrant, now: dt.datetime
) -> Session:
    return Session(
        person=person,
        access_token=_access_token(policy, person, grant.family_id, now),
        access_expires_at=now + policy.access_ttl,
        refresh_token=grant.token,
        refresh_expires_at=grant.expires_at,
    )


def _access_token(policy: TokenPolicy, person: PersonDocument, session_id: str, now: dt.datetime) -> str:
    department_id = person.get("department_id")
    return issue_access_token(
        policy.keys,
        subject=str(person["_id"]),
        role=Role(person["role"]),
        department_id=str(department_id) if department_id else None,
        session_id=session_id,
        issuer=policy.issuer,
        audience=policy.audience,
        ttl=policy.access_ttl,
        now=now,
    )


def _require_active(person: PersonDocument | None) -> PersonDocument:
    if person is None or person.get("status") != Status.ACTIVE:
        raise InvalidToken("this account is disabled or deleted; sign in again or contact the service desk")
    return person


async def start_session(db: Database, policy: TokenPolicy, person: PersonDocument) -> Session:
    """A new sign-in session for an active person."""
    _require_active(person)
    now = utcnow()
    grant = await refresh_tokens.issue_refresh_token(
        db, person_id=person["_id"], now=now, ttl=policy.refresh_ttl, session_lifetime=policy.session_lifetime
    )
    return _session(policy, person, grant, now)


async def refresh_session(db: Database, policy: TokenPolicy, presented: str) -> Session:
    """Rotate the refresh token and issue a fresh access token (with the person's current role)."""
    now = utcnow()
    grant = await refresh_tokens.rotate_refresh_token(db, presented, now=now, ttl=policy.refresh_ttl)
    person = await find_person(db, grant.person_id)
    if person is None or person.get("status") != Status.ACTIVE:
        await refresh_tokens.revoke_family(db, grant.family_id, now=now)
    person = _require_active(person)
    return _session(policy, person, grant, now)


@dataclass(frozen=True)
class Authenticated:
    """Who an access token speaks for: the actor the rules see, and their stored document."""

    actor: Actor
    person: PersonDocument


async def authenticate(db: Database, policy: TokenPolicy, access_token: str) -> Authenticated:
    """The person behind an access token: valid signature and claims, a lifetime no longer than this
    server issues, a live session of that same person, an active account."""
    claims = verify_access_token(
        policy.keys,
        access_token,
        issuer=policy.issuer,
        audience=policy.audience,
        max_lifetime=policy.access_ttl,
    )
    try:
        person_id = ObjectId(claims.subject)
    except InvalidId as error:
        raise InvalidToken("access token names no person") from error
    # The session must be the subject's own: a token pairing one person's `sid` with another's
    # `sub` would otherwise live as long as the first person's session.
    if not await refresh_tokens.is_family_active(db, claims.session_id, person_id=person_id):
        raise InvalidToken("this session has ended; sign in again")
    person = _require_active(await find_person(db, person_id))
    department_id = person.get("department_id")
    actor = Actor(
        person_id=person_id,
        role=Role(person["role"]),
        department_id=department_id if isinstance(department_id, ObjectId) else None,
        session_id=claims.session_id,
    )
    return Authenticated(actor=actor, person=person)


async def sign_out(db: Database, actor: Actor, *, everywhere: bool = False) -> int:
    """End this session, or every session of the person; returns how many ended."""
    if actor.person_id is None or actor.session_id is None:
        return 0
    if everywhere:
        return await refresh_tokens.revoke_all(db, actor.person_id)
    return int(await refresh_tokens.revoke_family(db, actor.session_id))
