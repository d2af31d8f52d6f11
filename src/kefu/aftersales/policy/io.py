"""JSON in and out: a request dict → Request (errors name the field), a Decision → a JSON-ready dict.

Money is a decimal string with at most two places ("12.50"), never a JSON number; datetimes are ISO 8601
strings with an offset.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .errors import PolicyInputError
from .types import Attr, Condition, Decision, Evidence, Item, Kind, Line, Order, Reason, Request

_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")

REQUEST_FIELDS = {"now", "request", "reason", "order", "items", "evidence", "return_postage", "repairs_failed",
                  "current_unit_price"}
ORDER_FIELDS = {"ordered_at", "signed_at", "shipping_fee", "lines"}
LINE_FIELDS = {"sku", "unit_paid", "qty", "attrs", "buyer_confirmed_nonreturnable", "warranty_days"}
ITEM_FIELDS = {"sku", "qty", "condition"}


def _object(value: Any, where: str, known: set[str], required: set[str]) -> dict:
    if not isinstance(value, dict):
        raise PolicyInputError(where or "(request)", "must be a JSON object")
    prefix = f"{where}." if where else ""
    for key in value:
        if key not in known:
            raise PolicyInputError(f"{prefix}{key}", "unknown field")
    if not required <= value.keys():
        missing = sorted(required - value.keys())[0]
        raise PolicyInputError(f"{prefix}{missing}", "is required")
    return value


def _money(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise PolicyInputError(where, 'an amount is a decimal string such as "12.50", not a number')
    if not _MONEY.match(value):
        raise PolicyInputError(where, f'must be a non-negative decimal string with at most two places, e.g. "12.50" '
                                      f"(got {value!r})")
    return Decimal(value).quantize(Decimal("0.01"))


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyInputError(where, f"must be a whole number (got {value!r})")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyInputError(where, f"must be true or false (got {value!r})")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyInputError(where, f"must be a non-empty string (got {value!r})")
    return value


def _datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise PolicyInputError(where, f"must be an ISO 8601 string with an offset (got {value!r})")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PolicyInputError(where, f"not an ISO 8601 datetime: {value!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PolicyInputError(where, f"needs a timezone offset, e.g. 2026-11-10T23:50:00+08:00 (got {value!r})")
    return moment


def _choice[E: StrEnum](enum: type[E], value: Any, where: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise PolicyInputError(where, f"must be one of {', '.join(e.value for e in enum)} (got {value!r})") from None


def _set[E: StrEnum](enum: type[E], value: Any, where: str) -> frozenset[E]:
    if not isinstance(value, list):
        raise PolicyInputError(where, "must be a list")
    if not value:
        return frozenset()
    return frozenset(_choice(enum, v, f"{where}[{i}]") for i, v in enumerate(value))


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise PolicyInputError(where, "must be a list")
    return value


def _line(raw: Any, where: str) -> Line:
    raw = _object(raw, where, LINE_FIELDS, {"sku", "unit_paid", "qty"})
    return Line(
        sku=_str(raw["sku"], f"{where}.sku"),
        unit_paid=_money(raw["unit_paid"], f"{where}.unit_paid"),
        qty=_int(raw["qty"], f"{where}.qty"),
        attrs=_set(Attr, raw.get("attrs", []), f"{where}.attrs"),
        buyer_confirmed_nonreturnable=_bool(raw.get("buyer_confirmed_nonreturnable", False),
                                            f"{where}.buyer_confirmed_nonreturnable"),
        warranty_days=_int(raw.get("warranty_days", 0), f"{where}.warranty_days"),
    )


def _order(raw: Any) -> Order:
    raw = _object(raw, "order", ORDER_FIELDS, {"ordered_at", "lines"})
    signed = raw.get("signed_at")
    return Order(
        ordered_at=_datetime(raw["ordered_at"], "order.ordered_at"),
        signed_at=None if signed is None else _datetime(signed, "order.signed_at"),
        shipping_fee=_money(raw.get("shipping_fee", "0.00"), "order.shipping_fee"),
        lines=tuple(_line(v, f"order.lines[{i}]") for i, v in enumerate(_list(raw["lines"], "order.lines"))),
    )


def _item(raw: Any, where: str) -> Item:
    raw = _object(raw, where, ITEM_FIELDS, {"sku", "qty"})
    return Item(sku=_str(raw["sku"], f"{where}.sku"), qty=_int(raw["qty"], f"{where}.qty"),
                condition=_choice(Condition, raw.get("condition", "intact"), f"{where}.condition"))


def parse_request(raw: Any) -> Request:
    """One request from its JSON form. Raises PolicyInputError naming the first bad field."""
    raw = _object(raw, "", REQUEST_FIELDS, {"now", "request", "reason", "order", "items"})
    price = raw.get("current_unit_price")
    return Request(
        now=_datetime(raw["now"], "now"),
        request=_choice(Kind, raw["request"], "request"),
        reason=_choice(Reason, raw["reason"], "reason"),
        order=_order(raw["order"]),
        items=tuple(_item(v, f"items[{i}]") for i, v in enumerate(_list(raw["items"], "items"))),
        evidence=_set(Evidence, raw.get("evidence", []), "evidence"),
        return_postage=_money(raw.get("return_postage", "0.00"), "return_postage"),
        repairs_failed=_int(raw.get("repairs_failed", 0), "repairs_failed"),
        current_unit_price=None if price is None else _money(price, "current_unit_price"),
    )


def parse_requests(raw: Any) -> list[Request]:
    """A JSON list of requests; an error's field starts with the request's index, e.g. `[3].items[1].qty`."""
    requests = []
    for i, one in enumerate(_list(raw, "(requests)")):
        try:
            requests.append(parse_request(one))
        except PolicyInputError as exc:
            raise exc.under(f"[{i}]") from None
    return requests


def _money_out(amount: Decimal) -> str:
    return f"{amount:.2f}"


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    refund = decision.refund
    return {
        "allowed": decision.allowed,
        "basis": decision.basis.value if decision.basis else None,
        "resolution": decision.resolution.value if decision.resolution else None,
        "return_shipping_paid_by": decision.return_shipping_paid_by.value,
        "refund": {"goods": _money_out(refund.goods), "shipping": _money_out(refund.shipping),
                   "total": _money_out(refund.total)},
        "refund_method": decision.refund_method.value,
        "missing_evidence": [e.value for e in decision.missing_evidence],
        "deadline": decision.deadline.isoformat() if decision.deadline else None,
        "reasons": list(decision.reasons),
        "rule": decision.rule,
    }
