"""Escalation by hand, merge and split."""

from __future__ import annotations

import pytest

from kefu.core.errors import DomainError, InvalidTransition
from kefu.tickets import ticket_states as st
from kefu.tickets.models import ClockKind, Ticket
from kefu.tickets.services import conversation, escalation, merging
from tests import factories as f
from tests.tickets.builders import agent, complaint

pytestmark = pytest.mark.django_db


def test_an_agent_escalates_to_the_supervisor_who_hands_it_to_the_care_team(monday, staff_user):
    who = agent(staff_user)
    boss = staff_user("supervisor", "boss")
    ticket = complaint()
    with pytest.raises(DomainError):
        escalation.escalate(ticket, by=who, reason="  ")
    escalation.escalate(ticket, by=who, reason="顾客要求主管处理")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.sla_clocks.get(kind=ClockKind.SUPERVISOR).running
    with pytest.raises(InvalidTransition):
        escalation.escalate(ticket, by=who, reason="again")
    with pytest.raises(DomainError):
        escalation.escalate(ticket, by=who, reason="主管也处理不了", to_care_team=True)
    escalation.escalate(ticket, by=boss, reason="主管也处理不了", to_care_team=True)
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2 and ticket.queue.care_team
    assert ticket.sla_clocks.get(kind=ClockKind.SUPERVISOR).stopped_at is not None


def test_merge_moves_the_messages_and_ends_the_duplicate(monday, staff_user):
    who = agent(staff_user)
    customer = f.customer()
    first = complaint(customer, subject="没收到货")
    second = complaint(customer, subject="没收到货（又问一次）", body="怎么还没有消息")
    merging.merge(second, first, by=who)
    second.refresh_from_db()
    assert second.status == st.MERGED and second.merged_into == first
    bodies = list(first.messages.filter(internal=False).values_list("body", flat=True))
    assert "怎么还没有消息" in bodies
    assert not second.sla_clocks.filter(stopped_at__isnull=True).exists()


def test_merge_refuses_other_customers_and_itself(monday, staff_user):
    who = agent(staff_user)
    mine, theirs = complaint(f.customer()), complaint(f.customer(name="李娜"))
    with pytest.raises(DomainError):
        merging.merge(mine, theirs, by=who)
    with pytest.raises(DomainError):
        merging.merge(mine, mine, by=who)
    assert Ticket.objects.filter(status=st.MERGED).count() == 0


def test_split_moves_the_chosen_messages_to_a_new_ticket_of_the_same_customer(monday, staff_user):
    who = agent(staff_user)
    ticket = complaint(body="快递没到")
    second_problem = conversation.customer_writes(ticket, "另外发票开错了", by=ticket.customer.user)
    new = merging.split(ticket, [second_problem.pk], subject="发票开错", by=who)
    assert new.parent == ticket and new.customer == ticket.customer
    assert list(new.messages.values_list("body", flat=True)) == ["另外发票开错了"]
    assert ticket.messages.filter(body="另外发票开错了").count() == 0
    with pytest.raises(DomainError):
        merging.split(ticket, [ticket.messages.filter(internal=False).first().pk], subject="全部", by=who)
