"""One ticket in the workbench: who may see it, its header and SLA clocks, the handling stepper, the timeline
(customer, agent, internal notes marked internal, and the audit trail, in time order), the canned replies filled
in for this ticket, and the reply coach's live advice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kefu.aftersales.services import cases
from kefu.core import clock
from kefu.tickets.models import CannedReply, Queue, SlaClock
from kefu.tickets.services import assignment, conversation, escalation, flow
from tests import factories as f
from tests.aftersales.builders import asked, media_root, photo, signed_order  # noqa: F401
from tests.portal.builders import login_customer
from tests.tickets.builders import agreed, complaint, diamond_customer
from tests.workbench.case_builders import as_role  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday")]


def url(ticket, tail: str = "") -> str:
    return f"/workbench/tickets/{ticket.number}/{tail}"


def page(client, ticket) -> str:
    response = client.get(url(ticket))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def timeline_items(html: str) -> list[tuple[str, str]]:
    """(kind, id or audited field) of the timeline's entries, top to bottom."""
    part = html[html.index('data-testid="timeline"'):]
    return re.findall(r'data-(?:kind|audit)="([^"]+)"|data-message="(\d+)"', part[: part.index("</ol>")])


class TestAccess:
    def test_anonymous_goes_to_sign_in(self, client, roles):
        ticket = complaint()
        response = client.get(url(ticket))
        assert response.status_code == 302 and response["Location"].startswith("/workbench/login/?next=")

    def test_customer_is_forbidden_even_for_their_own_ticket(self, client, roles):
        customer = f.customer()
        ticket = complaint(customer)
        login_customer(client, customer)
        assert client.get(url(ticket)).status_code == 403
        assert client.post(url(ticket, "coach/"), {"reply-body": "不可能"}).status_code == 403

    @pytest.mark.parametrize("role", ["warehouse", "operations"])
    def test_staff_who_do_not_work_tickets_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        ticket = complaint()
        assert client.get(url(ticket)).status_code == 403

    def test_unknown_ticket_is_404(self, as_role):  # noqa: F811
        client, _me = as_role()
        assert client.get("/workbench/tickets/T000/").status_code == 404
        assert client.post("/workbench/tickets/T000/coach/", {"reply-body": "x"}).status_code == 404


class TestHeader:
    def test_number_customer_order_case_and_the_people(self, as_role, media_root):  # noqa: F811
        client, me = as_role("aftersale_agent")
        me.first_name = "刘洋"
        me.save()
        order = signed_order()
        case = cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()])
        ticket = complaint(order.customer, order=order, case=case, subject="退货进度太慢")
        assignment.assign(ticket, me, by=me)
        html = page(client, ticket)
        for text in (ticket.number, "退货进度太慢", order.customer.name, order.customer.phone, "投诉处理",
                     f'href="/workbench/customers/{order.customer_id}/"', f'href="/workbench/orders/{order.number}/"',
                     f'href="/workbench/cases/{case.number}/"', 'data-testid="priority">P3', "刘洋",
                     'data-tier="registered"'):
            assert text in html, text

    def test_presale_agents_see_a_masked_phone_and_no_case_link(self, as_role, media_root):  # noqa: F811
        client, _me = as_role("presale_agent")
        order = signed_order()
        case = cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()])
        ticket = complaint(order.customer, order=order, case=case)
        html = page(client, ticket)
        phone = order.customer.phone
        assert f"{phone[:3]}****{phone[-4:]}" in html and phone not in html
        assert case.number in html and f'href="/workbench/cases/{case.number}/"' not in html

    def test_diamond_tier_escalation_and_clocks(self, as_role):  # noqa: F811
        client, me = as_role("supervisor")
        ticket = complaint(diamond_customer())
        escalation.escalate(ticket, by=me, reason="钻石会员")
        html = page(client, ticket)
        assert 'data-tier="diamond"' in html and "钻石会员专席" in html and 'data-level="1"' in html
        clocks = html[html.index('data-testid="sla-clocks"'):]
        for kind in ("first_response", "resolution", "supervisor"):
            assert f'data-clock="{kind}"' in clocks, kind

    def test_customer_text_is_escaped(self, as_role):  # noqa: F811
        client, me = as_role()
        evil = "<script>alert(1)</script>"
        ticket = complaint(f.customer(name=evil), subject=evil, body=evil)
        conversation.add_note(ticket, evil, by=me)
        html = page(client, ticket)
        assert evil not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


class TestTimeline:
    def test_messages_and_audit_entries_in_time_order_notes_marked_internal(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint(body="我的订单一直没有发货")
        clock.advance(timedelta(minutes=5))
        reply = conversation.agent_replies(ticket, "您好，马上为您核实。", by=me)
        clock.advance(timedelta(minutes=5))
        note = conversation.add_note(ticket, "仓库说明天补发", by=me)
        clock.advance(timedelta(minutes=5))
        answer = conversation.customer_writes(ticket, "好的，谢谢", by=ticket.customer.user)
        html = page(client, ticket)
        first = ticket.messages.order_by("id").first()
        items = [kind or msg for kind, msg in timeline_items(html)]
        # message entries carry data-message then data-kind; audits carry data-audit. Answering an unassigned
        # ticket takes it (assignee), and the first reply opens it (status).
        assert items == [str(first.pk), "customer", "status", str(reply.pk), "agent", "assignee", "status",
                         str(note.pk), "note", str(answer.pk), "customer"]
        note_html = html[html.index(f'data-message="{note.pk}"'):]
        note_html = note_html[: note_html.index("</li>")]
        assert 'data-internal="true"' in note_html and 'data-testid="internal"' in note_html
        assert "仓库说明天补发" in note_html
        reply_html = html[html.index(f'data-message="{reply.pk}"'):]
        assert 'data-internal="false"' in reply_html[: reply_html.index("</li>")]

    def test_a_merge_leaves_a_system_entry(self, as_role, staff_user):  # noqa: F811
        client, boss = as_role("supervisor")
        customer = f.customer()
        first, duplicate = complaint(customer), complaint(customer, body="还是没发货")
        from kefu.tickets.services import merging

        merging.merge(duplicate, first, by=boss)
        html = page(client, first)
        assert 'data-kind="system"' in html and "还是没发货" in html and 'data-audit="merged"' in html


class TestStepper:
    def test_the_steps_follow_the_handling(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        html = page(client, ticket)
        assert 'data-step="received" data-state="current"' in html and 'data-testid="flow-analyse"' in html
        flow.analyse(ticket, cause="delivery", by=me)
        flow.acknowledge(ticket, position="等了三天", by=me)
        html = page(client, ticket)
        assert 'data-step="acknowledged" data-state="current"' in html and 'data-testid="flow-propose"' in html
        assert 'data-step="analysed" data-state="done"' in html
        flow.propose(ticket, solution="补发", by=me)
        flow.record_answer(ticket, accepted=False, reason="要退款", by=me)
        html = page(client, ticket)
        assert 'data-step="refused" data-state="refused"' in html and 'data-testid="flow-propose"' in html
        assert re.search(r'data-testid="resolve"(?![^>]*disabled)', html)

    def test_resolve_is_disabled_until_agreement(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        assert re.search(r'data-testid="resolve"[^>]*disabled', page(client, ticket))
        agreed(ticket, me)
        html = page(client, ticket)
        assert 'data-step="accepted" data-state="done"' in html
        assert not re.search(r'data-testid="resolve"[^>]*disabled', html)


class TestCannedReplies:
    @pytest.fixture
    def shipped(self):
        buyer = f.customer(name="王芳")
        order = f.order(buyer, [(f.sku(), 1)], status="shipped")
        f.shipment(order, tracking_number="JD0001", shipped_at=clock.now() - timedelta(days=2))
        f.shipment(order, tracking_number="JD0002", shipped_at=clock.now() - timedelta(days=1))
        return complaint(buyer, order=order)

    def test_the_picker_lists_the_active_replies_for_everyone_and_this_queue(self, as_role, shipped):  # noqa: F811
        client, _me = as_role()
        ours = CannedReply.objects.create(title="物流致歉", body="您好{customer_name}", queue=shipped.queue)
        everyone = CannedReply.objects.create(title="通用问候", body="您好")
        theirs = CannedReply.objects.create(title="售前推荐", body="推荐", queue=Queue.objects.get(code="presale"))
        off = CannedReply.objects.create(title="旧模板", body="旧", active=False)
        html = page(client, shipped)
        for reply in (ours, everyone):
            assert f'data-canned="{reply.pk}"' in html
        for reply in (theirs, off):
            assert f'data-canned="{reply.pk}"' not in html

    def test_htmx_fills_the_reply_box_with_the_ticket_facts(self, as_role, shipped):  # noqa: F811
        client, me = as_role()
        me.first_name = "刘洋"
        me.save()
        reply = CannedReply.objects.create(
            title="物流致歉", body="{customer_name}您好，订单{order_number}的运单{tracking_number}，"
                                   "工单{ticket_number}，客服{agent_name}")
        response = client.get(url(shipped, f"canned/{reply.pk}/"), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith("<textarea")
        expected = f"王芳您好，订单{shipped.order.number}的运单JD0002，工单{shipped.number}，客服刘洋"
        assert f">{expected}</textarea>" in html and 'name="reply-body"' in html

    def test_a_missing_tracking_number_shows_a_gap(self, as_role):  # noqa: F811
        client, _me = as_role()
        buyer = f.customer(name="王芳")
        ticket = complaint(buyer, order=f.order(buyer, [(f.sku(), 1)], status="paid"))
        reply = CannedReply.objects.create(title="催发货", body="运单号：{tracking_number}")
        html = client.get(url(ticket, f"canned/{reply.pk}/"), HTTP_HX_REQUEST="true").content.decode()
        assert "运单号：【运单号】</textarea>" in html

    def test_without_javascript_the_link_opens_the_page_with_the_reply_filled_in(self, as_role, shipped):  # noqa: F811
        client, _me = as_role()
        reply = CannedReply.objects.create(title="问候", body="{customer_name}您好")
        response = client.get(url(shipped, f"canned/{reply.pk}/"))
        assert response.status_code == 302 and response["Location"] == f"{url(shipped)}?canned={reply.pk}#reply"
        html = client.get(response["Location"]).content.decode()
        assert re.search(r'name="reply-body"[^>]*>王芳您好</textarea>', html)

    def test_another_teams_or_an_inactive_reply_is_404(self, as_role, shipped):  # noqa: F811
        client, _me = as_role()
        theirs = CannedReply.objects.create(title="售前", body="x", queue=Queue.objects.get(code="presale"))
        off = CannedReply.objects.create(title="旧", body="x", active=False)
        for reply in (theirs, off):
            assert client.get(url(shipped, f"canned/{reply.pk}/"), HTTP_HX_REQUEST="true").status_code == 404


class TestCoach:
    def test_flags_a_dismissive_phrase_with_a_suggestion(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        response = client.post(url(ticket, "coach/"), {"reply-body": "这种情况不可能发生<b>"},
                               HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="coach-flag" data-phrase="不可能"' in html
        assert '<mark data-phrase="不可能">不可能</mark>' in html and "马上帮您核实" in html
        assert "<b>" not in html and "&lt;b&gt;" in html

    def test_a_courteous_reply_is_not_flagged(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        html = client.post(url(ticket, "coach/"), {"reply-body": "我马上帮您核实"}).content.decode()
        assert 'data-testid="coach-flag"' not in html and 'data-testid="coach-clear"' in html

    def test_only_post(self, as_role):  # noqa: F811
        client, _me = as_role()
        assert client.get(url(complaint(), "coach/")).status_code == 405

    def test_the_reply_box_asks_the_coach_as_the_agent_types(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        html = page(client, ticket)
        box = re.search(r'<textarea name="reply-body"[^>]*>', html).group(0)
        assert f'hx-post="{url(ticket, "coach/")}"' in box and "keyup changed delay:500ms" in box


class TestCareTeamTickets:
    def test_agents_may_read_but_not_work_them(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        boss = staff_user("supervisor", "boss")
        ticket = complaint()
        escalation.escalate(ticket, by=boss, reason="多次投诉", to_care_team=True)
        html = page(client, ticket)
        assert 'data-testid="read-only"' in html and 'data-testid="reply-form"' not in html
        assert 'data-testid="note-form"' not in html
        client.force_login(boss)
        html = page(client, ticket)
        assert 'data-testid="reply-form"' in html and 'data-testid="read-only"' not in html


def test_the_page_reads_a_bounded_number_of_rows(as_role, django_assert_max_num_queries):  # noqa: F811
    client, me = as_role()
    ticket = complaint()
    for i in range(10):
        conversation.customer_writes(ticket, f"第{i}次追问", by=ticket.customer.user)
        conversation.agent_replies(ticket, f"第{i}次回复", by=me)
    assert SlaClock.objects.filter(ticket=ticket).count() >= 2
    # 14 today: session, user, permissions, the ticket with its people, messages with authors, clocks, audit
    # trail, canned replies, the calendar's shifts and holidays, the assign list… none of them per message.
    with django_assert_max_num_queries(16):
        page(client, ticket)
