"""Property: however often a ticket waits on the customer, and whenever (nights, holidays), the resolution target
keeps exactly its budget of business time while the ticket is active."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from kefu.contact.models import Holiday
from kefu.contact.selectors import business_calendar
from kefu.core import clock
from kefu.tickets.models import ClockKind
from kefu.tickets.services import conversation
from tests.tickets.builders import SHANGHAI, agent, complaint

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def team(staff_user):
    Holiday.objects.create(date=START.date() + timedelta(days=2), name="休息日")
    return agent(staff_user, on=START.date())


# Active stretches of at most 6 wall-clock hours, four of them: less than the 32 business hours of the
# budget, so the target never lapses before a pause and the identity below must hold exactly.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opened=s.integers(0, 3 * 24 * 60), gaps=s.lists(s.tuples(s.integers(1, 6 * 60), s.integers(1, 40 * 60)),
                                                         min_size=1, max_size=4))
def test_paused_time_never_counts_against_the_resolution_target(team, opened, gaps):
    clock.freeze(START + timedelta(minutes=opened))
    try:
        ticket = complaint()
        budget = ticket.sla_clocks.get(kind=ClockKind.RESOLUTION).budget_seconds
        cal = business_calendar()
        opened_at, paused_business = clock.now(), 0.0
        for active, waiting in gaps:
            clock.advance(timedelta(minutes=active))
            conversation.agent_replies(ticket, "请补充一下照片", by=team, wait_for_customer=True)
            paused_at = clock.now()
            clock.advance(timedelta(minutes=waiting))
            conversation.customer_writes(ticket, "照片已上传", by=ticket.customer.user)
            paused_business += cal.business_seconds(paused_at, clock.now())
        resolution = ticket.sla_clocks.get(kind=ClockKind.RESOLUTION)
        active = cal.business_seconds(opened_at, resolution.due_at) - paused_business
        assert active == pytest.approx(budget, abs=1e-3)
    finally:
        clock.reset()
