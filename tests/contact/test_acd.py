"""The chat ACD (pure): the line's order, who may take a chat, diamond customers and senior agents, fairness,
places in the line and the expected wait."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from kefu.contact import acd
from kefu.contact.acd import Agent, WaitingContact

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def contact(cid: int, *, skill="aftersale", tier="registered", priority=3, waited=0) -> WaitingContact:
    return WaitingContact(cid, skill, tier, priority, NOW - timedelta(seconds=waited))


def agent(aid: int, *, state=acd.AVAILABLE, skills=("presale", "aftersale"), senior=False, capacity=3, active=0,
          last=None) -> Agent:
    return Agent(aid, state, frozenset(skills), senior, capacity, active, last)


def pairs(result) -> list[tuple[int, int]]:
    return [(a.contact_id, a.agent_id) for a in result]


# --- the line's order -------------------------------------------------------------------------------------------

def test_longest_waiting_first_within_a_priority():
    result = acd.assign([contact(1, waited=10), contact(2, waited=30), contact(3, waited=20)],
                        [agent(9, capacity=1)], NOW)
    assert pairs(result) == [(2, 9)]


def test_priority_before_waiting_time():
    result = acd.assign([contact(1, priority=3, waited=300), contact(2, priority=2, waited=5)],
                        [agent(9, capacity=1)], NOW)
    assert pairs(result) == [(2, 9)]


def test_diamond_customers_first_even_against_a_longer_wait():
    result = acd.assign([contact(1, waited=600), contact(2, tier="diamond", waited=1)],
                        [agent(9, capacity=1, senior=True)], NOW)
    assert pairs(result) == [(2, 9)]


def test_positions_follow_the_serving_order_per_skill():
    line = [contact(1, waited=50), contact(2, waited=80), contact(3, skill="presale", waited=10),
            contact(4, tier="diamond", waited=1), contact(5, priority=1, waited=2)]
    assert acd.positions(line) == {4: 1, 5: 2, 2: 3, 1: 4, 3: 1}


# --- who may take a chat ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", [acd.BUSY, acd.ACW, acd.AWAY, acd.OFFLINE])
def test_only_available_agents_take_chats(state):
    assert acd.assign([contact(1)], [agent(9, state=state)], NOW) == []


def test_no_agent_over_capacity_within_one_batch():
    result = acd.assign([contact(i, waited=i) for i in range(1, 6)], [agent(9, capacity=3, active=1)], NOW)
    assert len(result) == 2 and {a.agent_id for a in result} == {9}


def test_skill_must_match_and_a_chat_nobody_can_take_does_not_block_the_others():
    result = acd.assign([contact(1, skill="presale", waited=100), contact(2, skill="aftersale", waited=1)],
                        [agent(9, skills=("aftersale",))], NOW)
    assert pairs(result) == [(2, 9)]


# --- diamond customers and senior agents ------------------------------------------------------------------------

def test_diamond_goes_to_a_senior_agent_when_one_is_free():
    result = acd.assign([contact(1, tier="diamond")], [agent(8), agent(9, senior=True, active=2)], NOW)
    assert pairs(result) == [(1, 9)] and result[0].reason == acd.BY_SENIOR


def test_diamond_waits_for_a_senior_until_the_fallback_time():
    agents = [agent(8)]
    assert acd.assign([contact(1, tier="diamond", waited=59)], agents, NOW) == []
    result = acd.assign([contact(1, tier="diamond", waited=60)], agents, NOW)
    assert pairs(result) == [(1, 8)] and result[0].reason == acd.DIAMOND_FALLBACK


def test_diamond_fallback_time_is_a_setting():
    result = acd.assign([contact(1, tier="diamond", waited=10)], [agent(8)], NOW,
                        diamond_senior_wait=timedelta(seconds=5))
    assert pairs(result) == [(1, 8)]


def test_a_senior_without_the_skill_is_not_used():
    result = acd.assign([contact(1, tier="diamond", skill="presale", waited=1)],
                        [agent(9, senior=True, skills=("aftersale",))], NOW)
    assert result == []


def test_a_diamond_waiting_for_a_senior_does_not_hold_up_normal_customers():
    result = acd.assign([contact(1, tier="diamond", waited=10), contact(2, waited=5)], [agent(8)], NOW)
    assert pairs(result) == [(2, 8)]


# --- fairness ---------------------------------------------------------------------------------------------------

def test_least_loaded_first():
    result = acd.assign([contact(1)], [agent(8, active=2), agent(9, active=1)], NOW)
    assert pairs(result) == [(1, 9)]


def test_load_is_relative_to_capacity():
    result = acd.assign([contact(1)], [agent(8, active=1, capacity=2), agent(9, active=2, capacity=5)], NOW)
    assert pairs(result) == [(1, 9)]


def test_then_the_longest_idle_never_assigned_first():
    result = acd.assign([contact(1)], [agent(7, last=NOW - timedelta(minutes=5)), agent(8),
                                       agent(9, last=NOW - timedelta(minutes=9))], NOW)
    assert pairs(result) == [(1, 8)]
    result = acd.assign([contact(1)], [agent(7, last=NOW - timedelta(minutes=5)),
                                       agent(9, last=NOW - timedelta(minutes=9))], NOW)
    assert pairs(result) == [(1, 9)]


def test_a_batch_spreads_over_equal_agents():
    result = acd.assign([contact(i, waited=i) for i in range(1, 7)], [agent(8), agent(9)], NOW)
    assert Counter(a.agent_id for a in result) == {8: 3, 9: 3}


# --- the expected wait and busy ---------------------------------------------------------------------------------

def test_expected_wait_formula():
    assert acd.expected_wait_seconds(3, 240.0, 6) == 120  # 3 × 240 ÷ 6
    assert acd.expected_wait_seconds(1, 100.0, 3) == 34  # rounded up
    assert acd.expected_wait_seconds(2, 240.0, 0) is None  # nobody serves: leave a message


def test_serving_slots_count_logged_in_agents_with_the_skill_but_not_away():
    agents = [agent(1, capacity=3), agent(2, state=acd.BUSY, capacity=2, active=2), agent(3, state=acd.ACW),
              agent(4, state=acd.AWAY), agent(5, state=acd.OFFLINE), agent(6, skills=("presale",), capacity=4)]
    assert acd.serving_slots(agents, "aftersale") == 3 + 2 + 3


@pytest.mark.parametrize(("state", "active", "capacity", "expected"), [
    (acd.AVAILABLE, 3, 3, acd.BUSY), (acd.BUSY, 2, 3, acd.AVAILABLE), (acd.AVAILABLE, 1, 3, acd.AVAILABLE),
    (acd.ACW, 3, 3, acd.ACW), (acd.AWAY, 0, 3, acd.AWAY), (acd.OFFLINE, 0, 3, acd.OFFLINE)])
def test_busy_is_derived_from_the_load(state, active, capacity, expected):
    assert acd.state_for_load(state, active, capacity) == expected


# --- properties -------------------------------------------------------------------------------------------------

contacts_st = hs.lists(hs.builds(
    WaitingContact, contact_id=hs.integers(1, 10_000), skill=hs.sampled_from(["presale", "aftersale"]),
    tier=hs.sampled_from(["registered", "gold", "diamond"]), priority=hs.integers(1, 4),
    waiting_since=hs.integers(0, 600).map(lambda s: NOW - timedelta(seconds=s))),
    max_size=25, unique_by=lambda c: c.contact_id)
agents_st = hs.lists(hs.builds(
    Agent, agent_id=hs.integers(1, 500), state=hs.sampled_from(acd.STATES),
    skills=hs.frozensets(hs.sampled_from(["presale", "aftersale"])), senior=hs.booleans(),
    capacity=hs.integers(1, 5), active=hs.integers(0, 6),
    last_assigned_at=hs.none() | hs.integers(0, 3600).map(lambda s: NOW - timedelta(seconds=s))),
    max_size=8, unique_by=lambda a: a.agent_id)


@settings(max_examples=300, deadline=None)
@given(contacts_st, agents_st)
def test_never_over_capacity_never_a_wrong_skill_never_an_unavailable_agent(waiting, agents):
    result = acd.assign(waiting, agents, NOW)
    by_id = {a.agent_id: a for a in agents}
    contacts = {c.contact_id: c for c in waiting}
    assert len({a.contact_id for a in result}) == len(result)  # each chat at most once
    for agent_id, taken in Counter(a.agent_id for a in result).items():
        assert by_id[agent_id].state == acd.AVAILABLE
        assert by_id[agent_id].active + taken <= by_id[agent_id].capacity
    for a in result:
        assert contacts[a.contact_id].skill in by_id[a.agent_id].skills
        if contacts[a.contact_id].diamond and a.reason != acd.DIAMOND_FALLBACK:
            assert by_id[a.agent_id].senior


@settings(max_examples=300, deadline=None)
@given(contacts_st, agents_st)
def test_no_chat_left_waiting_while_an_eligible_agent_has_room(waiting, agents):
    result = acd.assign(waiting, agents, NOW)
    taken = Counter(a.agent_id for a in result)
    assigned = {a.contact_id for a in result}
    room = {a.agent_id: a.capacity - a.active - taken[a.agent_id] for a in agents}
    for c in waiting:
        if c.contact_id in assigned:
            continue
        eligible = [a for a in agents if acd.can_take(a, c.skill) and room[a.agent_id] > 0]
        if c.diamond and NOW - c.waiting_since < acd.DEFAULT_DIAMOND_SENIOR_WAIT:
            eligible = [a for a in eligible if a.senior]
        assert eligible == []


@settings(max_examples=200, deadline=None)
@given(contacts_st, agents_st)
def test_within_a_skill_and_class_nobody_overtakes_an_earlier_chat(waiting, agents):
    """If a later chat (in the line's order) of the same skill and the same diamond class was served, every
    earlier one was served too."""
    assigned = {a.contact_id for a in acd.assign(waiting, agents, NOW)}
    line = sorted(waiting, key=acd.line_order)
    for i, later in enumerate(line):
        if later.contact_id not in assigned:
            continue
        for earlier in line[:i]:
            if earlier.skill == later.skill and earlier.diamond == later.diamond and not earlier.diamond:
                assert earlier.contact_id in assigned
