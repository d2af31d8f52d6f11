"""The workbench search box and the order's status history. Customer and order reads come from
kefu.commerce.selectors."""

from __future__ import annotations

from kefu.commerce.models import Customer, Order, OrderStatus
from kefu.core.audit import history


def customer_with_addresses(customer_id: int) -> Customer:
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
