"""Build the policy engine's plain Request from database rows, and say which input a refusal is about.

The policy engine is the one place that knows the rules; this module only translates. Each order line
becomes a policy line keyed by its SKU code (with `#<line id>` when one SKU appears on two lines, which
the engine would otherwise refuse as a duplicate). unit_paid = paid_amount / quantity, rounded to the
cent, as OrderLine.unit_paid computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kefu.commerce.models import Order, OrderLine
from kefu.core.errors import DomainError

from ..policy import Condition, Decision, Evidence, Item, Kind, Line, PolicyInputError, Reason, Request, decide
from ..policy import Order as PolicyOrder
from ..policy_settings import configured


@dataclass(frozen=True)
class AskedLine:
    """Units of one order line that a case is about."""

    order_line: OrderLine
    quantity: int
    condition: str = "intact"


def policy_sku(line: OrderLine, duplicated: set[int]) -> str:
    return f"{line.sku.code}#{line.pk}" if line.sku_id in duplicated else line.sku.code


def _duplicated_skus(lines: Sequence[OrderLine]) -> set[int]:
    seen: set[int] = set()
    dup: set[int] = set()
    for line in lines:
        (dup if line.sku_id in seen else seen).add(line.sku_id)
    return dup


def policy_order(order: Order) -> tuple[PolicyOrder, dict[int, str]]:
    lines = list(order.lines.select_related("sku__product").order_by("id"))
    dup = _duplicated_skus(lines)
    keys = {line.pk: policy_sku(line, dup) for line in lines}
    return PolicyOrder(
        ordered_at=order.placed_at,
        signed_at=order.signed_at,
        shipping_fee=order.shipping_fee,
        lines=tuple(
            Line(sku=keys[line.pk], unit_paid=line.unit_paid, qty=line.quantity,
                 attrs=frozenset(line.sku.product.after_sales_attrs()),
                 buyer_confirmed_nonreturnable=line.buyer_confirmed_nonreturnable,
                 warranty_days=line.sku.product.warranty_days)
            for line in lines
        ),
    ), keys


def _choice(enum, value, field: str):
    try:
        return enum(value)
    except ValueError:
        raise DomainError(f"{field} must be one of {', '.join(e.value for e in enum)} (got {value!r})",
                          field=field) from None


def _field(policy_field: str) -> str:
    """Policy input paths in the words of open_case: items[0].qty -> lines[0].quantity."""
    if policy_field.startswith("items"):
        return policy_field.replace("items", "lines", 1).replace(".qty", ".quantity")
    if policy_field in {"request"}:
        return "kind"
    return policy_field


def build_request(order: Order, *, kind: str, reason: str, lines: Sequence[AskedLine], evidence_kinds: set[str],
                  now, return_postage: Decimal = Decimal("0.00"), repairs_failed: int = 0,
                  current_unit_price: Decimal | None = None) -> Request:
    """Raises DomainError naming the field when the input itself is unsound (not a refusal: an error)."""
    kind_e = _choice(Kind, kind, "kind")
    reason_e = _choice(Reason, reason, "reason")
    p_order, keys = policy_order(order)
    items = []
    for i, asked in enumerate(lines):
        if asked.order_line.order_id != order.pk:
            raise DomainError("this line is not part of the order", field=f"lines[{i}].order_line")
        condition = _choice(Condition, asked.condition, f"lines[{i}].condition")
        items.append(Item(sku=keys[asked.order_line.pk], qty=asked.quantity, condition=condition))
    evidence = frozenset({Evidence.PHOTO} if "photo" in evidence_kinds else set())
    if "outbound_record" in evidence_kinds:
        evidence |= {Evidence.OUTBOUND_RECORD_MISMATCH}
    try:
        return Request(now=now, request=kind_e, reason=reason_e, order=p_order, items=tuple(items),
                       evidence=evidence, return_postage=return_postage, repairs_failed=repairs_failed,
                       current_unit_price=current_unit_price)
    except PolicyInputError as exc:
        raise DomainError(exc.message, field=_field(exc.field)) from None


def shop_price(reason: str, lines: Sequence[AskedLine]) -> Decimal | None:
    """Price protection compares with the SKU's price in the shop now, never a figure the buyer types."""
    if reason != Reason.PRICE_DROP.value or not lines:
        return None
    return lines[0].order_line.sku.price


def advise(order: Order, *, kind: str, reason: str, lines: Sequence[AskedLine], evidence_kinds: set[str], now,
           return_postage: Decimal = Decimal("0.00"), repairs_failed: int = 0,
           current_unit_price: Decimal | None = None) -> Decision:
    """What the policy, with the shop's configured numbers, says about this request. Saves nothing."""
    request = build_request(order, kind=kind, reason=reason, lines=lines, evidence_kinds=evidence_kinds, now=now,
                            return_postage=return_postage, repairs_failed=repairs_failed,
                            current_unit_price=current_unit_price)
    return decide(request, configured())


# Which input of open_case a refusal is about, by the policy rule's last part.
_REFUSAL_FIELD = {
    "request_not_offered": "kind",
    "window_passed": "kind",
    "photo_missing": "evidence",
    "expired": "order",
    "not_signed": "order",
    "beyond_warranty": "order",
    "excluded": "lines",
    "not_intact": "lines",
    "not_lower": "current_unit_price",
}


def refusal_field(rule: str) -> str:
    return _REFUSAL_FIELD.get(rule.rsplit(".", 1)[-1], "reason")
