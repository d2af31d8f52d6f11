"""The customer's live-chat window (/chat/): who may open it, the order it is about, and what the page hands its
script (the websocket path, the image upload address, every word in the customer's language).

The window itself runs in a browser: tests/browser/test_chat_window_browser.py drives it against `kefu demo`.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from kefu.core import clock
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles")]
CONFIG = re.compile(r'<script id="chat-config" type="application/json">(.*?)</script>', re.S)
EVIL = "<script>alert(1)</script>"


def config_of(html: str) -> dict:
    match = CONFIG.search(html)
    assert match, "the page carries its script's configuration"
    return json.loads(match.group(1))


def options(html: str) -> dict[str, bool]:
    """The order picker: value -> selected."""
    picker = re.search(r'<select id="chat-order".*?</select>', html, re.S).group(0)
    return {value: bool(selected)
            for value, selected in re.findall(r'<option value="([^"]*)"( selected)?>', picker)}


class TestWhoMayOpenIt:
    def test_anonymous_is_sent_to_sign_in_and_back(self, client):
        response = client.get("/chat/?order=KF1")
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/chat/%3Forder%3DKF1"

    def test_staff_are_sent_to_their_workbench(self, client, staff_user):
        client.force_login(staff_user("aftersale_agent"))
        response = client.get("/chat/")
        assert response.status_code == 302 and response["Location"] == "/workbench/"

    def test_a_signed_in_customer_gets_the_window(self, buyer):
        response = buyer.get("/chat/")
        assert response.status_code == 200
        html = response.content.decode()
        for testid in ("chat-window", "chat-status", "chat-position", "chat-wait", "chat-messages", "chat-input",
                       "chat-send", "chat-handoff", "chat-leave-message", "chat-end", "chat-agent-name"):
            assert f'data-testid="{testid}"' in html, testid
        assert "kefu/chat_window.js" in html and "kefu/chat_window.css" in html

    def test_the_url_name(self):
        from django.urls import reverse

        assert reverse("portal:chat") == "/chat/"


class TestWhatTheScriptIsGiven:
    def test_paths_and_words(self, buyer):
        html = buyer.get("/chat/").content.decode()
        config = config_of(html)
        assert config["ws_path"] == "/ws/chat/"
        assert config["image_url"] == "/api/v1/chat/conversations/__CHAT__/images"
        assert config["image_max_bytes"] == 5 * 1024 * 1024
        assert config["links"] == {"order": "/orders/__ORDER__/", "aftersales_new": "/orders/__ORDER__/aftersales/new/",
                                   "case": "/aftersales/__CASE__/", "ticket": "/complaints/__TICKET__/"}
        assert config["slots"]["chat"] == "__CHAT__"
        # The session's CSRF token, for the image upload's X-CSRFToken header.
        assert config["csrf_token"] and buyer.cookies["csrftoken"].value
        words = config["strings"]
        assert words["handoff"] == "转人工"
        assert words["position"] == "您当前排在第 %(n)s 位"
        assert words["wait_minutes"] == "预计等待约 %(n)s 分钟"
        assert words["read"] == "已读"
        assert words["nobody_online"].startswith("该线路当前暂无客服在线")
        assert words["left_title"] == "您的留言已生成工单 %(ticket)s"
        # Every word the script shows is translated.
        untranslated = [k for k, v in words.items() if not re.search(r"[\u4e00-\u9fff]", v)]
        assert untranslated == []

    def test_the_visible_page_is_chinese(self, buyer):
        html = buyer.get("/chat/").content.decode()
        assert '<html lang="zh-hans">' in html
        for text in ("在线客服", "转人工", "自动分配", "售前咨询", "售后服务", "相关订单（可选）", "按 Enter 发送"):
            assert text in html, text

    def test_english_on_request(self, buyer):
        buyer.cookies["django_language"] = "en"
        html = buyer.get("/chat/").content.decode()
        assert '<html lang="en">' in html
        assert "Talk to a person" in html and "转人工" not in html
        words = config_of(html)["strings"]
        assert words["handoff"] == "Talk to a person"
        assert words["position"] == "You are number %(n)s in line"
        assert words["read"] == "Read"


class TestTheOrderItIsAbout:
    def test_my_recent_orders_are_offered_newest_first_and_nobody_elses(self, buyer, cust, order):
        older = f.order(cust, [(f.sku("59.90", name="维达抽纸"), 1)], status="completed",
                        placed_at=clock.now() - timedelta(days=30))
        theirs = f.order(f.customer(name="李雷"), [(f.sku("88.00", name="别人的商品"), 1)])
        html = buyer.get("/chat/").content.decode()
        offered = options(html)
        assert list(offered) == ["", order.number, older.number]
        assert not any(offered.values())
        assert "九阳豆浆机" in html and theirs.number not in html and "别人的商品" not in html
        assert config_of(html)["selected_order"] == ""

    def test_one_of_mine_is_preselected(self, buyer, order):
        html = buyer.get(f"/chat/?order={order.number}").content.decode()
        assert options(html)[order.number] is True
        assert config_of(html)["selected_order"] == order.number
        assert 'data-testid="chat-order-error"' not in html

    def test_an_old_order_of_mine_is_added_to_the_picker(self, buyer, cust, order):
        old = f.order(cust, [(f.sku("10.00", name="旧订单商品"), 1)], status="completed",
                      placed_at=clock.now() - timedelta(days=400))
        for _ in range(20):
            f.order(cust, [(f.sku("1.00"), 1)], status="completed")
        html = buyer.get(f"/chat/?order={old.number}").content.decode()
        offered = options(html)
        assert offered[old.number] is True and list(offered)[1] == old.number
        assert len(offered) == 1 + 20 + 1

    def test_someone_elses_order_is_ignored_with_a_word(self, buyer, order):
        theirs = f.order(f.customer(name="李雷"), [(f.sku("88.00", name="别人的商品"), 1)])
        html = buyer.get(f"/chat/?order={theirs.number}").content.decode()
        assert not any(options(html).values())
        assert config_of(html)["selected_order"] == ""
        assert 'data-testid="chat-order-error"' in html
        assert f"订单 {theirs.number} 不是您的订单" in html
        assert "别人的商品" not in html and "李雷" not in html

    def test_an_unknown_order_reads_the_same_and_is_escaped(self, buyer, order):
        html = buyer.get("/chat/", {"order": EVIL}).content.decode()
        assert EVIL not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert config_of(html)["selected_order"] == ""

    def test_product_names_are_escaped_in_the_picker(self, buyer, cust):
        f.order(cust, [(f.sku("9.00", name=EVIL), 1)])
        html = buyer.get("/chat/").content.decode()
        assert EVIL not in html


def test_the_order_page_and_the_navigation_lead_to_the_window(buyer, order):
    html = buyer.get(f"/orders/{order.number}/").content.decode()
    assert f'href="/chat/?order={order.number}" data-testid="chat-about-order">咨询客服</a>' in html
    assert 'data-testid="nav-chat">在线客服</a>' in html
    on_the_window = buyer.get("/chat/").content.decode()
    assert 'href="/chat/" aria-current="page" data-testid="nav-chat"' in on_the_window
