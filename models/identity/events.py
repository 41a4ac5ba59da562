"""The outbox events identity emits: each kind, its payload's TypedDict, and the Event it makes.

Readers (models/notifications/producers.py) take a payload with `payload_of(payload, SignInLocked)`.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from bson import ObjectId

from models.common.outbox import Event

LOCKED_EVENT = "identity.sign_in_locked"  # tells the account holder, if there is one


class SignInLocked(TypedDict):
    person_id: ObjectId | None  # None for an e-mail without an account: it locks too, telling nobody
    record_id: str  # the sign-in attempts record (keyed by the e-mail's hash)
    locked_until: dt.datetime


def locked_event(
    *, person_id: ObjectId | None, record_id: str, locked_until: dt.datetime, at: dt.datetime
) -> Event:
    payload: SignInLocked = {"person_id": person_id, "record_id": record_id, "locked_until": locked_until}
    return Event(
        id=f"{record_id}:{locked_until.isoformat()}", kind=LOCKED_EVENT, payload=dict(payload), created_at=at
    )
