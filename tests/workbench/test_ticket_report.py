"""The supervisors' ticket report: figures computed from real tickets, CSV, access."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from kefu.core import clock
from kefu.tickets.models import FollowUpVisit, SurveyQuestion
from kefu.tickets.reports import ticket_report
from kefu.tickets.services import conversation, flow, follow_up
from kefu.tickets.sla_sweep import sweep
from tests.tickets.builders import agent, agreed, complaint

pytestmark = pytest.mark.django_db


def answers():
    return {str(q.pk): "yes" for q in SurveyQuestion.objects.filter(required=True)}


@pytest.fixture
def week(monday, staff_user):
    """Three tickets: two resolved in time and surveyed (5 and 1), one left to breach its first response."""
    who = agent(staff_user, username="dingkang")
    for score in (5, 1):
        ticket = agreed(complaint(subject=f"投诉 {score}"), who)
        flow.resolve(ticket, by=who)
        follow_up.answer(FollowUpVisit.objects.get(ticket=ticket), csat=score, answers=answers())
    complaint(subject="没人理", channel="email")
    clock.advance(timedelta(hours=3))
    sweep()
    return who


def test_the_figures(week):
    today = clock.localnow().date()
    report = ticket_report(today - timedelta(days=6), today)
    assert (report.opened, report.resolved) == (4, 2)  # the low score opened a care task: a ticket too
    # The unanswered complaint and the care task both missed their first response; only the complaint is
    # escalated (the care team is the last line).
    assert (report.first_response.finished, report.first_response.met) == (4, 2)
    assert report.first_response.rate == Decimal("50.0")
    assert report.to_supervisor == 1
    assert report.surveys_answered == 2 and report.csat_average == Decimal("3.00")
    assert report.satisfied_rate == Decimal("50.0") and report.care_tasks == 1
    assert dict(report.csat_counts) == {5: 1, 4: 0, 3: 0, 2: 0, 1: 1}
    assert [(a.label, a.resolved, a.answered) for a in report.agents] == [("dingkang", 2, 2)]


def test_the_page_and_its_csv(client, week, staff_user):
    client.force_login(staff_user("supervisor", "boss"))
    page = client.get(reverse("workbench:ticket_report"))
    assert page.status_code == 200
    assert b'data-testid="opened">4<' in page.content
    csv = client.get(reverse("workbench:ticket_report") + "?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "dingkang,2,2,3.00" in csv.content.decode("utf-8-sig")


def test_bad_ranges_are_refused(client, staff_user):
    client.force_login(staff_user("supervisor", "boss"))
    assert client.get(reverse("workbench:ticket_report") + "?start=2026-11-23&end=2026-11-01").status_code == 400
    assert client.get(reverse("workbench:ticket_report") + "?start=nonsense").status_code == 400


@pytest.mark.parametrize("role", ["aftersale_agent", "presale_agent", "warehouse", "customer"])
def test_only_supervisors_see_it(client, staff_user, role):
    client.force_login(staff_user(role, f"x-{role}"))
    assert client.get(reverse("workbench:ticket_report")).status_code == 403


def test_an_agent_name_like_a_formula_is_not_a_formula_in_the_csv(client, monday, staff_user):
    who = agent(staff_user, username="=cmd")
    ticket = agreed(complaint(), who)
    flow.resolve(ticket, by=who)
    conversation.add_note(ticket, "done", by=who)
    client.force_login(staff_user("supervisor", "boss"))
    text = client.get(reverse("workbench:ticket_report") + "?export=csv").content.decode("utf-8-sig")
    assert "'=cmd,1" in text
