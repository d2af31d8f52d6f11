"""The money of one case as the services move it, in plain data: what the planner needs to know (is anything
still owed after the inspection?) and what the bulk writer replays (every set_money with its audit line).

Mirrors services/warehouse._reprice and services/refunds.owed; tests/aftersales/test_seed_cases.py runs the
same plans through the services and through the bulk writer and compares every row, so a change to the
services that this file does not follow fails a test instead of drifting silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kefu.core.money import ZERO

KINDS = ("goods", "shipping", "postage")  # the order in which issue_refund asks for them


@dataclass(slots=True)
class CaseMoney:
    resolution: str
    paid_by: str  # return_shipping_paid_by
    method: str  # refund_method of the goods
    goods: Decimal
    shipping: Decimal
    postage: Decimal  # return postage the buyer advanced
    changes: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (kind, field, old, new, why)

    @property
    def postage_part(self) -> Decimal:
        if self.paid_by != "seller":
            return ZERO
        return min(self.postage, self.shipping)

    @property
    def order_shipping_part(self) -> Decimal:
        return self.shipping - self.postage_part

    def due(self, done: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
        done = done or {}
        wanted = {"goods": self.goods, "shipping": self.order_shipping_part, "postage": self.postage_part}
        return {k: wanted[k] - done.get(k, ZERO) for k in KINDS if wanted[k] - done.get(k, ZERO) > 0}

    def _set(self, name: str, new: Decimal, why: str) -> None:
        old = getattr(self, name)
        if old == new:
            return
        setattr(self, name, new)
        field_name = {"goods": "refund_goods", "shipping": "refund_shipping"}[name]
        self.changes.append(("money", field_name, str(old), str(new), why))

    def reprice(self, *, reason: str, outcome: str, accepted_goods: Decimal | None,
                wrong_item_confirmed: bool | None) -> None:
        """The inspection's effect on the money (warehouse._reprice); audit lines go to `changes`."""
        why = f"inspection: {outcome}"
        if reason == "wrong_item" and wrong_item_confirmed is False:
            old = self.paid_by
            self.paid_by = "buyer"
            self.changes.append(("status", "return_shipping_paid_by", old, "buyer",
                                 "the warehouse found the right item was sent: the buyer pays the postage"))
            self._set("shipping", ZERO, "not a wrong item: postage on the buyer")
        if outcome == "rejected":
            self._set("goods", ZERO, why)
            self._set("shipping", ZERO, why)
        elif outcome == "partly_accepted":
            if self.resolution == "return_refund" and accepted_goods is not None:
                self._set("goods", min(accepted_goods, self.goods), why)
            postage = self.postage if self.paid_by == "seller" else ZERO
            self._set("shipping", min(postage, self.shipping), why)
