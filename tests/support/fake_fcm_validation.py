"""How the fake FCM server checks a `messages:send` request body the way FCM does.

The schema is FCM's v1 discovery document (fcm.v1.json: SendMessageRequest, Message, AndroidConfig, …)
plus the fields added since that firebase-admin 7.7 sends (`fid`, `bandwidth_constrained_ok`,
`restricted_satellite_ok`, `live_activity_token`). Like every Google JSON API, names are accepted in
snake_case (what firebase-admin sends) and in lowerCamelCase, and an unknown name is an error.

Two layers of refusal, both 400 INVALID_ARGUMENT:
- the JSON does not fit the schema (unknown name, wrong type, bad enum or duration): Google's frontend
  message ("Invalid JSON payload received. Unknown name …", "Invalid value at …") with a
  google.rpc.BadRequest field violation;
- FCM's own rules (exactly one target, token format, reserved data keys, TTL range, payload size):
  FCM's message, e.g. "The registration token is not a valid FCM registration token".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# FCM's documented payload limit: "Maximum payload for both message types is 4096 bytes"; the
# v1 error reference adds "or 2048 bytes in the case of messages to topics. This includes both the
# keys and the values." FCM does not publish its exact accounting (people measure a few dozen bytes
# of overhead), so the fake counts the compact JSON of what the device receives — the effective data
# object plus the effective notification — which is a little stricter than keys plus values alone.
PAYLOAD_LIMIT_BYTES = 4096
TOPIC_PAYLOAD_LIMIT_BYTES = 2048
MAX_TTL_SECONDS = 28 * 24 * 3600  # four weeks, FCM's maximum and default

# What a registration token looks like: base64url characters around a colon
# ("<instance id>:APA91b…", about 160 characters today). FCM gives no grammar; the fake refuses
# anything outside this alphabet or shorter than 100 characters, so placeholders like "token-1"
# are refused as FCM would. tests.support.fake_fcm.new_registration_token() makes valid ones.
REGISTRATION_TOKEN = re.compile(r"[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?")
REGISTRATION_TOKEN_LENGTH = range(100, 4097)
# A Firebase installation ID: 22 base64url characters whose first four bits are 0111 (c, d, e or f).
INSTALLATION_ID = re.compile(r"[cdef][A-Za-z0-9_-]{21}")
TOPIC = re.compile(r"[a-zA-Z0-9-_.~%]{1,900}")
CONDITION_TOPIC = re.compile(r"'([a-zA-Z0-9-_.~%]+)' in topics")
CONDITION_TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||!|'[a-zA-Z0-9-_.~%]+' in topics)")
ANALYTICS_LABEL = re.compile(r"[a-zA-Z0-9-_.~%]{1,50}")
DURATION = re.compile(r"-?\d+(\.\d{1,9})?s")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
RESERVED_DATA_KEYS = ("from", "message_type")
RESERVED_DATA_PREFIXES = ("google", "gcm")
APNS_PRIORITIES = ("1", "5", "10")
APNS_PUSH_TYPES = (
    "alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity",
    "pushtotalk", "widgets", "controls",
)  # fmt: skip


class RequestRefused(Exception):
    """A request FCM answers with 400 INVALID_ARGUMENT; `field` is the path of the offending field."""

    def __init__(self, message: str, field: str | None = None, schema_error: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.schema_error = schema_error  # refused by the JSON frontend rather than by FCM's rules


@dataclass(frozen=True)
class Enum:
    proto: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Obj:
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    item: Any


STRING, BOOL, INT32, NUMBER, DURATION_T, TIMESTAMP_T = "string", "bool", "int32", "number", "duration", "ts"
STRING_MAP = "map<string,string>"
STRUCT = "struct"  # free-form JSON object (APNs payload, Web Notification options)

ANALYTICS = Obj({"analytics_label": STRING})
NOTIFICATION = Obj({"title": STRING, "body": STRING, "image": STRING})
COLOR_T = Obj({"red": NUMBER, "green": NUMBER, "blue": NUMBER, "alpha": NUMBER})
LIGHT_SETTINGS = Obj({"color": COLOR_T, "light_on_duration": DURATION_T, "light_off_duration": DURATION_T})
ANDROID_NOTIFICATION = Obj(
    {
        "title": STRING,
        "body": STRING,
        "icon": STRING,
        "color": STRING,
        "sound": STRING,
        "tag": STRING,
        "click_action": STRING,
        "body_loc_key": STRING,
        "body_loc_args": ListOf(STRING),
        "title_loc_key": STRING,
        "title_loc_args": ListOf(STRING),
        "channel_id": STRING,
        "ticker": STRING,
        "sticky": BOOL,
        "event_time": TIMESTAMP_T,
        "local_only": BOOL,
        "notification_priority": Enum(
            "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.NotificationPriority",
            (
                "PRIORITY_UNSPECIFIED",
                "PRIORITY_MIN",
                "PRIORITY_LOW",
                "PRIORITY_DEFAULT",
                "PRIORITY_HIGH",
                "PRIORITY_MAX",
            ),
        ),
        "default_sound": BOOL,
        "default_vibrate_timings": BOOL,
        "default_light_settings": BOOL,
        "vibrate_timings": ListOf(DURATION_T),
        "visibility": Enum(
            "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Visibility",
            ("VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"),
        ),
        "notification_count": INT32,
        "light_settings": LIGHT_SETTINGS,
        "image": STRING,
        "bypass_proxy_notification": BOOL,
        "proxy": Enum(
            "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Proxy",
            ("PROXY_UNSPECIFIED", "ALLOW", "DENY", "IF_PRIORITY_LOWERED"),
        ),
    }
)
ANDROID = Obj(
    {
        "collapse_key": STRING,
        # FCM takes "normal"/"high" in any case: firebase-admin sends them lower-case.
        "priority": Enum(
            "type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority", ("NORMAL", "HIGH")
        ),
        "ttl": DURATION_T,
        "restricted_package_name": STRING,
        "data": STRING_MAP,
        "notification": ANDROID_NOTIFICATION,
        "fcm_options": ANALYTICS,
        "direct_boot_ok": BOOL,
        "bandwidth_constrained_ok": BOOL,
        "restricted_satellite_ok": BOOL,
    }
)
WEBPUSH = Obj(
    {
        "headers": STRING_MAP,
        "data": STRING_MAP,
        "notification": STRUCT,
        "fcm_options": Obj({"link": STRING, "analytics_label": STRING}),
    }
)
APNS = Obj(
    {
        "headers": STRING_MAP,
        "payload": STRUCT,
        "fcm_options": Obj({"analytics_label": STRING, "image": STRING}),
        "live_activity_token": STRING,
    }
)
MESSAGE = Obj(
    {
        "name": STRING,
        "data": STRING_MAP,
        "notification": NOTIFICATION,
        "android": ANDROID,
        "webpush": WEBPUSH,
        "apns": APNS,
        "fcm_options": ANALYTICS,
        "token": STRING,
        "topic": STRING,
        "condition": STRING,
        "fid": STRING,
    }
)
SEND_MESSAGE_REQUEST = Obj({"message": MESSAGE, "validate_only": BOOL})
TARGETS = ("token", "fid", "topic", "condition")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check_send_request(body: Any) -> tuple[dict[str, Any], bool]:
    """The canonical (snake_case) message and validate_only flag, or RequestRefused."""
    request = _check_object(SEND_MESSAGE_REQUEST, body, "")
    message = request.get("message")
    if not isinstance(message, dict):
        raise RequestRefused("Request contains an invalid argument.", "message")
    _check_rules(message)
    return message, bool(request.get("validate_only", False))


def message_target(message: dict[str, Any]) -> tuple[str, str] | None:
    """("token" | "fid" | "topic" | "condition", value) of a checked message."""
    for kind in TARGETS:
        if kind in message:
            return kind, message[kind]
    return None


def payload_size(message: dict[str, Any]) -> int:
    """The bytes counted against FCM's payload limit: the largest of what Android, APNs and web receive."""
    data = message.get("data") or {}
    notification = message.get("notification") or {}
    android = message.get("android") or {}
    apns = message.get("apns") or {}
    webpush = message.get("webpush") or {}
    per_platform = (
        (android.get("data", data), {**notification, **(android.get("notification") or {})}),
        (data, apns.get("payload", notification)),
        (webpush.get("data", data), {**notification, **(webpush.get("notification") or {})}),
    )
    return max(_json_bytes(platform_data) + _json_bytes(shown) for platform_data, shown in per_platform)


def _json_bytes(value: dict[str, Any]) -> int:
    if not value:
        return 0
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _check_object(schema: Obj, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid_value(path or "", "TYPE_MESSAGE", value)
    canonical: dict[str, Any] = {}
    for name, item in value.items():
        key = _field_name(schema, name)
        if key is None:
            where = f" at '{path}'" if path else ""
            raise RequestRefused(
                f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.',
                path or name,
                schema_error=True,
            )
        if item is None:
            continue  # JSON null means "not set" in proto3 JSON
        child = f"{path}.{name}" if path else name
        canonical[key] = _check_value(schema.fields[key], item, child)
    if schema is MESSAGE:
        targets = [kind for kind in TARGETS if kind in canonical]
        if len(targets) > 1:
            raise RequestRefused(
                f"Invalid value at '{path}' (oneof), oneof field 'target' is already set. "
                f"Cannot set '{targets[1]}'",
                path,
                schema_error=True,
            )
    return canonical


def _field_name(schema: Obj, name: str) -> str | None:
    if name in schema.fields:
        return name
    for key in schema.fields:
        if camel(key) == name:
            return key
    return None


def _check_value(kind: Any, value: Any, path: str) -> Any:
    if isinstance(kind, Obj):
        return _check_object(kind, value, path)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise _invalid_value(path, "TYPE_LIST", value)
        return [_check_value(kind.item, item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(kind, Enum):
        if isinstance(value, str) and value.upper() in kind.values:
            return value.upper()
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(kind.values):
            return kind.values[value]
        raise _invalid_value(path, kind.proto, value)
    if kind == STRING:
        if not isinstance(value, str):
            raise _invalid_value(path, "TYPE_STRING", value)
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise _invalid_value(path, "TYPE_BOOL", value)
        return value
    if kind == INT32:
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
            raise _invalid_value(path, "TYPE_INT32", value)
        return value
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid_value(path, "TYPE_FLOAT", value)
        return value
    if kind == DURATION_T:
        if not isinstance(value, str) or not DURATION.fullmatch(value):
            raise _invalid_value(path, "type.googleapis.com/google.protobuf.Duration", value)
        return value
    if kind == TIMESTAMP_T:
        if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
            raise _invalid_value(path, "type.googleapis.com/google.protobuf.Timestamp", value)
        return value
    if kind == STRING_MAP:
        if not isinstance(value, dict):
            raise _invalid_value(path, "TYPE_MESSAGE", value)
        for index, item in enumerate(value.values()):
            if not isinstance(item, str):
                raise _invalid_value(f"{path}[{index}].value", "TYPE_STRING", item)
        return dict(value)
    if kind == STRUCT:
        if not isinstance(value, dict):
            raise _invalid_value(path, "type.googleapis.com/google.protobuf.Struct", value)
        return value
    raise AssertionError(f"unknown schema kind {kind!r}")


def _invalid_value(path: str, type_name: str, value: Any) -> RequestRefused:
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, int | float) else str(value)
    return RequestRefused(f"Invalid value at '{path}' ({type_name}), {shown}", path, schema_error=True)


def _check_rules(message: dict[str, Any]) -> None:
    """FCM's own rules, after the body has fitted the schema."""
    target = message_target(message)
    if target is None:
        raise RequestRefused("Recipient of the message is not set.", "message")
    kind, value = target
    if kind == "token" and not (
        len(value) in REGISTRATION_TOKEN_LENGTH and REGISTRATION_TOKEN.fullmatch(value)
    ):
        raise RequestRefused("The registration token is not a valid FCM registration token", "message.token")
    if kind == "fid" and not INSTALLATION_ID.fullmatch(value):
        raise RequestRefused("The Firebase Installation ID is not a valid FID", "message.fid")
    if kind == "topic" and not TOPIC.fullmatch(value):
        raise RequestRefused("Invalid topic name", "message.topic")
    if kind == "condition":
        _check_condition(value)
    for path, data in (
        ("message.data", message.get("data")),
        ("message.android.data", (message.get("android") or {}).get("data")),
        ("message.webpush.data", (message.get("webpush") or {}).get("data")),
    ):
        for key in data or {}:
            if key in RESERVED_DATA_KEYS or key.lower().startswith(RESERVED_DATA_PREFIXES):
                raise RequestRefused(f"Invalid data message key: {key}", path)
    _check_android(message.get("android") or {})
    _check_apns((message.get("apns") or {}).get("headers") or {})
    link = ((message.get("webpush") or {}).get("fcm_options") or {}).get("link")
    if link is not None and not link.startswith("https://"):
        raise RequestRefused("Link must be an HTTPS URL", "message.webpush.fcm_options.link")
    for path, options in (
        ("message.fcm_options", message.get("fcm_options")),
        ("message.android.fcm_options", (message.get("android") or {}).get("fcm_options")),
        ("message.apns.fcm_options", (message.get("apns") or {}).get("fcm_options")),
        ("message.webpush.fcm_options", (message.get("webpush") or {}).get("fcm_options")),
    ):
        label = (options or {}).get("analytics_label")
        if label is not None and not ANALYTICS_LABEL.fullmatch(label):
            raise RequestRefused("Analytics label is invalid", f"{path}.analytics_label")
    limit = TOPIC_PAYLOAD_LIMIT_BYTES if kind in ("topic", "condition") else PAYLOAD_LIMIT_BYTES
    size = payload_size(message)
    if size > limit:
        raise RequestRefused(
            f"Message is too big: its payload is {size} bytes, the limit is {limit}", "message"
        )


def _check_condition(condition: str) -> None:
    rest = condition
    topics = 0
    while rest.strip():
        match = CONDITION_TOKEN.match(rest)
        if match is None:
            raise RequestRefused("Invalid condition expression", "message.condition")
        topics += bool(CONDITION_TOPIC.fullmatch(match.group(1)))
        rest = rest[match.end() :]
    if topics == 0 or topics > 5:
        raise RequestRefused("A condition must name between 1 and 5 topics", "message.condition")


def _check_android(android: dict[str, Any]) -> None:
    ttl = android.get("ttl")
    if ttl is not None and not 0 <= float(ttl[:-1]) <= MAX_TTL_SECONDS:
        raise RequestRefused("TTL must be between 0 and 4 weeks", "message.android.ttl")
    notification = android.get("notification") or {}
    color = notification.get("color")
    if color is not None and not COLOR.fullmatch(color):
        raise RequestRefused("Color must be in the form #RRGGBB", "message.android.notification.color")
    for key in ("body", "title"):
        if notification.get(f"{key}_loc_args") and not notification.get(f"{key}_loc_key"):
            raise RequestRefused(f"{key}_loc_key is required", f"message.android.notification.{key}_loc_key")


def _check_apns(headers: dict[str, str]) -> None:
    lowered = {key.lower(): value for key, value in headers.items()}
    priority = lowered.get("apns-priority")
    if priority is not None and priority not in APNS_PRIORITIES:
        raise RequestRefused("apns-priority must be 1, 5 or 10", "message.apns.headers")
    expiration = lowered.get("apns-expiration")
    if expiration is not None and not expiration.isdigit():
        raise RequestRefused("apns-expiration must be a UNIX epoch time in seconds", "message.apns.headers")
    push_type = lowered.get("apns-push-type")
    if push_type is not None and push_type not in APNS_PUSH_TYPES:
        raise RequestRefused(f"Unknown apns-push-type: {push_type}", "message.apns.headers")
    collapse_id = lowered.get("apns-collapse-id")
    if collapse_id is not None and len(collapse_id.encode()) > 64:
        raise RequestRefused("apns-collapse-id must not exceed 64 bytes", "message.apns.headers")
