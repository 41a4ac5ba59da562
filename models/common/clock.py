"""The current time, always timezone-aware UTC and truncated to BSON's millisecond precision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]

# 1970-01-01 UTC; also what a free lease's end is set to (long past; `None` would not compare).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return to_bson_precision(dt.datetime.now(dt.UTC))


def to_bson_precision(at: dt.datetime) -> dt.datetime:
    """`at` truncated to the milliseconds BSON keeps, so what is written is what is read back."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def epoch_ms(at: dt.datetime) -> int:
    """`at` as whole milliseconds since 1970 UTC, exactly (no float rounding).

    The form of a time that sorts as text in keys, and of times that hot queries range over: the
    embedded database evaluates date ranges outside its indexes but integer ranges inside them.
    """
    if at.tzinfo is None:
        raise ValueError("epoch milliseconds need a timezone-aware time")
    return (at - EPOCH) // dt.timedelta(milliseconds=1)


def from_epoch_ms(millis: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=millis)
