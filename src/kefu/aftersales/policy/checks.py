"""The invariants of a request, checked when it is built, so `decide` only ever sees sound data."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .errors import PolicyInputError

if TYPE_CHECKING:
    from .types import Request


def _aware(field: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyInputError(field, "needs a timezone offset, e.g. 2026-11-10T23:50:00+08:00")


def _not_negative(field: str, value) -> None:
    if value < 0:
        raise PolicyInputError(field, f"must not be negative (got {value})")


def check_request(req: Request) -> None:
    order = req.order
    _aware("now", req.now)
    _aware("order.ordered_at", order.ordered_at)
    if order.signed_at is not None:
        _aware("order.signed_at", order.signed_at)
        if order.signed_at < order.ordered_at:
            raise PolicyInputError("order.signed_at", "is before order.ordered_at")
        if req.now < order.signed_at:
            raise PolicyInputError("now", "is before order.signed_at")
    if req.now < order.ordered_at:
        raise PolicyInputError("now", "is before order.ordered_at")
    _not_negative("order.shipping_fee", order.shipping_fee)
    _not_negative("return_postage", req.return_postage)
    _not_negative("repairs_failed", req.repairs_failed)
    if not order.lines:
        raise PolicyInputError("order.lines", "an order has at least one line")
    bought: dict[str, int] = {}
    for i, line in enumerate(order.lines):
        where = f"order.lines[{i}]"
        if line.sku in bought:
            raise PolicyInputError(f"{where}.sku", f"{line.sku!r} appears twice in the order")
        if line.qty < 1:
            raise PolicyInputError(f"{where}.qty", f"must be at least 1 (got {line.qty})")
        _not_negative(f"{where}.unit_paid", line.unit_paid)
        _not_negative(f"{where}.warranty_days", line.warranty_days)
        bought[line.sku] = line.qty
    if not req.items:
        raise PolicyInputError("items", "a request is about at least one item")
    asked: dict[str, int] = {}
    for i, item in enumerate(req.items):
        where = f"items[{i}]"
        if item.sku not in bought:
            raise PolicyInputError(f"{where}.sku", f"{item.sku!r} is not in the order")
        if item.qty < 1:
            raise PolicyInputError(f"{where}.qty", f"must be at least 1 (got {item.qty})")
        asked[item.sku] = asked.get(item.sku, 0) + item.qty
        if asked[item.sku] > bought[item.sku]:
            raise PolicyInputError(f"{where}.qty", f"more than was bought ({bought[item.sku]})")
    if req.current_unit_price is not None:
        _not_negative("current_unit_price", req.current_unit_price)
    if req.reason == "price_drop":
        if req.current_unit_price is None:
            raise PolicyInputError("current_unit_price", "is required when the reason is price_drop")
        if len(asked) > 1:
            raise PolicyInputError("items", "price protection is asked for one sku at a time "
                                            "(current_unit_price is the price of one sku)")
