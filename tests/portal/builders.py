"""Scenes for the page tests: an order that is on its way, with a tracking timeline in Chinese.

Rows come from tests/factories.py and the real services (tracking events through add_tracking_event).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction

from kefu.commerce.models import Address
from kefu.commerce.services.shipments import add_tracking_event
from tests import factories as f

# 2025-03-01 09:30 in Beijing.
PLACED = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)

TIMELINE = [  # hours after shipping, place, code, exception kind, description
    (2, "北京亦庄分拣中心", "picked_up", "", "快递员已揽收"),
    (9, "北京转运中心", "in_transit", "", "包裹已发往海淀区"),
    (20, "海淀上地营业部", "arrived_station", "", "包裹已到达配送站"),
    (22, "海淀上地营业部", "exception", "delayed", "因交通管制，配送延迟"),
]


def shipped_order(cust, *, number=None, placed_at=PLACED, events=TIMELINE, seller_kind="self_operated",
                  product="ThinkPad X1 笔记本电脑", price="3299.00"):
    """An online order, paid and shipped 1 h after it was placed, with tracking events."""
    name = "京东自营旗舰店" if seller_kind == "self_operated" else "潮流数码专营店"
    seller = f.seller(kind=seller_kind, name=name)
    sku = f.sku(price=price, name=product, seller_obj=seller)
    order = f.order(cust, [(sku, 1)], status="shipped", coupon_discount="100.00", shipping_fee="6.00",
                    placed_at=placed_at, number=number)
    shipment = f.shipment(order, shipped_at=placed_at + timedelta(hours=1))
    with transaction.atomic():
        for hours, place, code, kind, text in events:
            add_tracking_event(shipment, occurred_at=shipment.shipped_at + timedelta(hours=hours),
                               place=place, code=code, exception_kind=kind, description=text)
    shipment.refresh_from_db()
    return order, shipment


def address(cust, **kwargs):
    values = {"recipient": cust.name, "phone": cust.phone, "province": "北京市", "city": "北京市",
              "district": "海淀区", "detail": "上地十街10号", "is_default": True, **kwargs}
    return Address.objects.create(customer=cust, **values)


def login_customer(client, cust, password="kefu-pass-123"):
    assert client.login(username=cust.phone, password=password)
    return client
