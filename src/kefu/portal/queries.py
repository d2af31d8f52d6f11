"""Reads behind the order pages, each with a constant number of queries whatever the data size.

Stand-ins until kefu.commerce.selectors lands (customer_360 / find_customers / order_detail);
the views only depend on the functions below, so switching is a one-line change per view.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import pgettext_lazy

from kefu.commerce.models import Order, OrderLine, OrderStatus, Shipment, TrackingEvent

# The status filter tabs of "my orders": key -> (label, statuses or None for all).
ORDER_TABS: dict[str, tuple] = {
    "all": (pgettext_lazy("order tab", "All orders"), None),
    "awaiting_payment": (pgettext_lazy("order tab", "Awaiting payment"), [OrderStatus.PENDING_PAYMENT]),
    "awaiting_delivery": (pgettext_lazy("order tab", "Awaiting delivery"),
                          [OrderStatus.PAID, OrderStatus.SHIPPED]),
    "delivered": (pgettext_lazy("order tab", "Delivered"), [OrderStatus.DELIVERED, OrderStatus.COMPLETED]),
    "cancelled": (pgettext_lazy("order tab", "Cancelled"), [OrderStatus.CANCELLED]),
}


def customer_orders(customer, tab: str = "all") -> QuerySet[Order]:
    """A customer's orders, newest first, with seller and lines fetched in two extra queries per page."""
    qs = (
        Order.objects.filter(customer=customer)
        .select_related("seller")
        .prefetch_related("lines")
        .order_by("-placed_at", "-id")
    )
    statuses = ORDER_TABS.get(tab, ORDER_TABS["all"])[1]
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs


def tab_counts(customer) -> dict[str, int]:
    """How many orders sit under each tab, in one query."""
    aggregates = {
        key: Count("id", filter=Q(status__in=statuses)) if statuses else Count("id")
        for key, (_label, statuses) in ORDER_TABS.items()
    }
    return Order.objects.filter(customer=customer).aggregate(**aggregates)


def order_detail_queryset() -> QuerySet[Order]:
    """Everything an order page shows: 5 queries for any number of lines, payments, shipments and events."""
    timeline = Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id"),
                        to_attr="timeline")
    shipments = Prefetch("shipments",
                         queryset=Shipment.objects.select_related("carrier").prefetch_related(timeline))
    return (
        Order.objects.select_related("customer", "seller", "invoice", "invoice__qualification")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("sku")), "payments",
                          shipments)
    )


def order_for_customer(customer, number: str) -> Order:
    """The customer's own order; Order.DoesNotExist for anyone else's, so it reads as 'not found'."""
    return order_detail_queryset().get(number=number, customer=customer)


def is_late(shipment: Shipment, now: datetime, order_status: str = "") -> bool:
    """Past the promised window and still not signed for (应时配送: neither late nor early)."""
    if order_status == OrderStatus.CANCELLED or shipment.signed_at or shipment.promised_end is None:
        return False
    return now > shipment.promised_end


def mark_late(orders: Iterable[Order], now: datetime) -> None:
    """Set shipment.is_late on prefetched shipments, so templates need no clock."""
    for order in orders:
        for shipment in order.shipments.all():
            shipment.is_late = is_late(shipment, now, order.status)


def invoice_of(order: Order):
    return getattr(order, "invoice", None)  # reverse one-to-one: AttributeError subclass when absent
