"""The customer's live-chat window in a real browser against the real product (`kefu demo` over ASGI).

1. Nobody serves the line: the assistant answers first; the customer asks for a person, is told at once that
   nobody is online (never a silent line [seed 003]), leaves a message and gets its ticket number and link.
2. An agent is online (丁康, aftersale_agent, logged in to the queue through the agent HTTP API, his console kept
   alive by a pinging socket): served at once, messages both ways, typing both ways, read receipts both ways, an
   image, a dropped socket that catches up, ending with confirmation; then waiting in the line with a visible
   place and expected wait (he is wrapping up) until he is ready and answers. On a phone-width screen.
"""

from __future__ import annotations

import json
import re
import struct
import zlib

import pytest

from tests.browser.test_journeys import CHROMIUM_ARGS
from tests.demo_server import demo_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CUSTOMER, PASSWORD = "13800138000", "kefu-demo-2026"  # the demo's story customer, diamond (docs/demo-data.md)
AGENT = "aftersale_agent"  # 丁康, the senior after-sale agent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("chat-demo")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def customer_page(browser, base: str, **viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("手机号").fill(CUSTOMER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/orders/")
    page.goto(f"{base}/chat/")
    from playwright.sync_api import expect

    expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "connected")
    return page


class Agent:
    """An agent in a browser of their own: signed in on the workbench, a console socket that pings (the silence
    rule logs out a console quiet for 45 s) and records what it hears, and the agent HTTP API."""

    def __init__(self, browser, base: str, username: str):
        self.base = base
        self.context = browser.new_context(locale="zh-CN")
        self.page = self.context.new_page()
        self.page.goto(f"{base}/workbench/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{base}/workbench/")
        self.csrf = next(c["value"] for c in self.context.cookies() if c["name"] == "csrftoken")
        self.page.evaluate("""() => {
            window.agentFrames = [];
            const ws = new WebSocket(`ws://${location.host}/ws/agent/chat/`);
            window.agentSocket = ws;
            ws.onmessage = (e) => window.agentFrames.push(JSON.parse(e.data));
            ws.onopen = () => setInterval(() => ws.send(JSON.stringify({type: "ping"})), 10000);
        }""")
        self.page.wait_for_function("window.agentFrames.some(f => f.type === 'hello')")

    def post(self, path: str, body: dict) -> dict:
        response = self.context.request.post(f"{self.base}/api/v1/agent/chat{path}", data=json.dumps(body),
                                             headers={"X-CSRFToken": self.csrf, "Content-Type": "application/json"})
        assert response.ok, response.text()
        return response.json()

    def chat(self, number: str) -> dict:
        response = self.context.request.get(f"{self.base}/api/v1/agent/chat/conversations/{number}")
        assert response.ok, response.text()
        return response.json()

    def presence(self, state: str) -> dict:
        return self.post("/presence", {"state": state})

    def typing(self, number: str) -> None:
        self.page.evaluate("(n) => window.agentSocket.send(JSON.stringify({type: 'typing', conversation: n}))",
                           number)

    def wait_until_heard(self, kind: str, number: str) -> None:
        self.page.wait_for_function(
            "([t, n]) => window.agentFrames.some(f => f.type === t && f.conversation === n)", arg=[kind, number],
            timeout=10_000)

    def close(self) -> None:
        self.context.close()


def png(width: int = 8, height: int = 8) -> bytes:
    """A small valid PNG (red), made here: no file in the repository."""
    raw = b"".join(b"\x00" + b"\xe1\x25\x1b" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_nobody_online_the_customer_leaves_a_message_and_gets_the_ticket(server, browser):
    from playwright.sync_api import expect

    page = customer_page(browser, server.base)
    window, messages = page.get_by_test_id("chat-window"), page.get_by_test_id("chat-messages")
    expect(window).to_have_attribute("data-phase", "idle")
    expect(messages).to_contain_text("我是智能助手")
    expect(page.get_by_test_id("chat-handoff")).to_be_visible()
    expect(page.get_by_test_id("chat-end")).to_be_hidden()
    # Labelled inputs: the question box and the line and order pickers.
    expect(page.get_by_label("输入消息")).to_have_attribute("data-testid", "chat-input")
    expect(page.get_by_label("咨询类型")).to_have_attribute("data-testid", "chat-line")
    expect(page.get_by_label("相关订单（可选）")).to_have_attribute("data-testid", "chat-order")

    # The assistant answers first, from the customer's own order, with a link to it.
    page.get_by_test_id("chat-input").fill("我的快递到哪了")
    page.get_by_test_id("chat-input").press("Enter")
    answer = messages.locator('.chatmsg--assistant[data-intent="order_status"]')
    expect(answer).to_contain_text("已签收")
    order_link = answer.locator('a[data-action="view_order"]')
    expect(order_link).to_have_attribute("href", re.compile(r"^/orders/\w+/$"))
    expect(messages.locator(".chatmsg--customer").last).to_contain_text("我的快递到哪了")
    expect(messages.locator(".chatmsg--customer.is-sending")).to_have_count(0)
    expect(messages).to_have_attribute("role", "log")

    # A reload brings the exchange back (hello's "assistant" list).
    href = order_link.get_attribute("href")
    page.reload()
    expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "connected")
    expect(order_link).to_have_attribute("href", href)
    expect(messages.locator(".chatmsg--customer .chatmsg__body")).to_have_text(["我的快递到哪了"])

    # Asking for a person in words starts the chat by itself; nobody serves the line: say so, offer a message.
    page.get_by_test_id("chat-input").fill("人工客服")
    page.get_by_test_id("chat-input").press("Enter")
    expect(messages.locator('.chatmsg--assistant[data-intent="human_agent"] [data-action="handoff"]')).to_be_visible()
    leave = page.get_by_test_id("chat-leave-message")
    expect(leave).to_be_visible()
    expect(leave).to_contain_text("暂无客服在线")
    expect(page.get_by_test_id("chat-queue")).to_be_hidden()

    # An empty message is refused in place; a real one becomes a ticket with its number and a link.
    page.get_by_test_id("chat-leave-message-submit").click()
    expect(leave).to_contain_text("请先填写留言内容")
    page.get_by_test_id("chat-leave-message-body").fill("奶粉罐子凹了，想问问能不能换一罐")
    page.get_by_test_id("chat-leave-message-submit").click()
    ticket = page.get_by_test_id("chat-ticket")
    expect(ticket).to_be_visible()
    expect(ticket).to_have_attribute("href", re.compile(r"^/complaints/T\d+/$"))
    number = re.search(r"/complaints/(T\d+)/", ticket.get_attribute("href")).group(1)
    expect(page.get_by_test_id("chat-left")).to_contain_text(f"您的留言已生成工单 {number}")
    expect(page.get_by_test_id("chat-left")).to_contain_text("前回复")  # the next step, with its time
    expect(leave).to_be_hidden()
    expect(page.get_by_test_id("chat-handoff")).to_be_visible()  # they may try again later

    ticket.click()
    page.wait_for_url(f"{server.base}/complaints/{number}/")
    expect(page.get_by_test_id("ticket-number")).to_have_text(number)
    page.context.close()


def test_waiting_in_line_and_served_by_an_agent_on_a_phone(server, browser):
    from playwright.sync_api import expect

    agent = Agent(browser, server.base, AGENT)
    try:
        assert agent.presence("available")["state"] == "available"
        page = customer_page(browser, server.base, width=390, height=844)
        window, messages = page.get_by_test_id("chat-window"), page.get_by_test_id("chat-messages")
        chat_input = page.get_by_test_id("chat-input")

        # Served at once: the agent's name is shown.
        page.get_by_test_id("chat-line").select_option("aftersale")
        page.get_by_test_id("chat-handoff").click()
        expect(window).to_have_attribute("data-phase", "active")
        expect(page.get_by_test_id("chat-agent-name")).to_have_attribute("data-agent", "丁康")
        expect(page.get_by_test_id("chat-agent-name")).to_contain_text("丁康")
        expect(page.get_by_test_id("chat-handoff")).to_be_hidden()
        number = window.get_attribute("data-conversation")
        assert re.fullmatch(r"C\d+", number)

        # The agent types, then writes; the customer sees both, and reads the message (a receipt to the agent).
        agent.typing(number)
        expect(page.get_by_test_id("chat-typing")).to_contain_text("丁康 正在输入")
        agent.post(f"/conversations/{number}/messages", {"body": "您好，我是丁康，请问有什么可以帮您？",
                                                         "client_id": "agent-1"})
        expect(messages.locator(".chatmsg--agent")).to_contain_text("请问有什么可以帮您")
        expect(page.get_by_test_id("chat-typing")).to_be_hidden()
        page.wait_for_function(
            "async (n) => { const r = await fetch(`/api/v1/chat/conversations/${n}`);"
            " const c = await r.json(); return c.messages.some(m => m.sender === 'agent' && m.read_at); }", arg=number)

        # The customer types (the agent hears it) and sends with Enter; Shift+Enter is a new line.
        chat_input.press_sequentially("奶粉罐子")
        agent.wait_until_heard("typing", number)
        chat_input.press("Shift+Enter")
        chat_input.press_sequentially("凹了一块")
        chat_input.press("Enter")
        mine = messages.locator(".chatmsg--customer[data-id]").last
        expect(mine).to_contain_text("奶粉罐子\n凹了一块")
        expect(chat_input).to_have_value("")
        stored = [m for m in agent.chat(number)["messages"] if m["body"] == "奶粉罐子\n凹了一块"]
        assert len(stored) == 1 and stored[0]["sender"] == "customer" and stored[0]["client_id"]

        # The agent reads it: 已读 on the customer's message.
        agent.post(f"/conversations/{number}/read", {"up_to": stored[0]["id"]})
        expect(mine).to_have_attribute("data-read", "yes")
        expect(mine).to_contain_text("已读")

        # An image over HTTP: shown from its image_url, a link to the full size.
        page.get_by_test_id("chat-image").set_input_files(files=[{"name": "dent.png", "mimeType": "image/png",
                                                                  "buffer": png()}])
        image = messages.locator(".chatmsg--customer[data-id] .chatmsg__image img").last
        expect(image).to_have_attribute("src", re.compile(r"^/api/v1/chat/images/\d+$"))
        expect(messages.locator(".chatmsg__image").last).to_have_attribute("href", image.get_attribute("src"))
        page.wait_for_function("(img) => img.complete && img.naturalWidth === 8", arg=image.element_handle())

        # A dropped socket: what is written meanwhile waits and goes once; what the agent wrote is caught up.
        page.evaluate("() => { window.kefuChat.retryDelay = 4000; window.kefuChat.socket.close(); }")
        expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "reconnecting")
        chat_input.fill("断线时写的")
        chat_input.press("Enter")
        expect(page.get_by_test_id("chat-error")).to_contain_text("恢复连接后会自动发送")
        expect(messages.locator(".chatmsg--customer.is-sending")).to_contain_text("断线时写的")
        agent.post(f"/conversations/{number}/messages", {"body": "断线期间客服的回复", "client_id": "agent-2"})
        expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "connected", timeout=15_000)
        expect(messages).to_contain_text("断线期间客服的回复")
        expect(messages.locator(".chatmsg--customer.is-sending")).to_have_count(0)
        bodies = [m["body"] for m in agent.chat(number)["messages"] if m["sender"] == "customer"]
        assert bodies.count("断线时写的") == 1

        # Ending asks first; "keep chatting" keeps it.
        page.get_by_test_id("chat-end").click()
        page.get_by_test_id("chat-end-no").click()
        expect(window).to_have_attribute("data-phase", "active")
        page.get_by_test_id("chat-end").click()
        page.get_by_test_id("chat-end-yes").click()
        expect(window).to_have_attribute("data-phase", "idle")
        expect(messages.locator('[data-event="ended"]')).to_be_visible()
        expect(page.get_by_test_id("chat-handoff")).to_be_visible()
        assert agent.chat(number)["status"] == "ended"

        # Again, while the agent wraps up the last chat: a place in the line and the expected wait, live.
        page.get_by_test_id("chat-line").select_option("aftersale")
        page.get_by_test_id("chat-handoff").click()
        expect(window).to_have_attribute("data-phase", "waiting")
        position, wait = page.get_by_test_id("chat-position"), page.get_by_test_id("chat-wait")
        expect(position).to_have_attribute("data-position", "1")
        expect(position).to_have_text("下一位就是您")
        expect(wait).to_have_text(re.compile(r"预计等待(约 \d+ 分钟|不到 1 分钟)"))
        expect(page.get_by_test_id("chat-queue")).to_be_visible()
        expect(page.get_by_test_id("chat-leave-message")).to_be_hidden()  # someone serves the line
        second = window.get_attribute("data-conversation")
        assert second != number

        agent.presence("available")  # ready: the chat is his
        expect(window).to_have_attribute("data-phase", "active")
        expect(page.get_by_test_id("chat-queue")).to_be_hidden()
        agent.post(f"/conversations/{second}/messages", {"body": "又见面了，我来帮您看看", "client_id": "agent-3"})
        expect(messages).to_contain_text("又见面了，我来帮您看看")
        page.context.close()
    finally:
        agent.presence("offline")
        agent.close()


def test_the_customers_window_and_the_agents_console_together(server, browser):
    """Both pages at once (issue 5's browser test): the assistant answers, the customer asks for a person and is
    served in the console with the exchange and its intent; they write to each other; after the agent ends the
    chat, the customer's next one waits with a visible place until the agent is ready and picks it up."""
    from playwright.sync_api import expect

    from tests.browser.test_chat_console_browser import sign_in_to_console

    page = customer_page(browser, server.base)
    window, messages = page.get_by_test_id("chat-window"), page.get_by_test_id("chat-messages")
    if window.get_attribute("data-phase") != "idle":  # the chat the test before left in the line
        page.get_by_test_id("chat-end").click()
        page.get_by_test_id("chat-end-yes").click()
        expect(window).to_have_attribute("data-phase", "idle")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    console = context.new_page()
    sign_in_to_console(console, server.base, AGENT)
    console.get_by_test_id("presence-available").click()
    expect(console.get_by_test_id("presence-state")).to_have_attribute("data-state", "available")
    try:

        # The assistant first; then a person, the line chosen from the intent.
        page.get_by_test_id("chat-input").fill("退货的运费谁承担")
        page.get_by_test_id("chat-send").click()
        expect(messages.locator('.chatmsg--assistant[data-intent="return_exchange"]')).to_contain_text("运费")
        page.get_by_test_id("chat-handoff").click()
        expect(window).to_have_attribute("data-phase", "active")
        expect(page.get_by_test_id("chat-agent-name")).to_contain_text("丁康")
        number = window.get_attribute("data-conversation")

        # The console has it, with the intent and the assistant's answer in the transcript.
        item = console.locator(f'[data-testid="chat-item"][data-conversation="{number}"]')
        expect(item).to_be_visible()
        item.click()
        expect(item.get_by_test_id("chat-intent")).to_have_text("退换货")
        transcript = console.get_by_test_id("transcript")
        expect(transcript).to_contain_text("退货的运费谁承担")
        expect(transcript.get_by_test_id("assistant-label").first).to_be_visible()

        # They write to each other, each page live.
        console.get_by_test_id("reply-input").fill("您好，质量问题的退货运费由我们承担。")
        console.get_by_test_id("reply-input").press("Enter")
        expect(messages.locator(".chatmsg--agent").last).to_contain_text("运费由我们承担")
        page.get_by_test_id("chat-input").fill("好的，谢谢")
        page.get_by_test_id("chat-input").press("Enter")
        expect(transcript).to_contain_text("好的，谢谢")

        # The agent ends it and wraps up; the customer's next chat waits with a visible place.
        console.get_by_test_id("end-chat").click()
        console.get_by_test_id("end-confirm").click()
        expect(console.get_by_test_id("acw")).to_be_visible()
        expect(window).to_have_attribute("data-phase", "idle")
        page.get_by_test_id("chat-input").fill("还想问一下发票")
        page.get_by_test_id("chat-input").press("Enter")
        page.get_by_test_id("chat-line").select_option("aftersale")
        page.get_by_test_id("chat-handoff").click()
        expect(window).to_have_attribute("data-phase", "waiting")
        expect(page.get_by_test_id("chat-position")).to_have_attribute("data-position", "1")
        expect(page.get_by_test_id("chat-wait")).to_be_visible()
        second = window.get_attribute("data-conversation")
        expect(console.get_by_test_id("queue-panel")).to_contain_text("孙建国")

        # Ready: the agent picks it up and they talk again.
        console.get_by_test_id("acw-ready").click()
        expect(window).to_have_attribute("data-phase", "active")
        again = console.locator(f'[data-testid="chat-item"][data-conversation="{second}"]')
        expect(again).to_be_visible()
        again.click()
        expect(console.get_by_test_id("transcript")).to_contain_text("还想问一下发票")
        console.get_by_test_id("reply-input").fill("发票可以在订单详情里申请。")
        console.get_by_test_id("reply-input").press("Enter")
        expect(messages.locator(".chatmsg--agent").last).to_contain_text("订单详情里申请")
        page.context.close()
    finally:
        console.request.post(f"{server.base}/api/v1/agent/chat/presence", data='{"state": "offline"}', headers={
            "Content-Type": "application/json",
            "X-CSRFToken": next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")})
        context.close()
