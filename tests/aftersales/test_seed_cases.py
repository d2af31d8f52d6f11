"""After-sales cases in the demo data (`kefu seed`): every status, running 100-minute clocks, a fortnight of
compliance, refunds within what was paid, determinism, `--verify`, and the bulk writer of the large scale
writing exactly what the services write.

The demo data set is seeded once for this module through the command (committed, then flushed at the end, so
the other modules never see it); each test runs in its own transaction on top of it and rolls back.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import F, Sum
from django.test import override_settings

from kefu.aftersales import case_states as st
from kefu.aftersales.duties import hundred_minute_watch
from kefu.aftersales.models import (
    AfterSalesCase,
    CaseEvidence,
    CaseLine,
    CompensationCoupon,
    Inspection,
    Refund,
    ReturnShipment,
    alert_minutes,
    hundred_minutes,
)
from kefu.aftersales.seed import FLUSH_MODELS, MODES, planner
from kefu.aftersales.seed.bulk import BulkCases
from kefu.aftersales.seed.staff import AGENTS, CLERKS, ensure_team
from kefu.aftersales.seed.verify import case_problems, digest
from kefu.aftersales.selectors import clock_running, hundred_minute_compliance, timeline
from kefu.commerce.management.commands import seed as seed_command
from kefu.commerce.models import Sku
from kefu.commerce.seed import STORY_PHONE, run_seed
from kefu.commerce.seed import verify as order_verify
from kefu.commerce.seed.writer import flush
from kefu.core import clock
from kefu.core.models import AuditEntry, OutboxEvent
from kefu.tickets.models import Ticket
from tests.seed_support import forgotten_afterwards

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed-cases")]
ANCHOR = "2026-03-15"
SH = ZoneInfo("Asia/Shanghai")
LIVE = datetime(2026, 3, 15, 12, 0, tzinfo=SH)  # a past anchor: the cases are "now" at noon of that day


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """`kefu seed --scale demo --anchor 2026-03-15 --verify`, once; yields (command output, the seed's report)."""
    media = tmp_path_factory.mktemp("media")
    reports = []

    def keep(**kwargs):
        reports.append(run_seed(**kwargs))
        return reports[-1]

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), forgotten_afterwards():
        out = io.StringIO()
        with mock.patch.object(seed_command, "run_seed", keep):
            call_command("seed", "--scale", "demo", "--anchor", ANCHOR, "--verify", "--no-progress",
                         "--no-accounts", stdout=out, stderr=io.StringIO())
        yield out.getvalue(), reports[0]


@pytest.fixture
def live(seeded):
    clock.freeze(LIVE)
    return LIVE


# --- what the demo holds -----------------------------------------------------------------------------------------
def test_the_command_seeds_cases_after_the_orders_and_verifies_them(seeded):
    output, report = seeded
    assert "after-sales cases (" in output and "the wrong-size story [seed 001]" in output
    assert "verified: every case passes" in output
    assert report.aftersales.live_at == int(LIVE.timestamp())
    assert report.aftersales.missed == []
    assert AfterSalesCase.objects.count() == report.aftersales.cases >= 40
    assert not OutboxEvent.objects.exists()  # seeded history is not news


def test_every_case_status_is_there(seeded):
    assert set(AfterSalesCase.objects.values_list("status", flat=True)) == set(st.CASE_STATES)
    assert set(AfterSalesCase.objects.values_list("kind", flat=True)) == {
        "return", "exchange", "refund_only", "repair", "reship", "price_protection"}


def test_clocks_are_running_now_near_past_the_alert_and_breached(live):
    running = list(clock_running())
    used = sorted(case.minutes_used for case in running)
    assert len(running) >= 4
    assert any(u < alert_minutes() for u in used)
    assert any(alert_minutes() <= u <= hundred_minutes() for u in used)
    assert any(u > hundred_minutes() for u in used)
    for case in running:  # alerted exactly when the minutely duty would have
        assert (case.hundred_alerted_at is not None) == (case.minutes_used >= alert_minutes() + 1)
    assert hundred_minute_watch() == 0  # nothing left for the duty: the seed already did what it does


def test_a_fortnight_of_decisions_with_a_realistic_compliance_rate(live):
    today = LIVE.date()
    by_day = hundred_minute_compliance(today - timedelta(days=13), today, by="day")
    by_agent = hundred_minute_compliance(today - timedelta(days=13), today, by="agent")
    decided = sum(r.decided for r in by_day)
    within = sum(r.within_100 for r in by_day)
    assert decided >= 15 and len(by_day) >= 10
    assert 0.8 <= within / decided < 1
    clerks = {name for name, _ in CLERKS}
    assert {r.label for r in by_agent} == clerks  # the decisions are the warehouse clerks'
    assert len({r.rate for r in by_agent}) > 1  # and one of them is slower than the others


def test_cases_belong_to_the_team_and_the_demo_agent_has_some(seeded):
    agents = Counter(AfterSalesCase.objects.values_list("assigned_to__username", flat=True))
    assert set(agents) - {None} <= {name for name, _ in AGENTS}
    assert agents["aftersale_agent"] >= 5 and agents[None] >= 1  # "mine" and "unassigned" have rows
    assert AfterSalesCase.objects.filter(escalated=True).exclude(status__in=st.TERMINAL).count() >= 2


def test_refunds_stay_within_what_each_order_paid(seeded):
    capped = Refund.objects.exclude(status=st.FAILED).exclude(kind="postage")
    for row in capped.values("order").annotate(total=Sum("amount"), paid=F("order__payable_amount")):
        assert row["total"] <= row["paid"], row
    for case in AfterSalesCase.objects.filter(refunds__kind="postage").distinct():
        assert sum(r.amount for r in case.refunds.filter(kind="postage")) <= case.return_postage
    assert set(Refund.objects.values_list("status", flat=True)) >= {"sent", "confirmed"}
    assert Refund.objects.filter(method="points", case__kind="price_protection").exists()  # 京豆


def test_lines_are_within_what_was_bought_and_inspections_follow_receipt(seeded):
    for line in CaseLine.objects.select_related("order_line", "case"):
        assert 1 <= line.quantity <= line.order_line.quantity
        assert line.order_line.order_id == line.case.order_id
    for case in AfterSalesCase.objects.all():
        has_inspection = Inspection.objects.filter(case=case).exists()
        assert has_inspection == (case.decided_at is not None)
        assert case.decided_at is None or case.received_at is not None and case.received_at <= case.decided_at
        if case.kind == "price_protection":
            assert case.decision["refund_method"] == "points"
        else:
            assert case.created_at >= case.order.signed_at


def test_the_timeline_starts_with_the_customers_request(seeded):
    for case in AfterSalesCase.objects.select_related("customer__user"):
        entries = timeline(case)
        assert entries[0]["to"] == "requested" and entries[0]["by"] == case.customer.user.username
        assert entries[0]["at"] == case.created_at and entries[0]["reason"] == case.policy_rule
        statuses = [e["to"] for e in entries if e["field"] == "status"]
        assert statuses[-1] == case.status


def test_the_wrong_size_story_and_the_milk_powder_customer(seeded):
    _output, report = seeded
    plan = report.aftersales.story()
    case = AfterSalesCase.objects.get(order_id=plan.order.id)
    assert (case.kind, case.reason, case.urgent, case.status) == ("exchange", "wrong_item", True, "in_transit")
    assert case.replacement_sent_at is not None and case.return_shipment.shipped_at < case.replacement_sent_at
    assert case.order.seller.code == "yintai_home"  # 印泰家居饰品 [seed 001]
    assert set(case.evidence.values_list("kind", flat=True)) == {"photo", "outbound_record"}
    assert CompensationCoupon.objects.filter(case=case).exists()  # the apology coupon
    evidence = case.evidence.first()
    assert evidence.file.read()[:8] == b"\x89PNG\r\n\x1a\n" and evidence.size == evidence.file.size
    assert not AfterSalesCase.objects.filter(customer__phone=STORY_PHONE).exists()  # 孙建国 keeps his own story


# --- verify -------------------------------------------------------------------------------------------------------
def test_verify_passes_and_catches_planted_inconsistencies(seeded):
    assert case_problems() == []
    closed = AfterSalesCase.objects.filter(status="closed").first()
    AfterSalesCase.objects.filter(pk=closed.pk).update(closed_at=None)
    refunding = AfterSalesCase.objects.filter(status="refunding").first()
    AfterSalesCase.objects.filter(pk=refunding.pk).update(status="repairing")
    order = Refund.objects.filter(status="confirmed").first().order
    Refund.objects.create(order=order, amount=order.payable_amount, kind="goods", method="original_payment",
                          idempotency_key="planted", created_at=order.placed_at)
    line = CaseLine.objects.select_related("order_line").first()
    CaseLine.objects.filter(pk=line.pk).update(quantity=line.order_line.quantity + 1)
    found = "\n".join(case_problems())
    assert f"case {closed.number} (closed): closed_at None" in found
    assert f"case {refunding.number} (repairing): the audit log ends at refunding" in found
    assert f"order {order.number}: refunds" in found and "exceed" in found
    assert f"{line.order_line.quantity + 1} of {line.order_line.quantity} bought" in found


# --- determinism --------------------------------------------------------------------------------------------------
def test_the_same_seed_and_anchor_give_the_same_cases(seeded, settings, tmp_path,
                                                      django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    cases, orders = digest(), order_verify.digest()
    run_seed(scale="demo", seed=2026, anchor=date.fromisoformat(ANCHOR), flush_first=True, progress=False)
    assert digest() == cases and order_verify.digest() == orders
    case = AfterSalesCase.objects.filter(status="closed").first()
    AfterSalesCase.objects.filter(pk=case.pk).update(status="rejected")
    assert digest() != cases  # the digest does see the cases
    files = list(CaseEvidence.objects.values_list("file", flat=True))
    assert files and all((tmp_path / name).exists() for name in files)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        flush()
    assert callbacks and not any((tmp_path / name).exists() for name in files)  # --flush takes the files too


# --- the bulk writer of the large scale --------------------------------------------------------------------------
def _audit_of_cases():
    """The audit entries of the cases, refunds and coupons now in the database (a flush keeps older ones)."""
    objects = {AfterSalesCase: AfterSalesCase.objects, Refund: Refund.objects, CompensationCoupon:
               CompensationCoupon.objects}
    entries = AuditEntry.objects.none()
    for model, manager in objects.items():
        ids = [str(pk) for pk in manager.values_list("pk", flat=True)]
        entries |= AuditEntry.objects.filter(content_type__model=model._meta.model_name, object_id__in=ids)
    return entries


def _snapshot() -> dict:
    """Every row the cases left, with database ids (and the case numbers made of them) taken out."""
    cases = list(AfterSalesCase.objects.select_related("order", "assigned_to", "decided_by").order_by("id"))
    tokens = {c.number: f"<{c.order.number}>" for c in cases}

    def plain(text: str) -> str:
        for number, token in tokens.items():
            text = text.replace(number, token)
        return text

    snap: dict = {"cases": [], "audit": [], "stock": dict(Sku.objects.values_list("code", "stock"))}
    for c in cases:
        row = {f.attname: getattr(c, f.attname) for f in c._meta.concrete_fields
               if f.name not in {"id", "number", "order", "assigned_to", "decided_by"}}
        row.update(order=c.order.number, assigned=c.assigned_to and c.assigned_to.username,
                   decided_by=c.decided_by and c.decided_by.username)
        row["lines"] = list(CaseLine.objects.filter(case=c).order_by("id").values_list(
            "order_line_id", "quantity", "condition", "accepted_quantity"))
        row["evidence"] = [(e.kind, e.original_name, e.content_type, e.size, e.uploaded_at, e.uploaded_by_id,
                            hashlib.sha256(e.file.read()).hexdigest(), e.file.name.startswith(
                                f"aftersales/evidence/{c.number}-")) for e in c.evidence.order_by("id")]
        row["parcel"] = list(ReturnShipment.objects.filter(case=c).values_list("carrier__code", "tracking_number",
                                                                                 "shipped_at"))
        row["inspection"] = list(Inspection.objects.filter(case=c).values_list(
            "condition_found", "resellable", "wrong_item_confirmed", "outcome", "notes", "inspector_id",
            "inspected_at", "restocked_at"))
        row["refunds"] = [(r.kind, r.amount, r.method, r.status, plain(r.idempotency_key), r.external_ref,
                           r.failure_reason, r.created_at, r.sent_at, r.confirmed_at, r.failed_at, r.order_id)
                          for r in c.refunds.order_by("id")]
        # a coupon code ends in random hex in the service, in a hash of the case number in bulk
        row["coupons"] = [(plain(k.code)[:-6], k.face_value, k.issued_at, k.expires_at, k.issued_by_id,
                           k.customer_id) for k in c.coupons.order_by("id")]
        snap["cases"].append(row)
    for e in _audit_of_cases().select_related("content_type").order_by("id"):
        text = plain(e.object_repr)
        if e.content_type.model == "compensationcoupon":
            code, amount = text.split(" ")
            text = f"{code[:-6]} {amount}"
        snap["audit"].append((e.at, e.kind, e.content_type.model, e.field, e.old_value, e.new_value,
                              plain(e.reason), e.actor_id, e.actor_label, text))
    return snap


def _undo_cases() -> None:
    """Take the cases out again, with their audit entries and the units they put back in stock."""
    restocked: dict[int, int] = defaultdict(int)
    for line in CaseLine.objects.filter(case__inspection__restocked_at__isnull=False).select_related("order_line"):
        restocked[line.order_line.sku_id] += line.accepted_quantity or 0
    for sku_id, units in restocked.items():
        Sku.objects.filter(pk=sku_id).update(stock=F("stock") - units)
    AuditEntry.objects.filter(pk__in=list(_audit_of_cases().values_list("pk", flat=True))).delete()
    Ticket.objects.filter(case__isnull=False).update(case=None)  # the seeded tickets about cases (PROTECT)
    for model in FLUSH_MODELS:
        model.objects.all().delete()


def _bulk_matches_services(report, settings, tmp_path) -> dict:
    """The cases in the database came from `report`'s plans through the services: write the same plans with
    the bulk writer instead and compare every row."""
    service = _snapshot()
    settings.MEDIA_ROOT = tmp_path  # the bulk writer's files: where the test can see them
    _undo_cases()
    team = ensure_team("unused: the team exists", LIVE)
    rows = BulkCases(report.plans, team, report.live_at).write()
    bulk = _snapshot()
    assert rows["case"] == len(service["cases"]) and rows["audit"] == len(service["audit"])
    assert bulk["stock"] == service["stock"]
    for mine, theirs in zip(bulk["cases"], service["cases"], strict=True):
        assert mine == theirs
    assert bulk["audit"] == service["audit"]  # every entry, in the order the services wrote them
    assert case_problems() == []
    return rows


def test_the_bulk_writer_writes_what_the_services_write(seeded, settings, tmp_path):
    _output, report = seeded
    rows = _bulk_matches_services(report.aftersales, settings, tmp_path)
    assert rows["evidence"] and rows["coupon"] and rows["refund"]


def test_large_style_random_cases_in_bulk_match_the_services_too(seeded, settings, tmp_path, monkeypatch):
    """The large scale's mix (declines, cancellations, partial acceptance, urgent exchanges …) on the demo's
    orders: planned like `large`, carried out once by the services and once by the bulk writer."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setitem(planner.RATES, "demo", planner.Rates(0.15, 0.15, 100_000, False))
    monkeypatch.setitem(MODES, "demo", "services")
    report = run_seed(scale="demo", seed=77, anchor=date.fromisoformat(ANCHOR), flush_first=True, progress=False)
    scenarios = Counter(p.scenario for p in report.aftersales.plans)
    assert len(scenarios) >= 9 and report.aftersales.cases >= 50
    _bulk_matches_services(report.aftersales, settings, tmp_path)
