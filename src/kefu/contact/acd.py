"""Automatic contact distribution (ACD) for live chat: which waiting chat goes to which agent (pure; no Django).

The rules, in the order they apply:

1. The waiting line's order: diamond customers first [seed 002], then priority (1 is the most urgent), then
   the longest-waiting, then the lowest id (a stable tie-break). A chat put back in the line (transfer to
   another queue, agent logged out) keeps its priority and its `waiting_since`, so it keeps its place.
2. An agent may take a chat only when AVAILABLE, below their chat capacity, and with the chat's skill.
   Never an agent who is busy, in after-contact work, away or offline; never a wrong skill; never over
   capacity.
3. A diamond customer goes to a senior agent with the skill. When no senior is free, the customer waits for
   one at most `diamond_senior_wait` (60 s by default); after that any agent with the skill may take them,
   so a diamond customer is never kept waiting longer than a normal one because the seniors are busy.
4. Fairness among the eligible agents: the least loaded (active ÷ capacity) first, then the one with fewer
   active chats, then the one idle longest since their last assignment (never assigned comes first), then
   the lowest id.

Greedy in the line's order: a chat nobody may take now is skipped, not a barrier (a waiting pre-sale chat
never holds up an after-sale one). Within one batch each assignment counts at once, so a batch never gives
an agent more than their free room.

The expected wait a waiting customer is shown: position × average handle time ÷ chat slots serving the skill
(the chat capacities of the agents with the skill who are logged in and not away). None when nobody serves
the skill: the customer is offered to leave a message instead of waiting in a silent line [seed 003].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

AVAILABLE = "available"
BUSY = "busy"
ACW = "acw"  # after-contact work (wrap-up)
AWAY = "away"
OFFLINE = "offline"
STATES = (AVAILABLE, BUSY, ACW, AWAY, OFFLINE)
# Logged in to the queue and serving it: these agents count for the expected wait.
SERVING = frozenset({AVAILABLE, BUSY, ACW})
# States that follow the load: at capacity the agent is busy, below it available.
LOAD_STATES = frozenset({AVAILABLE, BUSY})

DIAMOND = "diamond"
DEFAULT_DIAMOND_SENIOR_WAIT = timedelta(seconds=60)

# Why an agent got a chat (kept on the assignment for the audit trail and the reports).
BY_SKILL = "skill"
BY_SENIOR = "senior"
DIAMOND_FALLBACK = "diamond_fallback"


@dataclass(frozen=True)
class WaitingContact:
    contact_id: int
    skill: str
    tier: str
    priority: int
    waiting_since: datetime

    @property
    def diamond(self) -> bool:
        return self.tier == DIAMOND


@dataclass(frozen=True)
class Agent:
    agent_id: int
    state: str
    skills: frozenset[str]
    senior: bool
    capacity: int
    active: int
    last_assigned_at: datetime | None = None

    @property
    def room(self) -> int:
        return max(self.capacity - self.active, 0)


@dataclass(frozen=True)
class Assignment:
    contact_id: int
    agent_id: int
    reason: str  # BY_SKILL, BY_SENIOR or DIAMOND_FALLBACK


def line_order(contact: WaitingContact) -> tuple:
    """The sort key of the waiting line (rule 1)."""
    return (not contact.diamond, contact.priority, contact.waiting_since, contact.contact_id)


def can_take(agent: Agent, skill: str) -> bool:
    """Rule 2: available, with room, and qualified."""
    return agent.state == AVAILABLE and agent.active < agent.capacity and skill in agent.skills


def _fairness(agent: Agent) -> tuple:
    load = agent.active / agent.capacity if agent.capacity else 1.0
    last = agent.last_assigned_at
    return (load, agent.active, last is not None, last or datetime.min, agent.agent_id)


def assign(waiting: Iterable[WaitingContact], agents: Sequence[Agent], now: datetime, *,
           diamond_senior_wait: timedelta = DEFAULT_DIAMOND_SENIOR_WAIT) -> list[Assignment]:
    """The assignments to make now, in the line's order. Contacts nobody may take are left out."""
    pool = {a.agent_id: a for a in agents if a.state == AVAILABLE and a.active < a.capacity}
    result: list[Assignment] = []
    for contact in sorted(waiting, key=line_order):
        eligible = [a for a in pool.values() if can_take(a, contact.skill)]
        reason = BY_SKILL
        if contact.diamond:
            seniors = [a for a in eligible if a.senior]
            if seniors:
                eligible, reason = seniors, BY_SENIOR
            elif now - contact.waiting_since >= diamond_senior_wait:
                reason = DIAMOND_FALLBACK
            else:
                eligible = []
        if not eligible:
            continue
        chosen = min(eligible, key=_fairness)
        # The batch's own assignments count at once: load and "last assigned" move with each one.
        pool[chosen.agent_id] = replace(chosen, active=chosen.active + 1, last_assigned_at=now)
        result.append(Assignment(contact.contact_id, chosen.agent_id, reason))
    return result


def positions(waiting: Iterable[WaitingContact]) -> dict[int, int]:
    """Each waiting contact's place in its skill's line, 1-based, in the order the ACD serves them."""
    seen: dict[str, int] = {}
    result: dict[int, int] = {}
    for contact in sorted(waiting, key=line_order):
        seen[contact.skill] = seen.get(contact.skill, 0) + 1
        result[contact.contact_id] = seen[contact.skill]
    return result


def serving_slots(agents: Iterable[Agent], skill: str) -> int:
    """Chat slots serving a skill: the capacities of the logged-in agents with the skill who are not away."""
    return sum(a.capacity for a in agents if a.state in SERVING and skill in a.skills)


def expected_wait_seconds(position: int, handle_seconds: float, slots: int) -> int | None:
    """position × average handle time ÷ serving slots, rounded up; None when nobody serves the skill."""
    if slots <= 0:
        return None
    if position <= 0:
        return 0
    return math.ceil(position * max(handle_seconds, 0.0) / slots)


def state_for_load(state: str, active: int, capacity: int) -> str:
    """`busy` is derived, never chosen: an available agent at capacity is busy, a busy one below it is
    available again. Other states (after-contact work, away, offline) do not follow the load."""
    if state not in LOAD_STATES:
        return state
    return BUSY if active >= capacity else AVAILABLE
