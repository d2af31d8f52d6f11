"""Checks over seeded (or any) after-sales cases, and a digest for determinism. `kefu seed --verify` runs them.

Per order, over every order (SQL): refunds that have not failed, return postage aside, never exceed what the
order paid; units under cases never exceed the units bought; a refund belongs to its case's order.
Per case (every case, or a sample): the status history in the audit log is a walk of the state machine from
`requested` to the current status, and the case's timestamps are the moments of those steps; an inspection
exists exactly when the case was decided after the warehouse received it, and agrees with the decision; the
return parcel, the replacement, escalation and the 100-minute alert agree with the history; refunds agree
with the case's money and their own status.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, Sum

from kefu.core import clock
from kefu.core.models import AuditEntry
from kefu.core.money import ZERO

from .. import case_states as st
from ..models import AfterSalesCase, CaseLine, Refund, alert_minutes
from .ledger import CaseMoney

TRAVELS_BACK = {"return_refund", "exchange", "repair"}
STAMPS = {"approved_at": {st.APPROVED}, "received_at": {st.RECEIVED}, "decided_at": st.DECIDED,
          "closed_at": {st.CLOSED}, "cancelled_at": {st.CANCELLED}}


def digest() -> str:
    """SHA-256 over every case as a customer and an agent would describe it, in (order number, opened) order.
    Database ids (and so case numbers, which end in the id) are left out: they depend on what the database
    held before."""
    h = hashlib.sha256()
    cases = (AfterSalesCase.objects.select_related("order", "assigned_to", "decided_by")
             .prefetch_related("lines__order_line", "refunds").order_by("order__number", "created_at"))
    for c in cases.iterator(chunk_size=2000):
        stamps = [getattr(c, name) for name in ("created_at", "approved_at", "received_at", "decided_at",
                                                 "closed_at", "cancelled_at", "escalated_at", "replacement_sent_at",
                                                 "hundred_alerted_at")]
        lines = [(x.order_line.product_name, x.quantity, x.condition, x.accepted_quantity) for x in c.lines.all()]
        refunds = sorted((r.kind, f"{r.amount:.2f}", r.method, r.status) for r in c.refunds.all())
        h.update(repr((c.order.number, c.kind, c.reason, c.status, c.policy_rule, [s and s.isoformat() for s in stamps],
                       f"{c.refund_goods:.2f}", f"{c.refund_shipping:.2f}", c.return_shipping_paid_by,
                       c.assigned_to and c.assigned_to.username, c.decided_by and c.decided_by.username,
                       c.escalated, c.urgent, lines, refunds)).encode())
    return h.hexdigest()


def order_problems() -> Iterator[str]:
    capped = (Refund.objects.exclude(status=st.FAILED).exclude(kind=Refund.Kind.POSTAGE).order_by()
              .values("order_id", "order__number", "order__payable_amount").annotate(total=Sum("amount"))
              .filter(total__gt=F("order__payable_amount")))
    for row in capped:
        yield (f"order {row['order__number']}: refunds ¥{row['total']:.2f} exceed the "
               f"¥{row['order__payable_amount']:.2f} paid")
    postage = (Refund.objects.exclude(status=st.FAILED).filter(kind=Refund.Kind.POSTAGE, case__isnull=False)
               .order_by().values("case__number", "case__return_postage").annotate(total=Sum("amount"))
               .filter(total__gt=F("case__return_postage")))
    for row in postage:
        yield f"case {row['case__number']}: postage reimbursed ¥{row['total']:.2f} > ¥{row['case__return_postage']:.2f}"
    holding = (~Q(case__status__in=[st.CLOSED, st.CANCELLED, st.DECLINED])
               | Q(case__status=st.CLOSED, case__resolution__in=["return_refund", "refund_missing"]))
    units = (CaseLine.objects.exclude(case__kind="price_protection").filter(holding).order_by()
             .values("order_line_id", "order_line__quantity", "order_line__order__number")
             .annotate(units=Sum("quantity")).filter(units__gt=F("order_line__quantity")))
    for row in units:
        yield (f"order {row['order_line__order__number']}: {row['units']} units of line {row['order_line_id']} under "
               f"cases, {row['order_line__quantity']} bought")
    for number in (Refund.objects.filter(case__isnull=False).exclude(order_id=F("case__order_id"))
                   .values_list("case__number", flat=True)[:10]):
        yield f"case {number}: a refund on another order"
    for number in (AfterSalesCase.objects.exclude(customer_id=F("order__customer_id"))
                   .values_list("number", flat=True)[:10]):
        yield f"case {number}: the customer is not the order's"
    for number in (CaseLine.objects.exclude(order_line__order_id=F("case__order_id"))
                   .values_list("case__number", flat=True)[:10]):
        yield f"case {number}: a line of another order"


def case_problems_one(case: AfterSalesCase, trail: list[AuditEntry], now) -> Iterator[str]:
    """Everything wrong with one case (lines, refunds, inspection, return shipment prefetched; `trail`: its
    status entries from the audit log, oldest first)."""
    status = case.status
    if status not in st.CASE_STATES:
        yield f"unknown status {status!r}"
        return
    walk = [(e.old_value, e.new_value, e.at) for e in trail]
    if not walk or walk[0][:2] != ("", st.REQUESTED):
        yield "the audit log does not start with the request"
    for (_o, new, _a), (old, nxt, _b) in zip(walk, walk[1:], strict=False):
        if old != new or not st.CASE.can(old, nxt):
            yield f"the audit log jumps from {new} to {old} → {nxt}"
    if walk and walk[-1][1] != status:
        yield f"the audit log ends at {walk[-1][1]}, the case is {status}"
    if any(a < b for (_o, _n, a), (_p, _q, b) in zip(walk[1:], walk, strict=False)):
        yield "the audit log goes back in time"  # entries are read in id order: the order they were written
    reached = {new: at for _old, new, at in reversed(walk)}  # the first time each state was reached
    if walk and case.created_at != walk[0][2]:
        yield "created_at is not the moment of the request"
    for name, states in STAMPS.items():
        moments = [reached[s] for s in states if s in reached]
        value = getattr(case, name)
        expected = min(moments) if moments else None
        if value != expected:
            yield f"{name} {value} but the audit log says {expected}"
    order_of = [case.created_at, case.approved_at, case.received_at, case.decided_at, case.closed_at]
    present = [t for t in order_of if t is not None]
    if present != sorted(present):
        yield "created, approved, received, decided, closed are out of order"
    stamps = [t for t in (*order_of, case.cancelled_at, case.escalated_at, case.replacement_sent_at,
                          case.hundred_alerted_at) if t is not None]
    if any(t > now for t in stamps):
        yield "a timestamp in the future"
    if case.resolution not in TRAVELS_BACK and (set(reached) & {st.AWAITING_RETURN, st.IN_TRANSIT, st.RECEIVED}):
        yield f"a {case.resolution} case waited for a parcel"
    # The inspection exists exactly when the case was decided after a warehouse receipt.
    inspection = getattr(case, "inspection", None) if hasattr(case, "inspection") else None
    decided_states = set(reached) & st.DECIDED
    if (inspection is not None) != (case.decided_at is not None) or bool(decided_states) != (inspection is not None):
        yield "an inspection without a decision, or a decision without an inspection"
    if inspection is not None:
        if case.received_at is None or inspection.inspected_at != case.decided_at:
            yield "the inspection is not the decision after the receipt"
        if inspection.outcome not in decided_states:
            yield f"inspection {inspection.outcome} but the case went {sorted(decided_states)}"
        if case.decided_by_id != inspection.inspector_id:
            yield "decided_by is not the inspector"
        if inspection.restocked_at is not None and (inspection.outcome == st.REJECTED or not inspection.resellable):
            yield "restocked what was rejected or not resellable"
    lines = list(case.lines.all())
    if not lines:
        yield "a case without lines"
    for line in lines:
        if line.quantity < 1 or line.quantity > line.order_line.quantity:
            yield f"line {line.pk}: {line.quantity} of {line.order_line.quantity} bought"
        if (line.accepted_quantity is not None) != (inspection is not None):
            yield f"line {line.pk}: accepted quantity without an inspection, or the other way round"
    if inspection is not None and lines:
        accepted = sum(x.accepted_quantity or 0 for x in lines)
        asked = sum(x.quantity for x in lines)
        expected = {st.ACCEPTED: accepted == asked, st.REJECTED: accepted == 0,
                    st.PARTLY_ACCEPTED: 0 < accepted < asked}
        if not expected[inspection.outcome]:
            yield f"accepted {accepted} of {asked} units but the inspection says {inspection.outcome}"
    parcel = getattr(case, "return_shipment", None) if hasattr(case, "return_shipment") else None
    if (parcel is not None) != (st.IN_TRANSIT in reached):
        yield "a return parcel without the in_transit step, or the other way round"
    elif parcel is not None and parcel.shipped_at != reached[st.IN_TRANSIT]:
        yield "the parcel was sent at another moment than the in_transit step"
    if case.escalated != (case.escalated_at is not None):
        yield "escalated and escalated_at disagree"
    if case.replacement_sent_at is not None and case.resolution not in {"exchange", "reship"}:
        yield "a replacement for a case that replaces nothing"
    if st.RESHIPPING in reached and case.replacement_sent_at is None:
        yield "reshipping without replacement_sent_at"
    if case.hundred_alerted_at is not None:
        if case.received_at is None or case.hundred_alerted_at < case.received_at + timedelta(minutes=alert_minutes()):
            yield "alerted before the clock reached the alert mark"
        elif case.decided_at is not None and case.hundred_alerted_at > case.decided_at:
            yield "alerted after the decision"
    if not case.decision.get("allowed") or case.decision.get("rule") != case.policy_rule or \
            case.decision.get("resolution") != case.resolution:
        yield "the stored decision does not match the case"
    if case.order.signed_at is not None and case.kind != "price_protection" and case.created_at < case.order.signed_at:
        yield "opened before the order was signed for"
    yield from _refund_problems(case, reached)


def _refund_problems(case: AfterSalesCase, reached: dict) -> Iterator[str]:
    refunds = [r for r in case.refunds.all() if r.kind != Refund.Kind.COMPENSATION]
    if refunds and st.REFUNDING not in reached:
        yield "refunds on a case that never went refunding"
    if st.REFUNDING in reached and not refunds:
        yield "refunding without a refund"
    done: dict[str, object] = defaultdict(lambda: ZERO)
    for r in refunds:
        if r.amount <= 0:
            yield f"refund {r.idempotency_key}: not positive"
        if r.status != st.FAILED:
            done[r.kind] += r.amount
        stamps = {"pending": (None, None), "sent": (True, None), "confirmed": (True, True)}.get(r.status)
        if stamps is not None and ((r.sent_at is not None) != bool(stamps[0])
                                   or (r.confirmed_at is not None) != bool(stamps[1])):
            yield f"refund {r.idempotency_key}: {r.status} with sent_at {r.sent_at}, confirmed_at {r.confirmed_at}"
        if r.sent_at and r.sent_at < r.created_at or r.confirmed_at and r.confirmed_at < (r.sent_at or r.created_at):
            yield f"refund {r.idempotency_key}: answered before it was asked"
        if r.created_at < reached.get(st.REFUNDING, r.created_at):
            yield f"refund {r.idempotency_key}: requested before the case went refunding"
    if case.status == st.CLOSED and any(r.status in (st.PENDING, st.SENT) for r in refunds):
        yield "closed with a refund not yet confirmed"
    money = CaseMoney(case.resolution, case.return_shipping_paid_by, case.refund_method, case.refund_goods,
                      case.refund_shipping, case.return_postage)
    wanted = {"goods": money.goods, "shipping": money.order_shipping_part, "postage": money.postage_part}
    for kind, amount in done.items():
        if kind in wanted and amount > wanted[kind]:
            yield f"refunded ¥{amount:.2f} of {kind}, the case grants ¥{wanted[kind]:.2f}"
    if case.status == st.CLOSED and st.REFUNDING in reached and money.due(dict(done)):
        yield "closed while money is still owed"


def case_problems(*, limit: int = 50, sample: int | None = None) -> list[str]:
    """Up to `limit` problems: the per-order checks over everything, the per-case checks over every case (or
    `sample` cases picked at random)."""
    found = list(order_problems())[:limit]
    ids = AfterSalesCase.objects.order_by("pk").values_list("pk", flat=True)
    if sample is not None:
        ids = AfterSalesCase.objects.order_by("?").values_list("pk", flat=True)[:sample]
    ids = list(ids)
    ct = ContentType.objects.get_for_model(AfterSalesCase)
    now = clock.now()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        trails: dict[str, list[AuditEntry]] = defaultdict(list)
        for entry in (AuditEntry.objects.filter(content_type=ct, object_id__in=[str(i) for i in chunk], field="status")
                      .order_by("id")):
            trails[entry.object_id].append(entry)
        cases = (AfterSalesCase.objects.filter(pk__in=chunk).select_related("order", "inspection", "return_shipment")
                 .prefetch_related("lines__order_line", "refunds").order_by("pk"))
        for case in cases:
            for problem in case_problems_one(case, trails[str(case.pk)], now):
                found.append(f"case {case.number} ({case.status}): {problem}")
                if len(found) >= limit:
                    return found
    return found
