"""A customer applies for after-sales in a real browser (Debian's chromium through Playwright).

From the order page she opens a wrong-item case with a photo: the advice beside the form changes as she
chooses the problem and adds the photo (htmx asks the policy engine, nothing is saved), she submits, reads
the case timeline, and — once an agent has approved the case through the service — enters the return
tracking number. Screenshots: var/screenshots/portal-aftersales-apply.png and portal-aftersales-case.png.
"""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest

from kefu.aftersales.models import AfterSalesCase
from kefu.aftersales.services import cases
from kefu.core import clock
from tests import factories as f
from tests.aftersales.builders import media_root  # noqa: F401
from tests.browser.test_journeys import PASSWORD, SCREENSHOTS, browser_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def png(width=64, height=48, rgb=(225, 37, 27)) -> bytes:
    """A real (decodable) PNG, so the thumbnail on the case page can be checked to load."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def delivered(transactional_db, roles, media_root):  # noqa: F811
    """王芳's soy-milk maker, delivered and signed two days ago; the courier she will use for the return."""
    now = clock.now()
    cust = f.customer(name="王芳", phone="13912345678")
    shop = f.seller(kind="third_party", name="九阳官方旗舰店")
    sku = f.sku("129.00", name="九阳豆浆机 DJ13B", seller_obj=shop)
    order = f.order(cust, [(sku, 1)], status="delivered", shipping_fee="8.00", placed_at=now - timedelta(days=4))
    order.signed_at = now - timedelta(days=2)
    order.save(update_fields=["signed_at"])
    f.carrier("sf", "顺丰速运", is_own_fleet=False)
    return order


def test_customer_opens_a_wrong_item_case_and_sends_it_back(live_server, delivered, staff_user, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    order = delivered
    page.goto(f"{live_server.url}/login/?next=/orders/{order.number}/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/orders/{order.number}/")

    page.get_by_test_id("apply-aftersales").click()
    page.wait_for_url(f"{live_server.url}/orders/{order.number}/aftersales/new/")
    advice = page.get_by_test_id("advice")
    expect(advice.get_by_test_id("advice-empty")).to_be_visible()

    # The problem first: the request select follows it (return is the first a wrong item gives), and the
    # engine says a photo is missing.
    page.get_by_test_id("reason").select_option("wrong_item")
    expect(advice.get_by_test_id("decision")).to_have_attribute("data-allowed", "no")
    expect(advice.get_by_test_id("reasons")).to_contain_text("请上传收到的商品和包装的照片")
    expect(page.get_by_test_id("kind")).to_have_value("return")
    expect(page.locator('[data-testid="kind"] option[value="refund_only"]')).to_be_disabled()
    assert AfterSalesCase.objects.count() == 0

    # The photo: now it can be applied for, and the seller pays the way back.
    page.get_by_test_id("photos").set_input_files(
        files=[{"name": "wrong-model.png", "mimeType": "image/png", "buffer": png()}])
    expect(advice.get_by_test_id("decision")).to_have_attribute("data-allowed", "yes")
    expect(advice).to_contain_text("退货退款")
    expect(advice.get_by_test_id("refund-total")).to_contain_text("¥137.00")  # 129 + the order's 8 shipping
    page.get_by_test_id("return_postage").fill("12")
    page.get_by_test_id("description").click()  # the postage field's change event fires on leaving it
    expect(advice.get_by_test_id("refund-total")).to_contain_text("¥149.00")
    page.get_by_test_id("description").fill("订的是 DJ13B，收到的是 DJ12B，包装完好。")
    assert AfterSalesCase.objects.count() == 0  # the advice saves nothing
    page.screenshot(path=str(SCREENSHOTS / "portal-aftersales-apply.png"), full_page=True)

    page.get_by_test_id("submit").click()
    page.wait_for_url(f"{live_server.url}/aftersales/AS*/")
    case = AfterSalesCase.objects.get()
    assert page.url == f"{live_server.url}/aftersales/{case.number}/"
    expect(page.locator(".messages")).to_contain_text(f"售后申请 {case.number} 已提交")
    expect(page.get_by_test_id("case-status")).to_have_text("已申请")
    timeline = page.get_by_test_id("case-timeline")
    expect(timeline.locator("li")).to_have_count(1)
    expect(timeline).to_contain_text("您提交了售后申请")
    thumbnail = page.get_by_test_id("photos").locator("img")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=thumbnail.element_handle())
    assert page.get_by_test_id("return-form").count() == 0

    # An agent approves the case through the service: the case now waits for the parcel.
    agent = staff_user("aftersale_agent", username="liu.yang")
    cases.approve(case, by=agent, reason="已核实发错型号，请寄回")
    page.reload()
    expect(page.get_by_test_id("case-status")).to_have_text("等待买家寄回")
    expect(timeline).to_contain_text("已核实发错型号，请寄回")
    form = page.get_by_test_id("return-form")
    expect(form).to_be_visible()
    form.get_by_test_id("carrier").select_option(label="顺丰速运")
    form.get_by_test_id("tracking_number").fill("SF1409286750")
    expect(form.get_by_test_id("postage")).to_have_value("12.00")
    form.get_by_test_id("return-submit").click()

    page.wait_for_url(f"{live_server.url}/aftersales/{case.number}/")
    expect(page.get_by_test_id("case-status")).to_have_text("退货运输中")
    expect(timeline.locator("li").first).to_contain_text("您已通过顺丰速运寄回商品，运单号 SF1409286750")
    expect(page.get_by_test_id("return-parcel")).to_contain_text("SF1409286750")
    expect(page.get_by_test_id("return-form")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == "in_transit" and case.return_shipment.tracking_number == "SF1409286750"
    page.screenshot(path=str(SCREENSHOTS / "portal-aftersales-case.png"), full_page=True)

    # My after-sales lists it with its status.
    page.goto(f"{live_server.url}/aftersales/")
    row = page.locator(f'[data-case="{case.number}"]')
    expect(row.get_by_test_id("case-status")).to_have_text("退货运输中")
    expect(row).to_contain_text("九阳豆浆机 DJ13B")
