"""After-sales subscribers: the refund ledger's requests go to the payment side (payments.py)."""

from kefu.core.events import subscriber

from . import payments


@subscriber("refund.requested")
def hand_refund_to_payment_side(event) -> None:
    payments.hand_over(event.payload["refund_id"])
