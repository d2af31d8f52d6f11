"""The week plan end to end on small instances: the top-up closes a day that falls short."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from kefu.wfm.errors import WfmInputError
from kefu.wfm.forecast import History
from kefu.wfm.plan import PlanOptions, plan_week, roster_agents
from kefu.wfm.report import format_plan, plan_to_dict
from kefu.wfm.roster import RosterOptions, solve_roster
from kefu.wfm.shifts import ShiftRules, ShiftType, flexible_shifts
from kefu.wfm.staffing import Targets

MONDAY = date(2026, 11, 2)
FAST = RosterOptions(time_limit_seconds=10)


def flat_hotline(calls_per_hour: float = 68.0) -> History:
    """Two weeks of a line open 09:00–17:00 at a flat rate, hourly counts."""
    counts = np.zeros((14, 24))
    counts[:, 9:17] = calls_per_hour
    return History(MONDAY, 60, counts)


def tight_plan(**overrides):
    """One 09:00–17:00 shift without a break: the roster can match the requirement exactly, so nothing hides a
    shortfall. 68 calls an hour at AHT 240 s need 7 agents by Erlang C (81.8 % in 20 s), but the handle times
    are lognormal with sd 2.5 × mean, which Erlang's exponential assumption underrates."""
    options = dict(aht_seconds=240, patience_seconds=None, shifts=ShiftRules("day", (540,), 480, 0),
                   compare_with=None, roster=FAST, handle_time="lognormal", handle_time_cv=2.5, replications=4,
                   seed=1)
    return plan_week(flat_hotline(), Targets(0.80, 20), PlanOptions(**{**options, **overrides}))


def test_the_top_up_closes_days_that_the_interval_requirement_leaves_short():
    plan = tight_plan()
    assert int(plan.requirement.max()) == 7
    short_before = [day for day in plan.days if day.before.service_level < 0.80]
    assert short_before, "the instance must start short for this test to mean anything"
    assert plan.rounds and plan.meets_targets
    assert all(day.after.service_level >= 0.80 for day in plan.days)
    assert plan.roster.paid_hours > plan.first_roster.paid_hours
    assert np.all(plan.final_requirement >= plan.requirement)
    assert np.all(plan.roster.coverage >= plan.final_requirement)
    assert set(plan.rounds[0].days_short) == {day.day for day in short_before}


def test_without_rounds_the_shortfall_is_reported_not_hidden():
    plan = tight_plan(max_topup_rounds=0)
    assert not plan.meets_targets and not plan.rounds
    assert plan.roster is plan.first_roster
    assert "WARNING" in format_plan(plan)


def test_a_plan_with_breaks_and_the_fixed_shift_comparison():
    counts = np.zeros((7, 48))
    counts[:, 17:48] = 30.0  # 08:30–24:00, half-hourly
    counts[:, 40:44] = 60.0  # evening peak 20:00–22:00
    plan = plan_week(History(MONDAY, 30, counts), Targets(0.80, 20, answer_rate=0.95),
                     PlanOptions(aht_seconds=210, patience_seconds=180, roster=FAST, replications=2,
                                 promotion_days=frozenset({MONDAY + timedelta(days=9)})))
    assert plan.forecast.week_start == MONDAY + timedelta(days=7)
    assert plan.days[2].promotion and plan.days[2].forecast_calls == pytest.approx(1.3 * plan.days[1].forecast_calls)
    assert plan.meets_targets
    assert plan.roster.lp_bound_hours <= plan.roster.paid_hours and 0 <= plan.roster.gap < 0.1
    assert plan.fixed is not None and plan.fixed.paid_hours >= plan.roster.paid_hours and plan.fixed.saving >= 0
    assert all(day.interval_staffing is not None for day in plan.days)
    data = plan_to_dict(plan, intervals=True)
    json.dumps(data)  # plain data all the way down
    assert data["model"] == "erlang_a" and len(data["intervals"]) == 7 and len(data["intervals"][0]) == 48
    assert data["days"][2]["peak_required_agents"] == int(plan.requirement[2].max())
    assert sum(row["agents"] for row in data["roster"]["days_off"]) == plan.roster.headcount


def test_the_previous_days_late_shift_is_on_duty_after_midnight():
    empty = solve_roster(np.zeros((7, 24), dtype=int), ShiftRules("day", (540,), 480, 0), 60, FAST)
    late = ShiftType(990, 480, 1230, 60)  # 16:30–00:30, break 20:30
    roster = replace(empty, shifts=((6, late, 2),))
    assert roster_agents(roster, 0) == [[(0.0, 1800.0)]] * 2  # Monday 00:00–00:30, from Sunday's late shift
    assert len(roster_agents(roster, 6)) == 2


def test_bad_options_name_the_field():
    with pytest.raises(WfmInputError, match="aht_seconds"):
        plan_week(flat_hotline(), Targets(), PlanOptions(aht_seconds=0))
    with pytest.raises(WfmInputError, match="targets.answer_rate"):
        plan_week(flat_hotline(), Targets(answer_rate=0.96), PlanOptions(patience_seconds=None))
    with pytest.raises(WfmInputError, match="shifts"):  # 30-minute starts on an hourly grid
        plan_week(flat_hotline(), Targets(), PlanOptions(shifts=flexible_shifts(), compare_with=None))
