"""The SLA sweep: warnings before a breach, and escalation on breach — set-based, whatever the number of open
tickets. Each step claims its rows with one conditional UPDATE stamped with this run's instant, then reads the
claimed rows back by that stamp, so two sweeps (two workers) never warn or escalate the same clock twice.

- a clock past its warning instant → `ticket.sla_warning`
- a first-response, next-response or resolution clock past due → `ticket.sla_breached`; the ticket, if still
  with its agent, goes to the supervisor (level 1) and the supervisor's clock starts
- the supervisor's clock past due → the ticket goes to the customer-care team (level 2), the last line
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from kefu.contact.selectors import business_calendar
from kefu.core import clock, events
from kefu.core.duties import duty
from kefu.core.models import AuditEntry

from . import ticket_states as st
from .models import ClockKind, Queue, SlaClock, SlaPolicy, Ticket

CHUNK = 2000
RESPONSE_KINDS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE, ClockKind.RESOLUTION)


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _ticket_facts(ids) -> dict[int, dict]:
    facts = {}
    for chunk in _chunks(sorted(set(ids))):
        for pk, number, customer_id, queue, priority in Ticket.objects.filter(pk__in=chunk).values_list(
                "pk", "number", "customer_id", "queue__code", "priority"):
            facts[pk] = {"ticket": number, "ticket_id": pk, "customer_id": customer_id, "queue": queue,
                         "priority": priority}
    return facts


def _audit(ticket_ids: list[int], facts: dict, old, new, reason: str, at: datetime) -> None:
    ct = ContentType.objects.get_for_model(Ticket)
    AuditEntry.objects.bulk_create([AuditEntry(
        at=at, kind=AuditEntry.Kind.FIELD, content_type=ct, object_id=str(pk), object_repr=facts[pk]["ticket"],
        field="escalation_level", old_value=str(old), new_value=str(new), reason=reason, actor=None,
        actor_label="sla") for pk in ticket_ids], batch_size=CHUNK)


def _warn(stamp: datetime) -> int:
    claimed = SlaClock.objects.filter(stopped_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True,
                                      warn_at__lte=stamp).update(warned_at=stamp)
    if not claimed:
        return 0
    rows = list(SlaClock.objects.filter(warned_at=stamp).values_list("ticket_id", "kind", "due_at"))
    facts = _ticket_facts(r[0] for r in rows)
    events.emit_many("ticket.sla_warning", [{**facts[t], "clock": kind, "due_at": due.isoformat()}
                                            for t, kind, due in rows])
    return len(rows)


def _supervisor_clocks(ticket_ids: list[int], facts: dict, at: datetime) -> None:
    """Start the supervisor's clock of newly escalated tickets: one due time per priority, not per ticket."""
    cal = business_calendar()
    plans = {}
    for policy in SlaPolicy.objects.all():
        budget = policy.supervisor_minutes * 60
        plans[policy.priority] = (budget, cal.add_business_seconds(at, budget),
                                  cal.add_business_seconds(at, budget * policy.warn_percent / 100))
    SlaClock.objects.filter(ticket_id__in=ticket_ids, kind=ClockKind.SUPERVISOR).delete()
    SlaClock.objects.bulk_create([SlaClock(
        ticket_id=pk, kind=ClockKind.SUPERVISOR, budget_seconds=plans[facts[pk]["priority"]][0], started_at=at,
        due_at=plans[facts[pk]["priority"]][1], warn_at=plans[facts[pk]["priority"]][2]) for pk in ticket_ids],
        batch_size=CHUNK)
    # Ticket.next_due_at stays as it is: the breached clock keeps running with its due time, which is before
    # the supervisor's — the nearest due time of these tickets has not changed.


def _escalated_now(candidates: list[int], level: int, stamp: datetime) -> list[int]:
    return [pk for chunk in _chunks(candidates) for pk in Ticket.objects.filter(
        pk__in=chunk, escalated_at=stamp, escalation_level=level).values_list("pk", flat=True)]


def _breach(stamp: datetime) -> tuple[int, int, int]:
    claimed = SlaClock.objects.filter(stopped_at__isnull=True, breached_at__isnull=True,
                                      due_at__lte=stamp).update(breached_at=stamp)
    if not claimed:
        return 0, 0, 0
    rows = list(SlaClock.objects.filter(breached_at=stamp).values_list("ticket_id", "kind", "due_at"))
    facts = _ticket_facts(r[0] for r in rows)
    events.emit_many("ticket.sla_breached", [{**facts[t], "clock": kind, "due_at": due.isoformat()}
                                             for t, kind, due in rows])
    by_kind = defaultdict(set)
    for ticket_id, kind, _due in rows:
        by_kind[kind == ClockKind.SUPERVISOR].add(ticket_id)
    to_supervisor = to_care = 0
    # Level 0 → 1 for a breached agent target.
    candidates = sorted(by_kind[False])
    for chunk in _chunks(candidates):
        # The care team's own tasks are the last line already: a breach there is reported, not escalated.
        Ticket.objects.filter(pk__in=chunk, escalation_level=0, status__in=st.OPEN_STATUSES,
                              queue__care_team=False).update(escalation_level=1, escalated_at=stamp,
                                                             updated_at=stamp)
    raised = _escalated_now(candidates, 1, stamp)
    if raised:
        _supervisor_clocks(raised, facts, stamp)
        _audit(raised, facts, 0, 1, "SLA breached", stamp)
        events.emit_many("ticket.escalated", [{**facts[t], "level": 1, "reason": "SLA breached",
                                               "at": stamp.isoformat()} for t in raised])
        to_supervisor = len(raised)
    # Level 1 → 2 when the supervisor's own time ran out.
    care = Queue.objects.filter(care_team=True).first()
    candidates = sorted(by_kind[True])
    if candidates and care is not None:
        for chunk in _chunks(candidates):
            Ticket.objects.filter(pk__in=chunk, escalation_level=1, status__in=st.OPEN_STATUSES).update(
                escalation_level=2, escalated_at=stamp, updated_at=stamp, queue=care, assignee=None)
        handed = _escalated_now(candidates, 2, stamp)
        for pk in handed:
            facts[pk]["queue"] = care.code
        _audit(handed, facts, 1, 2, "the supervisor's time ran out", stamp)
        events.emit_many("ticket.escalated", [{**facts[t], "level": 2, "reason": "the supervisor's time ran out",
                                               "at": stamp.isoformat()} for t in handed])
        to_care = len(handed)
    return len(rows), to_supervisor, to_care


@duty("tickets.sla_sweep", every=timedelta(minutes=1))
def sweep() -> dict:
    """One pass: warnings, breaches and the escalations they cause."""
    with transaction.atomic():
        stamp = clock.now()
        warned = _warn(stamp)
        breached, to_supervisor, to_care = _breach(stamp)
    return {"warned": warned, "breached": breached, "to_supervisor": to_supervisor, "to_care_team": to_care}
