"""Identity's collections: people (citizens and staff, with only the personal data the service needs),
sign-in attempts and refresh tokens."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection
from models.common.outbox import declare_event_carrier


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


class PhoneRecord(TypedDict):
    """A phone number as kept: its keyed hash (models/identity/phones.py) and last four digits."""

    hash: str
    last4: str


class PersonPreferences(TypedDict, total=False):
    language: str  # "zh" or "en"
    large_text: bool
    district_id: ObjectId | None


class WithheldName(TypedDict):
    """A rejected or hidden name, kept for staff (an appeal may overturn it)."""

    name: str
    reason_code: str | None
    pending_review: bool
    at: dt.datetime


class NameRedaction(TypedDict):
    reason_code: str | None
    spans: int
    at: dt.datetime


class PersonDocument(TypedDict, total=False):
    """A citizen or staff member as stored (total=False: a projection reads only some fields)."""

    _id: ObjectId
    v: int  # schema version
    role: str  # models.common.actors.Role
    status: str  # Status
    public_name: str  # a pseudonym unless the person chose otherwise
    phone: PhoneRecord  # citizens
    firebase_uid: str  # citizens who signed in (one enrolled by a helper has none)
    last_sign_in_at: dt.datetime | None
    email: str  # staff
    department_id: ObjectId | None  # staff
    password: str  # staff: the password's hash (models/identity/passwords.py)
    preferences: PersonPreferences
    created_at: dt.datetime
    updated_at: dt.datetime
    # A name's moderation state (models/identity/name_moderation.py):
    pending_public_name: str  # a held name waiting for a moderator; the old one stays public
    pending_name_reasons: list[str]
    withheld_name: WithheldName  # staff only
    name_redaction: NameRedaction
    name_set_at: dt.datetime  # when the person last chose a name
    _outbox: list[dict[str, Any]]
    _outbox_since: dt.datetime


# An event carrier: a held public name carries its moderation hold event in the person's own write.
PEOPLE = declare_event_carrier(
    "people",
    [
        # A phone number is stored only as a keyed hash (plus its last four digits).
        IndexModel([("phone.hash", ASCENDING)], unique=True, sparse=True, name="phone_hash_unique"),
        IndexModel([("firebase_uid", ASCENDING)], unique=True, sparse=True, name="firebase_uid_unique"),
        IndexModel([("email", ASCENDING)], unique=True, sparse=True, name="staff_email_unique"),
        IndexModel([("department_id", ASCENDING)], name="staff_by_department"),
        # Staff among millions of citizens: their names (name_rules.py), admins to notify.
        IndexModel([("role", ASCENDING), ("status", ASCENDING)], name="by_role"),
    ],
    document=PersonDocument,
)


class AddressAttemptsDocument(TypedDict):
    """One client address's wrong passwords in a row at one e-mail (sign_in_attempts.AddressAttempts)."""

    failures: int
    next_attempt_at: dt.datetime | None
    locked_until: dt.datetime | None


class SignInAttemptsDocument(TypedDict, total=False):
    """Password attempts per e-mail address, known or not, so that refusals never tell which addresses
    have accounts (models/identity/sign_in_attempts.py)."""

    _id: str  # "email:<sha-256 of the normalised e-mail>"
    v: int  # schema version
    seq: int  # compare-and-set counter
    failures: int  # counted toward the lock
    locked_until: dt.datetime | None
    quiet_until: dt.datetime | None  # forgotten after
    addresses: dict[str, AddressAttemptsDocument]  # by address key
    expires_at: dt.datetime | None  # the TTL: when nothing of it matters
    _outbox: list[dict[str, Any]]
    _outbox_since: dt.datetime


# An event carrier for the lockout notice.
SIGN_IN_ATTEMPTS = declare_event_carrier(
    "sign_in_attempts",
    [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="sign_in_attempts_ttl")],
    document=SignInAttemptsDocument,
)

# The refresh tokens of models/identity/refresh_tokens.py.


class RefreshTokenFamilyDocument(TypedDict, total=False):
    """One per sign-in session. Revocation lives here, in one document read by `_id`, so it is atomic
    and cheap to check on every request, and a rotation racing a sign-out can only produce a token
    of an already revoked family."""

    _id: str  # the family id, random text; access tokens carry it as `sid`
    v: int  # schema version
    person_id: ObjectId
    created_at: dt.datetime
    expires_at: dt.datetime  # the session's absolute end
    revoked_at: dt.datetime | None  # None while active
    revoked_reason: str | None  # a RevocationReason, None while active


REFRESH_TOKEN_FAMILIES = declare_collection(
    "refresh_token_families",
    [
        IndexModel([("person_id", ASCENDING)], name="person"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    document=RefreshTokenFamilyDocument,
)


class RefreshTokenDocument(TypedDict, total=False):
    """One per token ever issued. Spent tokens are kept until their family ends (the TTL is on
    family_expires_at, not expires_at) so that presenting one is still recognised as reuse, however
    late the thief or the owner tries."""

    _id: ObjectId
    v: int  # schema version
    hash: str  # hex SHA-256 of the token; the token itself is never stored
    family_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime  # this token's own end: issued_at + ttl, capped at the family's end
    family_expires_at: dt.datetime
    used_at: dt.datetime | None  # None until rotated


REFRESH_TOKENS = declare_collection(
    "refresh_tokens",
    [
        IndexModel([("hash", ASCENDING)], unique=True, name="hash_unique"),
        IndexModel([("family_id", ASCENDING)], name="family"),
        IndexModel([("family_expires_at", ASCENDING)], expireAfterSeconds=0, name="family_expiry_ttl"),
    ],
    document=RefreshTokenDocument,
)
