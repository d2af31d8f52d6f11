"""The warehouse: receive a returned parcel (scan its tracking number or the case number), inspect, restock.

Receipt starts the 100-minute clock (售后100分 [seed 002]); the inspection's decision stops it. The
inspection can move money [seed 001]: when the case says wrong item and the warehouse finds the right
item was sent (倉庫鑒定貨沒有錯發, 郵費買家自行承擔), the buyer pays the return postage and the shipping
refund goes. Outcomes:
- accepted: the refund stands as decided;
- partly_accepted: accepted quantities per line; a return refunds the goods of the accepted units only, and
  the order's own shipping fee no longer (the order is no longer returned whole): shipping = the postage
  advanced, if the seller pays;
- rejected: nothing is refunded; the parcel goes back to the buyer (outside this module).
When an urgent customer got the replacement before the return [seed 001] and the return is not fully
accepted, the case opens a replacement recovery that must be settled before it closes (cases.settle_recovery).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from kefu.commerce.models import Sku
from kefu.core import audit, clock, events
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from kefu.core.money import ZERO

from .. import case_states as st
from ..models import AfterSalesCase, Condition, Inspection, Recovery, ReturnShipment
from ._common import lock, move, payload, set_money, user_or_none

RECEIVABLE = {st.AWAITING_RETURN, st.IN_TRANSIT}
AFTER_RECEIPT = {st.RECEIVED, st.INSPECTING, st.ACCEPTED, st.PARTLY_ACCEPTED, st.REJECTED, st.REFUNDING,
                 st.RESHIPPING, st.REPAIRING, st.CLOSED}


def find_case(ref: str) -> AfterSalesCase:
    """A case from a scanned case number or return tracking number."""
    ref = (ref or "").strip().upper()
    if not ref:
        raise DomainError("scan a tracking number or a case number", field="ref")
    case = AfterSalesCase.objects.filter(number=ref).first()
    if case is not None:
        return case
    ids = list(ReturnShipment.objects.filter(tracking_number=ref).values_list("case_id", flat=True)[:2])
    if not ids:
        raise NotFound(f"no after-sales case or return parcel {ref}", field="ref")
    if len(ids) > 1:
        raise Conflict(f"tracking number {ref} belongs to more than one case: scan the case number", field="ref")
    return AfterSalesCase.objects.get(pk=ids[0])


@transaction.atomic
def receive_return(ref: AfterSalesCase | str, *, by=None) -> AfterSalesCase:
    """The parcel is at the warehouse: starts the 100-minute clock. Scanning it twice changes nothing."""
    case = lock(ref if isinstance(ref, AfterSalesCase) else find_case(ref))
    if case.received_at is not None and case.status in AFTER_RECEIPT:
        return case
    if case.status not in RECEIVABLE:
        raise InvalidTransition(f"a case that is {case.status} is not expecting a parcel", field="status")
    case.received_at = clock.now()
    move(case, st.RECEIVED, by=by, reason="parcel received", at=case.received_at)
    return case


@transaction.atomic
def start_inspection(case: AfterSalesCase, *, by=None) -> AfterSalesCase:
    case = lock(case)
    move(case, st.INSPECTING, by=by, reason="inspection started")
    return case


def _accepted_quantities(case: AfterSalesCase, outcome: str, accepted: Mapping[int, int] | None) -> dict[int, int]:
    lines = list(case.lines.all())
    if outcome == st.ACCEPTED:
        return {line.pk: line.quantity for line in lines}
    if outcome == st.REJECTED:
        return {line.pk: 0 for line in lines}
    accepted = dict(accepted or {})
    quantities = {}
    for i, line in enumerate(lines):
        qty = accepted.pop(line.pk, accepted.pop(line.order_line_id, None))
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= line.quantity:
            raise DomainError(f"accepted units must be a whole number from 0 to {line.quantity}",
                              field=f"accepted[{i}]")
        quantities[line.pk] = qty
    if accepted:
        raise DomainError("accepted names a line that is not in the case", field="accepted")
    if not 0 < sum(quantities.values()) < sum(line.quantity for line in lines):
        raise DomainError("partly accepted means some but not all units", field="accepted")
    return quantities


def _reprice(case: AfterSalesCase, outcome: str, quantities: dict[int, int], wrong_item_confirmed, by) -> None:
    why = f"inspection: {outcome}"
    if case.reason == "wrong_item" and wrong_item_confirmed is False:
        old = case.return_shipping_paid_by
        case.return_shipping_paid_by = "buyer"
        audit.status_changed(case, old, "buyer", actor=by, field="return_shipping_paid_by",
                             reason="the warehouse found the right item was sent: the buyer pays the postage")
        set_money(case, "refund_shipping", ZERO, by=by, reason="not a wrong item: postage on the buyer")
    if outcome == st.REJECTED:
        set_money(case, "refund_goods", ZERO, by=by, reason=why)
        set_money(case, "refund_shipping", ZERO, by=by, reason=why)
    elif outcome == st.PARTLY_ACCEPTED:
        if case.resolution == "return_refund":
            lines = {line.pk: line for line in case.lines.select_related("order_line")}
            goods = sum((lines[pk].order_line.unit_paid * qty for pk, qty in quantities.items()), ZERO)
            set_money(case, "refund_goods", min(goods, case.refund_goods), by=by, reason=why)
        postage = case.return_postage if case.return_shipping_paid_by == "seller" else ZERO
        set_money(case, "refund_shipping", min(postage, case.refund_shipping), by=by, reason=why)


@transaction.atomic
def record_inspection(case: AfterSalesCase, *, outcome: str, condition_found: str, resellable: bool,
                      wrong_item_confirmed: bool | None = None, accepted: Mapping[int, int] | None = None,
                      notes: str = "", by=None) -> AfterSalesCase:
    """The warehouse's verdict, the decision that stops the 100-minute clock. `accepted`: units per case line
    (keyed by case line or order line id) when partly accepted. A case still at `received` is taken through
    `inspecting` first (both steps audited)."""
    case = lock(case)
    if outcome not in st.DECIDED:
        raise DomainError(f"outcome must be one of {', '.join(sorted(st.DECIDED))}", field="outcome")
    if condition_found not in Condition.values:
        raise DomainError(f"condition must be one of {', '.join(Condition.values)}", field="condition_found")
    if case.reason == "wrong_item" and wrong_item_confirmed is None:
        raise DomainError("say whether the item really was the wrong one", field="wrong_item_confirmed")
    if case.status == st.RECEIVED:
        move(case, st.INSPECTING, by=by, reason="inspection started")
    st.CASE.check(case.status, outcome)
    quantities = _accepted_quantities(case, outcome, accepted)
    now = clock.now()
    Inspection.objects.create(case=case, condition_found=condition_found, resellable=resellable,
                              wrong_item_confirmed=wrong_item_confirmed, outcome=outcome, notes=notes,
                              inspector=user_or_none(by), inspected_at=now)
    for line in case.lines.all():
        line.accepted_quantity = quantities[line.pk]
        line.save(update_fields=["accepted_quantity"])
    _reprice(case, outcome, quantities, wrong_item_confirmed, by)
    case.decided_at, case.decided_by = now, user_or_none(by)
    move(case, outcome, by=by, reason=notes or f"inspected: {condition_found}", at=now)
    if case.replacement_sent_at is not None and outcome != st.ACCEPTED:
        _open_recovery(case, outcome, by)
    events.emit("case.inspected", payload(case, outcome=outcome, minutes_used=round(case.minutes_used or 0, 2),
                                          breached=case.breached, refund_total=f"{case.refund_total:.2f}",
                                          return_shipping_paid_by=case.return_shipping_paid_by))
    return case


def _open_recovery(case: AfterSalesCase, outcome: str, by) -> None:
    """The urgent customer already holds the replacement [seed 001] but the return is not (all) accepted:
    the seller must get the replacement back, be paid for it, or write it off (cases.settle_recovery)."""
    case.replacement_recovery = Recovery.OPEN
    case.save(update_fields=["replacement_recovery"])
    audit.status_changed(case, Recovery.NONE, Recovery.OPEN, actor=by, field="replacement_recovery",
                         reason=f"replacement sent before the return, which was {outcome.replace('_', ' ')}")
    events.emit("case.recovery_opened", payload(case, outcome=outcome,
                                                replacement_sent_at=case.replacement_sent_at.isoformat()))


@transaction.atomic
def restock(case: AfterSalesCase, *, by=None) -> AfterSalesCase:
    """Put the accepted, resellable units back on sale. Once per case."""
    case = lock(case)
    inspection = Inspection.objects.select_for_update().filter(case=case).first()
    if inspection is None or inspection.outcome == st.REJECTED or not inspection.resellable:
        raise Conflict("only accepted, resellable returns go back into stock", field="inspection")
    if inspection.restocked_at is not None:
        return case
    units = []
    for line in case.lines.select_related("order_line"):
        if line.accepted_quantity:
            Sku.objects.filter(pk=line.order_line.sku_id).update(stock=F("stock") + line.accepted_quantity)
            units.append({"sku_id": line.order_line.sku_id, "units": line.accepted_quantity})
    inspection.restocked_at = clock.now()
    inspection.save(update_fields=["restocked_at"])
    events.emit("case.restocked", payload(case, units=units, by=getattr(user_or_none(by), "pk", None)))
    return case
