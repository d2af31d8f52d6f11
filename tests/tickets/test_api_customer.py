"""The ticket API as a customer uses it: opening a complaint, reading their tickets, writing on one, answering
the proposed solution, and the follow-up survey by its token. Anyone else's ticket is a 404 on every endpoint,
and internal notes never appear in a customer's answer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from kefu.aftersales.services import cases
from kefu.core import clock
from kefu.tickets.models import FollowUpVisit, SurveyQuestion, Ticket, Visit
from kefu.tickets.services import conversation, flow, follow_up
from tests import factories as f
from tests.aftersales.builders import asked, signed_order
from tests.tickets.api_support import API, detail, locs, logged_in, post, written
from tests.tickets.builders import agent, agreed, complaint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday")]

SECRET = "内部备注：顾客是老客户，可以多补偿一点"


@pytest.fixture
def me(roles):
    return f.customer(name="王芳")


@pytest.fixture
def shopper(me):
    return logged_in(me.user)[0]


@pytest.fixture
def worker(staff_user):
    return agent(staff_user)


@pytest.fixture
def mine(me):
    return complaint(me, subject="我的快递丢了")


@pytest.fixture
def theirs(roles):
    return complaint(f.customer(name="李娜"), subject="别人的投诉")


def paid_order(customer):
    return f.order(customer, [(f.sku("199.00"), 1)], status="paid")


def proposed(ticket, who):
    conversation.agent_replies(ticket, "您好，我们马上为您核实。", by=who)
    flow.analyse(ticket, cause="delivery", by=who)
    flow.acknowledge(ticket, position="顾客希望尽快收到", by=who)
    flow.propose(ticket, solution="今天为您补发", by=who)
    return ticket


# --- someone else's ticket --------------------------------------------------------------------------------

OTHERS = [
    ("get", "/tickets/{n}", None),
    ("post", "/tickets/{n}/messages", {"body": "我也想说两句"}),
    ("post", "/tickets/{n}/answer", {"accepted": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), OTHERS, ids=[p for _m, p, _b in OTHERS])
def test_someone_elses_ticket_is_404_on_every_endpoint(shopper, theirs, worker, method, path, body):
    proposed(theirs, worker)  # so that an answer would be possible, were it theirs
    before = written()
    url = API + path.format(n=theirs.number)
    response = shopper.get(url) if method == "get" else post(shopper, url, body)
    assert response.status_code == 404, response.content
    assert locs(response) == [["path", "number"]]
    assert "别人的投诉" not in response.content.decode()
    assert written() == before


def test_the_list_holds_only_my_tickets_newest_first(shopper, me, mine, theirs):
    clock.advance(timedelta(minutes=5))
    newer = complaint(me, subject="第二个问题")
    page = shopper.get(f"{API}/tickets").json()
    assert page["count"] == 2
    assert [t["number"] for t in page["items"]] == [newer.number, mine.number]
    first = page["items"][1]
    assert (first["subject"], first["kind"], first["status"]) == ("我的快递丢了", "complaint", "new")
    assert first["next_step"].startswith("客服将在") and first["created_at"].endswith("+08:00")


def test_the_care_teams_internal_tasks_about_me_stay_internal(shopper, me, mine):
    task = complaint(me, subject="回访低分：我的快递丢了", kind="care_task", queue_code="care", parent=mine)
    assert [t["number"] for t in shopper.get(f"{API}/tickets").json()["items"]] == [mine.number]
    assert shopper.get(f"{API}/tickets/{task.number}").status_code == 404


def test_the_list_pages(shopper, me, mine):
    complaint(me)
    page = shopper.get(f"{API}/tickets", {"limit": 1, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    assert shopper.get(f"{API}/tickets", {"limit": 0}).status_code == 422


def case_of(order):
    return cases.open_case(order, "return", "no_reason", [asked(order)])


@pytest.mark.parametrize("field", ["order", "case"])
def test_opening_a_ticket_about_someone_elses_order_or_case_is_422_naming_it(shopper, field):
    order = signed_order()  # another customer's
    number = order.number if field == "order" else case_of(order).number
    before = written()
    response = post(shopper, f"{API}/tickets", {"subject": "问一下", "body": "这个订单怎么了", field: number})
    assert response.status_code == 422, response.content
    assert locs(response) == [["body", field]]
    assert written() == before


# --- internal notes ---------------------------------------------------------------------------------------

def test_internal_notes_never_reach_the_customer(shopper, me, mine, worker):
    conversation.add_note(mine, SECRET, by=worker)
    conversation.agent_replies(mine, "您好，已为您查询物流。", by=worker)
    answers = [shopper.get(f"{API}/tickets"), shopper.get(f"{API}/tickets/{mine.number}"),
               post(shopper, f"{API}/tickets/{mine.number}/messages", {"body": "好的谢谢"})]
    for response in answers:
        assert response.status_code in (200, 201)
        assert SECRET not in response.content.decode()
    messages = answers[1].json()["messages"]
    assert [m["author_kind"] for m in messages] == ["customer", "agent"]
    assert "internal" not in messages[0] and "assignee" not in answers[1].json()


# --- opening a ticket -------------------------------------------------------------------------------------

def test_opening_a_question_about_my_order(shopper, me):
    order = paid_order(me)
    response = post(shopper, f"{API}/tickets", {"subject": "  退款太慢  ", "body": "申请了一周还没退",
                                                 "kind": "question", "order": order.number})
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (ticket["subject"], ticket["kind"], ticket["status"], ticket["order"]) == (
        "退款太慢", "question", "new", order.number)
    assert ticket["next_step"].startswith("客服将在") and ticket["follow_up"] is None
    assert [m["body"] for m in ticket["messages"]] == ["申请了一周还没退"]
    saved = Ticket.objects.get(number=ticket["number"])
    assert (saved.customer, saved.channel, saved.queue.code) == (me, "web", "presale")


def test_opening_a_complaint_about_my_case():
    order = signed_order()
    case = case_of(order)
    client = logged_in(order.customer.user)[0]
    response = post(client, f"{API}/tickets", {"subject": "售后单", "body": "进度如何", "case": case.number})
    assert response.status_code == 201, response.content
    assert (response.json()["case"], response.json()["order"]) == (case.number, order.number)


@pytest.mark.parametrize(("body", "loc"), [
    ({"subject": "", "body": "内容"}, ["body", "subject"]),
    ({"subject": "   ", "body": "内容"}, ["body", "subject"]),
    ({"subject": "标题", "body": ""}, ["body", "body"]),
    ({"subject": "标题"}, ["body", "body"]),
    ({"subject": "标" * 121, "body": "内容"}, ["body", "subject"]),
    ({"subject": "标题", "body": "内容", "kind": "care_task"}, ["body", "kind"]),
    ({"subject": "标题", "body": "内容", "order": "KF-NOPE"}, ["body", "order"]),
    ({"subject": "标题", "body": "内容", "priority": 1}, ["body", "priority"]),
    ({"subject": "标\x00题", "body": "内容"}, ["body", "subject"]),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(shopper, body, loc):
    before = written()
    response = post(shopper, f"{API}/tickets", body)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert written() == before


def test_a_body_that_is_not_json_is_422(shopper):
    response = shopper.post(f"{API}/tickets", "{not json", content_type="application/json")
    assert response.status_code == 422 and locs(response)[0][0] == "body"


# --- writing and answering --------------------------------------------------------------------------------

def test_writing_on_my_resolved_ticket_reopens_it(shopper, mine, worker):
    flow.resolve(agreed(mine, worker), by=worker)
    response = post(shopper, f"{API}/tickets/{mine.number}/messages", {"body": "东西又坏了"})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    assert response.json()["messages"][-1] == {**response.json()["messages"][-1], "author_kind": "customer",
                                               "body": "东西又坏了"}


def test_an_empty_message_is_422(shopper, mine):
    before = written()
    response = post(shopper, f"{API}/tickets/{mine.number}/messages", {"body": " "})
    assert response.status_code == 422 and locs(response) == [["body", "body"]]
    assert written() == before


def test_accepting_the_proposed_solution(shopper, mine, worker):
    proposed(mine, worker)
    response = post(shopper, f"{API}/tickets/{mine.number}/answer", {"accepted": True})
    assert response.status_code == 200, response.content
    outcome = response.json()["outcome"]
    assert (outcome["step"], outcome["solution"]) == ("accepted", "今天为您补发")


def test_refusing_needs_a_reason(shopper, mine, worker):
    proposed(mine, worker)
    before = written()
    response = post(shopper, f"{API}/tickets/{mine.number}/answer", {"accepted": False})
    assert response.status_code == 422 and locs(response) == [["body", "reason"]]
    assert written() == before
    refused = post(shopper, f"{API}/tickets/{mine.number}/answer", {"accepted": False, "reason": "我要退款"})
    assert refused.json()["outcome"] == {**refused.json()["outcome"], "step": "refused", "refusal_reason": "我要退款"}


def test_answering_when_nothing_is_proposed_is_409(shopper, mine):
    before = written()
    response = post(shopper, f"{API}/tickets/{mine.number}/answer", {"accepted": True})
    assert response.status_code == 409
    assert written() == before


# --- who may call -----------------------------------------------------------------------------------------

def test_anonymous_is_401_and_staff_403(mine, worker):
    assert Client().get(f"{API}/tickets").status_code == 401
    assert post(Client(), f"{API}/tickets", {"subject": "x", "body": "y"}).status_code == 401
    staff = logged_in(worker)[0]
    assert staff.get(f"{API}/tickets").status_code == 403
    assert staff.get(f"{API}/tickets/{mine.number}").status_code == 403


def test_a_session_write_needs_the_csrf_token(me, mine):
    client, token = logged_in(me.user, csrf=True)
    before = written()
    assert post(client, f"{API}/tickets/{mine.number}/messages", {"body": "你好"}).status_code == 403
    assert written() == before
    assert post(client, f"{API}/tickets/{mine.number}/messages", {"body": "你好"},
                X_CSRFToken=token).status_code == 201


# --- the follow-up survey ---------------------------------------------------------------------------------

@pytest.fixture
def survey(mine, worker):
    """`mine` resolved, and its follow-up visit sent the next morning."""
    flow.resolve(agreed(mine, worker), by=worker)
    clock.advance(timedelta(days=1))
    follow_up.send_due()
    return FollowUpVisit.objects.get(ticket=mine)


def required_answers() -> dict:
    return {str(q.pk): "yes" for q in SurveyQuestion.objects.filter(required=True)}


def test_the_token_shows_only_once_the_survey_is_sent(shopper, mine, worker):
    flow.resolve(agreed(mine, worker), by=worker)
    scheduled = shopper.get(f"{API}/tickets/{mine.number}").json()["follow_up"]
    assert scheduled == {"status": "scheduled", "token": None}
    clock.advance(timedelta(days=1))
    follow_up.send_due()
    sent = shopper.get(f"{API}/tickets/{mine.number}").json()["follow_up"]
    assert sent == {"status": "sent", "token": FollowUpVisit.objects.get(ticket=mine).token}


def test_the_survey_is_answered_with_the_token_alone_and_only_once(survey):
    anonymous = Client(enforce_csrf_checks=True)
    questions = anonymous.get(f"{API}/surveys/{survey.token}").json()
    assert questions["ticket"] == survey.ticket.number and questions["status"] == "sent"
    assert {q["id"] for q in questions["questions"]} == set(SurveyQuestion.objects.values_list("pk", flat=True))

    body = {"csat": 4, "comment": "处理得很快", "answers": required_answers()}
    response = post(anonymous, f"{API}/surveys/{survey.token}", body)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["csat"]) == ("answered", 4)
    survey.refresh_from_db()
    assert (survey.status, survey.csat, survey.comment) == (Visit.ANSWERED, 4, "处理得很快")

    before = written()
    again = post(anonymous, f"{API}/surveys/{survey.token}", {**body, "csat": 1})
    assert again.status_code == 409
    assert written() == before


@pytest.mark.parametrize(("change", "loc"), [
    ({"csat": 0}, ["body", "csat"]),
    ({"csat": 6}, ["body", "csat"]),
    ({"csat": "five"}, ["body", "csat"]),
    ({"answers": {}}, None),  # the required question unanswered: named by its id
    ({"mood": "ok"}, ["body", "mood"]),
])
def test_bad_survey_answers_are_422_and_write_nothing(survey, change, loc):
    body = {"csat": 5, "answers": required_answers(), **change}
    before = written()
    response = post(Client(), f"{API}/surveys/{survey.token}", body)
    assert response.status_code == 422, response.content
    required = SurveyQuestion.objects.get(required=True)
    assert (loc or ["body", "answers", required.pk]) in locs(response)
    assert written() == before


def test_an_unknown_token_is_404(survey):
    assert post(Client(), f"{API}/surveys/not-a-token", {"csat": 5}).status_code == 404
    assert Client().get(f"{API}/surveys/x\x00y").status_code == 404


def test_a_low_score_opens_a_care_task(survey):
    response = post(Client(), f"{API}/surveys/{survey.token}", {"csat": 1, "answers": required_answers()})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.care_task is not None and survey.care_task.queue.code == "care"
    assert json.loads(response.content)["csat"] == 1


def test_survey_errors_keep_the_api_error_shape(survey):
    response = post(Client(), f"{API}/surveys/{survey.token}", {"csat": 0})
    assert set(detail(response)[0]) >= {"loc", "msg", "type"}
