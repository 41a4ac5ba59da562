"""How urgent a queue item is: its priority and due time, from what is known about the content."""

from __future__ import annotations

import datetime as dt

MAX_PRIORITY = 9999

# Weights: content blocking something live beats reported content beats screened content;
# within one priority, the earliest due comes first (and so, for equal deadlines, the oldest).
BLOCKING = 1000
PER_REPORT = 20
MAX_REPORTS_COUNTED = 25
SCREENED = 10
PER_SCORE_POINT = 10  # a screening score of 1.0 (certain) adds 10 to SCREENED

BLOCKING_DUE = dt.timedelta(minutes=2)  # a question waiting in a live session
REPORTED_DUE = dt.timedelta(hours=4)
SCREENED_DUE = dt.timedelta(hours=24)


def priority_of(*, screened: bool, score: float = 0.0, reports: int = 0, blocking: bool = False) -> int:
    """The item's priority, 0–MAX_PRIORITY."""
    priority = BLOCKING if blocking else 0
    priority += PER_REPORT * min(reports, MAX_REPORTS_COUNTED)
    if screened:
        priority += SCREENED + round(PER_SCORE_POINT * min(max(score, 0.0), 1.0))
    return min(priority, MAX_PRIORITY)


def due_at_of(
    created_at: dt.datetime, *, reported_at: dt.datetime | None = None, blocking: bool = False
) -> dt.datetime:
    """When a moderator should have decided: soon for blocking content, within hours once reported."""
    due = created_at + (BLOCKING_DUE if blocking else SCREENED_DUE)
    if reported_at is not None:
        due = min(due, reported_at + REPORTED_DUE)
    return due
