"""The tracking timeline updates itself in a real browser when the carrier reports something new.

The whole chain runs in the real product (`kefu demo` over ASGI, as a user starts it): a shop's sync API
call appends a tracking event → the outbox event is dispatched → the channel layer reaches the order
page's websocket → the page refetches its timeline with htmx. No reload.
"""

from __future__ import annotations

import httpx
import pytest

from tests.browser.test_journeys import CHROMIUM_ARGS
from tests.demo_server import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CUSTOMER, PASSWORD = "13800138000", "kefu-demo-2026"  # the demo's story customer (docs/demo-data.md)


def order_payload() -> dict:
    return {
        "number": "E2E-LIVE-1", "status": "shipped", "payment_method": "online",
        "placed_at": "2026-11-20T10:00:00+08:00", "paid_at": "2026-11-20T10:01:00+08:00",
        "shipped_at": "2026-11-20T15:00:00+08:00",
        "customer": {"phone": CUSTOMER, "name": "孙建国"},
        "seller": {"code": "haiwai_baby", "name": "海外母婴专营店", "kind": "third_party"},
        "recipient_name": "孙建国", "recipient_phone": CUSTOMER, "shipping_address": "江苏省宿迁市宿城区洪泽湖东路88号",
        "goods_amount": "0.00", "payable_amount": "0.00",
        "lines": [],
        "shipments": [{"carrier": {"code": "zto", "name": "中通快递"}, "tracking_number": "ZT-E2E-0001",
                       "shipped_at": "2026-11-20T15:00:00+08:00",
                       "events": [{"occurred_at": "2026-11-20T16:00:00+08:00", "place": "上海浦东分拨中心",
                                   "code": "picked_up"}]}],
    }


def with_line(payload: dict, sku: str, price: str) -> dict:
    payload["lines"] = [{"sku": sku, "quantity": 1, "unit_price": price, "paid_amount": price}]
    payload["goods_amount"] = payload["payable_amount"] = price
    payload["payments"] = [{"channel": "alipay", "amount": price, "paid_at": payload["paid_at"],
                            "transaction_id": "E2E-PAY-1"}]
    return payload


def test_a_new_tracking_event_appears_on_the_open_order_page(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with demo_server(tmp_path) as server:
        token = server.kefu("create_integration", "e2e-shop").strip()
        sku, price = server.kefu("shell", "--no-imports", "-c",
                                 "from kefu.commerce.models import Sku; s = Sku.objects.get(code='MP-APTAMIL-S2'); "
                                 "print(s.code, s.price)").split()
        shop = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        created = shop.put("/api/v1/sync/orders/e2e-live-1", json=with_line(order_payload(), sku, price))
        assert created.status_code == 201, created.text

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(15_000)
            page.goto(f"{server.base}/login/")
            page.get_by_label("手机号").fill(CUSTOMER)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{server.base}/orders/")
            page.goto(f"{server.base}/orders/E2E-LIVE-1/")
            timeline = page.locator("#timeline")
            expect(timeline).to_contain_text("上海浦东分拨中心")
            expect(timeline).to_have_attribute("data-live", "connected")

            appended = shop.post("/api/v1/sync/shipments/zto/ZT-E2E-0001/events", json=[
                {"occurred_at": "2026-11-21T09:30:00+08:00", "place": "宿迁宿城营业部", "code": "out_for_delivery",
                 "description": "快递员正在派送，请保持电话畅通"}])
            assert appended.status_code == 200, appended.text
            # No reload: the websocket tells the page, htmx swaps in the new timeline.
            expect(timeline).to_contain_text("宿迁宿城营业部", timeout=10_000)
            expect(timeline).to_contain_text("派送中")
            browser.close()
