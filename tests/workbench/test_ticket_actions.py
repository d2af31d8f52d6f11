"""Every action on a ticket through its page: the happy path, the refusal (the wrong state: the page again with
a 4xx and the error at the field; a missing permission: 403) and bad input — with nothing written."""

from __future__ import annotations

import re

import pytest

from kefu.core import clock
from kefu.core.models import AuditEntry
from kefu.tickets import ticket_states as st
from kefu.tickets.models import FollowUpVisit, Ticket, TicketMessage
from kefu.tickets.services import assignment, conversation, escalation, flow
from tests import factories as f
from tests.portal.builders import login_customer
from tests.tickets.builders import agent, agreed, complaint, diamond_customer
from tests.workbench.case_builders import as_role  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday")]


def url(ticket, tail: str = "") -> str:
    return f"/workbench/tickets/{ticket.number}/{tail}"


def post(client, ticket, tail: str, prefix: str, **data):
    return client.post(url(ticket, tail), {f"{prefix}-{k}": v for k, v in data.items()})


def snapshot(ticket):
    """What any action could change, to compare after a refusal."""
    ticket.refresh_from_db()
    return (ticket.status, ticket.flow, ticket.assignee_id, ticket.escalation_level, ticket.queue_id,
            ticket.cause, ticket.solution, ticket.refusal_reason, Ticket.objects.count(),
            TicketMessage.objects.count(), AuditEntry.objects.count())


def done(client, response, ticket) -> str:
    """A successful action: back to the ticket's page (Post/Redirect/Get), which shows the message."""
    assert response.status_code == 302, (response.status_code, response.content.decode()[:2000])
    assert response["Location"] == url(ticket)
    return client.get(response["Location"]).content.decode()


def refused(response, status: int, form: str, field: str | None):
    """The page again with the service's status and the error on the failing form's field."""
    assert response.status_code == status, response.status_code
    bound = response.context["forms"][form]
    errors = bound.errors.get(field or "__all__")
    assert errors, bound.errors
    assert 'data-testid="action-error"' in response.content.decode()
    return bound


class TestAccess:
    ACTIONS = ["reply/", "note/", "flow/analyse/", "resolve/", "assign/", "escalate/", "merge/", "split/",
               "reopen/"]

    def test_customers_and_the_warehouse_are_forbidden(self, client, as_role, staff_user):  # noqa: F811
        customer = f.customer()
        ticket = complaint(customer)
        before = snapshot(ticket)
        login_customer(client, customer)
        for tail in self.ACTIONS:
            assert client.post(url(ticket, tail), {"reply-body": "你好", "note-body": "x"}).status_code == 403, tail
        client.force_login(staff_user("warehouse", "wh"))
        for tail in self.ACTIONS:
            assert client.post(url(ticket, tail), {"reply-body": "你好"}).status_code == 403, tail
        assert snapshot(ticket) == before

    def test_actions_are_posts(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        for tail in self.ACTIONS:
            assert client.get(url(ticket, tail)).status_code == 405, tail

    def test_an_unknown_step_is_404(self, as_role):  # noqa: F811
        client, _me = as_role()
        assert client.post(url(complaint(), "flow/close/")).status_code == 404

    def test_agents_may_not_work_the_care_teams_tickets(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        boss = staff_user("supervisor", "boss")
        ticket = complaint()
        escalation.escalate(ticket, by=boss, reason="多次投诉", to_care_team=True)
        before = snapshot(ticket)
        assert post(client, ticket, "reply/", "reply", body="您好").status_code == 403
        assert post(client, ticket, "note/", "note", body="记录").status_code == 403
        assert snapshot(ticket) == before


class TestReply:
    def test_a_reply_goes_to_the_customer(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        html = done(client, post(client, ticket, "reply/", "reply", body="您好，我们马上为您核实。"), ticket)
        message = ticket.messages.order_by("id").last()
        assert (message.author, message.body, message.internal) == (me, "您好，我们马上为您核实。", False)
        ticket.refresh_from_db()
        assert ticket.status == st.OPEN and ticket.first_responded_at == clock.now()
        assert "您好，我们马上为您核实。" in html and 'class="alert alert--success"' in html

    def test_the_coach_objects_then_the_agent_confirms(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        response = post(client, ticket, "reply/", "reply", body="这不可能，仓库不会发错")
        refused(response, 422, "reply", "body")
        html = response.content.decode()
        assert 'data-testid="coach-flag" data-phrase="不可能"' in html and 'data-testid="confirm-coach"' in html
        assert re.search(r'name="reply-body"[^>]*>这不可能，仓库不会发错</textarea>', html)  # the draft is kept
        assert snapshot(ticket) == before
        done(client, post(client, ticket, "reply/", "reply", body="这不可能，仓库不会发错", confirm_coach="on"), ticket)
        message = ticket.messages.order_by("id").last()
        assert [flag["phrase"] for flag in message.coach_flags] == ["不可能"]
        assert AuditEntry.objects.filter(field="reply_coach", object_id=str(ticket.pk), actor=me).exists()

    def test_the_flagged_phrase_is_marked_where_it_is_even_after_leading_spaces(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        html = post(client, ticket, "reply/", "reply", body="\n   您好，这不行").content.decode()
        assert '您好，这<mark data-phrase="不行">不行</mark>' in html

    def test_the_confirm_box_is_only_offered_after_an_objection(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        assert 'data-testid="confirm-coach"' not in client.get(url(ticket)).content.decode()

    def test_waiting_for_the_customer_pauses_the_clocks(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        done(client, post(client, ticket, "reply/", "reply", body="请提供照片", wait_for_customer="on"), ticket)
        ticket.refresh_from_db()
        assert ticket.status == st.WAITING_CUSTOMER
        assert not ticket.sla_clocks.filter(stopped_at__isnull=True, due_at__isnull=False).exists()

    def test_an_empty_reply_changes_nothing(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "reply/", "reply", body="   "), 422, "reply", "body")
        assert snapshot(ticket) == before

    def test_a_closed_ticket_takes_no_reply(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        flow.resolve(agreed(ticket, me), by=me)
        flow.close(ticket)
        before = snapshot(ticket)
        assert 'data-testid="reply-form"' not in client.get(url(ticket)).content.decode()
        refused(post(client, ticket, "reply/", "reply", body="您好"), 409, "reply", None)
        assert snapshot(ticket) == before


class TestNote:
    def test_a_note_is_internal(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        html = done(client, post(client, ticket, "note/", "note", body="仓库说明天补发"), ticket)
        note = ticket.messages.order_by("id").last()
        assert note.internal and note.author == me
        assert f'data-message="{note.pk}" data-kind="note" data-internal="true"' in html

    def test_an_empty_note_changes_nothing(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "note/", "note", body=""), 422, "note", "body")
        assert snapshot(ticket) == before

    def test_a_merged_ticket_takes_no_note(self, as_role):  # noqa: F811
        client, boss = as_role("supervisor")
        customer = f.customer()
        first, duplicate = complaint(customer), complaint(customer)
        from kefu.tickets.services import merging

        merging.merge(duplicate, first, by=boss)
        before = snapshot(duplicate)
        assert 'data-testid="note-form"' not in client.get(url(duplicate)).content.decode()
        refused(post(client, duplicate, "note/", "note", body="x"), 409, "note", None)
        assert snapshot(duplicate) == before


class TestFlow:
    def test_the_steps_in_order_then_resolve(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        done(client, post(client, ticket, "flow/analyse/", "analyse", cause="delivery", analysis="仓库漏发"),
             ticket)
        done(client, post(client, ticket, "flow/acknowledge/", "acknowledge", position="等了三天"), ticket)
        html = done(client, post(client, ticket, "flow/propose/", "propose", solution="今天加急补发",
                                 next_step="今天18点前发出"), ticket)
        assert 'data-testid="next-step">今天18点前发出' in html
        done(client, post(client, ticket, "flow/answer/", "answer", accepted="yes"), ticket)
        ticket.refresh_from_db()
        assert (ticket.flow, ticket.cause, ticket.analysis, ticket.acknowledgement, ticket.solution) == (
            st.ACCEPTED, "delivery", "仓库漏发", "等了三天", "今天加急补发")
        html = done(client, post(client, ticket, "resolve/", "resolve", note="顾客满意"), ticket)
        ticket.refresh_from_db()
        assert ticket.status == st.RESOLVED and FollowUpVisit.objects.filter(ticket=ticket).exists()
        assert 'data-testid="ticket-status"' in html and 'data-status="resolved"' in html
        assert 'data-testid="reopen-form"' in html and 'data-testid="resolve-form"' not in html

    def test_a_step_out_of_order_is_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "flow/propose/", "propose", solution="补发"), 409, "propose", None)
        assert snapshot(ticket) == before

    def test_bad_input(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "flow/analyse/", "analyse", cause="aliens"), 422, "analyse", "cause")
        refused(post(client, ticket, "flow/analyse/", "analyse", cause=""), 422, "analyse", "cause")
        assert snapshot(ticket) == before
        flow.analyse(ticket, cause="delivery", by=me)
        flow.acknowledge(ticket, position="等了三天", by=me)
        flow.propose(ticket, solution="补发", by=me)
        before = snapshot(ticket)
        refused(post(client, ticket, "flow/answer/", "answer", accepted="no"), 422, "answer", "reason")
        refused(post(client, ticket, "flow/answer/", "answer"), 422, "answer", "accepted")
        assert snapshot(ticket) == before

    def test_a_refusal_recorded_then_a_new_proposal(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        flow.analyse(ticket, cause="delivery", by=me)
        flow.acknowledge(ticket, position="等了三天", by=me)
        flow.propose(ticket, solution="补发", by=me)
        done(client, post(client, ticket, "flow/answer/", "answer", accepted="no", reason="只要退款"), ticket)
        ticket.refresh_from_db()
        assert (ticket.flow, ticket.refusal_reason) == (st.REFUSED, "只要退款")
        done(client, post(client, ticket, "flow/propose/", "propose", solution="全额退款"), ticket)
        ticket.refresh_from_db()
        assert (ticket.flow, ticket.solution, ticket.refusal_reason) == (st.PROPOSED, "全额退款", "")


class TestResolve:
    def test_refused_before_agreement_allowed_after(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        conversation.agent_replies(ticket, "您好", by=me)
        before = snapshot(ticket)
        refused(post(client, ticket, "resolve/", "resolve"), 409, "resolve", None)
        assert snapshot(ticket) == before and not FollowUpVisit.objects.exists()
        agreed(ticket, me)
        done(client, post(client, ticket, "resolve/", "resolve"), ticket)
        ticket.refresh_from_db()
        assert ticket.status == st.RESOLVED


class TestAssign:
    def test_to_me_and_to_a_colleague(self, as_role, staff_user):  # noqa: F811
        client, me = as_role()
        colleague = agent(staff_user, "presale_agent", "zhang.min")
        colleague.first_name = "张敏"
        colleague.save()
        ticket = complaint()
        html = done(client, post(client, ticket, "assign/", "assign", to_me="on"), ticket)
        ticket.refresh_from_db()
        assert ticket.assignee == me and 'data-testid="assign-me"' not in html
        assert "张敏 (zhang.min)" in html
        done(client, post(client, ticket, "assign/", "assign", agent=colleague.pk), ticket)
        ticket.refresh_from_db()
        assert ticket.assignee == colleague

    def test_only_ticket_workers_can_be_chosen(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        warehouse = staff_user("warehouse", "wh")
        ticket = complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "assign/", "assign", agent=warehouse.pk), 422, "assign", "agent")
        refused(post(client, ticket, "assign/", "assign"), 422, "assign", "agent")
        assert snapshot(ticket) == before

    def test_the_diamond_queue_needs_a_senior_agent(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        junior = agent(staff_user, "aftersale_agent", "junior")
        ticket = complaint(diamond_customer())
        before = snapshot(ticket)
        refused(post(client, ticket, "assign/", "assign", agent=junior.pk), 422, "assign", "agent")
        assert snapshot(ticket) == before


class TestEscalate:
    def test_to_the_supervisor_once(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        html = done(client, client.post(url(ticket, "escalate/"), {"level": "supervisor",
                                                                    "escalate-reason": "顾客要求主管"}), ticket)
        ticket.refresh_from_db()
        assert ticket.escalation_level == 1 and 'data-testid="escalate-form"' not in html
        before = snapshot(ticket)
        response = client.post(url(ticket, "escalate/"), {"level": "supervisor", "escalate-reason": "再次"})
        refused(response, 409, "escalate", None)
        assert snapshot(ticket) == before

    def test_a_reason_is_required(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        refused(client.post(url(ticket, "escalate/"), {"level": "supervisor", "escalate-reason": ""}), 422,
                "escalate", "reason")
        assert snapshot(ticket) == before

    def test_the_care_team_by_a_supervisor_only(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        before = snapshot(ticket)
        assert 'data-testid="care-team-form"' not in client.get(url(ticket)).content.decode()
        data = {"level": "care_team", "care_team-reason": "顾客情绪激动"}
        assert client.post(url(ticket, "escalate/"), data).status_code == 403
        assert snapshot(ticket) == before
        client.force_login(staff_user("supervisor", "boss"))
        assert 'data-testid="care-team-form"' in client.get(url(ticket)).content.decode()
        done(client, client.post(url(ticket, "escalate/"), data), ticket)
        ticket.refresh_from_db()
        assert (ticket.escalation_level, ticket.queue.code, ticket.assignee_id) == (2, "care", None)


class TestMerge:
    def test_a_supervisor_merges_a_duplicate_of_the_same_customer(self, as_role):  # noqa: F811
        client, _boss = as_role("supervisor")
        customer = f.customer()
        survivor, duplicate = complaint(customer), complaint(customer, body="还是没发货")
        response = post(client, duplicate, "merge/", "merge", into=survivor.number.lower())
        assert response.status_code == 302 and response["Location"] == url(survivor)
        duplicate.refresh_from_db()
        assert duplicate.status == st.MERGED and duplicate.merged_into == survivor
        assert survivor.messages.filter(body="还是没发货").exists()

    def test_another_customers_or_an_unknown_ticket_is_refused(self, as_role):  # noqa: F811
        client, _boss = as_role("supervisor")
        ticket, strangers = complaint(), complaint()
        before = snapshot(ticket)
        refused(post(client, ticket, "merge/", "merge", into=strangers.number), 422, "merge", "into")
        refused(post(client, ticket, "merge/", "merge", into="T999"), 422, "merge", "into")
        refused(post(client, ticket, "merge/", "merge", into=ticket.number), 422, "merge", "into")
        assert snapshot(ticket) == before

    def test_agents_may_not_merge(self, as_role):  # noqa: F811
        client, _me = as_role()
        customer = f.customer()
        survivor, duplicate = complaint(customer), complaint(customer)
        before = snapshot(duplicate)
        assert 'data-testid="merge-form"' not in client.get(url(duplicate)).content.decode()
        assert post(client, duplicate, "merge/", "merge", into=survivor.number).status_code == 403
        assert snapshot(duplicate) == before


class TestSplit:
    def test_chosen_messages_move_to_a_new_ticket(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint(body="快递三天没动")
        second = conversation.customer_writes(ticket, "另外发票抬头也开错了", by=ticket.customer.user)
        response = client.post(url(ticket, "split/"), {"split-messages": [second.pk], "split-subject": "发票抬头错误"})
        html = done(client, response, ticket)
        new = Ticket.objects.get(subject="发票抬头错误")
        assert list(new.messages.filter(internal=False).values_list("body", flat=True)) == ["另外发票抬头也开错了"]
        assert new.parent == ticket and new.customer_id == ticket.customer_id and new.number in html

    def test_bad_choices_change_nothing(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint(body="快递三天没动")
        second = conversation.customer_writes(ticket, "发票也错了", by=ticket.customer.user)
        first = ticket.messages.order_by("id").first()
        before = snapshot(ticket)
        refused(client.post(url(ticket, "split/"), {"split-subject": "发票"}), 422, "split", "messages")
        refused(client.post(url(ticket, "split/"), {"split-messages": [first.pk, second.pk],
                                                    "split-subject": "发票"}), 422, "split", "messages")
        refused(client.post(url(ticket, "split/"), {"split-messages": [second.pk], "split-subject": ""}), 422,
                "split", "subject")
        assert snapshot(ticket) == before

    def test_a_single_message_ticket_offers_no_split(self, as_role):  # noqa: F811
        client, _me = as_role()
        assert 'data-testid="split-form"' not in client.get(url(complaint())).content.decode()


class TestReopen:
    def test_a_resolved_ticket_reopens_with_a_reason(self, as_role):  # noqa: F811
        client, me = as_role()
        ticket = complaint()
        flow.resolve(agreed(ticket, me), by=me)
        before = snapshot(ticket)
        refused(post(client, ticket, "reopen/", "reopen", reason=""), 422, "reopen", "reason")
        assert snapshot(ticket) == before
        done(client, post(client, ticket, "reopen/", "reopen", reason="顾客回访不满意"), ticket)
        ticket.refresh_from_db()
        assert ticket.status == st.OPEN and ticket.flow == st.ANALYSED
        assert AuditEntry.objects.filter(object_id=str(ticket.pk), field="status", new_value=st.OPEN,
                                         reason="顾客回访不满意").exists()

    def test_an_open_ticket_cannot_be_reopened(self, as_role):  # noqa: F811
        client, _me = as_role()
        ticket = complaint()
        assert 'data-testid="reopen-form"' not in client.get(url(ticket)).content.decode()
        before = snapshot(ticket)
        refused(post(client, ticket, "reopen/", "reopen", reason="再看看"), 409, "reopen", None)
        assert snapshot(ticket) == before


def test_assignment_survives_for_the_assignee_of_a_care_ticket(as_role, staff_user):  # noqa: F811
    """Whoever holds a care-team ticket works it, supervisor or not."""
    client, me = as_role()
    boss = staff_user("supervisor", "boss")
    ticket = complaint()
    escalation.escalate(ticket, by=boss, reason="多次投诉", to_care_team=True)
    assignment.assign(ticket, me, by=boss)
    done(client, post(client, ticket, "note/", "note", body="已电话联系顾客"), ticket)
