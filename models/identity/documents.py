"""The people collection: citizens and staff, with only the personal data the service needs."""

from __future__ import annotations

from enum import StrEnum

from pymongo import ASCENDING, IndexModel

from models.common.outbox import declare_event_carrier


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


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
)
# Fields: role (models.common.actors.Role), status (Status), public_name (a pseudonym unless the
# person chose otherwise), phone {hash, last4} and firebase_uid (citizens), email, department_id
# and password (staff), preferences {language, large_text, district_id}, created_at, updated_at;
# a name's moderation state: pending_public_name, pending_name_reasons, withheld_name (staff only),
# name_redaction, name_set_at (models/identity/name_moderation.py).

# Password attempts per e-mail address, known or not, so that refusals never tell which addresses
# have accounts (models/identity/sign_in_attempts.py); an event carrier for the lockout notice.
SIGN_IN_ATTEMPTS = declare_event_carrier(
    "sign_in_attempts",
    [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="sign_in_attempts_ttl")],
)
# Fields: _id "email:<sha-256 of the normalised e-mail>", seq (compare-and-set counter), failures
# (counted toward the lock), locked_until, addresses {<address key>: {failures, next_attempt_at,
# locked_until}}, quiet_until (forgotten after), expires_at (the TTL: when nothing of it matters).
