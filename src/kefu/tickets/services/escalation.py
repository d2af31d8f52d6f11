"""Escalation: agent → supervisor → customer-care team (客户关怀部), the last line [seed 002].

By hand (an agent asks the supervisor; the supervisor hands a ticket they cannot close to the care team), or
by the SLA sweep: a breached target raises a ticket to the supervisor, and the supervisor's own time running
out hands it to the care team.
"""

from __future__ import annotations

from django.db import transaction

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, InvalidTransition

from ..models import ClockKind, Queue
from . import sla
from ._common import lock, payload, text

SUPERVISOR, CARE_TEAM = 1, 2


def raise_level(ticket, level: int, *, by, reason: str, at) -> None:
    """Write one escalation on a locked ticket: level, queue (care team), clocks, audit, event."""
    old = ticket.escalation_level
    ticket.escalation_level, ticket.escalated_at, ticket.updated_at = level, at, at
    fields = ["escalation_level", "escalated_at", "updated_at"]
    if level == CARE_TEAM:
        ticket.queue = Queue.objects.get(care_team=True)
        ticket.assignee = None
        fields += ["queue", "assignee"]
    ticket.save(update_fields=fields)
    audit.field_changed(ticket, "escalation_level", old, level, actor=by, reason=reason)
    if level == SUPERVISOR:
        sla.start(ticket, ClockKind.SUPERVISOR, at)
    else:
        sla.stop(ticket, (ClockKind.SUPERVISOR,), at)
    events.emit("ticket.escalated", payload(ticket, level=level, reason=reason, at=at.isoformat()))


@transaction.atomic
def escalate(ticket, *, by, reason: str, to_care_team: bool = False):
    """One level up: to the supervisor, or (`to_care_team`, supervisors only) on to the care team."""
    reason = text(reason, "reason", limit=500)
    ticket = lock(ticket)
    if not ticket.is_open:
        raise InvalidTransition(f"a {ticket.status} ticket cannot be escalated", field="status")
    level = CARE_TEAM if to_care_team else SUPERVISOR
    if level == CARE_TEAM and not by.has_perm("tickets.supervise_tickets"):
        raise DomainError("only a supervisor hands a ticket to the customer-care team", field="level",
                          code="forbidden")
    if ticket.escalation_level >= level:
        raise InvalidTransition("the ticket is already at that level", field="level", code="already_escalated")
    raise_level(ticket, level, by=by, reason=reason, at=clock.now())
    return ticket
