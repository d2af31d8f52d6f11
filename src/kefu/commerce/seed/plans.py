"""Which orders a data set holds: their target status and variant, in what shares, and the cases every
data set has whatever its size and seed (each status, cancel reason, exception kind, payment method,
discount, invoice, and the catalog's special products)."""

from __future__ import annotations

from dataclasses import dataclass

ONLINE, COD, PICKUP = "online", "cod", "self_pickup"
PENDING, PAID, SHIPPED, DELIVERED, COMPLETED, CANCELLED = (
    "pending_payment",
    "paid",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
)
SPENDING = frozenset({PAID, SHIPPED, DELIVERED, COMPLETED})
EXCEPTION_KINDS = ("damaged", "lost", "returned", "delayed")
CANCEL_REASONS = (
    "unpaid_timeout",
    "customer_request",
    "out_of_stock",
    "rejected_on_delivery",
    "seller_cancelled",
)

# (status, variant) shares among orders still in flight around the anchor day …
LIVE_PLANS = (
    ((PENDING, "fresh"), 12),
    ((PENDING, "overdue"), 8),
    ((PAID, ""), 14),
    ((SHIPPED, "on_time"), 22),
    ((SHIPPED, "late"), 8),
    ((SHIPPED, "damaged"), 2),
    ((SHIPPED, "lost"), 2),
    ((SHIPPED, "returned"), 2),
    ((SHIPPED, "delayed"), 3),
    ((DELIVERED, ""), 20),
    ((CANCELLED, "customer_request"), 4),
    ((COMPLETED, ""), 3),
)
# … and among the history of the last two years.
HISTORIC_PLANS = (
    ((COMPLETED, ""), 820),
    ((CANCELLED, "unpaid_timeout"), 70),
    ((CANCELLED, "customer_request"), 60),
    ((CANCELLED, "out_of_stock"), 15),
    ((CANCELLED, "seller_cancelled"), 15),
    ((CANCELLED, "rejected_on_delivery"), 20),
)


@dataclass(slots=True)
class Plan:
    status: str
    variant: str = ""  # pending: fresh/overdue/cod; shipped: on_time/late/<exception kind>; cancelled: reason
    method: str | None = None
    seller: str | None = None
    sku: str | None = None  # SKU code forced on the first line
    quantity: int | None = None
    coupon: bool | None = None
    points: bool | None = None
    invoice: str | None = None  # "ordinary", "vat" or "" for none; None: decide at random
    confirm_nonreturnable: bool | None = None
    premium: bool = False  # a big spender's order: expensive 3C or appliances
    recent: bool = False  # history limited to the last 280 days (counts towards the tier)


def required_plans() -> list[Plan]:
    """Cases every data set has, whatever its size and seed: each status and variant, each cancel reason and
    exception kind, each payment method, discounts and invoices, and the catalog's special products."""
    return [
        Plan(PENDING, "fresh", method=ONLINE),
        Plan(PENDING, "overdue", method=ONLINE),
        Plan(PENDING, "overdue", method=ONLINE, sku="FR-MANGOSTEEN-5KG"),
        Plan(PENDING, "cod", method=COD, seller="jd_self"),
        Plan(PAID, method=ONLINE),
        Plan(SHIPPED, "on_time", method=ONLINE),
        Plan(SHIPPED, "late", method=ONLINE, sku="MP-APTAMIL-S3"),
        Plan(SHIPPED, "late", method=ONLINE, seller="jd_self"),
        *(Plan(SHIPPED, kind, method=ONLINE) for kind in EXCEPTION_KINDS),
        Plan(DELIVERED, method=ONLINE, sku="FR-MANGOSTEEN-2.5KG"),
        Plan(COMPLETED, method=ONLINE),
        *(Plan(CANCELLED, reason, method=ONLINE, seller="jd_self") for reason in CANCEL_REASONS),
        Plan(CANCELLED, "rejected_on_delivery", method=COD, seller="jd_self"),
        Plan(COMPLETED, method=COD, seller="jd_self"),
        Plan(DELIVERED, method=COD, seller="jd_self"),
        Plan(SHIPPED, "on_time", method=COD, seller="jd_self"),
        Plan(DELIVERED, method=PICKUP, seller="jd_self"),
        Plan(COMPLETED, method=PICKUP, seller="jd_self"),
        Plan(COMPLETED, coupon=True, sku="LT-XX14-16G"),
        Plan(COMPLETED, points=True, sku="AC-GREE15-1.5P"),
        Plan(COMPLETED, coupon=True, points=True, invoice="ordinary", sku="WM-HAIER10-WASH"),
        Plan(COMPLETED, sku="JW-GOLD-3G", confirm_nonreturnable=True),
        Plan(DELIVERED, sku="JW-GOLD-5G", confirm_nonreturnable=False),
        Plan(COMPLETED, sku="HD-SIGN-CUSTOM"),
        Plan(COMPLETED, sku="EB-SANTI-EPUB"),
        Plan(COMPLETED, sku="PR-DUZHE-Y2026"),
        Plan(DELIVERED, sku="PR-DILI-M01"),
        Plan(COMPLETED, sku="SW-OFFICE-2021"),
        Plan(DELIVERED, sku="SW-OFFICE-2024"),
        Plan(DELIVERED, sku="AV-DVD-STD"),
        Plan(COMPLETED, sku="DESK-100-100"),
        Plan(COMPLETED, sku="HD-ELEPHANT-L"),
        Plan(SHIPPED, "delayed", sku="MP-A2-S3"),
        Plan(COMPLETED, sku="LT-XX14-8G"),
    ]
