"""The people collection: citizens and staff, with only the personal data the service needs."""

from __future__ import annotations

from enum import StrEnum

from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


PEOPLE = declare_collection(
    "people",
    [
        # A phone number is stored only as a keyed hash (plus its last four digits).
        IndexModel([("phone.hash", ASCENDING)], unique=True, sparse=True, name="phone_hash_unique"),
        IndexModel([("firebase_uid", ASCENDING)], unique=True, sparse=True, name="firebase_uid_unique"),
        IndexModel([("email", ASCENDING)], unique=True, sparse=True, name="staff_email_unique"),
        IndexModel([("department_id", ASCENDING)], name="staff_by_department"),
    ],
)
# Fields: role (models.common.actors.Role), status (Status), public_name (a pseudonym unless the
# person chose otherwise), phone {hash, last4} and firebase_uid (citizens), email, department_id
# and password (staff), preferences {language, large_text, district_id}, created_at, updated_at.
