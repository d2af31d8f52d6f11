"""Builders for tests: real rows through the real services where a service exists."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from kefu.commerce.models import (
    Carrier,
    Category,
    Order,
    OrderLine,
    Payment,
    Product,
    Seller,
    Shipment,
    Sku,
)
from kefu.commerce.services.customers import register_customer
from kefu.commerce.services.orders import payment_deadline_for
from kefu.core import clock

_seq = itertools.count(1)


def customer(name="张伟", phone=None, password="kefu-pass-123", **kwargs):
    phone = phone or f"139{next(_seq):08d}"
    return register_customer(name=name, phone=phone, password=password, **kwargs)


def seller(kind=Seller.Kind.SELF_OPERATED, **kwargs):
    n = next(_seq)
    return Seller.objects.create(code=kwargs.pop("code", f"S{n}"), name=kwargs.pop("name", f"店铺{n}"), kind=kind,
                                 **kwargs)


def carrier(code=None, name="京东物流", is_own_fleet=True):
    return Carrier.objects.get_or_create(code=code or "jd", defaults={"name": name, "is_own_fleet": is_own_fleet})[0]


def category(code="3c", name="手机数码"):
    return Category.objects.get_or_create(code=code, defaults={"name": name})[0]


def sku(price="3299.00", name="笔记本电脑", seller_obj=None, **attrs):
    n = next(_seq)
    product = Product.objects.create(code=f"P{n}", name=name, category=category(), seller=seller_obj or seller(),
                                     warranty_days=attrs.pop("warranty_days", 365), **attrs)
    return Sku.objects.create(code=f"SKU{n}", product=product, spec="标准版", price=Decimal(price), stock=10)


def order(cust, lines, *, status="pending_payment", payment_method="online", shipping_fee="0.00",
          coupon_discount="0.00", placed_at: datetime | None = None, number=None, seller_obj=None):
    """lines: [(sku, qty)] at list price; a coupon is taken off the first line."""
    placed_at = placed_at or clock.now()
    coupon = Decimal(coupon_discount)
    goods = sum((s.price * q for s, q in lines), Decimal("0.00"))
    payable = goods - coupon + Decimal(shipping_fee)
    o = Order.objects.create(
        number=number or f"KF{next(_seq):010d}", customer=cust, seller=seller_obj or lines[0][0].product.seller,
        status=status, payment_method=payment_method, placed_at=placed_at,
        payment_deadline=payment_deadline_for(placed_at, payment_method),
        goods_amount=goods, coupon_discount=coupon, shipping_fee=Decimal(shipping_fee), payable_amount=payable,
        recipient_name=cust.name, recipient_phone=cust.phone, shipping_address="北京市海淀区上地十街10号",
    )
    for i, (s, q) in enumerate(lines):
        paid = s.price * q - (coupon if i == 0 else 0)
        OrderLine.objects.create(order=o, sku=s, product_name=str(s), quantity=q, unit_price=s.price,
                                 paid_amount=paid)
    if status in {"paid", "shipped", "delivered", "completed"} and payment_method == "online":
        o.paid_at = placed_at + timedelta(minutes=5)
        o.save(update_fields=["paid_at"])
        Payment.objects.create(order=o, channel="alipay", amount=payable, paid_at=o.paid_at,
                               transaction_id=f"T{next(_seq):012d}")
    return o


def shipment(o, *, tracking_number=None, shipped_at=None, promised_days=(1, 3), carrier_obj=None):
    shipped_at = shipped_at or clock.now()
    return Shipment.objects.create(
        order=o, carrier=carrier_obj or carrier(), tracking_number=tracking_number or f"JD{next(_seq):012d}",
        shipped_at=shipped_at, promised_start=shipped_at + timedelta(days=promised_days[0]),
        promised_end=shipped_at + timedelta(days=promised_days[1]),
    )
