"""Order lifecycle: every status change is checked against the order's state machine and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError

from ..models import CancelReason, Order, OrderStatus
from ..order_states import CANCELLED, DELIVERED, PAID, PENDING_PAYMENT, SHIPPED, SPENDING_STATES, machine_for

_TIMESTAMP_FOR = {PAID: "paid_at", SHIPPED: "shipped_at", DELIVERED: "signed_at",
                  "completed": "completed_at", CANCELLED: "cancelled_at"}


def payment_deadline_for(placed_at: datetime, payment_method: str) -> datetime | None:
    if payment_method != "online":
        return None
    return placed_at + timedelta(hours=settings.KEFU_UNPAID_ORDER_CANCEL_HOURS)


def transition(order: Order, target: str, *, actor=None, at: datetime | None = None, reason: str = "",
               cancel_reason: str = "") -> Order:
    """Move one step. Must run inside the caller's transaction on a row it has locked."""
    current = order.status
    machine_for(order.payment_method).check(current, target)
    if target == CANCELLED:
        if cancel_reason not in CancelReason.values:
            raise DomainError(f"cancelling needs a reason, one of {', '.join(CancelReason.values)}",
                              field="cancel_reason")
        if current == SHIPPED and cancel_reason != CancelReason.REJECTED_ON_DELIVERY:
            raise DomainError("a shipped order can only be cancelled when refused on delivery",
                              field="cancel_reason")
        order.cancel_reason = cancel_reason
    at = at or clock.now()
    order.status = target
    setattr(order, _TIMESTAMP_FOR[target], at)
    order.save()
    audit.status_changed(order, current, target, actor=actor, reason=reason or cancel_reason)
    events.emit("order.status_changed", {"order": order.number, "order_id": order.pk, "from": current,
                                         "to": target, "at": at.isoformat()})
    starts_counting = target in SPENDING_STATES and current not in SPENDING_STATES
    if starts_counting or target == CANCELLED:  # spend changed: the membership tier may move
        transaction.on_commit(lambda: _refresh_tier(order.customer_id))
    return order


def _refresh_tier(customer_id: int) -> None:
    from ..models import Customer
    from .customers import recompute_tier

    recompute_tier(Customer.objects.get(pk=customer_id), actor="order")


@transaction.atomic
def change_status(order: Order, target: str, *, actor=None, at: datetime | None = None, reason: str = "",
                  cancel_reason: str = "") -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    return transition(order, target, actor=actor, at=at, reason=reason, cancel_reason=cancel_reason)


def cancel_order(order: Order, *, reason: str, actor=None, note: str = "") -> Order:
    return change_status(order, CANCELLED, actor=actor, cancel_reason=reason, reason=note or reason)


def cancel_unpaid_orders(limit: int = 1000) -> int:
    """Unpaid online orders cancel themselves once their payment deadline has passed [FAQ 4]."""
    due = list(
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_method="online",
                             payment_deadline__lte=clock.now())
        .order_by("payment_deadline").values_list("pk", flat=True)[:limit]
    )
    cancelled = 0
    for pk in due:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status != PENDING_PAYMENT:  # paid meanwhile
                continue
            transition(order, CANCELLED, actor="duty:cancel_unpaid_orders",
                       cancel_reason=CancelReason.UNPAID_TIMEOUT,
                       reason=f"not paid by {order.payment_deadline.isoformat()}")
            cancelled += 1
    return cancelled
