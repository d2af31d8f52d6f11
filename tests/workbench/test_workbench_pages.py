"""The agents' pages: sign in, search, customer 360, order detail with audit history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.commerce.models import Seller
from kefu.commerce.services.orders import change_status
from kefu.core import clock
from tests import factories as f
from tests.portal.builders import address, login_customer, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cust(roles):
    return f.customer(name="王芳", phone="13912345678", email="wangfang@example.com")


@pytest.fixture
def agent(client, staff_user):
    """A client signed in as an agent of the given role."""

    def sign_in(role="aftersale_agent"):
        client.force_login(staff_user(role))
        return client

    return sign_in


class TestSignIn:
    def test_agent_signs_in_and_lands_on_search(self, client, staff_user):
        staff_user("presale_agent", username="li.na")
        response = client.post("/workbench/login/", {"username": "li.na", "password": "kefu-pass-123"})
        assert response.status_code == 302 and response["Location"] == "/workbench/"

    def test_wrong_password(self, client, staff_user):
        staff_user("presale_agent", username="li.na")
        response = client.post("/workbench/login/", {"username": "li.na", "password": "nope-nope"})
        assert "用户名或密码不正确" in response.content.decode()

    def test_customer_account_is_refused_with_a_reason(self, client, cust):
        response = client.post("/workbench/login/", {"username": cust.phone, "password": "kefu-pass-123"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert "该账号无权使用客服工作台" in response.content.decode()

    def test_an_account_with_no_workbench_desk_is_refused(self, client, staff_user):
        staff_user("operations", username="ops")
        response = client.post("/workbench/login/", {"username": "ops", "password": "kefu-pass-123"})
        assert "该账号无权使用客服工作台" in response.content.decode()


class TestNavigation:
    """The header offers each member of staff the desks their role opens, and nothing else."""

    LINKS = {"/workbench/": "客户查询", "/workbench/cases/": "售后服务单", "/workbench/warehouse/": "仓库工作台",
             "/workbench/compliance/": "售后100分达标率"}
    EXPECTED = {
        "presale_agent": {"/workbench/"},
        "aftersale_agent": {"/workbench/", "/workbench/cases/"},
        "supervisor": {"/workbench/", "/workbench/cases/", "/workbench/compliance/"},
        "warehouse": {"/workbench/warehouse/"},
    }

    @pytest.mark.parametrize("role", list(EXPECTED))
    def test_links_follow_the_role(self, client, staff_user, role):
        client.force_login(staff_user(role))
        start = "/workbench/warehouse/" if role == "warehouse" else "/workbench/"
        page = client.get(start).content.decode()
        nav = page[page.index('class="mainnav"'):page.index("</nav>")]
        shown = {url for url in self.LINKS if f'href="{url}"' in nav}
        assert shown == self.EXPECTED[role]
        assert all(self.LINKS[url] in nav for url in shown)

    def test_the_warehouse_brand_and_403_lead_to_its_desk(self, client, staff_user):
        client.force_login(staff_user("warehouse"))
        refused = client.get("/workbench/")
        assert refused.status_code == 403
        body = refused.content.decode()
        assert 'class="brand" href="/workbench/warehouse/"' in body
        assert 'class="btn btn--primary" href="/workbench/warehouse/"' in body
        assert client.get("/orders/")["Location"] == "/workbench/warehouse/"  # the portal sends staff home


class TestAccess:
    URLS = ["/workbench/", "/workbench/customers/1/", "/workbench/orders/KF1/",
            "/workbench/orders/KF1/timeline/"]

    @pytest.mark.parametrize("url", URLS)
    def test_anonymous_goes_to_the_workbench_sign_in(self, client, roles, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/workbench/login/?next=")

    @pytest.mark.parametrize("url", URLS)
    def test_customer_is_forbidden(self, client, cust, url):
        login_customer(client, cust)
        response = client.get(url)
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()

    @pytest.mark.parametrize("role", ["warehouse", "operations"])
    def test_roles_without_the_workbench_permission_are_forbidden(self, agent, role):
        assert agent(role).get("/workbench/").status_code == 403

    @pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "supervisor", "care_team", "admin"])
    def test_service_roles_may_enter(self, agent, role):
        assert agent(role).get("/workbench/").status_code == 200


class TestSearch:
    def test_empty_page_explains_what_to_type(self, agent):
        html = agent().get("/workbench/").content.decode()
        assert 'hx-get="/workbench/"' in html and 'hx-trigger="keyup changed delay:300ms, ' in html
        assert "完整手机号" in html

    @pytest.mark.parametrize("q", ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678"])
    def test_by_phone_exact_with_separators(self, agent, cust, q):
        f.customer(name="王芳芳", phone="13912345679")
        html = agent().get("/workbench/", {"q": q}).content.decode()
        assert f'href="/workbench/customers/{cust.pk}/"' in html and "王芳芳" not in html
        assert "按手机号匹配" in html

    def test_by_name_contains(self, agent, cust):
        other = f.customer(name="李王芳")
        f.customer(name="张伟")
        html = agent().get("/workbench/", {"q": "王芳"}).content.decode()
        assert f"/workbench/customers/{cust.pk}/" in html and f"/workbench/customers/{other.pk}/" in html
        assert "张伟" not in html and "2 位客户" in html

    def test_by_order_number(self, agent, cust):
        order, _ = shipped_order(cust, number="JD20250301001")
        html = agent().get("/workbench/", {"q": " jd20250301001 "}).content.decode()
        assert f"/workbench/customers/{cust.pk}/" in html
        assert 'href="/workbench/orders/JD20250301001/"' in html and "按订单号匹配" in html

    def test_by_all_digit_order_number(self, agent, cust):
        f.order(cust, [(f.sku("1.00"), 1)], number="302150993812")
        html = agent().get("/workbench/", {"q": "302150993812"}).content.decode()
        assert f"/workbench/customers/{cust.pk}/" in html

    def test_no_match_is_said_plainly(self, agent, cust):
        html = agent().get("/workbench/", {"q": "13700000000"}).content.decode()
        assert "没有找到与“13700000000”匹配的客户" in html

    @pytest.mark.parametrize(("q", "hint"), [
        ("13", "请输入完整的11位手机号或完整订单号"),
        ("1391234", "请输入完整的11位手机号或完整订单号"),
        ("王", "请至少输入 2 个字"),
        ("x" * 51, "最多输入 50 个字符"),
    ])
    def test_bad_input_gets_a_hint(self, agent, cust, q, hint):
        response = agent().get("/workbench/", {"q": q})
        assert response.status_code == 200 and hint in response.content.decode()

    def test_htmx_gets_only_the_results(self, agent, cust):
        response = agent().get("/workbench/", {"q": "王芳"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and 'id="results"' not in html and "王芳" in html
        assert "HX-Request" in response["Vary"]

    def test_htmx_history_restore_gets_the_whole_page(self, agent, cust):
        response = agent().get("/workbench/", {"q": "王芳"},
                               headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
        assert "<html" in response.content.decode()

    @pytest.mark.parametrize(("role", "shown", "hidden"), [
        ("presale_agent", "139****5678", "13912345678"),
        ("aftersale_agent", "13912345678", "139****5678"),
    ])
    def test_phone_masking_by_role_in_results(self, agent, cust, role, shown, hidden):
        html = agent(role).get("/workbench/", {"q": "王芳"}).content.decode()
        assert shown in html and hidden not in html


class TestCustomer360:
    def test_profile_addresses_and_orders(self, agent, cust):
        address(cust, detail="上地十街10号 2号楼")
        mine, shipment = shipped_order(cust, number="JD360A")
        third = shipped_order(cust, number="JD360B", seller_kind=Seller.Kind.THIRD_PARTY,
                              placed_at=mine.placed_at + timedelta(days=1))[0]
        cust.tier, cust.spend_12m = "gold", "12345.60"
        cust.save()
        clock.freeze(shipment.promised_end + timedelta(hours=1))
        html = agent().get(f"/workbench/customers/{cust.pk}/").content.decode()
        for text in ("王芳", "wangfang@example.com", "金牌会员", "¥12,345.60", "上地十街10号 2号楼", "默认",
                     "京东自营旗舰店", "自营", "潮流数码专营店", "第三方商家", "¥3,205.00", "已发货", "延误",
                     "配送超时"):
            assert text in html, text
        assert html.index(third.number) < html.index(mine.number)  # newest first
        assert 'href="/workbench/orders/JD360A/"' in html

    @pytest.mark.parametrize(("role", "shown", "hidden"), [
        ("presale_agent", "139****5678", "13912345678"),
        ("aftersale_agent", "13912345678", "139****5678"),
    ])
    def test_masking_by_role(self, agent, cust, role, shown, hidden):
        address(cust)
        shipped_order(cust)
        html = agent(role).get(f"/workbench/customers/{cust.pk}/").content.decode()
        assert shown in html and hidden not in html

    def test_unknown_customer_is_404(self, agent):
        assert agent().get("/workbench/customers/999999/").status_code == 404

    def test_query_count_does_not_grow_with_orders(self, agent, cust):
        client = agent()
        shipped_order(cust)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/workbench/customers/{cust.pk}/").status_code == 200
            return len(ctx)

        few = count()
        for _ in range(4):
            shipped_order(cust)
            address(cust, is_default=False)
        assert count() == few


class TestOrderDetail:
    def test_detail_with_timeline_and_status_history(self, agent, staff_user, cust):
        order = f.order(cust, [(f.sku("88.00", name="牛奶"), 2)])
        supervisor = staff_user("supervisor", username="zhuguan")
        change_status(order, "paid", actor=supervisor, reason="支付宝到账")
        html = agent().get(f"/workbench/orders/{order.number}/").content.decode()
        for text in ("状态变更记录", "等待付款", "已付款", "zhuguan", "支付宝到账", "尚未发货",
                     f'href="/workbench/customers/{cust.pk}/"'):
            assert text in html, text
        assert f'data-timeline-url="/workbench/orders/{order.number}/timeline/"' in html

    def test_timeline_partial_for_agents(self, agent, cust):
        order, _ = shipped_order(cust)
        html = agent().get(f"/workbench/orders/{order.number}/timeline/").content.decode()
        assert "<html" not in html and "海淀上地营业部" in html

    @pytest.mark.parametrize(("role", "shown", "hidden"), [
        ("presale_agent", "139****5678", "13912345678"),
        ("aftersale_agent", "13912345678", "139****5678"),
    ])
    def test_recipient_masking_by_role(self, agent, cust, role, shown, hidden):
        order, _ = shipped_order(cust)
        html = agent(role).get(f"/workbench/orders/{order.number}/").content.decode()
        assert shown in html and hidden not in html

    def test_unknown_order_is_404(self, agent):
        assert agent().get("/workbench/orders/NOPE/").status_code == 404


class TestEscaping:
    def test_customer_name_is_escaped_in_search_360_and_order(self, agent, roles):
        evil = "<script>alert(1)</script>"
        cust = f.customer(name=evil, email="x@example.com")
        address(cust, recipient=evil, detail=evil)
        order, _ = shipped_order(cust, events=[(1, evil, "in_transit", "", evil)])
        client = agent()
        for url in (f"/workbench/?q={order.number}", f"/workbench/customers/{cust.pk}/",
                    f"/workbench/orders/{order.number}/"):
            html = client.get(url).content.decode()
            assert evil not in html, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


class TestLanguages:
    def test_english(self, agent, cust):
        client = agent()
        client.cookies["django_language"] = "en"
        html = client.get(f"/workbench/customers/{cust.pk}/").content.decode()
        assert "Customer search" in html and "Spend in the last 12 months" in html and "客户查询" not in html
        html = client.get("/workbench/", {"q": "13"}).content.decode()
        assert "Enter the full 11-digit mobile number or the complete order number." in html

    def test_header_shows_name_and_role(self, client, staff_user):
        user = staff_user("aftersale_agent", username="liu.yang")
        user.first_name = "刘洋"
        user.save()
        client.force_login(user)
        html = client.get("/workbench/").content.decode()
        assert "刘洋" in html and "售后客服" in html and "客服工作台" in html
