"""Checks over seeded (or any) commerce data: a digest for determinism, and the house rules per order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from kefu.core.phones import is_valid_phone

from ..amounts import LineAmounts, check_amounts
from ..models import Customer, Order, Shipment

ONLINE = "online"


def digest() -> str:
    """SHA-256 over (order number, customer phone, payable, status) of every order, in number order."""
    h = hashlib.sha256()
    rows = Order.objects.order_by("number").values_list("number", "customer__phone", "payable_amount", "status")
    for number, phone, payable, status in rows.iterator(chunk_size=10_000):
        h.update(f"{number}|{phone}|{payable:.2f}|{status}\n".encode())
    return h.hexdigest()


def order_problems(order: Order) -> Iterator[str]:
    """Everything wrong with one order (lines, payments, shipments and events prefetched)."""
    lines = list(order.lines.all())
    payments = [p.amount for p in order.payments.all()]
    for p in check_amounts(
        [LineAmounts(x.quantity, x.unit_price, x.paid_amount) for x in lines],
        goods_amount=order.goods_amount,
        coupon_discount=order.coupon_discount,
        points_discount=order.points_discount,
        shipping_fee=order.shipping_fee,
        payable_amount=order.payable_amount,
        payments=payments,
    ):
        yield f"amounts: {p.field}: {p.message}"
    stamps = {
        name: getattr(order, name)
        for name in (
            "placed_at",
            "payment_deadline",
            "paid_at",
            "shipped_at",
            "signed_at",
            "completed_at",
            "cancelled_at",
        )
    }
    for name, value in stamps.items():
        if value is not None and timezone.is_naive(value):
            yield f"{name} is naive"
    online = order.payment_method == ONLINE
    hours = timedelta(hours=settings.KEFU_UNPAID_ORDER_CANCEL_HOURS)
    if online and order.payment_deadline != order.placed_at + hours:
        yield "online order's payment_deadline is not placed_at + KEFU_UNPAID_ORDER_CANCEL_HOURS"
    if not online and order.payment_deadline is not None:
        yield "pay-on-delivery order has a payment deadline"
    status = order.status
    shipments = list(order.shipments.all())
    digital = bool(lines) and all(x.sku.product.is_digital_download for x in lines)
    paid_states = {"paid", "shipped", "delivered", "completed"} if online else {"delivered", "completed"}
    if status in paid_states:
        if order.paid_at is None:
            yield f"{status} order without paid_at"
        if sum(payments) != order.payable_amount:
            yield f"{status} order's payments {sum(payments)} ≠ payable {order.payable_amount}"
    if status == "pending_payment" and (payments or order.paid_at or shipments or order.shipped_at):
        yield "pending order with a payment or a shipment"
    if order.paid_at and order.paid_at < order.placed_at:
        yield "paid before it was placed"
    if online and order.paid_at and order.paid_at > order.payment_deadline:
        yield "paid after the payment deadline"
    if status in {"shipped", "delivered", "completed"} or order.cancel_reason == "rejected_on_delivery":
        if order.shipped_at is None:
            yield f"{status} order without shipped_at"
        elif online and order.paid_at and order.shipped_at < order.paid_at:
            yield "shipped before it was paid"
        if not shipments and not digital:
            yield f"{status} order without a shipment"
    elif status in {"pending_payment", "paid"} and order.shipped_at:
        yield f"{status} order with shipped_at"
    if status in {"delivered", "completed"}:
        if order.signed_at is None or (order.shipped_at and order.signed_at < order.shipped_at):
            yield "delivered without a signed_at after shipped_at"
        if not online and (order.paid_at != order.signed_at or len(payments) != 1):
            yield "pay-on-delivery order not paid once, at signing"
    elif order.signed_at is not None:
        yield f"{status} order with signed_at"
    if (status == "completed") != (order.completed_at is not None):
        yield "completed_at does not match the status"
    if order.completed_at and order.completed_at < order.signed_at:
        yield "completed before it was signed for"
    if status == "cancelled":
        if not order.cancel_reason or order.cancelled_at is None:
            yield "cancelled without a reason and a time"
        elif order.cancelled_at < order.placed_at:
            yield "cancelled before it was placed"
        if order.cancel_reason == "unpaid_timeout" and (
            not online or order.paid_at or order.cancelled_at < order.payment_deadline
        ):
            yield "unpaid_timeout cancellation that was paid or came before the deadline"
    elif order.cancel_reason or order.cancelled_at:
        yield f"{status} order with a cancel reason or time"
    for shipment in shipments:
        for problem in shipment_problems(shipment, status):
            yield f"shipment {shipment.tracking_number}: {problem}"
        if status in {"delivered", "completed"} and shipment.signed_at != order.signed_at:
            yield "order.signed_at differs from the shipment's"
        if shipment.shipped_at != order.shipped_at:
            yield "order.shipped_at differs from the shipment's"


def shipment_problems(shipment: Shipment, order_status: str) -> Iterator[str]:
    events = sorted(shipment.events.all(), key=lambda e: (e.occurred_at, e.id))
    if shipment.promised_start and shipment.promised_end < shipment.promised_start:
        yield "promised window ends before it starts"
    if not 1 <= len(events) <= 5:
        yield f"{len(events)} tracking events"
    if events:
        last = events[-1]
        if (shipment.last_code, shipment.last_event_at, shipment.exception_kind) != (
            last.code,
            last.occurred_at,
            last.exception_kind,
        ):
            yield "cached last_code / last_event_at / exception_kind differ from the latest event"
        if events[0].occurred_at < shipment.shipped_at:
            yield "an event before the parcel was shipped"
        signed = [e.occurred_at for e in events if e.code == "signed"]
        if shipment.signed_at != (signed[0] if signed else None):
            yield "cached signed_at differs from the first signed event"
        if order_status in {"delivered", "completed"} and last.code != "signed":
            yield "a delivered order's tracking does not end with 'signed'"
        if order_status == "shipped" and signed:
            yield "a shipped order's tracking has a 'signed' event"


def problems(*, limit: int = 50, sample: int | None = None) -> list[str]:
    """Up to `limit` problems over every customer and every order (or `sample` orders picked at random)."""
    found: list[str] = []
    for customer in Customer.objects.only("phone").iterator(chunk_size=5000):
        if not is_valid_phone(customer.phone):
            found.append(f"customer {customer.pk}: invalid phone {customer.phone!r}")
    qs = Order.objects.order_by("pk")
    if sample is not None:
        qs = qs.filter(pk__in=list(Order.objects.order_by("?").values_list("pk", flat=True)[:sample]))
    qs = qs.prefetch_related(
        "lines__sku__product",
        "payments",
        Prefetch("shipments", queryset=Shipment.objects.prefetch_related("events")),
    )
    for order in qs.iterator(chunk_size=2000):
        for problem in order_problems(order):
            found.append(f"order {order.number} ({order.status}, {order.payment_method}): {problem}")
            if len(found) >= limit:
                return found
    return found
