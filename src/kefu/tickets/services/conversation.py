"""The conversation on a ticket: the customer writes, the agent replies (checked by the reply coach first),
and internal notes the customer never sees."""

from __future__ import annotations

from django.db import transaction

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, InvalidTransition

from .. import coach
from .. import ticket_states as st
from ..models import Author, Channel, ClockKind, CoachPhrase, TicketMessage
from . import sla
from ._common import customer_of, lock, move, payload, text, touch, user_or_none


def phrases() -> list[coach.Phrase]:
    """The reply coach's list, as the supervisors keep it in the admin."""
    return [coach.Phrase(p.text, p.suggestion, p.why) for p in CoachPhrase.objects.filter(active=True)]


def coach_flags(body: str) -> list[dict]:
    return [{"phrase": f.phrase, "start": f.start, "end": f.end, "suggestion": f.suggestion, "why": f.why}
            for f in coach.check(body, phrases())]


class CoachObjection(DomainError):
    """The reply contains flagged phrasing and the agent has not confirmed sending it as written."""

    status = 422
    code = "reply_coach"

    def __init__(self, flags: list[dict]):
        super().__init__("the reply coach flagged this reply: rephrase it, or confirm to send it as written",
                         field="body")
        self.flags = flags


@transaction.atomic
def customer_writes(ticket, body: str, *, by=None, channel: str = Channel.WEB,
                    email_message_id: str | None = None) -> TicketMessage:
    """The customer adds to their ticket. A resolved ticket reopens; one waiting on them resumes; the agent
    owes a next response."""
    ticket = lock(ticket)
    customer = customer_of(by)
    if customer is not None and customer.pk != ticket.customer_id:
        raise DomainError("this is not your ticket", field="ticket", code="forbidden")
    if ticket.status in (st.CLOSED, st.MERGED):
        raise InvalidTransition(f"a {ticket.status} ticket takes no more messages: open a new one", field="status")
    body = text(body, "body")
    now = clock.now()
    message = TicketMessage.objects.create(ticket=ticket, author_kind=Author.CUSTOMER, author=user_or_none(by),
                                           channel=channel, body=body, email_message_id=email_message_id,
                                           created_at=now)
    if ticket.status in (st.WAITING_CUSTOMER, st.RESOLVED):
        reopened = ticket.status == st.RESOLVED
        move(ticket, st.OPEN, by=by, reason="the customer wrote", at=now)
        if reopened:
            from .flow import restart_handling

            restart_handling(ticket, by=by, reason="the customer wrote after the resolution")
    else:
        touch(ticket, now)
    if ticket.first_responded_at is not None:
        sla.start(ticket, ClockKind.NEXT_RESPONSE, now)
    events.emit("ticket.customer_wrote", payload(ticket, message_id=message.pk, at=now.isoformat()))
    return message


@transaction.atomic
def agent_replies(ticket, body: str, *, by, wait_for_customer: bool = False, confirm_coach: bool = False,
                  next_step: str | None = None, channel: str = Channel.WEB) -> TicketMessage:
    """A public reply. The reply coach reads it first: flagged phrasing is refused unless the agent confirms
    (the flags are kept on the message either way). `wait_for_customer` pauses the clocks."""
    body = text(body, "body")
    flags = coach_flags(body)
    if flags and not confirm_coach:
        raise CoachObjection(flags)
    ticket = lock(ticket)
    if not ticket.is_open and ticket.status != st.RESOLVED:
        raise InvalidTransition(f"a {ticket.status} ticket cannot be answered", field="status")
    now = clock.now()
    message = TicketMessage.objects.create(ticket=ticket, author_kind=Author.AGENT, author=user_or_none(by),
                                           channel=channel, body=body, coach_flags=flags, created_at=now)
    fields = ["updated_at"]
    ticket.updated_at = now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    if next_step is not None:
        ticket.next_step, ticket.next_step_by = text(next_step, "next_step", required=False, limit=200), None
        fields += ["next_step", "next_step_by"]
    ticket.save(update_fields=fields)
    if ticket.assignee_id is None and user_or_none(by) is not None:
        from .assignment import take

        take(ticket, by, at=now)  # answering an unassigned ticket takes it
    sla.stop(ticket, (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE), now)
    if ticket.status == st.NEW:
        move(ticket, st.OPEN, by=by, reason="first reply", at=now)
    if wait_for_customer and ticket.status == st.OPEN:
        move(ticket, st.WAITING_CUSTOMER, by=by, reason="waiting for the customer's answer", at=now)
    if flags:
        audit.field_changed(ticket, "reply_coach", "", ", ".join(f["phrase"] for f in flags), actor=by,
                     reason="sent as written after the reply coach's warning")
    events.emit("ticket.replied", payload(ticket, message_id=message.pk, agent_id=getattr(by, "pk", None),
                                          at=now.isoformat()))
    return message


@transaction.atomic
def add_note(ticket, body: str, *, by) -> TicketMessage:
    """An internal note: for colleagues and the next shift, never shown to the customer."""
    body = text(body, "body")
    ticket = lock(ticket)
    now = clock.now()
    note = TicketMessage.objects.create(ticket=ticket, author_kind=Author.AGENT, author=user_or_none(by),
                                        internal=True, channel=Channel.AGENT, body=body, created_at=now)
    touch(ticket, now)
    return note
