"""The large scale's cases, written in bulk: the services' effects replayed in memory, then COPY.

50,000 cases through the services would take most of an hour; here each plan's steps run through a small
mirror of the services (the same state machine, the same money rules in ledger.py, the same audit lines
with the same reasons and actors) and the rows go in with the commerce seed's writer (COPY on PostgreSQL,
with the after-sales tables' foreign keys and indexes dropped and rebuilt like pg_restore; bulk_create
elsewhere). The steps of all cases are replayed in the order they happen, as the service path plays them,
so every table's ids come out in the order the services would have created the rows, continuing after the
highest id each table ever had.

tests/aftersales/test_seed_cases.py runs one set of plans through the services and through this module and
compares every row: a change to the services that this mirror does not follow fails there.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import F

from kefu.commerce.models import Carrier, Sku
from kefu.commerce.seed.context import DAY, MINUTE, money
from kefu.commerce.seed.writer import SeedError, first_free_ids, make_writer
from kefu.core.models import AuditEntry
from kefu.core.money import ZERO

from .. import case_states as st
from ..models import (
    AfterSalesCase,
    CaseEvidence,
    CaseLine,
    CompensationCoupon,
    Inspection,
    Refund,
    ReturnShipment,
    alert_minutes,
)
from .ledger import KINDS, CaseMoney
from .photos import png
from .plans import WATCH, CasePlan, accepted_goods, case_money
from .replay import LOCAL, external_ref, outbound_name, photo_name, schedule

TRAVELS_BACK = frozenset({"return_refund", "exchange", "repair"})
NO_RETURN = frozenset({"refund_missing", "refund_difference", "partial_refund_offer"})
ISSUE_FROM = frozenset({st.APPROVED, st.ACCEPTED, st.PARTLY_ACCEPTED, st.RESHIPPING, st.REPAIRING, st.REFUNDING})
STAMP = {st.APPROVED: "approved_at", st.CLOSED: "closed_at", st.CANCELLED: "cancelled_at"}
OPEN_REFUND = (st.PENDING, st.SENT)


def table_specs() -> dict[str, tuple[type, tuple[str, ...]]]:
    return {
        "case": (AfterSalesCase, (
            "id", "number", "order_id", "customer_id", "kind", "reason", "status", "description", "decision",
            "policy_rule", "resolution", "return_shipping_paid_by", "refund_method", "refund_goods", "refund_shipping",
            "return_postage", "repairs_failed", "current_unit_price", "urgent", "replacement_sent_at", "escalated",
            "escalated_at", "assigned_to_id", "created_at", "approved_at", "received_at", "decided_at",
            "decided_by_id", "hundred_alerted_at", "closed_at", "cancelled_at", "status_reason")),
        "line": (CaseLine, ("id", "case_id", "order_line_id", "quantity", "condition", "accepted_quantity")),
        "evidence": (CaseEvidence, ("id", "case_id", "kind", "file", "original_name", "content_type", "size",
                                    "uploaded_at", "uploaded_by_id")),
        "parcel": (ReturnShipment, ("id", "case_id", "carrier_id", "tracking_number", "shipped_at")),
        "inspection": (Inspection, ("id", "case_id", "condition_found", "resellable", "wrong_item_confirmed",
                                    "outcome", "notes", "inspector_id", "inspected_at", "restocked_at")),
        "refund": (Refund, ("id", "order_id", "case_id", "amount", "kind", "method", "status", "idempotency_key",
                            "external_ref", "failure_reason", "created_at", "sent_at", "confirmed_at")),
        "coupon": (CompensationCoupon, ("id", "case_id", "customer_id", "code", "face_value", "issued_at",
                                        "expires_at", "issued_by_id")),
        "audit": (AuditEntry, ("id", "at", "actor_id", "actor_label", "kind", "content_type_id", "object_id",
                               "object_repr", "field", "old_value", "new_value", "reason")),
    }


# Loaded before they are indexed, the audit log included: maintaining its five indexes row by row, and queueing
# two deferred foreign-key checks per row until commit, cost more than rebuilding them once (a cost that grows
# with the audit log, which --flush keeps: see docs/demo-data.md).
DEFERRED = ("case", "line", "evidence", "parcel", "inspection", "refund", "coupon", "audit")


def _dt(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class _Refund:
    __slots__ = ("id", "kind", "amount", "method", "status", "key", "external_ref", "created_at", "sent_at",
                 "confirmed_at", "repr")

    def __init__(self, pk: int, kind: str, amount: Decimal, method: str, key: str, at: int):
        self.id, self.kind, self.amount, self.method, self.key = pk, kind, amount, method, key
        self.status, self.external_ref, self.created_at = st.PENDING, "", at
        self.sent_at = self.confirmed_at = None
        self.repr = f"{key} ¥{amount}"


class _Case:
    """One case while its steps are replayed: what the case row will hold, and what hangs off it."""

    __slots__ = ("plan", "index", "pk", "number", "status", "money", "approved_at", "received_at", "decided_at",
                 "closed_at", "cancelled_at", "escalated_at", "replacement_sent_at", "assigned", "assigned_name",
                 "decided_by", "status_reason", "lines", "refunds", "inspection", "resolution")

    def __init__(self, plan: CasePlan, index: int, pk: int):
        self.plan, self.index, self.pk = plan, index, pk
        self.number = ""
        self.status = ""
        self.money: CaseMoney = case_money(plan)
        self.resolution = plan.decision["resolution"]
        self.approved_at = self.received_at = self.decided_at = self.closed_at = self.cancelled_at = None
        self.escalated_at = self.replacement_sent_at = None
        self.assigned = self.assigned_name = self.decided_by = None
        self.status_reason = ""
        self.lines: list[list] = []  # [id, case_id, order_line_id, quantity, condition, accepted, sku_id]
        self.refunds: list[_Refund] = []
        self.inspection: list | None = None

    def done(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.refunds:
            if r.status != st.FAILED:
                totals[r.kind] += r.amount
        return totals

    def outstanding(self) -> list[str]:
        left = []
        if any(r.status in OPEN_REFUND for r in self.refunds) or self.money.due(self.done()):
            left.append("refund")
        if self.resolution in ("exchange", "reship") and self.status not in (st.REJECTED, st.DECLINED) \
                and self.replacement_sent_at is None:
            left.append("replacement")
        return left


class BulkCases:
    def __init__(self, plans: list[CasePlan], team: dict[str, object], live_at: int):
        self.plans, self.live_at = plans, live_at
        self.team = {name: (user.pk, user.get_username()[:100]) for name, user in team.items()}
        self.carriers = dict(Carrier.objects.values_list("code", "id"))
        self.ct_case, self.ct_refund, self.ct_coupon = (
            ContentType.objects.get_for_model(m).pk for m in (AfterSalesCase, Refund, CompensationCoupon))
        self.specs = table_specs()
        self.next = first_free_ids(self.specs)
        self.rows: dict[str, list] = {key: [] for key in self.specs}
        self.files: list[tuple[str, bytes]] = []
        self.stock: dict[int, int] = defaultdict(int)
        self.at = 0
        self.at_dt: datetime | None = None
        self.timings: dict[str, float] = {}  # seconds per stage: replay, files, copy, indexes

    def new_id(self, table: str) -> int:
        pk = self.next[table]
        self.next[table] = pk + 1
        return pk

    # --- actors and audit lines --------------------------------------------------------------------------
    def actor(self, case: _Case, who: str) -> tuple[int | None, str]:
        if who == "customer":
            return (case.plan.order.user_id, case.plan.order.username[:100])
        if who == "agent":
            return self.team[case.plan.agent]
        if who == "clerk":
            return self.team[case.plan.clerk]
        return (None, who)  # "payment": a system actor named by a string

    def audit(self, kind: str, ct: int, object_id: int, text: str, field: str, old, new, reason: str,
              actor: tuple[int | None, str]) -> None:
        self.rows["audit"].append((
            self.new_id("audit"), self.at_dt, actor[0], actor[1], kind, ct, str(object_id), text[:200], field,
            "" if old is None else str(old)[:200], "" if new is None else str(new)[:200], reason))

    def case_audit(self, case: _Case, kind: str, field: str, old, new, reason: str, actor) -> None:
        self.audit(kind, self.ct_case, case.pk, case.number, field, old, new, reason, actor)

    def move(self, case: _Case, target: str, actor, reason: str = "") -> None:
        current = case.status
        st.CASE.check(current, target)
        case.status = target
        if target in STAMP:
            setattr(case, STAMP[target], self.at)
        self.case_audit(case, "status", "status", current, target, reason, actor)

    # --- the replay --------------------------------------------------------------------------------------
    def write(self) -> dict[str, int]:
        started = time.monotonic()
        first_case = self.next["case"]
        cases = [_Case(plan, i, first_case + i) for i, plan in enumerate(self.plans)]
        self.next["case"] += len(cases)
        watches: list[int] = []
        for at, i, j in schedule(self.plans):
            step = self.plans[i].steps[j]
            if step.action == WATCH:
                watches.append(at)
                continue
            if at != self.at:
                self.at, self.at_dt = at, _dt(at)
            case = cases[i]
            getattr(self, f"_{step.action}")(case, step.args, self.actor(case, step.actor))
        alerted = self._alerts(cases, watches)
        rows = self._rows(cases, alerted)
        self.timings["replay"] = time.monotonic() - started
        saved = self._save_files()
        self.timings["files"] = time.monotonic() - started - self.timings["replay"]
        try:
            writer = make_writer(self.specs, DEFERRED)
            writer.write(rows)
            self.timings["copy"] = time.monotonic() - started - self.timings["replay"] - self.timings["files"]
            writer.finish()
            for sku_id, units in sorted(self.stock.items()):
                Sku.objects.filter(pk=sku_id).update(stock=F("stock") + units)
        except BaseException:
            _delete(saved)
            raise
        self.timings["indexes"] = time.monotonic() - started - sum(self.timings.values())
        return {key: len(table) for key, table in rows.items()}

    def _alerts(self, cases: list[_Case], watches: list[int]) -> dict[int, int]:
        """The 100-minute duty's alerts: at its first run at or past the alert mark after the receipt, if the
        case was not decided by then (at one moment the duty runs after every other step)."""
        mark = alert_minutes() * MINUTE
        alerted = {}
        for case in cases:
            if case.received_at is None:
                continue
            k = bisect_left(watches, case.received_at + mark)
            if k < len(watches) and (case.decided_at is None or watches[k] < case.decided_at):
                alerted[case.pk] = watches[k]
        return alerted

    def _rows(self, cases: list[_Case], alerted: dict[int, int]) -> dict[str, list[tuple]]:
        json_as_text = connection.vendor == "postgresql"  # COPY takes jsonb as text; bulk_create takes the dict
        rows = self.rows
        rows["case"] = [_case_row(c, alerted.get(c.pk), json_as_text) for c in cases]
        rows["line"] = [tuple(line[:6]) for c in cases for line in c.lines]
        rows["line"].sort()
        rows["inspection"] = sorted(tuple(c.inspection[:8]) + (_dt(c.inspection[8]), _dt(c.inspection[9]))
                                    for c in cases if c.inspection is not None)
        rows["refund"] = sorted((r.id, c.plan.order.id, c.pk, r.amount, r.kind, r.method, r.status, r.key,
                                 r.external_ref, "", _dt(r.created_at), _dt(r.sent_at), _dt(r.confirmed_at))
                                for c in cases for r in c.refunds)
        return rows

    def _save_files(self) -> list[str]:
        """The evidence files, under the names the rows hold (written directly: no rename is possible). A file of
        that name can only be left over from a rolled-back seed that had handed out the same case number: it
        is overwritten."""
        storage = CaseEvidence._meta.get_field("file").storage
        saved: list[str] = []
        try:
            try:
                directory = os.path.dirname(storage.path(self.files[0][0])) if self.files else ""
            except NotImplementedError:  # not on the local file system: go through the storage
                directory = None
            if directory:
                os.makedirs(directory, exist_ok=True)
            for name, content in self.files:
                if directory is None:
                    if storage.save(name, ContentFile(content)) != name:
                        raise SeedError(f"the storage renamed {name}")
                else:
                    with open(storage.path(name), "wb") as f:
                        f.write(content)
                saved.append(name)
        except BaseException:
            _delete(saved)
            raise
        return saved

    # --- the services, step by step (cases.py, warehouse.py, refunds.py) ----------------------------------
    def _open(self, case: _Case, args: dict, actor) -> None:
        plan, at = case.plan, self.at
        case.number = f"AS{self.at_dt.astimezone(LOCAL):%Y%m%d}{case.pk:06d}"
        for line, qty, condition in plan.lines:
            case.lines.append([self.new_id("line"), case.pk, line.id, qty, condition, None, line.sku.id])
        for k in range(plan.photos):
            self._evidence(case, "photo", photo_name(at, k), png(plan.serial + k), actor, k)
        rule = plan.decision["rule"]
        case.status = st.REQUESTED
        self.case_audit(case, "status", "status", None, st.REQUESTED, rule, actor)
        self.case_audit(case, "money", "refund_goods", None, case.money.goods, rule, actor)
        self.case_audit(case, "money", "refund_shipping", None, case.money.shipping, rule, actor)

    def _evidence(self, case: _Case, kind: str, original: str, content: bytes, actor, k: int) -> None:
        token = hashlib.sha256(f"{case.number}:{kind}:{k}".encode()).hexdigest()[:16]
        name = f"aftersales/evidence/{case.number}-{token}.png"
        self.files.append((name, content))
        self.rows["evidence"].append((self.new_id("evidence"), case.pk, kind, name, original[-200:], "image/png",
                                      len(content), self.at_dt, actor[0]))

    def _assign(self, case: _Case, args: dict, actor) -> None:
        agent_id, name = self.team[case.plan.agent]
        if case.assigned == agent_id:
            return
        old = case.assigned_name
        case.assigned, case.assigned_name = agent_id, name
        self.case_audit(case, "status", "assigned_to", old, name, "", actor)

    def _approve(self, case: _Case, args: dict, actor) -> None:
        self.move(case, st.APPROVED, actor)
        if case.resolution in TRAVELS_BACK:
            self.move(case, st.AWAITING_RETURN, actor, reason="the item travels back")

    def _decline(self, case: _Case, args: dict, actor) -> None:
        case.status_reason = args["reason"]
        self.move(case, st.DECLINED, actor, reason=args["reason"])

    def _cancel(self, case: _Case, args: dict, actor) -> None:
        if case.status not in st.CANCELLABLE_BY_CUSTOMER or case.replacement_sent_at is not None:
            raise SeedError(f"plan {case.index}: a {case.status} case cannot be cancelled")
        case.status_reason = args["reason"]
        self.move(case, st.CANCELLED, actor, reason=args["reason"] or "cancelled by the customer")

    def _escalate(self, case: _Case, args: dict, actor) -> None:
        if case.status in st.TERMINAL:
            raise SeedError(f"plan {case.index}: a {case.status} case cannot be escalated")
        if case.escalated_at is not None:
            return
        case.escalated_at = self.at
        self.case_audit(case, "status", "escalated", "no", "yes", args["reason"], actor)

    def _tracking(self, case: _Case, args: dict, actor) -> None:
        plan = case.plan
        self.move(case, st.IN_TRANSIT, actor, reason=f"{plan.carrier} {plan.tracking}")
        self.rows["parcel"].append((self.new_id("parcel"), case.pk, self.carriers[plan.carrier], plan.tracking,
                                    self.at_dt))

    def _receive(self, case: _Case, args: dict, actor) -> None:
        if case.status not in (st.AWAITING_RETURN, st.IN_TRANSIT):
            raise SeedError(f"plan {case.index}: a {case.status} case is not expecting a parcel")
        case.received_at = self.at
        self.move(case, st.RECEIVED, actor, reason="parcel received")

    def _inspect_start(self, case: _Case, args: dict, actor) -> None:
        self.move(case, st.INSPECTING, actor, reason="inspection started")

    def _inspect(self, case: _Case, args: dict, actor) -> None:
        plan, f = case.plan, case.plan.flow
        if case.status == st.RECEIVED:
            self.move(case, st.INSPECTING, actor, reason="inspection started")
        st.CASE.check(case.status, f.outcome)
        case.inspection = [self.new_id("inspection"), case.pk, f.condition_found, f.resellable,
                           f.wrong_item_confirmed, f.outcome, f.notes, actor[0], self.at, None]
        for k, line in enumerate(case.lines):
            line[5] = line[3] if f.outcome == st.ACCEPTED else 0 if f.outcome == st.REJECTED else f.accepted[k]
        case.money.changes = []
        case.money.reprice(reason=plan.reason, outcome=f.outcome, accepted_goods=accepted_goods(plan),
                           wrong_item_confirmed=f.wrong_item_confirmed)
        for kind, field, old, new, why in case.money.changes:
            self.case_audit(case, kind, field, old, new, why, actor)
        case.decided_at, case.decided_by = self.at, actor[0]
        self.move(case, f.outcome, actor, reason=f.notes or f"inspected: {f.condition_found}")
        if case.replacement_sent_at is not None and f.outcome != st.ACCEPTED:
            raise SeedError(f"plan {case.index}: an early replacement whose return is refused is not seeded")

    def _restock(self, case: _Case, args: dict, actor) -> None:
        inspection = case.inspection
        if inspection is None or inspection[5] == st.REJECTED or not inspection[3]:
            raise SeedError(f"plan {case.index}: nothing to restock")
        if inspection[9] is not None:
            return
        for line in case.lines:
            if line[5]:
                self.stock[line[6]] += line[5]
        inspection[9] = self.at

    def _outbound_record(self, case: _Case, args: dict, actor) -> None:
        self._evidence(case, "outbound_record", outbound_name(case.plan), png(case.plan.serial + 7), actor, 0)

    def _coupon(self, case: _Case, args: dict, actor) -> None:
        face = money(args["face_value"])
        code = f"CP{case.number}{hashlib.sha256(case.number.encode()).hexdigest()[:6].upper()}"
        pk = self.new_id("coupon")
        self.rows["coupon"].append((pk, case.pk, case.plan.order.customer_id, code, face, self.at_dt,
                                    _dt(self.at + 30 * DAY), actor[0]))
        self.audit("money", self.ct_coupon, pk, f"{code} ¥{face}", "face_value", None, face,
                   f"compensation {case.number}", actor)

    def _issue_refund(self, case: _Case, args: dict, actor) -> None:
        if case.status not in ISSUE_FROM or (case.status == st.APPROVED and case.resolution not in NO_RETURN):
            raise SeedError(f"plan {case.index}: a {case.status} case cannot be refunded yet")
        due = case.money.due(case.done())
        if not due:
            raise SeedError(f"plan {case.index}: nothing to refund")
        reason = f"{case.number} {case.plan.decision['rule']}"
        for kind in KINDS:
            if kind not in due:
                continue
            method = case.money.method if kind == "goods" else "original_payment"
            refund = _Refund(self.new_id("refund"), kind, due[kind], method, f"case:{case.number}:{kind}", self.at)
            case.refunds.append(refund)
            self.audit("money", self.ct_refund, refund.id, refund.repr, "amount", None, refund.amount, reason, actor)
            self.audit("status", self.ct_refund, refund.id, refund.repr, "status", None, st.PENDING, reason, actor)
        if case.status != st.REFUNDING:
            self.move(case, st.REFUNDING, actor, reason="refund issued")

    def _refunds_sent(self, case: _Case, args: dict, actor) -> None:
        for k, refund in enumerate([r for r in case.refunds if r.status == st.PENDING]):
            refund.status, refund.sent_at = st.SENT, self.at
            refund.external_ref = external_ref(case.plan, self.at, k)
            self.audit("status", self.ct_refund, refund.id, refund.repr, "status", st.PENDING, st.SENT, "", actor)

    def _refunds_confirmed(self, case: _Case, args: dict, actor) -> None:
        for refund in [r for r in case.refunds if r.status == st.SENT]:
            refund.status, refund.confirmed_at = st.CONFIRMED, self.at
            self.audit("status", self.ct_refund, refund.id, refund.repr, "status", st.SENT, st.CONFIRMED, "", actor)
            if case.status == st.REFUNDING and not case.outstanding():
                self.move(case, st.CLOSED, actor, reason="refund confirmed")

    def _replacement(self, case: _Case, args: dict, actor) -> None:
        if case.replacement_sent_at is not None:
            return
        early = case.status in st.EARLY_REPLACEMENT_STATES and not (case.status == st.APPROVED
                                                                    and case.resolution == "reship")
        if early and not case.plan.urgent:
            raise SeedError(f"plan {case.index}: an early replacement for a case that is not urgent")
        case.replacement_sent_at = self.at
        if early:
            self.case_audit(case, "status", "replacement", None, "sent", args["note"] or "urgent: before the return",
                            actor)
        else:
            self.move(case, st.RESHIPPING, actor, reason=args["note"] or "replacement sent")

    def _repair(self, case: _Case, args: dict, actor) -> None:
        self.move(case, st.REPAIRING, actor, reason=args["note"] or "sent for repair")

    def _close(self, case: _Case, args: dict, actor) -> None:
        if case.status not in (st.REJECTED, st.DECLINED) and case.outstanding():
            raise SeedError(f"plan {case.index}: closing a case that still has to settle {case.outstanding()}")
        self.move(case, st.CLOSED, actor, reason=args["reason"])


def _case_row(case: _Case, alerted: int | None, json_as_text: bool) -> tuple:
    plan, m = case.plan, case.money
    decision = json.dumps(plan.decision, ensure_ascii=False) if json_as_text else plan.decision
    return (
        case.pk, case.number, plan.order.id, plan.order.customer_id, plan.kind, plan.reason, case.status,
        plan.description, decision, plan.decision["rule"], case.resolution, m.paid_by, m.method, m.goods, m.shipping,
        m.postage, plan.repairs_failed, None if plan.current_price is None else money(plan.current_price), plan.urgent,
        _dt(case.replacement_sent_at), case.escalated_at is not None, _dt(case.escalated_at), case.assigned,
        _dt(plan.opened), _dt(case.approved_at), _dt(case.received_at), _dt(case.decided_at), case.decided_by,
        _dt(alerted), _dt(case.closed_at), _dt(case.cancelled_at), case.status_reason)


def _delete(names: list[str]) -> None:
    storage = CaseEvidence._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
