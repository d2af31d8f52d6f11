"""The workbench search box and the order's status history. Customer and order reads come from
kefu.commerce.selectors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from kefu.commerce.models import Customer, Order, OrderStatus
from kefu.core.audit import history
from kefu.core.phones import normalise_phone

MAX_RESULTS = 20
MIN_NAME_CHARS = 2
MAX_QUERY_CHARS = 50
_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE_LIKE = re.compile(r"^(\+86|0086)?\d+$")
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9._-]{4,64}$")


@dataclass
class SearchOutcome:
    query: str = ""
    matched_by: str = ""  # "phone" | "name" | "order" | "" (nothing searched or nothing found)
    customers: list[Customer] = field(default_factory=list)
    order: Order | None = None
    hint: str = ""  # why the input could not be searched, in the user's language
    truncated: bool = False

    @property
    def searched(self) -> bool:
        return bool(self.query) and not self.hint


def _customers() -> QuerySet[Customer]:
    return Customer.objects.annotate(order_count=Count("orders")).order_by("name", "id")


def _by_order_number(number: str, outcome: SearchOutcome) -> bool:
    if not _ORDER_NUMBER.match(number):
        return False
    order = Order.objects.select_related("customer").filter(number__iexact=number).first()
    if order is None:
        return False
    outcome.matched_by, outcome.order = "order", order
    outcome.customers = list(_customers().filter(pk=order.customer_id))
    return True


def find_customers(raw: str) -> SearchOutcome:
    """One box: phone (exact; spaces, dashes and +86 allowed), order number (exact) or name (contains)."""
    query = (raw or "").strip()
    outcome = SearchOutcome(query=query)
    if not query:
        return outcome
    if len(query) > MAX_QUERY_CHARS:
        outcome.hint = _("That is too long to search. Enter at most %(n)d characters.") % {
            "n": MAX_QUERY_CHARS
        }
        return outcome
    compact = _SEPARATORS.sub("", query)
    if _PHONE_LIKE.match(compact):
        try:
            phone = normalise_phone(compact)
        except ValueError:
            phone = None
        if phone:
            outcome.matched_by = "phone"
            outcome.customers = list(_customers().filter(phone=phone))
            if outcome.customers:
                return outcome
        if _by_order_number(compact, outcome):
            return outcome
        if phone is None:
            outcome.hint = _("Enter the full 11-digit mobile number or the complete order number.")
        return outcome
    if _by_order_number(compact, outcome):
        return outcome
    if len(query) < MIN_NAME_CHARS:
        outcome.hint = _("Enter at least %(n)d characters of the customer's name.") % {"n": MIN_NAME_CHARS}
        return outcome
    found = list(_customers().filter(name__icontains=query)[: MAX_RESULTS + 1])
    outcome.matched_by = "name"
    outcome.customers, outcome.truncated = found[:MAX_RESULTS], len(found) > MAX_RESULTS
    return outcome


def customer_360(customer_id: int) -> Customer:
    """The customer with addresses; Customer.DoesNotExist when there is none."""
    return Customer.objects.select_related("user").prefetch_related("addresses").get(pk=customer_id)


def status_history(order: Order) -> list:
    """The order's audited status changes, oldest first, with status codes turned into labels."""
    labels = dict(OrderStatus.choices)
    entries = list(history(order).select_related("actor"))
    for entry in entries:
        if entry.field == "status":
            entry.old_label = labels.get(entry.old_value, entry.old_value)
            entry.new_label = labels.get(entry.new_value, entry.new_value)
        else:
            entry.old_label, entry.new_label = entry.old_value, entry.new_value
    return entries
