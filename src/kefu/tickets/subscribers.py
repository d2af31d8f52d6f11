"""What reaches the customer when a ticket moves, by portal notice, email and SMS [seed 003].

One subscriber per channel and event: the outbox records each delivery, so an SMS gateway that fails is
retried alone and never sends the email a second time. Escalations and SLA breaches are staff matters:
nothing here listens to them.
"""

from __future__ import annotations

from kefu.core import clock
from kefu.core.events import subscriber

from . import mail_out, notify, sms
from .models import Notice, Ticket
from .services.follow_up import expire_days


def _ticket(event) -> Ticket:
    return Ticket.objects.select_related("customer").get(pk=event.payload["ticket_id"])


def _resolution(event) -> tuple[Ticket, notify.Notification]:
    ticket = _ticket(event)
    p = event.payload
    return ticket, notify.resolution(ticket, outcome=p.get("outcome", ticket.flow),
                                     solution=p.get("solution", ticket.solution),
                                     refusal_reason=p.get("refusal_reason", ticket.refusal_reason))


def _follow_up(event) -> tuple[Ticket, notify.Notification]:
    ticket = _ticket(event)
    return ticket, notify.follow_up(ticket, token=event.payload["token"], days=expire_days())


def _post_notice(ticket: Ticket, note: notify.Notification) -> None:
    """The portal's copy, with the channels it also goes out by (their own deliveries follow)."""
    if not ticket.customer_id:
        return  # someone who only wrote an email has no portal to read it in
    channels = ["portal"] + (["email"] if mail_out.recipient(ticket) else []) + (["sms"] if ticket.customer.phone
                                                                                  else [])
    Notice.objects.create(customer=ticket.customer, ticket=ticket, title=note.title[:120], body=note.portal,
                          link=note.link[:200], sent_by=channels, created_at=clock.now())


def _email(ticket: Ticket, note: notify.Notification) -> None:
    to = mail_out.recipient(ticket)
    if to:
        mail_out.send(ticket, note.email, to=to, automatic=True)


def _sms(ticket: Ticket, note: notify.Notification) -> None:
    if ticket.customer_id and ticket.customer.phone:
        sms.get_backend().send(ticket.customer.phone, note.sms)


@subscriber("ticket.replied")
def email_agent_reply(event) -> None:
    mail_out.send_reply(event.payload["message_id"])


@subscriber("ticket.resolved")
def notice_resolution(event) -> None:
    _post_notice(*_resolution(event))


@subscriber("ticket.resolved")
def email_resolution(event) -> None:
    _email(*_resolution(event))


@subscriber("ticket.resolved")
def sms_resolution(event) -> None:
    _sms(*_resolution(event))


@subscriber("ticket.follow_up_sent")
def notice_follow_up(event) -> None:
    _post_notice(*_follow_up(event))


@subscriber("ticket.follow_up_sent")
def email_follow_up(event) -> None:
    _email(*_follow_up(event))


@subscriber("ticket.follow_up_sent")
def sms_follow_up(event) -> None:
    _sms(*_follow_up(event))
