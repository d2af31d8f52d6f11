"""Refunds reach the payment side through the outbox, and its answers come back through the API.

The webhook gateway is tested against a real HTTP server on 127.0.0.1 (a random port): the signature,
the payload, a 500 and a dead server that leave the refund pending for the outbox to retry with backoff,
and a retry that succeeds once and is never sent again."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kefu.aftersales import payments
from kefu.aftersales.models import Refund
from kefu.aftersales.services import cases, refunds
from kefu.commerce.services.integrations import create_integration
from kefu.core import clock, outbox
from kefu.core.models import AuditEntry, OutboxDelivery, OutboxEvent
from tests.aftersales.api_support import bearer, locs, logged_in, post, written
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]

SECRET = "whsec-test-网关"
SUBSCRIBER = "kefu.aftersales.subscribers.hand_refund_to_payment_side"
PAYMENTS = "/api/v1/payments/refunds"


# --- a payment side on a real socket -----------------------------------------------------------------------

class PaymentSide:
    """What the payment provider received, and how it answers next (status, body, delay in seconds)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, bytes, float]] = []

    def answer(self, status: int, body: dict | None = None, delay: float = 0.0) -> None:
        self.answers.append((status, json.dumps(body or {}).encode(), delay))


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        side: PaymentSide = self.server.side
        body = self.rfile.read(int(self.headers["Content-Length"]))
        side.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, answer, delay = side.answers.pop(0) if side.answers else (200, b'{"external_ref": "PSP-1"}', 0)
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def psp(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.side = PaymentSide()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.KEFU_PAYMENT_GATEWAY = "webhook"
    settings.KEFU_PAYMENT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/kefu/refunds"
    settings.KEFU_PAYMENT_WEBHOOK_SECRET = SECRET
    settings.KEFU_PAYMENT_WEBHOOK_TIMEOUT = 2
    yield server.side
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def missing_item_refunds(lines=(("100.00", 1),), index=0):
    """An approved missing-item case whose refund has been issued: the ledger rows, still pending."""
    order = signed_order(lines=lines, shipping_fee="10.00")
    case = cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order, index=index)], [photo()]))
    return refunds.issue_refund(case)


def one_refund() -> Refund:
    """One goods refund of ¥50.00: the second of two lines never arrived (no shipping refund then)."""
    [refund] = missing_item_refunds(lines=(("100.00", 1), ("50.00", 1)), index=1)
    return refund


def refund_event(refund: Refund) -> OutboxEvent:
    return OutboxEvent.objects.get(topic="refund.requested", payload__refund_id=refund.pk)


def delivered(refund: Refund) -> bool:
    return OutboxDelivery.objects.filter(event=refund_event(refund), subscriber=SUBSCRIBER).exists()


# --- the simulated gateway (the default) --------------------------------------------------------------------

def test_simulated_gateway_confirms_at_once_and_the_case_closes():
    goods, shipping = missing_item_refunds()
    outbox.dispatch_pending()

    for refund in (goods, shipping):
        refund.refresh_from_db()
        assert refund.status == "confirmed" and refund.external_ref.startswith("SIM")
    assert goods.external_ref != shipping.external_ref
    assert goods.case.__class__.objects.get(pk=goods.case_id).status == "closed"
    actors = set(AuditEntry.objects.filter(object_repr=str(goods), field="status").values_list("actor_label",
                                                                                                  flat=True))
    assert actors == {"system", "payment:simulated"}
    assert delivered(goods) and delivered(shipping)


def test_points_are_credited_by_kefu_whatever_the_gateway(psp):
    order = signed_order(lines=(("100.00", 1),))
    case = cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order)], [photo()]))
    grant = refunds.grant_points(case, Decimal("3.00"))
    outbox.dispatch_pending()

    grant.refresh_from_db()
    assert (grant.status, grant.external_ref) == ("confirmed", "points:300")
    assert psp.received == []


def test_a_refund_answered_before_the_outbox_gets_to_it_is_not_sent(psp):
    refund = one_refund()
    refunds.mark_refund_failed(refund, reason="card closed", by="agent")
    outbox.dispatch_pending()
    assert psp.received == [] and delivered(refund)
    refund.refresh_from_db()
    assert refund.status == "failed"


# --- the webhook gateway ---------------------------------------------------------------------------------------

def test_webhook_posts_the_refund_signed_and_marks_it_sent(psp):
    refund = one_refund()
    outbox.dispatch_pending()

    [call] = psp.received
    headers, body = call["headers"], call["body"]
    assert call["path"] == "/kefu/refunds" and headers["Content-Type"] == "application/json"
    expected = hmac.new(SECRET.encode(), headers["X-Kefu-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Kefu-Signature"] == f"sha256={expected.hexdigest()}"
    assert int(headers["X-Kefu-Timestamp"]) == int(clock.now().timestamp())
    message = json.loads(body)
    assert headers["Idempotency-Key"] == message["idempotency_key"] == refund.idempotency_key
    assert (message["amount"], message["currency"], message["kind"], message["method"]) == (
        "50.00", "CNY", "goods", "original_payment")
    assert (message["order"], message["case"]) == (refund.order.number, refund.case.number)
    payment = refund.order.payments.get()
    assert message["payments"] == [{"channel": "alipay", "transaction_id": payment.transaction_id,
                                     "amount": f"{payment.amount:.2f}"}]
    assert message["answer_path"] == f"/api/v1/payments/refunds/{refund.idempotency_key}"
    assert message["requested_at"] == "2026-03-10T10:00:00+08:00"

    refund.refresh_from_db()
    assert (refund.status, refund.external_ref) == ("sent", "PSP-1")  # the answer comes later, by the API
    assert delivered(refund)


def test_a_tampered_body_does_not_verify(psp):
    one_refund()
    outbox.dispatch_pending()
    [call] = psp.received
    timestamp = call["headers"]["X-Kefu-Timestamp"]
    tampered = call["body"].replace(b'"50.00"', b'"5000.00"')
    assert payments.signature(SECRET, timestamp, tampered) != call["headers"]["X-Kefu-Signature"]
    assert payments.signature(SECRET, timestamp, call["body"]) == call["headers"]["X-Kefu-Signature"]


def test_a_500_leaves_the_refund_pending_and_the_retry_sends_it_once(psp):
    psp.answer(500, {"error": "busy"})
    refund = one_refund()
    outbox.dispatch_pending()

    refund.refresh_from_db()
    assert refund.status == "pending" and not delivered(refund)
    event = refund_event(refund)
    assert (event.attempts, event.dispatched_at) == (1, None) and "500" in event.last_error
    assert len(psp.received) == 1

    outbox.dispatch_pending()  # not yet due: the outbox backs off
    assert len(psp.received) == 1

    clock.advance(timedelta(seconds=6))
    outbox.dispatch_pending()
    refund.refresh_from_db()
    assert refund.status == "sent" and delivered(refund)
    assert [c["headers"]["Idempotency-Key"] for c in psp.received] == [refund.idempotency_key] * 2

    clock.advance(timedelta(hours=2))
    outbox.dispatch_pending()
    assert len(psp.received) == 2  # delivered: never sent again
    assert refund_event(refund).dispatched_at is not None


def test_an_unreachable_payment_side_is_retried(psp, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    settings.KEFU_PAYMENT_WEBHOOK_URL = f"http://127.0.0.1:{dead}/refunds"
    refund = one_refund()
    outbox.dispatch_pending()

    refund.refresh_from_db()
    event = refund_event(refund)
    assert refund.status == "pending" and event.attempts == 1 and "could not be reached" in event.last_error


def test_a_slow_payment_side_times_out_and_is_retried(psp, settings):
    settings.KEFU_PAYMENT_WEBHOOK_TIMEOUT = 0.2
    psp.answer(200, {"external_ref": "late"}, delay=1.0)
    refund = one_refund()
    outbox.dispatch_pending()

    refund.refresh_from_db()
    assert refund.status == "pending" and refund_event(refund).attempts == 1


def test_a_2xx_without_a_reference_still_marks_the_refund_sent(psp):
    psp.answer(202)
    refund = one_refund()
    outbox.dispatch_pending()
    refund.refresh_from_db()
    assert (refund.status, refund.external_ref) == ("sent", "")


# --- configuration -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("gateway", "url", "secret", "errors"), [
    ("simulated", "", "", 0),
    ("webhook", "https://psp.example/refunds", "s", 0),
    ("webhook", "", "s", 1),
    ("webhook", "https://psp.example/refunds", "", 1),
    ("paypal", "", "", 1),
])
def test_the_gateway_settings_are_checked_at_start(settings, gateway, url, secret, errors):
    settings.KEFU_PAYMENT_GATEWAY = gateway
    settings.KEFU_PAYMENT_WEBHOOK_URL = url
    settings.KEFU_PAYMENT_WEBHOOK_SECRET = secret
    found = payments.check_payment_settings()
    assert len(found) == errors
    assert all(error.id == "kefu.aftersales.E001" for error in found)


# --- the payment side's answer through the API -------------------------------------------------------------------

@pytest.fixture
def psp_token(settings):
    """The payment provider's own integration, allowed to answer any refund."""
    settings.KEFU_PAYMENT_INTEGRATIONS = ["alipay-psp"]
    return create_integration("alipay-psp")[1]


def answer(client, refund_or_key, token, body):
    key = refund_or_key if isinstance(refund_or_key, str) else refund_or_key.idempotency_key
    return client.post(f"{PAYMENTS}/{key}", json.dumps(body), content_type="application/json", **bearer(token))


def status_trail(refund: Refund) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(object_repr=str(refund), field="status").order_by("id")
                .values_list("old_value", "new_value"))


def test_sent_then_confirmed_and_replays_change_nothing(client, psp_token):
    refund = one_refund()
    response = answer(client, refund, psp_token, {"status": "sent", "external_ref": "ALI-778"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["external_ref"], body["amount"]) == ("sent", "ALI-778", "50.00")
    assert body["sent_at"] == "2026-03-10T10:00:00+08:00"

    before = written()
    assert answer(client, refund, psp_token, {"status": "sent", "external_ref": "ALI-778"}).status_code == 200
    assert written() == before

    assert answer(client, refund, psp_token, {"status": "confirmed"}).json()["status"] == "confirmed"
    before = written()
    assert answer(client, refund, psp_token, {"status": "confirmed"}).status_code == 200
    late = answer(client, refund, psp_token, {"status": "sent"})  # deliveries crossed: stale, not contrary
    assert late.status_code == 200 and late.json()["status"] == "confirmed"
    assert written() == before
    audited = AuditEntry.objects.filter(object_repr=str(refund), field="status", new_value="confirmed").get()
    assert audited.actor_label == "payment:alipay-psp"


def test_confirmed_straight_from_pending_records_both_steps_and_closes_the_case(client, psp_token):
    refund = one_refund()
    answer(client, refund, psp_token, {"status": "confirmed", "external_ref": "ALI-9"})
    refund.refresh_from_db()
    assert (refund.status, refund.external_ref) == ("confirmed", "ALI-9")
    assert status_trail(refund) == [("", "pending"), ("pending", "sent"), ("sent", "confirmed")]
    assert refund.case.__class__.objects.get(pk=refund.case_id).status == "closed"


@pytest.mark.parametrize(("first", "then"), [("failed", "confirmed"), ("failed", "sent"), ("confirmed", "failed")])
def test_a_contradictory_answer_is_409_and_changes_nothing(client, psp_token, first, then):
    refund = one_refund()
    answer(client, refund, psp_token, {"status": first, "reason": "银行卡已注销"})
    before = written()
    response = answer(client, refund, psp_token, {"status": then, "reason": "x"})
    assert response.status_code == 409
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "status"] and error["type"] == "contradicts_earlier_answer"
    assert f"already reported {first}" in error["msg"]
    assert written() == before


def test_a_failed_refund_is_asked_for_again_under_a_new_key(client, psp_token, staff_user):
    refund = one_refund()
    failed = answer(client, refund, psp_token, {"status": "failed", "reason": "银行卡已注销"}).json()
    assert (failed["status"], failed["failure_reason"]) == ("failed", "银行卡已注销")

    agent = logged_in(staff_user("aftersale_agent"))[0]
    case = post(agent, f"/api/v1/aftersales/cases/{refund.case.number}/refund").json()
    keys = [(r["idempotency_key"], r["status"]) for r in case["refunds"]]
    assert keys == [(refund.idempotency_key, "failed"), (f"{refund.idempotency_key}:retry1", "pending")]


@pytest.mark.parametrize(("body", "loc"), [
    ({"status": "failed"}, ["body", "reason"]),
    ({"status": "failed", "reason": ""}, ["body", "reason"]),
    ({"status": "refunded"}, ["body", "status"]),
    ({}, ["body", "status"]),
    ({"status": "sent", "external_ref": "x" * 65}, ["body", "external_ref"]),
    ({"status": "sent", "amount": "1.00"}, ["body", "amount"]),
])
def test_bad_answers_are_422(client, psp_token, body, loc):
    refund = one_refund()
    before = written()
    response = answer(client, refund, psp_token, body)
    assert response.status_code == 422 and loc in locs(response)
    assert written() == before


def test_unknown_keys_and_other_shops_refunds_are_404(client, psp_token):
    refund = one_refund()
    response = answer(client, "case:AS0:goods", psp_token, {"status": "sent"})
    assert response.status_code == 404 and locs(response) == [["path", "idempotency_key"]]
    _shop, other_shop = create_integration("another shop")
    before = written()
    assert answer(client, refund, other_shop, {"status": "sent"}).status_code == 404
    assert written() == before


def test_the_shop_whose_order_it_is_may_answer(client, settings):
    settings.KEFU_PAYMENT_INTEGRATIONS = []
    refund = one_refund()
    shop, token = create_integration("the shop")
    refund.order.integration = shop
    refund.order.save(update_fields=["integration"])
    assert answer(client, refund, token, {"status": "sent"}).json()["status"] == "sent"


def test_only_an_integration_token_may_answer(client, psp_token, staff_user):
    refund = one_refund()
    before = written()
    assert answer(client, refund, "kefu_wrong", {"status": "sent"}).status_code == 401
    assert client.post(f"{PAYMENTS}/{refund.idempotency_key}", "{}", content_type="application/json").status_code \
        == 401
    agent = logged_in(staff_user("supervisor"))[0]
    assert post(agent, f"{PAYMENTS}/{refund.idempotency_key}", {"status": "sent"}).status_code == 401
    assert written() == before
