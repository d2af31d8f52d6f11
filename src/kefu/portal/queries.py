"""The 'my orders' tabs. Order detail reads come from kefu.commerce.selectors."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import pgettext_lazy

from kefu.commerce.models import Order, OrderStatus

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
