"""Two agents approve refunds on two cases of one order at the same moment: the order is refunded once.

Each thread has its own database connection. On PostgreSQL the order row lock (select_for_update) makes the
second transaction wait and then see the first refund; on SQLite, BEGIN IMMEDIATE serialises the writers.
The test asserts the invariant, not the mechanism, and runs on both.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from kefu.aftersales.models import Refund
from kefu.aftersales.services import cases, refunds
from kefu.core.errors import Conflict
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("aftersales-concurrency"),
              pytest.mark.usefixtures("frozen", "media_root")]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the loser's refusal is the point of the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_simultaneous_approvals_refund_once():
    order = signed_order(lines=(("100.00", 1),), shipping_fee="0.00")
    # Two cases whose refunds together exceed what was paid: a refund-only for the missing item, and a manual
    # goodwill refund an agent approves on a second case at the same moment.
    first = cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order)], [photo()]))
    second = cases.open_case(order, "price_protection", "price_drop", [asked(order)],
                             current_unit_price=Decimal("40.00"))
    second = cases.approve(second)
    assert first.refund_total + second.refund_total > order.payable_amount

    results = _race(lambda: refunds.issue_refund(first), lambda: refunds.issue_refund(second))

    ok = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert refunds.refunded_total(order) <= order.payable_amount
    assert Refund.objects.filter(order=order).count() == 1


def test_the_same_refund_asked_twice_at_once_is_one_row():
    order = signed_order(lines=(("100.00", 1),), shipping_fee="0.00")
    ask = lambda: refunds.request_refund(order, Decimal("60.00"), kind="goods",  # noqa: E731
                                         method="original_payment", key=f"order:{order.number}:goodwill")
    results = _race(ask, ask)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _refund, created in results) == [False, True]
    assert Refund.objects.filter(order=order).count() == 1
