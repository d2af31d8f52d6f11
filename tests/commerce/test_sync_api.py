"""The order sync API, called as a shop would: JSON over HTTP with a bearer token."""

import copy
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from kefu.commerce.models import (
    Carrier,
    Customer,
    EnterpriseQualification,
    Invoice,
    Order,
    OrderLine,
    Payment,
    Seller,
    Shipment,
    TrackingEvent,
)
from kefu.commerce.services.integrations import authenticate, create_integration
from kefu.core import audit, clock
from kefu.core.models import AuditEntry, OutboxEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 20, 4, 0, tzinfo=UTC)
COUNTED = [Order, OrderLine, Customer, get_user_model(), Seller, Payment, Invoice, EnterpriseQualification,
           Shipment, TrackingEvent, Carrier, AuditEntry, OutboxEvent]


# --- helpers ------------------------------------------------------------------------------------

@pytest.fixture
def shop(roles):
    clock.freeze(NOW)
    integration, token = create_integration("shop")
    return integration, token


@pytest.fixture
def skus():
    laptop = f.sku(price="3299.00", name="笔记本电脑")
    cable = f.sku(price="49.50", name="数据线")
    return laptop, cable


def order_payload(skus, status="pending_payment", **changes):
    """A consistent order: 3299 + 2 × 49.50 = 3398.00, −100 coupon, −5 points, +10 shipping = 3303.00."""
    laptop, cable = skus
    body = {
        "number": "SHOP-1001",
        "status": "pending_payment",
        "payment_method": "online",
        "placed_at": "2026-06-18T10:00:00+08:00",
        "customer": {"phone": "+86 138-1234-5678", "name": "李娜", "email": "lina@example.com"},
        "seller": {"code": "jd-self", "name": "京东自营", "kind": "self_operated"},
        "recipient_name": "李娜",
        "recipient_phone": "13812345678",
        "shipping_address": "北京市朝阳区建国路1号",
        "buyer_note": "请放门口",
        "goods_amount": "3398.00",
        "coupon_discount": "100.00",
        "points_used": 500,
        "points_discount": "5.00",
        "shipping_fee": "10.00",
        "payable_amount": "3303.00",
        "lines": [
            {"sku": laptop.code, "quantity": 1, "unit_price": "3299.00", "paid_amount": "3194.00"},
            {"sku": cable.code, "quantity": 2, "unit_price": "49.50", "paid_amount": "99.00"},
        ],
        "invoice": {"kind": "ordinary", "title": "个人"},
    }
    if status in {"paid", "shipped", "delivered", "completed"}:
        body["paid_at"] = "2026-06-18T10:05:00+08:00"
        body["payments"] = [{"channel": "alipay", "amount": "3303.00", "paid_at": "2026-06-18T10:05:00+08:00",
                             "transaction_id": "ALI-0001"}]
    if status in {"shipped", "delivered", "completed"}:
        body["shipped_at"] = "2026-06-18T18:00:00+08:00"
        body["shipments"] = [{
            "carrier": {"code": "jd", "name": "京东物流"},
            "tracking_number": "JD0001",
            "shipped_at": "2026-06-18T18:00:00+08:00",
            "promised_start": "2026-06-19T09:00:00+08:00",
            "promised_end": "2026-06-19T21:00:00+08:00",
            "events": [
                {"occurred_at": "2026-06-18T18:30:00+08:00", "place": "北京亚一仓", "code": "picked_up"},
                {"occurred_at": "2026-06-19T08:00:00+08:00", "place": "朝阳站", "code": "out_for_delivery"},
            ],
        }]
    if status in {"delivered", "completed"}:
        body["signed_at"] = "2026-06-19T11:00:00+08:00"
        body["shipments"][0]["events"].append(
            {"occurred_at": "2026-06-19T11:00:00+08:00", "place": "朝阳站", "code": "signed",
             "description": "本人签收"})
    if status == "completed":
        body["completed_at"] = "2026-06-26T11:00:00+08:00"
    body["status"] = status
    body.update(changes)
    return body


def put(client, token, payload, external_id="ext-1001"):
    return client.put(f"/api/v1/sync/orders/{external_id}", payload, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token}")


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def locs(response):
    return [tuple(error["loc"]) for error in response.json()["detail"]]


def status_trail(order):
    return [(e.old_value, e.new_value) for e in audit.history(order) if e.field == "status"]


# --- create, replay, walk -------------------------------------------------------------------------

def test_create_returns_201_and_the_full_order(client, shop, skus):
    _, token = shop
    response = put(client, token, order_payload(skus, "delivered"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "SHOP-1001" and body["external_id"] == "ext-1001"
    assert body["status"] == "delivered"
    assert (body["goods_amount"], body["payable_amount"], body["points_used"]) == ("3398.00", "3303.00", 500)
    assert body["customer"]["phone"] == "13812345678"  # normalised; integrations see it whole
    assert [(li["quantity"], li["paid_amount"], li["unit_paid"]) for li in body["lines"]] == [
        (1, "3194.00", "3194.00"), (2, "99.00", "49.50")]
    assert body["payments"][0]["transaction_id"] == "ALI-0001"
    assert body["invoice"] == {"kind": "ordinary", "title": "个人", "amount": "3303.00", "company_name": None,
                               "taxpayer_id": None}
    shipment = body["shipments"][0]
    assert shipment["last_code"] == "signed"
    assert [e["code"] for e in shipment["events"]] == ["picked_up", "out_for_delivery", "signed"]
    assert body["signed_at"] == "2026-06-19T11:00:00+08:00"

    order = Order.objects.get(number="SHOP-1001")
    assert order.integration == shop[0] and order.customer.phone == "13812345678"
    assert order.customer.user.has_usable_password() is False
    assert Seller.objects.get(code="jd-self").kind == "self_operated"


def test_replaying_a_payload_changes_nothing(client, shop, skus):
    _, token = shop
    payload = order_payload(skus, "delivered")
    first = put(client, token, payload)
    assert first.status_code == 201
    before = counts()

    replies = [put(client, token, copy.deepcopy(payload)) for _ in range(3)]

    assert [r.status_code for r in replies] == [200, 200, 200]
    assert all(r.json() == first.json() for r in replies)
    assert counts() == before


def test_one_payload_walks_every_step_with_an_audit_entry_each(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "delivered"))

    order = Order.objects.get(number="SHOP-1001")
    assert status_trail(order) == [("pending_payment", "paid"), ("paid", "shipped"), ("shipped", "delivered")]
    assert {e.actor_label for e in audit.history(order)} == {"sync:shop"}
    topics = list(OutboxEvent.objects.values_list("topic", flat=True))
    assert topics.count("order.status_changed") == 3 and topics.count("shipment.tracking_event_added") == 3
    assert (order.paid_at, order.shipped_at, order.signed_at) == (
        datetime(2026, 6, 18, 2, 5, tzinfo=UTC), datetime(2026, 6, 18, 10, 0, tzinfo=UTC),
        datetime(2026, 6, 19, 3, 0, tzinfo=UTC))


def test_later_payloads_walk_on_from_where_the_order_is(client, shop, skus):
    _, token = shop
    assert put(client, token, order_payload(skus)).status_code == 201
    assert put(client, token, order_payload(skus, "paid")).status_code == 200
    assert put(client, token, order_payload(skus, "completed")).status_code == 200

    order = Order.objects.get(number="SHOP-1001")
    assert status_trail(order) == [("pending_payment", "paid"), ("paid", "shipped"), ("shipped", "delivered"),
                                   ("delivered", "completed")]
    assert Payment.objects.count() == 1


def test_cash_on_delivery_has_no_paid_step(client, shop, skus):
    _, token = shop
    payload = order_payload(skus, "delivered", payment_method="cod")
    payload.pop("paid_at")
    payload["payments"][0].update(channel="cash", paid_at="2026-06-19T11:00:00+08:00")
    assert put(client, token, payload).status_code == 201
    assert status_trail(Order.objects.get()) == [("pending_payment", "shipped"), ("shipped", "delivered")]


def test_backwards_status_is_409_and_writes_nothing(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "delivered"))
    before = counts()

    response = put(client, token, order_payload(skus, "paid"))

    assert response.status_code == 409
    assert locs(response) == [("body", "status")]
    assert counts() == before and Order.objects.get().status == "delivered"


def test_cancelled_order_cannot_be_revived(client, shop, skus):
    _, token = shop
    cancelled = order_payload(skus, "cancelled", cancel_reason="customer_request",
                              cancelled_at="2026-06-18T11:00:00+08:00")
    assert put(client, token, cancelled).status_code == 201
    assert Order.objects.get().cancel_reason == "customer_request"
    assert put(client, token, cancelled).status_code == 200
    response = put(client, token, order_payload(skus, "paid"))
    assert response.status_code == 409 and locs(response) == [("body", "status")]


def test_signed_event_and_a_shop_still_saying_shipped_do_not_fight(client, shop, skus):
    _, token = shop
    payload = order_payload(skus, "shipped")
    payload["shipments"][0]["events"].append(
        {"occurred_at": "2026-06-19T11:00:00+08:00", "place": "朝阳站", "code": "signed"})

    assert put(client, token, payload).status_code == 201
    order = Order.objects.get()
    assert order.status == "delivered"  # the carrier's signed event delivered it
    before = counts()
    again = put(client, token, payload)
    assert again.status_code == 200 and again.json()["status"] == "delivered"
    assert counts() == before


def test_lines_and_amounts_change_only_while_awaiting_payment(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus))
    cheaper = order_payload(skus, coupon_discount="200.00", payable_amount="3203.00")
    cheaper["lines"][0]["paid_amount"] = "3094.00"

    assert put(client, token, cheaper).status_code == 200
    order = Order.objects.get()
    assert order.payable_amount == order.invoice.amount == Decimal("3203.00")
    money = [(e.field, e.old_value, e.new_value) for e in audit.history(order) if e.kind == "money"]
    assert ("payable_amount", "3303.00", "3203.00") in money

    paid = copy.deepcopy(cheaper) | {"status": "paid", "paid_at": "2026-06-18T10:05:00+08:00"}
    assert put(client, token, paid).status_code == 200
    before = counts()
    # Three cables instead of two, still adding up: 3299 + 148.50 − 205 = 3242.50 (+10 shipping).
    more = copy.deepcopy(paid) | {"goods_amount": "3447.50", "payable_amount": "3252.50"}
    more["lines"][1] |= {"quantity": 3, "paid_amount": "148.50"}
    response = put(client, token, more)
    assert response.status_code == 409 and locs(response) == [("body", "lines")]
    assert counts() == before


def test_payments_upsert_by_transaction_id(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "paid"))
    other = order_payload(skus, "paid", number="SHOP-2002")
    response = put(client, token, other, external_id="ext-2002")
    assert response.status_code == 409
    assert locs(response) == [("body", "payments", 0, "transaction_id")]
    assert Order.objects.count() == 1


def test_vat_invoice_with_all_four_documents(client, shop, skus):
    _, token = shop
    qualification = {
        "company_name": "北京某某科技有限公司", "taxpayer_id": "91110108MA01ABCDEF",
        "registered_address": "北京市海淀区", "registered_phone": "010-88886666", "bank_name": "工商银行",
        "bank_account": "0200001234567890", "general_taxpayer_certificate": "GT-1",
        "business_licence": "BL-1",
        "tax_registration_certificate": "TR-1", "bank_account_permit": "BP-1",
    }
    payload = order_payload(skus, invoice={"kind": "vat", "title": "北京某某科技有限公司",
                                           "qualification": qualification})
    response = put(client, token, payload)
    assert response.status_code == 201
    assert response.json()["invoice"]["taxpayer_id"] == "91110108MA01ABCDEF"
    assert put(client, token, payload).status_code == 200
    assert EnterpriseQualification.objects.count() == 1


# --- bad input: right status, the field named, nothing written ---------------------------------

def _drop_documents(payload):
    payload["invoice"] = {"kind": "vat", "title": "某公司", "qualification": {
        "company_name": "某公司", "taxpayer_id": "91110108MA01ABCDEF", "registered_address": "北京",
        "registered_phone": "010-1", "bank_name": "工行", "bank_account": "1", "business_licence": "BL-1"}}


def _set(path, value):
    def change(payload):
        *parents, last = path
        node = payload
        for key in parents:
            node = node[key]
        node[last] = value
    return change


BAD_INPUT = {
    "naive placed_at": (_set(["placed_at"], "2026-06-18T10:00:00"), 422, ("body", "placed_at")),
    "naive payment time": (_set(["payments", 0, "paid_at"], "2026-06-18T10:05:00"), 422,
                           ("body", "payments", 0, "paid_at")),
    "naive event time": (_set(["shipments", 0, "events", 0, "occurred_at"], "2026-06-18 18:30"), 422,
                         ("body", "shipments", 0, "events", 0, "occurred_at")),
    "float money": (_set(["goods_amount"], 3398.0), 422, ("body", "goods_amount")),
    "three decimals": (_set(["lines", 0, "unit_price"], "3299.001"), 422, ("body", "lines", 0, "unit_price")),
    "negative": (_set(["shipping_fee"], "-10.00"), 422, ("body", "shipping_fee")),
    "goods do not add up": (_set(["goods_amount"], "3399.00"), 422, ("body", "goods_amount")),
    "payable does not add up": (_set(["payable_amount"], "3300.00"), 422, ("body", "payable_amount")),
    "line paid more than it costs": (_set(["lines", 1, "paid_amount"], "100.00"), 422,
                                     ("body", "lines", 1, "paid_amount")),
    "payments do not add up": (_set(["payments", 0, "amount"], "3000.00"), 422, ("body", "payments")),
    "unknown sku": (_set(["lines", 1, "sku"], "NO-SUCH-SKU"), 422, ("body", "lines", 1, "sku")),
    "zero quantity": (_set(["lines", 0, "quantity"], 0), 422, ("body", "lines", 0, "quantity")),
    "no lines": (_set(["lines"], []), 422, ("body", "lines")),
    "bad customer phone": (_set(["customer", "phone"], "12345"), 422, ("body", "customer", "phone")),
    "bad recipient phone": (_set(["recipient_phone"], "010-12345678"), 422, ("body", "recipient_phone")),
    "unknown status": (_set(["status"], "lost"), 422, ("body", "status")),
    "unknown payment method": (_set(["payment_method"], "credit"), 422, ("body", "payment_method")),
    "unknown tracking code": (_set(["shipments", 0, "events", 0, "code"], "teleported"), 422,
                              ("body", "shipments", 0, "events", 0, "code")),
    "exception without kind": (_set(["shipments", 0, "events", 0, "code"], "exception"), 422,
                               ("body", "shipments", 0, "events", 0, "exception_kind")),
    "promise window backwards": (_set(["shipments", 0, "promised_end"], "2026-06-19T08:00:00+08:00"), 422,
                                 ("body", "shipments", 0, "promised_end")),
    "shipped without shipped_at": (_set(["shipped_at"], None), 422, ("body", "shipped_at")),
    "vat without documents": (_drop_documents, 422,
                              ("body", "invoice", "qualification", "bank_account_permit")),
    "vat without qualification": (_set(["invoice"], {"kind": "vat", "title": "某公司"}), 422,
                                  ("body", "invoice", "qualification")),
    "misspelt field": (_set(["shiping_fee"], "10.00"), 422, ("body", "shiping_fee")),
    "missing number": (lambda p: p.pop("number"), 422, ("body", "number")),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_naming_the_field(client, shop, skus, case):
    _, token = shop
    change, status, loc = BAD_INPUT[case]
    payload = order_payload(skus, "shipped")
    change(payload)
    before = counts()

    response = put(client, token, payload)

    assert response.status_code == status, response.content
    assert loc in locs(response), response.json()
    assert all(error["msg"] for error in response.json()["detail"])
    assert counts() == before


def test_naive_datetime_message(client, shop, skus):
    response = put(client, shop[1], order_payload(skus, placed_at="2026-06-18T10:00:00"))
    assert response.json()["detail"][0] == {
        "loc": ["body", "placed_at"], "type": "timezone_required",
        "msg": "must include a timezone offset, e.g. 2025-06-18T10:00:00+08:00"}


def test_vat_invoice_names_every_missing_document(client, shop, skus):
    payload = order_payload(skus)
    _drop_documents(payload)
    response = put(client, shop[1], payload)
    assert response.status_code == 422
    assert set(locs(response)) == {("body", "invoice", "qualification", name) for name in (
        "general_taxpayer_certificate", "tax_registration_certificate", "bank_account_permit")}


def test_cancel_needs_a_reason(client, shop, skus):
    payload = order_payload(skus, "cancelled", cancelled_at="2026-06-18T11:00:00+08:00")
    response = put(client, shop[1], payload)
    assert response.status_code == 422 and locs(response) == [("body", "cancel_reason")]
    assert Order.objects.count() == 0


def test_number_used_by_another_external_id_is_409(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus))
    before = counts()
    response = put(client, token, order_payload(skus), external_id="ext-other")
    assert response.status_code == 409 and locs(response) == [("body", "number")]
    assert counts() == before


def test_body_that_is_not_json(client, shop):
    response = client.put("/api/v1/sync/orders/x", "{not json", content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {shop[1]}")
    assert response.status_code == 422 and locs(response)[0][0] == "body"


# --- authentication -----------------------------------------------------------------------------

def test_sync_needs_a_valid_active_token(client, shop, skus, staff_user):
    integration, token = shop
    payload = order_payload(skus)
    assert client.put("/api/v1/sync/orders/x", payload, content_type="application/json").status_code == 401
    assert put(client, "kefu_wrong", payload).status_code == 401
    client.force_login(staff_user("supervisor"))
    assert client.put("/api/v1/sync/orders/x", payload, content_type="application/json").status_code == 401
    integration.is_active = False
    integration.save()
    assert put(client, token, payload).status_code == 401
    assert Order.objects.count() == 0


def test_create_integration_prints_a_working_token(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_integration", "京东商城", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("kefu_") and "shown only this once" in err.getvalue()
    assert authenticate(token).name == "京东商城"


# --- tracking events endpoint ---------------------------------------------------------------------

def events_url(carrier="jd", tracking="JD0001"):
    return f"/api/v1/sync/shipments/{carrier}/{tracking}/events"


def test_tracking_events_append_idempotently_and_deliver(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "shipped"))
    events = [{"occurred_at": "2026-06-19T09:30:00+08:00", "place": "朝阳站", "code": "exception",
               "exception_kind": "delayed", "description": "暴雨"},
              {"occurred_at": "2026-06-19T15:00:00+08:00", "place": "朝阳站", "code": "signed"}]

    first = client.post(events_url(), events, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token}")
    assert first.status_code == 200, first.content
    assert [e["code"] for e in first.json()] == ["picked_up", "out_for_delivery", "exception", "signed"]
    assert Order.objects.get().status == "delivered"
    before = counts()
    again = client.post(events_url(), events, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.json() == first.json() and counts() == before


def test_tracking_events_for_unknown_or_foreign_shipments_are_404(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "shipped"))
    _, other_token = create_integration("other shop")
    event = [{"occurred_at": "2026-06-19T09:30:00+08:00", "place": "朝阳站", "code": "in_transit"}]
    for url, tok in [(events_url(tracking="NOPE"), token), (events_url(carrier="sf"), token),
                     (events_url(), other_token)]:
        response = client.post(url, event, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {tok}")
        assert response.status_code == 404
    assert TrackingEvent.objects.count() == 2


def test_tracking_event_errors_name_the_event(client, shop, skus):
    _, token = shop
    put(client, token, order_payload(skus, "shipped"))
    bad = [{"occurred_at": "2026-06-19T09:30:00+08:00", "place": "朝阳站", "code": "in_transit"},
           {"occurred_at": "2026-06-19T10:30:00", "place": "朝阳站", "code": "in_transit"}]
    response = client.post(events_url(), bad, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and locs(response) == [("body", 1, "occurred_at")]
    assert TrackingEvent.objects.count() == 2


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    for path in ["/api/v1/sync/orders/{external_id}",
                 "/api/v1/sync/shipments/{carrier_code}/{tracking_number}/events",
                 "/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/orders/{number}"]:
        assert path in schema["paths"]
    body = schema["paths"]["/api/v1/sync/orders/{external_id}"]["put"]["requestBody"]
    assert "lines" in body["content"]["application/json"]["schema"]["properties"]


def test_external_id_longer_than_64_is_refused(client, shop, skus):
    response = put(client, shop[1], order_payload(skus), external_id="x" * 65)
    assert response.status_code == 422 and locs(response) == [("path", "external_id")]
