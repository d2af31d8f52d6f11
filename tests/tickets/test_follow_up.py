"""The follow-up visit: scheduled next working day, sent once, answered once; a low score opens a care task."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.core import clock
from kefu.core.errors import DomainError, InvalidTransition
from kefu.core.models import OutboxEvent
from kefu.tickets.models import FollowUpVisit, Kind, SurveyQuestion, Ticket, Visit
from kefu.tickets.services import flow, follow_up
from tests import factories as f
from tests.tickets.builders import agent, agreed, complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(monday, staff_user):
    who = agent(staff_user)
    ticket = agreed(complaint(), who)
    flow.resolve(ticket, by=who)
    return FollowUpVisit.objects.get(ticket=ticket)


def required_answers():
    return {str(q.pk): "yes" for q in SurveyQuestion.objects.filter(required=True)}


def test_the_visit_is_sent_once_when_due(resolved):
    assert follow_up.send_due() == 0  # not before the next working day
    clock.advance(timedelta(days=1))
    assert follow_up.send_due() == 1
    assert follow_up.send_due() == 0
    resolved.refresh_from_db()
    assert resolved.status == Visit.SENT
    assert OutboxEvent.objects.filter(topic="ticket.follow_up_sent").count() == 1


def test_a_good_score_is_stored(resolved):
    follow_up.answer(resolved, csat=5, comment="很满意", answers=required_answers(),
                     by=resolved.ticket.customer.user)
    resolved.refresh_from_db()
    assert (resolved.status, resolved.csat, resolved.care_task) == (Visit.ANSWERED, 5, None)
    with pytest.raises(InvalidTransition):
        follow_up.answer(resolved, csat=1, answers=required_answers())


def test_a_low_score_opens_a_care_task(resolved):
    follow_up.answer(resolved, csat=1, comment="问题根本没解决", answers=required_answers())
    resolved.refresh_from_db()
    task = resolved.care_task
    assert task.kind == Kind.CARE_TASK and task.queue.code == "care" and task.parent == resolved.ticket
    assert "问题根本没解决" in task.messages.get().body


@pytest.mark.parametrize("csat", [0, 6, "x", None])
def test_scores_outside_one_to_five_are_refused(resolved, csat):
    with pytest.raises(DomainError):
        follow_up.answer(resolved, csat=csat, answers=required_answers())
    resolved.refresh_from_db()
    assert resolved.status == Visit.SCHEDULED


def test_required_questions_must_be_answered(resolved):
    with pytest.raises(DomainError):
        follow_up.answer(resolved, csat=4, answers={})
    assert Ticket.objects.filter(kind=Kind.CARE_TASK).count() == 0


def test_another_customer_cannot_answer(resolved):
    with pytest.raises(DomainError):
        follow_up.answer(resolved, csat=5, answers=required_answers(), by=f.customer(name="李娜").user)


def test_unanswered_visits_expire(resolved, settings):
    clock.advance(timedelta(days=1))
    follow_up.send_due()
    clock.advance(timedelta(days=8))
    follow_up.send_due()
    resolved.refresh_from_db()
    assert resolved.status == Visit.EXPIRED
    with pytest.raises(InvalidTransition):
        follow_up.answer(resolved, csat=5, answers=required_answers())
