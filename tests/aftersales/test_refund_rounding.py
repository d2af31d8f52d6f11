"""A unit's price is paid_amount / quantity rounded to the cent; the units of a line refunded case by case must
still add up to what the line paid, never a cent more (3 units for ¥139.70: 46.57 + 46.57 + 46.56)."""

from decimal import Decimal

import pytest

from kefu.aftersales.services import cases, refunds, warehouse
from tests import factories as f
from tests.aftersales.builders import asked, frozen, media_root, photo, signed_order  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def tissues_order():
    """3 packs at ¥46.60 with a ¥0.10 coupon: the line paid ¥139.70, a unit 'costs' ¥46.57."""
    order = signed_order(lines=(("46.60", 3),), shipping_fee="0.00")
    line = order.lines.get()
    line.paid_amount = Decimal("139.70")
    line.save(update_fields=["paid_amount"])
    order.payable_amount = Decimal("139.70")
    order.save(update_fields=["payable_amount"])
    return order, line


def refunded(case):
    case = cases.approve(case)
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number=f"SF{case.pk:010d}")
    case = warehouse.record_inspection(warehouse.receive_return(case), outcome="accepted",
                                       condition_found="intact", resellable=True)
    return refunds.issue_refund(case)


def test_the_whole_line_refunds_exactly_what_it_paid():
    order, line = tissues_order()
    case = cases.open_case(order, "return", "no_reason", [asked(order)])
    assert case.refund_goods == Decimal("139.70")
    assert case.decision["refund"]["goods"] == "139.70" and case.decision["refund"]["total"] == "139.70"
    refunded(case)
    assert refunds.refunded_total(order) == Decimal("139.70")


def test_the_last_unit_gets_what_is_left():
    order, line = tissues_order()
    goods = []
    for _ in range(3):
        case = cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
        goods.append(case.refund_goods)
        refunded(case)
    assert goods == [Decimal("46.57"), Decimal("46.57"), Decimal("46.56")]
    assert refunds.refunded_total(order) == Decimal("139.70")
