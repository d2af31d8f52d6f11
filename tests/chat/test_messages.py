"""Writing in a chat: who may write when, retries stored once, read receipts."""

from __future__ import annotations

import pytest

from kefu.chat.models import ChatMessage
from kefu.chat.services import conversations, messages
from kefu.chat.services._common import Forbidden
from kefu.core.errors import DomainError, InvalidTransition, NotFound

from . import builders as b


@pytest.fixture(autouse=True)
def _scene(monday, roles, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 0


@pytest.fixture
def scene(staff_user):
    agent = b.agent(staff_user, "xiaowang", capacity=1)
    customer = b.customer()
    return agent, customer, b.chat(customer, body="你好")


def test_both_sides_write_and_the_agents_first_reply_is_timed(scene):
    agent, customer, chat = scene
    messages.send(chat, "请问有什么可以帮您", by=agent)
    messages.send(chat, "快递没到", by=customer.user)
    chat.refresh_from_db()
    assert chat.first_response_at is not None
    assert list(chat.messages.exclude(author_kind="system").values_list("author_kind", "body")) == [
        ("customer", "你好"), ("agent", "请问有什么可以帮您"), ("customer", "快递没到")]


def test_a_retry_with_the_same_client_id_is_stored_once(scene):
    _agent, customer, chat = scene
    first, created = messages.send(chat, "在吗", by=customer.user, client_id="abc")
    again, created_again = messages.send(chat, "在吗", by=customer.user, client_id="abc")
    assert created and not created_again and first.pk == again.pk
    assert ChatMessage.objects.filter(client_id="abc").count() == 1


def test_the_waiting_customer_may_write_but_no_agent_yet(staff_user, scene):
    _agent, _customer, _chat = scene
    waiting_customer = b.customer("李娜")
    waiting = b.chat(waiting_customer)
    message, _ = messages.send(waiting, "我还在等", by=waiting_customer.user)
    assert message.author_kind == "customer"
    with pytest.raises(Forbidden):
        messages.send(waiting, "supervisor here", by=b.supervisor(staff_user))


def test_nobody_writes_in_an_ended_chat(scene):
    agent, customer, chat = scene
    conversations.end(chat, by=customer.user)
    with pytest.raises(InvalidTransition):
        messages.send(chat, "还有一件事", by=customer.user)
    with pytest.raises(InvalidTransition):
        messages.send(chat, "再见", by=agent)


def test_strangers_do_not_write(staff_user, scene):
    _agent, _customer, chat = scene
    with pytest.raises(NotFound):
        messages.send(chat, "hi", by=b.customer("赵磊").user)
    with pytest.raises(Forbidden):
        messages.send(chat, "hi", by=b.agent(staff_user, "xiaoli"))


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "a\x00b"])
def test_bad_bodies(scene, body):
    _agent, customer, chat = scene
    with pytest.raises(DomainError) as exc:
        messages.send(chat, body, by=customer.user)
    assert exc.value.field == "body"


def test_read_receipts_mark_the_other_sides_messages_once(scene):
    agent, customer, chat = scene
    reply, _ = messages.send(chat, "您好", by=agent)
    later, _ = messages.send(chat, "还在吗", by=agent)
    assert messages.mark_read(chat, reply.pk, by=customer.user) == 2  # the system greeting and the reply
    assert messages.mark_read(chat, reply.pk, by=customer.user) == 0
    assert ChatMessage.objects.get(pk=later.pk).read_at is None
    assert messages.mark_read(chat, later.pk, by=agent) == 1  # the customer's first message
    with pytest.raises(DomainError):
        messages.mark_read(chat, -1, by=agent)
