"""Ticket priority, queues and round-robin assignment (pure)."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.tickets.routing import (
    DIAMOND_QUEUE,
    PRIORITY_MATRIX,
    SEVERITIES,
    SKILLS,
    TIERS,
    AgentLoad,
    WaitingTicket,
    assign,
    can_take,
    priority,
    queue_for,
)

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)

EXPECTED = {  # (severity, tier) -> priority, written out cell by cell
    ("critical", "registered"): 1, ("critical", "bronze"): 1, ("critical", "silver"): 1,
    ("critical", "gold"): 1, ("critical", "diamond"): 1,
    ("high", "registered"): 2, ("high", "bronze"): 2, ("high", "silver"): 2,
    ("high", "gold"): 1, ("high", "diamond"): 1,
    ("normal", "registered"): 3, ("normal", "bronze"): 3, ("normal", "silver"): 3,
    ("normal", "gold"): 3, ("normal", "diamond"): 2,
    ("low", "registered"): 4, ("low", "bronze"): 4, ("low", "silver"): 4,
    ("low", "gold"): 4, ("low", "diamond"): 3,
}


def agent(agent_id: int, *, skills=("aftersale",), senior=False, on_shift=True, open_tickets=0, capacity=10,
          last=None) -> AgentLoad:
    return AgentLoad(agent_id, frozenset(skills), senior, on_shift, open_tickets, capacity, last)


def ticket(ticket_id: int, *, prio=3, age_minutes=0, queue="aftersale") -> WaitingTicket:
    return WaitingTicket(ticket_id, prio, NOW - timedelta(minutes=age_minutes), queue)


# priority and queues


@pytest.mark.parametrize(("severity", "tier"), sorted(EXPECTED))
def test_priority_matrix_cell(severity, tier):
    assert priority(severity, tier) == EXPECTED[(severity, tier)]


def test_matrix_covers_every_severity_and_tier():
    assert set(PRIORITY_MATRIX) == set(SEVERITIES)
    assert all(len(row) == len(TIERS) for row in PRIORITY_MATRIX.values())
    assert len(EXPECTED) == len(SEVERITIES) * len(TIERS)


@pytest.mark.parametrize(("severity", "tier", "bad"), [
    ("urgent", "gold", "urgent"), ("", "gold", "''"), ("high", "platinum", "platinum"), ("High", "gold", "High"),
])
def test_priority_rejects_unknown_values(severity, tier, bad):
    with pytest.raises(ValueError, match=bad):
        priority(severity, tier)


@pytest.mark.parametrize("skill", SKILLS)
def test_queue_is_the_skill_except_for_diamond_customers(skill):
    for tier in TIERS:
        assert queue_for(skill, tier) == (DIAMOND_QUEUE if tier == "diamond" else skill)


def test_queue_for_rejects_unknown_skill_and_tier():
    with pytest.raises(ValueError, match="billing"):
        queue_for("billing", "gold")
    with pytest.raises(ValueError, match="vip"):
        queue_for("presale", "vip")


# assignment: examples


def test_ten_tickets_rotate_over_three_equal_agents():
    agents = [agent(1), agent(2), agent(3)]
    result = assign([ticket(i, age_minutes=100 - i) for i in range(1, 11)], agents, NOW)
    assert [t for t, _ in result] == list(range(1, 11))
    assert [a for _, a in result] == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1]
    assert sorted(Counter(a for _, a in result).values()) == [3, 3, 4]


def test_round_robin_remembers_previous_batches():
    # Agent 2 was served longest ago and agent 3 never: 3 first, then 2, then 1.
    agents = [agent(1, last=NOW - timedelta(minutes=1)), agent(2, last=NOW - timedelta(hours=1)), agent(3)]
    assert [a for _, a in assign([ticket(1), ticket(2), ticket(3), ticket(4)], agents, NOW)] == [3, 2, 1, 3]


def test_round_robin_ties_go_to_fewer_open_tickets_then_lower_id():
    agents = [agent(5, open_tickets=2), agent(4, open_tickets=1), agent(3, open_tickets=1)]
    assert assign([ticket(1)], agents, NOW) == [(1, 3)]


def test_oldest_first_when_capacity_is_short():
    agents = [agent(1, open_tickets=4, capacity=5), agent(2, open_tickets=9, capacity=10)]
    waiting = [ticket(i, age_minutes=age) for i, age in [(1, 5), (2, 50), (3, 10), (4, 40), (5, 20)]]
    assert {t for t, _ in assign(waiting, agents, NOW)} == {2, 4}


def test_priority_beats_age():
    waiting = [ticket(1, prio=4, age_minutes=600), ticket(2, prio=1, age_minutes=1), ticket(3, prio=2)]
    result = assign(waiting, [agent(1, capacity=1), agent(2, capacity=1)], NOW)
    assert [t for t, _ in result] == [2, 3]


def test_same_priority_and_age_go_by_ticket_id():
    result = assign([ticket(9), ticket(7), ticket(8)], [agent(1)], NOW)
    assert [t for t, _ in result] == [7, 8, 9]


def test_diamond_tickets_go_only_to_senior_agents_of_any_skill():
    agents = [agent(1, skills=SKILLS), agent(2, skills=("presale",), senior=True, last=NOW)]
    assert assign([ticket(1, queue=DIAMOND_QUEUE), ticket(2, queue=DIAMOND_QUEUE)], agents, NOW) == [(1, 2), (2, 2)]
    assert assign([ticket(1, queue=DIAMOND_QUEUE)], [agent(1, skills=SKILLS)], NOW) == []


def test_skill_queues_need_the_skill_senior_or_not():
    agents = [agent(1, skills=("presale",), senior=True), agent(2, skills=("logistics",))]
    assert assign([ticket(1, queue="logistics"), ticket(2, queue="complaints")], agents, NOW) == [(1, 2)]


def test_off_shift_agents_get_nothing():
    agents = [agent(1, on_shift=False), agent(2, on_shift=False, senior=True)]
    assert assign([ticket(1), ticket(2, queue=DIAMOND_QUEUE)], agents, NOW) == []


def test_a_queue_without_agents_does_not_block_other_queues():
    waiting = [ticket(1, prio=1, queue="presale"), ticket(2, prio=4, queue="aftersale")]
    assert assign(waiting, [agent(1)], NOW) == [(2, 1)]


def test_inputs_are_not_changed():
    agents = [agent(1), agent(2)]
    waiting = [ticket(1), ticket(2)]
    before = (list(agents), list(waiting))
    assign(waiting, agents, NOW)
    assert (agents, waiting) == before


def test_nothing_waiting_or_nobody_working():
    assert assign([], [agent(1)], NOW) == []
    assert assign([ticket(1)], [], NOW) == []


# assignment: properties over random agents and tickets

moments = st.integers(0, 600).map(lambda minutes: NOW - timedelta(minutes=minutes))
queues = st.sampled_from([*SKILLS, DIAMOND_QUEUE])


@st.composite
def agent_loads(draw, agent_id: int) -> AgentLoad:
    capacity = draw(st.integers(0, 4))
    return AgentLoad(
        agent_id=agent_id,
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
        senior=draw(st.booleans()),
        on_shift=draw(st.booleans()),
        open_tickets=draw(st.integers(0, capacity + 1)),
        capacity=capacity,
        last_assigned_at=draw(st.none() | moments),
    )


@st.composite
def scenes(draw) -> tuple[list[WaitingTicket], list[AgentLoad]]:
    agent_ids = draw(st.lists(st.integers(1, 50), max_size=6, unique=True))
    agents = [draw(agent_loads(i)) for i in agent_ids]
    ticket_ids = draw(st.lists(st.integers(1, 500), max_size=25, unique=True))
    waiting = [WaitingTicket(i, draw(st.integers(1, 4)), draw(moments), draw(queues)) for i in ticket_ids]
    return waiting, agents


@settings(max_examples=300, deadline=None)
@given(scenes())
def test_assignment_respects_capacity_eligibility_and_is_maximal(scene):
    waiting, agents = scene
    result = assign(waiting, agents, NOW)
    by_id = {a.agent_id: a for a in agents}
    tickets = {t.ticket_id: t for t in waiting}

    assigned = [t for t, _ in result]
    assert len(assigned) == len(set(assigned)), "a ticket was assigned twice"
    assert set(assigned) <= set(tickets)

    given_to = Counter(a for _, a in result)
    for agent_id, count in given_to.items():
        assert count + by_id[agent_id].open_tickets <= by_id[agent_id].capacity

    for ticket_id, agent_id in result:
        a, t = by_id[agent_id], tickets[ticket_id]
        assert a.on_shift
        assert a.senior if t.queue == DIAMOND_QUEUE else t.queue in a.skills

    # Maximal: no ticket waits while an agent who may take it still has room at the end.
    final = [replace(a, open_tickets=a.open_tickets + given_to[i]) for i, a in by_id.items()]
    for t in waiting:
        if t.ticket_id not in assigned:
            assert not any(can_take(a, t.queue) for a in final)

    # Within a queue, tickets are served most urgent first, then oldest.
    for q in {t.queue for t in waiting}:
        served = [tickets[i] for i in assigned if tickets[i].queue == q]
        keys = [(t.priority, t.created_at, t.ticket_id) for t in served]
        assert keys == sorted(keys)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6))
def test_equal_agents_share_evenly(n_tickets, n_agents):
    agents = [agent(i, capacity=100) for i in range(1, n_agents + 1)]
    result = assign([ticket(i) for i in range(n_tickets)], agents, NOW)
    counts = [Counter(a for _, a in result)[i] for i in range(1, n_agents + 1)]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == n_tickets
