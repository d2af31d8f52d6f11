from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from kefu.core import audit, clock, roles
from kefu.core.errors import Conflict, DomainError
from kefu.core.money import ZERO
from kefu.core.phones import normalise_phone

from ..models import Customer, Order
from ..order_states import SPENDING_STATES
from ..tiers import tier_for_spend


@transaction.atomic
def register_customer(*, name: str, phone: str, email: str = "", password: str | None = None) -> Customer:
    """A new customer with a login: username is the phone number."""
    name = (name or "").strip()
    if not name:
        raise DomainError("a customer needs a name", field="name")
    try:
        phone = normalise_phone(phone)
    except ValueError as exc:
        raise DomainError(str(exc), field="phone") from exc
    User = get_user_model()
    if Customer.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise Conflict(f"a customer with phone {phone} already exists", field="phone")
    user = User(username=phone, email=email, first_name=name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    roles.grant(user, roles.CUSTOMER)
    return Customer.objects.create(user=user, name=name, phone=phone, email=email, created_at=clock.now())


def spend_last_12_months(customer: Customer) -> Decimal:
    since = clock.now() - timedelta(days=365)
    total = (
        Order.objects.filter(customer=customer, status__in=SPENDING_STATES, placed_at__gte=since)
        .aggregate(total=Sum("payable_amount"))["total"]
    )
    return total or ZERO


@transaction.atomic
def recompute_tier(customer: Customer, *, actor=None) -> Customer:
    spend = spend_last_12_months(customer)
    tier = tier_for_spend(spend, settings.KEFU_TIER_THRESHOLDS)
    if tier != customer.tier:
        audit.status_changed(customer, customer.tier, tier, actor=actor, field="tier",
                             reason=f"spend in the last 12 months: {spend}")
    customer.tier, customer.spend_12m, customer.tier_computed_at = tier, spend, clock.now()
    customer.save(update_fields=["tier", "spend_12m", "tier_computed_at"])
    return customer


def recompute_all_tiers() -> int:
    """Nightly: spend ages out of the 12-month window, so tiers move even without new orders.

    One grouped query for all spend, then only the customers whose figures changed are written.
    """
    since = clock.now() - timedelta(days=365)
    spend = dict(
        Order.objects.filter(status__in=SPENDING_STATES, placed_at__gte=since)
        .values("customer_id").annotate(total=Sum("payable_amount")).values_list("customer_id", "total")
    )
    now = clock.now()
    changed = 0
    for customer in Customer.objects.only("id", "name", "phone", "tier", "spend_12m").iterator(chunk_size=5000):
        total = spend.get(customer.id) or ZERO
        tier = tier_for_spend(total, settings.KEFU_TIER_THRESHOLDS)
        if tier == customer.tier and total == customer.spend_12m:
            continue
        with transaction.atomic():
            if tier != customer.tier:
                audit.status_changed(customer, customer.tier, tier, actor="duty:recompute_tiers", field="tier",
                                     reason=f"spend in the last 12 months: {total}")
                changed += 1
            Customer.objects.filter(pk=customer.pk).update(tier=tier, spend_12m=total, tier_computed_at=now)
    return changed
