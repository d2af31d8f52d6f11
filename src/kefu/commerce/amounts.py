"""Do an order's amounts add up? (pure; returns problems with field paths, writes nothing)

    goods_amount   = Σ quantity × unit_price
    Σ line.paid    = goods_amount − coupon_discount − points_discount,  each line.paid ≤ its subtotal
    payable_amount = Σ line.paid + shipping_fee
    Σ payments     = payable_amount   (when any payment is recorded)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LineAmounts:
    quantity: int
    unit_price: Decimal
    paid_amount: Decimal


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def check_amounts(
    lines: Sequence[LineAmounts],
    *,
    goods_amount: Decimal,
    coupon_discount: Decimal,
    points_discount: Decimal,
    shipping_fee: Decimal,
    payable_amount: Decimal,
    payments: Sequence[Decimal] = (),
) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in [("goods_amount", goods_amount), ("coupon_discount", coupon_discount),
                        ("points_discount", points_discount), ("shipping_fee", shipping_fee),
                        ("payable_amount", payable_amount)]:
        if value < 0:
            problems.append(Problem(name, f"must not be negative (got {value})"))
    if not lines:
        problems.append(Problem("lines", "an order needs at least one line"))
    subtotal = Decimal("0.00")
    paid = Decimal("0.00")
    for i, line in enumerate(lines):
        if line.quantity < 1:
            problems.append(Problem(f"lines[{i}].quantity", f"must be at least 1 (got {line.quantity})"))
        if line.unit_price < 0:
            problems.append(Problem(f"lines[{i}].unit_price", f"must not be negative (got {line.unit_price})"))
        if line.paid_amount < 0:
            problems.append(Problem(f"lines[{i}].paid_amount", f"must not be negative (got {line.paid_amount})"))
        line_subtotal = line.unit_price * line.quantity
        if line.paid_amount > line_subtotal:
            problems.append(Problem(
                f"lines[{i}].paid_amount",
                f"{line.paid_amount} is more than quantity × unit price ({line_subtotal})",
            ))
        subtotal += line_subtotal
        paid += line.paid_amount
    if problems:
        return problems
    if goods_amount != subtotal:
        problems.append(Problem("goods_amount", f"{goods_amount} ≠ Σ quantity × unit_price = {subtotal}"))
    expected_paid = goods_amount - coupon_discount - points_discount
    if paid != expected_paid:
        problems.append(Problem(
            "lines",
            f"the lines' paid amounts add up to {paid}, but goods − discounts = {expected_paid}",
        ))
    if payable_amount != paid + shipping_fee:
        problems.append(Problem("payable_amount", f"{payable_amount} ≠ Σ paid {paid} + shipping {shipping_fee}"))
    if payments and sum(payments, Decimal("0.00")) != payable_amount:
        problems.append(Problem(
            "payments", f"payments add up to {sum(payments, Decimal('0.00'))}, not the payable {payable_amount}"
        ))
    return problems
