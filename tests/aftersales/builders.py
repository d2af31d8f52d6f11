"""Builders for the after-sales case tests: a signed order, photos, and a case taken to a given point."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.aftersales.services import cases, warehouse
from kefu.aftersales.services.policy_bridge import AskedLine
from kefu.core import clock
from kefu.core.models import AuditEntry, OutboxEvent
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 200


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def frozen():
    clock.freeze(NOW)
    yield NOW


def photo(name="photo.jpg", content=JPEG, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def signed_order(lines=(("3299.00", 1),), *, shipping_fee="10.00", signed_days_ago=2, **sku_attrs):
    """A delivered online order signed `signed_days_ago` days before now; lines: (price, qty)."""
    cust = f.customer()
    skus = [(f.sku(price=price, **sku_attrs), qty) for price, qty in lines]
    placed = clock.now() - timedelta(days=signed_days_ago + 2)
    order = f.order(cust, skus, status="delivered", shipping_fee=shipping_fee, placed_at=placed)
    order.signed_at = clock.now() - timedelta(days=signed_days_ago)
    order.save(update_fields=["signed_at"])
    return order


def asked(order, qty=None, index=0, condition="intact"):
    line = list(order.lines.all())[index]
    return AskedLine(line, qty or line.quantity, condition)


def wrong_item_case(order=None, *, kind="return", urgent=False, postage="12.00", by=None):
    order = order or signed_order()
    return cases.open_case(order, kind, "wrong_item", [asked(order)], [photo()], by=by,
                           return_postage=Decimal(postage), urgent=urgent)


def received_case(case, by=None):
    case = cases.approve(case, by=by)
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number=f"SF{case.pk:010d}", by=by)
    return warehouse.receive_return(case.number, by=by)


def topics(*names):
    return list(OutboxEvent.objects.filter(topic__in=names).values_list("topic", flat=True))


def status_audit(obj_repr):
    return list(AuditEntry.objects.filter(object_repr=obj_repr, kind="status", field="status")
                .order_by("id").values_list("old_value", "new_value"))
