"""The agents' ticket queue: who may open it, its tabs and filters (kept in the pager's links), the order
(priority, then the nearest SLA due time, then the oldest), what a row shows (masked phones, tier, SLA badge),
and a number of queries that does not grow with the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kefu.core import clock
from kefu.tickets.services import assignment, conversation, escalation, flow
from tests import factories as f
from tests.portal.builders import login_customer
from tests.tickets.builders import agent, agreed, complaint, diamond_customer
from tests.workbench.case_builders import as_role  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday")]

URL = "/workbench/tickets/"


def rows(html: str) -> list[str]:
    """The ticket numbers of the queue's rows, top to bottom."""
    return re.findall(r'<tr data-ticket="([^"]+)"', html)


def row(html: str, number: str) -> str:
    part = html.split(f'data-ticket="{number}"')[1]
    return part[: part.index("</tr>")]


def listed(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    return rows(response.content.decode())


class TestAccess:
    def test_anonymous_goes_to_the_workbench_sign_in(self, client, roles):
        response = client.get(URL)
        assert response.status_code == 302 and response["Location"] == "/workbench/login/?next=/workbench/tickets/"

    def test_customer_is_forbidden(self, client, roles):
        customer = f.customer()
        complaint(customer)
        login_customer(client, customer)
        assert client.get(URL).status_code == 403

    @pytest.mark.parametrize("role", ["warehouse", "operations"])
    def test_staff_who_do_not_work_tickets_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        assert client.get(URL).status_code == 403

    @pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "supervisor", "care_team"])
    def test_ticket_workers_may_enter_and_see_the_nav_link(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        response = client.get(URL)
        assert response.status_code == 200 and 'data-testid="nav-tickets"' in response.content.decode()

    def test_the_nav_link_is_not_shown_to_the_warehouse(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        assert 'data-testid="nav-tickets"' not in client.get("/workbench/warehouse/").content.decode()

    @pytest.mark.parametrize("params", [{"view": "escalated"}, {"queue": "care"}])
    def test_the_escalated_list_and_the_care_queue_are_for_supervisors(self, as_role, staff_user, params):  # noqa: F811
        client, _agent = as_role("aftersale_agent")
        assert client.get(URL, params).status_code == 403
        html = client.get(URL, {"view": "open"}).content.decode()
        assert 'data-view="escalated"' not in html and 'value="care"' not in html
        client.force_login(staff_user("supervisor", "boss"))
        html = client.get(URL, params).content.decode()
        assert 'data-view="escalated"' in html and 'value="care"' in html

    def test_agents_do_not_see_the_care_teams_tickets_unless_they_hold_one(self, as_role, staff_user):  # noqa: F811
        client, me = as_role("aftersale_agent")
        boss = staff_user("supervisor", "boss")
        handed, held = complaint(), complaint()
        escalation.escalate(handed, by=boss, reason="顾客多次投诉", to_care_team=True)
        escalation.escalate(held, by=boss, reason="顾客多次投诉", to_care_team=True)
        assignment.assign(held, me, by=boss)
        assert listed(client, view="open") == [held.number]
        client.force_login(boss)
        assert set(listed(client, view="open")) == {handed.number, held.number}


class TestViews:
    def test_default_is_mine_when_the_agent_has_open_tickets_else_unassigned(self, as_role):  # noqa: F811
        client, me = as_role()
        waiting = complaint()
        html = client.get(URL).content.decode()
        assert 'data-view="unassigned" aria-current="page"' in html and rows(html) == [waiting.number]
        mine = complaint()
        assignment.assign(mine, me, by=me)
        html = client.get(URL).content.decode()
        assert 'data-view="mine" aria-current="page"' in html and rows(html) == [mine.number]

    def test_each_tab(self, as_role, staff_user):  # noqa: F811
        client, me = as_role("supervisor")
        other = staff_user("aftersale_agent", "other")
        unassigned, mine, theirs, escalated, late, done = (complaint(subject=f"问题{i}") for i in range(6))
        for ticket in (unassigned, theirs, escalated, mine):  # answered in time (the answer takes the ticket)
            conversation.agent_replies(ticket, "您好，我们正在处理。", by=me)
        for ticket in (unassigned, escalated):
            assignment.assign(ticket, None, by=me, reason="back to the queue")
        assignment.assign(theirs, other, by=me)
        escalation.escalate(escalated, by=other, reason="顾客要求主管处理")
        flow.resolve(agreed(done, me), by=me)
        clock.advance(timedelta(hours=3))  # `late`'s first response is now overdue
        assert set(listed(client, view="mine")) == {mine.number}
        assert set(listed(client, view="unassigned")) == {unassigned.number, escalated.number, late.number}
        assert set(listed(client, view="open")) == {unassigned.number, mine.number, theirs.number,
                                                    escalated.number, late.number}
        assert listed(client, view="escalated") == [escalated.number]
        assert listed(client, view="breached") == [late.number]
        assert listed(client, view="resolved") == [done.number]

    def test_an_unknown_filter_value_is_ignored(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        assert listed(client, view="nonsense", priority="9", channel="fax", queue="nowhere") == [ticket.number]


class TestFilters:
    def test_queue_priority_and_channel_combine(self, as_role):  # noqa: F811
        client, _me = as_role("supervisor")
        web_normal = complaint()
        email_high = complaint(channel="email", severity="high")
        phone_high = complaint(channel="phone", severity="high")
        question = complaint(kind="question")  # the presale queue
        diamond = complaint(diamond_customer())
        assert listed(client, view="open", priority=2) == [email_high.number, phone_high.number, diamond.number]
        assert listed(client, view="open", priority=2, channel="email") == [email_high.number]
        assert listed(client, view="open", queue="presale") == [question.number]
        assert listed(client, view="open", queue="diamond", priority=2) == [diamond.number]
        assert listed(client, view="open", queue="complaints", priority=3) == [web_normal.number]

    def test_search_by_number_phone_order_or_subject_words(self, as_role):  # noqa: F811
        client, _me = as_role("supervisor")
        buyer = f.customer(name="王芳", phone="13912345678")
        order = f.order(buyer, [(f.sku(), 1)], status="shipped")
        by_order = complaint(buyer, order=order, subject="发票开错了")
        by_words = complaint(subject="快递 三天 没动")
        other = complaint(subject="商品有划痕")
        complaint(subject="帮13912345678查一下")  # a mobile number is the customer's, not words of a subject
        assert listed(client, view="open", q=by_words.number) == [by_words.number]
        assert listed(client, view="open", q=by_words.number.lower()) == [by_words.number]
        assert listed(client, view="open", q="139 1234 5678") == [by_order.number]
        assert listed(client, view="open", q=order.number) == [by_order.number]
        assert listed(client, view="open", q="三天 快递") == [by_words.number]
        assert listed(client, view="open", q="划痕") == [other.number]
        assert listed(client, view="open", q="没有这个") == []
        response = client.get(URL, {"view": "open", "q": "x" * 65})
        assert response.status_code == 200 and len(rows(response.content.decode())) == 4

    def test_filters_are_kept_in_the_tabs_and_the_pager(self, as_role, monkeypatch):  # noqa: F811
        client, _me = as_role("supervisor")
        for _ in range(3):
            complaint(channel="email", severity="high")
        complaint()
        monkeypatch.setattr("kefu.workbench.views_tickets.TICKETS_PER_PAGE", 2)
        html = client.get(URL, {"view": "open", "priority": 2, "channel": "email"}).content.decode()
        assert len(rows(html)) == 2
        nxt = re.search(r'href="(\?[^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
        assert "priority=2" in nxt and "channel=email" in nxt and "view=open" in nxt
        assert len(rows(client.get(URL + nxt).content.decode())) == 1
        tab = re.search(r'href="(\?[^"]*view=breached[^"]*)"', html).group(1).replace("&amp;", "&")
        assert "priority=2" in tab and "channel=email" in tab


class TestOrder:
    def test_priority_first_then_the_nearest_sla_due_then_the_oldest(self, as_role):  # noqa: F811
        client, me = as_role("supervisor")
        low = complaint(severity="low")  # P4
        answered = complaint()  # P3, its first response met: next due is the resolution, days away
        clock.advance(timedelta(minutes=10))
        fresh = complaint()  # P3, first response due at 12:10
        urgent = complaint(severity="critical")  # P1
        conversation.agent_replies(answered, "您好，我们已经收到。", by=me)
        paused_old = complaint()  # P3, waiting on the customer: no due time, after those with one
        clock.advance(timedelta(minutes=5))
        paused_new = complaint()
        for ticket in (paused_old, paused_new):
            conversation.agent_replies(ticket, "请提供订单截图。", by=me, wait_for_customer=True)
        assert listed(client, view="open") == [urgent.number, fresh.number, answered.number, paused_old.number,
                                               paused_new.number, low.number]

    def test_resolved_tickets_show_the_latest_first(self, as_role):  # noqa: F811
        client, me = as_role("supervisor")
        first, second = complaint(), complaint()
        flow.resolve(agreed(first, me), by=me)
        clock.advance(timedelta(minutes=1))
        flow.resolve(agreed(second, me), by=me)
        assert listed(client, view="resolved") == [second.number, first.number]


class TestRow:
    def test_a_row_shows_the_ticket(self, as_role, staff_user):  # noqa: F811
        client, me = as_role("supervisor")
        me.first_name = "刘洋"
        me.save()
        buyer = diamond_customer("钱多多")
        ticket = complaint(buyer, subject="笔记本屏幕有坏点")
        assignment.assign(ticket, me, by=me)
        escalation.escalate(ticket, by=me, reason="钻石会员投诉")
        html = client.get(URL, {"view": "open"}).content.decode()
        cells = row(html, ticket.number)
        for text in (f'href="/workbench/tickets/{ticket.number}/"', "笔记本屏幕有坏点", "钱多多", buyer.phone,
                     'data-tier="diamond"', "tier--diamond", "钻石会员专席", "P2", "刘洋", 'data-sla="ok"',
                     'data-clock="first_response"', 'data-escalation="1"'):
            assert text in cells, text

    def test_phones_are_masked_for_presale_agents(self, as_role):  # noqa: F811
        client, _me = as_role("presale_agent")
        ticket = complaint(f.customer(phone="13912345678"))
        cells = row(client.get(URL, {"view": "open"}).content.decode(), ticket.number)
        assert "139****5678" in cells and "13912345678" not in cells

    def test_customer_text_is_escaped(self, as_role):  # noqa: F811
        client, _me = as_role()
        evil = "<script>alert(1)</script>"
        ticket = complaint(f.customer(name="<b>坏</b>"), subject=evil)
        cells = row(client.get(URL, {"view": "open"}).content.decode(), ticket.number)
        assert evil not in cells and "&lt;script&gt;" in cells and "&lt;b&gt;坏&lt;/b&gt;" in cells

    def test_the_sla_badge_follows_the_most_pressing_clock(self, as_role):  # noqa: F811
        client, me = as_role("supervisor")
        ticket = complaint()  # P3: first response due 12:00 (120 business minutes), warning from 11:36

        def badge():
            cells = row(client.get(URL, {"view": "open" if ticket.is_open else "resolved"}).content.decode(),
                        ticket.number)
            return re.search(r'data-sla="(\w+)" data-clock="(\w+)"', cells).groups(), cells

        (state, kind), cells = badge()
        assert (state, kind) == ("ok", "first_response") and "12:00" in cells
        assert 'data-minutes-left="120"' in cells
        clock.advance(timedelta(minutes=100))
        (state, kind), cells = badge()
        assert (state, kind) == ("warning", "first_response") and "clock--risk" in cells
        assert 'data-minutes-left="20"' in cells
        clock.advance(timedelta(minutes=30))
        (state, kind), cells = badge()
        assert (state, kind) == ("breached", "first_response") and "clock--breached" in cells
        assert 'data-minutes-over="10"' in cells
        conversation.agent_replies(ticket, "您好，请提供照片。", by=me, wait_for_customer=True)
        ticket.refresh_from_db()
        (state, kind), cells = badge()
        assert (state, kind) == ("paused", "resolution") and 'data-minutes-left="' in cells
        conversation.customer_writes(ticket, "照片已上传")
        flow.resolve(agreed(ticket, me), by=me)
        ticket.refresh_from_db()
        (state, _kind), cells = badge()
        assert state == "breached"  # resolved, but the first response was late: that stays on the record

    def test_a_resolved_ticket_on_time_shows_met(self, as_role):  # noqa: F811
        client, me = as_role("supervisor")
        ticket = complaint()
        flow.resolve(agreed(ticket, me), by=me)
        cells = row(client.get(URL, {"view": "resolved"}).content.decode(), ticket.number)
        assert 'data-sla="met"' in cells


def test_the_number_of_queries_does_not_grow_with_the_page(as_role, staff_user):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, me = as_role("presale_agent")  # masked phones: the permission check must not run per row
    agent(staff_user, "aftersale_agent", "colleague")

    def make(n):
        for i in range(n):
            buyer = diamond_customer() if i % 4 == 0 else f.customer()
            order = f.order(buyer, [(f.sku(), 1)], status="shipped") if i % 2 else None
            ticket = complaint(buyer, order=order, channel="email" if i % 3 else "web")
            if i % 2:
                assignment.assign(ticket, me, by=me)
            if i % 5 == 0:
                conversation.agent_replies(ticket, "请补充信息", by=me, wait_for_customer=True)

    def count(view) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"view": view})
        assert response.status_code == 200
        return len(ctx), len(rows(response.content.decode()))

    late = complaint()  # breached by the time the baseline is counted: every list has rows
    assignment.assign(late, me, by=me)
    clock.advance(timedelta(hours=3))
    make(5)
    few = {view: count(view) for view in ("open", "mine", "unassigned", "breached")}
    make(20)
    for view, (queries_before, _n) in few.items():
        queries_after, shown = count(view)
        assert queries_after <= queries_before, (view, queries_before, queries_after)
    assert count("open")[1] == 25  # a full page
