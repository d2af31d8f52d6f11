"""Opening a ticket, from any channel: queue and priority from the routing rules, SLA clocks started, the
customer's words kept as the first message, and a first promised step the customer sees at once [seed 003]."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from kefu.contact.selectors import business_calendar
from kefu.core import audit, clock, events
from kefu.core.errors import DomainError

from .. import routing
from .. import ticket_states as st
from ..models import Author, Channel, ClockKind, Kind, Queue, Severity, Ticket, TicketMessage
from . import sla
from ._common import customer_of, payload, text, user_or_none

SKILL_FOR_KIND = {Kind.COMPLAINT: "complaints", Kind.QUESTION: "presale", Kind.REQUEST: "aftersale"}


def _checked(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise DomainError(f"unknown {field}: {value!r}", field=field, code="invalid_choice")
    return value


def first_promise(due) -> str:
    """The promised next step of a new ticket: when a person will answer."""
    return f"客服将在{date_format(timezone.localtime(due), 'n月j日 H:i')}前回复您"


@transaction.atomic
def open_ticket(*, channel: str, subject: str, body: str, customer=None, order=None, case=None,
                kind: str = Kind.COMPLAINT, severity: str = Severity.NORMAL, skill: str | None = None,
                by=None, requester_name: str = "", requester_email: str = "", source_ref: str = "",
                email_message_id: str | None = None, parent: Ticket | None = None,
                queue_code: str | None = None) -> Ticket:
    """Record a contact as a ticket. `by` is whoever typed it in: the customer (portal), an agent (phone,
    agent-created), or a system label ("email", "chat", "reviews")."""
    channel = _checked(channel, Channel, "channel")
    kind = _checked(kind, Kind, "kind")
    severity = _checked(severity, Severity, "severity")
    subject = text(subject, "subject", limit=120)
    body = text(body, "body")
    if customer is None and order is not None:
        customer = order.customer
    if customer is None and case is not None:
        customer = case.customer
    if order is not None and customer is not None and order.customer_id != customer.pk:
        raise DomainError("the order belongs to another customer", field="order", code="not_yours")
    if case is not None and customer is not None and case.customer_id != customer.pk:
        raise DomainError("the after-sales case belongs to another customer", field="case", code="not_yours")
    if case is not None and order is None:
        order = case.order
    if customer is None and not requester_email:
        raise DomainError("a ticket needs a customer or an email address to answer", field="customer")
    skill = skill or SKILL_FOR_KIND.get(kind, "aftersale")
    if skill not in routing.SKILLS:
        raise DomainError(f"unknown skill: {skill!r}", field="skill", code="invalid_choice")
    tier = customer.tier if customer is not None else "registered"
    queue = Queue.objects.get(code=queue_code or routing.queue_for(skill, tier))
    now = clock.now()
    ticket = Ticket.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}", kind=kind, channel=channel, subject=subject, customer=customer,
        requester_name=requester_name[:80] or (customer.name if customer else ""),
        requester_email=requester_email or (customer.email if customer else ""),
        order=order, case=case, source_ref=source_ref[:80], queue=queue, severity=severity,
        priority=routing.priority(severity, tier), status=st.NEW, flow=st.RECEIVED, parent=parent,
        created_at=now, updated_at=now)
    # T + local date + row id: unique without a counter row that every intake would contend on.
    ticket.number = f"T{timezone.localtime(now):%y%m%d}{ticket.pk:06d}"
    cal = business_calendar()
    policy = sla.policy_for(ticket)
    first = sla.start(ticket, ClockKind.FIRST_RESPONSE, now, cal=cal, policy=policy)
    sla.start(ticket, ClockKind.RESOLUTION, now, cal=cal, policy=policy)
    ticket.next_step, ticket.next_step_by = first_promise(first.due_at), first.due_at
    ticket.save(update_fields=["number", "next_step", "next_step_by"])
    from_customer = customer is not None and customer_of(by) == customer or user_or_none(by) is None
    TicketMessage.objects.create(
        ticket=ticket, author_kind=Author.CUSTOMER if from_customer else Author.AGENT, author=user_or_none(by),
        channel=channel, body=body, email_message_id=email_message_id, created_at=now)
    audit.status_changed(ticket, None, st.NEW, actor=by, reason=f"{channel}: {subject}")
    events.emit("ticket.opened", payload(ticket, channel=channel, kind=kind, severity=severity,
                                         at=now.isoformat()))
    return ticket
