"""The day simulation: the mechanics call by call, and agreement with Erlang C/A where both apply."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kefu.wfm.erlang import queue_figures
from kefu.wfm.errors import WfmInputError
from kefu.wfm.simulation import SimulationSettings, _run, agents_from_presence, simulate_day

INF = math.inf


def run(arrival, handle, patience, agents):
    status, wait = _run(np.array(arrival, float), np.array(handle, float), np.array(patience, float), agents)
    return status.tolist(), wait.tolist()


def test_a_caller_arriving_during_the_break_is_answered_when_it_ends():
    status, wait = run([10.0], [100.0], [INF], [[(0.0, 5.0), (50.0, 200.0)]])
    assert status == [1] and wait == [40.0]


def test_the_call_in_hand_is_finished_and_the_agent_then_leaves():
    """Shift ends at 60 s; the call from 10 s lasts 100 s; the caller at 20 s is never answered."""
    status, wait = run([10.0, 20.0], [100.0, 5.0], [INF, INF], [[(0.0, 60.0)]])
    assert status == [1, 0] and wait[0] == 0.0


def test_impatient_callers_hang_up_and_the_queue_is_first_in_first_out():
    # One agent busy 0–100 s; callers at 1, 2, 3 s with patience 50, 500, 500 → the first gives up at 51 s,
    # the second is answered at 100 s, the third when the second's call ends (100 + 30 s).
    status, wait = run([0.0, 1.0, 2.0, 3.0], [100.0, 1.0, 30.0, 1.0], [INF, 50.0, 500.0, 500.0], [[(0.0, 1000.0)]])
    assert status == [1, 2, 1, 1]
    assert wait == [0.0, 50.0, 98.0, 127.0]


def test_an_idle_agent_takes_the_caller_at_once_and_goes_off_duty_on_time():
    status, wait = run([5.0, 500.0], [10.0, 10.0], [INF, INF], [[(0.0, 100.0)], [(400.0, 600.0)]])
    assert status == [1, 1] and wait == [0.0, 0.0]


def test_presence_curve_becomes_agents_last_in_first_out():
    agents = agents_from_presence(np.array([1, 2, 2, 1, 0, 1]), 15)
    periods = sorted(tuple(p) for p in agents)
    assert periods == [((0.0, 3600.0),), ((900.0, 2700.0),), ((4500.0, 5400.0),)]


def stationary(patience, replications=20, seed=11):
    """40 intervals of 15 minutes at A = 10 Erlangs (50 calls / 15 min, AHT 180 s), 13 agents all along."""
    settings = SimulationSettings(180, 20, patience, replications=replications, seed=seed)
    outcome = simulate_day(np.full(40, 50.0), [[(0.0, 40 * 900.0)]] * 13, 15, settings)
    steady = slice(4, 36)  # leave out the first hour (starts empty) and the last (no one after closing)
    offered, answered = outcome.offered[steady].sum(), outcome.answered[steady].sum()
    return (outcome.answered_within[steady].sum() / offered, answered / offered,
            outcome.wait_of_answered[steady].sum() / answered)


def test_stationary_day_agrees_with_erlang_c():
    """Tolerance: 2.5 points of service level, 3 s of ASA — about three standard errors at 20 × 8 hours."""
    service_level, answer_rate, asa = stationary(None)
    formula = queue_figures(50 / 900, 180, 13, 20)
    assert service_level == pytest.approx(formula.service_level, abs=0.025)  # 0.7956
    assert asa == pytest.approx(formula.asa_seconds, abs=3.0)  # 17.1 s
    assert answer_rate == 1.0


def test_stationary_day_agrees_with_erlang_a():
    """Tolerance: 1.5 points of service level and of answer rate, 1 s of ASA."""
    service_level, answer_rate, asa = stationary(120.0)
    formula = queue_figures(50 / 900, 180, 13, 20, 120.0)
    assert service_level == pytest.approx(formula.service_level, abs=0.015)  # 0.8886
    assert answer_rate == pytest.approx(formula.answer_rate, abs=0.015)  # 0.9616
    assert asa == pytest.approx(formula.asa_seconds, abs=1.0)  # 3.9 s


def test_same_seed_same_day_and_replications_differ():
    settings = SimulationSettings(180, 20, 120.0, replications=3, seed=5)
    agents = [[(0.0, 4 * 3600.0)]] * 8
    one = simulate_day(np.full(16, 40.0), agents, 15, settings)
    two = simulate_day(np.full(16, 40.0), agents, 15, settings)
    assert np.array_equal(one.answered_within, two.answered_within)
    assert len(set(one.day_service_levels)) == 3 and one.service_level_spread > 0
    other = simulate_day(np.full(16, 40.0), agents, 15, SimulationSettings(180, 20, 120.0, replications=3, seed=6))
    assert not np.array_equal(one.answered_within, other.answered_within)


def test_heavier_handle_times_hurt_the_service_level():
    """Same mean, lognormal with sd = 2.5 × mean: Erlang's exponential assumption is optimistic there."""
    calls, agents = np.full(40, 50.0), [[(0.0, 40 * 900.0)]] * 13
    light = simulate_day(calls, agents, 15, SimulationSettings(180, 20, replications=5))
    heavy = simulate_day(calls, agents, 15, SimulationSettings(180, 20, handle_time="lognormal", handle_time_cv=2.5,
                                                               replications=5))
    assert heavy.service_level < light.service_level - 0.03


def test_figures_of_an_empty_day():
    outcome = simulate_day(np.zeros(8), [], 15, SimulationSettings(180, replications=1))
    assert (outcome.service_level, outcome.answer_rate, outcome.asa_seconds) == (1.0, 1.0, 0.0)


@pytest.mark.parametrize(("settings", "field"), [
    (SimulationSettings(0), "aht_seconds"), (SimulationSettings(180, replications=0), "replications"),
    (SimulationSettings(180, handle_time="gamma"), "handle_time"),
    (SimulationSettings(180, patience_seconds=-1), "patience_seconds"),
])
def test_bad_settings_name_the_field(settings, field):
    with pytest.raises(WfmInputError) as caught:
        simulate_day(np.ones(4), [], 15, settings)
    assert caught.value.field == field
