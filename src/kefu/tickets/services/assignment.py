"""Who works a ticket: by hand, or round-robin among the agents on shift, within each one's capacity,
most urgent and then oldest first (routing.assign decides; this module feeds it and writes its answer)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q

from kefu.contact.models import AgentProfile
from kefu.contact.selectors import on_shift_user_ids
from kefu.core import audit, clock, events
from kefu.core.duties import duty
from kefu.core.errors import DomainError, InvalidTransition

from .. import routing
from .. import ticket_states as st
from ..models import Ticket
from ._common import lock, payload


def _write(ticket: Ticket, agent, *, by, reason: str, at) -> None:
    old = ticket.assignee.get_username() if ticket.assignee_id else ""
    ticket.assignee, ticket.assigned_at, ticket.updated_at = agent, at, at
    ticket.save(update_fields=["assignee", "assigned_at", "updated_at"])
    audit.field_changed(ticket, "assignee", old, agent.get_username() if agent else "", actor=by, reason=reason)
    events.emit("ticket.assigned", payload(ticket, agent_id=agent.pk if agent else None, at=at.isoformat()))


@transaction.atomic
def assign(ticket, agent, *, by, reason: str = "") -> Ticket:
    """Give the ticket to an agent (or take it back with agent=None)."""
    ticket = lock(ticket)
    if not ticket.is_open:
        raise InvalidTransition(f"a {ticket.status} ticket cannot be assigned", field="status")
    if agent is not None and not agent.has_perm("tickets.work_tickets"):
        raise DomainError("this user does not work tickets", field="assignee", code="not_an_agent")
    if agent is not None and ticket.queue.senior_only and not ticket.queue.care_team:
        profile = AgentProfile.objects.filter(user=agent).first()
        if not (profile and profile.senior) and not agent.has_perm("tickets.supervise_tickets"):
            raise DomainError("the diamond queue is served by senior agents", field="assignee", code="not_senior")
    now = clock.now()
    _write(ticket, agent, by=by, reason=reason or "assigned by hand", at=now)
    if agent is not None:
        AgentProfile.objects.filter(user=agent).update(last_ticket_assigned_at=now)
    return ticket


def take(ticket: Ticket, agent, *, at) -> None:
    """The agent who answers an unassigned ticket becomes its owner (on a locked row, inside a transaction)."""
    _write(ticket, agent, by=agent, reason="answered an unassigned ticket", at=at)
    AgentProfile.objects.filter(user=agent).update(last_ticket_assigned_at=at)


def agent_loads(now) -> list[routing.AgentLoad]:
    on_shift = on_shift_user_ids(now)
    open_counts = Count("user__tickets", filter=Q(user__tickets__status__in=st.OPEN_STATUSES))
    return [routing.AgentLoad(agent_id=p.user_id, skills=frozenset(p.skills or ()), senior=p.senior,
                              on_shift=p.user_id in on_shift, open_tickets=p.open_count,
                              capacity=p.ticket_capacity, last_assigned_at=p.last_ticket_assigned_at)
            for p in AgentProfile.objects.filter(user__is_active=True).annotate(open_count=open_counts)]


@duty("tickets.assign_waiting", every=timedelta(minutes=1))
def assign_waiting(limit: int = 2000) -> int:
    """Assign waiting tickets of the agents' queues (the care team's queue is worked by hand)."""
    now = clock.now()
    loads = [a for a in agent_loads(now) if a.on_shift and a.open_tickets < a.capacity]
    if not loads:
        return 0
    waiting = [routing.WaitingTicket(ticket_id=pk, priority=prio, created_at=created, queue=queue)
               for pk, prio, created, queue in Ticket.objects.filter(
                   assignee__isnull=True, status__in=st.OPEN_STATUSES, queue__care_team=False,
                   escalation_level=0).order_by("priority", "created_at", "id")
               .values_list("pk", "priority", "created_at", "queue__code")[:limit]]
    users = get_user_model().objects.in_bulk([a.agent_id for a in loads])
    done = 0
    for turn, (ticket_id, agent_id) in enumerate(routing.assign(waiting, loads, now)):
        # A microsecond per turn keeps the batch's rotation order for the next round.
        at = now + timedelta(microseconds=turn)
        with transaction.atomic():
            ticket = lock(ticket_id)
            if ticket.assignee_id is not None or not ticket.is_open:
                continue
            _write(ticket, users[agent_id], by="routing", reason="round-robin on shift", at=at)
            AgentProfile.objects.filter(user_id=agent_id).update(last_ticket_assigned_at=at)
            done += 1
    return done
