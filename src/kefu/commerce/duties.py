from datetime import timedelta

from kefu.core.duties import duty

from .services import customers, orders


@duty("commerce.cancel_unpaid_orders", every=timedelta(minutes=1))
def cancel_unpaid_orders() -> int:
    return orders.cancel_unpaid_orders()


@duty("commerce.recompute_tiers", every=timedelta(hours=24))
def recompute_tiers() -> int:
    return customers.recompute_all_tiers()
