"""The after-sales API as an agent uses it: every action on a case, who may call it, bad input, conflicts with
the case's state (409) and asking twice. Each refusal is checked to have written nothing."""

from decimal import Decimal

import pytest

from kefu.aftersales.models import CompensationCoupon, Refund
from kefu.aftersales.services import cases
from kefu.core import outbox
from tests.aftersales.api_support import API, locs, logged_in, post, written
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    received_case,
    signed_order,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root", "roles")]

ACTIONS = ["approve", "decline", "escalate", "assign", "send-replacement", "start-repair", "refund", "points",
           "coupon", "close"]
VALID = {"decline": {"reason": "超出七天"}, "assign": {"agent": "me"}, "points": {"amount": "5.00"},
         "coupon": {"face_value": "10.00"}}


@pytest.fixture
def agent_user(staff_user):
    return staff_user("aftersale_agent")


@pytest.fixture
def agent(agent_user):
    return logged_in(agent_user)[0]


@pytest.fixture
def requested():
    order = signed_order()
    return cases.open_case(order, "return", "no_reason", [asked(order)])


def missing_item_case():
    """A whole order of one item that never arrived: refund only, nothing travels back."""
    order = signed_order(lines=(("100.00", 1),), shipping_fee="10.00")
    return cases.open_case(order, "refund_only", "missing_item", [asked(order)], [photo()])


# --- who may act ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_is_401_and_customers_and_other_staff_are_403(client, requested, staff_user, action):
    url = f"{API}/cases/{requested.number}/{action}"
    body = VALID.get(action, {})
    before = written()
    assert post(client, url, body).status_code == 401
    assert post(logged_in(requested.customer.user)[0], url, body).status_code == 403
    for role in ("warehouse", "presale_agent", "operations"):
        response = post(logged_in(staff_user(role, f"{role}-{action}"))[0], url, body)
        assert response.status_code == 403, role
        assert response.json() == {"detail": "Only after-sales agents may do this."}
    assert written() == before


@pytest.mark.parametrize("role", ["aftersale_agent", "supervisor", "care_team"])
def test_every_role_that_works_cases_may_approve(requested, staff_user, role):
    client = logged_in(staff_user(role))[0]
    assert post(client, f"{API}/cases/{requested.number}/approve").status_code == 200


def test_an_agent_write_needs_the_csrf_token(requested, agent_user):
    client, token = logged_in(agent_user, csrf=True)
    before = written()
    assert post(client, f"{API}/cases/{requested.number}/approve").status_code == 403
    assert written() == before
    assert post(client, f"{API}/cases/{requested.number}/approve", **{"X-CSRFToken": token}).status_code == 200


def test_an_unknown_case_is_404(agent):
    response = post(agent, f"{API}/cases/AS000/approve")
    assert response.status_code == 404 and locs(response) == [["path", "number"]]


# --- approve, decline, escalate, assign ----------------------------------------------------------------------

def test_approve_a_return_then_it_awaits_the_parcel(agent, requested, agent_user):
    response = post(agent, f"{API}/cases/{requested.number}/approve", {"reason": "符合七天无理由"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_return" and body["approved_at"] == "2026-03-10T10:00:00+08:00"
    status = [e for e in body["timeline"] if e["field"] == "status"]
    assert [(e["to"], e["by"]) for e in status[1:]] == [("approved", agent_user.username),
                                                         ("awaiting_return", agent_user.username)]

    before = written()
    again = post(agent, f"{API}/cases/{requested.number}/approve")
    assert again.status_code == 409 and again.json()["detail"][0]["type"] == "invalid_transition"
    assert written() == before


def test_decline_needs_a_reason_the_customer_then_reads(agent, requested):
    before = written()
    for body in ({}, {"reason": "   "}, None):
        response = post(agent, f"{API}/cases/{requested.number}/decline", body)
        assert response.status_code == 422 and locs(response) == [["body", "reason"]]
    assert written() == before

    assert post(agent, f"{API}/cases/{requested.number}/decline", {"reason": "商品已使用"}).status_code == 200
    shopper = logged_in(requested.customer.user)[0]
    public = shopper.get(f"{API}/cases/{requested.number}").json()
    assert (public["status"], public["status_reason"]) == ("declined", "商品已使用")


def test_escalate_is_a_flag_and_twice_changes_nothing(agent, requested):
    body = post(agent, f"{API}/cases/{requested.number}/escalate", {"reason": "客户投诉"}).json()
    assert body["escalated"] is True and body["escalated_at"] == "2026-03-10T10:00:00+08:00"
    before = written()
    assert post(agent, f"{API}/cases/{requested.number}/escalate").status_code == 200
    assert written() == before
    listed = agent.get(f"{API}/cases", {"escalated": "true"}).json()
    assert [c["number"] for c in listed["items"]] == [requested.number]


def test_escalating_a_closed_case_is_409(agent, requested):
    cases.cancel_by_customer(requested)
    before = written()
    assert post(agent, f"{API}/cases/{requested.number}/escalate").status_code == 409
    assert written() == before


def test_assign_to_me_to_a_colleague_and_back_to_nobody(agent, agent_user, requested, staff_user):
    body = post(agent, f"{API}/cases/{requested.number}/assign", {"agent": "me"}).json()
    assert body["assigned_to"] == {"id": agent_user.pk, "username": agent_user.username}
    assert agent.get(f"{API}/cases", {"assigned": "me"}).json()["count"] == 1
    colleague = staff_user("supervisor")
    body = post(agent, f"{API}/cases/{requested.number}/assign", {"agent": colleague.pk}).json()
    assert body["assigned_to"]["id"] == colleague.pk
    assert agent.get(f"{API}/cases", {"assigned": str(colleague.pk)}).json()["count"] == 1
    assert post(agent, f"{API}/cases/{requested.number}/assign", {"agent": None}).json()["assigned_to"] is None
    assert agent.get(f"{API}/cases", {"assigned": "none"}).json()["count"] == 1


@pytest.mark.parametrize("who", ["warehouse", "customer", "missing", "text", "huge"])
def test_only_someone_who_works_cases_can_be_assigned(agent, requested, staff_user, who):
    value = {"warehouse": lambda: staff_user("warehouse").pk, "customer": lambda: requested.customer.user.pk,
             "missing": lambda: 987_654, "text": lambda: "boss", "huge": lambda: 2**64}[who]()
    before = written()
    response = post(agent, f"{API}/cases/{requested.number}/assign", {"agent": value})
    assert response.status_code == 422 and locs(response)[0][:2] == ["body", "agent"]
    assert written() == before
    assert post(agent, f"{API}/cases/{requested.number}/assign", {}).status_code == 422


def test_a_bad_assigned_filter_is_422(agent):
    response = agent.get(f"{API}/cases", {"assigned": "everyone"})
    assert response.status_code == 422 and locs(response) == [["query", "assigned"]]


# --- replacement and repair ----------------------------------------------------------------------------------

def test_an_urgent_exchange_gets_its_replacement_before_the_return(agent):
    order = signed_order()
    case = cases.approve(cases.open_case(order, "exchange", "quality_serious", [asked(order)], urgent=True))
    body = post(agent, f"{API}/cases/{case.number}/send-replacement", {"note": "加急"}).json()
    assert body["status"] == "awaiting_return" and body["replacement_sent_at"] == "2026-03-10T10:00:00+08:00"
    before = written()
    assert post(agent, f"{API}/cases/{case.number}/send-replacement").status_code == 200
    assert written() == before


def test_send_replacement_conflicts(agent, requested):
    before = written()
    response = post(agent, f"{API}/cases/{requested.number}/send-replacement")  # a return has none to send
    assert response.status_code == 409 and locs(response) == [["body", "resolution"]]
    order = signed_order()
    exchange = cases.approve(cases.open_case(order, "exchange", "quality_serious", [asked(order)]))
    before = written()
    response = post(agent, f"{API}/cases/{exchange.number}/send-replacement")  # not urgent: after inspection
    assert response.status_code == 409 and response.json()["detail"][0]["type"] == "invalid_transition"
    assert written() == before


def test_start_repair_only_for_a_repair_case(agent, requested):
    before = written()
    assert post(agent, f"{API}/cases/{requested.number}/start-repair").status_code == 409
    assert written() == before


# --- money -----------------------------------------------------------------------------------------------------

def test_refund_a_missing_item_then_the_payment_side_confirms_and_the_case_closes(agent):
    case = cases.approve(missing_item_case())
    response = post(agent, f"{API}/cases/{case.number}/refund")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "refunding"
    assert [(r["kind"], r["amount"], r["status"]) for r in body["refunds"]] == [("goods", "100.00", "pending"),
                                                                                ("shipping", "10.00", "pending")]
    before = written()
    assert post(agent, f"{API}/cases/{case.number}/refund").json()["refunds"] == body["refunds"]
    assert written() == before

    outbox.dispatch_pending()  # the simulated gateway answers at once
    after = agent.get(f"{API}/cases/{case.number}").json()
    assert after["status"] == "closed"
    assert {r["status"] for r in after["refunds"]} == {"confirmed"}
    assert all(r["external_ref"].startswith("SIM") for r in after["refunds"])


def test_refund_before_approval_is_409(agent, requested):
    before = written()
    response = post(agent, f"{API}/cases/{requested.number}/refund")
    assert response.status_code == 409 and written() == before


def test_points_one_grant_per_case(agent):
    case = cases.approve(missing_item_case())
    body = post(agent, f"{API}/cases/{case.number}/points", {"amount": "5.00", "reason": "补偿"}).json()
    [grant] = [r for r in body["refunds"] if r["method"] == "points"]
    assert (grant["amount"], grant["kind"], grant["status"]) == ("5.00", "compensation", "pending")

    before = written()
    assert post(agent, f"{API}/cases/{case.number}/points", {"amount": "5.00"}).status_code == 200
    different = post(agent, f"{API}/cases/{case.number}/points", {"amount": "8.00"})
    assert different.status_code == 409 and locs(different) == [["body", "amount"]]
    assert written() == before

    outbox.dispatch_pending()  # kefu credits its own 京豆
    points = Refund.objects.get(case=case, method="points")
    assert (points.status, points.external_ref, points.points) == ("confirmed", "points:500", 500)


@pytest.mark.parametrize(("body", "status", "loc"), [
    ({"amount": 5}, 422, ["body", "amount"]),
    ({"amount": "0.00"}, 422, ["body", "amount"]),
    ({"amount": "-1.00"}, 422, ["body", "amount"]),
    ({}, 422, ["body", "amount"]),
    ({"amount": "999.00"}, 409, ["body", "amount"]),  # more than the order paid
])
def test_bad_points_grants(agent, body, status, loc):
    case = cases.approve(missing_item_case())
    before = written()
    response = post(agent, f"{API}/cases/{case.number}/points", body)
    assert response.status_code == status and locs(response) == [loc]
    assert written() == before


def test_a_coupon_once_per_case(agent, requested):
    body = post(agent, f"{API}/cases/{requested.number}/coupon", {"face_value": "20.00", "valid_days": 15}).json()
    [coupon] = body["coupons"]
    assert coupon["face_value"] == "20.00" and coupon["expires_at"] == "2026-03-25T10:00:00+08:00"
    before = written()
    assert post(agent, f"{API}/cases/{requested.number}/coupon", {"face_value": "20.00"}).status_code == 200
    assert post(agent, f"{API}/cases/{requested.number}/coupon", {"face_value": "30.00"}).status_code == 409
    assert written() == before and CompensationCoupon.objects.count() == 1


@pytest.mark.parametrize(("body", "loc"), [
    ({"face_value": "0.00"}, ["body", "face_value"]),
    ({"face_value": "10.00", "valid_days": 0}, ["body", "valid_days"]),
    ({"face_value": "10.00", "valid_days": 400}, ["body", "valid_days"]),
    ({"face_value": "10"}, None),
])
def test_bad_coupons(agent, requested, body, loc):
    before = written()
    response = post(agent, f"{API}/cases/{requested.number}/coupon", body)
    if loc is None:  # "10" is a valid amount: ten yuan
        assert response.status_code == 200 and response.json()["coupons"][0]["face_value"] == "10.00"
        return
    assert response.status_code == 422 and locs(response) == [loc]
    assert written() == before


# --- close ----------------------------------------------------------------------------------------------------

def test_close_is_refused_while_a_refund_is_owed(agent):
    case = cases.approve(missing_item_case())
    before = written()
    response = post(agent, f"{API}/cases/{case.number}/close")
    assert response.status_code == 409 and response.json()["detail"][0]["type"] == "outstanding"
    assert written() == before


def test_close_a_declined_case(agent, requested):
    cases.decline(requested, reason="不符合")
    body = post(agent, f"{API}/cases/{requested.number}/close", {"reason": "归档"}).json()
    assert body["status"] == "closed" and body["closed_at"] == "2026-03-10T10:00:00+08:00"


def test_an_agent_may_cancel_on_the_customers_behalf(agent, requested):
    assert post(agent, f"{API}/cases/{requested.number}/cancel", {"reason": "电话里取消"}).json()["status"] == \
        "cancelled"


# --- reading as an agent ---------------------------------------------------------------------------------------

def test_an_agent_lists_every_customers_cases_with_filters(agent, requested):
    other = wrong_item_case()
    page = agent.get(f"{API}/cases").json()
    assert {c["number"] for c in page["items"]} == {requested.number, other.number}
    assert agent.get(f"{API}/cases", {"reason": "wrong_item"}).json()["items"][0]["number"] == other.number
    assert agent.get(f"{API}/cases", {"kind": "exchange"}).json()["count"] == 0
    assert agent.get(f"{API}/cases", {"status": "requested", "order": other.order.number}).json()["count"] == 1
    assert page["items"][0]["escalated"] is False  # staff see the internal fields


def test_the_staff_view_shows_who_did_what(agent, agent_user, requested):
    cases.assign(requested, agent_user, by=agent_user)
    body = agent.get(f"{API}/cases/{requested.number}").json()
    assert body["assigned_to"]["username"] == agent_user.username
    assigned = [e for e in body["timeline"] if e["field"] == "assigned_to"]
    assert assigned and assigned[0]["to"] == agent_user.username and assigned[0]["by"] == agent_user.username


def test_received_cases_show_the_hundred_minute_clock(agent):
    case = received_case(wrong_item_case(postage="12.00"))
    summary = agent.get(f"{API}/cases", {"status": "received"}).json()["items"][0]
    assert summary["hundred_minutes"] == {"deadline": "2026-03-10T11:40:00+08:00", "minutes_used": 0.0,
                                          "breached": False}
    assert summary["number"] == case.number


def test_decimal_amounts_the_agent_sees_are_exact(agent):
    order = signed_order(lines=(("0.10", 3),), shipping_fee="0.00")
    case = cases.open_case(order, "return", "no_reason", [asked(order, qty=2)])
    body = agent.get(f"{API}/cases/{case.number}").json()
    assert body["refund_goods"] == f"{Decimal('0.10') * 2:.2f}" == "0.20"
