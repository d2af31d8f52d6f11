"""The policy's plain data: a request in, a decision out. Frozen, so a decision can be cached or compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class Kind(StrEnum):
    """What the customer asks for (the request's `request` field)."""

    RETURN = "return"
    EXCHANGE = "exchange"
    REFUND_ONLY = "refund_only"
    REPAIR = "repair"
    RESHIP = "reship"
    PRICE_PROTECTION = "price_protection"


class Reason(StrEnum):
    NO_REASON = "no_reason"
    QUALITY_MINOR = "quality_minor"
    QUALITY_SERIOUS = "quality_serious"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"
    PRICE_DROP = "price_drop"


class Attr(StrEnum):
    FRESH = "fresh"
    CUSTOMISED = "customised"
    DIGITAL_DOWNLOAD = "digital_download"
    SEALED_AV_SOFTWARE = "sealed_av_software"
    PERIODICAL = "periodical"
    DECLARED_NONRETURNABLE = "declared_nonreturnable"


class Condition(StrEnum):
    INTACT = "intact"
    OPENED_FOR_INSPECTION = "opened_for_inspection"
    SEAL_BROKEN = "seal_broken"
    USED = "used"
    DAMAGED = "damaged"
    TAGS_REMOVED = "tags_removed"


class Evidence(StrEnum):
    PHOTO = "photo"
    OUTBOUND_RECORD_MISMATCH = "outbound_record_mismatch"


class Basis(StrEnum):
    SEVEN_DAY_NO_REASON = "seven_day_no_reason"
    QUALITY_RETURN = "quality_return"
    QUALITY_EXCHANGE = "quality_exchange"
    WARRANTY_REPAIR = "warranty_repair"
    WRONG_OR_MISSING = "wrong_or_missing"
    PRICE_PROTECTION = "price_protection"


class Resolution(StrEnum):
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    PARTIAL_REFUND_OFFER = "partial_refund_offer"
    REPAIR = "repair"
    RESHIP = "reship"
    REFUND_MISSING = "refund_missing"
    REFUND_DIFFERENCE = "refund_difference"


class Payer(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    NONE = "none"


class RefundMethod(StrEnum):
    ORIGINAL_PAYMENT = "original_payment"
    POINTS = "points"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the order as bought: `unit_paid` is what the buyer actually paid per unit."""

    sku: str
    unit_paid: Decimal
    qty: int
    attrs: frozenset[Attr] = frozenset()
    buyer_confirmed_nonreturnable: bool = False
    warranty_days: int = 0


@dataclass(frozen=True, slots=True)
class Order:
    ordered_at: datetime
    signed_at: datetime | None
    shipping_fee: Decimal
    lines: tuple[Line, ...]

    def line(self, sku: str) -> Line:
        for line in self.lines:
            if line.sku == sku:
                return line
        raise KeyError(sku)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)


@dataclass(frozen=True, slots=True)
class Item:
    """Units of one line the request is about."""

    sku: str
    qty: int
    condition: Condition = Condition.INTACT


@dataclass(frozen=True, slots=True)
class Request:
    now: datetime
    request: Kind
    reason: Reason
    order: Order
    items: tuple[Item, ...]
    evidence: frozenset[Evidence] = frozenset()
    return_postage: Decimal = ZERO  # what the buyer advanced to send the goods back
    repairs_failed: int = 0
    current_unit_price: Decimal | None = None  # for price_drop

    def __post_init__(self) -> None:
        from .checks import check_request  # the invariants live in one place, with the fields' names

        check_request(self)


@dataclass(frozen=True, slots=True)
class Refund:
    goods: Decimal = ZERO
    shipping: Decimal = ZERO
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.goods + self.shipping)


NO_REFUND = Refund()


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # a stable code, e.g. "no_reason.expired" (docs/aftersales-policy.md lists them)
    reasons: tuple[str, ...]  # zh-hans sentences the customer can read
    basis: Basis | None = None
    resolution: Resolution | None = None
    return_shipping_paid_by: Payer = Payer.NONE
    refund: Refund = NO_REFUND
    refund_method: RefundMethod = RefundMethod.ORIGINAL_PAYMENT
    missing_evidence: tuple[Evidence, ...] = ()
    deadline: datetime | None = None  # the last moment the customer may still ask (a reship: when it is due)
