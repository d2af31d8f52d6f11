"""Two journeys in a real browser (Debian's chromium through Playwright) against the live server.

1. A customer signs in on the portal, sees the order list, opens an order, reads the tracking
   timeline in Chinese.
2. An after-sale agent signs in to the workbench, finds the customer by phone (htmx live search),
   opens the customer 360 and sees the order.

Screenshots for the README: var/screenshots/portal-order.png and var/screenshots/workbench-360.png.
pytest-django's live server speaks WSGI only, so the page's websocket cannot connect here and kefu.js gives
up quietly; test_live_timeline_in_browser.py drives the live update against the real ASGI server.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kefu.commerce.services.customers import recompute_tier
from kefu.core import clock
from tests import factories as f
from tests.portal.builders import address, shipped_order

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PASSWORD = "kefu-pass-123"


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def shop(transactional_db, roles):
    """A customer with a parcel on its way (a realistic timeline), an older completed order, an unpaid one."""
    now = clock.now()
    cust = f.customer(name="王芳", phone="13912345678", email="wangfang@example.com")
    address(cust, detail="上地十街10号 辉煌国际2号楼 1203")
    jiuyang = f.seller(kind="third_party", name="九阳官方旗舰店")
    supermarket = f.seller(kind="self_operated", name="京东超市")
    delivered = f.order(cust, [(f.sku("129.00", name="九阳豆浆机 DJ13B", seller_obj=jiuyang), 1)],
                        status="completed", placed_at=now - timedelta(days=40))
    on_the_way, shipment = shipped_order(cust, placed_at=now - timedelta(hours=30), events=[
        (1, "北京亦庄分拣中心", "picked_up", "", "京东快递已揽收"),
        (6, "北京亦庄分拣中心", "in_transit", "", "包裹已从分拣中心发出，正在发往北京海淀转运中心"),
        (14, "北京海淀转运中心", "in_transit", "", "包裹已到达转运中心"),
        (22, "海淀上地营业部", "arrived_station", "", "包裹已到达上地营业部，准备配送"),
        (27, "海淀上地营业部", "out_for_delivery", "", "配送员【李师傅】正在为您派送，电话 138****0001"),
    ])
    unpaid = f.order(cust, [(f.sku("59.90", name="维达抽纸 3层120抽×24包", seller_obj=supermarket), 2)],
                     placed_at=now - timedelta(minutes=20))
    recompute_tier(cust)
    return {"customer": cust, "order": on_the_way, "shipment": shipment, "delivered": delivered,
            "unpaid": unpaid}


def test_customer_signs_in_and_follows_the_parcel(live_server, shop, browser_page):
    page = browser_page
    order = shop["order"]
    page.goto(f"{live_server.url}/orders/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.get_by_label("手机号").fill("139 1234 5678")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().startswith("手机号或密码不正确")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/orders/")
    assert page.get_by_role("heading", name="我的订单").is_visible()
    cards = page.locator("article.order-card")
    assert cards.count() == 3
    assert cards.first.get_attribute("data-order") == shop["unpaid"].number  # newest first
    assert page.locator(f'[data-order="{order.number}"]').get_by_text("¥3,205.00").is_visible()

    page.locator(f'[data-order="{order.number}"]').get_by_role("link", name="订单详情").click()
    page.wait_for_url(f"{live_server.url}/orders/{order.number}/")
    timeline = page.locator("#timeline")
    items = timeline.locator("li.timeline__item")
    assert items.count() == 5
    assert "派送中" in items.first.inner_text() and "正在为您派送" in items.first.inner_text()
    assert "已揽收" in items.last.inner_text()
    assert "应时配送" in timeline.inner_text() and "配送超时" not in timeline.inner_text()
    assert "139****5678" in page.locator("main").inner_text()

    # htmx refresh of the timeline partial (what the websocket triggers) keeps the entries.
    page.get_by_role("button", name="刷新").click()
    page.wait_for_load_state("networkidle")
    assert timeline.locator("li.timeline__item").count() == 5
    page.screenshot(path=str(SCREENSHOTS / "portal-order.png"), full_page=True)

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/login/")


def test_after_sale_agent_finds_the_customer_by_phone(live_server, shop, staff_user, browser_page):
    page = browser_page
    order = shop["order"]
    agent = staff_user("aftersale_agent", username="liu.yang")
    agent.first_name = "刘洋"
    agent.save()
    page.goto(f"{live_server.url}/workbench/login/")
    page.get_by_label("用户名").fill("liu.yang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/workbench/")
    assert "售后客服" in page.locator("header.topbar").inner_text()

    page.get_by_role("searchbox").press_sequentially("139-1234-5678", delay=30)  # htmx: keyup, 300 ms
    result = page.locator("#results").get_by_role("link", name="王芳")
    result.wait_for()
    assert "13912345678" in page.locator("#results").inner_text()  # after-sale agents see the full number
    result.click()
    page.wait_for_url(f"{live_server.url}/workbench/customers/{shop['customer'].pk}/")
    row = page.locator(f'tr[data-order="{order.number}"]')
    assert row.is_visible() and "派送中" in row.inner_text() and "¥3,205.00" in row.inner_text()
    assert "上地十街10号" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "workbench-360.png"), full_page=True)

    row.get_by_role("link", name=order.number).click()
    page.wait_for_url(f"{live_server.url}/workbench/orders/{order.number}/")
    assert page.get_by_role("heading", name="状态变更记录").is_visible()
    assert page.locator("#timeline li.timeline__item").count() == 5
