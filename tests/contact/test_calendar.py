"""The business-hours calendar (pure Python): hand-computed SLA examples and properties."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.contact.calendar import (
    EARLY_SHIFT,
    LATE_SHIFT,
    BusinessCalendar,
    ShiftSpec,
    default_calendar,
)

SH = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
MON_FRI = frozenset(range(5))
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))  # Thu Oct 1 .. Wed Oct 7
MAKE_UP_SATURDAY = date(2026, 10, 10)  # 调休


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def weekday_calendar(**kwargs) -> BusinessCalendar:
    return BusinessCalendar(shifts=(EARLY_SHIFT, LATE_SHIFT), workdays=MON_FRI, **kwargs)


def test_dates_used_below_are_the_weekdays_we_think():
    assert date(2026, 3, 2).weekday() == 0  # Monday
    assert date(2026, 3, 6).weekday() == 4  # Friday
    assert date(2026, 10, 1).weekday() == 3  # Thursday
    assert date(2026, 10, 9).weekday() == 4  # Friday
    assert MAKE_UP_SATURDAY.weekday() == 5


# -- hand-computed examples ----------------------------------------------------------------------------


def test_one_hour_from_four_pm_crosses_early_into_late_seamlessly():
    cal = default_calendar()
    assert cal.add_business_seconds(sh(2026, 3, 2, 16, 0), HOUR) == sh(2026, 3, 2, 17, 0)
    assert cal.business_seconds(sh(2026, 3, 2, 16, 0), sh(2026, 3, 2, 17, 0)) == HOUR


def test_midnight_uses_the_rest_of_last_nights_late_shift_then_resumes_at_opening():
    cal = default_calendar()
    due = cal.add_business_seconds(sh(2026, 3, 3, 0, 0), HOUR)
    assert due == sh(2026, 3, 3, 9, 0)  # 30 min until 00:30, then 08:30 + 30 min
    assert due.tzinfo == SH
    assert cal.business_seconds(sh(2026, 3, 3, 0, 0), due) == HOUR


def test_next_opening():
    cal = default_calendar()
    assert cal.next_opening(sh(2026, 3, 3, 3, 0)) == sh(2026, 3, 3, 8, 30)
    assert cal.next_opening(sh(2026, 3, 3, 0, 30)) == sh(2026, 3, 3, 8, 30)  # 00:30 is already closed
    assert cal.next_opening(sh(2026, 3, 3, 0, 10)) == sh(2026, 3, 3, 0, 10)  # inside: the moment itself
    assert cal.next_opening(sh(2026, 3, 3, 12, 0)) == sh(2026, 3, 3, 12, 0)
    assert cal.add_business_seconds(sh(2026, 3, 3, 3, 0), 0) == sh(2026, 3, 3, 3, 0)  # zero: start itself


def test_shift_at_is_half_open_and_names_the_service_date_the_shift_started_on():
    cal = default_calendar()
    assert cal.shift_at(sh(2026, 3, 3, 0, 10)) == (LATE_SHIFT, date(2026, 3, 2))
    assert cal.shift_at(sh(2026, 3, 3, 0, 30)) is None
    assert cal.shift_at(sh(2026, 3, 3, 8, 29, 59)) is None
    assert cal.shift_at(sh(2026, 3, 3, 8, 30)) == (EARLY_SHIFT, date(2026, 3, 3))
    assert cal.shift_at(sh(2026, 3, 3, 16, 30)) == (LATE_SHIFT, date(2026, 3, 3))
    assert cal.shift_at(sh(2026, 3, 3, 23, 59)) == (LATE_SHIFT, date(2026, 3, 3))
    # the same instant given in UTC
    assert cal.shift_at(datetime(2026, 3, 2, 16, 10, tzinfo=UTC)) == (LATE_SHIFT, date(2026, 3, 2))


def test_a_holiday_skips_its_own_shifts_but_the_late_shift_before_it_runs_to_half_past_midnight():
    cal = default_calendar(holidays=[date(2026, 10, 1)])
    start = sh(2026, 9, 30, 23, 0)
    # 23:00-00:30 = 1.5 h, nothing on Oct 1 (neither early nor late), then Oct 2 08:30 + 30 min
    assert cal.add_business_seconds(start, 2 * HOUR) == sh(2026, 10, 2, 9, 0)
    assert cal.business_seconds(start, sh(2026, 10, 2, 8, 30)) == 1.5 * HOUR
    assert cal.shift_at(sh(2026, 10, 1, 0, 10)) == (LATE_SHIFT, date(2026, 9, 30))
    assert cal.shift_at(sh(2026, 10, 1, 10, 0)) is None
    assert cal.shift_at(sh(2026, 10, 2, 0, 10)) is None  # Oct 1's late shift did not run
    assert not cal.is_service_day(date(2026, 10, 1))
    assert cal.windows(start, sh(2026, 10, 2, 9, 0)) == [
        (sh(2026, 9, 30, 23, 0), sh(2026, 10, 1, 0, 30)),
        (sh(2026, 10, 2, 8, 30), sh(2026, 10, 2, 9, 0)),
    ]


def test_new_years_eve_late_shift_runs_into_a_new_years_day_holiday():
    cal = default_calendar(holidays=[date(2027, 1, 1)])
    assert cal.business_seconds(sh(2026, 12, 31, 16, 30), sh(2027, 1, 2, 0, 0)) == 8 * HOUR
    assert cal.next_opening(sh(2027, 1, 1, 0, 30)) == sh(2027, 1, 2, 8, 30)


def test_weekend_is_skipped_with_a_monday_to_friday_calendar():
    cal = weekday_calendar()
    friday_night = sh(2026, 3, 6, 23, 0)
    # Friday's late shift still runs until Saturday 00:30 (1.5 h), then Monday 08:30 + 30 min
    assert cal.add_business_seconds(friday_night, 2 * HOUR) == sh(2026, 3, 9, 9, 0)
    assert cal.shift_at(sh(2026, 3, 7, 0, 10)) == (LATE_SHIFT, date(2026, 3, 6))
    assert cal.shift_at(sh(2026, 3, 7, 12, 0)) is None
    assert cal.next_opening(sh(2026, 3, 7, 12, 0)) == sh(2026, 3, 9, 8, 30)
    assert cal.business_seconds(friday_night, sh(2026, 3, 9, 8, 30)) == 1.5 * HOUR


def test_make_up_workday_is_worked_even_on_a_saturday():
    with_make_up = weekday_calendar(holidays=NATIONAL_DAY, extra_workdays={MAKE_UP_SATURDAY})
    without = weekday_calendar(holidays=NATIONAL_DAY)
    friday = sh(2026, 10, 9, 16, 0)
    # Friday 16:00-00:30 = 8.5 h; the remaining 7.5 h from 08:30 on the next service day
    assert with_make_up.add_business_seconds(friday, 16 * HOUR) == sh(2026, 10, 10, 16, 0)
    assert without.add_business_seconds(friday, 16 * HOUR) == sh(2026, 10, 12, 16, 0)
    assert with_make_up.is_service_day(MAKE_UP_SATURDAY)
    assert not with_make_up.is_service_day(date(2026, 10, 11))  # Sunday
    # the make-up day's late shift runs until Sunday 00:30, then Monday
    assert with_make_up.add_business_seconds(sh(2026, 10, 10, 23, 0), 2 * HOUR) == sh(2026, 10, 12, 9, 0)


def test_next_service_day_start_skips_holidays_and_weekends():
    cal = default_calendar(holidays=NATIONAL_DAY)
    assert cal.next_service_day_start(sh(2026, 9, 30, 20, 0)) == sh(2026, 10, 8, 8, 30)
    assert cal.next_service_day_start(sh(2026, 10, 1, 0, 10)) == sh(2026, 10, 8, 8, 30)
    assert cal.next_service_day_start(sh(2026, 3, 2, 7, 0)) == sh(2026, 3, 3, 8, 30)  # AFTER today
    weekdays = weekday_calendar(extra_workdays={MAKE_UP_SATURDAY}, holidays=NATIONAL_DAY)
    assert weekdays.next_service_day_start(sh(2026, 3, 6, 10, 0)) == sh(2026, 3, 9, 8, 30)
    assert weekdays.next_service_day_start(sh(2026, 10, 9, 10, 0)) == sh(2026, 10, 10, 8, 30)
    # local date is taken in the calendar's zone: 20:00 UTC Mar 6 is already Saturday in Shanghai
    assert weekdays.next_service_day_start(datetime(2026, 3, 6, 20, 0, tzinfo=UTC)) == sh(2026, 3, 9, 8, 30)


def test_windows_are_clipped_and_adjacent_shifts_merged():
    cal = default_calendar()
    assert cal.windows(sh(2026, 3, 2, 0, 0), sh(2026, 3, 3, 0, 0)) == [
        (sh(2026, 3, 2, 0, 0), sh(2026, 3, 2, 0, 30)),  # Mar 1's late shift
        (sh(2026, 3, 2, 8, 30), sh(2026, 3, 3, 0, 0)),  # early + late as one window
    ]
    assert cal.windows(sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 10, 0)) == []
    assert cal.windows(sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 9, 0)) == []
    assert cal.business_seconds(sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 9, 0)) == 0
    assert cal.business_seconds(sh(2026, 3, 2, 0, 0), sh(2026, 3, 3, 0, 0)) == 16 * HOUR


def test_overlapping_shifts_are_merged_and_gaps_kept():
    cal = BusinessCalendar(
        shifts=(
            ShiftSpec("morning", time(9), time(12)),
            ShiftSpec("afternoon", time(13), time(18)),
        )
    )
    day = (sh(2026, 3, 2, 0, 0), sh(2026, 3, 3, 0, 0))
    assert cal.windows(*day) == [
        (sh(2026, 3, 2, 9), sh(2026, 3, 2, 12)),
        (sh(2026, 3, 2, 13), sh(2026, 3, 2, 18)),
    ]
    assert cal.add_business_seconds(sh(2026, 3, 2, 11), 2 * HOUR) == sh(2026, 3, 2, 14)
    assert cal.next_opening(sh(2026, 3, 2, 12, 30)) == sh(2026, 3, 2, 13)
    covering = ShiftSpec("lunch", time(11), time(14))
    overlapping = BusinessCalendar(shifts=(*cal.shifts, covering))
    assert overlapping.windows(*day) == [(sh(2026, 3, 2, 9), sh(2026, 3, 2, 18))]
    assert overlapping.business_seconds(*day) == 9 * HOUR
    assert overlapping.shift_at(sh(2026, 3, 2, 11, 30)) == (covering, date(2026, 3, 2))  # latest started


def test_round_the_clock_shift_gives_one_endless_window():
    cal = BusinessCalendar(shifts=(ShiftSpec("all-day", time(0), time(0)),))
    start = sh(2026, 3, 2, 5, 0)
    assert cal.add_business_seconds(start, 30 * 86400) == start + timedelta(days=30)
    assert cal.windows(start, sh(2026, 3, 5)) == [(start, sh(2026, 3, 5))]


def test_any_input_zone_outputs_in_the_calendar_zone():
    cal = default_calendar()
    due = cal.add_business_seconds(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), HOUR)  # 16:00 in Shanghai
    assert due == sh(2026, 3, 2, 17, 0)
    assert due.tzinfo == SH
    assert cal.next_opening(datetime(2026, 3, 2, 19, 0, tzinfo=UTC)).tzinfo == SH


def test_calendar_in_a_daylight_saving_zone_counts_absolute_time():
    cal = BusinessCalendar(shifts=(ShiftSpec("night", time(22), time(6)),), tz=BERLIN)
    # night of Mar 28-29 2026: clocks go 02:00 -> 03:00, so the 8-hour shift lasts 7 hours
    night = (datetime(2026, 3, 28, 12, tzinfo=BERLIN), datetime(2026, 3, 29, 12, tzinfo=BERLIN))
    assert cal.business_seconds(*night) == 7 * HOUR
    # night of Oct 24-25 2026: clocks go 03:00 -> 02:00, 9 hours
    night = (datetime(2026, 10, 24, 12, tzinfo=BERLIN), datetime(2026, 10, 25, 12, tzinfo=BERLIN))
    assert cal.business_seconds(*night) == 9 * HOUR


def test_frozen_hashable_and_inputs_normalised():
    cal = BusinessCalendar(shifts=[EARLY_SHIFT], holidays={date(2026, 1, 1)}, workdays=[0, 1, 2])
    assert cal.shifts == (EARLY_SHIFT,)
    assert cal.holidays == frozenset({date(2026, 1, 1)})
    assert cal.workdays == frozenset({0, 1, 2})
    assert cal.tz == SH
    assert hash(cal) == hash(BusinessCalendar(shifts=(EARLY_SHIFT,), holidays=[date(2026, 1, 1)], workdays={0, 1, 2}))
    with pytest.raises(AttributeError):
        cal.tz = UTC  # type: ignore[misc]
    assert default_calendar().shifts == (
        ShiftSpec("early", time(8, 30), time(16, 30)),
        ShiftSpec("late", time(16, 30), time(0, 30)),
    )


# -- rejected input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda cal, naive: cal.shift_at(naive),
        lambda cal, naive: cal.next_opening(naive),
        lambda cal, naive: cal.next_service_day_start(naive),
        lambda cal, naive: cal.add_business_seconds(naive, 60),
        lambda cal, naive: cal.business_seconds(naive, sh(2026, 3, 3)),
        lambda cal, naive: cal.business_seconds(sh(2026, 3, 1), naive),
        lambda cal, naive: cal.windows(naive, sh(2026, 3, 3)),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(default_calendar(), datetime(2026, 3, 2, 10, 0))


@pytest.mark.parametrize("seconds", [-1, -0.000001, float("nan"), float("-inf"), float("inf")])
def test_negative_or_non_finite_seconds_are_rejected(seconds):
    with pytest.raises(ValueError):
        default_calendar().add_business_seconds(sh(2026, 3, 2, 10), seconds)


def test_a_calendar_without_shifts_is_rejected_at_construction():
    with pytest.raises(ValueError):
        BusinessCalendar(shifts=())


def test_a_date_both_holiday_and_make_up_day_is_rejected():
    with pytest.raises(ValueError, match="both"):
        default_calendar(holidays=[date(2026, 10, 1)], extra_workdays=[date(2026, 10, 1)])


def test_duplicate_shift_codes_and_bad_weekdays_are_rejected():
    with pytest.raises(ValueError):
        BusinessCalendar(shifts=(EARLY_SHIFT, ShiftSpec("early", time(18), time(20))))
    with pytest.raises(ValueError):
        BusinessCalendar(shifts=(EARLY_SHIFT,), workdays={7})


def test_a_calendar_with_no_service_days_raises_instead_of_looping():
    never = BusinessCalendar(shifts=(EARLY_SHIFT,), workdays=frozenset())
    moment = sh(2026, 3, 2, 10)
    for search in (
        lambda: never.add_business_seconds(moment, 60),
        lambda: never.next_opening(moment),
        lambda: never.next_service_day_start(moment),
    ):
        with pytest.raises(ValueError, match="3660"):
            search()
    assert never.business_seconds(moment, sh(2027, 3, 2)) == 0
    assert never.shift_at(moment) is None
    # only a few make-up days: usable until they run out
    few = BusinessCalendar(shifts=(EARLY_SHIFT,), workdays=frozenset(), extra_workdays={date(2026, 3, 7)})
    assert few.add_business_seconds(moment, 60) == sh(2026, 3, 7, 8, 31)
    with pytest.raises(ValueError):
        few.add_business_seconds(moment, 9 * HOUR)


def test_adding_thirty_business_days_is_whole_day_stepping_not_minute_stepping():
    cal = weekday_calendar(holidays=NATIONAL_DAY, extra_workdays={MAKE_UP_SATURDAY})
    start = sh(2026, 9, 20, 11, 17)
    began = clock.perf_counter()
    for _ in range(20):
        due = cal.add_business_seconds(start, 30 * 16 * HOUR)
    per_call = (clock.perf_counter() - began) / 20
    assert cal.business_seconds(start, due) == 30 * 16 * HOUR
    assert per_call < 0.005, f"{per_call * 1000:.2f} ms per call"


# -- properties ------------------------------------------------------------------------------------------

CALENDARS = {
    "default": lambda holidays, extra: default_calendar(holidays=holidays, extra_workdays=extra),
    "mon-fri": lambda holidays, extra: weekday_calendar(holidays=holidays, extra_workdays=extra),
    "gappy": lambda holidays, extra: BusinessCalendar(
        shifts=(
            ShiftSpec("am", time(9), time(12)),
            ShiftSpec("pm", time(13), time(18)),
            ShiftSpec("mid", time(11, 30), time(13, 30)),
            ShiftSpec("night", time(22), time(2)),
        ),
        workdays=frozenset({0, 2, 3, 5}),
        holidays=holidays,
        extra_workdays=extra,
    ),
    "berlin-dst": lambda holidays, extra: BusinessCalendar(
        shifts=(ShiftSpec("day", time(8), time(17)), ShiftSpec("night", time(22), time(3, 30))),
        tz=BERLIN,
        holidays=holidays,
        extra_workdays=extra,
    ),
}


@st.composite
def calendars(draw) -> BusinessCalendar:
    kind = draw(st.sampled_from(sorted(CALENDARS)))
    days = st.dates(min_value=date(2025, 12, 25), max_value=date(2028, 3, 1))
    holidays = draw(st.frozensets(days, max_size=60))
    extra = draw(st.frozensets(days, max_size=10)) - holidays
    return CALENDARS[kind](holidays, extra)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([SH, UTC, NEW_YORK, BERLIN]),
)
amounts = st.one_of(
    st.just(0.0),
    st.integers(min_value=0, max_value=10 * 16 * HOUR).map(float),
    st.floats(min_value=0, max_value=10 * 16 * HOUR, allow_nan=False, allow_infinity=False),
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(moment: datetime) -> datetime:
    """Compare and step in UTC: same-zone aware datetimes compare by wall clock (wrong around DST)."""
    return moment.astimezone(UTC)


@PROPERTY
@given(cal=calendars(), start=moments, seconds=amounts)
def test_add_then_measure_gives_back_the_amount(cal, start, seconds):
    due = cal.add_business_seconds(start, seconds)
    assert due.tzinfo == cal.tz
    assert utc(due) >= utc(start)
    assert cal.business_seconds(start, due) == pytest.approx(seconds, abs=1e-6)
    if seconds == 0:
        assert utc(due) == utc(start)


@PROPERTY
@given(cal=calendars(), start=moments, seconds=amounts.filter(lambda s: s > 0))
def test_add_lands_inside_or_at_the_end_of_a_window_and_is_the_earliest_such_instant(cal, start, seconds):
    due = utc(cal.add_business_seconds(start, seconds))
    just_before = due - timedelta(microseconds=1)
    assert cal.shift_at(just_before) is not None
    assert cal.business_seconds(start, just_before) < seconds


@PROPERTY
@given(cal=calendars(), start=moments, a=amounts, b=amounts)
def test_add_is_monotonic(cal, start, a, b):
    small, large = sorted((a, b))
    assert utc(cal.add_business_seconds(start, small)) <= utc(cal.add_business_seconds(start, large))


@PROPERTY
@given(cal=calendars(), a=moments, ab=gaps, bc=gaps)
def test_business_seconds_is_additive(cal, a, ab, bc):
    b = utc(a) + ab
    c = b + bc
    assert cal.business_seconds(a, b) + cal.business_seconds(b, c) == pytest.approx(
        cal.business_seconds(a, c), abs=1e-6
    )
    windows = cal.windows(a, c)
    assert sum((utc(e) - utc(s) for s, e in windows), timedelta(0)).total_seconds() == cal.business_seconds(a, c)
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        assert utc(end) < utc(start)  # merged: never touching


@PROPERTY
@given(cal=calendars(), moment=moments)
def test_next_opening_is_open_and_nothing_is_skipped_before_it(cal, moment):
    opening = cal.next_opening(moment)
    assert utc(opening) >= utc(moment)
    assert cal.shift_at(opening) is not None
    assert cal.business_seconds(moment, opening) == 0
    assert (utc(opening) == utc(moment)) == (cal.shift_at(moment) is not None)
