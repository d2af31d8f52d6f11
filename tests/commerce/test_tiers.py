from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.commerce.services import customers as customer_services
from kefu.commerce.services import orders as order_services
from kefu.commerce.tiers import ORDER, tier_for_spend
from kefu.core import audit, clock
from kefu.core.errors import Conflict, DomainError
from tests import factories as f


@pytest.mark.parametrize("spend,tier", [
    ("0", "registered"), ("999.99", "registered"), ("1000", "bronze"), ("4999.99", "bronze"),
    ("5000", "silver"), ("10000", "gold"), ("29999.99", "gold"), ("30000", "diamond"), ("1000000", "diamond"),
])
def test_tier_boundaries(spend, tier):
    assert tier_for_spend(Decimal(spend)) == tier


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.decimals(min_value=0, max_value=10**7, places=2))
def test_more_spend_never_lowers_the_tier(a, b):
    ranks = ["registered", *reversed(ORDER)]
    low, high = sorted([a, b])
    assert ranks.index(tier_for_spend(low)) <= ranks.index(tier_for_spend(high))


@pytest.mark.django_db
class TestTierFromOrders:
    def test_paid_orders_of_the_last_12_months_count(self):
        clock.freeze(datetime(2026, 11, 1, tzinfo=UTC))
        cust = f.customer()
        sku = f.sku("15000.00")
        old = f.order(cust, [(sku, 1)], status="completed", placed_at=clock.now() - timedelta(days=366))
        f.order(cust, [(sku, 1)], status="pending_payment")  # unpaid: not spend
        f.order(cust, [(sku, 1)], status="completed")
        customer_services.recompute_tier(cust)
        assert (cust.tier, cust.spend_12m) == ("gold", Decimal("15000.00"))
        assert old.payable_amount == Decimal("15000.00")

    def test_payment_moves_the_customer_to_diamond_with_an_audit_entry(self, django_capture_on_commit_callbacks):
        cust = f.customer()
        order = f.order(cust, [(f.sku("30000.00"), 1)])
        with django_capture_on_commit_callbacks(execute=True):
            order_services.change_status(order, "paid")
        cust.refresh_from_db()
        assert cust.tier == "diamond"
        entry = audit.history(cust).get()
        assert (entry.field, entry.old_value, entry.new_value) == ("tier", "registered", "diamond")

    def test_nightly_recompute_lets_old_spend_age_out(self):
        clock.freeze(datetime(2026, 1, 1, tzinfo=UTC))
        cust = f.customer()
        f.order(cust, [(f.sku("30000.00"), 1)], status="completed")
        assert customer_services.recompute_all_tiers() == 1
        cust.refresh_from_db()
        assert cust.tier == "diamond"
        clock.advance(timedelta(days=366))
        assert customer_services.recompute_all_tiers() == 1
        cust.refresh_from_db()
        assert (cust.tier, cust.spend_12m) == ("registered", Decimal("0.00"))
        assert customer_services.recompute_all_tiers() == 0


@pytest.mark.django_db
class TestRegisterCustomer:
    def test_phone_is_normalised_and_is_the_username(self):
        cust = customer_services.register_customer(name="李娜", phone="+86 139-0000-1111", password="s3cret-pass")
        assert cust.phone == "13900001111" and cust.user.username == "13900001111"
        assert cust.user.groups.filter(name="customer").exists()

    @pytest.mark.parametrize("phone", ["12345", "23900001111", ""])
    def test_malformed_phone_refused_naming_the_field(self, phone):
        with pytest.raises(DomainError) as err:
            customer_services.register_customer(name="李娜", phone=phone)
        assert err.value.field == "phone"

    def test_duplicate_phone_is_a_conflict(self):
        customer_services.register_customer(name="李娜", phone="13900001111")
        with pytest.raises(Conflict):
            customer_services.register_customer(name="王芳", phone="13900001111")

    def test_name_required(self):
        with pytest.raises(DomainError) as err:
            customer_services.register_customer(name="  ", phone="13900001112")
        assert err.value.field == "name"
