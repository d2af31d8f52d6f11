"""The roster MILP on instances small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.wfm.errors import WfmInputError
from kefu.wfm.roster import RosterOptions, days_off_patterns, solve_roster
from kefu.wfm.shifts import ShiftRules, ShiftType, flexible_shifts, seed_fixed_shifts

FAST = RosterOptions(time_limit_seconds=10)
NINE_TO_FIVE = ShiftRules("nine to five", (540,), 480, break_minutes=0)


def need(per_hour: dict[int, int], days=range(7)) -> np.ndarray:
    """A week of hourly requirements: the same hours on every day in `days`."""
    out = np.zeros((7, 24), dtype=int)
    for day in days:
        for hour, agents in per_hour.items():
            out[day, hour] = agents
    return out


def test_three_a_day_needs_five_agents_and_the_lp_bound_is_fractional():
    """3 agents × 7 days = 21 shifts; each agent works 5 → at least ⌈21/5⌉ = 5 agents = 200 paid hours,
    while the LP relaxation may hire 4.2 agents = 168 hours."""
    roster = solve_roster(need(dict.fromkeys(range(9, 17), 3)), NINE_TO_FIVE, 60, FAST)
    assert roster.optimal and roster.headcount == 5 and roster.paid_hours == 200.0
    assert roster.lp_bound_hours == pytest.approx(168.0)
    assert roster.gap == pytest.approx(0.16)
    assert all(roster.agents_on(day) >= 3 for day in range(7))
    assert sum(roster.agents_on(day) for day in range(7)) == 25  # everyone works five days


def test_tours_give_every_agent_two_consecutive_days_off_and_one_shift_a_day():
    roster = solve_roster(need(dict.fromkeys(range(9, 17), 3)), NINE_TO_FIVE, 60, FAST)
    tours = roster.tours()
    assert len(tours) == roster.headcount
    for tour in tours:
        assert len(tour.days_off) == 2 and (tour.days_off[1] - tour.days_off[0]) % 7 in (1, 6)
        assert [tour.shifts[d] is None for d in range(7)] == [d in tour.days_off for d in range(7)]
        assert tour.paid_hours == 40.0
    for day in range(7):
        assert sum(tour.shifts[day] is not None for tour in tours) == roster.agents_on(day)


def test_breaks_are_not_coverage():
    """One agent needed 09:00–17:00, shifts 09:00–17:00 with a 1-hour break at 12:00 or 13:00: a second agent
    must cover the first one's break (2 a day → 14 shifts → 3 agents working 5 days each)."""
    rules = ShiftRules("with break", (540,), 480, 60, break_earliest_after=180, break_latest_after=240, break_step=60)
    roster = solve_roster(need(dict.fromkeys(range(9, 17), 1)), rules, 60, FAST)
    assert roster.headcount == 3 and roster.paid_hours == 120.0
    for day in range(7):
        assert roster.agents_on(day) >= 2
        breaks = {shift.break_start for shift, count in roster.on_day(day)}
        assert breaks == {720, 780}  # 12:00 and 13:00: never all away at once
        assert roster.coverage[day, 9:17].min() >= 1


def test_demand_peaks_use_staggered_starts_and_beat_the_two_fixed_shifts():
    peaks = need({9: 2, 10: 4, 11: 4, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 2, 18: 2, 19: 4, 20: 6, 21: 6, 22: 3,
                  23: 2})
    half_hours = np.repeat(peaks, 2, axis=1)  # the fixed shifts start on the half hour
    flexible = solve_roster(half_hours, flexible_shifts(), 30, FAST)
    fixed = solve_roster(half_hours, seed_fixed_shifts(), 30, FAST)
    assert np.all(flexible.coverage >= half_hours) and np.all(fixed.coverage >= half_hours)
    assert {shift.start for _, shift, _ in fixed.shifts} == {510, 990}
    assert len({shift.start for _, shift, _ in flexible.shifts}) > 2
    assert flexible.paid_hours < fixed.paid_hours


def test_cyclic_week_sunday_late_shift_covers_monday_just_after_midnight():
    late = ShiftRules("late", (990,), 480, break_minutes=0)  # 16:30–00:30
    required = np.zeros((7, 48), dtype=int)
    required[0, 0] = 1  # Monday 00:00–00:30
    roster = solve_roster(required, late, 30, FAST)
    assert roster.on_day(6) == [(ShiftType(990, 480), 1)] and roster.paid_hours == 40.0
    assert roster.coverage[0, 0] == 1


def test_days_off_patterns():
    assert len(days_off_patterns(RosterOptions())) == 7
    assert len(days_off_patterns(RosterOptions(consecutive_days_off=False))) == 21
    assert (0, 6) in days_off_patterns(RosterOptions())  # Sunday + Monday wrap around


def test_demand_no_shift_can_reach_is_refused_with_the_time():
    required = need({3: 1}, days=[1])
    with pytest.raises(WfmInputError, match=r"day 2 at 03:00"):
        solve_roster(required, NINE_TO_FIVE, 60, FAST)


@pytest.mark.parametrize(("rules", "interval", "field"), [
    (ShiftRules("odd", (545,), 480, 0), 15, "shifts"),
    (ShiftRules("none", (), 480, 0), 15, "shifts.starts"),
    (ShiftRules("long break", (540,), 480, 60, 180, 450), 15, "shifts.break"),
])
def test_bad_shift_rules_name_the_field(rules, interval, field):
    with pytest.raises(WfmInputError) as caught:
        solve_roster(np.zeros((7, 24 * 60 // interval), dtype=int), rules, interval, FAST)
    assert caught.value.field == field


def test_bad_requirement_shape_is_refused():
    with pytest.raises(WfmInputError, match="requirement"):
        solve_roster(np.zeros((6, 24), dtype=int), NINE_TO_FIVE, 60, FAST)
