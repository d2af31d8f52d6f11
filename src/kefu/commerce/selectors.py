"""Reads for the agents' tools, the workbench and the read API.

Each selector runs a fixed number of SQL queries, however many orders, lines, shipments or tracking
events a customer has (tests/commerce/test_selectors.py proves it). Results are evaluated lists of
model instances whose relations are already loaded: iterate `.all()` on them freely.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, When

from kefu.core.phones import normalise_phone

from .models import Address, Customer, Order, OrderLine, Shipment, TrackingEvent

RECENT_ORDERS = 20
MAX_MATCHES = 20


@dataclass(frozen=True)
class Customer360:
    """Everything an agent sees about one customer (3 queries).

    customer   the Customer row as given
    addresses  default first
    orders     the latest RECENT_ORDERS, newest first; each has `.line_count` (int) and `.seller`
               loaded, and `.shipments.all()` prefetched with `.carrier` (tracking events are not loaded:
               the shipment's cached last_code / exception_kind summarise them)
    """

    customer: Customer
    addresses: list[Address]
    orders: list[Order]


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """A customer's orders, newest first, each with `.seller`, `.line_count` and `.shipments.all()` (with
    `.carrier`): 2 queries per slice or page, however many orders."""
    return (
        Order.objects.filter(customer=customer)
        .select_related("seller")
        .annotate(line_count=Count("lines"))
        .prefetch_related(Prefetch("shipments", queryset=Shipment.objects.select_related("carrier")))
        .order_by("-placed_at", "-id")
    )


def customer_360(customer: Customer, *, recent: int = RECENT_ORDERS) -> Customer360:
    addresses = list(customer.addresses.order_by("-is_default", "id"))
    orders = list(customer_orders(customer)[:recent])
    return Customer360(customer=customer, addresses=addresses, orders=orders)


def customer_by_phone(phone: str) -> Customer | None:
    """Exact match after normalising ('+86 138-…' works). Raises ValueError for a malformed phone."""
    return Customer.objects.filter(phone=normalise_phone(phone)).first()


def find_customers(q: str, *, limit: int = MAX_MATCHES) -> list[Customer]:
    """Customers whose phone or an order number equals q, or whose name contains it (1 query).

    Exact phone / order-number hits come first, then names starting with q, then the rest by name.
    """
    q = (q or "").strip()
    if not q:
        return []
    exact = Q(Exists(Order.objects.filter(customer=OuterRef("pk"), number=q)))
    with suppress(ValueError):
        exact |= Q(phone=normalise_phone(q))
    rank = Case(When(exact, then=0), When(name__startswith=q, then=1), default=2, output_field=IntegerField())
    matches = Customer.objects.filter(exact | Q(name__icontains=q)).annotate(rank=rank)
    return list(matches.order_by("rank", "name", "id")[:limit])


def order_detail_queryset() -> QuerySet[Order]:
    """Orders with everything a detail page or the API shows (5 queries for one order, any size).

    Loaded: `.customer`, `.seller`, `.invoice` (with `.qualification`; a missing invoice raises
    Invoice.DoesNotExist without a query), `.lines.all()` with `.sku.product`, `.payments.all()`,
    `.shipments.all()` with `.carrier` and `.events.all()` in time order (oldest first).
    """
    events = Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))
    return Order.objects.select_related("customer", "seller", "invoice__qualification").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("sku__product")),
        "payments",
        Prefetch("shipments", queryset=Shipment.objects.select_related("carrier").prefetch_related(events)),
    )


def order_detail(number: str, *, customer: Customer | None = None) -> Order | None:
    """One order by number, or None; with `customer`, only if it is theirs (a stranger's reads as none)."""
    orders = order_detail_queryset().filter(number=number)
    if customer is not None:
        orders = orders.filter(customer=customer)
    return orders.first()
