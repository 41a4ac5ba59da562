"""The business-day calendar every deadline is counted on, and the loader for its holiday data."""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_CALENDAR_PATH = Path(__file__).parent / "calendars" / "cn.json"
# How far ahead the calendar must know its holidays: the longest default deadline (an adoption
# report, 20 business days) spans about six weeks across a long holiday; a quarter gives admins
# time to add a year once its schedule is announced (China's comes out each November).
COVERAGE_HORIZON = timedelta(days=90)

log = logging.getLogger("townhall.calendar")

# date.weekday() numbering: Monday is 0.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SATURDAY_SUNDAY = frozenset({5, 6})

_ONE_DAY = timedelta(days=1)
# date.fromisoformat also takes "20251001" and week dates; data files must use one spelling.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarYearMissing(ValueError):
    """A strict calendar was asked about a year its data does not cover."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the business calendar has no holiday data for {year}; "
            "add that year's schedule to the calendar file"
        )
        self.year = year


@dataclass(frozen=True, kw_only=True)
class BusinessCalendar:
    """Business days in one time zone: weekdays, minus public holidays, plus adjusted working days.

    `covered_years` are the years whose official schedule is known. A strict calendar refuses
    any other year with `CalendarYearMissing` rather than guess; a lenient one (`strict=False`,
    what the service runs on, so deadlines never stop working) treats such a year as
    weekends-only, still honouring any date the data does list, and logs a warning the first
    time it does so for each year.
    """

    time_zone: str = DEFAULT_TIME_ZONE
    weekend: frozenset[int] = SATURDAY_SUNDAY
    # Left out of repr: a few hundred dates would drown a log line.
    holidays: frozenset[date] = field(default=frozenset(), repr=False)
    adjusted_working_days: frozenset[date] = field(default=frozenset(), repr=False)
    covered_years: frozenset[int] = frozenset()
    strict: bool = True
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # Dates where the weekday rule is wrong (-1: holiday on a weekday, +1: worked weekend day),
    # sorted, with running totals, so counting over a span is two bisections.
    _exception_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _exception_totals: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _warned_years: set[int] = field(init=False, repr=False, compare=False, default_factory=set)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        if not self.weekend <= frozenset(range(7)):
            raise ValueError(f"weekend days must be 0 (Monday) to 6 (Sunday), got {self.weekend}")
        if len(self.weekend) == 7:
            raise ValueError("a weekend of all seven days leaves no business day")
        both = self.holidays & self.adjusted_working_days
        if both:
            raise ValueError(f"dates both holidays and working days: {_listed(both)}")
        weekdays = {day for day in self.adjusted_working_days if day.weekday() not in self.weekend}
        if weekdays:
            raise ValueError(f"adjusted working days that are not weekend days: {_listed(weekdays)}")

        changes = {day: -1 for day in self.holidays if day.weekday() not in self.weekend}
        changes.update(dict.fromkeys(self.adjusted_working_days, 1))
        ordered = sorted(changes)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_exception_dates", tuple(ordered))
        object.__setattr__(self, "_exception_totals", (0, *accumulate(changes[day] for day in ordered)))

    def local_date(self, moment: datetime) -> date:
        """The calendar date `moment` falls on in this calendar's time zone."""
        return _require_aware(moment).astimezone(self._zone).date()

    def is_business_day(self, day: date) -> bool:
        self._require_year(day.year)
        if day in self.holidays:
            return False
        if day in self.adjusted_working_days:
            return True
        return day.weekday() not in self.weekend

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        # Terminates: the weekend is under seven days, and a strict calendar raises on
        # reaching a year it does not cover.
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The deadline `n` business days after `start`, as an aware UTC datetime.

        The deadline is the END of the n-th business day after the local date of `start`:
        23:59:59.999999 in this calendar's time zone. The time of day of `start` does not matter,
        so a request filed at 16:00 or at 09:00 on the same day gets the same deadline, and a
        whole business day is always given. Counting starts after the local date, so from a
        holiday n=1 is the end of the first business day after it. n=0 is the end of that same
        day if it is a business day, else of the next business day.
        """
        if n < 0:
            raise ValueError(f"business days to add must be zero or more, got {n}")
        day = self.local_date(start)
        if n == 0 and not self.is_business_day(day):
            n = 1
        for _ in range(n):
            day = self.next_business_day(day)
        return self.end_of_day(day)

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """How many business days lie after the local date of `start`, up to and including that
        of `end`; 0 when `end` is not on a later date. For a deadline and now: days late."""
        first = self.local_date(start) + _ONE_DAY
        last = self.local_date(end)
        if last < first:
            return 0
        for year in range(first.year, last.year + 1):
            self._require_year(year)
        return self._weekdays_between(first, last) + self._exceptions_between(first, last)

    def end_of_day(self, day: date) -> datetime:
        """The last microsecond of `day` in this calendar's time zone, in UTC."""
        return datetime.combine(day, time.max, tzinfo=self._zone).astimezone(UTC)

    def missing_years(self, now: datetime, horizon: timedelta = COVERAGE_HORIZON) -> tuple[int, ...]:
        """The years from the local date of `now` to `horizon` later that the data does not cover:
        deadlines counted into them would see weekends only."""
        first = self.local_date(now).year
        last = self.local_date(now + horizon).year
        return tuple(year for year in range(first, last + 1) if year not in self.covered_years)

    def _require_year(self, year: int) -> None:
        if year in self.covered_years:
            return
        if self.strict:
            raise CalendarYearMissing(year)
        if year not in self._warned_years:
            self._warned_years.add(year)
            log.warning(
                f"the business calendar has no holiday data for {year}: counting weekends only; "
                "add that year's schedule to the calendar file (TOWNHALL_CALENDAR_FILE)",
                extra={"year": year},
            )

    def _weekdays_between(self, first: date, last: date) -> int:
        """Days from `first` to `last` inclusive that are not weekend days."""
        full_weeks, extra_days = divmod((last - first).days + 1, 7)
        start = first.weekday()
        partial = sum((start + i) % 7 not in self.weekend for i in range(extra_days))
        return full_weeks * (7 - len(self.weekend)) + partial

    def _exceptions_between(self, first: date, last: date) -> int:
        low = bisect_left(self._exception_dates, first)
        high = bisect_right(self._exception_dates, last)
        return self._exception_totals[high] - self._exception_totals[low]


def load_calendar(
    path: Path | None = None, time_zone: str | None = None, strict: bool = True
) -> BusinessCalendar:
    """The calendar in a JSON data file (default: the packaged Chinese schedule, cn.json).

    The file holds `source`, `time_zone`, an optional `weekend` (day names, default Saturday and
    Sunday) and `years`: for each year, entries `{"name", "off": [dates], "work": [dates]}`.
    `time_zone` given here overrides the file's. Bad data raises ValueError naming the file
    and the entry.
    """
    path = DEFAULT_CALENDAR_PATH if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"calendar file {path}: not valid JSON: {error}") from error
    return _CalendarFile(path).parse(data, time_zone=time_zone, strict=strict)


@dataclass
class _CalendarFile:
    """Validation of one calendar file; every error names the file and the offending entry."""

    path: Path

    def parse(self, data: object, *, time_zone: str | None, strict: bool) -> BusinessCalendar:
        top = self._object(data, "the top level", {"source", "time_zone", "weekend", "years"})
        if "source" in top and not isinstance(top["source"], str):
            raise self._error("source must be a string")
        zone_name = time_zone if time_zone is not None else top.get("time_zone")
        if not isinstance(zone_name, str):
            raise self._error("time_zone must be given, as a string such as 'Asia/Shanghai'")
        weekend = self._weekend(top.get("weekend", ["Saturday", "Sunday"]))
        years = top.get("years")
        if not isinstance(years, dict):
            raise self._error("years must be an object mapping each year to its holiday entries")

        holidays: dict[date, str] = {}
        working: dict[date, str] = {}
        covered: set[int] = set()
        for year_key, entries in years.items():
            year = self._year(year_key)
            covered.add(year)
            if not isinstance(entries, list):
                raise self._error(f"years.{year_key} must be a list of holiday entries")
            for index, entry in enumerate(entries):
                where = f"years.{year_key}[{index}]"
                fields = self._object(entry, where, {"name", "off", "work"})
                name = fields.get("name")
                if not isinstance(name, str) or not name:
                    raise self._error(f"{where} needs a name")
                where = f"{where} ({name})"
                for day in self._dates(fields.get("off", []), year, f"{where} off"):
                    self._claim(day, holidays, working, where, "off")
                for day in self._dates(fields.get("work", []), year, f"{where} work"):
                    if day.weekday() not in weekend:
                        raise self._error(
                            f"{where}: work day {day} is a {WEEKDAY_NAMES[day.weekday()]}, "
                            "not a weekend day; only weekend days can be made working days"
                        )
                    self._claim(day, working, holidays, where, "work")

        try:
            return BusinessCalendar(
                time_zone=zone_name,
                weekend=weekend,
                holidays=frozenset(holidays),
                adjusted_working_days=frozenset(working),
                covered_years=frozenset(covered),
                strict=strict,
            )
        except ValueError as error:
            raise self._error(str(error)) from error

    def _claim(self, day: date, into: dict[date, str], other: dict[date, str], where: str, kind: str) -> None:
        """Record `day` under `kind`, refusing a date listed twice or as both off and work."""
        if day in other:
            raise self._error(f"{where}: {day} is listed both as off and as work (also {other[day]})")
        if day in into:
            raise self._error(f"{where}: {day} is listed as {kind} twice (also {into[day]})")
        into[day] = where

    def _object(self, value: object, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._error(f"{where} must be an object")
        unknown = set(value) - allowed
        if unknown:
            raise self._error(f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        return value

    def _weekend(self, names: object) -> frozenset[int]:
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise self._error("weekend must be a list of day names such as 'Saturday'")
        unknown = [name for name in names if name not in WEEKDAY_NAMES]
        if unknown:
            raise self._error(f"weekend has unknown day names {unknown}; use {list(WEEKDAY_NAMES)}")
        return frozenset(WEEKDAY_NAMES.index(name) for name in names)

    def _year(self, key: str) -> int:
        if not re.fullmatch(r"\d{4}", key):
            raise self._error(f"years: {key!r} is not a four-digit year")
        return int(key)

    def _dates(self, values: object, year: int, where: str) -> Iterator[date]:
        if not isinstance(values, list):
            raise self._error(f"{where} must be a list of dates")
        for value in values:
            if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
                raise self._error(f"{where}: {value!r} is not a date written YYYY-MM-DD")
            try:
                day = date.fromisoformat(value)
            except ValueError as error:
                raise self._error(f"{where}: {value!r} is not a valid date") from error
            # A schedule may reach into a neighbouring year (New Year 2019 began on 2018-12-30),
            # but a date further away is a typo.
            if abs(day.year - year) > 1:
                raise self._error(f"{where}: {value} is too far from {year}")
            yield day

    def _error(self, message: str) -> ValueError:
        return ValueError(f"calendar file {self.path}: {message}")


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()} has no time zone; "
            "pass an aware datetime (e.g. datetime.now(UTC))"
        )
    return moment


def _listed(days: Iterable[date]) -> str:
    return ", ".join(sorted(day.isoformat() for day in days))
