"""The read API for agents' tools: customer 360, customer search, order detail; who may see what."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.commerce.models import Address
from kefu.commerce.services.customers import recompute_tier
from kefu.commerce.services.integrations import create_integration
from kefu.commerce.services.shipments import add_tracking_event
from kefu.core import clock
from tests import factories as f

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def wang(roles):
    """王芳 with an address and three orders; the newest is shipped with two tracking events."""
    clock.freeze(T0)
    customer = f.customer(name="王芳", phone="13987654321")
    Address.objects.create(customer=customer, recipient="王芳", phone="13987654321", province="上海市",
                           city="上海市", district="浦东新区", detail="世纪大道100号", is_default=True)
    fresh = f.sku(price="88.00", name="车厘子", is_fresh=True)
    laptop = f.sku(price="3299.00")
    orders = [f.order(customer, [(laptop, 1)], status="completed", placed_at=T0 - timedelta(days=60),
                      number="KF-OLD"),
              f.order(customer, [(fresh, 2)], status="cancelled", placed_at=T0 - timedelta(days=10),
                      number="KF-MID"),
              f.order(customer, [(fresh, 1), (laptop, 1)], status="shipped", placed_at=T0 - timedelta(days=1),
                      number="KF-NEW", shipping_fee="10.00", coupon_discount="20.00")]
    shipment = f.shipment(orders[-1], tracking_number="JD777", shipped_at=T0 - timedelta(hours=20))
    # Added out of order on purpose: the API lists them in time order.
    add_tracking_event(shipment, occurred_at=T0 - timedelta(hours=2), place="浦东站", code="exception",
                       exception_kind="delayed")
    add_tracking_event(shipment, occurred_at=T0 - timedelta(hours=19), place="上海仓", code="picked_up")
    return recompute_tier(customer)


def get(client, url, token=None, **params):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **extra)


def as_role(client, staff_user, role):
    client.force_login(staff_user(role))
    return client


# --- who may read ---------------------------------------------------------------------------------

URLS = ["/api/v1/customers?phone=13987654321", "/api/v1/customers?q=王芳", "/api/v1/orders/KF-NEW"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_401(client, wang, url):
    assert client.get(url).status_code == 401
    assert get(client, url, token="kefu_not-a-token").status_code == 401


@pytest.mark.parametrize("url", URLS)
def test_a_logged_in_customer_is_403(client, wang, url):
    client.force_login(wang.user)
    assert client.get(url).status_code == 403
    client.force_login(f.customer(name="别人").user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_agents_and_integrations_may_read(client, wang, staff_user, url):
    assert as_role(client, staff_user, "presale_agent").get(url).status_code == 200
    client.logout()
    _, token = create_integration("shop")
    assert get(client, url, token=token).status_code == 200


def test_warehouse_staff_without_the_workbench_permission_is_403(client, wang, staff_user):
    assert as_role(client, staff_user, "warehouse").get(URLS[0]).status_code == 403


# --- phone masking ------------------------------------------------------------------------------

def _phones(body):
    customer = body["customer"]
    return {customer["phone"], *(a["phone"] for a in customer["addresses"])}


def test_presale_agent_sees_masked_phones(client, wang, staff_user):
    body = as_role(client, staff_user, "presale_agent").get(URLS[0]).json()
    assert _phones(body) == {"139****4321"}
    detail = client.get("/api/v1/orders/KF-NEW").json()
    assert (detail["customer"]["phone"], detail["recipient_phone"]) == ("139****4321", "139****4321")


def test_aftersale_agent_and_integrations_see_full_phones(client, wang, staff_user):
    body = as_role(client, staff_user, "aftersale_agent").get(URLS[0]).json()
    assert _phones(body) == {"13987654321"}
    client.logout()
    _, token = create_integration("shop")
    assert _phones(get(client, URLS[0], token=token).json()) == {"13987654321"}
    assert get(client, "/api/v1/orders/KF-NEW", token=token).json()["recipient_phone"] == "13987654321"


# --- customer 360 ---------------------------------------------------------------------------------

def test_customer_360_by_phone(client, wang, staff_user):
    agent = as_role(client, staff_user, "aftersale_agent")
    response = agent.get("/api/v1/customers", {"phone": "+86 139 8765 4321"})

    assert response.status_code == 200
    body = response.json()
    customer = body["customer"]
    assert (customer["name"], customer["tier"], customer["tier_label"]) == ("王芳", "silver", "银牌会员")
    # Spend: the completed laptop and the shipped order; the cancelled one does not count.
    assert customer["spend_12m"] == "6676.00"
    assert customer["addresses"][0]["detail"] == "世纪大道100号"
    recent = customer["recent_orders"]
    assert [o["number"] for o in recent] == ["KF-NEW", "KF-MID", "KF-OLD"]
    newest = recent[0]
    assert (newest["status"], newest["line_count"], newest["payable_amount"]) == ("shipped", 2, "3377.00")
    shipment = newest["shipments"][0]
    assert (shipment["carrier"]["code"], shipment["tracking_number"], shipment["last_code"],
            shipment["exception_kind"]) == ("jd", "JD777", "exception", "delayed")
    # Shipped 2026-04-30 14:00 in Shanghai, promised one to three days later, rendered in local time.
    assert (shipment["promised_start"], shipment["promised_end"]) == ("2026-05-01T14:00:00+08:00",
                                                                      "2026-05-03T14:00:00+08:00")
    assert body["matches"] == [{k: customer[k] for k in body["matches"][0]}]


def test_recent_orders_are_the_last_twenty(client, wang, staff_user):
    item = f.sku(price="1.00")
    for day in range(25):
        f.order(wang, [(item, 1)], placed_at=T0 + timedelta(days=day + 1), number=f"KF-BULK-{day:02d}")
    recent = as_role(client, staff_user, "presale_agent").get(URLS[0]).json()["customer"]["recent_orders"]
    assert len(recent) == 20
    assert recent[0]["number"] == "KF-BULK-24" and recent[-1]["number"] == "KF-BULK-05"


def test_unknown_or_malformed_phone(client, wang, staff_user):
    as_role(client, staff_user, "presale_agent")
    assert client.get("/api/v1/customers", {"phone": "13900000000"}).status_code == 404
    bad = client.get("/api/v1/customers", {"phone": "12345"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "phone"]
    assert client.get("/api/v1/customers").status_code == 422


def test_search_by_order_number_name_or_phone(client, wang, staff_user):
    f.customer(name="王芳芳", password=None)
    f.customer(name="李王芳", password=None)
    as_role(client, staff_user, "presale_agent")

    by_order = client.get("/api/v1/customers", {"q": "KF-MID"}).json()
    assert [m["name"] for m in by_order["matches"]] == ["王芳"] and by_order["customer"]["name"] == "王芳"
    by_name = client.get("/api/v1/customers", {"q": "王芳"}).json()
    assert [m["name"] for m in by_name["matches"]] == ["王芳", "王芳芳", "李王芳"]  # starting with it first
    assert by_name["customer"] is None  # several matches: summaries only
    assert by_name["matches"][0]["phone"] == "139****4321"
    by_phone = client.get("/api/v1/customers", {"q": "13987654321"}).json()
    assert [m["name"] for m in by_phone["matches"]] == ["王芳"]
    assert client.get("/api/v1/customers", {"q": "nobody"}).json() == {"customer": None, "matches": []}
    too_short = client.get("/api/v1/customers", {"q": "王"})
    assert too_short.status_code == 422 and too_short.json()["detail"][0]["loc"] == ["query", "q"]


def test_search_returns_at_most_twenty(client, roles, staff_user):
    for _ in range(25):
        f.customer(name="张伟", password=None)  # no hashing: fast
    agent = as_role(client, staff_user, "presale_agent")
    matches = agent.get("/api/v1/customers", {"q": "张伟"}).json()["matches"]
    assert len(matches) == 20


def test_customer_360_by_id(client, wang, staff_user):
    as_role(client, staff_user, "presale_agent")
    assert client.get(f"/api/v1/customers/{wang.pk}").json()["name"] == "王芳"
    assert client.get("/api/v1/customers/999999").status_code == 404


# --- order detail ----------------------------------------------------------------------------------

def test_order_detail(client, wang, staff_user):
    body = as_role(client, staff_user, "aftersale_agent").get("/api/v1/orders/KF-NEW").json()

    assert (body["status"], body["goods_amount"], body["coupon_discount"], body["payable_amount"]) == (
        "shipped", "3387.00", "20.00", "3377.00")
    fresh, laptop = body["lines"]
    assert fresh["after_sales_attrs"] == ["fresh"] and laptop["after_sales_attrs"] == []
    assert (fresh["paid_amount"], fresh["unit_paid"]) == ("68.00", "68.00")
    assert body["payments"][0]["amount"] == "3377.00"
    assert body["invoice"] is None
    events = body["shipments"][0]["events"]
    assert [e["code"] for e in events] == ["picked_up", "exception"]
    assert events[1]["exception_kind"] == "delayed"


def test_unknown_order_is_404(client, wang, staff_user):
    response = as_role(client, staff_user, "presale_agent").get("/api/v1/orders/NOPE")
    assert response.status_code == 404 and response.json()["detail"][0]["type"] == "not_found"


def test_endpoint_query_counts_do_not_grow_with_history(client, wang, staff_user):
    agent = as_role(client, staff_user, "presale_agent")

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert agent.get(url).status_code == 200
        return len(ctx)

    small = queries(URLS[0]), queries("/api/v1/orders/KF-NEW")
    item = f.sku(price="1.00")
    for day in range(30):
        order = f.order(wang, [(item, 1), (item, 2), (item, 3)], status="paid",
                        placed_at=T0 + timedelta(days=day))
        f.shipment(order)
    order = f.order(wang, [(item, 1)] * 10, status="paid", number="KF-BIG")
    for _ in range(3):
        shipment = f.shipment(order)
        for hour in range(5):
            add_tracking_event(shipment, occurred_at=T0 + timedelta(hours=hour), place="北京",
                               code="in_transit")
    assert (queries(URLS[0]), queries("/api/v1/orders/KF-BIG")) == small


def test_token_use_is_recorded_at_most_once_a_minute(client):
    from datetime import timedelta

    from kefu.commerce.models import Integration
    from kefu.commerce.services.integrations import authenticate, create_integration
    from kefu.core import clock

    integration, token = create_integration("shop-usage")
    authenticate(token)
    first = Integration.objects.get(pk=integration.pk).last_used_at
    assert first is not None
    clock.freeze(first + timedelta(seconds=30))
    authenticate(token)
    assert Integration.objects.get(pk=integration.pk).last_used_at == first
    clock.advance(timedelta(seconds=31))
    authenticate(token)
    assert Integration.objects.get(pk=integration.pk).last_used_at == first + timedelta(seconds=61)
    assert authenticate("kefu_wrong") is None
