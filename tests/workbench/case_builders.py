"""Scenes for the workbench's after-sales page tests: staff clients and cases taken to a given point through the
real services (tests/aftersales/builders.py does the opening and receiving)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from kefu.aftersales.services import cases, warehouse
from kefu.core import clock
from kefu.core.roles import WORK_CASES, WORKBENCH
from tests import factories as f
from tests.aftersales.builders import asked, photo, received_case, signed_order, wrong_item_case

PASSWORD = "kefu-pass-123"


@pytest.fixture
def as_role(client, staff_user):
    """as_role("aftersale_agent") -> (client signed in with that role, the user)."""

    def sign_in(role="aftersale_agent", username=None):
        user = staff_user(role, username)
        client.force_login(user)
        return client, user

    return sign_in


def masked_case_worker():
    """A user who may work cases but not see full phone numbers (no role has that mix; the rule must hold)."""
    user = get_user_model().objects.create_user("no-phone", password=PASSWORD)
    for dotted in (WORKBENCH, WORK_CASES):
        app_label, codename = dotted.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def order_for(name="王芳", phone=None, price="3299.00", qty=1, **kwargs):
    cust = f.customer(name=name, phone=phone)
    skus = [(f.sku(price=price, name=kwargs.pop("product", "ThinkPad X1 笔记本电脑")), qty)]
    placed = clock.now() - timedelta(days=4)
    order = f.order(cust, skus, status="delivered", shipping_fee="10.00", placed_at=placed)
    order.signed_at = clock.now() - timedelta(days=kwargs.pop("signed_days_ago", 2))
    order.save(update_fields=["signed_at"])
    return order


def open_case(kind="return", reason="wrong_item", *, order=None, urgent=False, description="", postage="12.00",
              signed_days_ago=2, lines=None):
    order = order or signed_order(signed_days_ago=signed_days_ago)
    return cases.open_case(order, kind, reason, lines or [asked(order)], [photo()], description=description,
                           return_postage=Decimal(postage), urgent=urgent)


def in_transit(case, tracking=None):
    case = cases.approve(case)
    return cases.add_return_tracking(case, carrier=f.carrier(), tracking_number=tracking or f"SF{case.pk:010d}")


def inspected(case, outcome="accepted", by=None):
    case = received_case(case) if case.received_at is None else case
    return warehouse.record_inspection(case, outcome=outcome, condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True if case.reason == "wrong_item" else None, by=by)


__all__ = ["PASSWORD", "as_role", "in_transit", "inspected", "masked_case_worker", "open_case",
           "order_for", "received_case", "wrong_item_case"]
