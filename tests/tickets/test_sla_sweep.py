"""The set-based SLA sweep: warn once, breach once, escalate to the supervisor, then to the care team."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.core import clock
from kefu.core.audit import history
from kefu.core.models import OutboxEvent
from kefu.tickets.models import ClockKind, Ticket
from kefu.tickets.services import conversation, escalation
from kefu.tickets.sla_sweep import sweep
from tests.tickets.builders import agent, complaint

pytestmark = pytest.mark.django_db


def topics(name):
    return OutboxEvent.objects.filter(topic=name).count()


def test_nothing_happens_before_the_warning_instant(monday):
    complaint()
    clock.advance(timedelta(minutes=95))
    assert sweep() == {"warned": 0, "breached": 0, "to_supervisor": 0, "to_care_team": 0}


def test_a_warning_is_sent_once_before_the_breach(monday):
    ticket = complaint()
    clock.advance(timedelta(minutes=97))  # first response (120 min) warns at 96 min
    assert sweep()["warned"] == 1
    assert sweep()["warned"] == 0
    assert topics("ticket.sla_warning") == 1
    assert ticket.sla_clocks.get(kind=ClockKind.FIRST_RESPONSE).warned_at is not None


def test_a_breach_escalates_to_the_supervisor_and_starts_the_supervisors_clock(monday):
    ticket = complaint()
    clock.advance(timedelta(minutes=121))
    result = sweep()
    assert result["breached"] == 1 and result["to_supervisor"] == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    supervisor = ticket.sla_clocks.get(kind=ClockKind.SUPERVISOR)
    assert supervisor.budget_seconds == 16 * 3600 and supervisor.due_at > clock.now()
    # The queue still orders the ticket by its earliest running target: the breached first response.
    assert ticket.next_due_at == ticket.sla_clocks.get(kind=ClockKind.FIRST_RESPONSE).due_at < clock.now()
    assert [(e.old_value, e.new_value) for e in history(ticket) if e.field == "escalation_level"] == [("0", "1")]
    assert sweep()["breached"] == 0  # once
    assert topics("ticket.escalated") == 1


def test_when_the_supervisors_time_runs_out_the_care_team_takes_over(monday):
    ticket = complaint()
    clock.advance(timedelta(minutes=121))
    sweep()
    clock.advance(timedelta(days=3))  # 16 business hours are gone
    result = sweep()
    assert result["to_care_team"] == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2 and ticket.queue.code == "care" and ticket.assignee is None


def test_paused_tickets_do_not_breach(monday, staff_user):
    who = agent(staff_user)
    ticket = complaint()
    conversation.agent_replies(ticket, "请提供订单截图", by=who, wait_for_customer=True)
    clock.advance(timedelta(days=10))
    assert sweep()["breached"] == 0
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


def test_a_ticket_escalated_by_hand_is_not_escalated_again_by_the_sweep(monday, staff_user):
    who = agent(staff_user)
    ticket = complaint()
    escalation.escalate(ticket, by=who, reason="顾客情绪激动")
    clock.advance(timedelta(minutes=121))
    result = sweep()
    assert result["breached"] == 1 and result["to_supervisor"] == 0
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 1


def test_many_tickets_in_one_pass(monday):
    for i in range(30):
        complaint(subject=f"投诉 {i}")
    clock.advance(timedelta(minutes=121))
    result = sweep()
    assert result["breached"] == 30 and result["to_supervisor"] == 30
    assert Ticket.objects.filter(escalation_level=1).count() == 30


def test_the_care_teams_own_tasks_are_not_escalated_to_the_supervisor(monday):
    task = complaint(queue_code="care", kind="care_task", severity="high")
    clock.advance(timedelta(hours=2))
    assert sweep()["breached"] >= 1
    task.refresh_from_db()
    assert task.escalation_level == 0 and task.sla_clocks.filter(breached_at__isnull=False).exists()
