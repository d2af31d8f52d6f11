"""The chat API: customers' own chats only, agents' lists and actions, supervisors' overview, images served only
to the chat's participants, and bad input named by its field."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.chat import chat_states as st
from kefu.chat.models import ChatMessage, Conversation
from kefu.core import clock
from kefu.tickets.models import Ticket

from . import builders as b

API = "/api/v1"


@pytest.fixture(autouse=True)
def _scene(monday, roles, settings, tmp_path):
    settings.KEFU_CHAT_ACW_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, data: dict | None = None):
    return client.post(API + path, data=json.dumps(data or {}), content_type="application/json")


def loc(response) -> list:
    return response.json()["detail"][0]["loc"]


@pytest.fixture
def agent(staff_user):
    return b.agent(staff_user, "xiaowang")


@pytest.fixture
def customer():
    return b.customer("王芳")


# --- customers ----------------------------------------------------------------------------------------------------

def test_start_write_read_and_end_over_http(agent, customer):
    me = signed_in(customer.user)
    started = post(me, "/chat/conversations", {"skill": "aftersale", "body": "订单还没发货"})
    assert started.status_code == 201
    number = started.json()["number"]
    assert started.json()["status"] == st.ACTIVE and started.json()["agent"]["id"] == agent.pk
    assert started.json()["customer"] is None  # the agents' view of the customer is not the customer's
    assert post(me, "/chat/conversations", {"skill": "presale"}).status_code == 200  # the open one comes back
    first = post(me, f"/chat/conversations/{number}/messages", {"body": "在吗", "client_id": "k1"})
    again = post(me, f"/chat/conversations/{number}/messages", {"body": "在吗", "client_id": "k1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    reply = post(signed_in(agent), f"/agent/chat/conversations/{number}/messages", {"body": "您好"})
    assert reply.status_code == 201
    assert post(me, f"/chat/conversations/{number}/read", {"up_to": reply.json()["id"]}).json()["read"] == 2
    detail = me.get(f"{API}/chat/conversations/{number}?after={first.json()['id']}")
    assert [m["body"] for m in detail.json()["messages"]] == ["您好"]
    ended = post(me, f"/chat/conversations/{number}/end")
    assert ended.status_code == 200 and ended.json()["ended_by"] == "customer"
    listing = me.get(f"{API}/chat/conversations").json()
    assert listing["count"] == 1 and listing["items"][0]["number"] == number


def test_a_waiting_customer_sees_the_place_and_expected_wait(staff_user, customer):
    b.agent(staff_user, "xiaowang", capacity=1)
    b.chat(b.customer("先来的"))
    response = post(signed_in(customer.user), "/chat/conversations", {"skill": "aftersale"})
    body = response.json()
    assert (body["status"], body["position"], body["serving_agents"]) == ("waiting", 1, 1)
    assert body["expected_wait_seconds"] == 240  # 1 × the default 240 s ÷ 1 slot


def test_nobody_online_is_a_409_naming_the_skill_then_a_message_left(customer):
    me = signed_in(customer.user)
    refused = post(me, "/chat/conversations", {"skill": "presale"})
    assert refused.status_code == 409 and refused.json()["detail"][0]["type"] == "nobody_online"
    assert loc(refused) == ["body", "skill"]
    left = post(me, "/chat/messages-left", {"skill": "presale", "body": "这个有现货吗", "client_id": "x"})
    assert left.status_code == 201 and left.json()["status"] == st.LEFT_MESSAGE
    assert Ticket.objects.get(number=left.json()["ticket"]).channel == "chat"


def test_a_waiting_chat_becomes_a_message(staff_user, customer):
    b.agent(staff_user, "xiaowang", capacity=1)
    b.chat(b.customer("先来的"))
    me = signed_in(customer.user)
    number = post(me, "/chat/conversations", {"skill": "aftersale", "body": "换货"}).json()["number"]
    left = post(me, f"/chat/conversations/{number}/leave-message", {"body": "请尽快回复"})
    assert left.status_code == 200 and left.json()["status"] == st.LEFT_MESSAGE and left.json()["ticket"]


def test_only_my_own_chats(agent, customer):
    chat = b.chat(customer)
    stranger = signed_in(b.customer("赵磊").user)
    assert stranger.get(f"{API}/chat/conversations/{chat.number}").status_code == 404
    assert post(stranger, f"/chat/conversations/{chat.number}/messages", {"body": "hi"}).status_code == 404
    assert post(stranger, f"/chat/conversations/{chat.number}/end").status_code == 404
    assert stranger.get(f"{API}/chat/conversations").json()["count"] == 0
    assert Client().get(f"{API}/chat/conversations").status_code == 401
    assert signed_in(agent).get(f"{API}/chat/conversations").status_code == 403


@pytest.mark.parametrize(("data", "field"), [({"skill": "logistics"}, "skill"), ({"skill": ""}, "skill"),
                                             ({"skill": "presale", "colour": "red"}, "colour"),
                                             ({"skill": "presale", "body": "x" * 5001}, "body"),
                                             ({"skill": "presale", "body": "a\x00b"}, "body")])
def test_bad_input_names_the_field(agent, customer, data, field):
    response = post(signed_in(customer.user), "/chat/conversations", data)
    assert response.status_code == 422 and loc(response)[-1] == field
    assert Conversation.objects.count() == 0


# --- images -----------------------------------------------------------------------------------------------------

def upload(client: Client, path: str, content: bytes, name: str = "photo.png", **extra):
    return client.post(API + path, data={"image": SimpleUploadedFile(name, content), **extra})


def test_an_image_is_stored_and_served_only_to_the_participants(staff_user, agent, customer):
    chat = b.chat(customer)
    me = signed_in(customer.user)
    sent = upload(me, f"/chat/conversations/{chat.number}/images", b.PNG, body="破损的照片")
    assert sent.status_code == 201
    url = sent.json()["image_url"]
    message = ChatMessage.objects.get(pk=sent.json()["id"])
    assert (message.image_type, message.image_size, message.body) == ("image/png", len(b.PNG), "破损的照片")
    assert not message.image.name.endswith("photo.png")  # the stored name is ours
    seen = me.get(url)
    assert seen.status_code == 200 and seen["Content-Type"] == "image/png" and b"".join(seen.streaming_content) == b.PNG
    assert signed_in(agent).get(url).status_code == 200
    assert signed_in(b.supervisor(staff_user)).get(url).status_code == 200
    assert signed_in(b.customer("赵磊").user).get(url).status_code == 404
    assert signed_in(b.agent(staff_user, "other")).get(url).status_code == 404
    assert Client().get(url).status_code == 401


@pytest.mark.parametrize(("content", "name", "code"), [(b"GIF89a" + b"\x00" * 10, "x.gif", "bad_type"),
                                                       (b"<svg></svg>", "x.png", "bad_type"),
                                                       (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "x.png", "too_large"),
                                                       (b"", "x.png", "required")])
def test_images_are_checked_by_their_bytes_and_size(agent, customer, settings, content, name, code):
    settings.KEFU_CHAT_IMAGE_MAX_BYTES = 1000
    chat = b.chat(customer)
    response = upload(signed_in(customer.user), f"/chat/conversations/{chat.number}/images", content, name)
    assert response.status_code == 422 and loc(response) == ["body", "image"]
    assert response.json()["detail"][0]["type"] == code
    assert not ChatMessage.objects.exclude(image="").exists()


def test_an_image_needs_a_multipart_form(agent, customer):
    chat = b.chat(customer)
    me = signed_in(customer.user)
    assert post(me, f"/chat/conversations/{chat.number}/images", {"image": "x"}).status_code == 422
    response = upload(me, f"/chat/conversations/{chat.number}/images", b.PNG, extra_part="x")
    assert response.status_code == 422 and loc(response) == ["body", "extra_part"]


# --- agents and supervisors ---------------------------------------------------------------------------------------

def test_the_console_and_presence(staff_user, customer):
    agent = b.agent(staff_user, "xiaowang", login=False, skills=("aftersale",))
    me = signed_in(agent)
    assert me.get(f"{API}/agent/chat").json()["presence"]["state"] == "offline"
    assert post(me, "/agent/chat/presence", {"state": "available"}).json()["state"] == "available"
    chat = b.chat(customer)
    console = me.get(f"{API}/agent/chat").json()
    assert [c["number"] for c in console["conversations"]] == [chat.number]
    assert [q["skill"] for q in console["queues"]] == ["aftersale"]
    assert post(me, "/agent/chat/presence", {"state": "busy"}).status_code == 422
    assert post(me, "/agent/chat/presence", {"state": "offline"}).json()["state"] == "offline"
    chat.refresh_from_db()
    assert chat.status == st.WAITING


def test_an_agent_sees_their_chats_and_not_a_colleagues(staff_user, agent, customer):
    chat = b.chat(customer)
    colleague = signed_in(b.agent(staff_user, "xiaoli"))
    mine = signed_in(agent)
    assert mine.get(f"{API}/agent/chat/conversations").json()["count"] == 1
    assert mine.get(f"{API}/agent/chat/conversations?status=ended").json()["count"] == 0
    assert mine.get(f"{API}/agent/chat/conversations?status=nope").status_code == 422
    assert mine.get(f"{API}/agent/chat/conversations/{chat.number}").json()["customer"]["name"] == "王芳"
    assert colleague.get(f"{API}/agent/chat/conversations/{chat.number}").status_code == 404
    assert post(colleague, f"/agent/chat/conversations/{chat.number}/messages", {"body": "x"}).status_code == 404
    assert colleague.get(f"{API}/agent/chat/conversations").json()["count"] == 0
    assert signed_in(customer.user).get(f"{API}/agent/chat").status_code == 403
    assert signed_in(staff_user("warehouse", "cangku")).get(f"{API}/agent/chat").status_code == 403


def test_transfer_and_ticket_over_http(staff_user, agent, customer):
    chat = b.chat(customer, body="杯子碎了")
    me = signed_in(agent)
    both = post(me, f"/agent/chat/conversations/{chat.number}/transfer", {"agent": 1, "skill": "presale"})
    neither = post(me, f"/agent/chat/conversations/{chat.number}/transfer", {})
    assert both.status_code == neither.status_code == 422
    opened = post(me, f"/agent/chat/conversations/{chat.number}/ticket", {"subject": "杯子破损"})
    again = post(me, f"/agent/chat/conversations/{chat.number}/ticket", {"subject": "杯子破损"})
    assert (opened.status_code, again.status_code) == (201, 200) and opened.json() == again.json()
    colleague = b.agent(staff_user, "xiaoli")
    moved = post(me, f"/agent/chat/conversations/{chat.number}/transfer", {"agent": colleague.pk})
    assert moved.status_code == 200 and moved.json()["agent"]["id"] == colleague.pk
    assert post(me, f"/agent/chat/conversations/{chat.number}/transfer",
                {"agent": 10**9}).json()["detail"][0]["loc"] == ["body", "agent"]


def test_supervisors_only_overview_capacity_and_time_in_state(staff_user, agent, customer):
    b.chat(customer)
    boss = signed_in(b.supervisor(staff_user))
    assert signed_in(agent).get(f"{API}/agent/chat/overview").status_code == 403
    overview = boss.get(f"{API}/agent/chat/overview").json()
    assert [a["agent"]["id"] for a in overview["agents"]] == [agent.pk] and len(overview["active"]) == 1
    assert post(signed_in(agent), f"/agent/chat/agents/{agent.pk}/capacity", {"chat_capacity": 9}).status_code == 403
    assert post(boss, f"/agent/chat/agents/{agent.pk}/capacity", {"chat_capacity": 21}).status_code == 422
    assert post(boss, f"/agent/chat/agents/{agent.pk}/capacity", {"chat_capacity": 1}).json()["state"] == "busy"
    clock.advance(timedelta(minutes=10))
    start = (clock.now() - timedelta(hours=1)).isoformat()
    spent = boss.get(f"{API}/agent/chat/agents/{agent.pk}/time-in-state", {"start": start}).json()
    assert spent == {"busy": 600.0}  # logged in and at capacity in the same instant: no available time
    assert boss.get(f"{API}/agent/chat/agents/{agent.pk}/time-in-state",
                    {"start": clock.now().isoformat(), "end": start}).status_code == 422
