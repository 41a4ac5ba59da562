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

# Password attempts per e-mail address, known or not, so that refusals never tell which addresses
# have accounts (models/identity/sign_in_attempts.py); an event carrier for the lockout notice.
SIGN_IN_ATTEMPTS = declare_event_carrier(
    "sign_in_attempts",
    [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="sign_in_attempts_ttl")],
)
# Fields: _id "email:<sha-256 of the normalised e-mail>", seq (compare-and-set counter), failures
# (counted toward the lock), locked_until, addresses {<address key>: {failures, next_attempt_at,
# locked_until}}, quiet_until (forgotten after), expires_at (the TTL: when nothing of it matters).

# The refresh tokens of models/identity/refresh_tokens.py.
REFRESH_TOKEN_FAMILIES = declare_collection(
    "refresh_token_families",
    [
        IndexModel([("person_id", ASCENDING)], name="person"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
)
# One document per sign-in session. Fields: _id (the family id, random text; access tokens carry it
# as `sid`), person_id, created_at, expires_at (the session's absolute end), revoked_at (None while
# active), revoked_reason (a RevocationReason, None while active).
# Revocation lives here, in one document read by `_id`, so it is atomic and cheap to check on every
# request, and a rotation racing a sign-out can only produce a token of an already revoked family.

REFRESH_TOKENS = declare_collection(
    "refresh_tokens",
    [
        IndexModel([("hash", ASCENDING)], unique=True, name="hash_unique"),
        IndexModel([("family_id", ASCENDING)], name="family"),
        IndexModel([("family_expires_at", ASCENDING)], expireAfterSeconds=0, name="family_expiry_ttl"),
    ],
)
# One document per token ever issued. Fields: hash (hex SHA-256 of the token; the token itself is
# never stored), family_id, issued_at, expires_at (this token's own end: issued_at + ttl, capped at
# the family's end), family_expires_at, used_at (None until rotated).
# Spent tokens are kept until their family ends (the TTL is on family_expires_at, not expires_at)
# so that presenting one is still recognised as reuse, however late the thief or the owner tries.
