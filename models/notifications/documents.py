"""What notifications store: devices, settings, follows, the inbox, one delivery per push, the daily
cap's ledgers and fan-out jobs; each collection with the TypedDict of its documents.

Every document also has `v`, the schema version (stamped by `new_document`, or `$set` with an
upsert), except the daily-cap ledgers, which only upserts make.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection


class DeviceDocument(TypedDict, total=False):
    """One per FCM registration token (devices.py); `_id` is the token itself, so re-registering is an
    update and a token that moves to another account moves (its `person_id` changes)."""

    _id: str  # the FCM registration token
    v: int  # schema version
    person_id: ObjectId
    platform: str  # devices.Platform: "android" | "ios" | "web"
    app_version: str
    locale: str  # BCP 47, e.g. "zh-CN"
    time_zone: str  # IANA
    registered_at: dt.datetime
    last_seen_at: dt.datetime


DEVICES = declare_collection(
    "devices", [IndexModel([("person_id", ASCENDING)], name="by_person")], document=DeviceDocument
)


class QuietHoursDocument(TypedDict):
    start: str  # "HH:MM", local time
    end: str


class NotificationSettingsDocument(TypedDict, total=False):
    """One per person (preferences.py; the fan-out keeps `unread`); absent means the defaults."""

    _id: ObjectId | str  # the person id (nx-27017 upserts leave its hex string: preferences._person_key)
    v: int  # schema version
    categories: dict[str, str]  # {<Category>: <Delivery>}
    quiet_hours: QuietHoursDocument | None  # None: off; absent: the defaults
    daily_cap: int
    time_zone: str | None  # IANA; the devices' zone when unset
    unread: int  # the inbox's unread count, kept by $inc
    updated_at: dt.datetime


NOTIFICATION_SETTINGS = declare_collection("notification_settings", document=NotificationSettingsDocument)


class FollowDocument(TypedDict, total=False):
    """A person following a target (follows.py). Audiences stream from the `target_key` index (a
    cursor, never a list in memory)."""

    _id: str  # "<person>:<target_key>"
    v: int  # schema version
    person_id: ObjectId
    # "<kind>:<id>", kind one of department, topic, district, consultation, petition, livestream
    target_key: str
    created_at: dt.datetime


FOLLOWS = declare_collection(
    "follows",
    [
        # Audiences are walked per target in person-id order, resumable from the last person done.
        IndexModel([("target_key", ASCENDING), ("person_id", ASCENDING)], name="by_target"),
        IndexModel([("person_id", ASCENDING)], name="by_person"),
    ],
    document=FollowDocument,
)


class AboutDocument(TypedDict):
    kind: str  # a GraphQL node's kind: consultation, comment…
    id: Any


class NotificationDocument(TypedDict, total=False):
    """The inbox (fanout.py writes it, inbox.py marks it read). The rendered text is made per reader
    locale when read, from the template files."""

    _id: str  # "<event id>|<person id>" (a retried event adds nothing)
    v: int  # schema version
    person_id: ObjectId
    category: str  # categories.Category
    template: str  # the template's key
    params: dict[str, str]
    about: AboutDocument
    link: str  # deep link, e.g. "townhall://consultations/<id>"
    created_at: dt.datetime
    read_at: dt.datetime | None  # None while unread
    inbox_key: str  # "<person hex>:<created ms, 15 digits>:<_id>" (unique; newest first = descending)


NOTIFICATIONS = declare_collection(
    "notifications",
    [IndexModel([("inbox_key", ASCENDING)], unique=True, name="inbox_key_unique")],
    document=NotificationDocument,
)


class DeliveryErrorDocument(TypedDict):
    code: str
    message: str
    at: dt.datetime


class DeliveryDocument(TypedDict, total=False):
    """Exactly one per (notification, device) (outgoing.py makes it, deliveries.py claims it and
    records outcomes). Claimed by `due_ms` (integers: see deliveries.py), sent in batches of at most
    500; deleted a month after `expires_at` (retention.py)."""

    _id: str  # "<notification id>|<device token>"
    v: int  # schema version
    notification_id: str
    person_id: ObjectId
    token: str
    platform: str | None
    locale: str
    status: str  # deliveries.PENDING, SENT, FAILED or DROPPED
    attempts: int
    due_ms: int  # when it may be sent, ms since 1970: now, the end of quiet hours, or after a back-off
    expires_at: dt.datetime  # unsent by then, it is dropped; sent late, it keeps only the TTL left
    lease_owner: str | None  # deliveries.DELIVERY_LEASE
    lease_ms: int  # the claim's end, ms since 1970, 0 when free; a lapsed lease returns it
    message: dict[str, Any]  # the FCM message as sent: rendered, collapse key, TTL, android/apns settings
    urgent: bool
    created_at: dt.datetime
    sent_at: dt.datetime | None
    fcm_message_id: str | None
    error: DeliveryErrorDocument | None


DELIVERIES = declare_collection(
    "deliveries",
    [
        # Claims read pending ones by due time; on the due time alone they would step over every
        # delivery already sent, a number that only grows.
        IndexModel([("status", ASCENDING), ("due_ms", ASCENDING)], name="pending_by_due_ms"),
        IndexModel([("notification_id", ASCENDING)], name="by_notification"),
        IndexModel([("token", ASCENDING)], name="by_token"),
        IndexModel([("expires_at", ASCENDING)], name="by_expiry"),  # the retention sweep
    ],
    document=DeliveryDocument,
)


class DigestDocument(TypedDict, total=False):
    """One per person and local day, the ledger of the daily cap (digests.py); made by upserts, so
    without `v`. Deleted days after `day` (retention.py)."""

    _id: str  # "<person>:<YYYY-MM-DD>"
    person_id: ObjectId
    day: str  # YYYY-MM-DD, local
    time_zone: str
    # The ids of the day's non-transactional pushes, in the order they came: a push past the cap's
    # place is folded.
    pushed: list[str]
    pending: list[str]  # ids folded, waiting for the digest
    # When the digest goes, ms since 1970 like a delivery's; None while nothing waits (the worker's
    # sweep ranges over it on every pass).
    due_ms: int | None
    round: int  # digests sent so far
    folds: int  # counts folds, so the digest sweep clears only what it read


DIGESTS = declare_collection(
    "digests",
    [
        IndexModel([("due_ms", ASCENDING)], name="by_due_ms"),
        IndexModel([("day", ASCENDING)], name="by_day"),  # the retention sweep
    ],
    document=DigestDocument,
)


class FanoutCursorDocument(TypedDict):
    key: int  # index into the audience's follower keys
    after: ObjectId | None  # the last person id done


class FanoutDocument(TypedDict, total=False):
    """One per broad event (followers of a department, topics, districts) (fanout.py). The fan-out
    walks the followers in person-id order from the cursor, so a crash resumes where the last chunk
    ended."""

    _id: str  # the event id
    v: int  # schema version
    kind: str  # the event kind
    payload: dict[str, Any]
    cursor: FanoutCursorDocument
    lease_owner: str | None  # models/common/leases.LEASE
    lease_until: dt.datetime
    created_at: dt.datetime
    done_at: dt.datetime | None


FANOUTS = declare_collection(
    "fanouts", [IndexModel([("lease_until", ASCENDING)], name="by_lease")], document=FanoutDocument
)
