"""Email to customers, against a real SMTP server on 127.0.0.1 (aiosmtpd, a free port): the agent's reply
leaves with the ticket number and the threading headers, and the customer's answer to it comes back onto the
same ticket. A refused address is dropped for good (5xx) or retried by the outbox (4xx)."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from kefu.core import outbox
from kefu.core.models import OutboxEvent
from kefu.tickets import mail_in
from kefu.tickets import ticket_states as st
from kefu.tickets.models import TicketMessage
from kefu.tickets.services import conversation
from tests import factories as f
from tests.tickets.builders import agent, complaint
from tests.tickets.mail_fixtures import (
    eml,
)

pytestmark = [pytest.mark.django_db]

REPLY = "kefu.tickets.subscribers.email_agent_reply"


class Mailbox:
    """What the SMTP server accepted; `refuse` answers RCPT TO with that reply instead of 250."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5}}}
    settings.KEFU_SUPPORT_EMAIL = "service@shop.example"
    yield mailbox
    controller.stop()


def test_reply_by_email_and_the_customers_answer_threads_back(monday, staff_user, smtp):
    customer = f.customer(name="王芳", email="wangfang@example.com")
    received = mail_in.receive(eml(sender="王芳 <wangfang@example.com>", subject="快递三天没动",
                                   message_id="<question-1@example.com>"))
    ticket = received.ticket
    assert ticket.customer == customer
    who = agent(staff_user)
    reply = conversation.agent_replies(ticket, "王女士您好，已为您催促仓库，今天内发出。", by=who,
                                       wait_for_customer=True)
    outbox.dispatch_pending()

    [(rcpt_tos, sent)] = smtp.messages
    assert rcpt_tos == ["wangfang@example.com"]
    assert sent["To"] == "wangfang@example.com" and sent["From"] == "service@shop.example"
    assert sent["Subject"] == f"Re: 快递三天没动 [{ticket.number}]"
    assert sent["In-Reply-To"] == sent["References"] == "<question-1@example.com>"
    assert sent["Message-ID"].endswith("@shop.example>")
    assert sent["Auto-Submitted"] is None  # a person wrote it: the customer's vacation reply may answer
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("王女士您好，已为您催促仓库，今天内发出。")
    assert f"http://127.0.0.1:8000/complaints/{ticket.number}/" in text
    reply.refresh_from_db()
    assert reply.email_message_id == sent["Message-ID"].strip("<>")

    # The customer answers the mail: no ticket number in the subject, only the In-Reply-To header.
    answer = eml(sender="wangfang@example.com", subject="Re: 回复", body="好的，谢谢！\n\n> 王女士您好",
                 message_id="<answer-1@example.com>", in_reply_to=sent["Message-ID"],
                 references=f"<question-1@example.com> {sent['Message-ID']}")
    threaded = mail_in.receive(answer)
    assert threaded.outcome == "threaded" and threaded.ticket == ticket
    assert threaded.ticket.status == st.OPEN
    assert list(ticket.messages.values_list("body", flat=True))[-1] == "好的，谢谢！"

    # The next reply answers that latest email.
    conversation.agent_replies(ticket, "不客气，有问题随时联系我们。", by=who)
    outbox.dispatch_pending()
    assert smtp.messages[-1][1]["In-Reply-To"] == "<answer-1@example.com>"
    assert len(smtp.messages) == 2


def test_a_reply_on_a_portal_ticket_has_no_in_reply_to(monday, staff_user, smtp):
    ticket = complaint(f.customer(email="portal@example.com"))
    conversation.agent_replies(ticket, "您好，我们马上核实。", by=agent(staff_user))
    outbox.dispatch_pending()
    [(_rcpt, sent)] = smtp.messages
    assert sent["In-Reply-To"] is None and sent["To"] == "portal@example.com"


def test_no_email_without_an_address_and_none_for_internal_notes(monday, staff_user, smtp):
    ticket = complaint(f.customer(email=""))
    who = agent(staff_user)
    conversation.add_note(ticket, "内部备注：仓库在查", by=who)
    conversation.agent_replies(ticket, "您好，我们马上核实。", by=who)
    outbox.dispatch_pending()
    assert smtp.messages == []
    assert not TicketMessage.objects.filter(email_message_id__isnull=False).exists()


def test_a_permanently_refused_address_is_dropped_not_retried(monday, staff_user, smtp):
    ticket = complaint(f.customer(email="gone@example.com"))
    reply = conversation.agent_replies(ticket, "您好，我们马上核实。", by=agent(staff_user))
    smtp.refuse = "550 5.1.1 no such user"
    outbox.dispatch_pending()
    event = OutboxEvent.objects.get(topic="ticket.replied")
    assert event.dispatched_at is not None and event.deliveries.filter(subscriber=REPLY).exists()
    reply.refresh_from_db()
    assert reply.email_message_id is None and smtp.messages == []


def test_a_temporary_refusal_is_retried_and_sent_once(monday, staff_user, smtp):
    from datetime import timedelta

    from kefu.core import clock

    ticket = complaint(f.customer(email="busy@example.com"))
    conversation.agent_replies(ticket, "您好，我们马上核实。", by=agent(staff_user))
    smtp.refuse = "451 4.7.1 try again later"
    outbox.dispatch_pending()
    event = OutboxEvent.objects.get(topic="ticket.replied")
    assert (event.dispatched_at, event.attempts) == (None, 1) and "451" in event.last_error
    smtp.refuse = ""
    clock.freeze(monday + timedelta(seconds=10))
    outbox.dispatch_pending()
    outbox.dispatch_pending()
    event.refresh_from_db()
    assert event.dispatched_at is not None and len(smtp.messages) == 1
