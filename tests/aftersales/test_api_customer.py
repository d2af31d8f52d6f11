"""The after-sales API as a customer uses it: advice, opening a case (JSON and multipart with photos), reading
their own cases, sending the parcel back, cancelling. Other people's orders and cases are 404."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from kefu.aftersales.models import AfterSalesCase, CaseEvidence
from kefu.aftersales.services import cases
from kefu.commerce.services.integrations import create_integration
from kefu.core.models import OutboxEvent
from tests import factories as f
from tests.aftersales.api_support import API, bearer, locs, logged_in, post, written
from tests.aftersales.builders import (
    PNG,
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root", "roles")]


@pytest.fixture
def order():
    return signed_order()


@pytest.fixture
def shopper(order):
    """The order's customer, signed in."""
    return logged_in(order.customer.user)[0]


def request_body(of, **overrides):
    line = of.lines.get()
    body = {"order": of.number, "kind": "return", "reason": "no_reason",
            "lines": [{"order_line": line.pk, "quantity": 1, "condition": "intact"}]}
    return {**body, **overrides}


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- advice -----------------------------------------------------------------------------------------------

def test_advice_gives_the_policy_decision_and_saves_nothing(shopper, order):
    before = written()
    response = post(shopper, f"{API}/advice", request_body(order))

    assert response.status_code == 200, response.content
    advice = response.json()
    assert advice["allowed"] is True and advice["field"] is None
    assert (advice["basis"], advice["resolution"]) == ("seven_day_no_reason", "return_refund")
    assert advice["refund"]["goods"] == "3299.00"
    assert advice["return_shipping_paid_by"] == "buyer"
    assert advice["deadline"].endswith("+08:00")
    assert written() == before


def test_advice_names_the_missing_evidence_and_the_field_of_a_refusal(shopper, order):
    body = request_body(order, reason="wrong_item")
    refused = post(shopper, f"{API}/advice", body).json()
    assert (refused["allowed"], refused["field"], refused["missing_evidence"]) == (False, "evidence", ["photo"])
    assert refused["reasons"] and refused["rule"].endswith("photo_missing")

    allowed = post(shopper, f"{API}/advice", {**body, "evidence": ["photo"]}).json()
    assert allowed["allowed"] is True and allowed["return_shipping_paid_by"] == "seller"


def test_advice_on_someone_elses_order_is_404(order):
    stranger = logged_in(f.customer(name="李娜").user)[0]
    response = post(stranger, f"{API}/advice", request_body(order))
    assert response.status_code == 404
    assert locs(response) == [["body", "order"]]


def test_advice_refuses_units_another_case_holds(shopper, order):
    cases.open_case(order, "return", "no_reason", [asked(order)])
    response = post(shopper, f"{API}/advice", request_body(order))
    assert response.status_code == 422
    assert locs(response) == [["body", "lines", 0, "quantity"]]


def test_advice_for_an_unpaid_order_is_422(shopper, order):
    order.status = "pending_payment"
    order.save(update_fields=["status"])
    response = post(shopper, f"{API}/advice", request_body(order))
    assert response.status_code == 422 and locs(response) == [["body", "order"]]


@pytest.mark.parametrize(("change", "loc"), [
    ({"kind": "swap"}, ["body", "kind"]),
    ({"reason": None}, ["body", "reason"]),
    ({"return_postage": 12.5}, ["body", "return_postage"]),
    ({"return_postage": "12.345"}, ["body", "return_postage"]),
    ({"current_unit_price": "-1.00"}, ["body", "current_unit_price"]),
    ({"lines": []}, ["body", "lines"]),
    ({"evidence": ["selfie"]}, ["body", "evidence", 0]),
    ({"colour": "red"}, ["body", "colour"]),
    ({"order": "KF\x00"}, ["body", "order"]),
])
def test_advice_bad_input_is_422_naming_the_field(shopper, order, change, loc):
    response = post(shopper, f"{API}/advice", request_body(order, **change))
    assert response.status_code == 422, response.content
    assert loc in locs(response)


@pytest.mark.parametrize(("line", "loc"), [
    ({"quantity": 0}, ["body", "lines", 0, "quantity"]),
    ({"quantity": "1x"}, ["body", "lines", 0, "quantity"]),
    ({"condition": "shiny"}, ["body", "lines", 0, "condition"]),
    ({"order_line": 999_999}, ["body", "lines", 0, "order_line"]),
])
def test_advice_bad_line_is_422_naming_the_line(shopper, order, line, loc):
    body = request_body(order)
    body["lines"][0].update(line)
    response = post(shopper, f"{API}/advice", body)
    assert response.status_code == 422 and locs(response) == [loc]


def test_a_line_may_be_named_by_its_sku_code(shopper, order):
    body = request_body(order)
    body["lines"][0] = {"sku": order.lines.get().sku.code, "quantity": 1}
    assert post(shopper, f"{API}/advice", body).json()["allowed"] is True


@pytest.mark.parametrize(("line", "loc"), [
    ({"quantity": 1}, ["body", "lines", 0, "order_line"]),
    ({"sku": "NO-SUCH-SKU", "quantity": 1}, ["body", "lines", 0, "sku"]),
    ({"sku": "shared", "quantity": 1}, ["body", "lines", 0, "sku"]),
    ({"order_line": "own", "sku": "shared", "quantity": 1}, ["body", "lines", 0, "sku"]),
])
def test_a_line_named_by_nothing_or_by_an_ambiguous_sku_is_422(line, loc):
    sku = f.sku("50.00")
    order = f.order(f.customer(), [(sku, 1), (sku, 1), (f.sku("9.00"), 1)], status="delivered")
    shopper = logged_in(order.customer.user)[0]
    own = order.lines.order_by("id").last()
    line = {**line, **({"sku": sku.code} if line.get("sku") == "shared" else {}),
            **({"order_line": own.pk} if line.get("order_line") == "own" else {})}
    response = post(shopper, f"{API}/advice", {"order": order.number, "kind": "return", "reason": "no_reason",
                                               "lines": [line]})
    assert response.status_code == 422 and locs(response) == [loc]


def test_a_line_of_another_order_is_not_part_of_this_one(shopper, order):
    other = signed_order()
    body = request_body(order)
    body["lines"][0]["order_line"] = other.lines.get().pk
    response = post(shopper, f"{API}/advice", body)
    assert response.status_code == 422 and locs(response) == [["body", "lines", 0, "order_line"]]


def test_the_body_must_be_json(shopper):
    response = shopper.post(f"{API}/advice", "order=1", content_type="application/json")
    assert response.status_code == 422 and locs(response)[0][0] == "body"


# --- opening a case ------------------------------------------------------------------------------------------

def test_open_a_case_with_json(shopper, order):
    response = post(shopper, f"{API}/cases", request_body(order, description="不想要了"))

    assert response.status_code == 201, response.content
    case = response.json()
    assert case["number"].startswith("AS20260310") and case["status"] == "requested"
    assert (case["order"], case["kind"], case["reason"], case["resolution"]) == (
        order.number, "return", "no_reason", "return_refund")
    assert case["refund_goods"] == "3299.00" and case["decision"]["allowed"] is True
    assert case["created_at"] == "2026-03-10T10:00:00+08:00"
    assert case["lines"][0]["order_line"] == order.lines.get().pk and case["lines"][0]["quantity"] == 1
    assert case["timeline"][0]["from"] == "" and case["timeline"][0]["to"] == "requested"
    assert case["description"] == "不想要了"
    stored = AfterSalesCase.objects.get(number=case["number"])
    assert stored.customer == order.customer and OutboxEvent.objects.filter(topic="case.opened").count() == 1


def test_open_a_case_with_photos_in_one_multipart_request(shopper, order):
    body = request_body(order, reason="wrong_item")
    response = shopper.post(f"{API}/cases", {"case": json.dumps(body),
                                             "evidence": [photo("a.jpg"), photo("b.png", PNG, "image/png")]})

    assert response.status_code == 201, response.content
    case = response.json()
    assert case["return_shipping_paid_by"] == "seller"
    assert [(e["kind"], e["content_type"]) for e in case["evidence"]] == [("photo", "image/jpeg"),
                                                                         ("photo", "image/png")]
    assert CaseEvidence.objects.filter(case__number=case["number"]).count() == 2
    assert len(media_files()) == 2


def test_the_case_json_may_come_as_a_file_part(shopper, order):
    body = json.dumps(request_body(order, reason="wrong_item")).encode()
    case_part = photo("case.json", body, "application/json")
    response = shopper.post(f"{API}/cases", {"case": case_part, "evidence": [photo()]})
    assert response.status_code == 201, response.content


def test_a_photo_that_is_not_an_image_writes_nothing(shopper, order):
    before = written()
    body = request_body(order, reason="wrong_item")
    response = shopper.post(f"{API}/cases", {"case": json.dumps(body),
                                             "evidence": [photo(), photo("x.jpg", b"MZ\x90\x00" + b"\x00" * 100)]})
    assert response.status_code == 422
    assert locs(response) == [["body", "evidence", 1]]
    assert written() == before and media_files() == []


def test_a_policy_refusal_is_422_and_writes_nothing(shopper, order):
    before = written()
    response = post(shopper, f"{API}/cases", request_body(order, reason="wrong_item"))  # no photo
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "evidence"], "not_allowed")
    assert written() == before


@pytest.mark.parametrize(("form", "loc"), [
    ({"evidence": [photo()]}, ["body", "case"]),
    ({"case": "{", "evidence": [photo()]}, ["body"]),
    ({"case": "{}", "note": "hi"}, ["body", "note"]),
    ({"case": "{}", "evidence": "not a file"}, ["body", "evidence"]),
    ({"case": "{}", "evidence": [photo(f"p{i}.jpg") for i in range(10)]}, ["body", "evidence"]),
])
def test_bad_multipart_is_422(shopper, order, form, loc):
    before = written()
    response = shopper.post(f"{API}/cases", form)
    assert response.status_code == 422, response.content
    assert locs(response)[0][:len(loc)] == loc
    assert written() == before


def test_only_an_agent_may_mark_a_case_urgent(shopper, order):
    before = written()
    response = post(shopper, f"{API}/cases", request_body(order, urgent=True))
    assert response.status_code == 422 and locs(response) == [["body", "urgent"]]
    assert written() == before


def test_an_agent_may_open_a_case_on_the_customers_behalf(staff_user, order):
    agent = logged_in(staff_user("aftersale_agent"))[0]
    response = post(agent, f"{API}/cases", request_body(order, kind="exchange", reason="quality_serious",
                                                          urgent=True))
    assert response.status_code == 201, response.content
    case = AfterSalesCase.objects.get(number=response.json()["number"])
    assert case.customer == order.customer and case.urgent


def test_opening_on_someone_elses_order_is_404_and_writes_nothing(order):
    stranger = logged_in(f.customer(name="李娜").user)[0]
    before = written()
    response = post(stranger, f"{API}/cases", request_body(order))
    assert response.status_code == 404 and written() == before


def test_anonymous_callers_are_401(client, order):
    assert post(client, f"{API}/cases", request_body(order)).status_code == 401
    assert post(client, f"{API}/advice", request_body(order)).status_code == 401
    assert client.get(f"{API}/cases").status_code == 401


def test_staff_who_may_not_work_cases_are_403(staff_user, order):
    warehouse = logged_in(staff_user("warehouse"))[0]
    assert post(warehouse, f"{API}/cases", request_body(order)).status_code == 403
    assert post(warehouse, f"{API}/advice", request_body(order)).status_code == 403


# --- CSRF ----------------------------------------------------------------------------------------------------

def test_a_session_write_needs_the_csrf_token(order):
    client, token = logged_in(order.customer.user, csrf=True)
    before = written()

    refused = post(client, f"{API}/cases", request_body(order))
    assert refused.status_code == 403 and written() == before

    accepted = post(client, f"{API}/cases", request_body(order), **{"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_reading_needs_no_csrf_token_and_anonymous_is_401_before_csrf(order):
    client, _token = logged_in(order.customer.user, csrf=True)
    assert client.get(f"{API}/cases").status_code == 200
    client.logout()
    assert post(client, f"{API}/cases", request_body(order)).status_code == 401


# --- reading ----------------------------------------------------------------------------------------------

def test_a_customer_lists_only_their_own_cases(shopper, order):
    mine = [cases.open_case(order, "return", "no_reason", [asked(order)])]
    second = signed_order()
    second.customer = order.customer
    second.save(update_fields=["customer"])
    mine.append(cases.open_case(second, "return", "no_reason", [asked(second)]))
    theirs = wrong_item_case()

    page = shopper.get(f"{API}/cases").json()
    assert page["count"] == 2
    assert {c["number"] for c in page["items"]} == {c.number for c in mine}
    assert theirs.number not in json.dumps(page)

    one = shopper.get(f"{API}/cases", {"limit": 1, "offset": 1}).json()
    assert (one["count"], one["limit"], one["offset"], len(one["items"])) == (2, 1, 1, 1)
    assert shopper.get(f"{API}/cases", {"order": second.number}).json()["count"] == 1
    assert shopper.get(f"{API}/cases", {"status": "approved"}).json()["count"] == 0


def test_someone_elses_case_is_404_never_403(shopper):
    theirs = wrong_item_case()
    response = shopper.get(f"{API}/cases/{theirs.number}")
    assert response.status_code == 404 and locs(response) == [["path", "number"]]
    assert shopper.get(f"{API}/cases/AS-NO-SUCH").status_code == 404


def test_the_customer_reads_the_public_view(shopper, order, staff_user):
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    agent = staff_user("aftersale_agent")
    cases.assign(case, agent, by=agent)
    cases.escalate(case, by=agent, reason="VIP")
    cases.approve(case, by=agent, reason="ok")

    body = shopper.get(f"{API}/cases/{case.number}").json()
    assert body["status"] == "awaiting_return" and body["status_label"]
    assert body["assigned_to"] is None and body["escalated"] is None and body["escalated_at"] is None
    assert [e["to"] for e in body["timeline"] if e["field"] == "status"] == ["requested", "approved",
                                                                              "awaiting_return"]
    assert {e["field"] for e in body["timeline"]} == {"status", "refund_goods", "refund_shipping"}
    assert all(e["by"] is None for e in body["timeline"])
    assert agent.username not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(("query", "loc"), [
    ({"status": "lost"}, ["query", "status"]),
    ({"limit": 0}, ["query", "limit"]),
    ({"limit": 101}, ["query", "limit"]),
    ({"offset": -1}, ["query", "offset"]),
    ({"offset": 10**30}, ["query", "offset"]),  # past a database integer
    ({"assigned": "me"}, ["query", "assigned"]),
    ({"escalated": "true"}, ["query", "escalated"]),
])
def test_bad_or_staff_only_queries_are_422(shopper, query, loc):
    response = shopper.get(f"{API}/cases", query)
    assert response.status_code == 422 and loc in locs(response)


def test_a_shop_reads_the_cases_of_its_own_orders(client, order):
    shop, token = create_integration("shop")
    order.integration = shop
    order.save(update_fields=["integration"])
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    elsewhere = wrong_item_case()

    page = client.get(f"{API}/cases", **bearer(token)).json()
    assert [c["number"] for c in page["items"]] == [case.number]
    detail = client.get(f"{API}/cases/{case.number}", **bearer(token)).json()
    assert detail["number"] == case.number and detail["assigned_to"] is None
    assert client.get(f"{API}/cases/{elsewhere.number}", **bearer(token)).status_code == 404
    _other, other_token = create_integration("other shop")
    assert client.get(f"{API}/cases/{case.number}", **bearer(other_token)).status_code == 404


def test_a_shop_token_may_not_act_on_cases(client, order):
    _shop, token = create_integration("shop")
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    before = written()
    for action in ("cancel", "approve"):
        response = client.post(f"{API}/cases/{case.number}/{action}", "{}", content_type="application/json",
                               **bearer(token))
        assert response.status_code == 401
    assert written() == before


# --- sending the parcel back, cancelling -----------------------------------------------------------------------

@pytest.fixture
def approved(order):
    return cases.approve(cases.open_case(order, "return", "no_reason", [asked(order)]))


def test_the_customer_sends_the_parcel_back(shopper, approved):
    f.carrier("sf", "顺丰速运")
    response = post(shopper, f"{API}/cases/{approved.number}/return-shipment",
                    {"carrier": "sf", "tracking_number": " sf1234567890 ", "postage": "12.00"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_transit" and body["return_postage"] == "12.00"
    assert body["return_shipment"]["carrier"] == {"code": "sf", "name": "顺丰速运"}
    assert body["return_shipment"]["tracking_number"] == "SF1234567890"


@pytest.mark.parametrize(("body", "status", "loc"), [
    ({"carrier": "nope", "tracking_number": "SF1234567890"}, 422, ["body", "carrier"]),
    ({"carrier": "jd", "tracking_number": "SF 12"}, 422, ["body", "tracking_number"]),
    ({"carrier": "jd", "tracking_number": "SF1234567890", "postage": "-3.00"}, 422, ["body", "postage"]),
    ({"carrier": "jd"}, 422, ["body", "tracking_number"]),
])
def test_bad_return_shipments_are_refused(shopper, approved, body, status, loc):
    f.carrier()
    before = written()
    response = post(shopper, f"{API}/cases/{approved.number}/return-shipment", body)
    assert response.status_code == status and loc in locs(response)
    assert written() == before


def test_a_parcel_before_approval_is_409(shopper, order):
    f.carrier()
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    before = written()
    response = post(shopper, f"{API}/cases/{case.number}/return-shipment",
                    {"carrier": "jd", "tracking_number": "JD1234567890"})
    assert response.status_code == 409 and written() == before


def test_the_customer_cancels_until_the_parcel_leaves(shopper, approved):
    response = post(shopper, f"{API}/cases/{approved.number}/cancel", {"reason": "买到了更便宜的"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("cancelled", "买到了更便宜的")

    before = written()
    again = post(shopper, f"{API}/cases/{approved.number}/cancel")
    assert again.status_code == 409 and again.json()["detail"][0]["type"] == "invalid_transition"
    assert written() == before


def test_cancel_with_an_empty_body(shopper, order):
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    assert post(shopper, f"{API}/cases/{case.number}/cancel").json()["status"] == "cancelled"


def test_someone_elses_case_cannot_be_cancelled_or_shipped(approved):
    stranger = logged_in(f.customer(name="李娜").user)[0]
    f.carrier()
    before = written()
    assert post(stranger, f"{API}/cases/{approved.number}/cancel").status_code == 404
    assert post(stranger, f"{API}/cases/{approved.number}/return-shipment",
                {"carrier": "jd", "tracking_number": "JD1234567890"}).status_code == 404
    assert written() == before


def test_a_customer_may_not_use_agent_or_warehouse_endpoints(shopper, approved):
    before = written()
    for path in ("approve", "decline", "escalate", "refund", "close", "restock", "inspection"):
        assert post(shopper, f"{API}/cases/{approved.number}/{path}", {}).status_code == 403, path
    assert post(shopper, f"{API}/warehouse/receive", {"ref": approved.number}).status_code == 403
    assert written() == before


def test_money_and_times_in_the_case_are_strings_with_two_places_and_offsets(shopper, order):
    case = cases.open_case(order, "price_protection", "price_drop", [asked(order)],
                           current_unit_price=Decimal("3000.00"))
    body = shopper.get(f"{API}/cases/{case.number}").json()
    assert (body["refund_goods"], body["refund_total"], body["current_unit_price"]) == ("299.00", "299.00",
                                                                                          "3000.00")
    assert body["created_at"].endswith("+08:00")


@pytest.mark.parametrize("csrf", [False, True])  # with CSRF enforced, the check is what reads the form first
def test_a_multipart_body_without_a_boundary_is_422_in_the_api_shape(order, csrf):
    client, token = logged_in(order.customer.user, csrf=csrf)
    before = written()
    response = client.post(f"{API}/cases", b"case=1", content_type="multipart/form-data",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 422 and locs(response) == [["body"]]
    assert written() == before
