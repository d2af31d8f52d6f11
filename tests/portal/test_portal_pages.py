"""The customer's pages: sign in, my orders, one order and its tracking timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.core import clock
from tests import factories as f

from .builders import PLACED, login_customer, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cust(roles):
    return f.customer(name="王芳", phone="13912345678")


@pytest.fixture
def client_of(client, cust):
    return login_customer(client, cust)


class TestSignIn:
    def test_login_page_is_chinese_with_csrf(self, client, roles):
        response = client.get("/login/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "手机号" in html and "登录" in html and "csrfmiddlewaretoken" in html
        assert '<html lang="zh-hans">' in html

    def test_customer_signs_in_with_a_phone_written_with_spaces_and_dashes(self, client, cust):
        response = client.post("/login/", {"username": "139 1234-5678", "password": "kefu-pass-123"})
        assert response.status_code == 302 and response["Location"] == "/orders/"
        assert client.get("/orders/").status_code == 200

    def test_wrong_password_gets_a_clear_chinese_error(self, client, cust):
        response = client.post("/login/", {"username": "13912345678", "password": "wrong-password"})
        assert response.status_code == 200
        assert "手机号或密码不正确" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_malformed_phone_is_explained(self, client, cust):
        response = client.post("/login/", {"username": "12345", "password": "kefu-pass-123"})
        assert "请输入11位中国大陆手机号" in response.content.decode()

    def test_next_is_honoured(self, client, cust):
        response = client.post("/login/?next=/orders/?status=cancelled",
                                {"username": "13912345678", "password": "kefu-pass-123",
                                 "next": "/orders/?status=cancelled"})
        assert response["Location"] == "/orders/?status=cancelled"

    def test_logout_is_post_only(self, client_of):
        assert client_of.get("/logout/").status_code == 405
        response = client_of.post("/logout/")
        assert response.status_code == 302 and response["Location"] == "/login/"
        assert client_of.get("/orders/").status_code == 302

    def test_an_agent_signing_in_on_the_portal_lands_on_the_workbench(self, client, staff_user):
        staff_user("aftersale_agent", username="13800000001")
        response = client.post("/login/", {"username": "13800000001", "password": "kefu-pass-123"})
        assert response["Location"] == "/workbench/"


class TestAccess:
    @pytest.mark.parametrize("url", ["/orders/", "/orders/KF1/", "/orders/KF1/timeline/"])
    def test_anonymous_is_sent_to_sign_in(self, client, roles, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    def test_root_goes_to_my_orders(self, client):
        assert client.get("/")["Location"] == "/orders/"

    def test_staff_visiting_the_portal_are_sent_to_the_workbench(self, client, staff_user):
        client.force_login(staff_user("aftersale_agent"))
        response = client.get("/orders/")
        assert response.status_code == 302 and response["Location"] == "/workbench/"

    def test_another_customers_order_is_not_found(self, client_of, cust):
        other = f.customer(name="赵磊")
        theirs, _ = shipped_order(other)
        for url in (f"/orders/{theirs.number}/", f"/orders/{theirs.number}/timeline/"):
            response = client_of.get(url)
            assert response.status_code == 404
            html = response.content.decode()
            assert "ThinkPad" not in html and "赵磊" not in html and "海淀上地营业部" not in html

    def test_unknown_order_is_a_friendly_404(self, client_of):
        response = client_of.get("/orders/NOPE123/")
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()


class TestMyOrders:
    def test_newest_first_with_time_in_shanghai_and_yuan_amounts(self, client_of, cust):
        older, _ = shipped_order(cust, placed_at=PLACED)
        newer = f.order(cust, [(f.sku("59.90", name="抽纸 24包"), 2)], placed_at=PLACED + timedelta(days=3))
        html = client_of.get("/orders/").content.decode()
        assert html.index(newer.number) < html.index(older.number)
        assert "2025-03-01 09:30" in html  # 01:30 UTC shown in Beijing time
        assert "¥3,205.00" in html  # 3299 − 100 coupon + 6 shipping
        assert "¥119.80" in html
        assert "ThinkPad X1 笔记本电脑" in html and "抽纸 24包" in html and "× 2" in html
        assert "等待付款" in html and "已发货" in html  # status labels from the commerce catalog

    @pytest.mark.parametrize(("tab", "shown", "hidden"), [
        ("awaiting_payment", "pending_payment", "shipped"),
        ("awaiting_delivery", "shipped", "cancelled"),
        ("delivered", "completed", "pending_payment"),
        ("cancelled", "cancelled", "completed"),
    ])
    def test_status_tabs_filter(self, client_of, cust, tab, shown, hidden):
        sku = f.sku("10.00")
        orders = {status: f.order(cust, [(sku, 1)], status=status, number=f"T{status.upper()[:10]}")
                  for status in ("pending_payment", "shipped", "completed", "cancelled")}
        html = client_of.get(f"/orders/?status={tab}").content.decode()
        assert orders[shown].number in html and orders[hidden].number not in html
        assert 'aria-current="page"' in html

    def test_tab_labels_and_unknown_tab_shows_all(self, client_of, cust):
        f.order(cust, [(f.sku("10.00"), 1)], status="cancelled", number="KFCANCEL1")
        html = client_of.get("/orders/?status=bogus").content.decode()
        for label in ("全部订单", "待付款", "待收货", "已签收", "已取消"):
            assert label in html
        assert "KFCANCEL1" in html

    def test_pages_of_twenty(self, client_of, cust):
        sku = f.sku("10.00")
        for i in range(21):
            f.order(cust, [(sku, 1)], placed_at=PLACED + timedelta(minutes=i), number=f"KFPAGE{i:03d}")
        first = client_of.get("/orders/").content.decode()
        second = client_of.get("/orders/?page=2").content.decode()
        assert first.count('data-order="') == 20 and second.count('data-order="') == 1
        assert "KFPAGE020" in first and "KFPAGE000" in second and "第 1 / 2 页" in first

    def test_empty_list_says_so(self, client_of):
        assert "暂无订单" in client_of.get("/orders/").content.decode()

    def test_query_count_does_not_grow_with_orders(self, client_of, cust):
        shipped_order(cust)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client_of.get("/orders/").status_code == 200
            return len(ctx)

        few = count()
        for _ in range(5):
            shipped_order(cust)
        assert count() == few


class TestOrderDetail:
    def test_everything_on_the_order_page(self, client_of, cust):
        order, shipment = shipped_order(cust)
        html = client_of.get(f"/orders/{order.number}/").content.decode()
        assert order.number in html and "京东自营旗舰店" in html
        for text in ("商品总额", "¥3,299.00", "优惠券", "−¥100.00", "运费", "¥6.00", "应付总额", "¥3,205.00",
                     "在线支付", "不开发票", "标准版", "京东物流", shipment.tracking_number, "应时配送"):
            assert text in html, text
        assert "139****5678" in html and "13912345678" not in html  # recipient phone masked
        assert 'id="timeline"' in html and f'data-ws-path="/ws/orders/{order.number}/"' in html
        assert f'data-timeline-url="/orders/{order.number}/timeline/"' in html

    def test_query_count_does_not_grow_with_events(self, client_of, cust):
        order, shipment = shipped_order(cust)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                client_of.get(f"/orders/{order.number}/")
            return len(ctx)

        before = count()
        more = f.shipment(order)
        from kefu.commerce.services.shipments import add_tracking_event
        for hours in range(5):
            add_tracking_event(more, occurred_at=more.shipped_at + timedelta(hours=hours + 1), place="上海",
                               code="in_transit")
        assert count() == before


class TestTimeline:
    def test_partial_alone_newest_first_in_chinese(self, client_of, cust):
        order, _ = shipped_order(cust)
        response = client_of.get(f"/orders/{order.number}/timeline/", headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html and "<header class=\"topbar\"" not in html
        places = ["因交通管制，配送延迟", "包裹已到达配送站", "包裹已发往海淀区", "快递员已揽收"]
        positions = [html.index(p) for p in places]
        assert positions == sorted(positions)  # newest first
        assert "2025-03-02 08:30" in html  # 22 h after shipping at 10:30 Beijing time
        assert "已揽收" in html and "运输中" in html  # code labels in Chinese
        assert "HX-Request" in response["Vary"]

    def test_exception_is_highlighted(self, client_of, cust):
        order, _ = shipped_order(cust)
        html = client_of.get(f"/orders/{order.number}/timeline/").content.decode()
        assert html.count("is-exception") == 1 and "badge--warn" in html

    def test_late_badge_once_the_promise_has_passed(self, client_of, cust):
        order, shipment = shipped_order(cust)
        url = f"/orders/{order.number}/timeline/"
        clock.freeze(shipment.promised_end - timedelta(minutes=1))
        assert "配送超时" not in client_of.get(url).content.decode()
        clock.freeze(shipment.promised_end + timedelta(minutes=1))
        assert "配送超时" in client_of.get(url).content.decode()

    def test_not_late_once_signed(self, client_of, cust):
        from kefu.commerce.services.shipments import add_tracking_event

        order, shipment = shipped_order(cust)
        add_tracking_event(shipment, occurred_at=shipment.promised_end - timedelta(hours=1), place="海淀上地",
                           code="signed", description="本人签收")
        clock.freeze(shipment.promised_end + timedelta(days=2))
        html = client_of.get(f"/orders/{order.number}/timeline/").content.decode()
        assert "配送超时" not in html and "本人签收" in html

    def test_not_shipped_yet(self, client_of, cust):
        order = f.order(cust, [(f.sku("10.00"), 1)], status="paid")
        html = client_of.get(f"/orders/{order.number}/timeline/").content.decode()
        assert "尚未发货" in html


class TestEscaping:
    def test_customer_text_is_escaped_everywhere(self, client, roles):
        evil = "<script>alert(1)</script>"
        cust = f.customer(name=evil)
        login_customer(client, cust)
        order, _ = shipped_order(cust, product=evil, events=[(1, evil, "in_transit", "", evil)])
        order.buyer_note = evil
        order.shipping_address = evil
        order.save()
        for url in ("/orders/", f"/orders/{order.number}/", f"/orders/{order.number}/timeline/"):
            html = client.get(url).content.decode()
            assert evil not in html, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


class TestLanguages:
    def test_english_by_cookie(self, client_of, cust):
        order, _ = shipped_order(cust)
        client_of.cookies["django_language"] = "en"
        html = client_of.get(f"/orders/{order.number}/").content.decode()
        assert '<html lang="en">' in html
        assert "Delivery tracking" in html and "Amount payable" in html and "On-time delivery" in html
        assert "物流跟踪" not in html

    def test_english_by_accept_language(self, client_of):
        html = client_of.get("/orders/", headers={"Accept-Language": "en"}).content.decode()
        assert "My orders" in html and "Awaiting delivery" in html

    def test_chinese_by_default(self, client_of):
        html = client_of.get("/orders/").content.decode()
        assert "我的订单" in html and "待收货" in html

    def test_switch_sets_the_cookie_and_returns(self, client_of):
        response = client_of.post("/i18n/setlang/", {"language": "en", "next": "/orders/"})
        assert response.status_code == 302 and response["Location"] == "/orders/"
        assert response.cookies["django_language"].value == "en"
        assert "My orders" in client_of.get("/orders/").content.decode()

    def test_the_switch_is_in_the_layout(self, client, roles):
        html = client.get("/login/").content.decode()
        assert 'action="/i18n/setlang/"' in html and 'value="en"' in html and "English" in html
