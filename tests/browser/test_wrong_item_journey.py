"""Issue 3's journey in one real browser session per person (Debian's chromium through Playwright): a wrong
item, from the customer's application in the portal, through the agent's approval, the return parcel, the
warehouse's scan and inspection, to the refund reaching the payment side and the customer seeing it paid.

Every step is a click in the page of the person who takes it; nothing is done through a service behind the
browser's back. The payment side is the simulated gateway (KEFU_PAYMENT_GATEWAY's default), answering through
the outbox exactly as a real one answers through the payments API.
"""

from __future__ import annotations

import pytest

from kefu.aftersales.models import AfterSalesCase, Refund
from tests.aftersales.builders import media_root  # noqa: F401  (the delivered fixture uses it)
from tests.browser.test_case_portal_browser import delivered, png  # noqa: F401
from tests.browser.test_journeys import PASSWORD, SCREENSHOTS
from tests.browser.test_workbench_cases_browser import browser, new_page, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_wrong_item_from_the_portal_through_the_warehouse_to_the_refund(live_server, delivered, staff_user,  # noqa: F811
                                                                       browser):  # noqa: F811
    from playwright.sync_api import expect

    base, order = live_server.url, delivered
    staff_user("aftersale_agent", "liu.yang")
    staff_user("warehouse", "wh.li")

    # The customer applies from her order page, with a photo; the advice beside the form says what she gets.
    buyer = new_page(browser)
    buyer.goto(f"{base}/login/?next=/orders/{order.number}/")
    buyer.get_by_label("手机号").fill("13912345678")
    buyer.get_by_label("密码").fill(PASSWORD)
    buyer.get_by_role("button", name="登录").click()
    buyer.wait_for_url(f"{base}/orders/{order.number}/")
    buyer.get_by_test_id("apply-aftersales").click()
    buyer.get_by_test_id("reason").select_option("wrong_item")
    buyer.get_by_test_id("photos").set_input_files(
        files=[{"name": "wrong-model.png", "mimeType": "image/png", "buffer": png()}])
    buyer.get_by_test_id("return_postage").fill("12")
    buyer.get_by_test_id("description").fill("订的是 DJ13B，收到的是 DJ12B。")
    expect(buyer.get_by_test_id("advice").get_by_test_id("refund-total")).to_contain_text("¥149.00")
    buyer.get_by_test_id("submit").click()
    buyer.wait_for_url(f"{base}/aftersales/AS*/")
    case = AfterSalesCase.objects.get()
    expect(buyer.get_by_test_id("case-status")).to_have_text("已申请")

    # The agent finds it in the queue and approves it.
    agent = new_page(browser)
    sign_in(agent, base, "liu.yang")
    agent.goto(f"{base}/workbench/cases/")
    agent.locator(f'tr[data-case="{case.number}"]').get_by_role("link", name=case.number).click()
    agent.get_by_test_id("approve").click()
    expect(agent.get_by_test_id("case-status")).to_have_text("等待买家寄回")

    # The customer sends it back and types the tracking number in.
    buyer.reload()
    form = buyer.get_by_test_id("return-form")
    form.get_by_test_id("carrier").select_option(label="顺丰速运")
    form.get_by_test_id("tracking_number").fill("SF1409286750")
    form.get_by_test_id("return-submit").click()
    expect(buyer.get_by_test_id("case-status")).to_have_text("退货运输中")

    # The warehouse scans the parcel and inspects it: it was the wrong model, the return is accepted.
    desk = new_page(browser)
    sign_in(desk, base, "wh.li")
    desk.wait_for_url(f"{base}/workbench/warehouse/")
    scan = desk.get_by_label("扫描退货包裹")
    scan.press_sequentially("SF1409286750", delay=10)
    scan.press("Enter")
    desk.wait_for_url(f"{base}/workbench/warehouse/{case.number}/")
    inspection = desk.get_by_test_id("inspection-form")
    inspection.locator('select[name="condition_found"]').select_option("intact")
    inspection.locator('input[name="resellable"][value="yes"]').check()
    inspection.locator('input[name="wrong_item_confirmed"][value="yes"]').check()
    inspection.locator('input[name="outcome"][value="accepted"]').check()
    desk.get_by_test_id("record-inspection").click()
    expect(desk.get_by_test_id("case-status")).to_have_text("质检通过")

    # The agent issues the refund; the payment side answers through the outbox and the case closes itself.
    agent.reload()
    agent.get_by_test_id("issue-refund").click()
    expect(agent.locator(".messages")).to_contain_text("¥149.00")
    case.refresh_from_db()
    refunds = list(Refund.objects.filter(case=case).order_by("id"))
    assert sum(r.amount for r in refunds) == order.payable_amount + 12  # goods, shipping, the postage back
    assert {r.status for r in refunds} == {"confirmed"} and case.status == "closed"

    # The customer sees her money arrived and the case finished.
    buyer.reload()
    expect(buyer.get_by_test_id("case-status")).to_have_text("已关闭")
    paid = buyer.get_by_test_id("refunds").locator("li")
    expect(paid).to_have_count(3)
    for i in range(3):
        expect(paid.nth(i)).to_contain_text("已到账")
    buyer.screenshot(path=str(SCREENSHOTS / "wrong-item-journey-refunded.png"), full_page=True)
