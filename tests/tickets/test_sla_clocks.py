"""SLA clocks on business hours: due times across shifts and holidays, pause while waiting on the customer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kefu.contact.models import Holiday
from kefu.core import clock
from kefu.tickets import ticket_states as st
from kefu.tickets.models import ClockKind, SlaPolicy
from kefu.tickets.services import conversation
from tests.tickets.builders import SHANGHAI, agent, agreed, complaint, diamond_customer

pytestmark = pytest.mark.django_db


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def clocks(ticket):
    return {c.kind: c for c in ticket.sla_clocks.all()}


def test_first_response_due_in_business_minutes_of_the_ticket_priority(monday):
    ticket = complaint()  # a registered member's normal complaint: P3, 120 business minutes
    assert ticket.priority == 3
    first = clocks(ticket)[ClockKind.FIRST_RESPONSE]
    assert first.due_at == local(2026, 11, 23, 12, 0)
    assert first.warn_at == local(2026, 11, 23, 11, 36)  # 80 % of 120 minutes


def test_a_diamond_customers_critical_ticket_is_p1_in_the_dedicated_queue(monday):
    ticket = complaint(diamond_customer(), severity="critical")
    assert (ticket.priority, ticket.queue.code) == (1, "diamond")
    assert clocks(ticket)[ClockKind.FIRST_RESPONSE].due_at == local(2026, 11, 23, 10, 30)


def test_due_times_skip_the_night_between_the_late_shift_and_the_next_early_shift():
    clock.freeze(local(2026, 11, 23, 23, 50))  # 40 business minutes left today (until 00:30)
    ticket = complaint()
    assert clocks(ticket)[ClockKind.FIRST_RESPONSE].due_at == local(2026, 11, 24, 9, 50)


def test_due_times_skip_holidays():
    Holiday.objects.create(date=local(2026, 11, 24, 0, 0).date(), name="店庆休息")
    clock.freeze(local(2026, 11, 23, 23, 50))
    ticket = complaint()
    assert clocks(ticket)[ClockKind.FIRST_RESPONSE].due_at == local(2026, 11, 25, 9, 50)


def test_waiting_on_the_customer_pauses_the_clocks_and_resuming_keeps_the_time_left(monday, staff_user):
    who = agent(staff_user)
    ticket = complaint()
    resolution_due = clocks(ticket)[ClockKind.RESOLUTION].due_at
    conversation.agent_replies(ticket, "请您提供一下快递单的照片", by=who, wait_for_customer=True)
    ticket.refresh_from_db()
    assert ticket.status == st.WAITING_CUSTOMER
    paused = clocks(ticket)[ClockKind.RESOLUTION]
    assert paused.paused and paused.due_at is None
    assert paused.remaining_seconds == pytest.approx(32 * 3600 - 0)
    clock.advance(timedelta(days=2))  # the customer answers two days later, same hour
    conversation.customer_writes(ticket, "照片在这里", by=ticket.customer.user)
    ticket.refresh_from_db()
    assert ticket.status == st.OPEN
    resumed = clocks(ticket)[ClockKind.RESOLUTION]
    assert resumed.due_at == resolution_due + timedelta(days=2)
    assert clocks(ticket)[ClockKind.NEXT_RESPONSE].due_at == local(2026, 11, 25, 14, 0)  # P3: 240 min


def test_the_first_reply_meets_the_first_response_target(monday, staff_user):
    who = agent(staff_user)
    ticket = complaint()
    clock.advance(timedelta(minutes=30))
    conversation.agent_replies(ticket, "您好，我们马上核实", by=who)
    first = clocks(ticket)[ClockKind.FIRST_RESPONSE]
    assert first.stopped_at == clock.now() and first.breached_at is None


def test_targets_follow_the_policy_the_supervisor_edits(monday):
    SlaPolicy.objects.filter(priority=3).update(first_response_minutes=15)
    ticket = complaint()
    assert clocks(ticket)[ClockKind.FIRST_RESPONSE].due_at == local(2026, 11, 23, 10, 15)


def nearest_running_due(ticket):
    dues = [c.due_at for c in ticket.sla_clocks.all() if c.stopped_at is None and c.due_at is not None]
    return min(dues, default=None)


def test_the_ticket_keeps_the_nearest_due_time_of_its_running_clocks(monday, staff_user):
    """`next_due_at` orders the agents' queue: after every change to the clocks it is the nearest due time of
    the running ones, and none while they are all paused or stopped."""
    from kefu.tickets.services import flow

    who = agent(staff_user)
    ticket = complaint()

    def check():
        ticket.refresh_from_db()
        assert ticket.next_due_at == nearest_running_due(ticket)
        return ticket.next_due_at

    assert check() == local(2026, 11, 23, 12, 0)  # the first response comes first
    clock.advance(timedelta(minutes=20))
    conversation.agent_replies(ticket, "请您提供一下快递单的照片", by=who, wait_for_customer=True)
    assert check() is None  # paused
    clock.advance(timedelta(hours=1))
    conversation.customer_writes(ticket, "照片在这里", by=ticket.customer.user)
    assert check() == clocks(ticket)[ClockKind.NEXT_RESPONSE].due_at
    agreed(ticket, who)
    flow.resolve(ticket, by=who, note="已补发")
    assert check() is None  # done: every clock stopped
    flow.reopen(ticket, by=ticket.customer.user, reason="还是没收到")
    assert check() == clocks(ticket)[ClockKind.RESOLUTION].due_at
