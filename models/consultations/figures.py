"""Public accountability figures from consultations: how much of what citizens said was adopted."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bson import ObjectId

from models.common.db import Database
from models.common.errors import InvalidInput
from models.consultations.documents import CONSULTATIONS, Outcome, Stage

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class AdoptionFigures:
    """One department's adoption reports published in one month (of the deployment's time zone)."""

    month: str
    consultations: int
    outcomes: dict[str, int]

    @property
    def answered(self) -> int:
        return sum(self.outcomes.values())

    @property
    def adoption_rate(self) -> float | None:
        """Adopted or partly adopted, of all comments given an outcome; None when none were."""
        if not self.answered:
            return None
        adopted = self.outcomes[Outcome.ADOPTED.value] + self.outcomes[Outcome.PARTLY_ADOPTED.value]
        return adopted / self.answered


def month_bounds(month: str, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The month "YYYY-MM" in local time, as UTC [start, end)."""
    matched = _MONTH.fullmatch(month)
    if matched is None:
        raise InvalidInput("a month is written YYYY-MM, e.g. 2025-10", field="month")
    year, number = int(matched[1]), int(matched[2])
    zone = ZoneInfo(time_zone)
    start = dt.datetime(year, number, 1, tzinfo=zone)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


async def department_adoption(
    db: Database, department_id: ObjectId, month: str, time_zone: str
) -> AdoptionFigures:
    """Summed from the reports themselves (few a month per department), so always current.

    A `find` with a date range, not an aggregation: nx-27017 gets date `$match` wrong."""
    start, end = month_bounds(month, time_zone)
    outcomes = {outcome.value: 0 for outcome in Outcome}
    consultations = 0
    cursor = CONSULTATIONS.of(db).find(
        {
            "department_id": department_id,
            "stage": Stage.CONCLUDED.value,
            "concluded_at": {"$gte": start, "$lt": end},
        },
        {"report": 1},  # a whole field: nx-27017 returns dotted projections as flat keys
    )
    async for consultation in cursor:
        consultations += 1
        for outcome, count in ((consultation.get("report") or {}).get("outcomes") or {}).items():
            if outcome in outcomes:
                outcomes[outcome] += int(count)
    return AdoptionFigures(month=month, consultations=consultations, outcomes=outcomes)
