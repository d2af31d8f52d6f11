"""Case actions for the agent and the customer: one function per business action, each in a transaction
on the locked case row, checked by the state machine (case_states.CASE), audited and announced.

Opening a case lives in opening.py, the warehouse's actions in warehouse.py, money in refunds.py.
"""

from __future__ import annotations

import re

from django.db import transaction

from kefu.commerce.models import Carrier
from kefu.core import audit, clock, events
from kefu.core.errors import Conflict, DomainError, InvalidTransition
from kefu.core.money import money

from .. import case_states as st
from ..models import AfterSalesCase, Recovery, ReturnShipment
from ._common import lock, move, payload, set_money, user_or_none
from .opening import PolicyRefused, open_case
from .refunds import outstanding

__all__ = ["PolicyRefused", "add_return_tracking", "approve", "assign", "cancel_by_customer", "close", "decline",
           "escalate", "open_case", "send_replacement", "settle_recovery", "start_repair"]

TRACKING = re.compile(r"^[A-Za-z0-9-]{6,40}$")
TRAVELS_BACK = {"return_refund", "exchange", "repair"}


@transaction.atomic
def approve(case: AfterSalesCase, *, by=None, reason: str = "") -> AfterSalesCase:
    """The agent accepts the request. When the item must travel back, the case waits for the parcel."""
    case = lock(case)
    move(case, st.APPROVED, by=by, reason=reason)
    if case.resolution in TRAVELS_BACK:
        move(case, st.AWAITING_RETURN, by=by, reason="the item travels back")
    return case


@transaction.atomic
def decline(case: AfterSalesCase, *, reason: str, by=None) -> AfterSalesCase:
    if not reason.strip():
        raise DomainError("say why the request is declined", field="reason")
    case = lock(case)
    case.status_reason = reason
    move(case, st.DECLINED, by=by, reason=reason)
    return case


@transaction.atomic
def cancel_by_customer(case: AfterSalesCase, *, by=None, reason: str = "") -> AfterSalesCase:
    """The buyer withdraws the request, until the parcel is on its way back. Staff may do it on their behalf."""
    case = lock(case)
    customer = getattr(by, "customer", None) if user_or_none(by) else None
    if customer is not None and customer.pk != case.customer_id:
        raise DomainError("only the customer who opened the case may cancel it", field="case", code="forbidden")
    if case.status not in st.CANCELLABLE_BY_CUSTOMER:
        raise InvalidTransition(f"a case that is {case.status} can no longer be cancelled", field="status")
    if case.replacement_sent_at is not None:
        raise InvalidTransition("the replacement has already been sent: the original must come back",
                                field="status")
    case.status_reason = reason
    move(case, st.CANCELLED, by=by, reason=reason or "cancelled by the customer")
    return case


@transaction.atomic
def escalate(case: AfterSalesCase, *, by=None, reason: str = "") -> AfterSalesCase:
    """Raise the case to a supervisor: a flag with an audit record; escalating twice changes nothing."""
    case = lock(case)
    if not case.is_open:
        raise InvalidTransition(f"a {case.status} case cannot be escalated", field="status")
    if case.escalated:
        return case
    case.escalated, case.escalated_at = True, clock.now()
    case.save(update_fields=["escalated", "escalated_at"])
    audit.status_changed(case, "no", "yes", actor=by, reason=reason, field="escalated")
    events.emit("case.escalated", payload(case, reason=reason, at=case.escalated_at.isoformat()))
    return case


@transaction.atomic
def assign(case: AfterSalesCase, agent, *, by=None) -> AfterSalesCase:
    case = lock(case)
    if case.assigned_to_id == getattr(agent, "pk", None):
        return case
    old = case.assigned_to.get_username() if case.assigned_to_id else None
    case.assigned_to = agent
    case.save(update_fields=["assigned_to"])
    audit.status_changed(case, old, agent.get_username() if agent else "", actor=by, field="assigned_to")
    events.emit("case.assigned", payload(case, agent_id=getattr(agent, "pk", None)))
    return case


@transaction.atomic
def add_return_tracking(case: AfterSalesCase, *, carrier: Carrier, tracking_number: str, by=None,
                        postage=None) -> AfterSalesCase:
    """The buyer has sent the item back. `postage` (what they advanced) is refunded when the seller pays."""
    tracking_number = (tracking_number or "").strip().upper()
    if not TRACKING.match(tracking_number):
        raise DomainError("a tracking number is 6–40 letters, digits or dashes", field="tracking_number")
    case = lock(case)
    move(case, st.IN_TRANSIT, by=by, reason=f"{carrier.code} {tracking_number}")
    ReturnShipment.objects.create(case=case, carrier=carrier, tracking_number=tracking_number,
                                  shipped_at=clock.now())
    if postage is not None:
        postage = money(postage)
        if postage < 0:
            raise DomainError("postage cannot be negative", field="postage")
        if case.return_shipping_paid_by == "seller":
            set_money(case, "refund_shipping", case.refund_shipping - case.return_postage + postage, by=by,
                      reason="return postage advanced by the buyer")
        set_money(case, "return_postage", postage, by=by, reason="return postage advanced by the buyer")
        case.save(update_fields=["refund_shipping", "return_postage"])
    return case


@transaction.atomic
def send_replacement(case: AfterSalesCase, *, by=None, note: str = "") -> AfterSalesCase:
    """Ship the replacement (exchange) or the missing item (reship).

    After approval of a missing item or after an accepted inspection, the case moves to reshipping. An urgent
    exchange [seed 001] may get its replacement while the original is still on its way (approved,
    awaiting_return, in_transit): the case stays where it is and only replacement_sent_at is recorded."""
    case = lock(case)
    if case.resolution not in {"exchange", "reship"}:
        raise Conflict(f"a {case.resolution} case has no replacement to send", field="resolution")
    if case.replacement_sent_at is not None:
        return case
    early = case.status in st.EARLY_REPLACEMENT_STATES and not (case.status == st.APPROVED
                                                                and case.resolution == "reship")
    if early and not case.urgent:
        raise InvalidTransition("the replacement leaves once the return is inspected (the case is not urgent)",
                                field="status")
    case.replacement_sent_at = clock.now()
    if early:
        case.save(update_fields=["replacement_sent_at"])
        audit.status_changed(case, None, "sent", actor=by, reason=note or "urgent: before the return",
                             field="replacement")
        events.emit("case.replacement_sent", payload(case, early=True, note=note))
        return case
    move(case, st.RESHIPPING, by=by, reason=note or "replacement sent")
    events.emit("case.replacement_sent", payload(case, early=False, note=note))
    return case


@transaction.atomic
def start_repair(case: AfterSalesCase, *, by=None, note: str = "") -> AfterSalesCase:
    case = lock(case)
    if case.resolution != "repair":
        raise Conflict(f"a {case.resolution} case is not repaired", field="resolution")
    move(case, st.REPAIRING, by=by, reason=note or "sent for repair")
    return case


@transaction.atomic
def close(case: AfterSalesCase, *, by=None, reason: str = "") -> AfterSalesCase:
    """Close a finished case. Refused while a refund is owed or unconfirmed, a replacement is unsent, or an
    early replacement is still to be recovered."""
    case = lock(case)
    left = outstanding(case) if case.status not in {st.REJECTED, st.DECLINED} else []
    if case.replacement_recovery == Recovery.OPEN and "replacement_recovery" not in left:
        left.append("replacement_recovery")
    if left:
        raise Conflict(f"the case still has to settle: {', '.join(left)}", field="status", code="outstanding")
    move(case, st.CLOSED, by=by, reason=reason)
    return case


SETTLED = {Recovery.RETURNED, Recovery.PAID, Recovery.WAIVED}


@transaction.atomic
def settle_recovery(case: AfterSalesCase, *, outcome: str, note: str = "", by=None) -> AfterSalesCase:
    """Settle an early replacement whose return was rejected: the buyer sent it back, paid for it, or the
    seller writes it off. A write-off needs a note (who decided, why); settling twice is refused."""
    if outcome not in SETTLED:
        raise DomainError(f"outcome must be one of {', '.join(sorted(SETTLED))}", field="outcome")
    if outcome == Recovery.WAIVED and not note.strip():
        raise DomainError("say why the replacement is written off", field="note")
    case = lock(case)
    if case.replacement_recovery != Recovery.OPEN:
        raise InvalidTransition("this case has no replacement to recover", field="replacement_recovery")
    case.replacement_recovery = outcome
    case.save(update_fields=["replacement_recovery"])
    audit.status_changed(case, Recovery.OPEN, outcome, actor=by, reason=note, field="replacement_recovery")
    events.emit("case.recovery_settled", payload(case, outcome=outcome, note=note))
    return case
