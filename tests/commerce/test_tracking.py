from datetime import UTC, datetime, timedelta

import pytest

from kefu.commerce.models import Order, TrackingEvent
from kefu.commerce.services import orders as order_services
from kefu.commerce.services.shipments import add_tracking_event
from kefu.core import clock
from kefu.core.errors import DomainError
from kefu.core.models import OutboxEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def shipped():
    clock.freeze(T0)
    order = f.order(f.customer(), [(f.sku(), 1)], status="paid")
    order_services.change_status(order, "shipped")
    return f.shipment(order)


def test_signed_event_delivers_the_order(shipped):
    add_tracking_event(shipped, occurred_at=T0 + timedelta(hours=1), place="北京亚运村站", code="picked_up")
    add_tracking_event(shipped, occurred_at=T0 + timedelta(days=1), place="北京海淀", code="signed")
    order = Order.objects.get(pk=shipped.order_id)
    shipped.refresh_from_db()
    assert order.status == "delivered" and order.signed_at == T0 + timedelta(days=1)
    assert (shipped.last_code, shipped.signed_at) == ("signed", T0 + timedelta(days=1))


def test_replayed_event_changes_nothing(shipped):
    at = T0 + timedelta(hours=2)
    _, created = add_tracking_event(shipped, occurred_at=at, place="北京", code="in_transit")
    before = OutboxEvent.objects.count()
    _, again = add_tracking_event(shipped, occurred_at=at, place="北京", code="in_transit")
    assert (created, again) == (True, False)
    assert TrackingEvent.objects.count() == 1 and OutboxEvent.objects.count() == before


def test_late_arriving_older_event_does_not_overwrite_the_latest(shipped):
    add_tracking_event(shipped, occurred_at=T0 + timedelta(hours=5), place="站点", code="out_for_delivery")
    add_tracking_event(shipped, occurred_at=T0 + timedelta(hours=1), place="仓库", code="picked_up")
    shipped.refresh_from_db()
    assert shipped.last_code == "out_for_delivery"


def test_exception_needs_its_kind(shipped):
    with pytest.raises(DomainError) as err:
        add_tracking_event(shipped, occurred_at=T0, place="x", code="exception")
    assert err.value.field == "exception_kind"
    with pytest.raises(DomainError):
        add_tracking_event(shipped, occurred_at=T0, place="x", code="in_transit", exception_kind="lost")
    add_tracking_event(shipped, occurred_at=T0, place="x", code="exception", exception_kind="damaged")
    shipped.refresh_from_db()
    assert shipped.exception_kind == "damaged"


def test_unknown_code_refused(shipped):
    with pytest.raises(DomainError):
        add_tracking_event(shipped, occurred_at=T0, place="x", code="teleported")
    assert TrackingEvent.objects.count() == 0
