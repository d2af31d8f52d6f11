"""The back office: supervisors keep SLA targets, queues, canned replies, coach phrases, survey questions and the
team's calendar; tickets are read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.contact.models import AgentProfile, Holiday, RosterEntry, Shift
from kefu.tickets.models import CannedReply, CoachPhrase, SlaPolicy, SurveyQuestion
from tests.tickets.builders import agent, complaint

pytestmark = pytest.mark.django_db

PAGES = ["tickets_ticket", "tickets_slapolicy", "tickets_queue", "tickets_cannedreply", "tickets_coachphrase",
         "tickets_surveyquestion", "tickets_followupvisit", "tickets_notice", "contact_shift", "contact_holiday",
         "contact_agentprofile", "contact_rosterentry", "contact_handover"]


@pytest.fixture
def supervisor(client, staff_user):
    user = staff_user("supervisor", "boss")
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_for_a_supervisor(supervisor, monday, staff_user, page):
    agent(staff_user)
    complaint()
    assert supervisor.get(reverse(f"admin:{page}_changelist")).status_code == 200


def test_tickets_cannot_be_added_or_edited_in_the_admin(supervisor, monday):
    ticket = complaint()
    assert supervisor.get(reverse("admin:tickets_ticket_add")).status_code == 403
    page = supervisor.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200 and b'name="status"' not in page.content


def test_the_defaults_are_there():
    assert list(SlaPolicy.objects.values_list("priority", flat=True)) == [1, 2, 3, 4]
    assert set(Shift.objects.values_list("code", flat=True)) == {"early", "late"}
    assert CoachPhrase.objects.filter(text="不可能").exists()
    assert SurveyQuestion.objects.filter(required=True).exists()


def test_a_canned_reply_with_an_unknown_placeholder_is_refused(supervisor):
    response = supervisor.post(reverse("admin:tickets_cannedreply_add"),
                               {"title": "催单", "body": "您好 {buyer}", "active": "on"})
    assert response.status_code == 200 and not CannedReply.objects.filter(title="催单").exists()
    body = "{customer_name}您好，订单{order_number}已加急"
    response = supervisor.post(reverse("admin:tickets_cannedreply_add"), {"title": "催单", "body": body})
    assert response.status_code == 302 and CannedReply.objects.get(title="催单").body == body


def test_an_agent_profile_with_an_unknown_skill_is_refused(supervisor, staff_user):
    user = staff_user("aftersale_agent", "newbie")
    response = supervisor.post(reverse("admin:contact_agentprofile_add"),
                               {"user": user.pk, "skills": '["aftersale", "flying"]', "ticket_capacity": 8})
    assert response.status_code == 200 and not AgentProfile.objects.exists()


def test_agents_do_not_get_into_the_back_office(client, staff_user):
    client.force_login(staff_user("aftersale_agent", "a1"))
    assert client.get(reverse("admin:tickets_slapolicy_changelist")).status_code == 302


def test_holidays_and_roster_are_edited_by_supervisors(supervisor, staff_user):
    response = supervisor.post(reverse("admin:contact_holiday_add"), {"date": "2027-01-01", "name": "元旦"})
    assert response.status_code == 302 and Holiday.objects.get().name == "元旦"
    user = staff_user("aftersale_agent", "a2")
    response = supervisor.post(reverse("admin:contact_rosterentry_add"),
                               {"date": "2027-01-02", "shift": Shift.objects.get(code="early").pk, "user": user.pk})
    assert response.status_code == 302 and RosterEntry.objects.count() == 1
