"""Live chat between real websocket clients through kefu.asgi (origin check, session cookie, routing), on the
in-memory channel layer; test_websockets_redis.py runs the same conversation on Redis.

pytest-asyncio is not installed: each test drives one async scenario with asgiref's async_to_sync; database work
in the test runs through sync_to_async (the test's connection), the consumers' through database_sync_to_async.
"""

from __future__ import annotations

import importlib

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.test import Client

from kefu.asgi import application
from kefu.assistant.models import AskedQuestion
from kefu.chat import chat_states as st
from kefu.chat import conf
from kefu.chat.models import ChatMessage, Conversation
from kefu.chat.services import agents, conversations
from kefu.contact.models import AgentPresence
from kefu.core import clock

from . import builders as b

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def cookie(user) -> bytes:
    """A signed-in session, made in sync code before the scenario (never in the event loop)."""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(path: str, session: bytes | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN, *([(b"cookie", session)] if session else [])]
    return WebsocketCommunicator(application, path, headers=headers)


async def until(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    """The first frame of `kind`, skipping the others (each awaited, none slept for)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def drain(communicator: WebsocketCommunicator, quiet: float = 0.5) -> list[dict]:
    """Every frame until the socket has been quiet for `quiet` seconds (the queue's states come coalesced)."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from())
    return frames


async def opened(communicator: WebsocketCommunicator) -> dict:
    connected, _ = await communicator.connect()
    assert connected
    return await until(communicator, "hello")


async def agent_available(session: bytes) -> WebsocketCommunicator:
    """An agent's console, connected and logged in to the queue."""
    console = socket("/ws/agent/chat/", session)
    await opened(console)
    await console.send_json_to({"type": "presence", "state": "available"})
    await until(console, "presence")
    return console


@pytest.fixture(autouse=True)
def _async_safety(monkeypatch):
    """conftest.py allows the ORM in async code for Playwright; here it must not be: a consumer touching the
    database outside database_sync_to_async would hold a connection in the event loop's thread."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


@pytest.fixture(autouse=True)
def _defaults(transactional_db):
    """The queues and SLA targets the migrations add (a message left opens a ticket): a transactional test before
    this one may have flushed them. Only what is missing is added."""
    importlib.import_module("kefu.tickets.migrations.0002_defaults").add_defaults(apps, None)
    importlib.import_module("kefu.contact.migrations.0003_default_shifts").add_shifts(apps, None)


@pytest.fixture
def people(roles, staff_user, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 0
    agent = b.agent(staff_user, "xiaowang", login=False)
    customer = b.customer("王芳")
    return agent, customer


def chat_between_two_sockets(agent, customer) -> None:
    """The whole conversation: log in, start, routed, messages both ways, typing, read receipt, end."""

    agent_session, customer_session = cookie(agent), cookie(customer.user)

    async def scenario():
        console = socket("/ws/agent/chat/", agent_session)
        hello = await opened(console)
        assert hello["presence"]["state"] == "offline" and hello["conversations"] == []
        await console.send_json_to({"type": "presence", "state": "available"})
        assert (await until(console, "presence"))["state"] == "available"

        window = socket("/ws/chat/", customer_session)
        assert (await opened(window))["conversation"] is None
        await window.send_json_to({"type": "start", "skill": "aftersale", "body": "快递三天没动了"})
        started = await until(window, "started")
        number = started["conversation"]["number"]
        assigned = await until(window, "assigned")
        assert assigned["conversation"]["agent"]["id"] == agent.pk and assigned["message"]["event"] == "assigned"

        offered = await until(console, "assigned")
        assert offered["conversation"]["number"] == number and offered["reason"] == "skill"
        assert [m["body"] for m in offered["conversation"]["messages"]][0] == "快递三天没动了"
        assert offered["conversation"]["customer"]["name"] == "王芳"

        await window.send_json_to({"type": "message", "body": "单号是 JD0001", "client_id": "c-1"})
        heard = await until(console, "message")
        assert heard["message"]["body"] == "单号是 JD0001" and heard["message"]["sender"] == "customer"
        echo = await until(window, "message")
        assert echo["message"]["client_id"] == "c-1"

        await console.send_json_to({"type": "typing", "conversation": number})
        assert (await until(window, "typing"))["from"] == "agent"
        await console.send_json_to({"type": "message", "conversation": number, "body": "马上为您查询",
                                    "client_id": "a-1"})
        answer = await until(window, "message")
        assert answer["message"]["body"] == "马上为您查询" and answer["message"]["author"]["id"] == agent.pk

        await window.send_json_to({"type": "read", "up_to": answer["message"]["id"]})
        receipt = await until(console, "read")
        assert receipt["reader"] == "customer" and receipt["up_to"] == answer["message"]["id"]

        await console.send_json_to({"type": "end", "conversation": number, "reason": "solved"})
        ended_for_customer = await until(window, "ended")
        assert ended_for_customer["by"] == "agent" and ended_for_customer["conversation"]["customer"] is None
        ended_for_agent = await until(console, "ended")
        assert ended_for_agent["conversation"]["number"] == number
        assert ended_for_agent["conversation"]["customer"]["name"] == customer.name  # the agent's view
        await window.disconnect()
        await console.disconnect()
        return number

    number = async_to_sync(scenario)()
    conversation = Conversation.objects.get(number=number)
    assert conversation.status == st.ENDED and conversation.first_response_at is not None
    read = ChatMessage.objects.filter(conversation=conversation, read_at__isnull=False)
    assert sorted(read.values_list("author_kind", flat=True)) == ["agent", "system"]  # the customer read those
    assert ChatMessage.objects.filter(conversation=conversation, author_kind="customer").count() == 2


def test_a_chat_between_a_customer_and_an_agent(people):
    chat_between_two_sockets(*people)


def test_a_retried_message_is_stored_and_delivered_once(people):
    agent, customer = people

    agent_session, customer_session = cookie(agent), cookie(customer.user)

    async def scenario():
        console = await agent_available(agent_session)
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_json_to({"type": "start", "skill": "aftersale"})
        await until(console, "assigned")
        await until(window, "assigned")
        for _ in range(2):
            await window.send_json_to({"type": "message", "body": "在吗", "client_id": "same"})
            await until(window, "message")
        assert (await until(console, "message"))["message"]["body"] == "在吗"
        await window.send_json_to({"type": "ping"})
        await until(window, "pong")
        assert "message" not in [f["type"] for f in await drain(console)]  # the retry reached only its sender
        await window.disconnect()
        await console.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(client_id="same").count() == 1


def test_the_waiting_customer_sees_the_place_and_expected_wait_move(roles, staff_user, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 0
    agent = b.agent(staff_user, "xiaowang", capacity=1)
    first, second, third = b.customer("一号"), b.customer("二号"), b.customer("三号")
    served = b.chat(first)

    second_session, third_session = cookie(second.user), cookie(third.user)

    async def scenario():
        two = socket("/ws/chat/", second_session)
        await opened(two)
        await two.send_json_to({"type": "start", "skill": "aftersale", "body": "在吗"})
        place = await until(two, "queue")
        assert place["position"] == 1 and place["expected_wait_seconds"] > 0 and place["serving_agents"] == 1
        three = socket("/ws/chat/", third_session)
        await opened(three)
        await three.send_json_to({"type": "start", "skill": "aftersale"})
        assert (await until(three, "queue"))["position"] == 2
        await sync_to_async(lambda: conversations.end(served, by=agent))()
        assert (await until(two, "assigned"))["conversation"]["agent"]["id"] == agent.pk
        assert (await until(three, "queue"))["position"] == 1
        await two.disconnect()
        await three.disconnect()

    async_to_sync(scenario)()


def test_nobody_online_then_a_message_left_over_the_socket(roles):
    customer = b.customer()

    customer_session = cookie(customer.user)

    async def scenario():
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_json_to({"type": "start", "skill": "presale", "ref": 7})
        refused = await until(window, "error")
        assert (refused["code"], refused["field"], refused["ref"]) == ("nobody_online", "skill", 7)
        await window.send_json_to({"type": "leave_message", "skill": "presale", "body": "这款有现货吗？"})
        left = await until(window, "left_message")
        assert left["ticket"].startswith("T") and left["next_step"]
        await window.disconnect()
        return left["ticket"]

    ticket = async_to_sync(scenario)()
    assert Conversation.objects.get(ticket__number=ticket).status == st.LEFT_MESSAGE


def test_a_transfer_reaches_all_three(people, staff_user):
    agent, customer = people
    colleague = b.agent(staff_user, "xiaoli")

    agent_session, customer_session, colleague_session = cookie(agent), cookie(customer.user), cookie(colleague)

    async def scenario():
        console = socket("/ws/agent/chat/", agent_session)
        other = socket("/ws/agent/chat/", colleague_session)
        await opened(console)
        await opened(other)
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_json_to({"type": "start", "skill": "aftersale"})
        number = (await until(other, "assigned"))["conversation"]["number"]  # the only one logged in
        await console.send_json_to({"type": "presence", "state": "available"})
        await until(console, "presence")
        await other.send_json_to({"type": "transfer", "conversation": number, "agent": agent.pk, "note": "退款"})
        taken = await until(console, "assigned")
        assert (taken["reason"], taken["note"]) == ("transfer", "退款")
        assert (await until(other, "transferred"))["to"] == "agent"
        moved = await until(window, "transferred")
        assert moved["conversation"]["agent"]["id"] == agent.pk
        for communicator in (console, other, window):
            await communicator.disconnect()

    async_to_sync(scenario)()


# --- who may connect and what they may touch ----------------------------------------------------------------------

@pytest.mark.parametrize(("path", "who"), [
    ("/ws/chat/", "anonymous"), ("/ws/agent/chat/", "anonymous"), ("/ws/chat/", "agent"),
    ("/ws/agent/chat/", "customer"), ("/ws/agent/chat/", "warehouse")])
def test_sockets_are_refused_to_the_wrong_people(people, staff_user, path, who):
    agent, customer = people
    user = {"anonymous": None, "agent": agent, "customer": customer.user,
            "warehouse": staff_user("warehouse", "cangku")}[who]

    session = cookie(user) if user is not None else None

    async def scenario():
        connected, _ = await socket(path, session).connect()
        assert not connected

    async_to_sync(scenario)()


def test_a_customer_can_never_reach_another_customers_chat(people):
    agent, owner = people
    agents.set_state(agent, "available")
    chat = b.chat(owner)
    intruder = b.customer("赵磊")

    intruder_session = cookie(intruder.user)

    async def scenario():
        window = socket("/ws/chat/", intruder_session)
        assert (await opened(window))["conversation"] is None
        for frame in ({"type": "message", "conversation": chat.number, "body": "偷看"},
                      {"type": "read", "conversation": chat.number, "up_to": 10**6},
                      {"type": "end", "conversation": chat.number}):
            await window.send_json_to(frame)
            assert (await until(window, "error"))["code"] == "not_found"
        await sync_to_async(lambda: conversations.end(chat, by=agent))()  # events of the owner's chat …
        assert await window.receive_nothing(timeout=0.3)  # … never reach the intruder
        await window.disconnect()

    async_to_sync(scenario)()
    assert not ChatMessage.objects.filter(body="偷看").exists()


def test_bad_frames_get_a_clear_error_and_the_socket_stays_open(people):
    agent, customer = people

    agent_session, customer_session = cookie(agent), cookie(customer.user)

    async def scenario():
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_to(text_data="{not json")
        assert (await until(window, "error"))["code"] == "bad_json"
        await window.send_json_to(["a", "list"])
        assert (await until(window, "error"))["code"] == "bad_frame"
        await window.send_json_to({"type": "dance"})
        assert (await until(window, "error"))["field"] == "type"
        await window.send_json_to({"type": "start", "skill": "logistics"})
        assert (await until(window, "error"))["field"] == "skill"
        await window.send_json_to({"type": "message", "body": "x" * 5001})
        assert (await until(window, "error"))["field"] == "body"
        await window.send_json_to({"type": "message", "body": "no chat yet"})
        assert (await until(window, "error"))["code"] == "not_found"
        console = socket("/ws/agent/chat/", agent_session)
        await opened(console)
        await console.send_json_to({"type": "message", "body": "which chat?"})
        assert (await until(console, "error"))["field"] == "conversation"
        await console.send_json_to({"type": "transfer", "conversation": "C1"})
        assert (await until(console, "error"))["field"] == "agent"
        await console.send_json_to({"type": "presence", "state": "busy"})
        assert (await until(console, "error"))["field"] == "state"  # busy is derived, never chosen
        await window.send_json_to({"type": "ping"})
        assert (await until(window, "pong"))["type"] == "pong"
        await window.disconnect()
        await console.disconnect()

    async_to_sync(scenario)()


def test_an_agent_socket_closing_shortens_the_silence_to_the_reconnect_grace(people):
    agent, _customer = people

    agent_session = cookie(agent)

    async def scenario():
        console = await agent_available(agent_session)
        await console.disconnect()

    async_to_sync(scenario)()
    seen = AgentPresence.objects.get(user=agent).last_seen_at
    assert seen <= clock.now() - conf.agent_silence() + conf.reconnect_grace()


def test_after_a_chat_ends_the_next_message_goes_to_the_new_chat(people):
    agent, customer = people
    agent_session, customer_session = cookie(agent), cookie(customer.user)

    async def scenario():
        console = await agent_available(agent_session)
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_json_to({"type": "start", "skill": "aftersale"})
        first = (await until(window, "assigned"))["conversation"]["number"]
        await window.send_json_to({"type": "message", "body": "第一次"})
        assert (await until(console, "message"))["conversation"] == first
        await console.send_json_to({"type": "end", "conversation": first})
        await until(window, "ended")
        await window.send_json_to({"type": "start", "skill": "aftersale"})
        second = (await until(window, "assigned"))["conversation"]["number"]
        await window.send_json_to({"type": "message", "body": "第二次"})
        heard = await until(console, "message")
        assert (heard["conversation"], heard["message"]["body"]) == (second, "第二次") and second != first
        await window.disconnect()
        await console.disconnect()

    async_to_sync(scenario)()


def test_the_assistant_answers_in_the_window_and_a_reload_and_the_hand_off_keep_its_answers(people):
    from kefu.assistant.models import FaqEntry
    from kefu.assistant.services import load_faq_file

    if not FaqEntry.objects.exists():  # a transactional test before this one flushed what the migration loaded
        load_faq_file()
    agent, customer = people
    customer_session, agent_session = cookie(customer.user), cookie(agent)

    async def scenario():
        window = socket("/ws/chat/", customer_session)
        await opened(window)
        await window.send_json_to({"type": "ask", "body": "退货的运费谁承担", "client_id": "q1"})
        answered = await until(window, "assistant")
        exchange = answered["exchange"]
        assert answered["client_id"] == "q1" and exchange["question"] == "退货的运费谁承担"
        assert exchange["intent"] == "return_exchange" and not exchange["handoff"] and "运费" in exchange["answer"]
        await window.send_json_to({"type": "ask", "body": "退货的运费谁承担", "client_id": "q1"})  # a resend
        again = await until(window, "assistant")
        assert again["exchange"]["id"] == exchange["id"]
        assert exchange["asked_at"].endswith("+08:00")
        await window.send_json_to({"type": "ask", "body": "", "ref": 3})
        refused = await until(window, "error")
        assert (refused["field"], refused["ref"]) == ("body", 3)
        await window.disconnect()

        window = socket("/ws/chat/", customer_session)  # a reload shows the exchange again
        hello = await opened(window)
        assert hello["conversation"] is None and [e["id"] for e in hello["assistant"]] == [exchange["id"]]

        console = await agent_available(agent_session)
        await window.send_json_to({"type": "start"})  # the intent chooses the line
        assigned = await until(console, "assigned")
        chat = assigned["conversation"]
        assert chat["intent"] == "return_exchange" and chat["skill"] == "aftersale"
        assert [m["sender"] for m in chat["messages"][:2]] == ["customer", "assistant"]
        await until(window, "assigned")
        await window.send_json_to({"type": "ask", "body": "还有一个问题", "client_id": "m1"})  # a chat is open
        echoed = await until(window, "message")
        assert echoed["message"]["body"] == "还有一个问题" and echoed["message"]["sender"] == "customer"
        await window.disconnect()
        await console.disconnect()

        window = socket("/ws/chat/", customer_session)
        hello = await opened(window)
        assert hello["conversation"]["number"] == chat["number"] and hello["assistant"] == []
        await window.disconnect()

    async_to_sync(scenario)()
    assert AskedQuestion.objects.get().handed_to != ""
