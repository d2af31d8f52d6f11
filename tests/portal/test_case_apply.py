"""Applying for after-sales from the order page: the form, the policy's live advice, submitting.

The policy engine decides (through the services); these tests check that the portal asks it with the
customer's input, shows its answer and reasons, and saves nothing unless open_case accepted the request.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from kefu.aftersales.models import AfterSalesCase, CaseEvidence
from kefu.aftersales.services import cases
from kefu.core import clock
from tests import factories as f
from tests.aftersales.builders import (
    JPEG,
    PNG,
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    signed_order,
)

from .builders import login_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root", "roles")]


@pytest.fixture
def order():
    """A laptop delivered and signed two days ago (¥3,299.00, shipping ¥10.00)."""
    return signed_order()


@pytest.fixture
def line(order):
    return order.lines.get()


@pytest.fixture
def buyer(client, order):
    return login_customer(client, order.customer)


def new_url(order):
    return f"/orders/{order.number}/aftersales/new/"


def advice_url(order):
    return f"/orders/{order.number}/aftersales/advice/"


def form_data(line, **values):
    data = {"reason": "wrong_item", "kind": "return", f"qty-{line.pk}": "1", f"condition-{line.pk}": "intact",
            "description": "收到的是另一个型号", "return_postage": "12.00"}
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def advise(client, order, line, **values):
    response = client.post(advice_url(order), form_data(line, **values), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


class TestTheForm:
    def test_the_order_page_offers_after_sales(self, buyer, order):
        html = buyer.get(f"/orders/{order.number}/").content.decode()
        assert "申请售后" in html and f'href="/orders/{order.number}/aftersales/new/"' in html

    def test_no_offer_on_an_unpaid_order_and_the_form_sends_back(self, buyer, order):
        unpaid = f.order(order.customer, [(f.sku("59.90"), 1)])
        assert 'data-testid="apply-aftersales"' not in buyer.get(f"/orders/{unpaid.number}/").content.decode()
        response = buyer.get(new_url(unpaid), follow=True)
        assert response.redirect_chain == [(f"/orders/{unpaid.number}/", 302)]
        assert "售后服务适用于已付款的订单" in response.content.decode()

    def test_the_form_in_chinese_with_the_lines_and_the_choices(self, buyer, order, line):
        response = buyer.get(new_url(order))
        html = response.content.decode()
        assert response.status_code == 200 and "csrfmiddlewaretoken" in html
        for text in ("申请售后", "问题原因", "申请类型", "七天无理由", "错发", "漏发", "降价", "退货退款", "换货",
                     "仅退款", "补发", "价格保护", "商品状况", "完好", "破损", "照片凭证", "您垫付的寄回运费（元）",
                     "提交申请", line.product_name):
            assert text in html, text
        assert f'name="qty-{line.pk}"' in html and f'name="condition-{line.pk}"' in html
        assert f'value="{line.quantity}"' in html  # a one-line order: the whole line by default
        assert 'name="photos"' in html and "multiple" in html and 'enctype="multipart/form-data"' in html
        assert f'hx-post="{advice_url(order)}"' in html and 'data-testid="advice-empty"' in html

    def test_a_line_can_be_preselected(self, buyer, roles):
        order = signed_order(lines=(("100.00", 1), ("50.00", 2)))
        first, second = order.lines.all()
        login_customer(buyer, order.customer)
        html = buyer.get(f"{new_url(order)}?line={second.pk}").content.decode()
        assert f'name="qty-{first.pk}" value="0"' in html.replace('type="number" ', "")
        assert f'name="qty-{second.pk}" value="2"' in html.replace('type="number" ', "")


class TestAdvice:
    def test_the_engine_reasons_and_figures_nothing_saved(self, buyer, order, line):
        html = advise(buyer, order, line, reason="no_reason", kind="return", return_postage="")
        assert 'data-allowed="yes"' in html and "退货退款" in html
        assert "在七天无理由退换货期内" in html  # the engine's own zh-hans reason
        assert "¥3,299.00" in html and "买家" in html and "原路退回" in html
        assert "2026-03-15 23:59" in html  # signed 03-08: the 7th day ends 03-15 23:59:59
        assert "<html" not in html and AfterSalesCase.objects.count() == 0

    def test_a_wrong_item_needs_a_photo(self, buyer, order, line):
        without = advise(buyer, order, line, photo_count="0")
        assert 'data-allowed="no"' in without and "请上传收到的商品和包装的照片" in without
        assert 'data-testid="missing-evidence"' in without and "照片" in without
        with_photo = advise(buyer, order, line, photo_count="2")
        assert 'data-allowed="yes"' in with_photo and "退货退款" in with_photo
        assert "商家" in with_photo  # the seller pays the return postage
        assert "¥3,321.00" in with_photo  # 3299 goods + 10 order shipping + 12 postage advanced

    def test_the_requests_follow_the_problem(self, buyer, order, line):
        html = advise(buyer, order, line, reason="missing_item", kind="return", kinds_for="wrong_item")
        assert 'id="kind-field" hx-swap-oob="true"' in html
        assert '<option value="reship" selected>' in html  # the first request a missing item gives
        assert '<option value="return" disabled>' in html and '<option value="exchange" disabled>' in html
        assert '<input type="hidden" name="kinds_for" value="missing_item">' in html
        assert "补发" in html and AfterSalesCase.objects.count() == 0

    def test_the_request_select_is_left_alone_when_the_problem_did_not_change(self, buyer, order, line):
        html = advise(buyer, order, line, reason="no_reason", kind="exchange", kinds_for="no_reason")
        assert "hx-swap-oob" not in html and 'data-allowed="yes"' in html and "换货" in html

    def test_incomplete_and_invalid_input(self, buyer, order, line):
        assert 'data-testid="advice-empty"' in advise(buyer, order, line, reason="")
        html = advise(buyer, order, line, **{f"qty-{line.pk}": "5"})
        assert 'data-testid="advice-problems"' in html and "确保该值小于或等于1" in html  # one was bought
        assert 'data-testid="advice-empty"' in advise(buyer, order, line, **{f"qty-{line.pk}": "0"})

    def test_price_protection_compares_with_the_shop_price_now(self, buyer, roles):
        cust = f.customer()
        sku = f.sku("200.00")
        order = f.order(cust, [(sku, 2)], status="shipped", placed_at=clock.now() - timedelta(days=2))
        line = order.lines.get()
        login_customer(buyer, cust)
        data = {"reason": "price_drop", "kind": "price_protection", f"qty-{line.pk}": "2",
                f"condition-{line.pk}": "intact", "current_unit_price": "1.00"}  # a typed price is ignored
        sku.price = Decimal("180.00")
        sku.save()
        html = buyer.post(advice_url(order), data).content.decode()
        assert 'data-allowed="yes"' in html and "退还差价" in html and "京豆" in html
        assert "¥40.00" in html and "4000" in html  # (200 − 180) × 2, as 4,000 京豆
        sku.price = Decimal("250.00")
        sku.save()
        html = buyer.post(advice_url(order), data).content.decode()
        assert 'data-allowed="no"' in html and "不低于您的实付单价" in html

    def test_price_protection_is_one_item_at_a_time(self, buyer, roles):
        order = signed_order(lines=(("100.00", 1), ("50.00", 1)))
        first, second = order.lines.all()
        login_customer(buyer, order.customer)
        html = buyer.post(advice_url(order), {"reason": "price_drop", "kind": "price_protection",
                                              f"qty-{first.pk}": "1", f"qty-{second.pk}": "1"}).content.decode()
        assert "价格保护每次只能申请一种商品" in html

    def test_access(self, client, buyer, order, line, staff_user):
        assert buyer.get(advice_url(order)).status_code == 405
        other = signed_order()
        assert buyer.post(advice_url(other), form_data(other.lines.get())).status_code == 404
        anonymous = Client()
        response = anonymous.post(advice_url(order), form_data(line))
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
        agent = Client()
        agent.force_login(staff_user("aftersale_agent"))
        assert agent.post(advice_url(order), form_data(line))["Location"] == "/workbench/"


class TestSubmitting:
    def test_a_wrong_item_with_a_photo_opens_the_case(self, buyer, order, line):
        data = form_data(line, photos=[photo(), photo("box.png", PNG, "image/png")])
        response = buyer.post(new_url(order), data)
        case = AfterSalesCase.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/aftersales/{case.number}/"
        assert (case.kind, case.reason, case.resolution, case.return_shipping_paid_by) == (
            "return", "wrong_item", "return_refund", "seller")
        assert case.refund_goods == Decimal("3299.00") and case.refund_shipping == Decimal("22.00")
        assert case.return_postage == Decimal("12.00") and case.description == "收到的是另一个型号"
        assert [(cl.order_line, cl.quantity, cl.condition) for cl in case.lines.all()] == [(line, 1, "intact")]
        assert [e.content_type for e in case.evidence.all()] == ["image/jpeg", "image/png"]
        page = buyer.get(response["Location"]).content.decode()
        assert f"售后申请 {case.number} 已提交" in page

    def test_a_refusal_shows_the_reasons_and_saves_nothing(self, buyer, order, line):
        response = buyer.post(new_url(order), form_data(line, reason="no_reason", **{f"condition-{line.pk}": "used"}))
        html = response.content.decode()
        assert response.status_code == 422 and AfterSalesCase.objects.count() == 0
        assert "当前申请无法受理" in html and "已不完好，不适用七天无理由退换货" in html
        assert 'data-allowed="no"' in html

    def test_too_late_for_a_no_reason_return(self, buyer, roles):
        order = signed_order(signed_days_ago=9)
        login_customer(buyer, order.customer)
        response = buyer.post(new_url(order), form_data(order.lines.get(), reason="no_reason"))
        assert response.status_code == 422 and "已超过七天无理由退换货期限" in response.content.decode()
        assert AfterSalesCase.objects.count() == 0

    def test_a_photo_that_is_not_an_image_is_refused_beside_the_field(self, buyer, order, line, settings):
        fake = photo("evidence.jpg", b"<html>not a photo</html>", "image/jpeg")
        response = buyer.post(new_url(order), form_data(line, photos=[fake]))
        html = response.content.decode()
        assert response.status_code == 422 and AfterSalesCase.objects.count() == 0
        errors = html[html.index('data-testid="photos-errors"'):]
        assert "仅支持 JPEG、PNG 或 WebP 格式的照片" in errors[:300] and "evidence.jpg" in errors[:300]
        assert "表单重新显示后，已选择的照片不会保留" in html
        stored = settings.MEDIA_ROOT / "aftersales"
        assert not stored.exists() or not any(stored.rglob("*.*"))  # no file left behind

    def test_a_photo_too_large(self, buyer, order, line, settings):
        settings.KEFU_AFTERSALES_EVIDENCE_MAX_BYTES = 1024 * 1024
        big = photo("big.jpg", JPEG + b"\x00" * (1024 * 1024), "image/jpeg")
        response = buyer.post(new_url(order), form_data(line, photos=[big]))
        assert response.status_code == 422 and "每张照片不能超过 1 MB" in response.content.decode()
        assert CaseEvidence.objects.count() == 0

    def test_too_many_photos(self, buyer, order, line):
        response = buyer.post(new_url(order), form_data(line, photos=[photo(f"{i}.jpg") for i in range(10)]))
        assert response.status_code == 422 and "最多上传 9 张照片" in response.content.decode()

    def test_a_request_the_problem_does_not_give(self, buyer, order, line):
        response = buyer.post(new_url(order), form_data(line, reason="no_reason", kind="refund_only"))
        html = response.content.decode()
        assert response.status_code == 422 and "该问题可以申请：退货退款、换货。" in html
        assert '<option value="refund_only" disabled>' in html and AfterSalesCase.objects.count() == 0

    @pytest.mark.parametrize(("values", "message"), [
        ({"reason": ""}, "这个字段是必填项"),
        ({"kind": "teleport"}, "选择一个有效的选项"),
        ({"qty-LINE": "0"}, "请至少选择一件商品"),
        ({"qty-LINE": "-1"}, "大于或等于0"),
        ({"condition-LINE": "shiny"}, "选择一个有效的选项"),
        ({"return_postage": "-3"}, "大于或等于0"),
        ({"description": "长" * 501}, "不超过 500 字符"),
    ])
    def test_bad_input_is_a_form_error_and_nothing_is_saved(self, buyer, order, line, values, message):
        values = {key.replace("LINE", str(line.pk)): value for key, value in values.items()}
        before = AfterSalesCase.objects.count()
        response = buyer.post(new_url(order), form_data(line, photos=[photo()], **values))
        assert response.status_code == 422 and message in response.content.decode()
        assert AfterSalesCase.objects.count() == before == 0 and CaseEvidence.objects.count() == 0

    def test_units_under_another_case_cannot_be_asked_for_again(self, buyer, roles):
        order = signed_order(lines=(("100.00", 3),))
        line = order.lines.get()
        cases.open_case(order, "return", "no_reason", [asked(order, qty=2)])
        login_customer(buyer, order.customer)
        html = buyer.get(new_url(order)).content.decode()
        assert "最多 1 件" in html
        response = buyer.post(new_url(order), form_data(line, reason="no_reason", **{f"qty-{line.pk}": "2"}))
        assert response.status_code == 422 and AfterSalesCase.objects.count() == 1
        cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
        response = buyer.get(new_url(order), follow=True)
        assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
        assert "该订单的所有商品都已在售后服务单中" in response.content.decode()

    def test_check_first_without_javascript_saves_nothing(self, buyer, order, line):
        response = buyer.post(new_url(order), form_data(line, reason="no_reason", preview="1"))
        html = response.content.decode()
        assert response.status_code == 200 and AfterSalesCase.objects.count() == 0
        assert 'data-allowed="yes"' in html and "在七天无理由退换货期内" in html
        assert 'value="no_reason" selected' in html  # the form keeps what was chosen

    def test_the_postage_is_ignored_when_nothing_travels_back(self, buyer, roles):
        order = signed_order(lines=(("100.00", 1), ("50.00", 1)))
        first, second = order.lines.all()
        login_customer(buyer, order.customer)
        response = buyer.post(new_url(order), {"reason": "missing_item", "kind": "refund_only",
                                               f"qty-{second.pk}": "1", f"qty-{first.pk}": "0",
                                               "return_postage": "15.00", "photos": [photo()]})
        case = AfterSalesCase.objects.get()
        assert response.status_code == 302 and case.return_postage == 0 and case.refund_goods == Decimal("50.00")

    def test_posts_need_the_csrf_token(self, order, line):
        client = Client(enforce_csrf_checks=True)
        login_customer(client, order.customer)
        assert client.post(new_url(order), form_data(line, photos=[photo()])).status_code == 403
        assert client.post(advice_url(order), form_data(line)).status_code == 403
        assert AfterSalesCase.objects.count() == 0

    def test_another_customers_order_anonymous_and_staff(self, client, buyer, order, line, staff_user):
        other = signed_order()
        assert buyer.get(new_url(other)).status_code == 404
        response = buyer.post(new_url(other), form_data(other.lines.get(), photos=[photo()]))
        assert response.status_code == 404 and AfterSalesCase.objects.count() == 0
        anonymous = Client()
        assert anonymous.get(new_url(order))["Location"].startswith("/login/?next=")
        agent = Client()
        agent.force_login(staff_user("aftersale_agent"))
        assert agent.get(new_url(order))["Location"] == "/workbench/"

    def test_in_english(self, buyer, order, line):
        buyer.cookies["django_language"] = "en"
        html = buyer.get(new_url(order)).content.decode()
        assert "Apply for after-sales" in html and "What is the problem?" in html and "Wrong item" in html
        html = advise(buyer, order, line, reason="no_reason")
        assert "Return and refund" in html and "Refund in total" in html
