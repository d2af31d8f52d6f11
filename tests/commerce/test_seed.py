"""`kefu seed`: deterministic, valid by the house rules, covering every case, with one login per role."""

from __future__ import annotations

import io
import random
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum

from kefu.commerce.amounts import LineAmounts, check_amounts
from kefu.commerce.models import (
    CancelReason,
    Carrier,
    Customer,
    EnterpriseQualification,
    ExceptionKind,
    Invoice,
    Order,
    OrderLine,
    PaymentMethod,
    Product,
    Seller,
    Shipment,
    Sku,
    TrackingEvent,
)
from kefu.commerce.seed import SCALES, STORY_PHONE, demo_accounts, run_seed
from kefu.commerce.seed import _allocate as allocate_orders
from kefu.commerce.seed.verify import digest, problems
from kefu.core import clock, roles
from kefu.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db
ANCHOR = "2026-03-15"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def demo():
    """The demo data set for today's anchor (so the tier duty and the deadlines see it as current), seen at
    noon of that day: what is overdue or not yet must not depend on the hour CI happens to run."""
    today = clock.localnow().replace(hour=12, minute=0, second=0, microsecond=0)
    clock.freeze(today)
    return run_seed(scale="demo", seed=2026, progress=False)


# --- determinism ----------------------------------------------------------------------------------------
def test_same_seed_same_rows_and_another_seed_other_rows():
    seed("--seed", "7", "--anchor", ANCHOR)
    first = digest()
    seed("--seed", "7", "--anchor", ANCHOR, "--flush")
    assert digest() == first
    seed("--seed", "8", "--anchor", ANCHOR, "--flush")
    assert digest() != first
    assert Order.objects.count() == SCALES["demo"].orders


def test_the_anchor_moves_the_data_and_nothing_is_in_the_future():
    seed("--seed", "7", "--anchor", ANCHOR)
    anchor = datetime(2026, 3, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
    newest = Order.objects.order_by("-placed_at").first().placed_at
    latest_event = TrackingEvent.objects.order_by("-occurred_at").first().occurred_at
    assert anchor - timedelta(hours=6) < newest < anchor
    assert latest_event < anchor


def test_exactly_a_million_orders_at_the_large_scale_with_a_few_big_spenders():
    scale = SCALES["large"]
    counts, whales = allocate_orders(random.Random(1), scale)
    assert len(counts) == scale.customers == 200_000
    assert sum(counts) == scale.orders == 1_000_000
    assert 3 <= len(whales) <= scale.customers // 100


# --- the house rules ------------------------------------------------------------------------------------
def test_every_order_passes_check_amounts(demo):
    orders = Order.objects.prefetch_related("lines", "payments")
    assert orders.count() == 300
    for order in orders:
        lines = [LineAmounts(x.quantity, x.unit_price, x.paid_amount) for x in order.lines.all()]
        assert (
            check_amounts(
                lines,
                goods_amount=order.goods_amount,
                coupon_discount=order.coupon_discount,
                points_discount=order.points_discount,
                shipping_fee=order.shipping_fee,
                payable_amount=order.payable_amount,
                payments=[p.amount for p in order.payments.all()],
            )
            == []
        ), order.number


def test_status_timestamps_and_tracking_are_consistent(demo):
    assert problems(limit=20) == []


def test_timestamps_agree_with_the_status(demo, settings):
    now = clock.now()
    hours = timedelta(hours=settings.KEFU_UNPAID_ORDER_CANCEL_HOURS)
    for order in Order.objects.all():
        assert order.placed_at.tzinfo is not None
        assert order.placed_at <= now
        online = order.payment_method == PaymentMethod.ONLINE
        assert order.payment_deadline == (order.placed_at + hours if online else None)
        if online and order.status in {"paid", "shipped", "delivered", "completed"}:
            assert order.paid_at and order.placed_at <= order.paid_at <= order.payment_deadline
            assert sum(p.amount for p in order.payments.all()) == order.payable_amount
        if order.shipped_at and order.paid_at and online:
            assert order.shipped_at >= order.paid_at
        if order.status in {"delivered", "completed"}:
            assert order.signed_at and order.signed_at >= order.shipped_at
            if not online:  # cash on delivery / self-pickup: paid at the door or the counter
                assert [p.paid_at for p in order.payments.all()] == [order.signed_at]
        if order.status == "cancelled":
            assert order.cancel_reason in CancelReason.values and order.cancelled_at
        else:
            assert order.cancel_reason == "" and order.cancelled_at is None


def test_tracking_agrees_with_the_order_and_the_cached_fields(demo):
    for shipment in Shipment.objects.select_related("order").prefetch_related("events"):
        events = list(shipment.events.all())
        assert 2 <= len(events) <= 5
        assert shipment.promised_start <= shipment.promised_end
        last = events[-1]
        assert (shipment.last_code, shipment.last_event_at, shipment.exception_kind) == (
            last.code,
            last.occurred_at,
            last.exception_kind,
        )
        codes = [e.code for e in events]
        if shipment.order.status in {"delivered", "completed"}:
            assert codes[-1] == "signed" and shipment.signed_at == last.occurred_at
        if shipment.order.status == "shipped":
            assert "signed" not in codes and shipment.signed_at is None


def test_phones_are_unique_valid_mainland_mobiles(demo):
    phones = list(Customer.objects.values_list("phone", flat=True))
    assert len(phones) == len(set(phones)) == 60
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in Order.objects.values_list("recipient_phone", flat=True))


def test_seeding_writes_no_audit_or_outbox_noise_and_the_tier_duty_agrees(demo):
    assert demo.tiers_recomputed == 0
    # Cases and tickets (and the handover) write their timeline to the audit log; nothing else seeded is audited.
    assert not AuditEntry.objects.exclude(content_type__app_label__in=("aftersales", "tickets", "contact")).exists()
    assert OutboxEvent.objects.count() == 0


# --- coverage of the cases ------------------------------------------------------------------------------
def test_every_state_reason_method_and_exception_is_there(demo):
    now = clock.now()
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == {"pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"}
    assert set(Order.objects.values_list("cancel_reason", flat=True)) - {""} == set(CancelReason.values)
    assert set(Order.objects.values_list("payment_method", flat=True)) == set(PaymentMethod.values)
    overdue = Order.objects.filter(status="pending_payment", payment_method="online", payment_deadline__lt=now)
    not_yet = Order.objects.filter(status="pending_payment", payment_method="online", payment_deadline__gt=now)
    assert overdue.exists() and not_yet.exists()
    assert set(Shipment.objects.exclude(exception_kind="").values_list("exception_kind", flat=True)) == set(
        ExceptionKind.values
    )
    late = Shipment.objects.filter(order__status="shipped", promised_end__lt=now, signed_at__isnull=True)
    assert late.exclude(last_code="exception").exists()
    assert Order.objects.filter(coupon_discount__gt=0).exists()
    assert Order.objects.filter(points_used__gt=0, points_discount=F("points_used") / 100).exists()
    assert OrderLine.objects.filter(buyer_confirmed_nonreturnable=True).exists()
    assert OrderLine.objects.filter(
        sku__product__is_declared_nonreturnable=True, buyer_confirmed_nonreturnable=False
    ).exists()
    assert Invoice.objects.filter(kind="ordinary").exists()
    vat = Invoice.objects.filter(kind="vat").select_related("qualification")
    assert vat.exists()
    for invoice in vat:
        q = invoice.qualification
        assert all(
            [
                q.general_taxpayer_certificate,
                q.business_licence,
                q.tax_registration_certificate,
                q.bank_account_permit,
            ]
        )
        assert invoice.amount == invoice.order.payable_amount


def test_the_catalog_covers_the_source_documents(demo):
    products = Product.objects.all()
    assert all(p.selling_point_list for p in products)
    assert products.filter(is_fresh=True, name__contains="山竹").exists()
    assert products.filter(is_periodical=True).count() >= 2
    assert set(products.filter(installation_required=True).values_list("category__code", flat=True)) == {
        "air_conditioner",
        "washer",
    }
    assert products.filter(is_customised=True).exists()
    assert products.filter(is_digital_download=True).exists()
    assert products.filter(is_declared_nonreturnable=True).exists()
    assert products.filter(name__contains="DVD", warranty_days=365, sanbao_applies=True).exists()
    laptop_specs = Sku.objects.filter(product__code="LT-XX14").values_list("spec", flat=True)
    assert any("8GB" in s for s in laptop_specs) and any("16GB" in s for s in laptop_specs)
    assert all(
        p.warranty_days == 365 and p.sanbao_applies for p in products.filter(category__code__in=["phone", "laptop"])
    )
    assert Sku.objects.filter(product__category__code="desk", price=Decimal("200.00")).exists()
    versions = set(
        Sku.objects.filter(product__is_sealed_av_software=True).exclude(version="").values_list("version", flat=True)
    )
    assert len(versions) >= 2
    assert products.filter(name__contains="印泰", seller__kind=Seller.Kind.THIRD_PARTY).exists()
    assert Seller.objects.filter(name="京东自营", kind=Seller.Kind.SELF_OPERATED).exists()
    assert Seller.objects.filter(kind=Seller.Kind.THIRD_PARTY).count() >= 3
    assert set(Carrier.objects.values_list("name", flat=True)) >= {
        "京东物流",
        "顺丰速运",
        "中通快递",
        "圆通速递",
        "韵达快递",
        "中国邮政EMS",
    }
    assert Carrier.objects.get(name="京东物流").is_own_fleet
    milk = products.get(code="MP-APTAMIL")
    assert milk.seller.kind == Seller.Kind.THIRD_PARTY
    carriers = Shipment.objects.filter(order__lines__sku__product=milk).values_list("carrier__is_own_fleet", flat=True)
    assert carriers and not any(carriers)  # shipped by third-party couriers


def test_a_diamond_customer_and_the_milk_powder_story(demo):
    now = clock.now()
    diamonds = Customer.objects.filter(tier="diamond")
    assert diamonds.count() >= 3
    assert all(c.spend_12m >= Decimal("30000") for c in diamonds)
    story = Customer.objects.get(phone=STORY_PHONE)
    assert story.tier == "diamond"
    assert story.addresses.get(is_default=True).city == "宿迁市"
    order = story.orders.get(lines__sku__product__code="MP-APTAMIL")
    assert order.lines.get().quantity == 2
    assert order.seller.kind == Seller.Kind.THIRD_PARTY and order.status == "shipped"
    assert timedelta(days=6) < now - order.placed_at < timedelta(days=8)
    shipment = order.shipments.get()
    assert not shipment.carrier.is_own_fleet
    assert shipment.promised_end - order.placed_at < timedelta(days=4) and shipment.promised_end < now
    assert (shipment.last_code, shipment.exception_kind) == ("exception", "delayed")


def test_tiers_match_the_spend_of_the_last_twelve_months(demo):
    since = clock.now() - timedelta(days=365)
    for customer in Customer.objects.all():
        spend = customer.orders.filter(
            status__in=["paid", "shipped", "delivered", "completed"], placed_at__gte=since
        ).aggregate(s=Sum("payable_amount"))["s"] or Decimal("0.00")
        assert customer.spend_12m == spend, customer


# --- accounts -------------------------------------------------------------------------------------------
def test_every_role_account_exists_and_can_log_in(demo, client):
    accounts = demo_accounts()
    assert {a["role"] for a in accounts} == set(roles.PERMISSIONS)
    for account in accounts:
        assert client.login(username=account["username"], password=account["password"]), account
        user = get_user_model().objects.get(username=account["username"])
        assert account["role"] in roles.roles_of(user)
        assert user.is_staff == (account["role"] in roles.ADMIN_SITE_ROLES)
        start = client.get(account["where"], follow=True)  # they may start there, not at a login page
        assert start.status_code == 200 and "login" not in start.request["PATH_INFO"], account
        client.logout()
    assert get_user_model().objects.get(username="admin").is_superuser
    assert Customer.objects.get(user__username=STORY_PHONE).phone == STORY_PHONE
    assert not Customer.objects.exclude(user__groups__name=roles.CUSTOMER).exists()


def test_the_command_prints_the_accounts_to_log_in_with():
    out = seed("--anchor", ANCHOR)
    assert "300 orders" in out
    for account in demo_accounts():
        assert re.search(rf"{account['role']}\s+{account['username']}\s+kefu-demo-2026\s+{account['where']}", out)


# --- refusals and flushing ------------------------------------------------------------------------------
def test_a_non_empty_database_is_refused_without_flush():
    seed("--anchor", ANCHOR)
    with pytest.raises(CommandError, match="--flush"):
        seed("--anchor", ANCHOR)
    assert Order.objects.count() == 300


def test_flush_deletes_only_commerce_data_and_seeded_users():
    User = get_user_model()
    bystander = User.objects.create_user("alice", password="alice-pass-123")
    seed("--anchor", ANCHOR)
    story_user = User.objects.get(username=STORY_PHONE).pk
    seed("--anchor", ANCHOR, "--seed", "9", "--flush")
    assert User.objects.filter(pk=bystander.pk).exists()
    assert not User.objects.filter(pk=story_user).exists()  # recreated under a new id
    assert User.objects.filter(username=STORY_PHONE).exists()
    assert Customer.objects.count() == 60 and Order.objects.count() == 300
    assert EnterpriseQualification.objects.filter(customer__isnull=True).count() == 0


def test_an_account_the_seed_did_not_make_is_left_alone():
    User = get_user_model()
    User.objects.create_user("supervisor", password="my-own-password")
    run_seed(scale="demo", seed=1, anchor=date.fromisoformat(ANCHOR), progress=False)
    assert User.objects.get(username="supervisor").check_password("my-own-password")


def test_large_is_refused_on_sqlite(monkeypatch):
    # The refusal comes before any write, so on PostgreSQL the test can stand in for SQLite.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        seed("--scale", "large")
    assert not Order.objects.exists()


def test_a_bad_anchor_is_a_clear_error():
    with pytest.raises(CommandError, match="anchor"):
        seed("--anchor", "15/03/2026")
