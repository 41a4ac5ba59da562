"""Business days and deadlines on the Chinese public-holiday calendar, and the data-file loader."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.common.calendar import BusinessCalendar, CalendarYearMissing, load_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return load_calendar()


@pytest.fixture(scope="module")
def cn_lenient() -> BusinessCalendar:
    return load_calendar(strict=False)


def calendar_data(**overrides: Any) -> dict[str, Any]:
    """A small valid calendar file's content; override any top-level key."""
    data: dict[str, Any] = {
        "source": "test",
        "time_zone": "Asia/Shanghai",
        "years": {
            "2025": [
                {
                    "name": "国庆节 National Day",
                    "off": ["2025-10-01", "2025-10-02"],
                    "work": ["2025-09-28"],
                }
            ]
        },
    }
    data.update(overrides)
    return data


def entry_data(**overrides: Any) -> dict[str, Any]:
    """calendar_data with its one 2025 entry changed."""
    entry = {"name": "国庆节 National Day", "off": ["2025-10-01"], "work": ["2025-09-28"]}
    entry.update(overrides)
    return calendar_data(years={"2025": [entry]})


def write_calendar(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class TestLocalDate:
    def test_utc_evening_is_next_day_in_shanghai(self, cn: BusinessCalendar) -> None:
        assert cn.local_date(datetime(2025, 9, 30, 17, 30, tzinfo=UTC)) == date(2025, 10, 1)

    def test_utc_afternoon_is_same_day_in_shanghai(self, cn: BusinessCalendar) -> None:
        assert cn.local_date(datetime(2025, 9, 30, 15, 59, tzinfo=UTC)) == date(2025, 9, 30)

    def test_naive_datetime_is_refused(self, cn: BusinessCalendar) -> None:
        with pytest.raises(ValueError, match="naive datetime"):
            cn.local_date(datetime(2025, 9, 30, 16, 0))


class TestIsBusinessDay:
    def test_ordinary_weekday_works(self, cn: BusinessCalendar) -> None:
        assert cn.is_business_day(date(2025, 10, 9))

    def test_ordinary_saturday_is_off(self, cn: BusinessCalendar) -> None:
        assert not cn.is_business_day(date(2025, 10, 18))

    def test_national_day_weekday_is_off(self, cn: BusinessCalendar) -> None:
        assert not cn.is_business_day(date(2025, 10, 8))

    def test_adjusted_sunday_works(self, cn: BusinessCalendar) -> None:
        assert cn.is_business_day(date(2025, 9, 28))

    def test_adjusted_saturday_works(self, cn: BusinessCalendar) -> None:
        assert cn.is_business_day(date(2025, 10, 11))

    def test_2024_adjusted_saturday_works(self, cn: BusinessCalendar) -> None:
        assert cn.is_business_day(date(2024, 10, 12))

    def test_2026_spring_festival_weekday_is_off(self, cn: BusinessCalendar) -> None:
        assert not cn.is_business_day(date(2026, 2, 23))

    def test_missing_year_raises_when_strict(self, cn: BusinessCalendar) -> None:
        with pytest.raises(CalendarYearMissing, match="2027") as raised:
            cn.is_business_day(date(2027, 3, 1))
        assert raised.value.year == 2027

    def test_missing_year_error_is_a_value_error(self, cn: BusinessCalendar) -> None:
        with pytest.raises(ValueError, match="no holiday data for 2023"):
            cn.is_business_day(date(2023, 10, 2))

    def test_missing_year_weekday_works_when_lenient(self, cn_lenient: BusinessCalendar) -> None:
        # 2027-10-01 will be National Day, but without data a lenient calendar only knows weekends.
        assert cn_lenient.is_business_day(date(2027, 10, 1))

    def test_missing_year_weekend_is_off_when_lenient(self, cn_lenient: BusinessCalendar) -> None:
        assert not cn_lenient.is_business_day(date(2027, 10, 2))


class TestNextBusinessDay:
    def test_skips_national_day_2025(self, cn: BusinessCalendar) -> None:
        assert cn.next_business_day(date(2025, 9, 30)) == date(2025, 10, 9)

    def test_lands_on_adjusted_saturday(self, cn: BusinessCalendar) -> None:
        assert cn.next_business_day(date(2025, 10, 10)) == date(2025, 10, 11)

    def test_lands_on_adjusted_sunday(self, cn: BusinessCalendar) -> None:
        assert cn.next_business_day(date(2025, 9, 26)) == date(2025, 9, 28)

    def test_skips_ordinary_weekend(self, cn: BusinessCalendar) -> None:
        assert cn.next_business_day(date(2025, 10, 17)) == date(2025, 10, 20)


class TestAddBusinessDays:
    def test_one_day_across_national_day_2025(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 1) == datetime(2025, 10, 9, 15, 59, 59, 999999, tzinfo=UTC)

    def test_result_is_in_utc(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 1).tzinfo is UTC

    def test_time_of_day_does_not_change_deadline(self, cn: BusinessCalendar) -> None:
        morning = datetime(2025, 10, 9, 0, 0, tzinfo=SHANGHAI)
        night = datetime(2025, 10, 9, 23, 59, tzinfo=SHANGHAI)
        assert cn.add_business_days(morning, 5) == cn.add_business_days(night, 5)

    def test_counts_adjusted_saturday(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 9, 10, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 2) == datetime(2025, 10, 11, 15, 59, 59, 999999, tzinfo=UTC)

    def test_five_days_across_spring_festival_2026(self, cn: BusinessCalendar) -> None:
        # 2/14 (Saturday, worked) is day 1; 2/15-2/23 are off; 2/24-2/27 are days 2-5.
        start = datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 5) == datetime(2026, 2, 27, 15, 59, 59, 999999, tzinfo=UTC)

    def test_three_days_across_spring_festival_2025(self, cn: BusinessCalendar) -> None:
        # 1/26 (Sunday, worked) and 1/27 are days 1-2; 1/28-2/4 are off; 2/5 is day 3.
        start = datetime(2025, 1, 24, 10, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 3) == datetime(2025, 2, 5, 15, 59, 59, 999999, tzinfo=UTC)

    def test_twenty_days_for_a_petition(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 20) == datetime(2025, 11, 4, 15, 59, 59, 999999, tzinfo=UTC)

    def test_utc_start_counts_from_shanghai_date(self, cn: BusinessCalendar) -> None:
        # 16:30 UTC on Thursday 10/9 is already Friday 10/10 in Shanghai, so day 1 is Saturday 10/11.
        start = datetime(2025, 10, 9, 16, 30, tzinfo=UTC)
        assert cn.add_business_days(start, 1) == datetime(2025, 10, 11, 15, 59, 59, 999999, tzinfo=UTC)

    def test_zero_from_utc_start_already_on_holiday_in_shanghai(self, cn: BusinessCalendar) -> None:
        # 9/30 is a business day in UTC terms, but 17:30 UTC is National Day in Shanghai.
        start = datetime(2025, 9, 30, 17, 30, tzinfo=UTC)
        assert cn.add_business_days(start, 0) == datetime(2025, 10, 9, 15, 59, 59, 999999, tzinfo=UTC)

    def test_zero_on_business_day_is_end_of_same_day(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 0) == datetime(2025, 10, 9, 15, 59, 59, 999999, tzinfo=UTC)

    def test_zero_on_holiday_is_end_of_next_business_day(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 3, 9, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 0) == datetime(2025, 10, 9, 15, 59, 59, 999999, tzinfo=UTC)

    def test_one_on_holiday_is_end_of_first_business_day_after(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 3, 9, 0, tzinfo=SHANGHAI)
        assert cn.add_business_days(start, 1) == datetime(2025, 10, 9, 15, 59, 59, 999999, tzinfo=UTC)

    def test_negative_days_are_refused(self, cn: BusinessCalendar) -> None:
        with pytest.raises(ValueError, match="zero or more"):
            cn.add_business_days(datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI), -1)

    def test_naive_start_is_refused(self, cn: BusinessCalendar) -> None:
        with pytest.raises(ValueError, match="naive datetime"):
            cn.add_business_days(datetime(2025, 10, 9, 9, 0), 1)

    def test_running_into_missing_year_raises_when_strict(self, cn: BusinessCalendar) -> None:
        start = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
        with pytest.raises(CalendarYearMissing, match="2027"):
            cn.add_business_days(start, 5)

    def test_missing_year_counts_weekends_only_when_lenient(self, cn_lenient: BusinessCalendar) -> None:
        # 12/31 and 1/1 (no 2027 data, so not a holiday), then Monday 1/4 to Wednesday 1/6.
        start = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
        assert cn_lenient.add_business_days(start, 5) == datetime(2027, 1, 6, 15, 59, 59, 999999, tzinfo=UTC)


class TestBusinessDaysBetween:
    def test_across_national_day(self, cn: BusinessCalendar) -> None:
        deadline = datetime(2025, 9, 30, 15, 59, 59, 999999, tzinfo=UTC)
        now = datetime(2025, 10, 10, 10, 0, tzinfo=SHANGHAI)
        assert cn.business_days_between(deadline, now) == 2

    def test_counts_adjusted_sunday(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
        end = datetime(2025, 9, 28, 10, 0, tzinfo=SHANGHAI)
        assert cn.business_days_between(start, end) == 1

    def test_same_local_day_is_zero(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)
        end = datetime(2025, 10, 9, 23, 0, tzinfo=SHANGHAI)
        assert cn.business_days_between(start, end) == 0

    def test_end_before_start_is_zero(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 10, 20, 9, 0, tzinfo=SHANGHAI)
        end = datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)
        assert cn.business_days_between(start, end) == 0

    def test_uses_shanghai_dates_of_utc_times(self, cn: BusinessCalendar) -> None:
        # Friday 10/10 16:30 UTC is Saturday 10/11 in Shanghai, a worked Saturday.
        start = datetime(2025, 10, 10, 1, 0, tzinfo=UTC)
        end = datetime(2025, 10, 10, 16, 30, tzinfo=UTC)
        assert cn.business_days_between(start, end) == 1

    def test_agrees_with_counting_day_by_day(self, cn: BusinessCalendar) -> None:
        first, last = date(2024, 1, 1), date(2026, 12, 31)
        for start_offset in range(0, (last - first).days, 11):
            start_day = first + timedelta(days=start_offset)
            for span in (1, 6, 7, 30, 200):
                end_day = min(start_day + timedelta(days=span), last)
                expected = sum(
                    cn.is_business_day(start_day + timedelta(days=i))
                    for i in range(1, (end_day - start_day).days + 1)
                )
                start = datetime(start_day.year, start_day.month, start_day.day, tzinfo=SHANGHAI)
                end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=SHANGHAI)
                assert cn.business_days_between(start, end) == expected, (start_day, end_day)

    def test_undoes_add_business_days(self, cn: BusinessCalendar) -> None:
        start = datetime(2025, 9, 25, 18, 0, tzinfo=SHANGHAI)
        for n in range(1, 40):
            assert cn.business_days_between(start, cn.add_business_days(start, n)) == n

    def test_span_into_missing_year_raises_when_strict(self, cn: BusinessCalendar) -> None:
        start = datetime(2026, 12, 1, tzinfo=SHANGHAI)
        end = datetime(2027, 1, 5, tzinfo=SHANGHAI)
        with pytest.raises(CalendarYearMissing, match="2027"):
            cn.business_days_between(start, end)

    def test_span_into_missing_year_counts_weekdays_when_lenient(self, cn_lenient: BusinessCalendar) -> None:
        start = datetime(2026, 12, 30, tzinfo=SHANGHAI)
        end = datetime(2027, 1, 5, tzinfo=SHANGHAI)
        assert cn_lenient.business_days_between(start, end) == 4

    def test_naive_end_is_refused(self, cn: BusinessCalendar) -> None:
        with pytest.raises(ValueError, match="naive datetime"):
            cn.business_days_between(datetime(2025, 10, 9, tzinfo=UTC), datetime(2025, 10, 20))


class TestCustomTimeZone:
    @pytest.fixture
    def london(self, tmp_path: Path) -> BusinessCalendar:
        data = {
            "source": "gov.uk bank holidays, England and Wales (excerpt)",
            "time_zone": "Europe/London",
            "years": {
                "2025": [
                    {"name": "Christmas Day", "off": ["2025-12-25"]},
                    {"name": "Boxing Day", "off": ["2025-12-26"]},
                ],
                "2026": [{"name": "New Year's Day", "off": ["2026-01-01"]}],
            },
        }
        return load_calendar(write_calendar(tmp_path, data))

    def test_skips_christmas_and_weekend(self, london: BusinessCalendar) -> None:
        start = datetime(2025, 12, 24, 10, 0, tzinfo=UTC)
        assert london.add_business_days(start, 1) == datetime(2025, 12, 29, 23, 59, 59, 999999, tzinfo=UTC)

    def test_end_of_day_follows_summer_time(self, london: BusinessCalendar) -> None:
        # 23:30 UTC on 7/1 is 00:30 BST on 7/2, and that day ends at 22:59:59.999999 UTC.
        start = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)
        assert london.add_business_days(start, 0) == datetime(2025, 7, 2, 22, 59, 59, 999999, tzinfo=UTC)

    def test_time_zone_argument_overrides_file(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, calendar_data())
        assert load_calendar(path, time_zone="Europe/London").time_zone == "Europe/London"


class TestBusinessCalendar:
    def test_seven_day_weekend_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no business day"):
            BusinessCalendar(weekend=frozenset(range(7)))

    def test_adjusted_working_weekday_is_refused(self) -> None:
        with pytest.raises(ValueError, match="2025-10-09"):
            BusinessCalendar(adjusted_working_days=frozenset({date(2025, 10, 9)}))

    def test_unknown_time_zone_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Mars/Olympus"):
            BusinessCalendar(time_zone="Mars/Olympus")

    def test_calendar_is_immutable(self, cn: BusinessCalendar) -> None:
        with pytest.raises(AttributeError):
            cn.strict = False  # type: ignore[misc]


class TestLoadCalendar:
    def test_packaged_file_covers_2024_to_2026(self, cn: BusinessCalendar) -> None:
        assert cn.covered_years == frozenset({2024, 2025, 2026})

    def test_packaged_file_is_in_shanghai_time(self, cn: BusinessCalendar) -> None:
        assert cn.time_zone == "Asia/Shanghai"

    def test_loads_any_path(self, tmp_path: Path) -> None:
        calendar = load_calendar(write_calendar(tmp_path, calendar_data()))
        assert calendar.holidays == frozenset({date(2025, 10, 1), date(2025, 10, 2)})

    def test_weekend_can_be_set_in_file(self, tmp_path: Path) -> None:
        data = calendar_data(weekend=["Friday", "Saturday"], years={"2025": []})
        calendar = load_calendar(write_calendar(tmp_path, data))
        assert calendar.is_business_day(date(2025, 10, 12))  # a Sunday

    def test_impossible_date_names_file_and_entry(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(off=["2025-02-30"]))
        with pytest.raises(ValueError, match=r"calendar\.json.*years\.2025\[0\] \(国庆节"):
            load_calendar(path)

    def test_date_not_written_yyyy_mm_dd_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(off=["20251001"]))
        with pytest.raises(ValueError, match="'20251001' is not a date written YYYY-MM-DD"):
            load_calendar(path)

    def test_date_off_and_work_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(off=["2025-09-28"], work=["2025-09-28"]))
        with pytest.raises(ValueError, match="2025-09-28 is listed both as off and as work"):
            load_calendar(path)

    def test_work_day_on_weekday_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(work=["2025-09-29"]))
        with pytest.raises(ValueError, match="work day 2025-09-29 is a Monday, not a weekend day"):
            load_calendar(path)

    def test_date_listed_twice_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(off=["2025-10-01", "2025-10-01"]))
        with pytest.raises(ValueError, match="2025-10-01 is listed as off twice"):
            load_calendar(path)

    def test_date_far_from_its_year_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(off=["2052-10-01"]))
        with pytest.raises(ValueError, match="2052-10-01 is too far from 2025"):
            load_calendar(path)

    def test_misspelt_entry_key_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(wrok=["2025-09-28"]))
        with pytest.raises(ValueError, match="unknown keys \\['wrok'\\]"):
            load_calendar(path)

    def test_entry_without_name_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, entry_data(name=""))
        with pytest.raises(ValueError, match=r"years\.2025\[0\] needs a name"):
            load_calendar(path)

    def test_year_key_must_be_a_year(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, calendar_data(years={"twenty-25": []}))
        with pytest.raises(ValueError, match="'twenty-25' is not a four-digit year"):
            load_calendar(path)

    def test_unknown_time_zone_names_file(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, calendar_data(time_zone="Mars/Olympus"))
        with pytest.raises(ValueError, match=r"calendar\.json: unknown time zone 'Mars/Olympus'"):
            load_calendar(path)

    def test_missing_time_zone_is_refused(self, tmp_path: Path) -> None:
        data = calendar_data()
        del data["time_zone"]
        with pytest.raises(ValueError, match="time_zone must be given"):
            load_calendar(write_calendar(tmp_path, data))

    def test_unknown_weekend_day_is_refused(self, tmp_path: Path) -> None:
        path = write_calendar(tmp_path, calendar_data(weekend=["Sat", "Sun"]))
        with pytest.raises(ValueError, match="unknown day names \\['Sat', 'Sun'\\]"):
            load_calendar(path)

    def test_invalid_json_names_file(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{"years": {', encoding="utf-8")
        with pytest.raises(ValueError, match=r"broken\.json: not valid JSON"):
            load_calendar(path)

    def test_lenient_flag_is_kept(self, cn_lenient: BusinessCalendar) -> None:
        assert cn_lenient.strict is False


class TestMissingYears:
    """Past the last year of published holidays the service keeps counting (weekends only), and says so."""

    def test_a_lenient_calendar_warns_once_for_each_missing_year(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        calendar = load_calendar(strict=False)  # its own: which years it has warned of is per calendar
        start = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)

        with caplog.at_level("WARNING", logger="townhall.calendar"):
            calendar.add_business_days(start, 5)
            calendar.add_business_days(start, 6)
            calendar.business_days_between(start, datetime(2027, 2, 1, tzinfo=SHANGHAI))

        warnings = [record.getMessage() for record in caplog.records if record.name == "townhall.calendar"]
        assert warnings == [
            "the business calendar has no holiday data for 2027: counting weekends only; "
            "add that year's schedule to the calendar file (TOWNHALL_CALENDAR_FILE)"
        ]

    def test_a_covered_year_warns_of_nothing(self, caplog: pytest.LogCaptureFixture) -> None:
        calendar = load_calendar(strict=False)
        with caplog.at_level("WARNING", logger="townhall.calendar"):
            calendar.add_business_days(datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI), 20)
        assert [record for record in caplog.records if record.name == "townhall.calendar"] == []

    @pytest.mark.parametrize(
        ("now", "missing"),
        [
            (datetime(2025, 6, 1, tzinfo=SHANGHAI), ()),
            (datetime(2026, 10, 2, 12, 0, tzinfo=SHANGHAI), ()),  # 90 days later is still 2026
            (datetime(2026, 10, 4, 12, 0, tzinfo=SHANGHAI), (2027,)),
            # Midnight of 4 December in Shanghai is still 3 December in UTC.
            (datetime(2026, 12, 3, 16, 0, tzinfo=UTC), (2027,)),
            (datetime(2027, 11, 1, tzinfo=SHANGHAI), (2027, 2028)),
            (datetime(2023, 12, 31, tzinfo=SHANGHAI), (2023,)),
        ],
    )
    def test_missing_years_are_those_from_today_to_the_horizon(
        self, cn: BusinessCalendar, now: datetime, missing: tuple[int, ...]
    ) -> None:
        assert cn.missing_years(now) == missing

    def test_the_horizon_can_be_chosen(self, cn: BusinessCalendar) -> None:
        now = datetime(2026, 12, 20, tzinfo=SHANGHAI)
        assert cn.missing_years(now, timedelta(days=1)) == ()
        assert cn.missing_years(now, timedelta(days=400)) == (2027, 2028)
