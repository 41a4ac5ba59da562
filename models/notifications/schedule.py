"""When a push may go: after a person's quiet hours (in their local time), and when a digest goes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

QuietHours = tuple[dt.time, dt.time]  # start, end; the span may cross midnight

DIGEST_TIME = dt.time(19, 0)  # the day's digest goes in the early evening, local time


def local(at: dt.datetime, time_zone: str) -> dt.datetime:
    return at.astimezone(ZoneInfo(time_zone))


def local_day(at: dt.datetime, time_zone: str) -> dt.date:
    return local(at, time_zone).date()


def is_quiet(moment: dt.time, quiet: QuietHours) -> bool:
    start, end = quiet
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight, 22:00–08:00


def after_quiet_hours(at: dt.datetime, time_zone: str, quiet: QuietHours | None) -> dt.datetime:
    """`at` itself, or the end of the quiet hours `at` falls in (the next local morning), in UTC."""
    if quiet is None:
        return at
    here = local(at, time_zone)
    if not is_quiet(here.time().replace(tzinfo=None), quiet):
        return at
    end = quiet[1]
    day = here.date() if here.time().replace(tzinfo=None) < end else here.date() + dt.timedelta(days=1)
    # Wall-clock arithmetic in the zone; fold=0 picks the first of an ambiguous time.
    return dt.datetime.combine(day, end, ZoneInfo(time_zone)).astimezone(dt.UTC)


def digest_due(at: dt.datetime, time_zone: str, quiet: QuietHours | None) -> dt.datetime:
    """When the digest of the local day `at` falls on goes: at DIGEST_TIME, or soon after `at` if that
    has passed, but never inside quiet hours."""
    here = local(at, time_zone)
    evening = dt.datetime.combine(here.date(), DIGEST_TIME, ZoneInfo(time_zone)).astimezone(dt.UTC)
    due = max(evening, at + dt.timedelta(minutes=30))
    return after_quiet_hours(due, time_zone, quiet)
