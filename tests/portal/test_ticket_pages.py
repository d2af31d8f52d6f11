"""The customer's complaint centre: submit a complaint and find it in the list at once [seed 003], add to it,
answer a proposed solution, read the notices — and never see another customer's tickets or an internal note."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.aftersales.services import cases
from kefu.core import clock
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Notice, Ticket
from kefu.tickets.services import conversation, flow, merging
from kefu.tickets.services.intake import open_ticket
from tests import factories as f
from tests.aftersales.builders import asked, signed_order
from tests.tickets.builders import MONDAY_10, agent, agreed, complaint

from .builders import login_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday", "roles")]
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
TOKEN = re.compile(r'name="token" value="([0-9a-f]{32})"')


@pytest.fixture
def monday(db):
    clock.freeze(MONDAY_10)
    yield MONDAY_10
    clock.reset()


@pytest.fixture
def stranger():
    other = f.customer(name="李雷")
    return login_customer(Client(), other), other


@pytest.fixture
def who(staff_user):
    return agent(staff_user)


def form_token(client, query="") -> str:
    response = client.get(f"/complaints/new/{query}")
    assert response.status_code == 200
    return TOKEN.search(response.content.decode()).group(1)


def submit(client, **values):
    data = {"kind": "complaint", "subject": "快递三天没动", "body": "订单一直没有物流更新", "order": "", "case": ""}
    data.update(values)
    if "token" not in values:
        data["token"] = form_token(client)
    return client.post("/complaints/new/", data)


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


class TestSubmit:
    def test_the_complaint_is_in_my_list_at_once_with_number_status_and_next_step(self, buyer, cust, order):
        response = submit(buyer, order=order.number)
        ticket = Ticket.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.number}/"
        assert ticket.customer == cust and ticket.channel == "web" and ticket.order == order
        assert ticket.severity == "normal" and ticket.kind == "complaint"

        listing = html_of(buyer, "/complaints/")  # the very next page the customer opens
        row = listing[listing.index(f'data-ticket="{ticket.number}"'):]
        assert 'data-status="new"' in row[:1500] and "快递三天没动" in row[:1500]
        assert ticket.next_step.startswith("客服将在") and ticket.next_step in row[:2000]
        assert ticket.number in listing[listing.index('class="messages"'):][:400]  # "submitted", with the number

        detail = html_of(buyer, response["Location"])
        assert ticket.number in detail and ticket.next_step in detail and "订单一直没有物流更新" in detail
        assert f'href="/orders/{order.number}/"' in detail

    def test_a_question_without_an_order(self, buyer):
        submit(buyer, kind="question", subject="发票怎么开", body="想开公司抬头的发票")
        ticket = Ticket.objects.get()
        assert ticket.kind == "question" and ticket.order is None and ticket.queue.code == "presale"

    def test_the_order_is_preselected_and_only_my_orders_are_offered(self, buyer, order):
        theirs = f.order(f.customer(), [(f.sku(), 1)], status="delivered")
        html = html_of(buyer, f"/complaints/new/?order={order.number}")
        assert re.search(rf'<option value="{order.number}" selected>', html)
        assert theirs.number not in html

    def test_about_an_after_sales_case(self, client):
        mine = signed_order()
        login_customer(client, mine.customer)
        case = cases.open_case(mine, "return", "no_reason", [asked(mine)])
        form = html_of(client, f"/complaints/new/?case={case.number}")
        assert re.search(rf'<option value="{case.number}" selected>', form)
        submit(client, case=case.number)
        ticket = Ticket.objects.get()
        assert ticket.case == case and ticket.order == mine  # the case's order comes along

    @pytest.mark.parametrize("values", [
        {"subject": ""}, {"body": "   "}, {"subject": "长" * 121}, {"body": "字" * 5001}, {"kind": "care_task"},
        {"kind": "request"},
    ])
    def test_bad_input_is_shown_and_writes_nothing(self, buyer, values):
        response = submit(buyer, **values)
        assert response.status_code == 422
        assert 'class="errorlist"' in response.content.decode()
        assert Ticket.objects.count() == 0

    def test_someone_elses_order_or_case_is_refused(self, buyer, cust, order):
        theirs = signed_order()
        their_case = cases.open_case(theirs, "return", "no_reason", [asked(theirs)])
        for values in ({"order": theirs.number}, {"case": their_case.number}, {"order": "KF-NO-SUCH"}):
            response = submit(buyer, **values)
            assert response.status_code == 422, values
            assert f'data-testid="errors-{next(iter(values))}"' in response.content.decode()
        assert Ticket.objects.count() == 0

    def test_a_case_of_another_order_is_refused(self, client):
        mine = signed_order()
        login_customer(client, mine.customer)
        other = f.order(mine.customer, [(f.sku(), 1)], status="delivered")
        case = cases.open_case(mine, "return", "no_reason", [asked(mine)])
        response = submit(client, order=other.number, case=case.number)
        assert response.status_code == 422 and 'data-testid="errors-case"' in response.content.decode()
        assert Ticket.objects.count() == 0

    def test_a_double_submit_creates_one_ticket(self, buyer):
        token = form_token(buyer)
        first = submit(buyer, token=token)
        second = submit(buyer, token=token, subject="快递三天没动（再次提交）")
        ticket = Ticket.objects.get()
        assert first["Location"] == second["Location"] == f"/complaints/{ticket.number}/"
        assert ticket.subject == "快递三天没动"
        assert buyer.get("/complaints/").content.decode().count('data-ticket="') == 1

    def test_two_forms_make_two_tickets(self, buyer):
        one, two = form_token(buyer), form_token(buyer)
        submit(buyer, token=one)
        submit(buyer, token=two, subject="另一件事")
        assert Ticket.objects.count() == 2

    @pytest.mark.parametrize("token", ["", "0" * 32, "not-a-token"])
    def test_a_form_this_session_was_not_given_writes_nothing(self, buyer, token):
        response = submit(buyer, token=token)
        html = response.content.decode()
        assert response.status_code == 422 and 'data-testid="form-errors"' in html
        assert TOKEN.search(html).group(1) != token  # a fresh token to send it again with
        assert Ticket.objects.count() == 0

    def test_the_token_of_another_customers_form_does_not_lead_to_their_ticket(self, buyer, stranger):
        client, _other = stranger
        token = form_token(client)
        submit(client, token=token)
        response = submit(buyer, token=token)
        assert response.status_code == 422 and Ticket.objects.count() == 1

    def test_an_order_page_links_to_a_complaint_about_it(self, buyer, order):
        html = html_of(buyer, f"/orders/{order.number}/")
        assert f'href="/complaints/new/?order={order.number}"' in html


class TestMyComplaints:
    def test_newest_first_all_kinds_and_only_mine(self, buyer, cust, stranger):
        older = complaint(cust, subject="旧的投诉")
        clock.advance(timedelta(minutes=5))
        newer = complaint(cust, subject="新的问题", kind="question")
        theirs = complaint(stranger[1], subject="别人的投诉")
        html = html_of(buyer, "/complaints/")
        assert html.index(newer.number) < html.index(older.number)
        assert theirs.number not in html and "别人的投诉" not in html

    def test_the_care_teams_internal_tasks_about_me_are_not_listed(self, buyer, cust):
        mine = complaint(cust, subject="我的投诉")
        task = complaint(cust, subject="回访低分：我的投诉", kind="care_task", queue_code="care", parent=mine)
        html = html_of(buyer, "/complaints/")
        assert mine.number in html and task.number not in html
        assert buyer.get(f"/complaints/{task.number}/").status_code == 404

    def test_status_in_the_customers_words_follows_the_ticket(self, buyer, cust, who):
        ticket = complaint(cust)
        conversation.agent_replies(ticket, "您好，请提供一下快递单号。", by=who, wait_for_customer=True)
        html = html_of(buyer, "/complaints/")
        assert 'data-status="waiting_customer"' in html

    def test_pages_of_ten(self, buyer, cust):
        for i in range(11):
            complaint(cust, subject=f"投诉{i}")
        assert html_of(buyer, "/complaints/").count('data-ticket="') == 10
        assert html_of(buyer, "/complaints/?page=2").count('data-ticket="') == 1

    def test_empty(self, buyer):
        assert 'data-testid="no-tickets"' in html_of(buyer, "/complaints/")

    def test_query_count_does_not_grow_with_tickets(self, buyer, cust, order):
        complaint(cust, order=order)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert buyer.get("/complaints/").status_code == 200
            return len(ctx)

        few = count()
        for _ in range(4):
            complaint(cust, order=order)
        assert count() == few

    def test_customer_text_is_escaped(self, buyer, cust):
        ticket = complaint(cust, subject=EVIL, body=EVIL)
        for url in ("/complaints/", f"/complaints/{ticket.number}/"):
            html = html_of(buyer, url)
            assert EVIL not in html and ESCAPED in html


class TestOneComplaint:
    def test_internal_and_system_notes_never_show_but_replies_do(self, buyer, cust, who):
        ticket = complaint(cust)
        conversation.add_note(ticket, "内部备注：这位顾客上月也投诉过", by=who)
        conversation.agent_replies(ticket, "您好，我们已联系仓库为您补发。", by=who)
        other = complaint(cust, subject="重复提交")
        merging.merge(other, ticket, by=who, reason="重复")
        html = html_of(buyer, f"/complaints/{ticket.number}/")
        assert "内部备注" not in html and "已合并到本工单" not in html
        assert "您好，我们已联系仓库为您补发。" in html and "我的订单一直没有发货" in html
        assert html.count('data-author="customer"') == 2 and html.count('data-author="agent"') == 1
        assert "liu" not in html and who.username not in html  # the agent stays anonymous

    def test_the_customer_adds_a_message(self, buyer, cust, who):
        ticket = complaint(cust)
        conversation.agent_replies(ticket, "请问快递单号是多少？", by=who, wait_for_customer=True)
        response = buyer.post(f"/complaints/{ticket.number}/messages/", {"body": "单号是 SF1409286750"})
        assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.number}/#conversation"
        ticket.refresh_from_db()
        assert ticket.status == st.OPEN
        assert ticket.messages.filter(author_kind="customer", body="单号是 SF1409286750").exists()
        assert "单号是 SF1409286750" in html_of(buyer, f"/complaints/{ticket.number}/")

    @pytest.mark.parametrize("body", ["", "  ", "字" * 5001])
    def test_a_bad_message_writes_nothing(self, buyer, cust, body):
        ticket = complaint(cust)
        response = buyer.post(f"/complaints/{ticket.number}/messages/", {"body": body})
        assert response.status_code == 422 and 'data-testid="errors-body"' in response.content.decode()
        assert ticket.messages.count() == 1

    def test_a_closed_complaint_takes_no_more_messages(self, buyer, cust, who):
        ticket = agreed(complaint(cust), who)
        flow.resolve(ticket, by=who)
        flow.close(ticket, by=who)
        html = html_of(buyer, f"/complaints/{ticket.number}/")
        assert 'data-testid="message-form"' not in html
        response = buyer.post(f"/complaints/{ticket.number}/messages/", {"body": "还有一个问题"})
        assert response.status_code == 302 and ticket.messages.filter(body="还有一个问题").count() == 0

    def test_writing_after_the_resolution_reopens_it(self, buyer, cust, who):
        ticket = agreed(complaint(cust), who)
        flow.resolve(ticket, by=who)
        buyer.post(f"/complaints/{ticket.number}/messages/", {"body": "补发的还是坏的"})
        ticket.refresh_from_db()
        assert ticket.status == st.OPEN and "重新处理" in ticket.next_step
        assert ticket.next_step in html_of(buyer, "/complaints/")

    def test_the_outcome_is_shown_when_resolved(self, buyer, cust, who):
        ticket = agreed(complaint(cust), who, solution="今天为您加急补发")
        flow.resolve(ticket, by=who)
        html = html_of(buyer, f"/complaints/{ticket.number}/")
        assert 'data-testid="outcome" data-agreed="yes"' in html and "今天为您加急补发" in html
        assert 'data-status="resolved"' in html

    def test_a_refusal_is_shown_with_its_reason(self, buyer, cust, who):
        ticket = complaint(cust)
        conversation.agent_replies(ticket, "您好", by=who)
        flow.analyse(ticket, cause="delivery", by=who)
        flow.acknowledge(ticket, position="希望退款", by=who)
        flow.propose(ticket, solution="补偿5元优惠券", by=who)
        flow.record_answer(ticket, accepted=False, reason="我要全额退款", by=cust.user)
        flow.resolve(ticket, by=who)
        html = html_of(buyer, f"/complaints/{ticket.number}/")
        assert 'data-agreed="no"' in html and "我要全额退款" in html and "补偿5元优惠券" in html

    def test_a_merged_complaint_leads_to_the_one_that_carries_on(self, buyer, cust, who):
        survivor, duplicate = complaint(cust), complaint(cust, subject="重复")
        merging.merge(duplicate, survivor, by=who)
        response = buyer.get(f"/complaints/{duplicate.number}/")
        assert response.status_code == 302 and response["Location"] == f"/complaints/{survivor.number}/"


class TestProposal:
    @pytest.fixture
    def proposed(self, cust, who):
        ticket = complaint(cust)
        conversation.agent_replies(ticket, "您好，我们正在处理", by=who)
        flow.analyse(ticket, cause="delivery", by=who)
        flow.acknowledge(ticket, position="希望尽快收到", by=who)
        return flow.propose(ticket, solution="今天加急补发并补偿10元优惠券", by=who)

    def test_the_answer_form_only_while_a_solution_waits(self, buyer, cust, proposed):
        html = html_of(buyer, f"/complaints/{proposed.number}/")
        assert 'data-testid="answer-form"' in html and "今天加急补发并补偿10元优惠券" in html
        assert "等待您确认解决方案" in html
        fresh = complaint(cust)
        assert 'data-testid="answer-form"' not in html_of(buyer, f"/complaints/{fresh.number}/")

    def test_accepted(self, buyer, proposed):
        response = buyer.post(f"/complaints/{proposed.number}/answer/", {"accepted": "yes"})
        assert response.status_code == 302
        proposed.refresh_from_db()
        assert proposed.flow == st.ACCEPTED and "等待您确认" not in proposed.next_step
        assert 'data-testid="answer-form"' not in html_of(buyer, f"/complaints/{proposed.number}/")

    def test_not_accepted_needs_a_reason(self, buyer, proposed):
        response = buyer.post(f"/complaints/{proposed.number}/answer/", {"accepted": "no", "reason": " "})
        assert response.status_code == 422 and 'data-testid="errors-reason"' in response.content.decode()
        proposed.refresh_from_db()
        assert proposed.flow == st.PROPOSED

    def test_not_accepted_with_a_reason(self, buyer, proposed):
        buyer.post(f"/complaints/{proposed.number}/answer/", {"accepted": "no", "reason": "我要全额退款"})
        proposed.refresh_from_db()
        assert proposed.flow == st.REFUSED and proposed.refusal_reason == "我要全额退款"

    @pytest.mark.parametrize("data", [{}, {"accepted": "maybe"}])
    def test_a_malformed_answer_changes_nothing(self, buyer, proposed, data):
        assert buyer.post(f"/complaints/{proposed.number}/answer/", data).status_code == 422
        proposed.refresh_from_db()
        assert proposed.flow == st.PROPOSED

    def test_no_answer_when_nothing_is_proposed(self, buyer, cust):
        ticket = complaint(cust)
        response = buyer.post(f"/complaints/{ticket.number}/answer/", {"accepted": "yes"})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.flow == st.RECEIVED


class TestNobodyElse:
    def test_another_customers_complaint_is_not_found(self, cust, stranger, who):
        ticket = complaint(cust)
        client, _other = stranger
        assert client.get(f"/complaints/{ticket.number}/").status_code == 404
        assert client.post(f"/complaints/{ticket.number}/messages/", {"body": "我来捣乱"}).status_code == 404
        assert client.post(f"/complaints/{ticket.number}/answer/", {"accepted": "yes"}).status_code == 404
        assert ticket.messages.count() == 1

    def test_a_complaint_merged_into_a_ticket_that_is_not_mine_stays_here(self, buyer, cust, who):
        mine = complaint(cust)
        by_email = open_ticket(channel="email", subject="同一件事", body="邮件来信", requester_email="x@example.com",
                               by="email")
        merging.merge(mine, by_email, by=who)
        response = buyer.get(f"/complaints/{mine.number}/")
        html = response.content.decode()
        assert response.status_code == 200 and 'data-status="merged"' in html and by_email.number not in html
        assert by_email.number not in html_of(buyer, "/complaints/")
        assert buyer.get(f"/complaints/{by_email.number}/").status_code == 404

    def test_an_unknown_number_is_not_found(self, buyer):
        assert buyer.get("/complaints/T000000000000/").status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, client, cust):
        ticket = complaint(cust)
        for url in ("/complaints/", "/complaints/new/", f"/complaints/{ticket.number}/", "/notices/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
        assert client.post(f"/complaints/{ticket.number}/messages/", {"body": "x"}).status_code == 302
        assert ticket.messages.count() == 1

    def test_staff_are_sent_to_the_workbench(self, client, cust, who):
        client.force_login(who)
        response = client.get("/complaints/")
        assert response.status_code == 302 and response["Location"].startswith("/workbench/")

    def test_actions_are_post_only(self, buyer, cust):
        ticket = complaint(cust)
        assert buyer.get(f"/complaints/{ticket.number}/messages/").status_code == 405
        assert buyer.get(f"/complaints/{ticket.number}/answer/").status_code == 405


class TestNotices:
    def notice(self, customer, title, *, ticket=None, minutes=0, link=""):
        return Notice.objects.create(customer=customer, ticket=ticket, title=title, body=f"{title}的内容",
                                     link=link, created_at=clock.now() + timedelta(minutes=minutes))

    def test_newest_first_and_opening_marks_them_read(self, buyer, cust, stranger):
        ticket = complaint(cust)
        old = self.notice(cust, "旧通知", ticket=ticket)
        new = self.notice(cust, "新通知", minutes=5, link=f"/complaints/{ticket.number}/")
        theirs = self.notice(stranger[1], "别人的通知")
        assert 'data-testid="unread-notices">2<' in html_of(buyer, "/complaints/")
        html = html_of(buyer, "/notices/")
        assert html.index("新通知") < html.index("旧通知") and "别人的通知" not in html
        assert f'data-notice="{new.pk}" data-new="yes"' in html
        assert f'href="/complaints/{ticket.number}/"' in html
        old.refresh_from_db(), theirs.refresh_from_db()
        assert old.read_at == clock.now() and theirs.read_at is None
        again = html_of(buyer, "/notices/")
        assert 'data-new="yes"' not in again and 'data-testid="unread-notices"' not in again

    def test_the_notice_of_a_real_resolution(self, buyer, cust, who):
        from kefu.core.outbox import dispatch_pending

        ticket = agreed(complaint(cust), who)
        flow.resolve(ticket, by=who)
        dispatch_pending()
        assert Notice.objects.filter(customer=cust, ticket=ticket).exists()
        assert ticket.number in html_of(buyer, "/notices/")

    def test_a_link_that_is_not_ours_is_not_followed(self, buyer, cust):
        self.notice(cust, "奇怪的链接", link="javascript:alert(1)")
        html = html_of(buyer, "/notices/")
        assert "javascript:" not in html and 'data-testid="notice-link"' not in html

    def test_notice_text_is_escaped(self, buyer, cust):
        self.notice(cust, EVIL)
        html = html_of(buyer, "/notices/")
        assert EVIL not in html and ESCAPED in html
