"""Helpers shared by the conformance tests: the scratch collection name, instants and server kind."""

from __future__ import annotations

import datetime as dt
import os

import pytest

# Set when the suite runs against a real MongoDB; unset means the embedded nx-27017 server.
ON_REAL_MONGODB = bool(os.environ.get("TEST_MONGODB_URI"))

embedded_server_only = pytest.mark.skipif(
    ON_REAL_MONGODB,
    reason="observes a gap of the embedded nx-27017 server; a real MongoDB behaves as documented",
)

# A collection no domain declares, so the catalog's indexes never interfere.
SCRATCH = "conformance_scratch"
OTHER = "conformance_other"

# BSON dates hold milliseconds; every instant below is exact at that precision.
T0 = dt.datetime(2024, 5, 17, 8, 30, 15, 123_000, tzinfo=dt.UTC)


def ms(milliseconds: int) -> dt.timedelta:
    return dt.timedelta(milliseconds=milliseconds)


def assert_utc_instant(value: object, expected: dt.datetime) -> None:
    """`value` is a timezone-aware datetime (UTC, as the client is tz_aware) at `expected`."""
    assert type(value) is dt.datetime, f"expected a datetime, got {type(value).__name__}: {value!r}"
    assert value.utcoffset() == dt.timedelta(0)
    assert value == expected


def typed(value: object) -> object:
    """`value` with each scalar paired with its exact type, so `==` also tells 1 from 1.0 or True,
    and a naive datetime or a date string from a UTC datetime."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, dt.datetime):
        return (dt.datetime, value.utcoffset(), value)
    return (type(value), value)
