"""The monthly public transparency report of moderation, computed from the queue, finished months cached."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from models.common.calendar import DEFAULT_TIME_ZONE
from models.common.clock import Clock, utcnow
from models.common.db import Database
from models.common.errors import InvalidInput
from models.moderation.content_kinds import Action
from models.moderation.documents import MODERATION_ITEMS, TRANSPARENCY_REPORTS, TransparencyReportDocument
from models.moderation.queue import REPORTED
from moderation.screening import PREMODERATED

# No month before this one is reported: Townhall did not exist yet.
FIRST_MONTH = (2024, 1)
# A month is final (and cached) a while after it ends, so a decision stamped just before midnight
# whose write lands a moment later is still counted.
SETTLING_TIME = dt.timedelta(minutes=10)
CURRENT_MONTH_FRESH = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class TransparencyReport:
    """Moderation in one month of the deployment's time zone: decisions, their speed, appeals, screening."""

    year: int
    month: int
    time_zone: str
    by_action: dict[str, int]
    by_reason: dict[str, int]  # decisions that carry a reason code (an approval need not)
    by_kind: dict[str, dict[str, int]]  # content kind → action → decisions
    median_seconds_to_decision: float | None  # from entering the queue; None without decisions
    p90_seconds_to_decision: float | None
    appeals_decided: int
    appeals_overturned: int
    held_by_screening: int  # first-round decisions on items screening held (not premoderation, reports)
    held_by_screening_approved: int
    generated_at: dt.datetime
    final: bool  # the month is over: the report will not change

    @property
    def decisions(self) -> int:
        return sum(self.by_action.values())

    @property
    def overturned_share(self) -> float | None:
        return _share(self.appeals_overturned, self.appeals_decided)

    @property
    def held_approved_share(self) -> float | None:
        return _share(self.held_by_screening_approved, self.held_by_screening)

    def kind_totals(self) -> dict[str, int]:
        return {kind: sum(actions.values()) for kind, actions in self.by_kind.items()}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def month_bounds(year: int, month: int, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The month in local time, as UTC [start, end)."""
    zone = ZoneInfo(time_zone)
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def check_month(year: int, month: int, time_zone: str, at: dt.datetime) -> None:
    """Refuse a month that does not exist, comes before Townhall, or has not begun at `at`."""
    if not 1 <= month <= 12:
        raise InvalidInput(f"a month is 1–12, got {month}", field="month")
    first_year, first_month = FIRST_MONTH
    if (year, month) < FIRST_MONTH:
        raise InvalidInput(f"reports begin with {first_year}-{first_month:02d}", field="year")
    local = at.astimezone(ZoneInfo(time_zone))
    if (year, month) > (local.year, local.month):
        raise InvalidInput(f"{year}-{month:02d} has not begun", field="month")


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of sorted values: the least value with `fraction` of all at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def held_by_screening(reasons: Iterable[str]) -> bool:
    """Held for a finding of automatic screening: not for premoderation (it holds everything) nor
    for citizens' reports."""
    return any(reason not in (PREMODERATED, REPORTED) for reason in reasons)


@dataclass
class MonthTally:
    """Counters over one month's items, fed one round of an item at a time from a cursor.

    Memory: the counters are as small as the lists of actions, reasons and kinds; the durations for
    the median are 8 bytes per decision (a million decisions in a month: 8 MB), so it stays exact."""

    by_action: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    seconds: array[float] = field(default_factory=lambda: array("d"))
    held: int = 0
    held_approved: int = 0
    appeals: int = 0
    overturned: int = 0

    def add_decision(self, item: Mapping[str, Any], round_: Mapping[str, Any]) -> None:
        """The decision of one round of `item` (the item itself or an entry of its history)."""
        decision = round_.get("decision")
        if not decision:
            return
        action = decision["action"]
        self.by_action[action] += 1
        if decision.get("reason_code"):
            self.by_reason[decision["reason_code"]] += 1
        self.by_kind.setdefault(item["kind"], Counter())[action] += 1
        first = int(round_.get("round") or 1) == 1
        # A round opened by reports starts when it reopened; a history entry written without that
        # date is left out of the timing rather than timed from the first round.
        queued_at = item["created_at"] if first else round_.get("reopened_at")
        if queued_at is not None:
            self.seconds.append(max(0.0, (decision["at"] - queued_at).total_seconds()))
        if first and held_by_screening(item.get("reasons") or ()):
            self.held += 1
            if action == Action.APPROVE.value:
                self.held_approved += 1

    def add_appeal(self, round_: Mapping[str, Any]) -> None:
        outcome = (round_.get("appeal") or {}).get("decision")
        if not outcome:
            return
        self.appeals += 1
        if outcome["upheld"] is False:
            self.overturned += 1

    def report(
        self, year: int, month: int, time_zone: str, generated_at: dt.datetime, final: bool
    ) -> TransparencyReport:
        ordered = sorted(self.seconds)
        return TransparencyReport(
            year=year,
            month=month,
            time_zone=time_zone,
            by_action=_sorted_counts(self.by_action),
            by_reason=_sorted_counts(self.by_reason),
            by_kind={kind: _sorted_counts(self.by_kind[kind]) for kind in sorted(self.by_kind)},
            median_seconds_to_decision=statistics.median(ordered) if ordered else None,
            p90_seconds_to_decision=percentile(ordered, 0.9),
            appeals_decided=self.appeals,
            appeals_overturned=self.overturned,
            held_by_screening=self.held,
            held_by_screening_approved=self.held_approved,
            generated_at=generated_at,
            final=final,
        )


def _sorted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Most first, then by key, so the report reads the same every time."""
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


async def monthly_report(
    db: Database, year: int, month: int, *, time_zone: str = DEFAULT_TIME_ZONE, now: Clock = utcnow
) -> TransparencyReport:
    """The report of `month` of `year` in `time_zone`: a finished month from the cache (computed and
    stored the first time), the current month computed afresh."""
    at = now()
    check_month(year, month, time_zone, at)
    key = f"{year:04d}-{month:02d}@{time_zone}"
    reports = TRANSPARENCY_REPORTS.of(db)
    cached = await reports.find_one({"_id": key})
    # The current month is public and read by anyone: recounted at most every few minutes.
    if cached is not None and (
        cached.get("final", True) or at < cached["generated_at"] + CURRENT_MONTH_FRESH
    ):
        return _from_document(cached)
    start, end = month_bounds(year, month, time_zone)
    final = at >= end + SETTLING_TIME
    report = (await _tally(db, start, end)).report(year, month, time_zone, at, final)
    # Racing processes store the same figures; a final month replaces the month's last interim one.
    await reports.replace_one(
        {"_id": key}, TRANSPARENCY_REPORTS.new_document(_to_document(key, report)), upsert=True
    )
    return report


async def _tally(db: Database, start: dt.datetime, end: dt.datetime) -> MonthTally:
    """Range reads on top-level dates (indexed), streamed; `find`, not an aggregation, because
    nx-27017 gets date `$match` wrong. Whole top-level fields only: it flattens dotted projections.

    The three reads never count a round twice: the current round's decision, its appeal, and the
    earlier rounds of items reopened since the month began (a round decided in the month was
    reopened after that). Reopened items are read first: a reopening racing with these reads can
    then only leave one decision out of a current month's figures, not count it twice."""
    tally = MonthTally()
    items = MODERATION_ITEMS.of(db)
    in_month = {"$gte": start, "$lt": end}
    reopened = items.find(
        {"reopened_at": {"$gte": start}}, {"kind": 1, "reasons": 1, "created_at": 1, "history": 1}
    )
    async for item in reopened:
        for round_ in item.get("history") or ():
            if _within(round_.get("decided_at"), start, end):
                tally.add_decision(item, round_)
            if _within(round_.get("appeal_decided_at"), start, end):
                tally.add_appeal(round_)
    decided = items.find(
        {"decided_at": in_month},
        {"kind": 1, "reasons": 1, "created_at": 1, "round": 1, "reopened_at": 1, "decision": 1},
    )
    async for item in decided:
        tally.add_decision(item, item)
    async for item in items.find({"appeal_decided_at": in_month}, {"appeal": 1}):
        tally.add_appeal(item)
    return tally


def _within(moment: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    return moment is not None and start <= moment < end


_STORED = (
    "year",
    "month",
    "time_zone",
    "by_action",
    "by_reason",
    "by_kind",
    "median_seconds_to_decision",
    "p90_seconds_to_decision",
    "appeals_decided",
    "appeals_overturned",
    "held_by_screening",
    "held_by_screening_approved",
    "generated_at",
    "final",
)


def _to_document(key: str, report: TransparencyReport) -> TransparencyReportDocument:
    # Counts as lists of pairs, not sub-documents: a key is data here, and keeps its order.
    return {
        "_id": key,
        "year": report.year,
        "month": report.month,
        "time_zone": report.time_zone,
        "by_action": [[k, n] for k, n in report.by_action.items()],
        "by_reason": [[k, n] for k, n in report.by_reason.items()],
        "by_kind": [[kind, [[k, n] for k, n in actions.items()]] for kind, actions in report.by_kind.items()],
        "median_seconds_to_decision": report.median_seconds_to_decision,
        "p90_seconds_to_decision": report.p90_seconds_to_decision,
        "appeals_decided": report.appeals_decided,
        "appeals_overturned": report.appeals_overturned,
        "held_by_screening": report.held_by_screening,
        "held_by_screening_approved": report.held_by_screening_approved,
        "generated_at": report.generated_at,
        "final": report.final,
    }


def _from_document(document: TransparencyReportDocument) -> TransparencyReport:
    stored: Mapping[str, Any] = document  # read by name from _STORED
    fields = {name: stored.get(name, True) if name == "final" else stored[name] for name in _STORED}
    fields["by_action"] = {k: n for k, n in document["by_action"]}
    fields["by_reason"] = {k: n for k, n in document["by_reason"]}
    fields["by_kind"] = {kind: {k: n for k, n in actions} for kind, actions in document["by_kind"]}
    return TransparencyReport(**fields)
