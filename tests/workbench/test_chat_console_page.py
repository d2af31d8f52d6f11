"""The agent's live-chat console page (workbench:chat): who may open it, what the page hands its script (the socket
path, URL patterns that resolve, labels and words in Chinese), and the colleagues a chat can be passed to.

The console's behaviour with a real socket and a real customer is tested in a browser:
tests/browser/test_chat_console_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import resolve, reverse
from django.utils import translation

from kefu.assistant.models import Intent
from kefu.chat.routing import websocket_urlpatterns
from kefu.chat.services import agents as agent_service
from kefu.contact.models import AgentPresence
from kefu.workbench import views_chat
from tests.chat import builders as b
from tests.portal.builders import login_customer

pytestmark = pytest.mark.django_db

PAGE = reverse("workbench:chat")
COLLEAGUES = reverse("api:chat_colleagues")  # the chat API: the console reads it
TEST_IDS = ("console", "console-status", "presence-state", "presence-available", "presence-away",
            "presence-offline", "queue-panel", "chat-list", "transcript", "reply-input", "reply-send", "transfer",
            "end-chat", "open-ticket", "intent", "acw", "acw-ready")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def config(response) -> dict:
    found = re.search(r'<script id="chat-console-config" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert found, "the page carries its script's configuration"
    return json.loads(found.group(1))


# --- who may open it --------------------------------------------------------------------------------------------

def test_anonymous_visitors_go_to_the_workbench_sign_in(client, roles):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("workbench:login") + "?next=")
    assert client.get(COLLEAGUES).status_code == 401  # the API answers, it does not redirect


def test_a_customer_is_refused_like_on_every_workbench_page(client, roles):
    login_customer(client, b.customer("王芳"))
    response = client.get(PAGE)
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    assert client.get(COLLEAGUES).status_code == 403


@pytest.mark.parametrize("role", ["warehouse", "operations"])
def test_staff_who_do_not_serve_chats_are_refused(client, staff_user, role):
    client.force_login(staff_user(role))
    assert client.get(PAGE).status_code == 403
    assert client.get(COLLEAGUES).status_code == 403


@pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "care_team", "supervisor"])
def test_chat_agents_and_supervisors_open_it(client, staff_user, role):
    client.force_login(staff_user(role))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    for testid in TEST_IDS:
        assert f'data-testid="{testid}"' in html, testid


def test_the_page_guard_is_the_chat_permission():
    assert views_chat.console.required_permissions == ("chat.handle_conversation",)


# --- what the page hands its script ------------------------------------------------------------------------------

def test_the_socket_path_is_the_agent_socket_of_the_routing(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    path = config(client.get(PAGE))["ws_path"]
    routes = {route.name: route for route in websocket_urlpatterns}
    assert routes["agent_chat_ws"].pattern.match(path.lstrip("/"))
    assert not routes["chat_ws"].pattern.match(path.lstrip("/"))  # not the customers' socket


def test_the_url_patterns_resolve_to_the_chat_api_and_the_pages(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    urls = config(client.get(PAGE))["urls"]
    number = "C261123000042"
    expected = {
        "conversation": "api:agent_chat", "images": "api:agent_image", "ticket_api": "api:ticket_from_chat",
        "order_page": "workbench:order_detail", "ticket_page": "workbench:ticket_detail",
    }
    for key, name in expected.items():
        match = resolve(urls[key].replace("{number}", number))
        assert match.view_name == name, key
        assert number in match.kwargs.values(), key
    customer = resolve(urls["customer_page"].replace("{id}", "17"))
    assert customer.view_name == "workbench:customer" and customer.kwargs == {"customer_id": 17}
    assert resolve(urls["colleagues"]).url_name == "chat_colleagues"
    assert resolve(urls["canned"]).view_name == "api:canned_replies"  # the agent works tickets


def test_only_a_supervisor_gets_the_overview_of_every_agent(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    agent = config(client.get(PAGE))
    assert agent["supervisor"] is False and agent["urls"]["overview"] is None
    client.force_login(staff_user("supervisor"))
    boss = config(client.get(PAGE))
    assert boss["supervisor"] is True
    assert resolve(boss["urls"]["overview"]).view_name == "api:overview"


def test_who_is_signed_in_is_named(client, staff_user):
    user = staff_user("aftersale_agent", "ding.kang")
    user.first_name = "丁康"
    user.save()
    client.force_login(user)
    assert config(client.get(PAGE))["me"] == {"id": user.pk, "name": "丁康"}


def test_every_word_for_the_script_is_chinese(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    data = config(client.get(PAGE))
    for key, text in data["strings"].items():
        words = re.sub(r"%\(\w+\)s", "", text)  # the placeholders stay as they are
        assert CHINESE.search(words) or not re.search("[A-Za-z]", words), f"{key}: {text!r}"
    for group in ("presence", "tiers", "skills", "intents"):
        for code, label in data[group].items():
            assert CHINESE.search(label), f"{group}.{code}: {label!r}"
    assert data["presence"]["available"] == "在线" and data["presence"]["away"] == "小休"
    assert data["strings"]["assistant"] == "智能助手"
    assert data["strings"]["read"] == "已读"


def test_every_intent_of_the_assistant_has_a_label(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    intents = config(client.get(PAGE))["intents"]
    assert set(intents) == set(Intent.values)
    assert intents["complaint"] == "投诉" and intents["order_status"] == "订单在哪"
    assert intents["refund_status"] == "退款与售后进度"
    with translation.override("en"):  # the English page says it in English
        assert str(views_chat.INTENT_LABELS[Intent.HUMAN_AGENT]) == "Asks for a person"


def test_the_canned_reply_gaps_are_the_placeholders_own():
    from kefu.tickets import placeholders

    data = views_chat.console_config(_FakeAgent())
    assert data["canned_gaps"]["customer_name"] == placeholders.render("{customer_name}", {}) == "【顾客姓名】"
    assert data["canned_gaps"]["order_number"] == "【订单号】"
    assert data["urls"]["canned"] is None  # this agent does not work tickets: no canned replies


class _FakeAgent(AnonymousUser):
    pk = 1

    def has_perm(self, perm, obj=None):
        return perm == "chat.handle_conversation"

    def get_full_name(self):
        return "测试"


def test_the_page_is_in_chinese(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    html = client.get(PAGE).content.decode()
    for words in ("在线会话", "接入", "小休", "下线", "转接", "结束会话", "建工单", "发送"):
        assert words in html, words
    assert 'href="/static/kefu/chat_console.css"' in html or "chat_console.css" in html
    assert "chat_console.js" in html


def test_a_ticket_can_be_of_any_kind_but_a_care_task(client, staff_user):
    client.force_login(staff_user("aftersale_agent"))
    html = client.get(PAGE).content.decode()
    kinds = re.search(r'data-testid="ticket-kind">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'value="(\w+)"', kinds) == ["complaint", "question", "request"]


# --- the colleagues a chat can be passed to ----------------------------------------------------------------------

def test_the_colleagues_online_with_room_can_take_a_chat(client, staff_user):
    me = b.agent(staff_user, "me.agent", capacity=2)
    free = b.agent(staff_user, "free.agent", capacity=2)
    full = b.agent(staff_user, "full.agent", capacity=1)
    away = b.agent(staff_user, "away.agent")
    b.agent(staff_user, "gone.agent", login=False)  # logged out: not listed
    AgentPresence.objects.filter(user=full).update(active_chats=1)
    agent_service.set_state(away, "away")
    full.first_name = "满员"
    full.save()

    client.force_login(me)
    rows = client.get(COLLEAGUES).json()["agents"]
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {free.pk, full.pk, away.pk}  # never me, never the logged-out
    assert by_id[free.pk]["available"] is True
    assert by_id[full.pk]["available"] is False and by_id[full.pk]["name"] == "满员"
    assert by_id[away.pk]["available"] is False and by_id[away.pk]["state"] == "away"
    assert rows[0]["id"] == free.pk  # who can take it comes first
    assert by_id[free.pk]["skills"] == ["aftersale", "presale"]
