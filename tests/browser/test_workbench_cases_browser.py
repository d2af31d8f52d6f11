"""A wrong-item return worked end to end by staff in a real browser (Debian's chromium through Playwright):

1. the after-sale agent finds the case in the queue, with the policy's advice beside it, and approves it;
2. the customer sends the parcel back (the service call the portal makes);
3. the warehouse signs in, lands on its desk, scans the tracking number like a barcode scanner (typing, then
   Enter), and records the inspection: the wrong item is confirmed, the return accepted;
4. the agent issues the refund and sees it in the order's ledger.

Screenshots: var/screenshots/workbench-cases.png, warehouse-desk.png, warehouse-inspection.png and
workbench-case-refunded.png.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kefu.aftersales.models import AfterSalesCase, Refund
from kefu.aftersales.services import cases
from kefu.aftersales.services.policy_bridge import AskedLine
from tests import factories as f
from tests.aftersales.builders import photo, signed_order
from tests.browser.test_journeys import CHROMIUM_ARGS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TRACKING = "SF1234567890"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser):
    """A page in its own browser context: each member of staff has their own session."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def wrong_item(transactional_db, roles, settings, tmp_path):
    """A customer who received the wrong laptop colour and asked for a return with a photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    order = signed_order()
    line = order.lines.get()
    case = cases.open_case(order, "return", "wrong_item", [AskedLine(line, 1)], [photo()],
                           description="收到的是黑色款，我下单的是银色款", return_postage=Decimal("12.00"))
    return case


def sign_in(page, base, username):
    page.goto(f"{base}/workbench/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_wrong_item_return_from_approval_to_refund(live_server, wrong_item, staff_user, browser):
    base = live_server.url
    case = wrong_item
    agent_user = staff_user("aftersale_agent", "liu.yang")
    agent_user.first_name = "刘洋"
    agent_user.save()
    staff_user("warehouse", "wh.li")

    # 1. The agent works the queue.
    agent = new_page(browser)
    sign_in(agent, base, "liu.yang")
    agent.wait_for_url(f"{base}/workbench/")
    agent.goto(f"{base}/workbench/cases/")
    row = agent.locator(f'tr[data-case="{case.number}"]')
    row.wait_for()
    for text in ("退货退款", "¥3,321.00", "寄回运费：商家", "发错商品由卖家负责", "已申请"):
        assert text in row.inner_text(), text
    agent.screenshot(path=str(SCREENSHOTS / "workbench-cases.png"), full_page=True)
    row.get_by_role("link", name=case.number).click()
    agent.wait_for_url(f"{base}/workbench/cases/{case.number}/")
    photo_src = agent.locator(".evidence img").get_attribute("src")
    assert photo_src.startswith(f"/workbench/cases/{case.number}/evidence/")  # staff-only, never /media/
    agent.get_by_test_id("approve").click()
    agent.wait_for_url(f"{base}/workbench/cases/{case.number}/")
    assert "已通过：等待买家寄回商品" in agent.locator(".messages").inner_text()
    assert agent.get_by_test_id("case-status").inner_text() == "等待买家寄回"
    assert agent.get_by_test_id("approve").count() == 0

    # 2. The customer sends the item back.
    cases.add_return_tracking(AfterSalesCase.objects.get(pk=case.pk), carrier=f.carrier(), tracking_number=TRACKING)

    # 3. The warehouse scans it in and inspects it.
    desk = new_page(browser)
    sign_in(desk, base, "wh.li")
    desk.wait_for_url(f"{base}/workbench/warehouse/")
    assert TRACKING in desk.get_by_test_id("in-transit").inner_text()
    desk.screenshot(path=str(SCREENSHOTS / "warehouse-desk.png"), full_page=True)
    scan_box = desk.get_by_label("扫描退货包裹")
    assert scan_box.evaluate("el => el === document.activeElement")  # autofocus: the scanner types at once
    scan_box.press_sequentially(TRACKING.lower(), delay=15)
    scan_box.press("Enter")
    desk.wait_for_url(f"{base}/workbench/warehouse/{case.number}/")
    assert "100分钟计时开始" in desk.locator(".messages").inner_text()
    assert re.search(r"剩 (99|100) 分钟", desk.get_by_test_id("clock").inner_text())
    assert "收到的是黑色款" in desk.locator("main").inner_text()
    form = desk.get_by_test_id("inspection-form")
    form.locator('select[name="condition_found"]').select_option("intact")
    form.locator('input[name="resellable"][value="yes"]').check()
    form.locator('input[name="wrong_item_confirmed"][value="yes"]').check()
    form.locator('input[name="outcome"][value="accepted"]').check()
    desk.screenshot(path=str(SCREENSHOTS / "warehouse-inspection.png"), full_page=True)
    desk.get_by_test_id("record-inspection").click()
    desk.wait_for_url(f"{base}/workbench/warehouse/{case.number}/")
    assert "在100分钟内完成" in desk.locator(".messages").inner_text()
    assert desk.get_by_test_id("case-status").inner_text() == "质检通过"
    assert "按时" in desk.get_by_test_id("clock").inner_text()

    # 4. The agent issues the refund and sees it in the ledger.
    agent.reload()
    owed = agent.get_by_test_id("owed").inner_text()
    assert "¥3,299.00" in owed and "¥10.00" in owed and "¥12.00" in owed and "¥3,321.00" in owed
    agent.get_by_test_id("issue-refund").click()
    agent.wait_for_url(f"{base}/workbench/cases/{case.number}/")
    assert "已向支付方发起退款 ¥3,321.00。" in agent.locator(".messages").inner_text()
    ledger = agent.get_by_test_id("refund-ledger")
    assert ledger.locator("tbody tr").count() == 3
    text = ledger.inner_text()
    for expected in ("商品款", "¥3,299.00", "订单运费", "¥10.00", "报销寄回运费", "¥12.00", "原路退回"):
        assert expected in text, expected
    assert agent.get_by_test_id("issue-refund").count() == 0
    agent.screenshot(path=str(SCREENSHOTS / "workbench-case-refunded.png"), full_page=True)
    assert sum(r.amount for r in Refund.objects.filter(case=case)) == Decimal("3321.00")
