"""Facts only the shop knows — today's price for price protection, how many repairs failed — come from the
shop's records or an agent, never from the buyer's request (the portal's rule too)."""

from decimal import Decimal

import pytest

from kefu.aftersales.models import AfterSalesCase
from tests.aftersales.api_support import API, locs, logged_in, post, written
from tests.aftersales.builders import frozen, media_root, signed_order  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


@pytest.fixture
def order():
    """¥3,299 paid; the shop sells it for ¥3,000 today."""
    order = signed_order(signed_days_ago=1)
    sku = order.lines.get().sku
    sku.price = Decimal("3000.00")
    sku.save(update_fields=["price"])
    return order


def price_drop(order, **extra):
    line = order.lines.get()
    return {"order": order.number, "kind": "price_protection", "reason": "price_drop",
            "lines": [{"order_line": line.pk, "quantity": 1, "condition": "intact"}], **extra}


def test_a_customers_price_protection_uses_the_shops_price_now(order):
    shopper = logged_in(order.customer.user)[0]
    advice = post(shopper, f"{API}/advice", price_drop(order))
    assert advice.status_code == 200 and advice.json()["refund"]["goods"] == "299.00"
    opened = post(shopper, f"{API}/cases", price_drop(order))
    assert opened.status_code == 201
    assert AfterSalesCase.objects.get().current_unit_price == Decimal("3000.00")


@pytest.mark.parametrize(("claim", "field"), [({"current_unit_price": "1.00"}, "current_unit_price"),
                                              ({"repairs_failed": 2}, "repairs_failed")])
def test_a_customer_may_not_state_them(order, claim, field):
    shopper = logged_in(order.customer.user)[0]
    before = written()
    for url in (f"{API}/advice", f"{API}/cases"):
        response = post(shopper, url, price_drop(order, **claim))
        assert response.status_code == 422 and locs(response) == [["body", field]], url
    assert written() == before


def test_an_agent_may_state_the_price_seen(order, staff_user):
    agent = logged_in(staff_user("aftersale_agent"))[0]
    response = post(agent, f"{API}/advice", price_drop(order, current_unit_price="2999.00"))
    assert response.status_code == 200 and response.json()["refund"]["goods"] == "300.00"
