"""The customer is told without asking [seed 003]: a resolved ticket's outcome and the follow-up survey reach
them by portal notice, email and SMS, each once, however often the outbox runs; staff-only events stay
staff-only; the SMS backend is pluggable."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from kefu.core import clock, outbox
from kefu.core.events import subscribers_of
from kefu.core.models import OutboxEvent
from kefu.tickets import mail_in, notify, sms
from kefu.tickets.models import Notice, Ticket
from kefu.tickets.services import flow, follow_up
from tests import factories as f
from tests.tickets.builders import agent, agreed, complaint
from tests.tickets.mail_fixtures import (
    eml,
)

pytestmark = [pytest.mark.django_db]

SOLUTION = "今天为您加急补发，并补偿10元优惠券"
PHONE = "13912345678"


@pytest.fixture
def texts(settings):
    """SMS kept in memory (sms.MemoryBackend), emptied around each test."""
    settings.KEFU_SMS_BACKEND = "kefu.tickets.sms.MemoryBackend"
    sms.MemoryBackend.outbox.clear()
    yield sms.MemoryBackend.outbox
    sms.MemoryBackend.outbox.clear()


class FlakySms:
    """An SMS gateway that is down for its first `failures` calls."""

    failures = 0

    def send(self, phone: str, text: str) -> None:
        if FlakySms.failures:
            FlakySms.failures -= 1
            raise ConnectionError("SMS gateway unreachable")
        sms.MemoryBackend.outbox.append((phone, text))


def customer(**kwargs):
    return f.customer(name="王芳", phone=kwargs.pop("phone", PHONE), email=kwargs.pop("email", "wf@example.com"),
                      **kwargs)


def resolved(ticket: Ticket, staff_user, *, refuse: str = "") -> Ticket:
    who = agent(staff_user)
    if refuse:
        flow.analyse(ticket, cause="delivery", by=who)
        flow.acknowledge(ticket, position="顾客希望全额退款", by=who)
        flow.propose(ticket, solution=SOLUTION, by=who)
        flow.record_answer(ticket, accepted=False, reason=refuse, by=who)
    else:
        agreed(ticket, who, solution=SOLUTION)
    flow.resolve(ticket, by=who)
    ticket.refresh_from_db()
    return ticket


def outcome_mails(mailoutbox, marker: str = "已处理完毕"):
    return [m for m in mailoutbox if marker in m.body]


def test_a_resolution_reaches_the_customer_once_by_notice_email_and_sms(monday, staff_user, mailoutbox, texts):
    buyer = customer()
    ticket = resolved(complaint(buyer), staff_user)
    outbox.dispatch_pending()

    notice = Notice.objects.get()
    assert (notice.customer, notice.ticket, notice.link) == (buyer, ticket, f"/complaints/{ticket.number}/")
    assert ticket.number in notice.title and SOLUTION in notice.body and "工单页面留言" in notice.body
    assert notice.sent_by == ["portal", "email", "sms"] and notice.read_at is None

    [mail] = outcome_mails(mailoutbox)
    assert mail.to == ["wf@example.com"] and mail.from_email == "service@kefu.example"
    assert mail.subject == f"Re: 快递三天没动 [{ticket.number}]"
    assert f"处理结果：{SOLUTION}" in mail.body and "回复本邮件" in mail.body
    assert f"http://127.0.0.1:8000/complaints/{ticket.number}/" in mail.body
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"  # vacation responders stay quiet

    [(phone, text)] = texts
    assert phone == PHONE and ticket.number in text and "解决方案已确认" in text
    assert text.endswith(f"http://127.0.0.1:8000/complaints/{ticket.number}/")
    assert sms.segments(text) <= 2 and len(text.split("http")[0]) <= sms.SEGMENT

    # The same event again, and the dispatcher again: nothing more leaves.
    event = OutboxEvent.objects.get(topic="ticket.resolved")
    outbox.dispatch_one(event)
    outbox.dispatch_pending()
    assert (Notice.objects.count(), len(outcome_mails(mailoutbox)), len(texts)) == (1, 1, 1)


def test_a_refused_outcome_says_why_and_where_to_turn(monday, staff_user, mailoutbox, texts, settings):
    settings.KEFU_SERVICE_HOTLINE = "400-606-5500"
    reason = "顾客要求全额退款，已告知可向平台申请介入"
    ticket = resolved(complaint(customer()), staff_user, refuse=reason)
    outbox.dispatch_pending()
    [mail] = outcome_mails(mailoutbox)
    assert f"我们提出的方案：{SOLUTION}" in mail.body and f"您的意见已记录：{reason}" in mail.body
    assert "如仍有异议，可回复本邮件或拨打客服热线（400-606-5500）。" in mail.body
    notice = Notice.objects.get(ticket=ticket)
    assert reason in notice.body and "如仍有异议，可在工单页面留言或拨打客服热线" in notice.body
    [(_phone, text)] = texts
    assert "意见已记录" in text and "致电客服" in text


def test_an_email_only_requester_gets_the_email_but_no_notice_or_sms(monday, staff_user, mailoutbox, texts):
    ticket = mail_in.receive(eml(sender="Zhang San <zs@new.example>", subject="发票问题")).ticket
    resolved(ticket, staff_user)
    outbox.dispatch_pending()
    [mail] = outcome_mails(mailoutbox)
    assert mail.to == ["zs@new.example"] and mail.subject == f"Re: 发票问题 [{ticket.number}]"
    assert "您好，Zhang San：" in mail.body
    assert not Notice.objects.exists() and texts == []


def test_a_customer_without_email_gets_notice_and_sms(monday, staff_user, mailoutbox, texts):
    ticket = resolved(complaint(customer(email="")), staff_user)
    outbox.dispatch_pending()
    assert mailoutbox == [] and len(texts) == 1
    assert Notice.objects.get(ticket=ticket).sent_by == ["portal", "sms"]


def test_the_follow_up_survey_link_reaches_the_customer_once(monday, staff_user, mailoutbox, texts):
    ticket = resolved(complaint(customer()), staff_user)
    outbox.dispatch_pending()
    visit = ticket.follow_up
    clock.freeze(visit.due_at)
    assert follow_up.send_due() == 1
    outbox.dispatch_pending()

    path = f"/survey/{visit.token}/"
    notice = Notice.objects.get(link=path)
    assert notice.ticket == ticket and ticket.number in notice.title
    [mail] = outcome_mails(mailoutbox, marker="回访问卷")
    assert f"http://127.0.0.1:8000{path}" in mail.body and "7 天内有效" in mail.body
    assert mail.subject == f"Re: 快递三天没动 [{ticket.number}]"
    assert texts[-1] == (PHONE, f"您的工单{ticket.number}已处理完毕，请花一分钟评价：http://127.0.0.1:8000{path}")

    assert follow_up.send_due() == 0
    outbox.dispatch_one(OutboxEvent.objects.get(topic="ticket.follow_up_sent"))
    outbox.dispatch_pending()
    assert Notice.objects.count() == 2 and len(texts) == 2
    assert len(outcome_mails(mailoutbox, marker="回访问卷")) == 1


def test_an_sms_gateway_failure_is_retried_alone(monday, staff_user, mailoutbox, texts, settings):
    settings.KEFU_SMS_BACKEND = "tests.tickets.test_notify.FlakySms"
    FlakySms.failures = 1
    resolved(complaint(customer()), staff_user)
    outbox.dispatch_pending()
    event = OutboxEvent.objects.get(topic="ticket.resolved")
    assert event.dispatched_at is None and "SMS gateway unreachable" in event.last_error
    assert (Notice.objects.count(), len(outcome_mails(mailoutbox)), len(texts)) == (1, 1, 0)
    clock.freeze(clock.now() + timedelta(seconds=10))  # past the first backoff
    outbox.dispatch_pending()
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert (Notice.objects.count(), len(outcome_mails(mailoutbox)), len(texts)) == (1, 1, 1)


@pytest.mark.parametrize("topic", ["ticket.escalated", "ticket.sla_breached", "ticket.sla_warning",
                                   "ticket.assigned", "ticket.opened"])
def test_staff_side_events_send_nothing_to_the_customer(db, topic):
    assert not [name for name in subscribers_of(topic) if name.startswith("kefu.tickets.subscribers.")]


def test_links_follow_the_site_url(db, settings):
    settings.KEFU_SITE_URL = "https://kefu.shop.cn/"
    assert notify.absolute(notify.ticket_path("T261123000001")) == "https://kefu.shop.cn/complaints/T261123000001/"


def test_the_subject_line_cannot_carry_a_header_break(monday):
    ticket = complaint(f.customer(), subject="快递\r\nBcc: x@evil.example")
    assert notify.subject_line(ticket) == f"Re: 快递 Bcc: x@evil.example [{ticket.number}]"


# --- the SMS backend ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["no.such.Backend", "kefu.tickets.sms.NoSuchClass", "nodots",
                                  "kefu.tickets.sms.segments", "kefu.tickets.sms.log"])
def test_a_bad_sms_backend_setting_names_the_setting(settings, path):
    settings.KEFU_SMS_BACKEND = path
    with pytest.raises(ImproperlyConfigured, match="KEFU_SMS_BACKEND"):
        sms.get_backend()


def test_the_default_backend_logs_with_the_number_masked(settings, caplog):
    settings.KEFU_SMS_BACKEND = "kefu.tickets.sms.LogBackend"
    with caplog.at_level(logging.INFO, logger="kefu.tickets.sms"):
        sms.get_backend().send(PHONE, "您的工单已处理")
    assert "139****5678" in caplog.text and PHONE not in caplog.text and "您的工单已处理" in caplog.text


def test_memory_backend_keeps_messages(texts):
    sms.get_backend().send(PHONE, "短信")
    assert texts == [(PHONE, "短信")]


@pytest.mark.parametrize("length,count", [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)])
def test_sms_segments(length, count):
    assert sms.segments("字" * length) == count
