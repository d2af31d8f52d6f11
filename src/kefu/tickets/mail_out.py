"""Email to customers about their tickets, through Django's default mailer (settings.MAILERS).

Each mail answers the customer's last email (In-Reply-To / References) and carries the ticket number in its
subject, so the customer's mail client keeps one thread and their answer finds the ticket again (mail_in).
An agent's reply also stores its Message-ID on the TicketMessage: an answer to it threads by header.

Called from the outbox subscribers (subscribers.py): a failure raises and the delivery is retried with
backoff, except a permanent refusal of the address (5xx), which is logged and dropped.
"""

from __future__ import annotations

import logging
import smtplib
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from kefu.core import clock

from . import notify
from .models import Author, Ticket, TicketMessage

log = logging.getLogger(__name__)


def recipient(ticket: Ticket) -> str:
    """Who is answered by email: the requester's address, else the customer's; "" when there is none usable."""
    address = ticket.requester_email or (ticket.customer.email if ticket.customer_id else "")
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def _domain() -> str:
    return settings.KEFU_SUPPORT_EMAIL.rpartition("@")[2] or "kefu.invalid"


def last_customer_message_id(ticket: Ticket) -> str | None:
    return (TicketMessage.objects.filter(ticket=ticket, author_kind=Author.CUSTOMER, email_message_id__isnull=False)
            .exclude(email_message_id="").order_by("-created_at", "-id")
            .values_list("email_message_id", flat=True).first())


def send(ticket: Ticket, body: str, *, to: str, automatic: bool = False) -> str | None:
    """One email about `ticket`. Returns its Message-ID (without <>), or None when the address was refused
    for good. `automatic` marks a notification no person wrote (RFC 3834), so vacation responders skip it."""
    message_id = make_msgid(domain=_domain())
    headers = {"Message-ID": message_id, "Date": format_datetime(clock.now())}
    if automatic:
        headers["Auto-Submitted"] = "auto-generated"
    answered = last_customer_message_id(ticket)
    if answered:
        headers["In-Reply-To"] = headers["References"] = f"<{answered}>"
    mail = EmailMessage(subject=notify.subject_line(ticket), body=body, from_email=settings.KEFU_SUPPORT_EMAIL,
                        to=[to], headers=headers)
    try:
        mail.send(using="default")
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            log.warning("email about %s to %s refused for good: %s", ticket.number, to, exc.recipients)
            return None
        raise  # a temporary refusal (4xx): the outbox tries again later
    return message_id.strip("<>")


def send_reply(message_id: int) -> str | None:
    """Email an agent's public reply to the requester; keep its Message-ID on the message. Once per message."""
    message = (TicketMessage.objects.select_related("ticket__customer")
               .filter(pk=message_id, author_kind=Author.AGENT, internal=False).first())
    if message is None or message.email_message_id:
        return None
    ticket = message.ticket
    to = recipient(ticket)
    if not to:
        return None
    sent = send(ticket, notify.reply_email(ticket, message.body), to=to)
    if sent:
        TicketMessage.objects.filter(pk=message.pk).update(email_message_id=sent)
    return sent
