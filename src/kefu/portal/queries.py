"""The 'my orders' tabs and the customer's after-sales reads. Order detail reads come from kefu.commerce.selectors."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import pgettext_lazy

from kefu.aftersales.models import AfterSalesCase, CaseEvidence, CaseLine
from kefu.aftersales.services.opening import NOT_YET_PAID, units_held
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


# ---- after-sales ---------------------------------------------------------------------------------------

def free_units(order: Order) -> dict[int, int]:
    """Units per order line the buyer may still ask about: bought minus those under another case
    (the rule of opening.units_held). Empty for an order that is not paid yet or was cancelled."""
    if order.status in NOT_YET_PAID:
        return {}
    held = units_held(order)
    return {line.pk: max(line.quantity - held.get(line.pk, 0), 0) for line in order.lines.all()}


def may_apply(order: Order) -> bool:
    return any(free_units(order).values())


def order_cases(order: Order, customer) -> QuerySet[AfterSalesCase]:
    return AfterSalesCase.objects.filter(order=order, customer=customer).order_by("-created_at", "-id")


def customer_cases(customer) -> QuerySet[AfterSalesCase]:
    """A customer's cases, newest first, with the order and the items asked about (two extra queries a page)."""
    return (AfterSalesCase.objects.filter(customer=customer).select_related("order")
            .prefetch_related(Prefetch("lines", queryset=CaseLine.objects.select_related("order_line")))
            .order_by("-created_at", "-id"))


def own_case(customer, number: str) -> AfterSalesCase | None:
    """One of the customer's cases with everything its page shows, or None (a stranger's reads as none)."""
    return (AfterSalesCase.objects.filter(customer=customer, number=number)
            .select_related("order__seller", "return_shipment__carrier", "inspection")
            .prefetch_related(Prefetch("lines", queryset=CaseLine.objects.select_related("order_line__sku")),
                              Prefetch("evidence", queryset=CaseEvidence.objects.filter(kind=CaseEvidence.Kind.PHOTO)),
                              "refunds", "coupons")
            .first())
