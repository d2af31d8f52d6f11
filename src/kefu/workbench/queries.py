"""Reads for the workbench pages. Customer and order reads come from kefu.commerce.selectors, the 100-minute
figures from kefu.aftersales.selectors; what is here shapes them for a page.

The case queue runs four queries whatever the page size (tests/workbench/test_case_queue.py): the page's case
ids, sorted on the case table alone; the rows of those ids (order, customer and agent joined, `first_reason`
read from the stored decision in SQL); a capped count for the pager; one aggregate for the tab counts over the
open cases. A search adds no query: it is a UNION ALL subquery of indexed lookups.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Case, Count, DateTimeField, F, Prefetch, Q, QuerySet, When
from django.db.models.fields.json import KT
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.aftersales import case_states as st
from kefu.aftersales import selectors as aftersales_selectors
from kefu.aftersales.models import (
    AfterSalesCase,
    CaseLine,
    CompensationCoupon,
    Inspection,
    Refund,
    alert_minutes,
    hundred_minutes,
)
from kefu.aftersales.services import refunds
from kefu.commerce.models import Customer, Order, OrderStatus
from kefu.core.audit import history
from kefu.core.phones import normalise_phone


def customer_with_addresses(customer_id: int) -> Customer:
    """The customer with addresses; Customer.DoesNotExist when there is none."""
    return Customer.objects.select_related("user").prefetch_related("addresses").get(pk=customer_id)


def status_history(order: Order) -> list:
    """The order's audited status changes, oldest first, with status codes turned into labels."""
    labels = dict(OrderStatus.choices)
    entries = list(history(order).select_related("actor"))
    for entry in entries:
        if entry.field == "status":
            entry.old_label = labels.get(entry.old_value, entry.old_value)
            entry.new_label = labels.get(entry.new_value, entry.new_value)
        else:
            entry.old_label, entry.new_label = entry.old_value, entry.new_value
    return entries


# ---- the 100-minute clock of one case --------------------------------------------------------------------------

@dataclass(frozen=True)
class ClockState:
    """A running 售后100分 clock: minutes left (negative once breached) and whether the alert mark is passed."""

    minutes_left: int
    deadline: datetime
    at_risk: bool

    @property
    def breached(self) -> bool:
        return self.minutes_left < 0

    @property
    def minutes_over(self) -> int:
        return -self.minutes_left


def clock_state(case: AfterSalesCase) -> ClockState | None:
    """The clock of a case received and not yet decided, else None. Minutes left are rounded down (59.5 → 59),
    minutes over up (0.2 over → 1), so a page never shows 0 left on a breached clock."""
    if case.received_at is None or case.decided_at is not None or case.status in st.TERMINAL:
        return None
    used = case.minutes_used
    left = hundred_minutes() - used
    return ClockState(minutes_left=math.floor(left), deadline=case.clock_deadline, at_risk=used >= alert_minutes())


# ---- the case queue ----------------------------------------------------------------------------------------------

QUEUE_VIEWS: dict[str, object] = {
    "open": pgettext_lazy("case queue", "Open"),
    "unassigned": pgettext_lazy("case queue", "Unassigned"),
    "mine": pgettext_lazy("case queue", "Mine"),
    "warehouse": pgettext_lazy("case queue", "At the warehouse"),
    "at_risk": pgettext_lazy("case queue", "100 minutes at risk"),
    "escalated": pgettext_lazy("case queue", "Escalated"),
    "decided": pgettext_lazy("case queue", "Inspected"),
    "closed": pgettext_lazy("case queue", "Closed"),
    "all": pgettext_lazy("case queue", "All"),
}
OPEN_STATUSES = [s for s in st.CASE_STATES if s not in st.TERMINAL]
AT_WAREHOUSE = [st.RECEIVED, st.INSPECTING]
PRESSING = {"open", "unassigned", "mine", "escalated"}
COUNT_CAP = 1000  # the pager counts at most this many rows: "1000+" beyond, and the search box narrows it

_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE_LIKE = re.compile(r"^(\+86|0086)?\d{11}$")
ROW_FIELDS = (
    "id", "number", "kind", "reason", "status", "created_at", "received_at", "decided_at", "closed_at", "escalated",
    "urgent", "resolution", "refund_goods", "refund_shipping", "return_shipping_paid_by", "refund_method",
    "order", "order__number", "customer", "customer__name", "customer__phone",
    "assigned_to", "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name",
)


def _running() -> Q:
    """The partial index case_clock_running serves exactly this condition."""
    return Q(received_at__isnull=False, decided_at__isnull=True)


def _alert_mark(now: datetime) -> datetime:
    return now - timedelta(minutes=alert_minutes())


def view_filter(view: str, user, now: datetime) -> Q:
    """The cases under one tab of the queue."""
    open_ = Q(status__in=OPEN_STATUSES)
    return {
        "open": open_,
        "unassigned": open_ & Q(assigned_to__isnull=True),
        "mine": open_ & Q(assigned_to=user),
        "warehouse": Q(status__in=AT_WAREHOUSE),
        "at_risk": _running() & open_ & Q(received_at__lte=_alert_mark(now)),
        "escalated": open_ & Q(escalated=True),
        "decided": Q(decided_at__isnull=False),
        "closed": Q(status=st.CLOSED),
        "all": Q(),
    }[view]


def view_ordering(view: str) -> list:
    """The most pressing first in the working tabs: escalated, then the earliest 100-minute deadline, then the
    oldest. The history tabs show the latest first, along an index (decided_at; status + created_at)."""
    if view in PRESSING:
        return [F("escalated").desc(), F("clock_sort").asc(nulls_last=True), "created_at", "id"]
    if view in {"warehouse", "at_risk"}:
        return [F("received_at").asc(), "id"]
    if view == "decided":
        return [F("decided_at").desc(), "-id"]
    if view == "closed":
        return [F("created_at").desc(), "-id"]  # the status + created_at index
    return ["-id"]  # all: ids grow with opening time, and the primary key's index needs no sort


def search_filter(raw: str) -> Q | None:
    """A case number, an order number, a return tracking number, or the customer's mobile (spaces, dashes and
    +86 allowed, as in the workbench search). Each branch is an indexed lookup (case number, order number then
    case.order_id, tracking number, phone then case.customer_id), joined by UNION ALL in one subquery: an OR over
    joined tables would scan every case."""
    query = (raw or "").strip()
    if not query:
        return None
    compact = _SEPARATORS.sub("", query)
    refs = sorted({query, compact, query.upper(), compact.upper()})
    cases = AfterSalesCase.objects.order_by()
    found = [cases.filter(number__in=refs), cases.filter(order__number__in=refs),
             cases.filter(return_shipment__tracking_number__in=refs)]
    if _PHONE_LIKE.match(compact):
        with contextlib.suppress(ValueError):  # 11 digits that are no mobile number: an order number, perhaps
            found.append(cases.filter(customer__phone=normalise_phone(compact)))
    ids = [branch.values("pk") for branch in found]
    return Q(pk__in=ids[0].union(*ids[1:], all=True))


def queue(view: str, user, now: datetime, q: str = "") -> tuple[QuerySet, QuerySet]:
    """(ordered ids, counted): the ids of the tab's cases, most pressing first, and the same cases unordered for
    counting. The sort runs over the narrow case rows alone; `queue_rows` then loads one page's rows by id, so
    neither the joins nor the stored decision are read for the cases that are not shown."""
    counted = AfterSalesCase.objects.filter(view_filter(view, user, now))
    found = search_filter(q)
    if found is not None:
        counted = counted.filter(found)
    ids = counted
    if view in PRESSING:
        ids = ids.annotate(clock_sort=Case(When(_running(), then=F("received_at")), default=None,
                                           output_field=DateTimeField()))
    return ids.order_by(*view_ordering(view)).values_list("pk", flat=True), counted.order_by()


def queue_rows(ids) -> list[AfterSalesCase]:
    """One page of the queue in the given order: order, customer and agent joined, the policy's first reason read
    from the stored decision in SQL, and each case's `.clock` (one query)."""
    ids = list(ids)
    rows = (AfterSalesCase.objects.filter(pk__in=ids).select_related("order", "customer", "assigned_to")
            .only(*ROW_FIELDS).annotate(first_reason=KT("decision__reasons__0")))
    by_id = {case.pk: case for case in rows}
    return with_clocks(by_id[pk] for pk in ids if pk in by_id)


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (SELECT COUNT(*) FROM (… LIMIT cap + 1)), so the pager stays cheap on a table
    of tens of thousands of cases. `capped` says there are more than `cap`."""

    def __init__(self, rows, per_page, *, counted, cap=COUNT_CAP):
        super().__init__(rows, per_page)
        self.counted, self.cap = counted, cap

    @cached_property
    def _counted(self) -> int:
        return self.counted[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap


def tab_counts(user, now: datetime) -> dict[str, int]:
    """How many cases are under each working tab, in one aggregate over the open cases (the history tabs,
    unbounded, are not counted)."""
    return AfterSalesCase.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("id"),
        unassigned=Count("id", filter=Q(assigned_to__isnull=True)),
        mine=Count("id", filter=Q(assigned_to=user)),
        warehouse=Count("id", filter=Q(status__in=AT_WAREHOUSE)),
        at_risk=Count("id", filter=_running() & Q(received_at__lte=_alert_mark(now))),
        escalated=Count("id", filter=Q(escalated=True)),
    )


def with_clocks(cases) -> list[AfterSalesCase]:
    """Evaluate and give each case its `.clock` (ClockState or None)."""
    cases = list(cases)
    for case in cases:
        case.clock = clock_state(case)
    return cases


# ---- one case ----------------------------------------------------------------------------------------------------

def case_detail(number: str) -> AfterSalesCase | None:
    """A case with its order, customer, people, parcel, inspection, lines and evidence (3 queries)."""
    return (AfterSalesCase.objects
            .select_related("order", "customer", "assigned_to", "decided_by", "return_shipment__carrier",
                            "inspection__inspector")
            .prefetch_related("evidence", Prefetch("lines", queryset=CaseLine.objects
                                                   .select_related("order_line__sku").order_by("id")))
            .filter(number=number).first())


def one_to_one(obj, name: str):
    """A reverse one-to-one (loaded by select_related) or None when the row does not exist. Django's
    RelatedObjectDoesNotExist is an AttributeError as well."""
    try:
        return getattr(obj, name)
    except AttributeError:
        return None


@dataclass
class Ledger:
    """The whole order's refund ledger, for the case page: every row, what is still refundable under the cap,
    what this case still owes, and its compensation."""

    refunds: list[Refund]
    payable: Decimal
    refundable: Decimal
    owed: dict[str, Decimal]
    coupons: list[CompensationCoupon]

    @property
    def owed_total(self) -> Decimal:
        return sum(self.owed.values(), Decimal("0.00"))

    def case_has(self, case, kind: str) -> bool:
        return any(r.case_id == case.pk and r.kind == kind and r.status != st.FAILED for r in self.refunds)


REFUND_STATUS_LABELS = {
    st.PENDING: pgettext_lazy("refund status", "Pending"),
    st.SENT: pgettext_lazy("refund status", "Sent"),
    st.CONFIRMED: pgettext_lazy("refund status", "Arrived"),
    st.FAILED: pgettext_lazy("refund status", "Failed"),
}


def ledger(case: AfterSalesCase) -> Ledger:
    rows = list(Refund.objects.filter(order_id=case.order_id).select_related("case").order_by("created_at", "id"))
    for row in rows:
        row.status_label = REFUND_STATUS_LABELS.get(row.status, row.status)
    owed = {Refund.Kind(kind): amount for kind, amount in refunds.owed(case).items()}
    return Ledger(refunds=rows, payable=case.order.payable_amount, refundable=refunds.refundable(case.order),
                  owed=owed, coupons=list(case.coupons.order_by("issued_at")))


def _money_label(field: str) -> str:
    return str(AfterSalesCase._meta.get_field(field).verbose_name)


RECOVERY_LABELS = {
    "open": pgettext_lazy("replacement recovery", "To be recovered"),
    "returned": pgettext_lazy("replacement recovery", "Sent back by the buyer"),
    "paid": pgettext_lazy("replacement recovery", "Paid for by the buyer"),
    "waived": pgettext_lazy("replacement recovery", "Written off by the seller"),
}

TIMELINE_FIELDS = {
    "status": _("Status"),
    "escalated": _("Escalated"),
    "assigned_to": _("Agent"),
    "replacement": _("Replacement"),
    "return_shipping_paid_by": _("Return shipping paid by"),
    "replacement_recovery": _("Replacement recovery"),
}
YES_NO_AUDIT = {"yes": pgettext_lazy("answer", "Yes"), "no": pgettext_lazy("answer", "No")}


# The fixed reasons the services write into the audit trail (in English, for logs), in the words of the page.
# A reason not listed (an agent's own words, a policy rule, a new service phrase) is shown as written.
AUDIT_REASONS = {
    "the item travels back": _("the item travels back"),
    "parcel received": _("parcel received"),
    "inspection started": _("inspection started"),
    "refund issued": _("refund issued"),
    "refund confirmed": _("refund confirmed"),
    "replacement sent": _("replacement sent"),
    "urgent: before the return": _("urgent: before the return"),
    "sent for repair": _("sent for repair"),
    "cancelled by the customer": _("cancelled by the customer"),
    "return postage advanced by the buyer": _("return postage advanced by the buyer"),
    "not a wrong item: postage on the buyer": _("not a wrong item: postage on the buyer"),
    "the warehouse found the right item was sent: the buyer pays the postage":
        _("the warehouse found the right item was sent: the buyer pays the postage"),
}


def audit_reason(reason: str) -> str:
    from kefu.aftersales.models import Condition

    if reason in AUDIT_REASONS:
        return str(AUDIT_REASONS[reason])
    head, _sep, tail = reason.partition(": ")
    if head == "inspected" and tail in Condition.values:
        return str(_("inspected: %(condition)s") % {"condition": Condition(tail).label})
    if head == "inspection" and tail in Inspection.Outcome.values:
        return str(_("inspection: %(outcome)s") % {"outcome": Inspection.Outcome(tail).label})
    return reason


def audit_actor(label: str) -> str:
    if label == "system":
        return str(_("System"))
    if label == "payment" or label.startswith("payment:"):
        return str(_("Payment side"))
    return label


def case_timeline(case: AfterSalesCase) -> list[dict]:
    """aftersales.selectors.timeline with codes turned into the words of the page."""
    from kefu.aftersales.models import CASE_STATUS_LABELS, Payer

    payers = dict(Payer.choices)
    entries = aftersales_selectors.timeline(case)
    for e in entries:
        e["reason_label"], e["by_label"] = audit_reason(e["reason"] or ""), audit_actor(e["by"] or "")
        field = e["field"]
        if field == "status":
            e["from_label"], e["to_label"] = CASE_STATUS_LABELS.get(e["from"], e["from"]), CASE_STATUS_LABELS.get(
                e["to"], e["to"])
        elif field == "escalated":
            e["from_label"], e["to_label"] = YES_NO_AUDIT.get(e["from"], e["from"]), YES_NO_AUDIT.get(e["to"], e["to"])
        elif field == "return_shipping_paid_by":
            e["from_label"], e["to_label"] = payers.get(e["from"], e["from"]), payers.get(e["to"], e["to"])
        elif field == "replacement_recovery":
            e["from_label"], e["to_label"] = RECOVERY_LABELS.get(e["from"], ""), RECOVERY_LABELS.get(e["to"], e["to"])
        elif field == "replacement":
            e["from_label"], e["to_label"] = "", _("Sent")
        else:
            e["from_label"], e["to_label"] = e["from"], e["to"]
        e["money"] = field in {"refund_goods", "refund_shipping", "return_postage"}
        e["field_label"] = _money_label(field) if e["money"] else TIMELINE_FIELDS.get(field, field)
    return entries


def case_actions(case: AfterSalesCase, ledger_: Ledger, *, may_work: bool = True) -> set[str]:
    """What the case page offers, read from the state machine (case_states.CASE) and the services' own
    constants; the service still decides, and its refusal is shown when the page was stale."""
    if not may_work:
        return set()
    status, can = case.status, st.CASE.can
    actions = set()
    if case.is_open:
        actions |= {"assign", "assign_me", "grant_coupon"}
        if not case.escalated:
            actions.add("escalate")
        if not ledger_.case_has(case, Refund.Kind.COMPENSATION):
            actions.add("grant_points")
    if can(status, st.APPROVED):
        actions.add("approve")
    if can(status, st.DECLINED):
        actions.add("decline")
    if case.resolution in {"exchange", "reship"} and case.replacement_sent_at is None:
        early = status in st.EARLY_REPLACEMENT_STATES and not (status == st.APPROVED and case.resolution == "reship")
        if (early and case.urgent) or (not early and can(status, st.RESHIPPING)):
            actions.add("send_replacement")
    if case.resolution == "repair" and can(status, st.REPAIRING):
        actions.add("start_repair")
    refundable_now = status in refunds.ISSUE_FROM and not (status == st.APPROVED
                                                          and case.resolution not in refunds.NO_RETURN)
    if refundable_now and ledger_.owed:
        actions.add("issue_refund")
    if getattr(case, "replacement_recovery", "") == "open":
        actions.add("settle_recovery")
    if can(status, st.CLOSED):
        actions.add("close")
    return actions


# ---- the warehouse ---------------------------------------------------------------------------------------------

WAREHOUSE_LIST = 50


def parcels_on_the_way(limit: int = WAREHOUSE_LIST) -> tuple[list[AfterSalesCase], int]:
    """Return parcels the buyers have sent (status in_transit), oldest first, and how many there are."""
    cases = AfterSalesCase.objects.filter(status=st.IN_TRANSIT)
    rows = (cases.select_related("order", "return_shipment__carrier")
            .only("id", "number", "kind", "reason", "status", "created_at", "urgent", "order", "order__number",
                  "return_shipment__tracking_number", "return_shipment__shipped_at",
                  "return_shipment__carrier__name")
            .order_by("created_at", "id")[:limit])
    return list(rows), cases.count()


def waiting_inspection(limit: int = WAREHOUSE_LIST) -> tuple[list[AfterSalesCase], int]:
    """Received parcels whose 100-minute clock runs, the least time left first, with their clocks."""
    running = aftersales_selectors.clock_running().filter(status__in=AT_WAREHOUSE)
    rows = (running.select_related("order", "return_shipment__carrier")
            .only("id", "number", "kind", "reason", "status", "created_at", "received_at", "decided_at", "urgent",
                  "order", "order__number", "return_shipment__tracking_number", "return_shipment__carrier__name")
            .order_by("received_at", "id")[:limit])
    return with_clocks(rows), running.count()


def awaiting_restock(limit: int = WAREHOUSE_LIST) -> tuple[list[Inspection], int]:
    """Accepted, resellable returns that are not back in stock yet, oldest inspection first."""
    pending = Inspection.objects.filter(restocked_at__isnull=True, resellable=True).exclude(outcome=st.REJECTED)
    rows = pending.select_related("case", "inspector").order_by("inspected_at", "id")[:limit]
    return list(rows), pending.count()


# ---- 100-minute compliance -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComplianceLine:
    key: object
    label: str
    decided: int
    within_100: int

    @property
    def rate(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.within_100) * 100 / Decimal(self.decided)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def breached(self) -> int:
        return self.decided - self.within_100


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def compliance_report(start: date, end: date) -> dict:
    """By day (every day of the range, empty days included), by agent (full names), and the totals."""
    by_day = {row.key: row for row in aftersales_selectors.hundred_minute_compliance(start, end, by="day")}
    days = [ComplianceLine(day, day.isoformat(), by_day[day].decided if day in by_day else 0,
                           by_day[day].within_100 if day in by_day else 0) for day in _days(start, end)]
    agent_rows = aftersales_selectors.hundred_minute_compliance(start, end, by="agent")
    ids = [row.key for row in agent_rows if row.key is not None]
    names = {u.pk: u.get_full_name() for u in get_user_model().objects.filter(pk__in=ids)
             .only("id", "first_name", "last_name")} if ids else {}
    agents = []
    for row in agent_rows:
        if row.key is None:
            label = str(_("System"))
        else:
            full = names.get(row.key) or ""
            label = f"{full} ({row.label})" if full else row.label
        agents.append(ComplianceLine(row.key, label, row.decided, row.within_100))
    agents.sort(key=lambda a: (a.rate is None, a.rate or 0, a.label))  # the weakest first: who needs help
    total = ComplianceLine(None, "", sum(d.decided for d in days), sum(d.within_100 for d in days))
    return {"days": days, "agents": agents, "total": total}


RUNNING_LIST = 100


def running_clocks(limit: int = RUNNING_LIST) -> tuple[list[AfterSalesCase], int]:
    """Cases on the clock now, breached first (the oldest receipt has the least time left)."""
    running = aftersales_selectors.clock_running()
    rows = (running.select_related("order", "assigned_to")
            .only("id", "number", "kind", "reason", "status", "received_at", "decided_at", "escalated", "urgent",
                  "order", "order__number", "assigned_to", "assigned_to__username", "assigned_to__first_name",
                  "assigned_to__last_name")[:limit])
    return with_clocks(rows), running.count()
