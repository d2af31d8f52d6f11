"""What the case generator knows about an order: read from the order generator's rows, not from the database.

The commerce seed hands every batch of generated rows to `CaseSeeder.observe` just before writing it, so at
the large scale (1,000,000 orders) nothing has to be read back. Times are epoch seconds, money is cents, as
in the order generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kefu.commerce.seed.writer import table_specs

SIGNED = frozenset({"delivered", "completed"})
IN_FLIGHT = frozenset({"paid", "shipped"})


@dataclass(frozen=True, slots=True)
class SkuMeta:
    """The after-sales view of a SKU (from the catalog the seed wrote)."""

    id: int
    code: str
    seller: str
    attrs: frozenset[str]
    warranty_days: int
    category: str


@dataclass(slots=True)
class LineInfo:
    id: int
    sku: SkuMeta
    qty: int
    paid: int  # cents, the line's paid amount
    confirmed_nonreturnable: bool
    name: str


@dataclass(slots=True)
class OrderInfo:
    id: int
    number: str
    customer_id: int
    user_id: int
    username: str  # the customer's login (their phone number)
    seller: str
    status: str
    placed: int
    paid: int | None
    signed: int | None
    shipping: int  # cents
    payable: int  # cents
    lines: list[LineInfo] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def digital(self) -> bool:
        return all("digital_download" in line.sku.attrs for line in self.lines)


def _index(key: str) -> dict[str, int]:
    return {name: i for i, name in enumerate(table_specs()[key][1])}


def _ts(value) -> int | None:
    return None if value is None else int(value.timestamp())


def _cents(value: Decimal) -> int:
    return int(value * 100)


class RowReader:
    """Turns one batch of generated rows into OrderInfo for the orders worth keeping."""

    def __init__(self, skus: dict[int, SkuMeta], sellers: dict[int, str]):
        self.skus, self.sellers = skus, sellers
        self.o, self.l, self.c = _index("order"), _index("line"), _index("customer")

    def orders(self, rows: dict[str, list[tuple]], keep) -> list[tuple[object, OrderInfo]]:
        """(label, OrderInfo) for every order of the batch that is paid and not cancelled and that
        `keep(status, signed, placed)` labels (a cheap pre-filter, so the large scale builds few objects;
        `placed` is given for orders in flight only)."""
        o, li, c = self.o, self.l, self.c
        status_i, signed_i, placed_i = o["status"], o["signed_at"], o["placed_at"]
        kept: dict[int, tuple] = {}
        for row in rows.get("order", ()):
            status = row[status_i]
            if status not in SIGNED and status not in IN_FLIGHT:
                continue
            signed = _ts(row[signed_i])
            placed = _ts(row[placed_i]) if status in IN_FLIGHT else None  # only orders in flight need it here
            label = keep(status, signed, placed)
            if label:
                kept[row[o["id"]]] = (label, row, signed, placed if placed is not None else _ts(row[placed_i]))
        if not kept:
            return []
        customers = {row[c["id"]]: (row[c["user_id"]], row[c["phone"]]) for row in rows.get("customer", ())}
        lines: dict[int, list[LineInfo]] = {}
        for row in rows.get("line", ()):
            order_id = row[li["order_id"]]
            if order_id in kept:
                lines.setdefault(order_id, []).append(LineInfo(
                    row[li["id"]], self.skus[row[li["sku_id"]]], row[li["quantity"]], _cents(row[li["paid_amount"]]),
                    row[li["buyer_confirmed_nonreturnable"]], row[li["product_name"]]))
        out = []
        for order_id, (label, row, signed, placed) in kept.items():
            user_id, phone = customers[row[o["customer_id"]]]
            info = OrderInfo(
                id=order_id, number=row[o["number"]], customer_id=row[o["customer_id"]], user_id=user_id,
                username=phone, seller=self.sellers[row[o["seller_id"]]], status=row[status_i], placed=placed,
                paid=_ts(row[o["paid_at"]]), signed=signed, shipping=_cents(row[o["shipping_fee"]]),
                payable=_cents(row[o["payable_amount"]]), lines=sorted(lines.get(order_id, []), key=lambda x: x.id))
            if info.lines and not info.digital:
                out.append((label, info))
        return out
