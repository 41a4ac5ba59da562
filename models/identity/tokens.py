"""Townhall access tokens: short-lived EdDSA JWTs, issued with the active key and verified strictly."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.types import Options

from models.common.actors import Role
from models.common.clock import utcnow
from models.identity.errors import InvalidToken
from models.identity.keys import KeyRing

ALGORITHM = "EdDSA"
# RFC 9068's type for access tokens: a JWT meant for something else (an ID token) is not one of ours.
TOKEN_TYPE = "at+jwt"
ACCESS_TOKEN_TTL = dt.timedelta(minutes=15)
# Tolerates clock drift between API processes; tokens are only ever checked by the servers that sign them.
CLOCK_LEEWAY = dt.timedelta(seconds=30)
# Ours are about 600 characters; a huge "token" is refused before any parsing.
MAX_TOKEN_LENGTH = 4_096
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "role", "dept", "sid")

MALFORMED = "access token is malformed"
UNSUPPORTED_ALGORITHM = "access token uses an unsupported signing algorithm"
WRONG_TYPE = "access token is not a Townhall access token"
NO_KEY_ID = "access token names no signing key"
UNKNOWN_KEY = "access token was signed with an unknown key"
BAD_SIGNATURE = "access token signature is invalid"
WRONG_AUDIENCE = "access token is meant for another audience"
WRONG_ISSUER = "access token comes from another issuer"
EXPIRED = "access token has expired"
NOT_YET_VALID = "access token is not valid yet"
TOO_LONG_LIVED = "access token lives longer than this server issues them"


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says: who, in which role and department, in which sign-in session."""

    subject: str
    role: Role
    department_id: str | None
    session_id: str
    token_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime


def issue_access_token(
    ring: KeyRing,
    *,
    subject: str,
    role: str,
    department_id: str | None,
    session_id: str,
    issuer: str,
    audience: str,
    ttl: dt.timedelta = ACCESS_TOKEN_TTL,
    now: dt.datetime | None = None,
) -> str:
    """A signed access token for `subject`; `session_id` is the refresh-token family it belongs to."""
    if ttl <= dt.timedelta(0):
        raise ValueError("an access token needs a positive lifetime")
    issued = int((now or utcnow()).timestamp())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
        "role": Role(role).value,
        "dept": department_id,
        "sid": session_id,
    }
    headers = {"kid": ring.active.kid, "typ": TOKEN_TYPE}
    return jwt.encode(claims, ring.active.private_key, algorithm=ALGORITHM, headers=headers)


def verify_access_token(
    ring: KeyRing,
    token: str,
    *,
    issuer: str,
    audience: str,
    now: dt.datetime | None = None,
    leeway: dt.timedelta = CLOCK_LEEWAY,
    max_lifetime: dt.timedelta | None = None,
) -> AccessClaims:
    """The claims of a token we signed for this audience, still valid; anything else raises InvalidToken.

    With `max_lifetime` (the configured access-token TTL), a token whose `exp` lies further after
    its `iat` is refused too: one issued before the TTL was shortened, or made with a leaked key.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken(MALFORMED)
    header = _unverified_header(token)
    # The algorithm is pinned, never taken from the token: this refuses `none` and HS256 signed
    # with our public key as the HMAC secret.
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(UNSUPPORTED_ALGORITHM)
    if header.get("typ") != TOKEN_TYPE:
        raise InvalidToken(WRONG_TYPE)
    kid = header.get("kid")
    if not kid:
        raise InvalidToken(NO_KEY_ID)
    key = ring.public_key(kid)
    if key is None:
        raise InvalidToken(UNKNOWN_KEY)
    claims = _verified_claims(token, key, issuer=issuer, audience=audience)
    access = _access_claims(claims, now or utcnow(), leeway)
    if max_lifetime is not None and access.expires_at - access.issued_at > max_lifetime:
        raise InvalidToken(TOO_LONG_LIVED)
    return access


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise InvalidToken(MALFORMED) from error


def _verified_claims(token: str, key: Any, *, issuer: str, audience: str) -> dict[str, Any]:
    # PyJWT checks the signature, audience and issuer; times are checked below against the
    # injected clock, which PyJWT cannot take.
    options: Options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False, "strict_aud": True}
    try:
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=audience, issuer=issuer, options=options
        )
    except jwt.InvalidSignatureError as error:
        raise InvalidToken(BAD_SIGNATURE) from error
    except jwt.InvalidAlgorithmError as error:
        raise InvalidToken(UNSUPPORTED_ALGORITHM) from error
    except jwt.MissingRequiredClaimError as error:
        raise InvalidToken(_missing(error.claim)) from error
    except jwt.InvalidAudienceError as error:
        raise InvalidToken(WRONG_AUDIENCE) from error
    except jwt.InvalidIssuerError as error:
        raise InvalidToken(WRONG_ISSUER) from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken(MALFORMED) from error


def _access_claims(claims: dict[str, Any], now: dt.datetime, leeway: dt.timedelta) -> AccessClaims:
    for name in REQUIRED_CLAIMS:
        if name not in claims:
            raise InvalidToken(_missing(name))
    issued_at = _numeric_date(claims, "iat")
    not_before = _numeric_date(claims, "nbf")
    expires_at = _numeric_date(claims, "exp")
    if expires_at <= now - leeway:
        raise InvalidToken(EXPIRED)
    if not_before > now + leeway or issued_at > now + leeway:
        raise InvalidToken(NOT_YET_VALID)
    department_id = claims["dept"]
    if department_id is not None and not isinstance(department_id, str):
        raise InvalidToken(_malformed("dept"))
    return AccessClaims(
        subject=_text(claims, "sub"),
        role=_role(claims),
        department_id=department_id,
        session_id=_text(claims, "sid"),
        token_id=_text(claims, "jti"),
        issued_at=issued_at,
        expires_at=expires_at,
    )


def _numeric_date(claims: dict[str, Any], name: str) -> dt.datetime:
    value = claims[name]
    # bool is an int in Python, and never a date.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidToken(_malformed(name))
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidToken(_malformed(name)) from error


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not value:
        raise InvalidToken(_malformed(name))
    return value


def _role(claims: dict[str, Any]) -> Role:
    try:
        return Role(claims["role"])
    except (TypeError, ValueError) as error:
        raise InvalidToken(_malformed("role")) from error


def _missing(claim: str) -> str:
    return f"access token lacks the claim {claim!r}"


def _malformed(claim: str) -> str:
    return f"access token claim {claim!r} is malformed"
