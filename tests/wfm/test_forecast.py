"""Forecast: the weekday × time-of-day pattern, recency, the promotion multiplier; history in and out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from kefu.wfm.demo import (
    DEMO_FIRST_DAY,
    DEMO_WEEK_START,
    demo_history,
    demo_pattern,
    history_to_csv,
    read_history_csv,
)
from kefu.wfm.errors import WfmInputError
from kefu.wfm.forecast import History, forecast_week, history_from_counts, history_from_timestamps

MONDAY = date(2026, 11, 2)


def weekly(weeks: int, level=lambda week, weekday: 10.0 * (weekday + 1), interval: int = 60) -> np.ndarray:
    """Counts for `weeks` weeks from a Monday: open 09:00–17:00 at a level per (week, weekday)."""
    slots = 24 * 60 // interval
    counts = np.zeros((7 * weeks, slots))
    for d in range(7 * weeks):
        counts[d, 9 * 60 // interval:17 * 60 // interval] = level(d // 7, d % 7)
    return counts


def test_each_weekday_gets_its_own_pattern():
    history = History(MONDAY, 60, weekly(3))
    forecast = forecast_week(history)
    assert forecast.week_start == MONDAY + timedelta(days=21)
    for weekday in range(7):
        assert forecast.calls[weekday, 9:17] == pytest.approx([10.0 * (weekday + 1)] * 8)
        assert forecast.calls[weekday, :9].sum() == 0 and forecast.calls[weekday, 17:].sum() == 0


def test_recent_weeks_weigh_more():
    """Half-life 1 week: last week (age 1) weighs 1/2, the one before (age 2) 1/4 → (10·¼ + 20·½) / ¾."""
    history = History(MONDAY, 60, weekly(2, level=lambda week, _: 10.0 * (week + 1)))
    forecast = forecast_week(history, half_life_weeks=1.0)
    assert forecast.calls[0, 10] == pytest.approx((10 * 0.25 + 20 * 0.5) / 0.75)


def test_promotion_multiplier_is_measured_and_applied():
    counts = weekly(3, level=lambda week, weekday: 40.0)
    promoted = MONDAY + timedelta(days=9)  # a Wednesday of the history
    counts[9] *= 1.5
    history = History(MONDAY, 60, counts, frozenset({promoted}))
    week = MONDAY + timedelta(days=21)
    forecast = forecast_week(history, promotion_days={week + timedelta(days=4)})
    assert forecast.multiplier_from_history and forecast.promotion_multiplier == pytest.approx(1.5)
    assert forecast.calls[2, 10] == pytest.approx(40.0)  # the promotion day did not lift the normal pattern
    assert forecast.calls[4, 10] == pytest.approx(60.0)


def test_without_promotions_in_history_the_default_applies_and_can_be_overridden():
    history = History(MONDAY, 60, weekly(2, level=lambda week, weekday: 40.0))
    week = MONDAY + timedelta(days=14)
    assert forecast_week(history, promotion_days={week}).calls[0, 10] == pytest.approx(52.0)  # × 1.3, seed 002
    assert forecast_week(history, promotion_days={week}, promotion_multiplier=2.0).calls[0, 10] == pytest.approx(80)


def test_timestamps_are_counted_into_local_intervals():
    stamps = [datetime(2026, 11, 2, 9, 0), datetime(2026, 11, 2, 9, 14, 59), datetime(2026, 11, 2, 9, 15),
              datetime(2026, 11, 2, 1, 5, tzinfo=UTC),  # 09:05 in Shanghai
              datetime(2026, 11, 8, 23, 59)]
    history = history_from_timestamps(stamps, 15)
    assert history.first_day == MONDAY and history.counts.shape == (7, 96)
    assert history.counts[0, 36] == 3 and history.counts[0, 37] == 1 and history.counts[6, 95] == 1
    assert history.counts.sum() == 5


def test_counts_rows_fill_missing_intervals_with_zero():
    rows = [(datetime(2026, 11, 2, 10, 0), 5.0), (datetime(2026, 11, 8, 10, 0), 7.0)]
    history = history_from_counts(rows, 60)
    assert history.counts.shape == (7, 24) and history.counts.sum() == 12


@pytest.mark.parametrize(("rows", "field"), [
    ([(datetime(2026, 11, 2, 10, 7), 5.0)], "history[0].start"),
    ([(datetime(2026, 11, 2, 10, 0), 1.0), (datetime(2026, 11, 8, 10, 0), -1.0)], "history[1].calls"),
    ([(datetime(2026, 11, 2, 10, 0), 5.0)], "history"),  # one day is not a week
    ([], "history"),
])
def test_bad_history_names_the_row(rows, field):
    with pytest.raises(WfmInputError) as caught:
        history_from_counts(rows, 15)
    assert caught.value.field == field


def test_forecast_refuses_promotions_outside_the_week_and_a_history_of_promotions_only():
    history = History(MONDAY, 60, weekly(1))
    with pytest.raises(WfmInputError, match="promotion_days"):
        forecast_week(history, promotion_days={MONDAY})
    only = History(MONDAY, 60, weekly(1), frozenset(MONDAY + timedelta(days=d) for d in range(7)))
    with pytest.raises(WfmInputError, match="no day outside a promotion"):
        forecast_week(only)


def test_demo_history_is_deterministic_and_shaped_like_the_seeds():
    one, two = demo_history(seed=7), demo_history(seed=7)
    assert np.array_equal(one.counts, two.counts) and not np.array_equal(one.counts, demo_history(seed=8).counts)
    assert one.first_day == DEMO_FIRST_DAY and one.days[-1] + timedelta(days=1) == DEMO_WEEK_START
    pattern = demo_pattern()
    assert pattern[:34].sum() == 0 and pattern[34] > 0  # opens 08:30, closes at midnight (seed 001)
    forecast = forecast_week(one)
    assert forecast.multiplier_from_history and 1.3 < forecast.promotion_multiplier < 1.45


def test_csv_round_trip_and_errors_name_the_line():
    history = demo_history(weeks=1)
    again = read_history_csv(history_to_csv(history))
    assert np.array_equal(again.counts, history.counts) and again.promotion_days == history.promotion_days
    with pytest.raises(WfmInputError) as caught:
        read_history_csv("start,calls\n2026-11-02T09:00,4\n2026-11-02T09:15,many\n")
    assert caught.value.field == "line 3.calls"
    with pytest.raises(WfmInputError, match="header"):
        read_history_csv("when,count\n2026-11-02T09:00,4\n")
    with pytest.raises(WfmInputError) as caught:
        read_history_csv("start,calls,promotion\n2026-11-02T09:00,4,yes\n")
    assert caught.value.field == "line 2.promotion"
