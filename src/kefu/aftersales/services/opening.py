"""Opening a case: the policy engine decides from the order's own data; a refusal writes nothing.

Units already under another case of the same order cannot be asked for again: an open case (neither
closed, cancelled nor declined) holds its units, and a closed case whose resolution took the units
back for good (return_refund, refund_missing) keeps them. Price protection holds no units (the goods
stay with the buyer). The order row is locked, so two tabs cannot open overlapping cases at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from kefu.commerce.models import Order, OrderLine, OrderStatus
from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, NotFound
from kefu.core.money import ZERO

from .. import case_states as st
from ..models import AfterSalesCase, CaseLine
from ..policy import decision_to_dict
from . import evidence as evidence_files
from ._common import payload
from .policy_bridge import AskedLine, advise, refusal_field

NOT_YET_PAID = {OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED}


class PolicyRefused(DomainError):
    """The policy engine said no. `decision` is the decision as JSON, so a page can show its reasons."""

    code = "not_allowed"

    def __init__(self, decision: dict, field: str):
        super().__init__("；".join(decision["reasons"]) or "not allowed", field=field)
        self.decision = decision


def _asked(lines) -> list[AskedLine]:
    asked = []
    for i, line in enumerate(lines):
        if isinstance(line, AskedLine):
            asked.append(line)
        elif isinstance(line, dict):
            asked.append(AskedLine(line["order_line"], line["quantity"], line.get("condition", "intact")))
        else:
            asked.append(AskedLine(*line))
        if not isinstance(asked[-1].order_line, OrderLine):
            raise DomainError("an order line is required", field=f"lines[{i}].order_line")
        if isinstance(asked[-1].quantity, bool) or not isinstance(asked[-1].quantity, int):
            raise DomainError("a quantity is a whole number", field=f"lines[{i}].quantity")
    return asked


def _uploads(evidence) -> list[tuple[object, str]]:
    return [item if isinstance(item, tuple) else (item, "photo") for item in evidence or ()]


def units_held(order: Order) -> dict[int, int]:
    """Units per order line already claimed by other cases of the order (see the module docstring)."""
    holding = (~Q(case__status__in=[st.CLOSED, st.CANCELLED, st.DECLINED])
               | Q(case__status=st.CLOSED, case__resolution__in=["return_refund", "refund_missing"]))
    rows = (CaseLine.objects.filter(case__order=order).exclude(case__kind="price_protection").filter(holding)
            .order_by().values("order_line").annotate(units=Sum("quantity")))
    return {row["order_line"]: row["units"] for row in rows}


def check_askable(order: Order, asked: list[AskedLine], kind: str) -> dict[int, int]:
    """What open_case checks before it asks the policy (the API's advice asks the same, so advice never promises
    a refused case): a paid order, some units, no more than are free of other cases. Returns the units held."""
    if order.status in NOT_YET_PAID:
        raise DomainError("after-sales is for paid orders; cancel an unpaid order instead", field="order")
    if not asked:
        raise DomainError("choose at least one item", field="lines")
    if kind == "price_protection":
        return {}
    held = units_held(order)
    for i, line in enumerate(asked):
        if line.quantity < 1:
            raise DomainError("must be at least 1", field=f"lines[{i}].quantity")
        free = line.order_line.quantity - held.get(line.order_line.pk, 0)
        if line.quantity > free:
            raise DomainError(f"only {max(free, 0)} of {line.order_line.quantity} may still be asked for; "
                              "the rest is under another after-sales case", field=f"lines[{i}].quantity")
    return held


def units_paid(unit_paid: Decimal, quantity: int, line_paid: Decimal, held_elsewhere: int = 0) -> Decimal:
    """The most `quantity` units of a line were paid. The policy prices a unit at paid_amount / quantity rounded
    to the cent, so units refunded case by case could add up to a cent more than the line paid (3 units for
    ¥139.70 → 3 × ¥46.57 = ¥139.71): the last units of a line get what is left of its amount."""
    return min(unit_paid * quantity, max(line_paid - unit_paid * held_elsewhere, ZERO))


def capped_goods(as_dict: dict, goods: Decimal, paid: Decimal) -> Decimal:
    """The goods refund no more than `paid`; the stored decision's figures follow (goods and total)."""
    if goods <= paid:
        return goods
    refund = as_dict["refund"]
    refund["goods"] = f"{paid:.2f}"
    refund["total"] = f"{paid + Decimal(refund['shipping']):.2f}"
    return paid


@transaction.atomic
def open_case(order: Order, kind: str, reason: str, lines: Sequence, evidence: Sequence = (), *, by=None,
              now=None, description: str = "", return_postage: Decimal = ZERO, repairs_failed: int = 0,
              current_unit_price: Decimal | None = None, urgent: bool = False) -> AfterSalesCase:
    """Open a case if the policy allows it. `lines`: AskedLine, (order_line, quantity[, condition]) or dicts;
    `evidence`: uploads (photos) or (upload, kind) pairs. Raises PolicyRefused (a DomainError naming the
    field at fault, with the decision attached) when the policy says no; nothing is written then."""
    try:
        order = Order.objects.select_for_update().get(pk=order.pk)
    except Order.DoesNotExist:
        raise NotFound("no such order", field="order") from None
    viewer = getattr(by, "customer", None) if by is not None and not isinstance(by, str) else None
    if viewer is not None and viewer.pk != order.customer_id:
        raise NotFound("no such order", field="order")  # a customer sees only their own orders
    asked = _asked(lines)
    held = check_askable(order, asked, kind)
    uploads = _uploads(evidence)
    checked = [evidence_files.checked(upload, field=f"evidence[{i}]") for i, (upload, _k) in enumerate(uploads)]
    now = now or clock.now()
    decision = advise(order, kind=kind, reason=reason, lines=asked, evidence_kinds={k for _u, k in uploads}, now=now,
                      return_postage=return_postage, repairs_failed=repairs_failed,
                      current_unit_price=current_unit_price)
    as_dict = decision_to_dict(decision)
    if not decision.allowed:
        raise PolicyRefused(as_dict, refusal_field(decision.rule))
    goods = decision.refund.goods
    if kind != "price_protection":
        paid = sum((units_paid(a.order_line.unit_paid, a.quantity, a.order_line.paid_amount,
                               held.get(a.order_line.pk, 0)) for a in asked), ZERO)
        goods = capped_goods(as_dict, goods, paid)
    case = AfterSalesCase.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:28]}", order=order, customer_id=order.customer_id,
        kind=kind, reason=reason, description=description, decision=as_dict, policy_rule=decision.rule,
        resolution=decision.resolution.value, return_shipping_paid_by=decision.return_shipping_paid_by.value,
        refund_method=decision.refund_method.value, refund_goods=goods,
        refund_shipping=decision.refund.shipping, return_postage=return_postage, repairs_failed=repairs_failed,
        current_unit_price=current_unit_price, urgent=urgent, created_at=now,
    )
    # AS + local date + the row id: unique without a counter row every opening would contend on.
    case.number = f"AS{timezone.localtime(now):%Y%m%d}{case.pk:06d}"
    case.save(update_fields=["number"])
    CaseLine.objects.bulk_create([CaseLine(case=case, order_line=a.order_line, quantity=a.quantity,
                                           condition=a.condition) for a in asked])
    stored = []
    try:
        for (upload, ev_kind), (content, ctype, ext) in zip(uploads, checked, strict=True):
            stored.append(evidence_files.store(case, upload, ev_kind, content, ctype, ext, by=by))
        audit.status_changed(case, None, st.REQUESTED, actor=by, reason=decision.rule)
        audit.money_changed(case, "refund_goods", None, case.refund_goods, actor=by, reason=decision.rule)
        audit.money_changed(case, "refund_shipping", None, case.refund_shipping, actor=by, reason=decision.rule)
        events.emit("case.opened", payload(case, kind=kind, reason=reason, resolution=case.resolution,
                                           refund_total=f"{case.refund_total:.2f}", urgent=urgent))
    except BaseException:
        for ev in stored:  # the rows roll back; do not leave their files behind
            ev.file.delete(save=False)
        raise
    return case
