"""Email from customers: parsed, threaded onto the ticket it answers or opened as a new one, exactly once; the
inbound webhook and the `receive_email` command in front of it."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client

from kefu.core import outbox
from kefu.core.errors import DomainError
from kefu.core.models import OutboxEvent
from kefu.tickets import mail_in
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Author, Ticket, TicketMessage
from kefu.tickets.services import conversation, flow, merging
from tests import factories as f
from tests.tickets.builders import agent, agreed, complaint
from tests.tickets.mail_fixtures import (
    eml,
    gbk_eml,
)

pytestmark = [pytest.mark.django_db]

INBOUND = "/api/v1/email/inbound"
TOKEN = "inbound-秘密-token".encode().hex()


def written() -> tuple[int, int, int]:
    return Ticket.objects.count(), TicketMessage.objects.count(), OutboxEvent.objects.count()


# --- new tickets --------------------------------------------------------------------------------------------

def test_a_known_customers_email_opens_a_ticket_for_that_customer(monday):
    customer = f.customer(name="王芳", email="WangFang@Example.com")
    received = mail_in.receive(eml(sender="王芳 <wangfang@example.COM>", message_id="<first@mail.example.com>"))
    ticket = received.ticket
    assert received.outcome == "new"
    assert (ticket.customer, ticket.channel, ticket.kind) == (customer, "email", "question")
    assert (ticket.subject, ticket.requester_email, ticket.requester_name) == (
        "快递三天没动", "wangfang@example.COM", "王芳")
    message = ticket.messages.get()
    assert message == received.message
    assert (message.author_kind, message.channel, message.email_message_id) == (
        Author.CUSTOMER, "email", "first@mail.example.com")
    assert message.body == "我的订单一直没有发货，请帮忙查一下。"
    assert OutboxEvent.objects.filter(topic="ticket.opened", payload__ticket=ticket.number).exists()


def test_a_complaint_is_recognised_by_投诉_in_subject_or_body(monday):
    by_subject = mail_in.receive(eml(subject="投诉快递员态度")).ticket
    by_body = mail_in.receive(eml(subject="快递", body="我要投诉你们的快递员")).ticket
    assert by_subject.kind == by_body.kind == "complaint"
    assert by_subject.queue.code == "complaints"


def test_an_unknown_sender_gets_a_ticket_answered_by_email_only(monday):
    f.customer(email="someone-else@example.com")
    ticket = mail_in.receive(eml(sender="Zhang San <zhangsan@new.example>")).ticket
    assert ticket.customer is None
    assert (ticket.requester_email, ticket.requester_name) == ("zhangsan@new.example", "Zhang San")


def test_an_address_shared_by_two_customers_is_not_guessed(monday):
    f.customer(email="family@example.com")
    f.customer(email="family@example.com")
    ticket = mail_in.receive(eml(sender="family@example.com")).ticket
    assert ticket.customer is None and ticket.requester_email == "family@example.com"


def test_subject_and_body_defaults_and_limits(monday):
    ticket = mail_in.receive(eml(subject="", body="")).ticket
    assert (ticket.subject, ticket.messages.get().body) == ("(无主题)", "(空邮件)")
    long = mail_in.receive(eml(subject="长" * 300, body="x" * 30_000)).ticket
    assert long.subject == "长" * 120
    assert len(long.messages.get().body) < 20_000 and "已截断" in long.messages.get().body


# --- threading ----------------------------------------------------------------------------------------------

def test_an_answer_to_our_reply_threads_by_in_reply_to(monday, staff_user, mailoutbox):
    first = mail_in.receive(eml(sender="buyer@example.com", message_id="<q1@example.com>")).ticket
    who = agent(staff_user)
    reply = conversation.agent_replies(first, "您好，已为您催促仓库，请您留意物流。", by=who, wait_for_customer=True)
    outbox.dispatch_pending()
    reply.refresh_from_db()
    assert reply.email_message_id and len(mailoutbox) == 1

    answer = eml(sender="buyer@example.com", subject="Re: 还是没动", body="还是没有物流信息",
                 in_reply_to=f"<{reply.email_message_id}>", references=f"<q1@example.com> <{reply.email_message_id}>")
    received = mail_in.receive(answer)
    assert received.outcome == "threaded" and received.ticket == first
    assert received.ticket.status == st.OPEN  # it was waiting on the customer
    assert list(first.messages.values_list("body", flat=True)) == [
        "我的订单一直没有发货，请帮忙查一下。", "您好，已为您催促仓库，请您留意物流。", "还是没有物流信息"]
    assert Ticket.objects.count() == 1


def test_references_alone_thread_the_answer(monday):
    first = mail_in.receive(eml(message_id="<root@example.com>")).ticket
    received = mail_in.receive(eml(subject="补充", body="补充一张照片", references="<root@example.com> <x@y.z>"))
    assert received.outcome == "threaded" and received.ticket == first


def test_the_ticket_number_in_the_subject_threads_mail_from_the_tickets_customer(monday):
    customer = f.customer(email="owner@example.com")
    ticket = complaint(customer)
    received = mail_in.receive(eml(sender="OWNER@example.com", subject=f"Re: 您的工单 [{ticket.number}] 已处理",
                                   body="谢谢，已经收到了"))
    assert received.outcome == "threaded" and received.ticket == ticket
    assert ticket.messages.last().body == "谢谢，已经收到了"


def test_the_ticket_number_from_another_sender_opens_a_new_ticket(monday):
    ticket = complaint(f.customer(email="owner@example.com"))
    received = mail_in.receive(eml(sender="stranger@example.com", subject=f"Re: [{ticket.number}] 我也要问"))
    assert received.outcome == "new" and received.ticket != ticket
    assert received.ticket.parent is None and ticket.messages.count() == 1


def test_an_answer_to_a_closed_ticket_opens_a_new_one_pointing_back(monday, staff_user):
    customer = f.customer(email="owner@example.com")
    old = agreed(complaint(customer), agent(staff_user))
    flow.resolve(old, by=staff_user("supervisor", "sup"))
    flow.close(old, reason="回访结束")
    received = mail_in.receive(eml(sender="owner@example.com", subject=f"Re: [{old.number}] 又坏了",
                                   body="同样的问题又出现了"))
    new = received.ticket
    assert received.outcome == "new" and new != old
    assert (new.parent, new.customer) == (old, customer)
    old.refresh_from_db()
    assert old.status == st.CLOSED and old.messages.filter(body="同样的问题又出现了").count() == 0


def test_an_answer_to_a_resolved_ticket_reopens_it(monday, staff_user):
    customer = f.customer(email="owner@example.com")
    ticket = agreed(complaint(customer), agent(staff_user))
    flow.resolve(ticket, by=staff_user("supervisor", "sup"))
    received = mail_in.receive(eml(sender="owner@example.com", subject=f"Re: [{ticket.number}]", body="还没好"))
    assert received.outcome == "threaded" and received.ticket.status == st.OPEN


def test_an_answer_to_a_merged_ticket_goes_to_the_one_it_was_merged_into(monday, staff_user):
    customer = f.customer(email="owner@example.com")
    duplicate = mail_in.receive(eml(sender="owner@example.com", message_id="<dup@example.com>")).ticket
    survivor = complaint(customer)
    merging.merge(duplicate, survivor, by=agent(staff_user))
    received = mail_in.receive(eml(sender="owner@example.com", subject=f"Re: [{duplicate.number}]", body="在吗"))
    assert received.outcome == "threaded" and received.ticket == survivor
    assert survivor.messages.filter(body="在吗").exists()


# --- exactly once -------------------------------------------------------------------------------------------

def test_the_same_message_twice_writes_nothing_the_second_time(monday):
    raw = eml(message_id="<once@example.com>")
    first = mail_in.receive(raw)
    before = written()
    again = mail_in.receive(raw)
    assert (again.outcome, again.ticket, again.message) == ("duplicate", first.ticket, first.message)
    assert written() == before


def test_the_same_message_filed_twice_at_once_is_a_duplicate(monday, monkeypatch):
    raw = eml(message_id="<race@example.com>")
    first = mail_in.receive(raw)
    before = written()
    # The other delivery has not committed when this one looks: the unique Message-ID stops the second write.
    real, looks = mail_in._stored, []

    def stale_first_look(message_id):
        looks.append(message_id)
        return None if len(looks) == 1 else real(message_id)

    monkeypatch.setattr(mail_in, "_stored", stale_first_look)
    again = mail_in.receive(raw)
    assert (again.outcome, again.message) == ("duplicate", first.message)
    assert written() == before


def test_without_a_message_id_the_raw_bytes_identify_the_message(monday):
    raw = eml(message_id=None)
    first = mail_in.receive(raw)
    assert first.message.email_message_id.endswith("@inbound.kefu.invalid")
    assert mail_in.receive(raw).outcome == "duplicate"
    assert mail_in.receive(eml(message_id=None, body="另一封")).outcome == "new"


# --- reading the message --------------------------------------------------------------------------------------

@pytest.mark.parametrize("charset", ["GBK", "gb2312", "GB18030"])
def test_a_gbk_message_decodes(monday, charset):
    # 镕 is outside GB2312: clients labelling GBK text "gb2312" must still decode.
    ticket = mail_in.receive(gbk_eml(charset=charset, body="退款七天还没到账，朱镕请尽快处理。")).ticket
    assert (ticket.subject, ticket.requester_name, ticket.kind) == ("投诉：退款迟迟不到", "李雷", "complaint")
    assert ticket.messages.get().body == "退款七天还没到账，朱镕请尽快处理。"


def test_raw_utf8_headers_decode(monday):
    raw = ("From: 张三 <zs@example.com>\r\nSubject: 发票开错了\r\nMessage-ID: <raw8@example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n抬头写错了").encode()
    ticket = mail_in.receive(raw).ticket
    assert (ticket.subject, ticket.requester_name, ticket.messages.get().body) == ("发票开错了", "张三", "抬头写错了")


def test_an_html_only_message_becomes_text(monday):
    markup = ("<html><head><style>p{color:red}</style></head><body><p>订单&nbsp;KF0001 <b>还没发货</b></p>"
              "<p>请尽快&lt;处理&gt;</p><script>alert(1)</script>"
              "<div class=gmail_quote>On Mon, Nov 23, 2026 at 9:00 AM 客服 wrote:"
              "<blockquote>您好，我们已经发货</blockquote></div></body></html>")
    ticket = mail_in.receive(eml(body=None, html=markup)).ticket
    assert ticket.messages.get().body == "订单 KF0001 还没发货\n请尽快<处理>"


def test_html_nested_quotes_scripts_and_unclosed_elements(monday):
    markup = ("<p>新问题</p><blockquote>旧<blockquote>更旧</blockquote>旧</blockquote>"
              "<script>var s = '<script>';</script><p>补充</p></blockquote><style>p {}")
    assert mail_in.html_to_text(markup).split() == ["新问题", "补充"]
    # What Django's strip_tags refuses (SuspiciousOperation) still comes out as text, not a 500.
    assert mail_in.html_to_text("<x" + "<a " * 1100 + "还在").endswith("还在")
    # Unclosed elements by the thousand: one pass, not a regex search per tag (that took minutes).
    hostile = eml(body=None, html="<script>" * 20_000 + "<blockquote>" * 20_000)
    assert mail_in.receive(hostile).message.body == "(空邮件)"


def test_the_plain_part_is_preferred_over_html(monday):
    ticket = mail_in.receive(eml(body="纯文本", html="<p>HTML 版本</p>")).ticket
    assert ticket.messages.get().body == "纯文本"


@pytest.mark.parametrize("history", [
    "在 2026年11月23日 星期一 09:00，客服中心 <service@kefu.example> 写道：\n您好，请提供订单号。",
    "On Mon, Nov 23, 2026 at 9:00 AM Service <service@kefu.example> wrote:\n> 您好，请提供订单号。",
    "On Mon, Nov 23, 2026 at 9:00 AM Service <service@kefu.example>\nwrote:\n> 您好",
    "------------------ 原始邮件 ------------------\n发件人: 客服中心\n您好，请提供订单号。",
    "-----Original Message-----\nFrom: Service\n您好",
    "________________________________\n发件人: 客服中心 <service@kefu.example>\n您好",
])
def test_quoted_history_is_stripped(monday, history):
    ticket = mail_in.receive(eml(body=f"订单号是 KF0001\n> 引用的一行\n谢谢\n\n{history}\n更早的内容")).ticket
    assert ticket.messages.get().body == "订单号是 KF0001\n谢谢"


def test_attachments_are_listed_in_the_message(monday):
    ticket = mail_in.receive(eml(body="照片见附件", attachments=(("破损照片.jpg", b"\xff\xd8\xff"),
                                                                  ("invoice.pdf", b"%PDF-1.4")))).ticket
    assert ticket.messages.get().body == "照片见附件\n\n附件：破损照片.jpg, invoice.pdf"


def test_an_attachment_only_message_is_not_empty_handed(monday):
    ticket = mail_in.receive(eml(body=None, attachments=(("订单截图.png", b"\x89PNG"),))).ticket
    assert ticket.messages.get().body == "(空邮件)\n\n附件：订单截图.png"


@pytest.mark.parametrize("header,value", [
    ("Auto-Submitted", "auto-replied"),
    ("Auto-Submitted", "auto-generated; type=vacation"),
    ("X-Autoreply", "yes"),
    ("Precedence", "bulk"),
    ("Precedence", "auto_reply"),
    ("Precedence", "junk"),
])
def test_auto_replies_are_ignored(monday, header, value):
    before = written()
    received = mail_in.receive(eml(subject="自动回复：我正在休假", headers={header: value}))
    assert (received.outcome, received.ticket, received.message) == ("ignored", None, None)
    assert written() == before


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "Mail Delivery <postmaster@example.com>",
                                    "MAILER-DAEMON"])
def test_bounces_are_ignored(monday, sender):
    assert mail_in.receive(eml(sender=sender, subject="Undelivered Mail Returned to Sender")).outcome == "ignored"
    assert Ticket.objects.count() == 0


def test_delivery_reports_and_null_return_paths_are_ignored(monday):
    dsn = (b"From: Mail System <mail@mx.example.com>\r\nSubject: Undeliverable\r\nMessage-ID: <dsn@mx>\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--b--\r\n")
    null_path = b"Return-Path: <>\r\n" + eml(sender="notices@mx.example.com", subject="Returned mail")
    assert [mail_in.receive(raw).outcome for raw in (dsn, null_path)] == ["ignored", "ignored"]
    assert Ticket.objects.count() == 0


def test_our_own_mail_coming_back_is_ignored(monday, settings):
    settings.KEFU_SUPPORT_EMAIL = "service@shop.example"
    assert mail_in.receive(eml(sender="客服中心 <Service@Shop.example>")).outcome == "ignored"
    assert Ticket.objects.count() == 0


def test_auto_submitted_no_is_a_person(monday):
    assert mail_in.receive(eml(headers={"Auto-Submitted": "no"})).outcome == "new"


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"hello world", b"\x00\xff\xfe\x01 binary", "纯文本".encode()])
def test_what_is_not_an_email_is_refused(db, raw):
    with pytest.raises(DomainError) as refused:
        mail_in.receive(raw)
    assert (refused.value.field, refused.value.message) == ("message", "not an email message")


TOO_LONG = "x" * 64 + "@" + ".".join(c * 60 for c in "defg") + ".cn"  # valid, but past the field's 254


@pytest.mark.parametrize("sender", [None, "not an address", "<>", TOO_LONG])
def test_a_message_without_a_sender_to_answer_is_refused(db, sender):
    with pytest.raises(DomainError) as refused:
        mail_in.receive(eml(sender=sender))
    assert refused.value.field == "from"
    assert Ticket.objects.count() == 0


# --- the webhook ----------------------------------------------------------------------------------------------

def post_mail(raw: bytes, *, token: str | None = TOKEN, content_type: str = "message/rfc822", **headers):
    if token is not None:
        headers["X-Kefu-Inbound-Token"] = token
    # A browser-like client: the webhook takes no cookies and needs no CSRF token.
    return Client(enforce_csrf_checks=True).post(INBOUND, raw, content_type=content_type, headers=headers)


@pytest.fixture
def inbound(settings):
    settings.KEFU_INBOUND_EMAIL_TOKEN = TOKEN
    return settings


def test_webhook_without_a_configured_token_is_503(monday, settings):
    settings.KEFU_INBOUND_EMAIL_TOKEN = ""
    response = post_mail(eml(), token="")
    assert response.status_code == 503
    assert response.json()["detail"][0]["msg"] == "inbound email not configured"
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", "秘密"])
def test_webhook_with_a_wrong_token_is_401(monday, inbound, token):
    response = post_mail(eml(), token=token)
    assert response.status_code == 401
    assert response.json()["detail"][0]["loc"] == ["header", "X-Kefu-Inbound-Token"]
    assert Ticket.objects.count() == 0


def test_webhook_files_the_mail_once(monday, inbound):
    raw = eml(message_id="<hook@example.com>")
    created = post_mail(raw)
    assert created.status_code == 201
    number = Ticket.objects.get().number
    assert created.json() == {"ticket": number, "outcome": "new", "message_id": "hook@example.com"}
    again = post_mail(raw)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    threaded = post_mail(eml(in_reply_to="<hook@example.com>", body="补充"))
    assert threaded.status_code == 200 and threaded.json()["ticket"] == number
    assert threaded.json()["outcome"] == "threaded"
    assert Ticket.objects.count() == 1


def test_webhook_drops_auto_replies_with_202(monday, inbound):
    response = post_mail(eml(headers={"Auto-Submitted": "auto-replied"}))
    assert response.status_code == 202
    assert response.json() == {"ticket": None, "outcome": "ignored", "message_id": None}


def test_webhook_accepts_the_token_as_a_basic_auth_password(monday, inbound):
    basic = base64.b64encode(f"mailgun:{TOKEN}".encode()).decode()
    assert post_mail(eml(), token=None, Authorization=f"Basic {basic}").status_code == 201
    wrong = base64.b64encode(b"mailgun:nope").decode()
    assert post_mail(eml(), token=None, Authorization=f"Basic {wrong}").status_code == 401
    assert post_mail(eml(), token=None, Authorization="Basic !!!").status_code == 401


@pytest.mark.parametrize("raw", [b"", b"hello world", b"\x00\xff"])
def test_webhook_refuses_garbage_with_422(monday, inbound, raw):
    response = post_mail(raw)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "message"]
    assert Ticket.objects.count() == 0


def test_webhook_reads_mailgun_sendgrid_and_postmark_posts(monday, inbound):
    client = Client()
    headers = {"X-Kefu-Inbound-Token": TOKEN}
    mailgun = client.post(f"{INBOUND}/mime", {"body-mime": eml(body="来自 Mailgun").decode(),
                                              "recipient": "service@x"}, headers=headers)
    sendgrid = client.post(INBOUND, {"email": eml(body="来自 SendGrid").decode()}, headers=headers)
    postmark = client.post(INBOUND, json.dumps({"RawEmail": eml(body="来自 Postmark").decode()}),
                           content_type="application/json", headers=headers)
    urlencoded = client.post(f"{INBOUND}/mime", urlencode({"body-mime": eml(body="来自表单").decode()}),
                             content_type="application/x-www-form-urlencoded", headers=headers)
    assert [r.status_code for r in (mailgun, sendgrid, postmark, urlencoded)] == [201, 201, 201, 201]
    assert sorted(TicketMessage.objects.values_list("body", flat=True)) == [
        "来自 Mailgun", "来自 Postmark", "来自 SendGrid", "来自表单"]
    no_field = client.post(INBOUND, {"text": "hello"}, headers=headers)
    no_raw = client.post(INBOUND, "{}", content_type="application/json", headers=headers)
    assert (no_field.status_code, no_raw.status_code) == (422, 422)


def test_webhook_refuses_other_media_types_and_oversized_mail(monday, inbound):
    assert post_mail(eml(), content_type="image/png").status_code == 415
    inbound.KEFU_INBOUND_EMAIL_MAX_BYTES = 500
    response = post_mail(eml(body="长" * 1000))
    assert response.status_code == 413
    assert Ticket.objects.count() == 0


def test_webhook_takes_mail_larger_than_djangos_form_limit(monday, inbound):
    inbound.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_mail(eml(body="照片见附件", attachments=(("photo.jpg", b"\xff" * 20_000),)))
    assert response.status_code == 201
    assert TicketMessage.objects.get().body == "照片见附件\n\n附件：photo.jpg"


def test_webhook_is_in_the_openapi_document(db):
    spec = Client().get("/api/openapi.json").json()
    post = spec["paths"]["/api/v1/email/inbound"]["post"]
    assert "message/rfc822" in post["requestBody"]["content"]


# --- the command ------------------------------------------------------------------------------------------------

def test_the_command_reads_a_file(monday, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(gbk_eml())
    out = io.StringIO()
    call_command("receive_email", file=str(path), stdout=out)
    ticket = Ticket.objects.get()
    assert json.loads(out.getvalue()) == {"ticket": ticket.number, "outcome": "new",
                                          "message_id": "gbk-1@foxmail.example"}
    again = io.StringIO()
    call_command("receive_email", file=str(path), stdout=again)
    assert json.loads(again.getvalue())["outcome"] == "duplicate"


def test_the_command_reads_stdin(monday):
    out = io.StringIO()
    call_command("receive_email", stdin=io.BytesIO(eml(body="从管道来")), stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "new"
    assert TicketMessage.objects.get().body == "从管道来"


def test_the_command_answers_an_mta_in_sysexits(monday, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="not an email message") as bad:
        call_command("receive_email", stdin=io.BytesIO(b"garbage"), stdout=io.StringIO())
    assert bad.value.returncode == 65  # EX_DATAERR: the MTA bounces it
    with pytest.raises(CommandError, match="missing.eml") as missing:
        call_command("receive_email", file=str(tmp_path / "missing.eml"), stdout=io.StringIO())
    assert missing.value.returncode == 66

    def database_down(raw):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(mail_in, "receive", database_down)
    with pytest.raises(CommandError, match="try again later") as down:
        call_command("receive_email", stdin=io.BytesIO(eml()), stdout=io.StringIO())
    assert down.value.returncode == 75  # EX_TEMPFAIL: the MTA keeps the message and retries
