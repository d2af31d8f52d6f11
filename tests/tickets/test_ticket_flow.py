"""The handling flow of seed 001 and the status machine, through the services."""

from __future__ import annotations

import pytest

from kefu.core.audit import history
from kefu.core.errors import DomainError, InvalidTransition
from kefu.tickets import ticket_states as st
from kefu.tickets.models import ClockKind, Ticket, Visit
from kefu.tickets.services import conversation, flow
from tests import factories as f
from tests.tickets.builders import agent, agreed, complaint

pytestmark = pytest.mark.django_db


def test_a_complaint_is_recorded_at_once_with_number_status_and_a_promised_step(monday):
    customer = f.customer()
    ticket = complaint(customer)
    assert ticket.number.startswith("T261123")
    assert Ticket.objects.filter(customer=customer).get() == ticket
    assert ticket.status == st.NEW and ticket.flow == st.RECEIVED
    assert ticket.queue.code == "complaints"
    assert ticket.next_step.startswith("客服将在") and ticket.next_step_by is not None
    assert set(ticket.sla_clocks.values_list("kind", flat=True)) == {ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION}
    assert ticket.messages.get().body.startswith("我的订单")


def test_the_steps_go_in_order(monday, staff_user):
    ticket = complaint()
    who = agent(staff_user)
    with pytest.raises(InvalidTransition):
        flow.propose(ticket, solution="补发", by=who)
    with pytest.raises(DomainError):
        flow.analyse(ticket, cause="no-such-cause", by=who)
    flow.analyse(ticket, cause="delivery", by=who)
    with pytest.raises(DomainError):
        flow.acknowledge(ticket, position="   ", by=who)
    ticket.refresh_from_db()
    assert ticket.flow == st.ANALYSED and ticket.status == st.OPEN


def test_cannot_resolve_without_an_accepted_solution_or_a_recorded_refusal(monday, staff_user):
    ticket = complaint()
    who = agent(staff_user)
    with pytest.raises(InvalidTransition):
        flow.resolve(ticket, by=who)
    flow.analyse(ticket, cause="delivery", by=who)
    flow.acknowledge(ticket, position="希望尽快收到", by=who)
    flow.propose(ticket, solution="加急补发", by=who)
    with pytest.raises(InvalidTransition):
        flow.resolve(ticket, by=who)
    with pytest.raises(DomainError):
        flow.record_answer(ticket, accepted=False, reason="", by=who)
    flow.record_answer(ticket, accepted=False, reason="顾客要求全额退款，已告知可向平台申请介入", by=who)
    flow.resolve(ticket, by=who)
    ticket.refresh_from_db()
    assert ticket.status == st.RESOLVED and ticket.flow == st.REFUSED
    assert ticket.follow_up.status == Visit.SCHEDULED


def test_resolving_stops_the_clocks_and_schedules_the_visit_next_working_day(monday, staff_user):
    who = agent(staff_user)
    ticket = agreed(complaint(), who)
    flow.resolve(ticket, by=who)
    ticket.refresh_from_db()
    assert not ticket.sla_clocks.filter(stopped_at__isnull=True).exists()
    assert ticket.follow_up.due_at.date().isoformat() == "2026-11-24"
    assert [e.new_value for e in history(ticket) if e.field == "status"] == [st.NEW, st.OPEN, st.RESOLVED]


def test_the_customer_writing_reopens_a_resolved_ticket_but_not_a_closed_one(monday, staff_user):
    who = agent(staff_user)
    ticket = agreed(complaint(), who)
    flow.resolve(ticket, by=who)
    conversation.customer_writes(ticket, "还是没收到", by=ticket.customer.user)
    ticket.refresh_from_db()
    assert ticket.status == st.OPEN
    assert ticket.sla_clocks.get(kind=ClockKind.RESOLUTION).stopped_at is None
    assert ticket.flow == st.ANALYSED  # a new agreement is needed
    flow.acknowledge(ticket, position="仍未收到", by=who)
    flow.propose(ticket, solution="再次补发", by=who)
    flow.record_answer(ticket, accepted=True, by=who)
    flow.resolve(ticket, by=who)
    flow.close(ticket, by=who)
    with pytest.raises(InvalidTransition):
        conversation.customer_writes(ticket, "hello", by=ticket.customer.user)


def test_another_customer_cannot_write_on_the_ticket(monday):
    ticket = complaint()
    stranger = f.customer(name="李娜")
    with pytest.raises(DomainError):
        conversation.customer_writes(ticket, "我也要说两句", by=stranger.user)
    assert ticket.messages.count() == 1


def test_answering_an_unassigned_ticket_takes_it(monday, staff_user):
    ticket = complaint()
    who = agent(staff_user)
    conversation.agent_replies(ticket, "您好，我来为您处理", by=who)
    ticket.refresh_from_db()
    assert ticket.assignee == who
    colleague = agent(staff_user, username="colleague")
    conversation.agent_replies(ticket, "补充说明一下", by=colleague)
    ticket.refresh_from_db()
    assert ticket.assignee == who  # an owned ticket keeps its owner
