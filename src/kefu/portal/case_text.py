"""After-sales in the customer's words: the policy's decision, the case timeline, service errors.

Nothing here decides anything. The policy engine decides (its reasons are already zh-hans sentences);
this module only puts labels on the codes it returns, and says in the customer's language what the
services' English error messages mean.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kefu.aftersales import case_states as st
from kefu.aftersales.models import (
    CASE_STATUS_LABELS,
    AfterSalesCase,
    CaseEvidence,
    CaseKind,
    CaseReason,
    Payer,
    Refund,
    RefundMethod,
    Resolution,
)
from kefu.aftersales.policy import Kind, no_reason, quality, wrong_missing
from kefu.aftersales.services import evidence as evidence_files
from kefu.core.errors import DomainError, InvalidTransition

# Which requests make sense for which problem: the policy modules' own lists (the engine is the one place
# that knows them), so the form never offers a combination the engine would refuse out of hand.
_OFFERED = {
    CaseReason.NO_REASON: no_reason.OFFERED,
    CaseReason.QUALITY_MINOR: quality.MINOR_OFFERED,
    CaseReason.QUALITY_SERIOUS: quality.OFFERED,
    CaseReason.DAMAGED_IN_TRANSIT: quality.OFFERED,
    CaseReason.WRONG_ITEM: wrong_missing.WRONG_OFFERED,
    CaseReason.MISSING_ITEM: wrong_missing.MISSING_OFFERED,
    CaseReason.PRICE_DROP: (Kind.PRICE_PROTECTION,),
}
KINDS_FOR_REASON: dict[str, tuple[str, ...]] = {
    str(reason): tuple(str(kind) for kind in kinds) for reason, kinds in _OFFERED.items()
}
# Requests after which the goods travel back to the shop (the buyer may have advanced the postage).
TRAVELS_BACK = frozenset({CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR})

# Status → the tone of its badge: the customer's turn (warn), in progress (info), done, stopped.
STATUS_TONE = {
    st.REQUESTED: "info", st.APPROVED: "info", st.AWAITING_RETURN: "warn", st.IN_TRANSIT: "info",
    st.RECEIVED: "info", st.INSPECTING: "info", st.ACCEPTED: "ok", st.PARTLY_ACCEPTED: "warn",
    st.REJECTED: "late", st.REFUNDING: "info", st.RESHIPPING: "info", st.REPAIRING: "info",
    st.CLOSED: "ok", st.DECLINED: "late", st.CANCELLED: "muted",
}

# What happened, in a sentence, when a case reached a status.
STATUS_STORY = {
    st.REQUESTED: gettext_lazy("You applied for after-sales service."),
    st.APPROVED: gettext_lazy("Customer service approved your request."),
    st.DECLINED: gettext_lazy("Customer service declined your request."),
    st.CANCELLED: gettext_lazy("The request was withdrawn."),
    st.AWAITING_RETURN: gettext_lazy("Please send the item back and enter the return tracking number."),
    st.IN_TRANSIT: gettext_lazy("The item is on its way back to the warehouse."),
    st.RECEIVED: gettext_lazy("The warehouse has received your parcel."),
    st.INSPECTING: gettext_lazy("The warehouse is inspecting the item."),
    st.ACCEPTED: gettext_lazy("The inspection confirmed your request."),
    st.PARTLY_ACCEPTED: gettext_lazy("The inspection confirmed part of your request."),
    st.REJECTED: gettext_lazy("The inspection did not confirm your request."),
    st.REFUNDING: gettext_lazy("The refund has been issued."),
    st.RESHIPPING: gettext_lazy("The replacement has been sent."),
    st.REPAIRING: gettext_lazy("The item is being repaired."),
    st.CLOSED: gettext_lazy("The case is closed."),
}
# What the customer should do, or wait for, while the case is at a status.
NEXT_STEP = {
    st.REQUESTED: gettext_lazy("Customer service is reviewing your request."),
    st.APPROVED: gettext_lazy("Your request is approved and being handled."),
    st.AWAITING_RETURN: gettext_lazy("Send the item back, then enter the carrier and tracking number below."),
    st.IN_TRANSIT: gettext_lazy("The warehouse handles your return as soon as the parcel arrives."),
    st.RECEIVED: gettext_lazy("The warehouse received your parcel; the inspection follows shortly."),
    st.INSPECTING: gettext_lazy("The warehouse is inspecting the item."),
    st.REFUNDING: gettext_lazy("The refund is on its way back to you."),
    st.RESHIPPING: gettext_lazy("The replacement is on its way to you."),
    st.REPAIRING: gettext_lazy("The item is being repaired."),
}

# Reasons the services write for themselves: not the customer's words, so not shown as a remark.
SYSTEM_REASONS = frozenset({
    "the item travels back", "parcel received", "inspection started", "refund issued", "refund confirmed",
    "cancelled by the customer", "replacement sent", "sent for repair", "urgent: before the return",
})
RULE_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")
# Statuses whose reason is written by a person for the customer (a decline, a withdrawal, an inspection note).
REMARKED = frozenset({st.APPROVED, st.DECLINED, st.CANCELLED, st.ACCEPTED, st.PARTLY_ACCEPTED, st.REJECTED,
                      st.CLOSED})

MONEY_FIELDS = ("refund_goods", "refund_shipping", "return_postage")

REFUND_STATUS = {
    st.PENDING: pgettext_lazy("refund status", "Being processed"),
    st.SENT: pgettext_lazy("refund status", "Paid out"),
    st.CONFIRMED: pgettext_lazy("refund status", "Received"),
    st.FAILED: pgettext_lazy("refund status", "Failed, being retried"),
}
REFUND_TONE = {st.PENDING: "info", st.SENT: "info", st.CONFIRMED: "ok", st.FAILED: "late"}


def label(choices, value) -> str:
    """The translated label of a choice value, or the value itself if it is unknown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def status_label(status: str) -> str:
    return str(CASE_STATUS_LABELS.get(status, status))


def _deadline(value) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def decision_view(decision: dict, *, goods=None, shipping=None, payer=None, method=None) -> dict:
    """A policy decision (as decision_to_dict writes it) ready for `portal/_decision.html`.

    The case page passes the case's current figures (an inspection may have changed them since)."""
    refund = decision.get("refund") or {}
    goods = Decimal(goods if goods is not None else refund.get("goods") or "0")
    shipping = Decimal(shipping if shipping is not None else refund.get("shipping") or "0")
    payer = payer or decision.get("return_shipping_paid_by") or Payer.NONE
    method = method or decision.get("refund_method") or RefundMethod.ORIGINAL_PAYMENT
    resolution = decision.get("resolution")
    total = goods + shipping
    return {
        "allowed": bool(decision.get("allowed")),
        "resolution": resolution,
        "resolution_label": label(Resolution, resolution) if resolution else "",
        "goods": goods, "shipping": shipping, "total": total,
        "points": int(total * 100) if method == RefundMethod.POINTS else None,
        "payer": payer, "payer_label": label(Payer, payer),
        "method": method, "method_label": label(RefundMethod, method),
        "deadline": _deadline(decision.get("deadline")),
        "deadline_is_due": resolution == Resolution.RESHIP,
        "reasons": list(decision.get("reasons") or []),
        "missing": [str(CaseEvidence.Kind.PHOTO.label) if item == "photo" else item
                    for item in decision.get("missing_evidence") or []],
    }


def case_decision(case: AfterSalesCase) -> dict:
    return decision_view(case.decision, goods=case.refund_goods, shipping=case.refund_shipping,
                         payer=case.return_shipping_paid_by, method=case.refund_method)


def _who(actor_label: str, username: str) -> str:
    if actor_label == username:
        return _("You")
    if actor_label in {"system", "payment"} or ":" in actor_label:
        return _("System")
    return _("Customer service")


def _remark(status: str, reason: str) -> str:
    reason = (reason or "").strip()
    if status not in REMARKED or not reason or reason in SYSTEM_REASONS or RULE_CODE.match(reason):
        return ""
    if reason.startswith("inspected: "):
        return ""
    return reason


def timeline_entries(case: AfterSalesCase, entries: list[dict], username: str) -> list[dict]:
    """selectors.timeline(case) in the customer's words, newest first. Internal steps (assignment) and the
    amounts written when the case was opened (the decision shows them) are left out."""
    shown = []
    shipment = getattr(case, "return_shipment", None)  # a missing one-to-one reads as None here
    for entry in entries:
        field, new = entry["field"], entry["to"]
        item = {"at": entry["at"], "by": _who(entry["by"], username), "title": "", "text": "", "remark": "",
                "tone": "info", "status": ""}
        if field == "status":
            item.update(title=status_label(new), text=str(STATUS_STORY.get(new, "")), status=new,
                        tone=STATUS_TONE.get(new, "info"), remark=_remark(new, entry["reason"]))
            if new == st.IN_TRANSIT and shipment is not None:
                item["text"] = _("You sent the item back with %(carrier)s, tracking number %(number)s.") % {
                    "carrier": shipment.carrier.name, "number": shipment.tracking_number}
        elif field in MONEY_FIELDS:
            if entry["from"] == "":
                continue  # the amounts the case was opened with: the decision card shows them
            # Later changes come from the inspection or the postage the buyer entered; the status entry
            # next to it carries any note for the customer.
            item.update(title=str(AfterSalesCase._meta.get_field(field).verbose_name),
                        text=_("Changed from ¥%(old)s to ¥%(new)s.") % {"old": entry["from"], "new": new})
        elif field == "return_shipping_paid_by":
            item.update(title=_("Return shipping"),
                        text=_("Paid by: %(payer)s.") % {"payer": label(Payer, new)}, tone="warn")
        elif field == "escalated":
            item.update(title=_("Escalated"), text=_("A supervisor is now following your case."))
        elif field == "replacement":
            item.update(title=status_label(st.RESHIPPING),
                        text=_("The replacement was sent before your return arrived."))
        else:
            continue  # e.g. assignment to an agent: internal
        shown.append(item)
    shown.reverse()
    return shown


def refund_rows(refunds) -> list[dict]:
    return [{"refund": r, "kind": label(Refund.Kind, r.kind), "method": label(RefundMethod, r.method),
             "status": str(REFUND_STATUS.get(r.status, r.status)), "tone": REFUND_TONE.get(r.status, "info"),
             "points": r.points if r.method == RefundMethod.POINTS else None} for r in refunds]


def error_message(exc: DomainError, *, action: str = "") -> str:
    """A service's DomainError in the customer's language. The policy's refusal reasons are already zh-hans."""
    if getattr(exc, "decision", None):
        return "；".join(exc.decision.get("reasons") or []) or _("The request is not allowed.")
    if exc.code == "too_large":
        return _("A photo may be at most %(mb)s MB.") % {"mb": evidence_files.max_bytes() // (1024 * 1024)}
    if exc.code == "bad_type":
        return _("Only JPEG, PNG or WebP photos are accepted.")
    if exc.field == "tracking_number":
        return _("A tracking number has 6 to 40 letters, digits or dashes.")
    if exc.field == "postage":
        return _("The postage cannot be negative.")
    if exc.field == "order":
        return _("After-sales service is for paid orders; an unpaid order can simply be cancelled.")
    if isinstance(exc, InvalidTransition):
        if action == "cancel":
            return _("This request can no longer be withdrawn.")
        if action == "return":
            return _("This case is not waiting for a return parcel.")
        return _("This step is not possible at the case's current status.")
    return _("The request could not be completed (%(detail)s).") % {"detail": exc.message}
