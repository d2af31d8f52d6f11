"""Order state machine through the services: allowed paths, refusals, audit, events, auto-cancel."""

from datetime import UTC, datetime, timedelta

import pytest

from kefu.commerce.models import Order
from kefu.commerce.order_states import ONLINE, PAY_ON_DELIVERY
from kefu.commerce.services import orders as order_services
from kefu.core import audit, clock
from kefu.core.errors import DomainError, InvalidTransition
from kefu.core.models import OutboxEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def online_order():
    clock.freeze(T0)
    return f.order(f.customer(), [(f.sku("3299.00"), 1)])


def statuses(order):
    return [(e.old_value, e.new_value) for e in audit.history(order)]


def test_online_order_walks_the_happy_path_with_audit_and_events(online_order):
    for target in ["paid", "shipped", "delivered", "completed"]:
        clock.advance(timedelta(hours=1))
        order_services.change_status(online_order, target, actor="test")
    online_order.refresh_from_db()
    assert online_order.status == "completed"
    assert online_order.paid_at == T0 + timedelta(hours=1)
    assert online_order.signed_at == T0 + timedelta(hours=3)
    assert statuses(online_order) == [("pending_payment", "paid"), ("paid", "shipped"),
                                      ("shipped", "delivered"), ("delivered", "completed")]
    assert OutboxEvent.objects.filter(topic="order.status_changed").count() == 4


@pytest.mark.parametrize("target", ["shipped", "delivered", "completed", "pending_payment"])
def test_online_order_cannot_skip_payment(online_order, target):
    with pytest.raises(InvalidTransition):
        order_services.change_status(online_order, target)
    online_order.refresh_from_db()
    assert online_order.status == "pending_payment" and statuses(online_order) == []


def test_unknown_state_is_refused(online_order):
    with pytest.raises(InvalidTransition, match="unknown"):
        order_services.change_status(online_order, "lost_in_space")


@pytest.mark.parametrize("method", ["cod", "self_pickup"])
def test_pay_on_delivery_orders_ship_without_a_paid_step(method):
    order = f.order(f.customer(), [(f.sku(), 1)], payment_method=method)
    assert order.payment_deadline is None
    with pytest.raises(InvalidTransition):
        order_services.change_status(order, "paid")
    order_services.change_status(order, "shipped")
    order_services.change_status(order, "delivered")
    order.refresh_from_db()
    assert order.status == "delivered"


def test_machines_agree_on_terminal_states():
    for machine in (ONLINE, PAY_ON_DELIVERY):
        assert not machine.transitions["completed"] and not machine.transitions["cancelled"]


def test_cancel_needs_a_known_reason(online_order):
    with pytest.raises(DomainError) as err:
        order_services.change_status(online_order, "cancelled", cancel_reason="bored")
    assert err.value.field == "cancel_reason"
    order_services.cancel_order(online_order, reason="customer_request")
    online_order.refresh_from_db()
    assert (online_order.status, online_order.cancel_reason) == ("cancelled", "customer_request")


def test_shipped_order_cancels_only_when_refused_at_the_door(online_order):
    order_services.change_status(online_order, "paid")
    order_services.change_status(online_order, "shipped")
    with pytest.raises(DomainError):
        order_services.cancel_order(online_order, reason="customer_request")
    order_services.cancel_order(online_order, reason="rejected_on_delivery")
    online_order.refresh_from_db()
    assert online_order.status == "cancelled"


def test_delivered_order_cannot_be_cancelled(online_order):
    for target in ["paid", "shipped", "delivered"]:
        order_services.change_status(online_order, target)
    with pytest.raises(InvalidTransition):
        order_services.cancel_order(online_order, reason="customer_request")


class TestAutoCancel:
    def test_payment_deadline_is_24_hours_by_default(self, online_order):
        assert online_order.payment_deadline == T0 + timedelta(hours=24)

    def test_unpaid_order_cancels_itself_after_the_deadline_only(self, online_order):
        clock.advance(timedelta(hours=23, minutes=59))
        assert order_services.cancel_unpaid_orders() == 0
        clock.advance(timedelta(minutes=1))
        assert order_services.cancel_unpaid_orders() == 1
        online_order.refresh_from_db()
        assert (online_order.status, online_order.cancel_reason) == ("cancelled", "unpaid_timeout")
        assert audit.history(online_order).get().actor_label == "duty:cancel_unpaid_orders"
        assert order_services.cancel_unpaid_orders() == 0  # never twice

    def test_paid_and_cod_orders_are_left_alone(self, online_order):
        order_services.change_status(online_order, "paid")
        cod = f.order(f.customer(), [(f.sku(), 1)], payment_method="cod")
        clock.advance(timedelta(days=3))
        assert order_services.cancel_unpaid_orders() == 0
        assert set(Order.objects.values_list("status", flat=True)) == {"paid", "pending_payment"}
        assert Order.objects.get(pk=cod.pk).status == "pending_payment"

    def test_deadline_follows_the_setting(self, settings):
        settings.KEFU_UNPAID_ORDER_CANCEL_HOURS = 2
        assert order_services.payment_deadline_for(T0, "online") == T0 + timedelta(hours=2)
        assert order_services.payment_deadline_for(T0, "cod") is None
