"""Carry the plans out through the real services, with the clock moved to each step's moment.

Every step of every plan is played in time order (all cases interleaved, as they would happen), so the
case numbers, the audit log, the refund ledger and the 100-minute duty's alerts are exactly what the product
writes — except the outbox: seeded history is not news (see quiet_outbox).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kefu.commerce.models import Carrier, Order, OrderLine
from kefu.commerce.seed.context import money, to_datetime
from kefu.commerce.seed.writer import SeedError
from kefu.core import clock, events

from ..duties import hundred_minute_watch
from ..models import AfterSalesCase, CaseEvidence, Refund
from ..services import cases, refunds, warehouse
from ..services import evidence as evidence_files
from ..services.policy_bridge import AskedLine
from .photos import png
from .plans import WATCH, CasePlan


def schedule(plans: list[CasePlan]) -> list[tuple[int, int, int]]:
    """(plan index, step index) of every step in the order they happen; at one moment, the duty runs last."""
    keyed = [(s.at, s.action == WATCH, i, j) for i, p in enumerate(plans) for j, s in enumerate(p.steps)]
    keyed.sort()
    return [(at, i, j) for at, _w, i, j in keyed]


LOCAL = ZoneInfo(settings.TIME_ZONE)  # timezone.localtime() without an activated zone, minus its lookups


def local(at: int) -> datetime:
    return datetime.fromtimestamp(at, LOCAL)


def photo_name(at: int, k: int) -> str:
    return f"微信图片_{local(at):%Y%m%d%H%M%S}{k}.png"


def outbound_name(plan: CasePlan) -> str:
    return f"出库记录_{plan.order.number}.png"


def external_ref(plan: CasePlan, at: int, k: int) -> str:
    return f"RF{local(at):%Y%m%d}{plan.serial:08d}{k}"


@contextlib.contextmanager
def quiet_outbox() -> Iterator[None]:
    """Seeded history is not news: while the plans are replayed, the services' domain events are not written
    to the outbox (nor is the dispatcher nudged after commit). Nobody should be told today about a refund
    confirmed last month; the seeded orders write no events either. Everything else the services write —
    rows, audit entries, timestamps — is untouched."""
    emit = events.emit
    events.emit = _not_news
    try:
        yield
    finally:
        events.emit = emit


def _not_news(topic: str, payload: dict) -> None:
    if not transaction.get_connection().in_atomic_block:  # the same guard as the real emit
        raise RuntimeError("emit() must run inside the transaction of the change it reports")


@contextlib.contextmanager
def clock_kept() -> Iterator[None]:
    """Move the clock freely inside; afterwards it is exactly as before (frozen or not: a test may have frozen
    it at the moment it looks at the data)."""
    saved = (clock._frozen, clock._offset)
    try:
        yield
    finally:
        with clock._lock:
            clock._frozen, clock._offset = saved


class Replay:
    def __init__(self, plans: list[CasePlan], staff: dict[str, object]):
        self.plans = plans
        self.staff = staff  # username -> User
        order_ids = {p.order.id for p in plans}
        self.orders = Order.objects.in_bulk(order_ids)
        self.lines = OrderLine.objects.in_bulk({line.id for p in plans for line, _q, _c in p.lines})
        users = get_user_model().objects.in_bulk({p.order.user_id for p in plans})
        self.customers = {p.order.user_id: users[p.order.user_id] for p in plans}
        self.carriers = {c.code: c for c in Carrier.objects.all()}
        self.case_ids: dict[int, int] = {}
        self.numbers: dict[int, str] = {}
        self.files: list[str] = []

    def run(self) -> None:
        try:
            with clock_kept(), quiet_outbox():
                for at, i, j in schedule(self.plans):
                    clock.freeze(to_datetime(at))
                    self.step(i, self.plans[i], self.plans[i].steps[j].action, self.plans[i].steps[j].args)
        except BaseException:  # the caller's transaction rolls the rows back: take their files away too
            storage = CaseEvidence._meta.get_field("file").storage
            for name in self.files:
                storage.delete(name)
            raise

    def step(self, i: int, plan: CasePlan, action: str, args: dict) -> None:
        pk = self.case_ids.get(i)
        agent, clerk = self.staff[plan.agent], self.staff[plan.clerk]
        at = int(clock.now().timestamp())
        if action == "open":
            uploads = [SimpleUploadedFile(photo_name(at, k), png(plan.serial + k), content_type="image/png")
                       for k in range(plan.photos)]
            case = cases.open_case(
                self.orders[plan.order.id], plan.kind, plan.reason,
                [AskedLine(self.lines[line.id], qty, condition) for line, qty, condition in plan.lines], uploads,
                by=self.customers[plan.order.user_id], description=plan.description,
                return_postage=money(plan.postage), repairs_failed=plan.repairs_failed,
                current_unit_price=None if plan.current_price is None else money(plan.current_price),
                urgent=plan.urgent)
            if case.decision != plan.decision:
                raise SeedError(f"the policy decided {case.number} differently from the plan: "
                                f"{case.decision['rule']} vs {plan.decision['rule']}")
            self.case_ids[i], self.numbers[i] = case.pk, case.number
            self.files += [e.file.name for e in case.evidence.all()]
        elif action == "assign":
            cases.assign(pk, agent, by=agent)
        elif action == "approve":
            cases.approve(pk, by=agent)
        elif action == "decline":
            cases.decline(pk, reason=args["reason"], by=agent)
        elif action == "cancel":
            cases.cancel_by_customer(pk, by=self.customers[plan.order.user_id], reason=args["reason"])
        elif action == "escalate":
            cases.escalate(pk, by=agent, reason=args["reason"])
        elif action == "tracking":
            cases.add_return_tracking(pk, carrier=self.carriers[plan.carrier], tracking_number=plan.tracking,
                                      by=self.customers[plan.order.user_id])
        elif action == "receive":
            scanned = self.numbers[i] if plan.flow.by_case_number else plan.tracking
            warehouse.receive_return(scanned, by=clerk)
        elif action == "inspect_start":
            warehouse.start_inspection(pk, by=clerk)
        elif action == "inspect":
            f = plan.flow
            accepted = None
            if f.accepted is not None:
                accepted = {line.id: q for (line, _n, _c), q in zip(plan.lines, f.accepted, strict=True)}
            warehouse.record_inspection(pk, outcome=f.outcome, condition_found=f.condition_found,
                                        resellable=f.resellable, wrong_item_confirmed=f.wrong_item_confirmed,
                                        accepted=accepted, notes=f.notes, by=clerk)
        elif action == WATCH:
            hundred_minute_watch()
        elif action == "restock":
            warehouse.restock(pk, by=clerk)
        elif action == "outbound_record":
            upload = SimpleUploadedFile(outbound_name(plan), png(plan.serial + 7), content_type="image/png")
            with transaction.atomic():
                content, ctype, ext = evidence_files.checked(upload)
                stored = evidence_files.store(AfterSalesCase.objects.get(pk=pk), upload, "outbound_record", content,
                                              ctype, ext, by=clerk)
            self.files.append(stored.file.name)
        elif action == "coupon":
            refunds.grant_coupon(pk, money(args["face_value"]), by=agent)
        elif action == "issue_refund":
            refunds.issue_refund(pk, by=agent)
        elif action == "refunds_sent":
            for k, refund in enumerate(Refund.objects.filter(case_id=pk, status="pending").order_by("id")):
                refunds.mark_refund_sent(refund, external_ref=external_ref(plan, at, k))
        elif action == "refunds_confirmed":
            for refund in Refund.objects.filter(case_id=pk, status="sent").order_by("id"):
                refunds.mark_refund_confirmed(refund)
        elif action == "replacement":
            cases.send_replacement(pk, by=agent, note=args["note"])
        elif action == "repair":
            cases.start_repair(pk, by=clerk, note=args["note"])
        elif action == "close":
            cases.close(pk, by=agent, reason=args["reason"])
        else:
            raise SeedError(f"unknown step {action!r}")
