"""Support for the after-sales API tests: calls as a client makes them, CSRF-checked sessions, and a snapshot
of everything the after-sales services write (to show that a refused request wrote nothing)."""

from __future__ import annotations

import json

from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string

from kefu.aftersales.models import (
    AfterSalesCase,
    CaseEvidence,
    CaseLine,
    CompensationCoupon,
    Inspection,
    Refund,
    ReturnShipment,
)
from kefu.commerce.models import Sku
from kefu.core.models import AuditEntry, OutboxEvent

API = "/api/v1/aftersales"


def post(client: Client, url: str, body=None, **headers):
    """POST a JSON body (None: an empty body)."""
    data = "" if body is None else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def locs(response) -> list:
    return [error["loc"] for error in response.json()["detail"]]


def logged_in(user, *, csrf: bool = False) -> tuple[Client, str]:
    """A client signed in as `user`; with csrf=True it enforces CSRF like a browser, and the returned token is
    the one its csrftoken cookie holds (send it as X-CSRFToken)."""
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    token = get_random_string(32, CSRF_ALLOWED_CHARS)
    client.cookies["csrftoken"] = token
    return client, token


def written() -> dict:
    """Everything the after-sales services write: row counts, every case's state, and stock levels."""
    counts = {model.__name__: model.objects.count() for model in (
        AfterSalesCase, CaseLine, CaseEvidence, ReturnShipment, Inspection, Refund, CompensationCoupon, AuditEntry,
        OutboxEvent)}
    cases = list(AfterSalesCase.objects.order_by("pk").values_list(
        "status", "escalated", "assigned_to", "refund_goods", "refund_shipping", "return_postage", "status_reason",
        "replacement_sent_at", "received_at", "decided_at"))
    refunds = list(Refund.objects.order_by("pk").values_list("status", "external_ref"))
    stock = list(Sku.objects.order_by("pk").values_list("stock", flat=True))
    return {"counts": counts, "cases": cases, "refunds": refunds, "stock": stock}
