"""What notifications store: devices, settings, follows, the inbox, and one delivery per push.

Collections and the fields other modules rely on (every document also has `v`, the schema version):

devices — one per FCM registration token; `_id` is the token itself, so re-registering is an
  update and a token that moves to another account moves (its `person_id` changes).
  person_id, platform ("android" | "ios" | "web"), app_version, locale (BCP 47, e.g. "zh-CN"),
  time_zone (IANA), registered_at, last_seen_at.

notification_settings — one per person, `_id` the person id; absent means the defaults.
  categories {<Category>: <Delivery>}, quiet_hours {start "HH:MM", end "HH:MM"} or None (off),
  daily_cap (int), time_zone (IANA; the devices' zone when unset), unread (the inbox's unread
  count, kept by $inc), updated_at.

follows — `_id` "<person>:<target_key>"; person_id, target_key "<kind>:<id>" with kind one of
  department, topic, district, consultation, petition, livestream; created_at.
  Audiences stream from the `target_key` index (a cursor, never a list in memory).

notifications — the inbox; `_id` "<event id>|<person id>" (a retried event adds nothing).
  person_id, category, template (key), params {…}, about {kind, id}, link (deep link,
  e.g. "townhall://consultations/<id>"), created_at, read_at (None while unread),
  inbox_key "<person hex>:<created ms, 15 digits>:<_id>" (unique; newest first = descending).
  The rendered text is made per reader locale when read, from the template files.

deliveries — exactly one per (notification, device): `_id` "<notification id>|<device token>".
  notification_id, person_id, token, platform, locale, status ("pending" | "sent" | "failed" |
  "dropped"), attempts, due_ms (when it may be sent, in milliseconds since 1970: now, or the end
  of quiet hours, or after a back-off), expires_at (unsent by then, it is dropped; sent late, it
  keeps only the TTL left), lease_owner, lease_ms (the claim's end, milliseconds since 1970, 0 when
  free; a lapsed lease returns it), message (the FCM message as sent: rendered, with collapse key,
  TTL, android/apns settings), urgent (bool), created_at, sent_at, fcm_message_id,
  error {code, message, at}. Claimed by `due_ms` (integers: see models/notifications/deliveries.py),
  sent in batches of at most 500; deleted a month after `expires_at` (retention.py).

digests — one per person and local day, the ledger of the daily cap: `_id` "<person>:<YYYY-MM-DD>";
  person_id, day, time_zone, pushed (the ids of the day's non-transactional pushes, in the order
  they came: a push past the cap's place is folded), pending (ids folded, waiting for the digest),
  due_ms (when the digest goes, milliseconds since 1970 like a delivery's; None while nothing
  waits: the worker's sweep ranges over it on every pass), round (digests sent so far), folds
  (counts folds, so the digest sweep clears only what it read). Deleted days after `day`.

fanouts — one per broad event (followers of a department, topics, districts): `_id` the event id;
  kind, payload, cursor {key (index into the audience's follower keys), after (the last person
  id done)}, lease_owner, lease_until, created_at, done_at. The fan-out walks the followers in
  person-id order from the cursor, so a crash resumes where the last chunk ended.
"""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from models.common.db import declare_collection

DEVICES = declare_collection("devices", [IndexModel([("person_id", ASCENDING)], name="by_person")])
NOTIFICATION_SETTINGS = declare_collection("notification_settings")
FOLLOWS = declare_collection(
    "follows",
    [
        # Audiences are walked per target in person-id order, resumable from the last person done.
        IndexModel([("target_key", ASCENDING), ("person_id", ASCENDING)], name="by_target"),
        IndexModel([("person_id", ASCENDING)], name="by_person"),
    ],
)
NOTIFICATIONS = declare_collection(
    "notifications", [IndexModel([("inbox_key", ASCENDING)], unique=True, name="inbox_key_unique")]
)
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
)
DIGESTS = declare_collection(
    "digests",
    [
        IndexModel([("due_ms", ASCENDING)], name="by_due_ms"),
        IndexModel([("day", ASCENDING)], name="by_day"),  # the retention sweep
    ],
)
FANOUTS = declare_collection("fanouts", [IndexModel([("lease_until", ASCENDING)], name="by_lease")])
