"""The customer's after-sales pages after applying: my cases, one case with its timeline, the return tracking
number, withdrawing, the private photos — and that nobody else sees any of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.aftersales.models import ReturnShipment
from kefu.aftersales.services import cases, refunds, warehouse
from kefu.core import clock
from tests import factories as f
from tests.aftersales.builders import (
    JPEG,
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
)

from .builders import login_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root", "roles")]
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def order():
    return signed_order()


@pytest.fixture
def buyer(client, order):
    return login_customer(client, order.customer)


@pytest.fixture
def agent(staff_user):
    return staff_user("aftersale_agent", username="liu.yang")


@pytest.fixture
def carrier():
    return f.carrier("sf", "顺丰速运", is_own_fleet=False)


def open_wrong_item(order, *, description="收到的是另一个型号", postage="12.00"):
    """A wrong-item return opened by the customer, with one photo."""
    return cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()], by=order.customer.user,
                           description=description, return_postage=Decimal(postage))


def page(client, case):
    response = client.get(f"/aftersales/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start:start + 4000]


class TestMyCases:
    def test_newest_first_with_status_badges(self, buyer, order):
        first = open_wrong_item(order)
        clock.advance(timedelta(hours=1))
        other_order = signed_order()
        other_order.customer = order.customer
        other_order.save()
        second = cases.open_case(other_order, "exchange", "no_reason", [asked(other_order)])
        cases.cancel_by_customer(first, by=order.customer.user)
        html = buyer.get("/aftersales/").content.decode()
        assert "我的售后" in html
        assert html.index(second.number) < html.index(first.number)
        assert "换货" in html and "七天无理由" in html and "退货退款" in html and "错发" in html
        assert "case-status--requested" in html and "已申请" in html
        assert "case-status--cancelled" in html and "买家取消" in html
        assert "¥3,321.00" in html  # the wrong item's refund: goods + order shipping + postage

    def test_pages_of_ten(self, buyer, roles):
        order = signed_order(lines=(("10.00", 11),))
        login_customer(buyer, order.customer)
        for _ in range(11):
            cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
            clock.advance(timedelta(minutes=1))
        first = buyer.get("/aftersales/").content.decode()
        second = buyer.get("/aftersales/?page=2").content.decode()
        assert first.count('data-case="') == 10 and second.count('data-case="') == 1
        assert "第 1 / 2 页" in first and "第 2 / 2 页" in second

    def test_empty(self, buyer):
        html = buyer.get("/aftersales/").content.decode()
        assert "暂无售后服务单" in html and "申请售后" in html

    def test_only_my_cases(self, buyer, order):
        theirs = open_wrong_item(signed_order())
        mine = open_wrong_item(order)
        html = buyer.get("/aftersales/").content.decode()
        assert mine.number in html and theirs.number not in html

    def test_query_count_does_not_grow_with_cases(self, buyer, roles):
        order = signed_order(lines=(("10.00", 6),))
        login_customer(buyer, order.customer)
        cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert buyer.get("/aftersales/").status_code == 200
            return len(ctx)

        few = count()
        for _ in range(4):
            cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
        assert count() == few

    def test_the_order_page_lists_its_cases(self, buyer, order):
        case = open_wrong_item(order)
        html = buyer.get(f"/orders/{order.number}/").content.decode()
        cases_card = section(html, "order-cases")
        assert "本订单的售后" in cases_card and f'href="/aftersales/{case.number}/"' in cases_card
        assert "已申请" in cases_card
        assert 'data-testid="apply-aftersales"' not in html  # its only unit is under the case now


class TestOneCase:
    def test_everything_the_customer_asked_and_the_policy_said(self, buyer, order):
        case = open_wrong_item(order)
        html = page(buyer, case)
        for text in (case.number, order.number, "退货退款", "错发", "笔记本电脑", "完好", "收到的是另一个型号",
                     "已申请", "客服正在审核您的申请", "¥3,299.00", "¥22.00", "¥3,321.00", "商家", "原路退回",
                     "发错商品由卖家负责", "您垫付的寄回运费", "¥12.00"):
            assert text in html, text
        photo_row = case.evidence.get()
        assert f'src="/aftersales/{case.number}/evidence/{photo_row.pk}/"' in html
        assert "/media/" not in html  # photos are never linked by their storage path

    def test_the_timeline_in_the_customers_words(self, buyer, order, agent):
        case = open_wrong_item(order)
        cases.approve(case, by=agent, reason="已核实，请寄回")
        html = page(buyer, case)
        timeline = section(html, "case-timeline")
        for text in ("已申请", "您提交了售后申请", "您", "已通过", "客服已审核通过您的申请", "已核实，请寄回",
                     "等待买家寄回", "请寄回商品，并填写退货运单号", "客服"):
            assert text in timeline, text
        assert timeline.index("等待买家寄回") < timeline.index("已申请")  # newest first
        for internal in ("wrong_item.return", "the item travels back", "liu.yang", order.customer.phone):
            assert internal not in html, internal
        assert 'data-testid="return-form"' in html and 'data-testid="cancel-form"' in html

    def test_inspection_and_a_changed_refund_show(self, buyer, order, agent, carrier):
        case = open_wrong_item(order)
        cases.approve(case, by=agent)
        cases.add_return_tracking(case, carrier=carrier, tracking_number="SF1234567890", by=order.customer.user)
        warehouse.receive_return("SF1234567890", by=agent)
        warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                    wrong_item_confirmed=False, notes="核对为正确型号", by=agent)
        html = page(buyer, case)
        timeline = section(html, "case-timeline")
        assert "仓库已签收您的退货包裹" in timeline and "质检通过" in timeline and "核对为正确型号" in timeline
        assert "运费退款" in timeline and "由 ¥22.00 调整为 ¥0.00" in timeline
        assert "寄回运费" in timeline and "现由买家承担" in timeline
        assert "质检" in html and "质检通过" in html and "完好" in html
        assert 'data-testid="return-form"' not in html and 'data-testid="cancel-form"' not in html

    def test_refunds_with_their_state(self, buyer, roles, agent):
        order = signed_order(lines=(("100.00", 1), ("50.00", 1)))
        login_customer(buyer, order.customer)
        case = cases.open_case(order, "refund_only", "missing_item", [asked(order, index=1)], [photo()])
        assert "暂无退款" in page(buyer, case)
        cases.approve(case, by=agent)
        [refund] = refunds.issue_refund(case, by=agent)
        listed = section(page(buyer, case), "refunds")
        assert "商品款" in listed and "¥50.00" in listed and "处理中" in listed and "原路退回" in listed
        refunds.mark_refund_sent(refund, external_ref="PAY-1")
        assert "已退款" in section(page(buyer, case), "refunds")
        refunds.mark_refund_confirmed(refund)
        html = page(buyer, case)
        assert "已到账" in section(html, "refunds") and "已关闭" in html and "服务单已关闭" in html

    def test_a_goodwill_coupon_is_shown(self, buyer, order, agent):
        case = open_wrong_item(order)
        coupon = refunds.grant_coupon(case, Decimal("10.00"), by=agent)
        listed = section(page(buyer, case), "coupons")
        assert "补偿优惠券" in page(buyer, case) and coupon.code in listed and "¥10.00" in listed
        assert "有效期至 2026-04-09" in listed  # 30 days from 2026-03-10

    def test_price_protection_refunds_in_points(self, buyer, roles, agent):
        cust = f.customer()
        sku = f.sku("200.00")
        order = f.order(cust, [(sku, 1)], status="shipped", placed_at=clock.now() - timedelta(days=1))
        login_customer(buyer, cust)
        case = cases.open_case(order, "price_protection", "price_drop", [asked(order)],
                               current_unit_price=Decimal("170.00"))
        cases.approve(case, by=agent)
        refunds.issue_refund(case, by=agent)
        html = page(buyer, case)
        assert "退还差价" in html and "京豆" in html and "3000 京豆" in section(html, "refunds")

    def test_a_declined_case_says_why(self, buyer, order, agent):
        case = open_wrong_item(order)
        cases.decline(case, reason="照片中的商品与订单一致", by=agent)
        html = page(buyer, case)
        assert "已驳回" in html and "客服驳回了您的申请" in html and html.count("照片中的商品与订单一致") == 2

    def test_in_english(self, buyer, order):
        case = open_wrong_item(order)
        buyer.cookies["django_language"] = "en"
        html = page(buyer, case)
        for text in ("Case no.", "Progress", "You applied for after-sales service.", "Requested", "Wrong item",
                     "Return and refund", "Refund in total", "Paid by: Seller", "Withdraw the request"):
            assert text in html, text
        assert "My after-sales" in buyer.get("/aftersales/").content.decode()

    def test_customer_text_is_escaped(self, buyer, order, agent):
        case = open_wrong_item(order, description=EVIL)
        cases.approve(case, by=agent, reason=EVIL)
        cases.cancel_by_customer(case, by=order.customer.user, reason=EVIL)
        for html in (page(buyer, case), buyer.get("/aftersales/").content.decode()):
            assert EVIL not in html
        assert page(buyer, case).count(ESCAPED) == 3  # description, approval remark, withdrawal remark


class TestReturnTracking:
    def test_the_tracking_number_moves_the_case_on(self, buyer, order, agent, carrier):
        case = open_wrong_item(order)
        cases.approve(case, by=agent)
        html = page(buyer, case)
        form = section(html, "return-form")
        assert "顺丰速运" in form and 'name="tracking_number"' in form and 'name="postage"' in form
        assert 'value="12.00"' in form  # the postage given when applying, to confirm
        response = buyer.post(f"/aftersales/{case.number}/return/",
                              {"carrier": carrier.pk, "tracking_number": " sf1234567890 ", "postage": "15.00"})
        assert response.status_code == 302 and response["Location"] == f"/aftersales/{case.number}/"
        case.refresh_from_db()
        assert case.status == "in_transit" and case.return_postage == Decimal("15.00")
        assert case.refund_shipping == Decimal("25.00")  # order shipping 10 + the 15 actually paid
        assert ReturnShipment.objects.get(case=case).tracking_number == "SF1234567890"
        html = buyer.get(response["Location"]).content.decode()
        assert "退货运单号已提交" in html and "退货运输中" in html
        assert "您已通过顺丰速运寄回商品，运单号 SF1234567890" in section(html, "case-timeline")
        assert "SF1234567890" in section(html, "return-parcel")
        assert 'data-testid="return-form"' not in html and 'data-testid="cancel-form"' not in html

    def test_no_postage_field_when_the_buyer_pays(self, buyer, order, agent, carrier):
        case = cases.open_case(order, "return", "no_reason", [asked(order)])
        cases.approve(case, by=agent)
        form = section(page(buyer, case), "return-form")
        assert 'name="postage"' not in form and "寄回运费由您承担" in page(buyer, case)
        response = buyer.post(f"/aftersales/{case.number}/return/",
                              {"carrier": carrier.pk, "tracking_number": "YT88776655", "postage": "99.00"})
        case.refresh_from_db()
        assert response.status_code == 302 and case.status == "in_transit" and case.return_postage == 0

    @pytest.mark.parametrize(("values", "message"), [
        ({"tracking_number": "12"}, "运单号为6–40位字母、数字或短横线"),
        ({"tracking_number": "SF 1234 5678"}, "运单号为6–40位字母、数字或短横线"),
        ({"tracking_number": ""}, "这个字段是必填项"),
        ({"carrier": "999999"}, "选择一个有效的选项"),
        ({"postage": "-1"}, "大于或等于0"),
    ])
    def test_bad_input_is_shown_and_changes_nothing(self, buyer, order, agent, carrier, values, message):
        case = open_wrong_item(order)
        cases.approve(case, by=agent)
        data = {"carrier": carrier.pk, "tracking_number": "SF1234567890", **values}
        response = buyer.post(f"/aftersales/{case.number}/return/", data)
        assert response.status_code == 422 and message in section(response.content.decode(), "return-form")
        case.refresh_from_db()
        assert case.status == "awaiting_return" and not ReturnShipment.objects.exists()

    def test_not_before_the_case_waits_for_the_parcel(self, buyer, order, carrier):
        case = open_wrong_item(order)
        assert 'data-testid="return-form"' not in page(buyer, case)
        response = buyer.post(f"/aftersales/{case.number}/return/",
                              {"carrier": carrier.pk, "tracking_number": "SF1234567890"}, follow=True)
        assert "该服务单当前不需要寄回商品" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "requested" and not ReturnShipment.objects.exists()


class TestWithdrawing:
    def test_withdraw_with_a_reason(self, buyer, order):
        case = open_wrong_item(order)
        assert "撤销申请" in page(buyer, case) and "确认撤销" in page(buyer, case)
        response = buyer.post(f"/aftersales/{case.number}/cancel/", {"reason": "已和商家协商解决"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "cancelled" and case.status_reason == "已和商家协商解决"
        html = buyer.get(response["Location"]).content.decode()
        assert f"售后申请 {case.number} 已撤销" in html and "买家取消" in html
        timeline = section(html, "case-timeline")
        assert "申请已撤销" in timeline and "已和商家协商解决" in timeline
        assert 'data-testid="cancel-form"' not in html
        assert 'data-testid="apply-aftersales"' in buyer.get(f"/orders/{order.number}/").content.decode()

    def test_not_once_the_parcel_is_on_its_way(self, buyer, order, agent, carrier):
        case = open_wrong_item(order)
        cases.approve(case, by=agent)
        cases.add_return_tracking(case, carrier=carrier, tracking_number="SF1234567890", by=order.customer.user)
        assert 'data-testid="cancel-form"' not in page(buyer, case)
        response = buyer.post(f"/aftersales/{case.number}/cancel/", {"reason": ""}, follow=True)
        assert "该申请已无法撤销" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "in_transit"

    def test_a_too_long_reason(self, buyer, order):
        case = open_wrong_item(order)
        response = buyer.post(f"/aftersales/{case.number}/cancel/", {"reason": "长" * 201})
        assert response.status_code == 422 and "不超过 200 字符" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "requested"


class TestPhotos:
    def test_the_owner_gets_the_photo_privately(self, buyer, order):
        case = open_wrong_item(order)
        evidence = case.evidence.get()
        response = buyer.get(f"/aftersales/{case.number}/evidence/{evidence.pk}/")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == JPEG
        assert response["Cache-Control"] == "private, max-age=3600"
        assert response["Content-Disposition"].startswith("inline") and case.number in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_photo_of_another_case_under_my_case_number_is_not_found(self, buyer, order):
        mine = open_wrong_item(order)
        theirs = open_wrong_item(signed_order())
        url = f"/aftersales/{mine.number}/evidence/{theirs.evidence.get().pk}/"
        assert buyer.get(url).status_code == 404
        assert buyer.get(f"/aftersales/{mine.number}/evidence/999999/").status_code == 404


class TestAccess:
    URLS = ["/aftersales/{n}/", "/aftersales/{n}/evidence/{e}/"]
    POSTS = ["/aftersales/{n}/return/", "/aftersales/{n}/cancel/"]

    def urls(self, case):
        e = case.evidence.get().pk
        return [u.format(n=case.number, e=e) for u in self.URLS], [u.format(n=case.number) for u in self.POSTS]

    def test_another_customers_case_is_not_found(self, buyer, order, carrier):
        theirs = open_wrong_item(signed_order(), description="别人的描述")
        gets, posts = self.urls(theirs)
        for url in gets:
            response = buyer.get(url)
            assert response.status_code == 404, url
            assert "别人的描述" not in response.content.decode()
        for url in posts:
            assert buyer.post(url, {"carrier": carrier.pk, "tracking_number": "SF1234567890"}).status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == "requested"

    def test_anonymous_is_sent_to_sign_in(self, order):
        case = open_wrong_item(order)
        gets, posts = self.urls(case)
        client = Client()
        for url in ["/aftersales/", *gets]:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
        for url in posts:
            assert client.post(url, {})["Location"].startswith("/login/?next="), url

    def test_staff_are_sent_to_the_workbench(self, order, agent):
        case = open_wrong_item(order)
        gets, posts = self.urls(case)
        client = Client()
        client.force_login(agent)
        for url in ["/aftersales/", *gets]:
            assert client.get(url)["Location"] == "/workbench/", url
        for url in posts:
            assert client.post(url, {})["Location"] == "/workbench/", url
        case.refresh_from_db()
        assert case.status == "requested"

    def test_actions_are_post_only_and_need_the_csrf_token(self, order, agent, carrier):
        case = open_wrong_item(order)
        cases.approve(case, by=agent)
        client = Client(enforce_csrf_checks=True)
        login_customer(client, order.customer)
        for url in self.urls(case)[1]:
            assert client.get(url).status_code == 405
        assert client.post(f"/aftersales/{case.number}/return/",
                           {"carrier": carrier.pk, "tracking_number": "SF1234567890"}).status_code == 403
        assert client.post(f"/aftersales/{case.number}/cancel/", {}).status_code == 403
        case.refresh_from_db()
        assert case.status == "awaiting_return"

    def test_unknown_case_is_a_friendly_404(self, buyer):
        response = buyer.get("/aftersales/AS000/")
        assert response.status_code == 404 and "页面不存在" in response.content.decode()
