"""Money for the policy: Decimal with two places, percentages rounded half-up to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .types import ZERO, Request

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def goods_paid(req: Request) -> Decimal:
    """Σ unit_paid × qty over the request's items: what the buyer paid for the units concerned."""
    order = req.order
    return sum((order.line(item.sku).unit_paid * item.qty for item in req.items), ZERO)


def whole_order(req: Request) -> bool:
    """Does the request concern every unit of the order? (then the outbound shipping fee is refunded too)"""
    return sum(item.qty for item in req.items) == req.order.units
