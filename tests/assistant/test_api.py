"""POST /api/v1/assistant/ask and GET /api/v1/assistant/faq: anyone may ask; personal answers only in the
customer's own session, and never about another customer's order."""

from datetime import timedelta

import pytest

from kefu.assistant.models import AskedQuestion
from kefu.core import clock
from tests import factories as f
from tests.aftersales.api_support import logged_in, post

URL = "/api/v1/assistant/ask"


@pytest.fixture
def customers(db):
    me, stranger = f.customer(name="张伟"), f.customer(name="李娜")
    mine = f.order(me, [(f.sku(), 1)], status="paid", placed_at=clock.now() - timedelta(hours=3))
    theirs = f.order(stranger, [(f.sku(), 1)], status="paid", placed_at=clock.now() - timedelta(hours=1))
    return me, stranger, mine, theirs


def test_anyone_may_ask_and_gets_no_personal_data(client, customers):
    response = post(client, URL, {"question": "我的订单能取消吗"})
    assert response.status_code == 200
    body = response.json()
    assert (body["intent"], body["outcome"], body["facts"]) == ("cancel_order", "faq", {})
    assert body["faq"]["key"] == "cancel-order" and body["question_id"] > 0
    _me, _stranger, mine, theirs = customers
    assert mine.number not in response.content.decode() and theirs.number not in response.content.decode()


def test_a_signed_in_customer_gets_answers_from_their_own_orders(customers):
    me, _stranger, mine, theirs = customers
    client, token = logged_in(me.user, csrf=True)
    response = post(client, URL, {"question": f"订单{theirs.number}还能取消吗"}, **{"X-CSRFToken": token})
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["facts"]["order"]) == ("personal", mine.number)
    assert theirs.number not in response.content.decode()
    assert AskedQuestion.objects.get(pk=body["question_id"]).customer == me


def test_a_signed_in_callers_post_is_csrf_checked(customers):
    me = customers[0]
    client, _token = logged_in(me.user, csrf=True)
    assert post(client, URL, {"question": "我的快递到哪了"}).status_code == 403
    assert not AskedQuestion.objects.exists()


def test_staff_get_the_faq_not_anyones_orders(staff_user, customers):
    client, token = logged_in(staff_user("aftersale_agent"), csrf=True)
    body = post(client, URL, {"question": "我的订单能取消吗"}, **{"X-CSRFToken": token}).json()
    assert body["outcome"] == "faq" and body["facts"] == {}


@pytest.mark.parametrize(("body", "loc"), [
    ({}, ["body", "question"]),
    ({"question": ""}, ["body", "question"]),
    ({"question": "问" * 501}, ["body", "question"]),
    ({"question": "你好", "channel": "fax"}, ["body", "channel"]),
    ({"question": "你好", "extra": 1}, ["body", "extra"]),
    ({"question": "a\x00b"}, ["body", "question"]),
])
def test_bad_bodies_name_the_field(client, db, body, loc):
    response = post(client, URL, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert not AskedQuestion.objects.exists()


def test_not_json_is_a_422(client, db):
    response = client.post(URL, "not json", content_type="application/json")
    assert response.status_code == 422


def test_the_agent_channel_is_for_agents(client, staff_user, customers):
    assert post(client, URL, {"question": "发票", "channel": "agent"}).status_code == 403
    me = customers[0]
    customer_client, token = logged_in(me.user, csrf=True)
    refused = post(customer_client, URL, {"question": "发票", "channel": "agent"}, **{"X-CSRFToken": token})
    assert (refused.status_code, refused.json()["detail"][0]["loc"]) == (403, ["body", "channel"])
    agent, agent_token = logged_in(staff_user("presale_agent"), csrf=True)
    assert post(agent, URL, {"question": "发票", "channel": "agent"}, **{"X-CSRFToken": agent_token}).status_code == 200


def test_handoff_in_the_api(client, db):
    body = post(client, URL, {"question": "我要投诉，你们太过分了"}).json()
    assert (body["intent"], body["handoff"]) == ("complaint", True)


def test_the_faq_list_fills_in_the_numbers(client, db):
    response = client.get("/api/v1/assistant/faq", {"category": "after_sales"})
    assert response.status_code == 200
    entries = response.json()
    assert entries and {e["category"] for e in entries} == {"after_sales"}
    assert not [e for e in entries if "{{" in e["answer"]]
    assert client.get("/api/v1/assistant/faq", {"channel": "agent"}).status_code == 403
    assert client.get("/api/v1/assistant/faq", {"category": "misc"}).status_code == 422
