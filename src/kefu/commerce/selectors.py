"""Reads for the agents' tools, the workbench and the read API.

Each selector runs a fixed number of SQL queries, however many orders, lines, shipments or tracking
events a customer has (tests/commerce/test_selectors.py proves it). Results are evaluated lists of
model instances whose relations are already loaded: iterate `.all()` on them freely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, When
from django.utils.translation import gettext as _

from kefu.core.phones import normalise_phone

from .models import Address, Customer, Order, OrderLine, Shipment, TrackingEvent

RECENT_ORDERS = 20
MAX_MATCHES = 20
MIN_NAME_CHARS = 2
MAX_QUERY_CHARS = 50
_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE_LIKE = re.compile(r"^(\+86|0086)?\d+$")
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9._-]{4,64}$")


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


@dataclass
class CustomerSearch:
    """What one search box finds: customers, how they matched, or a hint why nothing was searched."""

    query: str = ""
    matched_by: str = ""  # "phone" | "order" | "name" | "" (nothing searched or nothing found)
    customers: list[Customer] = field(default_factory=list)  # each with `.order_count`
    order: Order | None = None  # the order whose number was searched for
    hint: str = ""  # why the input could not be searched, in the user's language
    truncated: bool = False  # more than `limit` names matched

    @property
    def searched(self) -> bool:
        return bool(self.query) and not self.hint


def _customers_with_order_count() -> QuerySet[Customer]:
    return Customer.objects.annotate(order_count=Count("orders")).order_by("name", "id")


def _by_name(query: str, limit: int) -> list[Customer]:
    """Names starting with the query first, then names containing it; one query."""
    starts = Case(When(name__startswith=query, then=0), default=1, output_field=IntegerField())
    return list(_customers_with_order_count().filter(name__icontains=query).annotate(starts=starts)
                .order_by("starts", "name", "id")[: limit + 1])


def _by_order_number(query: str, found: CustomerSearch) -> bool:
    """Order numbers are matched as typed (they may hold dashes) or with separators removed."""
    candidates = {c for c in (query, _SEPARATORS.sub("", query)) if _ORDER_NUMBER.match(c)}
    if not candidates:
        return False
    order = (Order.objects.select_related("customer")
             .filter(Q.create([("number__iexact", c) for c in candidates], connector=Q.OR)).first())
    if order is None:
        return False
    found.matched_by, found.order = "order", order
    found.customers = list(_customers_with_order_count().filter(pk=order.customer_id))
    return True


def search_customers(raw: str, *, limit: int = MAX_MATCHES) -> CustomerSearch:
    """One box for agents and tools: a mobile number (exact; spaces, dashes, +86 allowed), an order number
    (exact) or part of a name (at least MIN_NAME_CHARS). Too little or too much to search on gives a hint."""
    query = (raw or "").strip()
    found = CustomerSearch(query=query)
    if not query:
        return found
    if len(query) > MAX_QUERY_CHARS:
        found.hint = _("That is too long to search. Enter at most %(n)d characters.") % {"n": MAX_QUERY_CHARS}
        return found
    compact = _SEPARATORS.sub("", query)
    if _PHONE_LIKE.match(compact):
        try:
            phone = normalise_phone(compact)
        except ValueError:
            phone = None
        if phone:
            found.matched_by = "phone"
            found.customers = list(_customers_with_order_count().filter(phone=phone))
            if found.customers:
                return found
        if _by_order_number(query, found):
            return found
        if phone is None:
            found.hint = _("Enter the full 11-digit mobile number or the complete order number.")
        return found
    if _by_order_number(query, found):
        return found
    if len(query) < MIN_NAME_CHARS:
        found.hint = _("Enter at least %(n)d characters of the customer's name.") % {"n": MIN_NAME_CHARS}
        return found
    names = _by_name(query, limit)
    found.matched_by = "name"
    found.customers, found.truncated = names[:limit], len(names) > limit
    return found


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
