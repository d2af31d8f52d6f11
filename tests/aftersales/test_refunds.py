"""The refund ledger: idempotent, never more than the order paid, answered by the payment side."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from kefu.aftersales.models import CompensationCoupon, Refund
from kefu.aftersales.services import cases, refunds
from kefu.core.errors import Conflict, DomainError, InvalidTransition
from kefu.core.models import AuditEntry, OutboxEvent
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
    topics,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def _missing_refund_case(order, index=0):
    return cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order, index=index)],
                                         [photo()]))


def test_the_same_key_twice_is_one_row_and_one_event():
    order = signed_order()
    first, created = refunds.request_refund(order, Decimal("100.00"), kind="goods", method="original_payment",
                                            key="manual:1", by="agent")
    again, created_again = refunds.request_refund(order, Decimal("100.00"), kind="goods",
                                                  method="original_payment", key="manual:1", by="agent")
    assert created and not created_again and again.pk == first.pk
    assert Refund.objects.count() == 1 and topics("refund.requested") == ["refund.requested"]
    event = OutboxEvent.objects.get(topic="refund.requested")
    assert event.payload["idempotency_key"] == "manual:1" and event.payload["amount"] == "100.00"
    assert AuditEntry.objects.filter(kind="money", field="amount", new_value="100.00").count() == 1


def test_issue_refund_twice_changes_nothing():
    order = signed_order(lines=(("50.00", 1), ("80.00", 1)))
    case = _missing_refund_case(order)
    [refund] = refunds.issue_refund(case)
    assert refund.idempotency_key == f"case:{case.number}:goods"
    assert refunds.issue_refund(case) == [refund]
    assert Refund.objects.count() == 1 and len(topics("refund.requested")) == 1


def test_more_than_was_paid_is_refused_with_what_is_left():
    order = signed_order(lines=(("100.00", 1),), shipping_fee="0.00")
    refunds.request_refund(order, Decimal("60.00"), kind="goods", method="original_payment", key="a")
    with pytest.raises(Conflict) as exc:
        refunds.request_refund(order, Decimal("40.01"), kind="goods", method="original_payment", key="b")
    assert exc.value.field == "amount" and "40.00 left" in exc.value.message
    refunds.request_refund(order, Decimal("40.00"), kind="compensation", method="points", key="c")
    assert refunds.refundable(order) == Decimal("0.00")


def test_amounts_are_checked():
    order = signed_order()
    for bad, field in [(Decimal("0"), "amount"), (Decimal("-1.00"), "amount")]:
        with pytest.raises(DomainError) as exc:
            refunds.request_refund(order, bad, kind="goods", method="original_payment", key="x")
        assert exc.value.field == field
    with pytest.raises(TypeError):
        refunds.request_refund(order, 1.5, kind="goods", method="original_payment", key="x")
    with pytest.raises(DomainError):
        refunds.request_refund(order, Decimal("1.00"), kind="postage", method="original_payment", key="x")


def test_a_failed_refund_stops_counting_and_is_asked_again_under_a_new_key():
    order = signed_order(lines=(("50.00", 1), ("80.00", 1)))
    case = _missing_refund_case(order, index=1)
    [refund] = refunds.issue_refund(case)
    refunds.mark_refund_sent(refund, external_ref="PAY-1")
    refunds.mark_refund_failed(refund, reason="银行卡已注销")
    assert refunds.refunded_total(order) == Decimal("0.00")
    [retry] = refunds.issue_refund(case)
    assert retry.idempotency_key == f"case:{case.number}:goods:retry1" and retry.amount == Decimal("80.00")
    statuses = list(AuditEntry.objects.filter(object_repr=str(refund), field="status")
                    .order_by("id").values_list("new_value", flat=True))
    assert statuses == ["pending", "sent", "failed"]


def test_payment_answers_are_idempotent_and_follow_the_machine():
    order = signed_order()
    refund, _ = refunds.request_refund(order, Decimal("10.00"), kind="goods", method="original_payment", key="k")
    with pytest.raises(InvalidTransition):
        refunds.mark_refund_confirmed(refund)  # not sent yet
    refunds.mark_refund_sent(refund)
    refunds.mark_refund_sent(refund)
    refunds.mark_refund_confirmed(refund)
    refunds.mark_refund_confirmed(refund)
    with pytest.raises(InvalidTransition):
        refunds.mark_refund_failed(refund, reason="late")
    assert topics("refund.status_changed") == ["refund.status_changed"] * 2


def test_price_protection_refunds_points_and_counts_against_the_cap():
    order = signed_order(lines=(("100.00", 1),), shipping_fee="0.00", signed_days_ago=1)
    case = cases.approve(cases.open_case(order, "price_protection", "price_drop", [asked(order)],
                                         current_unit_price=Decimal("70.00")))
    [refund] = refunds.issue_refund(case)
    assert (refund.method, refund.amount, refund.points) == ("points", Decimal("30.00"), 3000)
    ret = cases.open_case(order, "return", "no_reason", [asked(order)])
    assert ret.refund_goods == Decimal("100.00")
    ledger_left = refunds.refundable(order)
    assert ledger_left == Decimal("70.00")  # the full price cannot come back on top of the difference


def test_points_and_a_coupon_as_compensation_once_per_case():
    order = signed_order()
    case = _missing_refund_case(order)
    points = refunds.grant_points(case, Decimal("5.00"), reason="发错货致歉")
    assert refunds.grant_points(case, Decimal("5.00")).pk == points.pk
    coupon = refunds.grant_coupon(case, Decimal("20.00"), by="agent")
    assert refunds.grant_coupon(case, Decimal("20.00")).pk == coupon.pk
    assert CompensationCoupon.objects.count() == 1 and coupon.customer_id == order.customer_id
    assert refunds.refunded_total(order) == Decimal("5.00")  # the coupon is not money back


def test_postage_reimbursement_has_its_own_cap():
    order = signed_order()
    case = cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()],
                           return_postage=Decimal("12.00"))
    refunds.request_refund(order, Decimal("12.00"), kind="postage", method="original_payment", key="p1", case=case)
    with pytest.raises(Conflict):
        refunds.request_refund(order, Decimal("0.01"), kind="postage", method="original_payment", key="p2",
                               case=case)


# --- the property: whatever is asked, in whatever order, no order is refunded more than it paid ----------------

request_step = s.tuples(
    s.integers(min_value=0, max_value=2),  # which case (or 2: none)
    s.sampled_from(["goods", "shipping", "compensation"]),
    s.sampled_from(["original_payment", "points"]),
    s.integers(min_value=1, max_value=250_00),  # cents
    s.integers(min_value=0, max_value=5),  # key: repeats are retries
    s.sampled_from(["leave", "send", "fail", "confirm"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=s.lists(request_step, min_size=1, max_size=12),
       prices=s.lists(s.integers(min_value=1, max_value=300_00), min_size=2, max_size=3))
def test_property_refunds_never_exceed_what_the_order_paid(steps, prices):
    with transaction.atomic():
        order = signed_order(lines=tuple((f"{p / 100:.2f}", 1) for p in prices), shipping_fee="8.00")
        case_rows = [cases.open_case(order, "return", "no_reason", [asked(order, index=i)])
                     for i in range(len(prices))]
        for which, kind, method, cents, key, answer in steps:
            case = case_rows[which] if which < len(case_rows) else None
            amount = Decimal(cents) / 100
            before = refunds.refunded_total(order)
            try:
                refund, _ = refunds.request_refund(order, amount, kind=kind, method=method, key=f"k{key}", case=case)
            except Conflict:
                assert before + amount > order.payable_amount  # refused only when it would exceed
                continue
            if answer != "leave" and refund.status == "pending":
                refunds.mark_refund_sent(refund)
                if answer == "fail":
                    refunds.mark_refund_failed(refund, reason="declined by the bank")
                elif answer == "confirm":
                    refunds.mark_refund_confirmed(refund)
            assert refunds.refunded_total(order) <= order.payable_amount
        assert len(set(Refund.objects.filter(order=order).values_list("idempotency_key", flat=True))) == \
            Refund.objects.filter(order=order).count()
        transaction.set_rollback(True)


def test_a_case_refunds_only_its_own_order():
    order, other = signed_order(), signed_order()
    case = _missing_refund_case(order)
    with pytest.raises(DomainError) as exc:
        refunds.request_refund(other, Decimal("1.00"), kind="goods", method="original_payment", key="z", case=case)
    assert exc.value.field == "case" and not Refund.objects.exists()
