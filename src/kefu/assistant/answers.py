"""Answers from the customer's own data: where the order is, whether it can still be cancelled, whether the
price has dropped, how their after-sales cases and refunds stand. And the FAQ answer with the shop's numbers.

The rules are not decided here: the order state machine says what may be cancelled
(commerce.order_states.CANCELLABLE_BY_CUSTOMER), the delivery promise says what is late
(commerce.delivery.is_late), and the after-sales policy engine says whether price protection applies and how
much comes back (aftersales.services.policy_bridge.advise). This module reads their verdicts and words them.
Each answer also carries `facts` (plain data) and `actions` (what the customer can do next) for pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.aftersales.models import CASE_STATUS_LABELS, AfterSalesCase
from kefu.aftersales.policy_settings import configured
from kefu.aftersales.services.policy_bridge import AskedLine, advise
from kefu.commerce.delivery import is_late
from kefu.commerce.models import Customer, Order, OrderStatus, Shipment
from kefu.commerce.order_states import CANCELLABLE_BY_CUSTOMER
from kefu.commerce.tiers import DEFAULT_THRESHOLDS
from kefu.core import clock

from . import selectors

PERSONAL_INTENTS = frozenset({"order_status", "cancel_order", "price_protection", "refund_status"})
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


@dataclass
class Reply:
    text: str
    facts: dict = field(default_factory=dict)
    actions: list[dict] = field(default_factory=list)


# --- FAQ answers with the shop's numbers ------------------------------------------------------------------

def placeholder_values() -> dict[str, str]:
    """What {{name}} in an FAQ answer stands for: the policy engine's and the settings' numbers, so an answer
    never states a window the rules do not apply."""
    policy = configured()
    tiers = {**DEFAULT_THRESHOLDS, **getattr(settings, "KEFU_TIER_THRESHOLDS", {})}
    return {
        "no_reason_days": str(policy.no_reason_days),
        "quality_return_days": str(policy.quality_return_days),
        "quality_exchange_days": str(policy.quality_exchange_days),
        "wrong_or_missing_days": str(policy.wrong_or_missing_days),
        "price_protection_days": str(policy.price_protection_days),
        "reship_cutoff": policy.reship_cutoff.strftime("%H:%M"),
        "unpaid_cancel_hours": str(settings.KEFU_UNPAID_ORDER_CANCEL_HOURS),
        "hundred_minutes": str(getattr(settings, "KEFU_AFTERSALES_HUNDRED_MINUTES", 100)),
        **{f"{tier}_spend": f"{Decimal(tiers[tier]):,.0f}" for tier in ("bronze", "silver", "gold", "diamond")},
    }


def unknown_placeholders(text: str) -> list[str]:
    known = placeholder_values()
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in known})


def render(text: str) -> str:
    values = placeholder_values()
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# --- wording helpers --------------------------------------------------------------------------------------

def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _money(amount: Decimal) -> str:
    return f"¥{amount:.2f}"


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


# --- where is my order ------------------------------------------------------------------------------------

def _shipment_facts(order: Order, shipment: Shipment, now: datetime) -> dict:
    events = list(shipment.events.all())
    last = events[-1] if events else None
    return {
        "carrier": shipment.carrier.name, "tracking_number": shipment.tracking_number,
        "status": shipment.last_code or None, "exception": shipment.exception_kind or None,
        "last_event": {"at": _iso(last.occurred_at), "place": last.place, "status": last.code,
                       "description": last.description} if last else None,
        "promised_start": _iso(shipment.promised_start), "promised_end": _iso(shipment.promised_end),
        "signed_at": _iso(shipment.signed_at),
        "late": is_late(promised_end=shipment.promised_end, signed_at=shipment.signed_at, now=now,
                        order_status=order.status),
    }


def _shipment_sentence(shipment: Shipment, facts: dict) -> str:
    parts = [_("%(carrier)s, tracking number %(tracking)s.") % {
        "carrier": facts["carrier"], "tracking": facts["tracking_number"]}]
    events = list(shipment.events.all())
    if events:
        last = events[-1]
        parts.append(_("Latest: %(status)s, %(place)s, %(at)s.") % {
            "status": last.get_code_display(), "place": last.place, "at": _when(last.occurred_at)})
    else:
        parts.append(_("The carrier has not reported any movement yet."))
    if shipment.signed_at:
        parts.append(_("Signed for at %(at)s.") % {"at": _when(shipment.signed_at)})
    elif shipment.promised_start and shipment.promised_end:
        parts.append(_("Promised delivery between %(start)s and %(end)s.") % {
            "start": _when(shipment.promised_start), "end": _when(shipment.promised_end)})
    if facts["exception"]:
        parts.append(_("The carrier reported a problem (%(kind)s); we are following it up with them.") % {
            "kind": shipment.get_exception_kind_display()})
    elif facts["late"]:
        parts.append(_("It is later than promised; we are chasing the carrier for you."))
    return " ".join(parts)


def order_status(customer: Customer, question: str) -> Reply:
    order = selectors.order_for(customer, question)
    if order is None:
        return Reply(_("You have no orders with us yet."), {"order": None})
    now = clock.now()
    shipments = list(order.shipments.all())
    facts = {"order": order.number, "status": order.status, "placed_at": _iso(order.placed_at),
             "shipments": [_shipment_facts(order, s, now) for s in shipments]}
    head = _("Order %(number)s (placed %(placed)s): %(status)s.") % {
        "number": order.number, "placed": _when(order.placed_at), "status": order.get_status_display()}
    lines = [head]
    if order.status == OrderStatus.PENDING_PAYMENT and order.payment_deadline:
        lines.append(_("Please pay by %(deadline)s, or the order is cancelled automatically.") % {
            "deadline": _when(order.payment_deadline)})
    elif order.status == OrderStatus.PAID and not shipments:
        lines.append(_("Payment received; the warehouse is preparing it for shipping."))
    elif order.status == OrderStatus.CANCELLED:
        lines.append(_("The order was cancelled on %(at)s.") % {"at": _when(order.cancelled_at)})
    lines += [_shipment_sentence(s, f) for s, f in zip(shipments, facts["shipments"], strict=True)]
    actions = [{"kind": "view_order", "order": order.number}]
    if any(f["late"] or f["exception"] for f in facts["shipments"]):
        actions.append({"kind": "contact_agent", "intent": "logistics_problem", "order": order.number})
    return Reply(" ".join(lines), facts, actions)


# --- can I still cancel --------------------------------------------------------------------------------

def cancel_order(customer: Customer, question: str) -> Reply:
    order = selectors.order_for(customer, question, exclude_statuses=(OrderStatus.CANCELLED,))
    if order is None:
        return Reply(_("You have no order that could be cancelled."), {"order": None, "cancellable": False})
    facts = {"order": order.number, "status": order.status, "cancellable": order.status in CANCELLABLE_BY_CUSTOMER}
    label = {"number": order.number, "status": order.get_status_display()}
    if facts["cancellable"]:
        text = _("Order %(number)s (%(status)s) has not shipped yet and can still be cancelled.") % label
        if order.status == OrderStatus.PAID:
            text += " " + _("What you paid goes back by the way you paid.")
        return Reply(text, facts, [{"kind": "cancel_order", "order": order.number,
                                     "refund": order.status == OrderStatus.PAID}])
    if order.status == OrderStatus.SHIPPED:
        text = _("Order %(number)s has already shipped and can no longer be cancelled. You can refuse it at the "
                 "door: it is then cancelled and refunded.") % label
        return Reply(text, facts, [{"kind": "view_order", "order": order.number}])
    text = _("Order %(number)s has been delivered (%(status)s), so it cannot be cancelled. Within %(days)s days "
             "of signing you can return it without giving a reason.") % {
        **label, "days": configured().no_reason_days}
    return Reply(text, facts, [{"kind": "open_aftersales", "order": order.number}])


# --- has the price dropped ------------------------------------------------------------------------------

def price_protection(customer: Customer, question: str) -> Reply:
    now = clock.now()
    asked = selectors.price_protected_lines(customer)
    offers, refused, already, compared = [], [], [], 0
    for order in selectors.price_protection_candidates(customer):
        for line in order.lines.all():
            current = line.sku.price
            compared += 1
            if current >= line.unit_paid:
                continue
            if line.pk in asked:
                already.append({"order": order.number, "product": line.product_name, "case": asked[line.pk]})
                continue
            decision = advise(order, kind="price_protection", reason="price_drop",
                              lines=[AskedLine(line, line.quantity)], evidence_kinds=set(), now=now,
                              current_unit_price=current)
            item = {"order": order.number, "order_line": line.pk, "product": line.product_name,
                    "paid": f"{line.unit_paid:.2f}", "current": f"{current:.2f}", "quantity": line.quantity}
            if decision.allowed:
                offers.append({**item, "difference": f"{decision.refund.goods:.2f}",
                               "deadline": _iso(decision.deadline)})
            else:
                refused.append({**item, "reasons": list(decision.reasons)})
    facts = {"offers": offers, "refused": refused, "already_asked": already, "lines_compared": compared}
    if not compared:
        return Reply(_("You have no paid orders whose price could be protected."), facts)
    lines = []
    for offer in offers:
        lines.append(_("%(product)s in order %(order)s: you paid %(paid)s, it now sells at %(current)s. You can "
                       "apply for price protection and get %(difference)s back in points (京豆).") % {
            **offer, "paid": _money(Decimal(offer["paid"])), "current": _money(Decimal(offer["current"])),
            "difference": _money(Decimal(offer["difference"]))})
    for item in already:
        lines.append(_("%(product)s in order %(order)s: price protection already applied for (case %(case)s).")
                     % item)
    for item in refused:
        lines.append(_("%(product)s in order %(order)s is cheaper now, but price protection does not apply: "
                       "%(reasons)s") % {**item, "reasons": "".join(item["reasons"])})
    if not lines:
        lines.append(_("None of the items in your recent orders sells below what you paid."))
    actions = [{"kind": "apply_price_protection", "order": o["order"], "order_line": o["order_line"],
                "difference": o["difference"],
                "request": {"method": "POST", "path": "/api/v1/aftersales/cases",
                            "body": {"order": o["order"], "kind": "price_protection", "reason": "price_drop",
                                     "lines": [{"order_line": o["order_line"], "quantity": o["quantity"]}]}}}
               for o in offers]
    return Reply(" ".join(lines), facts, actions)


# --- where is my refund ---------------------------------------------------------------------------------

def _refund_label(status: str) -> str:
    labels = {"pending": _("being processed"), "sent": _("sent to the payment provider"),
              "confirmed": _("paid back"), "failed": _("failed; an agent will retry it")}
    return labels.get(status, status)


def _case_sentence(case: AfterSalesCase) -> str:
    text = _("Case %(number)s (%(kind)s, order %(order)s): %(status)s.") % {
        "number": case.number, "kind": case.get_kind_display(), "order": case.order.number,
        "status": CASE_STATUS_LABELS.get(case.status, case.status)}
    refunds = list(case.refunds.all())
    for refund in refunds:
        text += " " + _("Refund %(amount)s: %(status)s.") % {
            "amount": _money(refund.amount), "status": _refund_label(refund.status)}
    if not refunds and case.refund_total and case.is_open:
        text += " " + _("%(amount)s will be refunded once the case is settled.") % {
            "amount": _money(case.refund_total)}
    return text


def refund_status(customer: Customer, question: str) -> Reply:
    cases = selectors.recent_cases(customer)
    facts = {"cases": [{"number": c.number, "kind": c.kind, "status": c.status, "order": c.order.number,
                        "refund_total": f"{c.refund_total:.2f}",
                        "refunds": [{"amount": f"{r.amount:.2f}", "status": r.status, "method": r.method}
                                    for r in c.refunds.all()]} for c in cases]}
    if not cases:
        return Reply(_("You have no after-sales cases."), facts)
    actions = [{"kind": "view_case", "case": c.number} for c in cases]
    return Reply(" ".join(_case_sentence(c) for c in cases), facts, actions)


PERSONAL = {"order_status": order_status, "cancel_order": cancel_order, "price_protection": price_protection,
            "refund_status": refund_status}


def personal(intent: str, customer: Customer, question: str) -> Reply | None:
    answer = PERSONAL.get(intent)
    return answer(customer, question) if answer else None
