"""The FCM message of one push: what each platform is told, kept under FCM's payload limit.

`message_for` builds the FCM HTTP v1 message (without its target) that the fan-out stores in the
delivery; `to_fcm` turns it, with the device's token, into a firebase-admin `Message` at send time.

Settings chosen deliberately:
- The collapse key (Android `collapse_key` and notification `tag`, APNs `apns-collapse-id`, web push
  `Topic` and notification `tag`) is what makes a message that supersedes another replace it, and
  what makes a repeated send of the same notification (a crash between FCM's answer and our record
  of it) show once on the device.
- Urgent messages (about a person's own case, now) go with Android priority HIGH, APNs priority 10
  and web push urgency "high"; the rest NORMAL / 5 / "normal", which lets the phone batch them.
- The TTL tells FCM and APNs to drop a message that could not reach the device in time. Android and
  web push count it from when FCM receives the message; the APNs expiration is an instant, counted
  from when the message is due (the delivery's `due_at`), so a back-off after an outage eats into it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import unicodedata
import warnings
from typing import Any

from firebase_admin import messaging

from models.common.clock import utcnow

# FCM refuses a message whose payload (notification and data, keys included) is over 4096 bytes,
# and APNs the same for its JSON. What we measure (the whole message JSON, headers included) is
# more than FCM counts; the reserve leaves room for the keys FCM and APNs add (gcm.message_id,
# google.c.*, the token) so that a message that passes here is never refused for its size.
FCM_PAYLOAD_LIMIT = 4096
RESERVED_BYTES = 512
MESSAGE_BUDGET = FCM_PAYLOAD_LIMIT - RESERVED_BYTES
MAX_TITLE_CHARACTERS = 120
ELLIPSIS = "…"

MAX_TTL = dt.timedelta(days=28)  # FCM's limit (2,419,200 s)
MAX_APNS_COLLAPSE_ID_BYTES = 64  # APNs' limit
WEB_PUSH_TOPIC_LENGTH = 32  # RFC 8030: at most 32 characters of the URL-safe base64 alphabet

PLATFORMS = ("android", "ios", "web")

_ZERO_WIDTH_JOINER = "\u200d"


def message_for(
    *,
    title: str,
    body: str,
    link: str,
    notification_id: str,
    category: str,
    collapse_key: str,
    urgent: bool,
    ttl: dt.timedelta,
    platform: str,
    due_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The FCM v1 message (without the target) for one device's platform, under the size limit.

    An unknown platform gets the settings of all three. `due_at` (default: now) is when the
    delivery may be sent, from which the APNs expiration counts.
    """
    ttl = min(max(ttl, dt.timedelta(0)), MAX_TTL)
    # Without a key of its own a message collapses only with repeats of itself.
    key = _collapse_id(collapse_key or str(notification_id))
    message: dict[str, Any] = {
        "notification": {"title": truncated(valid_text(title), MAX_TITLE_CHARACTERS), "body": ""},
        "data": {"notification_id": str(notification_id), "link": str(link), "category": str(category)},
    }
    platforms = (platform,) if platform in PLATFORMS else PLATFORMS
    if "android" in platforms:
        message["android"] = {
            "collapse_key": key,
            "priority": "HIGH" if urgent else "NORMAL",
            "ttl": f"{int(ttl.total_seconds())}s",
            # The tag makes a later notification with the same key replace the shown one.
            "notification": {"tag": key, "channel_id": str(category)},
        }
    if "ios" in platforms:
        message["apns"] = {
            "headers": {
                "apns-priority": "10" if urgent else "5",
                "apns-collapse-id": key,
                "apns-expiration": _apns_expiration(due_at or utcnow(), ttl),
                "apns-push-type": "alert",
            },
            "payload": {"aps": {"sound": "default", "thread-id": str(category)}},
        }
    if "web" in platforms:
        message["webpush"] = {
            "headers": {
                "TTL": str(int(ttl.total_seconds())),
                "Urgency": "high" if urgent else "normal",
                "Topic": _web_push_topic(key),
            },
            "notification": {"tag": key},
        }
    return _with_body(message, valid_text(body))


def to_fcm(message: dict[str, Any], token: str) -> messaging.Message:
    """The firebase-admin message for `message` (made by `message_for`) to the device `token`.

    Raises ValueError when the stored message is not one `message_for` makes.
    """
    notification = message.get("notification") or {}
    android = message.get("android")
    apns = message.get("apns")
    webpush = message.get("webpush")
    data = message.get("data") or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("message data must map strings to strings")
    with warnings.catch_warnings():
        # Our devices hold FCM registration tokens, which the v1 API takes as `token`; firebase-admin
        # 7.7 deprecates the argument in favour of `fid` (installation ids), a different identifier.
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(
            token=token,
            notification=messaging.Notification(
                title=notification.get("title"), body=notification.get("body")
            ),
            data=dict(data),
            android=None if android is None else _android_config(android),
            apns=None if apns is None else _apns_config(apns),
            webpush=None if webpush is None else _webpush_config(webpush),
        )


def with_ttl_left(message: dict[str, Any], left: dt.timedelta) -> dict[str, Any]:
    """`message` sent late: its Android and web push TTL cut to the time it has `left` (APNs has an
    absolute expiration already)."""
    seconds = str(max(0, int(left.total_seconds())))
    changed = dict(message)
    if "android" in changed:
        changed["android"] = {**changed["android"], "ttl": f"{seconds}s"}
    if "webpush" in changed:
        changed["webpush"] = {
            **changed["webpush"],
            "headers": {**changed["webpush"]["headers"], "TTL": seconds},
        }
    return changed


def payload_bytes(message: dict[str, Any]) -> int:
    """The size we hold against the limit: the message JSON as UTF-8 (more than FCM counts)."""
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


# --- text ---------------------------------------------------------------------------------------


def valid_text(text: str) -> str:
    """`text` as valid Unicode: a lone UTF-16 surrogate (from broken input) becomes U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def truncated(text: str, characters: int) -> str:
    """`text` cut to at most `characters` characters, ellipsis included, between whole characters."""
    if len(text) <= characters:
        return text
    return _cut(text, max(characters - len(ELLIPSIS), 0)) + ELLIPSIS


def _cut(text: str, length: int) -> str:
    """The first `length` code points of `text`, shortened so no visible character is split.

    Python strings hold code points, so a UTF-8 sequence or a surrogate pair is never split; this
    also keeps combining marks, variation selectors, emoji modifiers, joined emoji and flag pairs
    with the character they belong to.
    """
    if length >= len(text):
        return text
    # Move the cut back while the first dropped character belongs to the one before it.
    while length > 0 and (_extends(text[length]) or text[length - 1] == _ZERO_WIDTH_JOINER):
        length -= 1
    head = text[:length]
    # An odd run of regional indicators at the end would leave half a flag.
    run = 0
    while run < len(head) and _is_regional_indicator(head[-1 - run]):
        run += 1
    if run % 2:
        head = head[:-1]
    return head


def _extends(character: str) -> bool:
    """Whether `character` belongs to the character before it (it cannot start a new one)."""
    code = ord(character)
    return (
        unicodedata.combining(character) != 0
        or unicodedata.category(character) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or character == _ZERO_WIDTH_JOINER
    )


def _is_regional_indicator(character: str) -> bool:
    return 0x1F1E6 <= ord(character) <= 0x1F1FF


def _with_body(message: dict[str, Any], body: str) -> dict[str, Any]:
    """`message` with the longest prefix of `body` (ellipsis added when cut) that fits the budget."""
    message["notification"]["body"] = body
    if payload_bytes(message) <= MESSAGE_BUDGET:
        return message
    # The size grows with the prefix length, so the longest fitting prefix is found by bisection.
    low, high = 0, len(body)
    while low < high:
        middle = (low + high + 1) // 2
        message["notification"]["body"] = body[:middle] + ELLIPSIS
        if payload_bytes(message) <= MESSAGE_BUDGET:
            low = middle
        else:
            high = middle - 1
    message["notification"]["body"] = _cut(body, low) + ELLIPSIS
    if payload_bytes(message) > MESSAGE_BUDGET:
        raise ValueError("the message is over FCM's size limit even without a body")
    return message


# --- platform settings ---------------------------------------------------------------------------


def _collapse_id(collapse_key: str) -> str:
    """The collapse key as every platform accepts it: at most 64 bytes (a digest of longer keys)."""
    key = valid_text(collapse_key)
    if key and len(key.encode("utf-8")) <= MAX_APNS_COLLAPSE_ID_BYTES:
        return key
    return "k" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


def _web_push_topic(key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:WEB_PUSH_TOPIC_LENGTH]


def _apns_expiration(now: dt.datetime, ttl: dt.timedelta) -> str:
    # 0 tells APNs to try once and not store the message, as a zero TTL does on Android.
    if ttl <= dt.timedelta(0):
        return "0"
    return str(int((now + ttl).timestamp()))


def _ttl_seconds(value: str) -> int:
    if not (isinstance(value, str) and value.endswith("s")):
        raise ValueError(f"not a TTL: {value!r}")
    return int(float(value[:-1]))


def _android_config(android: dict[str, Any]) -> messaging.AndroidConfig:
    shown = android.get("notification") or {}
    return messaging.AndroidConfig(
        collapse_key=android.get("collapse_key"),
        priority=str(android.get("priority", "NORMAL")).lower(),
        ttl=dt.timedelta(seconds=_ttl_seconds(android.get("ttl", "0s"))),
        notification=messaging.AndroidNotification(tag=shown.get("tag"), channel_id=shown.get("channel_id")),
    )


def _apns_config(apns: dict[str, Any]) -> messaging.APNSConfig:
    aps = (apns.get("payload") or {}).get("aps") or {}
    return messaging.APNSConfig(
        headers={str(name): str(value) for name, value in (apns.get("headers") or {}).items()},
        payload=messaging.APNSPayload(
            aps=messaging.Aps(sound=aps.get("sound"), thread_id=aps.get("thread-id"))
        ),
    )


def _webpush_config(webpush: dict[str, Any]) -> messaging.WebpushConfig:
    shown = webpush.get("notification") or {}
    return messaging.WebpushConfig(
        headers={str(name): str(value) for name, value in (webpush.get("headers") or {}).items()},
        notification=messaging.WebpushNotification(tag=shown.get("tag")),
    )
