"""The agent's live-chat console in a real browser (Debian's chromium through Playwright) on the real product
(`kefu demo` in a subprocess, websockets over ASGI), with a real customer on the other side: the demo's story
customer 孙建国 (13800138000, diamond), signed in over HTTP, talking on the customer socket ws/chat/.

丁康 (aftersale_agent) opens the console and goes online. The customer asks the smart assistant first, then asks for a
person: the chat reaches the console with the assistant's exchange (marked 智能助手) and its intent label, and the
page tells the agent (a notice and a badge in the title) without moving the focus. They write to each other: typing,
messages and read receipts cross live both ways. A transfer to a line nobody serves is refused next to the dialog's
form; a ticket is opened from the chat; the agent ends it and is in after-contact work with a countdown until they say
ready.

Screenshots: var/screenshots/chat-console.png (the console with the chat open) and chat-console-ended.png (the chat
ended, after-contact work counting down).
"""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from contextlib import ExitStack

import httpx
import pytest

from tests.browser.test_journeys import CHROMIUM_ARGS
from tests.browser.test_workbench_cases_browser import SCREENSHOTS
from tests.demo_server import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CUSTOMER, PASSWORD = "13800138000", "kefu-demo-2026"  # docs/demo-data.md
AGENT = "aftersale_agent"  # 丁康: after-sale, senior (serves the diamond customers)


class CustomerSocket:
    """The customer's side: a session from the portal's sign-in, then the customer socket with its cookie."""

    def __init__(self, base: str, phone: str = CUSTOMER):
        from websockets.sync.client import connect

        self.http = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
        self.http.get("/login/")
        token = self.http.cookies["csrftoken"]
        signed_in = self.http.post("/login/", data={"username": phone, "password": PASSWORD,
                                                    "csrfmiddlewaretoken": token})
        assert signed_in.status_code == 302, signed_in.text[:500]
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(connect(base.replace("http://", "ws://") + "/ws/chat/", origin=base,
                                                   additional_headers={"Cookie": cookie}, open_timeout=10))
        self.unread: list[dict] = []  # frames received and not yet asked for, in order

    def send(self, **frame) -> None:
        self.ws.send(json.dumps(frame))

    def wait_for(self, kind: str, timeout: float = 20, test=lambda frame: True) -> dict:
        """The first frame of this type (that passes `test`) not asked for yet, waiting up to `timeout` for it."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.unread:
                if frame["type"] == kind and test(frame):
                    self.unread.remove(frame)
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} frame in {timeout} s; have {[f['type'] for f in self.unread]}")
            try:
                self.unread.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                continue

    def wait_for_message(self, sender: str, timeout: float = 20) -> dict:
        return self.wait_for("message", timeout, lambda f: f["message"]["sender"] == sender)["message"]

    def close(self) -> None:
        self.stack.close()
        self.http.close()


def tiny_png() -> bytes:
    """A real 2 × 2 PNG (the server checks an image by its bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xe1\x25\x1b" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def second_customer(server) -> tuple[str, str]:
    """Another demo customer, given the demo password (only the story customer has a known one)."""
    out = server.kefu("shell", "--no-imports", "-c", (
        "from kefu.commerce.models import Customer\n"
        "c = Customer.objects.exclude(phone='13800138000').order_by('pk').first()\n"
        "c.user.set_password('kefu-demo-2026'); c.user.save()\n"
        "print(c.phone, c.name)"))
    phone, name = out.split()
    return phone, name


def sign_in_to_console(page, base: str, username: str = AGENT) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/workbench/login/?next=/workbench/chat/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/workbench/chat/")
    expect(page.get_by_test_id("console-status")).to_have_attribute("data-state", "connected")


def test_an_agent_serves_a_chat_in_the_console(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with demo_server(tmp_path) as server, sync_playwright() as p:
        base = server.base
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # 丁康 signs in and opens the console: connected, logged out of the queue.
        sign_in_to_console(page, base)
        expect(page.get_by_test_id("console-status")).to_have_text("已连接")
        expect(page.get_by_test_id("presence-state")).to_have_attribute("data-state", "offline")
        expect(page.get_by_test_id("no-chats")).to_be_visible()

        # Online: the state, the load and the after-sale line (his skill; not the pre-sale one).
        page.get_by_test_id("presence-available").click()
        expect(page.get_by_test_id("presence-state")).to_have_attribute("data-state", "available")
        expect(page.get_by_test_id("presence-state")).to_have_text("在线")
        expect(page.get_by_test_id("presence-available")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("presence-load")).to_contain_text("0 /")
        queue = page.get_by_test_id("queue-panel").locator('[data-testid="queue"][data-queue="aftersale"]')
        expect(queue).to_contain_text("售后队列")
        expect(page.get_by_test_id("queue-panel").locator('[data-queue="presale"]')).to_have_count(0)
        # (the line's summary goes out at most once a second, and again with the routing duty every 5 s)
        expect(queue.locator('[data-cell="serving-agents"]')).to_have_text("1", timeout=15_000)

        # The customer asks the assistant, then asks for a person: no skill named, the intent picks the line.
        customer = CustomerSocket(base)
        try:
            customer.wait_for("hello")
            customer.send(type="ask", body="我的奶粉七天了还没到，物流一直不动", client_id="ask-1")
            answer = customer.wait_for("assistant", timeout=90)
            intent = answer["exchange"]["intent"]
            focused = page.evaluate("document.activeElement.dataset.testid")  # the button he pressed
            customer.send(type="start")
            started = customer.wait_for("started")
            number = started["conversation"]["number"]
            customer.wait_for("assigned")

            # The chat arrives: in the list, as a notice, in the title; the focus has not moved.
            item = page.locator(f'[data-testid="chat-item"][data-conversation="{number}"]')
            expect(item).to_be_visible()
            expect(item).to_contain_text("孙建国")
            expect(item.locator(".tier--diamond")).to_be_visible()
            notice = page.locator('[data-testid="notice"]').filter(has_text="新会话")
            expect(notice).to_contain_text("孙建国")
            expect(page).to_have_title(re.compile(r"^\(\d+\) "))
            assert page.evaluate("document.activeElement.dataset.testid") == focused == "presence-available"

            # The open chat: the customer, the intent label, the assistant's answer marked as such.
            who = page.get_by_test_id("customer-link")
            expect(who).to_have_text("孙建国")
            expect(who).to_have_attribute("href", re.compile(r"^/workbench/customers/\d+/$"))
            if intent:
                expect(page.get_by_test_id("intent")).to_have_attribute("data-intent", intent)
                expect(page.get_by_test_id("intent")).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
            transcript = page.get_by_test_id("transcript")
            expect(transcript.locator('[data-sender="customer"]').first).to_contain_text("物流一直不动")
            expect(transcript.locator('[data-sender="assistant"] [data-testid="assistant-label"]').first) \
                .to_have_text("智能助手")

            # The customer types, then writes: both show at once.
            customer.send(type="typing")
            expect(page.get_by_test_id("typing-indicator")).to_have_text("顾客正在输入…")
            customer.send(type="message", body="订单号我发给你，麻烦尽快帮我查一下", client_id="c-1")
            expect(transcript.locator('[data-sender="customer"]').last).to_contain_text("麻烦尽快帮我查一下")
            expect(page.get_by_test_id("typing-indicator")).to_have_text("")
            # The open chat is read as it comes: the customer's window learns it.
            read = customer.wait_for("read", test=lambda f: f["reader"] == "agent")
            assert read["conversation"] == number and read["up_to"] >= 1

            # A canned reply (the ticket team's, reused) comes filled in with the customer's name.
            canned = page.get_by_test_id("canned-select")
            canned.select_option(label="首次回复·致歉受理")
            expect(page.get_by_test_id("reply-input")).to_have_value(re.compile(r"^孙建国您好，我是客服丁康"))
            page.get_by_test_id("reply-input").fill("")

            # The agent answers: Shift+Enter is a new line, Enter sends; the customer gets it with its client_id.
            reply = page.get_by_test_id("reply-input")
            reply.click()
            reply.press_sequentially("您好，我是丁康。", delay=10)
            reply.press("Shift+Enter")
            reply.press_sequentially("我马上为您联系快递核实。", delay=10)
            customer_typing = customer.wait_for("typing", timeout=10)
            assert customer_typing["from"] == "agent"
            reply.press("Enter")
            expect(reply).to_have_value("")
            mine = transcript.locator('[data-sender="agent"]').last
            expect(mine).to_contain_text("我马上为您联系快递核实")
            expect(mine).to_have_attribute("data-status", "sent")
            got = customer.wait_for_message("agent")
            assert got["body"] == "您好，我是丁康。\n我马上为您联系快递核实。"
            assert got["client_id"].startswith("cc-")
            expect(mine).to_have_attribute("data-message-id", str(got["id"]))

            # The customer reads it: 已读 under the agent's message.
            customer.send(type="read", up_to=got["id"])
            expect(mine.get_by_test_id("message-status")).to_have_text("已读")
            page.screenshot(path=str(SCREENSHOTS / "chat-console.png"), full_page=True)

            # An image goes up over HTTP and shows in both windows.
            page.get_by_test_id("image-input").set_input_files(
                files=[{"name": "parcel.png", "mimeType": "image/png", "buffer": tiny_png()}])
            picture = transcript.locator('[data-sender="agent"] img').last
            expect(picture).to_have_attribute("src", re.compile(r"^/api/v1/chat/images/\d+$"))
            page.wait_for_function("img => img.complete && img.naturalWidth === 2", arg=picture.element_handle())
            sent = customer.wait_for_message("agent")
            assert sent["image_url"] == picture.get_attribute("src")

            # A transfer to the pre-sale line, which nobody serves now, is refused next to the form.
            page.get_by_test_id("transfer").click()
            dialog = page.get_by_test_id("transfer-dialog")
            expect(dialog).to_be_visible()
            dialog.get_by_label("转给").select_option("skill:presale")
            dialog.get_by_label("给同事的备注（选填）").fill("顾客想顺便咨询新品")
            page.get_by_test_id("transfer-confirm").click()
            expect(page.get_by_test_id("transfer-error")).to_have_text("该队列当前无人接待，请改为建工单。")
            dialog.get_by_role("button", name="取消").click()
            expect(dialog).to_be_hidden()
            expect(item).to_be_visible()  # still ours

            # A ticket from the chat: linked from the chat's head.
            page.get_by_test_id("open-ticket").click()
            page.get_by_test_id("ticket-subject").fill("奶粉七天未送达，催快递")
            page.get_by_test_id("ticket-confirm").click()
            ticket_link = page.get_by_test_id("ticket-link")
            expect(ticket_link).to_be_visible()
            assert re.fullmatch(r"/workbench/tickets/[^/]+/", ticket_link.get_attribute("href"))
            expect(page.get_by_test_id("open-ticket")).to_be_disabled()
            customer.wait_for("ticket")

            # The agent ends the chat: it stays in the list as ended; he is in after-contact work, then ready.
            page.get_by_test_id("end-chat").click()
            page.get_by_test_id("end-reason").fill("已建工单跟进")
            page.get_by_test_id("end-confirm").click()
            ended = customer.wait_for("ended")
            assert ended["by"] == "agent" and ended["reason"] == "已建工单跟进"
            expect(item).to_have_attribute("data-status", "ended")
            expect(page.get_by_test_id("chat-ended-note")).to_be_visible()
            expect(page.get_by_test_id("reply-input")).to_be_disabled()
            expect(page.get_by_test_id("presence-state")).to_have_attribute("data-state", "acw")
            acw = page.get_by_test_id("acw")
            expect(acw).to_be_visible()
            expect(page.get_by_test_id("acw-countdown")).to_contain_text("话后整理")
            left = int(page.get_by_test_id("acw-countdown").get_attribute("data-seconds"))
            assert 0 < left <= 30
            page.screenshot(path=str(SCREENSHOTS / "chat-console-ended.png"), full_page=True)
            page.get_by_test_id("acw-ready").click()
            expect(page.get_by_test_id("presence-state")).to_have_attribute("data-state", "available")
            expect(acw).to_be_hidden()

            # Closing the ended chat empties the list; the title badge has gone.
            page.get_by_test_id("close-chat").click()
            expect(item).to_have_count(0)
            expect(page.get_by_test_id("no-chat-open")).to_be_visible()
            expect(page).not_to_have_title(re.compile(r"^\("))
        finally:
            customer.close()
        assert errors == []
        browser.close()


def test_reconnect_transfer_and_the_supervisors_view(tmp_path):
    """The socket drops: the page says so, reconnects by itself with back-off, and the fresh hello brings the chat that
    arrived meanwhile (the page's socket runs through Playwright's websocket route, so the test can cut it). Then
    丁康 passes the chat to 周晓梅 (presale_agent), who is online: it leaves his console and lands in hers with his
    note. The supervisor 李绪勇 sees every line and both agents."""
    from playwright.sync_api import expect, sync_playwright

    with demo_server(tmp_path) as server, sync_playwright() as p:
        base = server.base
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        def console_of(username: str):
            context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            context.set_default_timeout(20_000)
            return context.new_page()

        page = console_of(AGENT)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sockets = []

        def through(route):
            sockets.append((route, route.connect_to_server()))

        page.route_web_socket(re.compile(r"/ws/agent/chat/$"), through)
        sign_in_to_console(page, base)
        status = page.get_by_test_id("console-status")
        page.get_by_test_id("presence-available").click()
        expect(page.get_by_test_id("presence-state")).to_have_attribute("data-state", "available")
        assert len(sockets) == 1

        # The connection drops; a customer asks for an agent meanwhile (the reconnect grace keeps 丁康 online).
        page_side, server_side = sockets[0]
        server_side.close()
        page_side.close(code=1001, reason="gone")
        expect(status).to_have_attribute("data-state", "reconnecting")
        expect(status).to_contain_text("重连")
        customer = CustomerSocket(base)
        try:
            customer.wait_for("hello")
            customer.send(type="start", skill="aftersale", body="请问我的订单什么时候发货？")
            number = customer.wait_for("started")["conversation"]["number"]
            expect(status).to_have_attribute("data-state", "connected", timeout=15_000)
            assert len(sockets) == 2
            item = page.locator(f'[data-testid="chat-item"][data-conversation="{number}"]')
            expect(item).to_be_visible()
            expect(page.get_by_test_id("transcript")).to_contain_text("什么时候发货")

            # A second customer writes while the first chat is open: it waits in the list, unread, and the title says
            # so; opening it reads it.
            phone, name = second_customer(server)
            other = CustomerSocket(base, phone)
            try:
                other.wait_for("hello")
                other.send(type="start", skill="aftersale", body="发票怎么开？")
                second = other.wait_for("started")["conversation"]["number"]
                other.wait_for("assigned")
                other.send(type="message", body="要开增值税专用发票", client_id="b-1")
                row = page.locator(f'[data-testid="chat-item"][data-conversation="{second}"]')
                expect(row).to_contain_text(name)
                expect(row.get_by_test_id("unread-count")).to_contain_text("2")
                expect(page).to_have_title(re.compile(r"^\(3\) "))  # two unread and a new chat
                expect(page.get_by_test_id("transcript")).to_have_attribute("data-conversation", number)
                row.click()
                expect(page.get_by_test_id("transcript")).to_contain_text("要开增值税专用发票")
                expect(row.get_by_test_id("unread-count")).to_have_count(0)
                expect(page).not_to_have_title(re.compile(r"^\("))
                assert other.wait_for("read", test=lambda f: f["reader"] == "agent")["conversation"] == second
                page.keyboard.press("Alt+ArrowUp")  # back to the first chat from the keyboard
                expect(page.get_by_test_id("transcript")).to_have_attribute("data-conversation", number)
            finally:
                other.close()

            # 周晓梅 comes online; the supervisor's console lists every line and both agents.
            colleague = console_of("presale_agent")
            sign_in_to_console(colleague, base, "presale_agent")
            colleague.get_by_test_id("presence-available").click()
            expect(colleague.get_by_test_id("presence-state")).to_have_attribute("data-state", "available")
            boss = console_of("supervisor")
            sign_in_to_console(boss, base, "supervisor")
            for line in ("presale", "aftersale"):
                expect(boss.locator(f'[data-testid="queue"][data-queue="{line}"]')).to_be_visible()
            expect(boss.get_by_test_id("agents-panel")).to_be_visible()
            rows = boss.get_by_test_id("agent-row")
            expect(rows.filter(has_text="丁康")).to_have_attribute("data-state", "available")
            expect(rows.filter(has_text="周晓梅")).to_have_attribute("data-state", "available")

            # 丁康 transfers the chat to her with a note.
            page.get_by_test_id("transfer").click()
            target = page.get_by_test_id("transfer-target")
            option = target.locator("option", has_text="周晓梅")
            expect(option).to_have_count(1)
            expect(option).to_be_enabled()  # online with room
            target.select_option(option.get_attribute("value"))
            page.get_by_test_id("transfer-note").fill("顾客想了解新品，请接待")
            page.get_by_test_id("transfer-confirm").click()
            expect(page.get_by_test_id("transfer-dialog")).to_be_hidden()
            expect(item).to_have_count(0)
            expect(page.locator('[data-testid="notice"]').filter(has_text="周晓梅")).to_be_visible()

            theirs = colleague.locator(f'[data-testid="chat-item"][data-conversation="{number}"]')
            expect(theirs).to_be_visible()
            expect(colleague.locator('[data-testid="notice"]').filter(has_text="同事转来会话")) \
                .to_contain_text("顾客想了解新品，请接待")
            expect(colleague.get_by_test_id("transcript")).to_contain_text("什么时候发货")
            transferred = customer.wait_for("transferred")
            assert transferred["to"] == "agent" and transferred["conversation"]["agent"]["name"] == "周晓梅"
        finally:
            customer.close()
        assert errors == []
        browser.close()
