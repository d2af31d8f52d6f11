"""SLA clocks on business hours: started when a target begins, paused while the ticket waits on the customer,
resumed with the business time that was left, stopped when met. Warnings and breaches are found by the
set-based sweep in ../sla_sweep.py.

A clock that has already breached is not paused: the breach stands, the due time stays.

Every change to a ticket's clocks refreshes `Ticket.next_due_at`, the nearest due time of its running clocks,
which orders the agents' queue from an index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Subquery

from kefu.contact.calendar import BusinessCalendar
from kefu.contact.selectors import business_calendar

from .. import ticket_states as st
from ..models import ClockKind, SlaClock, SlaPolicy, Ticket


def policy_for(ticket: Ticket) -> SlaPolicy:
    return SlaPolicy.objects.get(priority=ticket.priority)


def _running_dues(ticket):
    """The due times of a ticket's running clocks, nearest first (paused clocks have none)."""
    return (SlaClock.objects.filter(ticket=ticket, stopped_at__isnull=True, due_at__isnull=False)
            .order_by("due_at").values_list("due_at", flat=True))


def nearest_due():
    """The nearest due time of a ticket's running clocks, as a subquery of the ticket."""
    return Subquery(_running_dues(OuterRef("pk"))[:1])


def refresh_next_due(ticket_ids: Iterable[int]) -> int:
    """Recompute `next_due_at` of these tickets in one statement (bulk writers of clocks call this)."""
    return Ticket.objects.filter(pk__in=list(ticket_ids)).update(next_due_at=nearest_due())


def _refresh(ticket: Ticket) -> None:
    """Recompute `next_due_at` of one ticket, on the row and on the instance the caller may save again."""
    ticket.next_due_at = _running_dues(ticket).first()
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=ticket.next_due_at)


def _plan(clock_: SlaClock, start: datetime, remaining: float, warn_percent: int, cal: BusinessCalendar) -> None:
    """Due and warning instants for `remaining` business seconds from `start`."""
    clock_.due_at = cal.add_business_seconds(start, remaining)
    before_due = clock_.budget_seconds * (100 - warn_percent) / 100
    clock_.warn_at = cal.add_business_seconds(start, max(0.0, remaining - before_due))
    clock_.remaining_seconds = None


def start(ticket: Ticket, kind: str, at: datetime, *, cal: BusinessCalendar | None = None,
          policy: SlaPolicy | None = None) -> SlaClock:
    """(Re)start one target from `at`, with the full budget of the ticket's priority; paused at once when the
    ticket is waiting on the customer."""
    policy = policy or policy_for(ticket)
    budget = policy.minutes_for(kind) * 60
    clock_, _created = SlaClock.objects.get_or_create(
        ticket=ticket, kind=kind, defaults={"budget_seconds": budget, "started_at": at})
    clock_.budget_seconds, clock_.started_at = budget, at
    clock_.warned_at = clock_.breached_at = clock_.stopped_at = None
    if ticket.status_category == st.PAUSED:
        clock_.due_at = clock_.warn_at = None
        clock_.remaining_seconds = float(budget)
    else:
        _plan(clock_, at, float(budget), policy.warn_percent, cal or business_calendar())
    clock_.save()
    _refresh(ticket)
    return clock_


def stop(ticket: Ticket, kinds: list[str] | tuple[str, ...], at: datetime) -> None:
    """The targets are met (or no longer apply)."""
    SlaClock.objects.filter(ticket=ticket, kind__in=kinds, stopped_at__isnull=True).update(stopped_at=at)
    _refresh(ticket)


def pause(ticket: Ticket, at: datetime, cal: BusinessCalendar | None = None) -> None:
    cal = cal or business_calendar()
    for clock_ in SlaClock.objects.filter(ticket=ticket, stopped_at__isnull=True, breached_at__isnull=True,
                                          due_at__isnull=False):
        clock_.remaining_seconds = cal.business_seconds(at, clock_.due_at) if clock_.due_at > at else 0.0
        clock_.due_at = clock_.warn_at = None
        clock_.save(update_fields=["remaining_seconds", "due_at", "warn_at"])
    _refresh(ticket)


def resume(ticket: Ticket, at: datetime, cal: BusinessCalendar | None = None) -> None:
    cal = cal or business_calendar()
    policy = None
    for clock_ in SlaClock.objects.filter(ticket=ticket, stopped_at__isnull=True, due_at__isnull=True):
        policy = policy or policy_for(ticket)
        _plan(clock_, at, clock_.remaining_seconds or 0.0, policy.warn_percent, cal)
        clock_.save(update_fields=["remaining_seconds", "due_at", "warn_at"])
    _refresh(ticket)


def follow_status(ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """Keep the clocks in step with the status category: pause, resume, or stop them all when done."""
    before, after = st.CATEGORY[old], st.CATEGORY[new]
    if before == after:
        return
    if after == st.PAUSED:
        pause(ticket, at)
    elif after == st.DONE:
        stop(ticket, ClockKind.values, at)
    elif before == st.PAUSED:
        resume(ticket, at)
    elif before == st.DONE:  # reopened: a fresh resolution target
        start(ticket, ClockKind.RESOLUTION, at)
