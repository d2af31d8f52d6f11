"""Builders for after-sales tests: requests in their JSON form, so every test also goes through the parser."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kefu.aftersales.policy import decide, decision_to_dict, parse_request

SIGNED = "2026-11-10T23:50:00+08:00"  # late in the evening: day 7 ends 2026-11-17 23:59:59
ORDERED = "2026-11-08T10:00:00+08:00"


def line(sku: str = "A", unit_paid: str = "129.00", qty: int = 2, *, attrs: tuple[str, ...] = (),
         confirmed: bool = False, warranty_days: int = 365) -> dict[str, Any]:
    return {"sku": sku, "unit_paid": unit_paid, "qty": qty, "attrs": list(attrs),
            "buyer_confirmed_nonreturnable": confirmed, "warranty_days": warranty_days}


def item(sku: str = "A", qty: int = 1, condition: str = "intact") -> dict[str, Any]:
    return {"sku": sku, "qty": qty, "condition": condition}


def make(*, now: str = "2026-11-12T10:00:00+08:00", request: str = "return", reason: str = "no_reason",
         signed_at: str | None = SIGNED, ordered_at: str = ORDERED, shipping_fee: str = "8.00",
         lines: list | None = None, items: list | None = None, evidence: tuple[str, ...] = (),
         return_postage: str = "12.00", repairs_failed: int = 0, current_unit_price: str | None = None,
         ) -> dict[str, Any]:
    """A request: by default SKU A (¥129.00 × 2, 365-day warranty) and SKU B (¥35.50 × 1); asks about 1 × A."""
    raw: dict[str, Any] = {
        "now": now, "request": request, "reason": reason,
        "order": {"ordered_at": ordered_at, "signed_at": signed_at, "shipping_fee": shipping_fee,
                  "lines": lines if lines is not None else [line(), line("B", "35.50", 1, warranty_days=0)]},
        "items": items if items is not None else [item()],
        "evidence": list(evidence), "return_postage": return_postage, "repairs_failed": repairs_failed,
    }
    if current_unit_price is not None:
        raw["current_unit_price"] = current_unit_price
    return raw


def decide_json(raw: dict[str, Any]) -> dict[str, Any]:
    return decision_to_dict(decide(parse_request(raw)))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def check_shape(decision: dict[str, Any]) -> None:
    """What holds for every decision: zh-hans reasons; nothing refunded when not allowed."""
    assert decision["reasons"] and all(has_cjk(r) for r in decision["reasons"]), decision["reasons"]
    refund = decision["refund"]
    if not decision["allowed"]:
        assert refund == {"goods": "0.00", "shipping": "0.00", "total": "0.00"}
        assert decision["resolution"] is None
    assert Decimal(refund["total"]) == Decimal(refund["goods"]) + Decimal(refund["shipping"])
