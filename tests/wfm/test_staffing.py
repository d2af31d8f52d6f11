"""The fewest agents that reach a target: never one too many, never one too few."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.wfm.erlang import queue_figures
from kefu.wfm.errors import WfmInputError
from kefu.wfm.staffing import Targets, required_agents, staff_interval


def test_classic_example_needs_fourteen_agents_for_80_in_20():
    """A = 10 Erlangs: 13 agents give 79.6 % (just short), 14 give 88.8 % (test_erlang's table)."""
    figures = staff_interval(100, 1800, 180, Targets(0.80, 20))
    assert figures.agents == 14 and figures.model == "erlang_c"
    assert figures.service_level == pytest.approx(0.8884, abs=1e-4)


CASES = [(500, 240, Targets(0.80, 20)), (37, 300, Targets(0.90, 30)), (3, 200, Targets(0.80, 20)),
         (120, 180, Targets(0.80, 20, max_occupancy=0.75)), (800, 210, Targets(None, 20, answer_rate=0.96)),
         (800, 210, Targets(0.70, 10, answer_rate=0.98))]


@pytest.mark.parametrize(("calls", "aht", "targets", "patience"), [
    (*case, patience) for case in CASES for patience in (None, 60.0, 240.0)
    if patience is not None or case[2].answer_rate is None  # an answer-rate target needs abandonment
])
def test_the_answer_is_the_fewest_that_meet_every_target(calls, aht, targets, patience):
    figures = staff_interval(calls, 900, aht, targets, patience)
    assert targets.met_by(figures)
    fewer = queue_figures(calls / 900, aht, figures.agents - 1, targets.answer_within_seconds, patience)
    assert not targets.met_by(fewer)


def test_abandonment_lowers_the_staff_needed_for_the_same_service_level():
    """Callers who give up shorten the queue for the rest (Erlang A needs no more agents than Erlang C)."""
    c = staff_interval(500, 900, 240, Targets(0.80, 20))
    a = staff_interval(500, 900, 240, Targets(0.80, 20), patience_seconds=180)
    assert (c.agents, a.agents) == (142, 131)


def test_no_calls_need_no_agents():
    assert staff_interval(0, 900, 240, Targets()).agents == 0
    assert staff_interval(0, 900, 240, Targets(answer_rate=0.96), 180).agents == 0


def test_occupancy_cap_adds_agents():
    free = staff_interval(500, 900, 240, Targets(0.80, 20))
    capped = staff_interval(500, 900, 240, Targets(0.80, 20, max_occupancy=0.85))
    assert capped.agents == 157 > free.agents  # ceil(133.3 / 0.85)
    assert capped.occupancy <= 0.85


def test_required_agents_keeps_the_shape_and_caches_repeats():
    calls = np.array([[0.0, 10.0, 10.0], [100.0, 0.0, 10.0]])
    agents = required_agents(calls, 15, 240, Targets(0.80, 20))
    assert agents.shape == (2, 3) and agents.dtype.kind == "i"
    assert agents[0, 0] == agents[1, 1] == 0 and agents[0, 1] == agents[0, 2] == agents[1, 2]
    assert agents[1, 0] == staff_interval(100, 900, 240, Targets(0.80, 20)).agents


@pytest.mark.parametrize(("targets", "patience", "field"), [
    (Targets(answer_rate=0.96), None, "targets.answer_rate"),
    (Targets(1.0), None, "targets.service_level"),
    (Targets(0.8, -1), None, "targets.answer_within_seconds"),
    (Targets(None), None, "targets"),
    (Targets(0.8, max_occupancy=1.2), 120, "targets.max_occupancy"),
])
def test_bad_targets_name_the_field(targets, patience, field):
    with pytest.raises(WfmInputError) as caught:
        staff_interval(100, 900, 240, targets, patience)
    assert caught.value.field == field


def test_bad_volume_is_refused():
    with pytest.raises(WfmInputError, match="calls"):
        staff_interval(-1, 900, 240, Targets())
    with pytest.raises(WfmInputError, match="interval"):
        staff_interval(10, 0, 240, Targets())
