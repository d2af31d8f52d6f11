"""Round-robin assignment among the agents on shift, within capacity; by hand with its checks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from kefu.contact.models import AgentProfile
from kefu.core import clock
from kefu.core.errors import DomainError
from kefu.tickets.models import Ticket
from kefu.tickets.services.assignment import assign, assign_waiting
from tests.tickets.builders import agent, complaint, diamond_customer

pytestmark = pytest.mark.django_db


def test_waiting_tickets_are_shared_fairly_among_agents_on_shift(monday, staff_user):
    agents = [agent(staff_user, username=f"a{i}") for i in range(3)]
    for i in range(10):
        complaint(subject=f"投诉 {i}")
        clock.advance(timedelta(seconds=1))
    assert assign_waiting() == 10
    counts = Counter(Ticket.objects.values_list("assignee__username", flat=True))
    assert sorted(counts.values()) == [3, 3, 4]
    assert set(counts) == {a.username for a in agents}


def test_capacity_is_never_exceeded_and_the_oldest_wait_least(monday, staff_user):
    agent(staff_user, username="solo", capacity=2)
    tickets = []
    for i in range(5):
        tickets.append(complaint(subject=f"投诉 {i}"))
        clock.advance(timedelta(seconds=1))
    assert assign_waiting() == 2
    assigned = set(Ticket.objects.filter(assignee__isnull=False).values_list("pk", flat=True))
    assert assigned == {tickets[0].pk, tickets[1].pk}
    assert assign_waiting() == 0


def test_agents_off_shift_or_without_the_skill_get_nothing(monday, staff_user):
    agent(staff_user, username="night", shift="late")
    agent(staff_user, username="presale", role="presale_agent", skills=("presale",))
    complaint()
    assert assign_waiting() == 0


def test_diamond_tickets_go_to_senior_agents_only(monday, staff_user):
    agent(staff_user, username="junior")
    senior = agent(staff_user, username="senior", senior=True)
    ticket = complaint(diamond_customer())
    assert assign_waiting() == 1
    ticket.refresh_from_db()
    assert ticket.assignee == senior


def test_rotation_continues_across_runs(monday, staff_user):
    agent(staff_user, username="a")
    agent(staff_user, username="b")
    complaint(subject="一")
    assign_waiting()
    first = Ticket.objects.get(subject="一").assignee.username
    complaint(subject="二")
    assign_waiting()
    assert Ticket.objects.get(subject="二").assignee.username != first


def test_assigning_by_hand_checks_the_assignee(monday, staff_user):
    ticket = complaint(diamond_customer())
    junior = agent(staff_user, username="junior")
    warehouse = staff_user("warehouse", "clerk")
    with pytest.raises(DomainError):
        assign(ticket, warehouse, by=junior)
    with pytest.raises(DomainError):
        assign(ticket, junior, by=junior)
    senior = agent(staff_user, username="senior", senior=True)
    assign(ticket, senior, by=junior)
    ticket.refresh_from_db()
    assert ticket.assignee == senior
    assert AgentProfile.objects.get(user=senior).last_ticket_assigned_at == clock.now()
