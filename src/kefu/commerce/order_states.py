"""Order state machines, one per payment method (pure; no database).

Online:            pending_payment → paid → shipped → delivered → completed
Cash on delivery / self-pickup: pending_payment → shipped → delivered → completed
  (the money changes hands at the door or the pickup counter, so there is no 'paid' step before
  shipping; the payment is recorded on delivery).
Cancelled: before shipping (reason), or refused at the door (rejected_on_delivery) while shipped.
"""

from kefu.core.states import StateMachine

PENDING_PAYMENT, PAID, SHIPPED, DELIVERED, COMPLETED, CANCELLED = (
    "pending_payment", "paid", "shipped", "delivered", "completed", "cancelled",
)

ONLINE = StateMachine("order", {
    PENDING_PAYMENT: {PAID, CANCELLED},
    PAID: {SHIPPED, CANCELLED},
    SHIPPED: {DELIVERED, CANCELLED},
    DELIVERED: {COMPLETED},
    COMPLETED: set(),
    CANCELLED: set(),
})

PAY_ON_DELIVERY = StateMachine("order", {
    PENDING_PAYMENT: {SHIPPED, CANCELLED},
    SHIPPED: {DELIVERED, CANCELLED},
    DELIVERED: {COMPLETED},
    COMPLETED: set(),
    CANCELLED: set(),
})

# States in which the buyer has paid, or will have on delivery, and the money counts as spend.
SPENDING_STATES = frozenset({PAID, SHIPPED, DELIVERED, COMPLETED})
# States that may still be cancelled by the customer from the portal (FAQ 8: otherwise refuse delivery).
CANCELLABLE_BY_CUSTOMER = frozenset({PENDING_PAYMENT, PAID})


def machine_for(payment_method: str) -> StateMachine:
    return ONLINE if payment_method == "online" else PAY_ON_DELIVERY
