"""Ticket priority, queues and assignment to agents (pure; no database).

- priority(severity, tier): 1 (most urgent) … 4, read from one table.
- queue_for(skill, tier): diamond customers have their own queue, served by senior agents [seed 002];
  everyone else waits in the queue of the skill the ticket needs.
- assign(waiting, agents, now): most urgent first, then oldest; each ticket goes round-robin to the eligible
  agent who has waited longest since their last ticket. Greedy and maximal (no ticket is left waiting while
  an eligible agent still has room), not a maximum matching across queues.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

SEVERITIES = ("low", "normal", "high", "critical")
TIERS = ("registered", "bronze", "silver", "gold", "diamond")

# Priority by severity (rows) and membership tier (columns, in the order of TIERS).
PRIORITY_MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    #           registered bronze silver gold diamond
    "critical": (1,         1,     1,     1,   1),
    "high":     (2,         2,     2,     1,   1),
    "normal":   (3,         3,     3,     3,   2),
    "low":      (4,         4,     4,     4,   3),
}

SKILLS = ("presale", "aftersale", "logistics", "complaints")
DIAMOND_QUEUE = "diamond"

# Successive assignments within one batch are this far apart in logical time.
_TICK = timedelta(microseconds=1)


def priority(severity: str, tier: str) -> int:
    if severity not in PRIORITY_MATRIX:
        raise ValueError(f"unknown severity {severity!r} (expected one of {', '.join(SEVERITIES)})")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (expected one of {', '.join(TIERS)})")
    return PRIORITY_MATRIX[severity][TIERS.index(tier)]


def queue_for(skill: str, tier: str) -> str:
    if skill not in SKILLS:
        raise ValueError(f"unknown skill {skill!r} (expected one of {', '.join(SKILLS)})")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (expected one of {', '.join(TIERS)})")
    return DIAMOND_QUEUE if tier == "diamond" else skill


@dataclass(frozen=True)
class AgentLoad:
    agent_id: int
    skills: frozenset[str]
    senior: bool
    on_shift: bool
    open_tickets: int
    capacity: int
    last_assigned_at: datetime | None  # when this agent last received a ticket (round-robin memory)


@dataclass(frozen=True)
class WaitingTicket:
    ticket_id: int
    priority: int
    created_at: datetime
    queue: str  # a skill code or DIAMOND_QUEUE


def can_take(agent: AgentLoad, queue: str) -> bool:
    """Whether the agent may take a ticket of this queue now: on shift, with room, and qualified."""
    if not agent.on_shift or agent.open_tickets >= agent.capacity:
        return False
    return agent.senior if queue == DIAMOND_QUEUE else queue in agent.skills


def assign(waiting: Sequence[WaitingTicket], agents: Sequence[AgentLoad], now: datetime) -> list[tuple[int, int]]:
    """[(ticket_id, agent_id), …] in assignment order; tickets nobody can take now are left out."""
    loads = {agent.agent_id: agent for agent in agents}
    # Logical clock: after `now` and after every earlier assignment, so a fresh assignee goes to the back.
    clock = max([now, *(a.last_assigned_at for a in agents if a.last_assigned_at is not None)])

    def round_robin(agent: AgentLoad) -> tuple[bool, datetime, int, int]:
        # Never assigned comes first; then longest since the last ticket, fewer open tickets, lower id.
        last = agent.last_assigned_at
        return (last is not None, last or now, agent.open_tickets, agent.agent_id)

    result: list[tuple[int, int]] = []
    for ticket in sorted(waiting, key=lambda t: (t.priority, t.created_at, t.ticket_id)):
        eligible = [a for a in loads.values() if can_take(a, ticket.queue)]
        if not eligible:
            continue
        chosen = min(eligible, key=round_robin)
        clock += _TICK
        loads[chosen.agent_id] = replace(chosen, open_tickets=chosen.open_tickets + 1, last_assigned_at=clock)
        result.append((ticket.ticket_id, chosen.agent_id))
    return result
