"""What FCM's answer to one message means for its delivery: sent, a dead token, retry, or failed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
from enum import StrEnum
from typing import Any

import httpx
from firebase_admin import exceptions, messaging

from models.notifications.documents import DeliveryDocument


class Verdict(StrEnum):
    SENT = "sent"
    TOKEN_GONE = "token_gone"  # the device is gone: forget its token, drop, never retry
    RETRY = "retry"  # FCM is overloaded or unavailable: try again later
    FAILED = "failed"  # anything else: recorded with the reason, not retried
    EXPIRED = "expired"  # its time to live passed before it could be sent: dropped, not sent


# FCM's own retry advice: 429 (quota), 503 and 500, and a deadline or connection that broke on
# the way (the message may or may not have arrived; a repeat shows once, by its collapse key).
RETRIED_CODES = frozenset(
    {"QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"}
)
QUOTA_CODES = frozenset({"QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED"})
TOKEN_CODES = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})
INVALID_MESSAGE = "INVALID_MESSAGE"  # ours: a stored message firebase-admin refuses to encode

# The FCM-specific error types firebase-admin raises, by the FCM error code they stand for.
_FCM_CODES: tuple[tuple[type[exceptions.FirebaseError], str], ...] = (
    (messaging.UnregisteredError, "UNREGISTERED"),
    (messaging.SenderIdMismatchError, "SENDER_ID_MISMATCH"),
    (messaging.QuotaExceededError, "QUOTA_EXCEEDED"),
    (messaging.ThirdPartyAuthError, "THIRD_PARTY_AUTH_ERROR"),
)
_TOKEN_FIELDS = frozenset({"message.token", "message.fid"})


@dataclasses.dataclass(frozen=True, kw_only=True)
class SendResult:
    """FCM's answer for one claimed delivery."""

    delivery: DeliveryDocument
    verdict: Verdict
    message_id: str | None = None
    code: str | None = None
    detail: str | None = None
    retry_after: float | None = None  # seconds FCM asked us to wait (Retry-After)


def error_code(error: BaseException) -> str:
    """The FCM error code (UNREGISTERED, QUOTA_EXCEEDED, …) or platform code (UNAVAILABLE, …)."""
    for error_type, code in _FCM_CODES:
        if isinstance(error, error_type):
            return code
    if isinstance(error, exceptions.FirebaseError) and error.code:
        return str(error.code)
    return "UNKNOWN"


def unanswered(delivery: DeliveryDocument, code: str, detail: str) -> SendResult:
    """FCM's answer for this delivery never came: the message may or may not have arrived, so it
    is tried again (a repeat shows once on the phone, by its collapse key)."""
    return SendResult(delivery=delivery, verdict=Verdict.RETRY, code=code, detail=detail)


def result_of_error(delivery: DeliveryDocument, error: BaseException, *, now: dt.datetime) -> SendResult:
    code = error_code(error)
    if code in TOKEN_CODES or (code == "INVALID_ARGUMENT" and _about_the_token(error)):
        verdict = Verdict.TOKEN_GONE
    elif code in RETRIED_CODES or _broken_connection(error) or _server_side(error):
        verdict = Verdict.RETRY
    else:
        verdict = Verdict.FAILED
    return SendResult(
        delivery=delivery,
        verdict=verdict,
        code=code,
        detail=str(error) or type(error).__name__,
        retry_after=retry_after(error, now=now),
    )


def retry_after(error: BaseException, *, now: dt.datetime) -> float | None:
    """Seconds from the error's Retry-After header (delay-seconds or an HTTP date), if any.

    firebase-admin neither honours nor exposes it, but keeps the HTTP response on the error.
    """
    response = getattr(error, "http_response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - now).total_seconds(), 0.0)


def _about_the_token(error: BaseException) -> bool:
    """Whether an INVALID_ARGUMENT is about the registration token rather than the message.

    FCM answers an invalid token with "The registration token is not a valid FCM registration
    token" and no field violation; a bad message names its field in a google.rpc.BadRequest.
    """
    body = _error_body(error)
    violations = [
        violation.get("field")
        for detail in body.get("details", [])
        if isinstance(detail, dict) and detail.get("@type", "").endswith("google.rpc.BadRequest")
        for violation in detail.get("fieldViolations", [])
        if isinstance(violation, dict)
    ]
    if violations:
        return all(field in _TOKEN_FIELDS for field in violations)
    text = str(body.get("message") or error).lower()
    return "registration token" in text or "registration-token" in text


def _error_body(error: BaseException) -> dict[str, Any]:
    response = getattr(error, "http_response", None)
    if response is None:
        return {}
    try:
        parsed = response.json()
    except Exception:  # not JSON: the message text decides
        return {}
    body = parsed.get("error") if isinstance(parsed, dict) else None
    return body if isinstance(body, dict) else {}


def _server_side(error: BaseException) -> bool:
    """A 5xx without an FCM code (a front end's 502 or 504 page), which FCM says to retry like 500."""
    status = getattr(getattr(error, "http_response", None), "status_code", None)
    return isinstance(status, int) and status >= 500


def _broken_connection(error: BaseException) -> bool:
    """A transport failure firebase-admin reports as UNKNOWN (a reset connection, a protocol error)."""
    cause = getattr(error, "cause", None)
    return isinstance(cause, httpx.TransportError)
