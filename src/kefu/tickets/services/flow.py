"""The handling steps of seed 001, recorded on the ticket, and the end of a ticket: resolve, close, reopen.

received → listened and analysed (cause) → the customer's position acknowledged → solution proposed →
accepted, or not (and why). Resolving needs an accepted solution or a recorded refusal.
"""

from __future__ import annotations

from django.db import transaction

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, InvalidTransition

from .. import ticket_states as st
from ..models import Cause
from ._common import lock, move, payload, text


def _step(ticket, target: str, *, by, reason: str = "") -> None:
    if not ticket.is_open:
        raise InvalidTransition(f"a {ticket.status} ticket's handling is over", field="flow")
    current = ticket.flow
    st.FLOW.check(current, target)
    ticket.flow = target
    ticket.updated_at = clock.now()
    if ticket.status == st.NEW:
        move(ticket, st.OPEN, by=by, reason="handling started", at=ticket.updated_at)
    ticket.save()
    audit.status_changed(ticket, current, target, actor=by, reason=reason, field="flow")
    events.emit("ticket.flow_changed", payload(ticket, **{"from": current, "to": target,
                                                         "at": ticket.updated_at.isoformat()}))


@transaction.atomic
def analyse(ticket, *, cause: str, analysis: str = "", by):
    """Listened to the customer and found the cause."""
    if cause not in Cause.values:
        raise DomainError(f"unknown cause: {cause!r}", field="cause", code="invalid_choice")
    ticket = lock(ticket)
    ticket.cause, ticket.analysis = cause, text(analysis, "analysis", required=False)
    _step(ticket, st.ANALYSED, by=by, reason=cause)
    return ticket


@transaction.atomic
def acknowledge(ticket, *, position: str, by):
    """Wrote down the customer's position, as the agent understood and acknowledged it."""
    ticket = lock(ticket)
    ticket.acknowledgement = text(position, "position")
    _step(ticket, st.ACKNOWLEDGED, by=by)
    return ticket


@transaction.atomic
def propose(ticket, *, solution: str, by, next_step: str = ""):
    """Proposed a solution (again, after a refusal). The customer sees it as the next step."""
    ticket = lock(ticket)
    ticket.solution = text(solution, "solution")
    ticket.refusal_reason = ""
    ticket.next_step = text(next_step, "next_step", required=False, limit=200) or "等待您确认解决方案"
    ticket.next_step_by = None
    _step(ticket, st.PROPOSED, by=by, reason=ticket.solution[:200])
    return ticket


@transaction.atomic
def record_answer(ticket, *, accepted: bool, reason: str = "", by):
    """The customer's answer to the proposal: accepted, or not and why."""
    ticket = lock(ticket)
    # "Waiting for your confirmation" is answered now: the customer sees what happens next instead.
    ticket.next_step_by = None
    if accepted:
        ticket.next_step = "客服将按您同意的方案处理，完成后通知您"
        _step(ticket, st.ACCEPTED, by=by, reason="the customer accepted the solution")
    else:
        ticket.refusal_reason = text(reason, "reason")
        ticket.next_step = "客服将根据您的意见再作处理，并尽快答复您"
        _step(ticket, st.REFUSED, by=by, reason=ticket.refusal_reason[:200])
    return ticket


@transaction.atomic
def resolve(ticket, *, by, note: str = ""):
    """The ticket is resolved: only with an accepted solution or a recorded refusal. The customer is told the
    outcome without asking (subscribers of ticket.resolved) and a follow-up visit is scheduled."""
    from .follow_up import schedule

    ticket = lock(ticket)
    if ticket.status == st.RESOLVED:
        return ticket
    if not st.resolvable(ticket.flow, ticket.refusal_reason):
        raise InvalidTransition("a ticket resolves only with an accepted solution or a recorded refusal",
                                field="flow", code="no_agreed_solution")
    now = clock.now()
    move(ticket, st.RESOLVED, by=by, reason=note or ticket.flow, at=now)
    ticket.next_step = "已处理完毕，我们会回访了解您的满意度"
    ticket.next_step_by = None
    ticket.save(update_fields=["next_step", "next_step_by"])
    visit = schedule(ticket, now)
    events.emit("ticket.resolved", payload(ticket, outcome=ticket.flow, solution=ticket.solution,
                                           refusal_reason=ticket.refusal_reason, note=note,
                                           follow_up_due=visit.due_at.isoformat(), at=now.isoformat()))
    return ticket


@transaction.atomic
def close(ticket, *, by=None, reason: str = ""):
    ticket = lock(ticket)
    move(ticket, st.CLOSED, by=by, reason=reason)
    return ticket


@transaction.atomic
def reopen(ticket, *, by, reason: str):
    """Back to work: the customer is not satisfied after all. The handling restarts from the analysis."""
    ticket = lock(ticket)
    reason = text(reason, "reason")
    if ticket.status != st.RESOLVED:  # new and waiting tickets are open already: nothing to reopen
        raise InvalidTransition(f"only a resolved ticket can be reopened, not a {ticket.status} one", field="status")
    move(ticket, st.OPEN, by=by, reason=reason)
    restart_handling(ticket, by=by, reason=reason)
    return ticket


def restart_handling(ticket, *, by, reason: str) -> None:
    """A reopened ticket needs a new agreement: its handling goes back to the analysis (or to the start)."""
    old = ticket.flow
    ticket.flow = st.ANALYSED if ticket.cause else st.RECEIVED
    # "Done, we will visit you" no longer holds: the customer sees that the work has started again.
    ticket.next_step, ticket.next_step_by = "客服将重新处理您的问题，并尽快答复您", None
    ticket.save(update_fields=["flow", "next_step", "next_step_by"])
    audit.status_changed(ticket, old, ticket.flow, actor=by, reason=reason, field="flow")
