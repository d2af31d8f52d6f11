"""Selectors run a fixed number of queries, however much history a customer has."""

from datetime import UTC, datetime, timedelta

import pytest

from kefu.commerce import selectors
from kefu.commerce.models import Address
from kefu.commerce.services.shipments import add_tracking_event
from kefu.core import clock
from tests import factories as f

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
CUSTOMER_360_QUERIES = 3  # addresses, orders (with seller and line count), shipments (with carrier)
# order (with customer, seller, invoice), lines (with sku, product), payments, shipments, events
ORDER_DETAIL_QUERIES = 5


def customer_with_orders(n: int, *, lines: int = 3, shipments: int = 1, events: int = 3):
    """n shipped orders, each with `lines` lines and `shipments` shipments of `events` tracking events."""
    customer = f.customer(password=None)
    Address.objects.create(customer=customer, recipient="张伟", phone=customer.phone, province="北京市",
                           city="北京市", district="海淀区", detail="上地十街10号")
    items = [f.sku(price="10.00") for _ in range(lines)]
    for i in range(n):
        order = f.order(customer, [(s, 1) for s in items], status="shipped", placed_at=T0 + timedelta(days=i))
        for _ in range(shipments):
            shipment = f.shipment(order, shipped_at=T0 + timedelta(days=i, hours=1))
            for k in range(events):
                add_tracking_event(shipment, occurred_at=T0 + timedelta(days=i, hours=2 + k), place="北京",
                                   code="in_transit")
    return customer


def read_360(customer):
    """Touch everything the API and workbench render from a 360 view."""
    view = selectors.customer_360(customer)
    return [(a.detail, a.phone) for a in view.addresses], [
        (o.number, o.seller.name, o.line_count, [(s.carrier.name, s.last_code) for s in o.shipments.all()])
        for o in view.orders
    ]


def read_detail(number):
    order = selectors.order_detail(number)
    try:
        invoice = order.invoice
    except order._meta.model.invoice.RelatedObjectDoesNotExist:
        invoice = None
    return (order.customer.name, order.seller.name, invoice,
            [(li.sku.code, li.sku.product.after_sales_attrs(), li.unit_paid) for li in order.lines.all()],
            [p.amount for p in order.payments.all()],
            [(s.carrier.code, [e.code for e in s.events.all()]) for s in order.shipments.all()])


@pytest.fixture(autouse=True)
def _frozen(roles):
    clock.freeze(T0)


@pytest.mark.parametrize(("orders", "shipments"), [(1, 1), (30, 2)])
def test_customer_360_query_count_does_not_grow(django_assert_num_queries, orders, shipments):
    customer = customer_with_orders(orders, shipments=shipments)
    with django_assert_num_queries(CUSTOMER_360_QUERIES):
        addresses, recent = read_360(customer)
    assert len(recent) == min(orders, selectors.RECENT_ORDERS) and len(addresses) == 1
    assert all(line_count == 3 and len(found) == shipments for _, _, line_count, found in recent)


@pytest.mark.parametrize(("lines", "shipments", "events"), [(1, 1, 1), (12, 4, 30)])
def test_order_detail_query_count_does_not_grow(django_assert_num_queries, lines, shipments, events):
    customer = customer_with_orders(1, lines=lines, shipments=shipments, events=events)
    number = customer.orders.get().number
    with django_assert_num_queries(ORDER_DETAIL_QUERIES):
        detail = read_detail(number)
    assert len(detail[3]) == lines and len(detail[5]) == shipments
    assert all(len(codes) == events for _, codes in detail[5])


def test_order_detail_of_unknown_number_is_none():
    assert selectors.order_detail("NOPE") is None


def test_recent_orders_are_newest_first():
    customer = customer_with_orders(3, lines=1, events=0)
    placed = [o.placed_at for o in selectors.customer_360(customer).orders]
    assert placed == sorted(placed, reverse=True)


def test_search_by_name_is_one_query_with_order_counts(django_assert_num_queries):
    zhang = f.customer(name="张伟", password=None)
    f.customer(name="老张伟", password=None)
    f.order(zhang, [(f.sku(), 1)])
    with django_assert_num_queries(1):
        found = selectors.search_customers("张伟")
    assert found.matched_by == "name"
    assert [(c.name, c.order_count) for c in found.customers] == [("张伟", 1), ("老张伟", 0)]


def test_search_by_phone_and_order_number():
    zhang = f.customer(name="张伟", phone="13900007777", password=None)
    order = f.order(f.customer(name="李四", password=None), [(f.sku(), 1)], number="ZHANG-1")
    assert selectors.search_customers("+86 139-0000-7777").customers == [zhang]
    by_order = selectors.search_customers("zhang-1")
    assert (by_order.matched_by, by_order.order, by_order.customers) == ("order", order, [order.customer])


@pytest.mark.parametrize("raw,searched", [("  ", False), ("张", False), ("1391234", False), ("x" * 51, False),
                                          ("张伟", True)])
def test_too_little_or_too_much_gives_a_hint_instead(raw, searched):
    found = selectors.search_customers(raw)
    assert found.searched is searched
    assert bool(found.hint) is (not searched and bool(raw.strip()))


def test_name_matches_are_capped_and_flagged():
    for i in range(3):
        f.customer(name=f"王芳{i}", password=None)
    found = selectors.search_customers("王芳", limit=2)
    assert len(found.customers) == 2 and found.truncated
