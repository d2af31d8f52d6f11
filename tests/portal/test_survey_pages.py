"""The follow-up survey (回访) page: reached by its token from an email or SMS, answered once, a low score
handed to the customer-care team — and nobody but the ticket's customer (or the token's holder) sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kefu.core import clock
from kefu.tickets.models import Kind, SurveyQuestion, Ticket, Visit
from kefu.tickets.services import flow, follow_up
from tests import factories as f
from tests.tickets.builders import MONDAY_10, agent, agreed, complaint

from .builders import login_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday", "roles")]
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def monday(db):
    clock.freeze(MONDAY_10)
    yield MONDAY_10
    clock.reset()


@pytest.fixture
def cust():
    return f.customer(name="王芳")


@pytest.fixture
def visit(cust, staff_user):
    """A complaint resolved with an agreed solution: its visit is scheduled for the next working day."""
    who = agent(staff_user)
    ticket = agreed(complaint(cust), who)
    flow.resolve(ticket, by=who)
    return ticket.follow_up


@pytest.fixture
def questions():
    """The default questions: solved? (yes/no, required), the agent's attitude (score), suggestions (text)."""
    by_kind = {q.kind: q for q in SurveyQuestion.objects.filter(active=True)}
    return by_kind["yes_no"], by_kind["score"], by_kind["text"]


def url(visit) -> str:
    return f"/survey/{visit.token}/"


def answers(questions, **extra):
    solved, attitude, suggestion = questions
    return {"csat": "5", "comment": "处理得很快", f"q-{solved.pk}": "yes", f"q-{attitude.pk}": "4",
            f"q-{suggestion.pk}": "", **extra}


def reloaded(visit):
    visit.refresh_from_db()
    return visit


class TestAnswer:
    def test_anonymous_by_the_token(self, client, visit, questions):
        page = client.get(url(visit))
        html = page.content.decode()
        assert page.status_code == 200 and 'data-state="open"' in html and visit.ticket.number in html
        assert html.count('name="csat"') == 5 and f'name="q-{questions[0].pk}"' in html
        response = client.post(url(visit), answers(questions))
        assert response.status_code == 302 and response["Location"] == url(visit)
        visit = reloaded(visit)
        assert visit.status == Visit.ANSWERED and visit.csat == 5 and visit.comment == "处理得很快"
        assert {a["question_id"]: a["value"] for a in visit.answers} == {questions[0].pk: True, questions[1].pk: 4}
        assert visit.care_task is None
        thanks = client.get(url(visit)).content.decode()
        assert 'data-state="answered"' in thanks and 'data-score="5"' in thanks and "处理得很快" in thanks
        assert 'data-testid="survey-form"' not in thanks and 'data-testid="care-followup"' not in thanks

    def test_the_customer_signed_in(self, client, cust, visit, questions):
        login_customer(client, cust)
        client.post(url(visit), answers(questions))
        assert reloaded(visit).status == Visit.ANSWERED

    def test_the_complaint_page_invites_to_the_survey_until_it_is_answered(self, client, cust, visit, questions):
        login_customer(client, cust)
        page = client.get(f"/complaints/{visit.ticket.number}/").content.decode()
        assert f'href="{url(visit)}"' in page
        client.post(url(visit), answers(questions))
        assert url(visit) not in client.get(f"/complaints/{visit.ticket.number}/").content.decode()

    def test_a_low_score_goes_to_the_customer_care_team(self, client, visit, questions):
        client.post(url(visit), answers(questions, csat="2", comment="补发的还是坏的"))
        visit = reloaded(visit)
        assert visit.csat == 2 and visit.care_task is not None
        care = Ticket.objects.get(kind=Kind.CARE_TASK)
        assert care == visit.care_task and care.queue.code == "care" and care.parent == visit.ticket
        assert 'data-testid="care-followup"' in client.get(url(visit)).content.decode()

    def test_answered_twice_keeps_the_first_answer(self, client, visit, questions):
        client.post(url(visit), answers(questions, csat="1"))
        response = client.post(url(visit), answers(questions, csat="5"))
        assert response.status_code == 200 and 'data-state="answered"' in response.content.decode()
        assert reloaded(visit).csat == 1
        assert Ticket.objects.filter(kind=Kind.CARE_TASK).count() == 1

    def test_the_comment_is_escaped(self, client, visit, questions):
        client.post(url(visit), answers(questions, comment=EVIL))
        html = client.get(url(visit)).content.decode()
        assert EVIL not in html and ESCAPED in html


class TestBadAnswers:
    @pytest.mark.parametrize("csat", ["", "0", "6", "abc", "4.5"])
    def test_the_score_must_be_one_to_five(self, client, visit, questions, csat):
        response = client.post(url(visit), answers(questions, csat=csat))
        assert response.status_code == 422 and 'data-testid="errors-csat"' in response.content.decode()
        assert reloaded(visit).status == Visit.SCHEDULED

    def test_a_required_question_must_be_answered(self, client, visit, questions):
        solved = questions[0]
        response = client.post(url(visit), answers(questions, **{f"q-{solved.pk}": ""}))
        assert response.status_code == 422 and f'data-testid="errors-q-{solved.pk}"' in response.content.decode()
        assert reloaded(visit).status == Visit.SCHEDULED

    @pytest.mark.parametrize("which, value", [(0, "maybe"), (1, "9"), (2, "字" * 2001)])
    def test_answers_of_the_wrong_kind(self, client, visit, questions, which, value):
        question = questions[which]
        response = client.post(url(visit), answers(questions, **{f"q-{question.pk}": value}))
        assert response.status_code == 422 and f'data-testid="errors-q-{question.pk}"' in response.content.decode()
        assert reloaded(visit).status == Visit.SCHEDULED

    def test_an_optional_question_may_be_left_out(self, client, visit, questions):
        attitude = questions[1]
        client.post(url(visit), answers(questions, **{f"q-{attitude.pk}": ""}))
        assert [a["question_id"] for a in reloaded(visit).answers] == [questions[0].pk]

    def test_an_inactive_question_is_not_asked(self, client, visit, questions):
        solved = questions[0]
        SurveyQuestion.objects.filter(pk=solved.pk).update(active=False)
        assert f'name="q-{solved.pk}"' not in client.get(url(visit)).content.decode()
        client.post(url(visit), {"csat": "4"})
        assert reloaded(visit).status == Visit.ANSWERED


class TestWhoMayAnswer:
    def test_another_customer_signed_in_sees_nothing(self, visit, questions):
        other = login_customer(Client(), f.customer(name="李雷"))
        assert other.get(url(visit)).status_code == 404
        assert other.post(url(visit), answers(questions)).status_code == 404
        assert reloaded(visit).status == Visit.SCHEDULED

    def test_an_unknown_token_is_not_found(self, client, visit):
        assert client.get("/survey/not-the-token/").status_code == 404
        assert client.get(f"/survey/{visit.token[:-1]}/").status_code == 404

    def test_an_expired_survey_says_so(self, client, visit, questions):
        clock.freeze(visit.due_at)
        follow_up.send_due()
        clock.advance(timedelta(days=follow_up.expire_days() + 1))
        follow_up.send_due()
        assert reloaded(visit).status == Visit.EXPIRED
        page = client.get(url(visit))
        assert page.status_code == 410 and 'data-testid="survey-expired"' in page.content.decode()
        assert client.post(url(visit), answers(questions)).status_code == 410
        assert reloaded(visit).csat is None
