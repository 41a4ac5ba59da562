"""Rotating refresh tokens, one family per sign-in session; presenting a spent token signs it out."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId

from models.common.clock import utcnow
from models.common.db import Database, Document
from models.identity.documents import REFRESH_TOKEN_FAMILIES, REFRESH_TOKENS, RefreshTokenFamilyDocument
from models.identity.errors import InvalidToken

REFRESH_TOKEN_TTL = dt.timedelta(days=30)
# However often a session rotates, it ends this long after sign-in: a stolen family cannot live forever.
SESSION_LIFETIME = dt.timedelta(days=90)
TOKEN_BYTES = 32
TOKEN_LENGTH = 43  # urlsafe base64 of 32 bytes, without padding

UNKNOWN = "refresh token is not recognised"
REVOKED = "refresh token was revoked; sign in again"
SESSION_EXPIRED = "session has expired; sign in again"
EXPIRED = "refresh token has expired; sign in again"
REUSED = "refresh token reused; signed out everywhere on this session"


class RevocationReason(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    REUSED = "reused"


@dataclass(frozen=True)
class RefreshGrant:
    """A refresh token to hand to the client once, with the session (family) it belongs to."""

    person_id: ObjectId
    family_id: str
    token: str
    expires_at: dt.datetime


async def issue_refresh_token(
    db: Database,
    *,
    person_id: ObjectId,
    now: dt.datetime | None = None,
    ttl: dt.timedelta = REFRESH_TOKEN_TTL,
    session_lifetime: dt.timedelta = SESSION_LIFETIME,
) -> RefreshGrant:
    """Start a sign-in session for `person_id`: a new family and its first refresh token."""
    now = now or utcnow()
    family = REFRESH_TOKEN_FAMILIES.new_document(
        {
            "_id": secrets.token_urlsafe(16),
            "person_id": person_id,
            "created_at": now,
            "expires_at": now + session_lifetime,
            "revoked_at": None,
            "revoked_reason": None,
        }
    )
    await REFRESH_TOKEN_FAMILIES.of(db).insert_one(family)
    return await _issue_next(db, family, now, ttl)


async def rotate_refresh_token(
    db: Database,
    presented: str,
    *,
    now: dt.datetime | None = None,
    ttl: dt.timedelta = REFRESH_TOKEN_TTL,
) -> RefreshGrant:
    """Spend `presented` and return the next token of its family.

    A token is spent once. Presenting a spent one means two parties hold it (a thief and the
    owner), so the whole family is revoked. Two concurrent rotations of one token are treated the
    same way: exactly one wins, the other is reuse and signs the session out, which also makes the
    winner's new token useless. That is the safe choice; a client must not retry a refresh with
    the same token (after a lost response it signs in again).
    """
    now = now or utcnow()
    if not isinstance(presented, str) or len(presented) != TOKEN_LENGTH or not presented.isascii():
        raise InvalidToken(UNKNOWN)
    tokens = REFRESH_TOKENS.of(db)
    token = await tokens.find_one({"hash": _hash(presented)})
    if token is None:
        raise InvalidToken(UNKNOWN)
    family = await REFRESH_TOKEN_FAMILIES.of(db).find_one({"_id": token["family_id"]})
    if family is None or family["expires_at"] <= now:
        raise InvalidToken(SESSION_EXPIRED)
    if family["revoked_at"] is not None:
        raise InvalidToken(REVOKED)
    if token["used_at"] is not None:
        await revoke_family(db, family["_id"], now=now, reason=RevocationReason.REUSED)
        raise InvalidToken(REUSED)
    if token["expires_at"] <= now:
        raise InvalidToken(EXPIRED)
    # The atomic step: of all rotations of this token, only the one that flips used_at goes on.
    spent = await tokens.find_one_and_update(
        {"_id": token["_id"], "used_at": None}, {"$set": {"used_at": now}}
    )
    if spent is None:
        await revoke_family(db, family["_id"], now=now, reason=RevocationReason.REUSED)
        raise InvalidToken(REUSED)
    return await _issue_next(db, family, now, ttl)


async def revoke_family(
    db: Database,
    family_id: str,
    *,
    now: dt.datetime | None = None,
    reason: RevocationReason = RevocationReason.SIGNED_OUT,
) -> bool:
    """Sign one session out; False when it was already revoked or does not exist."""
    result = await REFRESH_TOKEN_FAMILIES.of(db).update_one(
        {"_id": family_id, "revoked_at": None},
        {"$set": {"revoked_at": now or utcnow(), "revoked_reason": reason.value}},
    )
    return result.modified_count == 1


async def revoke_all(
    db: Database, person_id: ObjectId, *, now: dt.datetime | None = None, keep: str | None = None
) -> int:
    """Sign `person_id` out everywhere (but the session `keep`); returns how many sessions ended."""
    query: Document = {"person_id": person_id, "revoked_at": None}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    result = await REFRESH_TOKEN_FAMILIES.of(db).update_many(
        query,
        {
            "$set": {
                "revoked_at": now or utcnow(),
                "revoked_reason": RevocationReason.SIGNED_OUT_EVERYWHERE.value,
            }
        },
    )
    return result.modified_count


async def is_family_active(
    db: Database, family_id: str, *, now: dt.datetime | None = None, person_id: ObjectId | None = None
) -> bool:
    """Whether the session is neither signed out nor over (and, given `person_id`, is that person's);
    access tokens of other sessions are refused."""
    family = await REFRESH_TOKEN_FAMILIES.of(db).find_one(
        {"_id": family_id}, projection={"revoked_at": 1, "expires_at": 1, "person_id": 1}
    )
    if family is None or (person_id is not None and family.get("person_id") != person_id):
        return False
    return family["revoked_at"] is None and family["expires_at"] > (now or utcnow())


async def _issue_next(
    db: Database, family: RefreshTokenFamilyDocument, now: dt.datetime, ttl: dt.timedelta
) -> RefreshGrant:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = min(now + ttl, family["expires_at"])
    await REFRESH_TOKENS.of(db).insert_one(
        REFRESH_TOKENS.new_document(
            {
                "hash": _hash(token),
                "family_id": family["_id"],
                "issued_at": now,
                "expires_at": expires_at,
                "family_expires_at": family["expires_at"],
                "used_at": None,
            }
        )
    )
    return RefreshGrant(
        person_id=family["person_id"], family_id=family["_id"], token=token, expires_at=expires_at
    )


def _hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast unsalted hash is enough: there is nothing to guess.
    return hashlib.sha256(token.encode("ascii")).hexdigest()
