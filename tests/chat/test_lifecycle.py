"""A chat's life through the services: start, routing, end and wrap-up, transfers, logout, messages left,
tickets from chats, the unserved-chat duty, and the place and expected wait shown while waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.chat import chat_states as st
from kefu.chat import selectors
from kefu.chat.models import ChatAssignment, ChatMessage, Conversation
from kefu.chat.services import agents, conversations, dispatch
from kefu.chat.services._common import Forbidden, NobodyOnline
from kefu.contact.models import AgentState, PresenceSpan
from kefu.core import clock
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from kefu.core.models import AuditEntry, OutboxEvent
from kefu.tickets.models import Ticket

from . import builders as b


@pytest.fixture(autouse=True)
def _scene(monday, roles, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 30
    selectors.forget_handle_times()


def topics() -> list[str]:
    return list(OutboxEvent.objects.filter(topic__startswith="chat.").order_by("id").values_list("topic", flat=True))


# --- start ------------------------------------------------------------------------------------------------------

def test_a_customer_starts_a_chat_and_an_available_agent_with_the_skill_gets_it(staff_user):
    b.agent(staff_user, "presale1", skills=("presale",))
    agent = b.agent(staff_user, "aftersale1", skills=("aftersale",))
    customer = b.customer()
    conversation, created = conversations.start(customer.user, "aftersale", body="快递三天没动")
    assert created and conversation.status == st.ACTIVE and conversation.agent == agent
    assert conversation.number.startswith("C261123")
    assert conversation.answered_at == clock.now() and conversation.wait_seconds == 0
    assert b.presence(agent).active_chats == 1
    assert ChatAssignment.objects.get(conversation=conversation).reason == "skill"
    assert [m.author_kind for m in conversation.messages.order_by("id")] == ["customer", "system"]
    assert topics() == ["chat.started", "chat.assigned"]
    assert list(AuditEntry.objects.filter(field="status", object_id=str(conversation.pk)).order_by("id")
                .values_list("old_value", "new_value")) == [("", "waiting"), ("waiting", "active")]


def test_one_open_chat_at_a_time_a_second_start_returns_it(staff_user):
    b.agent(staff_user, "a1")
    customer = b.customer()
    first, _ = conversations.start(customer.user, "aftersale")
    again, created = conversations.start(customer.user, "presale", body="还有一个问题")
    assert not created and again.pk == first.pk
    assert Conversation.objects.count() == 1 and not ChatMessage.objects.filter(body="还有一个问题").exists()


def test_nobody_online_refuses_the_start_so_the_customer_can_leave_a_message(staff_user):
    b.agent(staff_user, "presale1", skills=("presale",))
    away = b.agent(staff_user, "aftersale1", skills=("aftersale",))
    agents.set_state(away, "away")
    with pytest.raises(NobodyOnline) as exc:
        conversations.start(b.customer().user, "aftersale")
    assert exc.value.status == 409 and exc.value.field == "skill"
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(("kwargs", "field"), [({"skill": "logistics"}, "skill"), ({"body": "x" * 5001}, "body"),
                                               ({"order": "KF-NOT-MINE"}, "order")])
def test_bad_input_on_start(staff_user, kwargs, field):
    b.agent(staff_user, "a1")
    args = {"skill": "aftersale", **kwargs}
    with pytest.raises(DomainError) as exc:
        conversations.start(b.customer().user, args.pop("skill"), **args)
    assert exc.value.field == field
    assert Conversation.objects.count() == 0


def test_only_customers_start_chats(staff_user):
    agent = b.agent(staff_user, "a1")
    with pytest.raises(Forbidden):
        conversations.start(agent, "aftersale")


def test_the_chat_may_name_one_of_the_customers_orders(staff_user):
    from tests import factories as f

    b.agent(staff_user, "a1")
    customer = b.customer()
    order = f.order(customer, [(f.sku(), 1)], status="paid")
    conversation, _ = conversations.start(customer.user, "aftersale", order=order.number)
    assert conversation.order == order
    with pytest.raises(DomainError):
        conversations.start(b.customer("李娜").user, "aftersale", order=order.number)


# --- routing ------------------------------------------------------------------------------------------------------

def test_an_agent_takes_chats_up_to_capacity_then_is_busy_and_the_rest_wait(staff_user):
    agent = b.agent(staff_user, "a1", capacity=2)
    chats = [b.chat(b.customer(f"客户{i}")) for i in range(3)]
    assert [c.status for c in chats] == [st.ACTIVE, st.ACTIVE, st.WAITING]
    assert b.presence(agent).state == AgentState.BUSY
    current = selectors.line()
    assert current.info(chats[2].pk)["position"] == 1


def test_the_load_is_spread_least_loaded_first(staff_user):
    one, two = b.agent(staff_user, "a1"), b.agent(staff_user, "a2")
    chats = [b.chat(b.customer(f"客户{i}")) for i in range(4)]
    assert sorted(c.agent_id for c in chats) == sorted([one.pk, one.pk, two.pk, two.pk])


def test_a_diamond_customer_goes_to_a_senior_agent(staff_user):
    b.agent(staff_user, "junior")
    senior = b.agent(staff_user, "senior", senior=True)
    b.chat(b.customer("普通客户"))  # the junior is idle longer now? no: least loaded, the junior takes it
    diamond = b.chat(b.customer("钱多多", tier="diamond"))
    assert diamond.agent == senior
    assert ChatAssignment.objects.get(conversation=diamond).reason == "senior"


def test_a_diamond_customer_waits_for_a_senior_then_any_skilled_agent_after_the_fallback(staff_user, settings):
    settings.KEFU_CHAT_DIAMOND_SENIOR_WAIT_SECONDS = 60
    junior = b.agent(staff_user, "junior")
    senior = b.agent(staff_user, "senior", senior=True, capacity=1)
    b.chat(b.customer("钱一", tier="diamond"))  # the senior is full now
    waiting = b.chat(b.customer("钱二", tier="diamond"))
    assert waiting.status == st.WAITING
    clock.advance(timedelta(seconds=59))
    assert dispatch.route_duty() == 0
    clock.advance(timedelta(seconds=1))
    assert dispatch.route_duty() == 1
    waiting.refresh_from_db()
    assert waiting.agent == junior and waiting.wait_seconds == 60
    assert ChatAssignment.objects.get(conversation=waiting).reason == "diamond_fallback"
    assert senior != junior


def test_diamond_customers_are_served_first(staff_user):
    agent = b.agent(staff_user, "a1", senior=True, capacity=1)
    first = b.chat(b.customer("客户一"))
    normal = b.chat(b.customer("客户二"))
    clock.advance(timedelta(seconds=5))
    diamond = b.chat(b.customer("钱多多", tier="diamond"))
    conversations.end(first, by=agent)
    agents.set_state(agent, "available")  # skip the wrap-up
    diamond.refresh_from_db()
    normal.refresh_from_db()
    assert diamond.status == st.ACTIVE and normal.status == st.WAITING


# --- end and after-contact work -----------------------------------------------------------------------------------

def test_the_agent_ends_the_chat_and_wraps_up_before_the_next(staff_user):
    agent = b.agent(staff_user, "a1", capacity=1)
    first = b.chat(b.customer("客户一"))
    second = b.chat(b.customer("客户二"))
    clock.advance(timedelta(minutes=4))
    ended = conversations.end(first, by=agent, reason="solved")
    assert (ended.status, ended.ended_by, ended.end_reason) == (st.ENDED, "agent", "solved")
    assert ended.ended_at == clock.now()
    row = b.presence(agent)
    assert row.state == AgentState.ACW and row.active_chats == 0
    second.refresh_from_db()
    assert second.status == st.WAITING  # not during the wrap-up
    clock.advance(timedelta(seconds=30))
    dispatch.route_duty()
    second.refresh_from_db()
    assert second.status == st.ACTIVE and second.agent == agent and second.wait_seconds == 270
    assert [s.state for s in PresenceSpan.objects.filter(user=agent)] == ["available", "busy", "acw", "available",
                                                                          "busy"]
    assert ChatAssignment.objects.get(conversation=first).release == "ended"


def test_the_console_hears_when_the_wrap_up_times_out(staff_user, monkeypatch):
    from kefu.chat import live

    agent = b.agent(staff_user, "a1")
    conversations.end(b.chat(b.customer()), by=agent)
    pushed = []
    monkeypatch.setattr(live, "publish", lambda pushes: pushed.extend(pushes))
    clock.advance(timedelta(seconds=30))
    dispatch.route_waiting()
    assert [(group, event["type"], event["state"]) for group, event in pushed] == [
        (live.user_group(agent.pk), "presence", "available")]


def test_the_customer_may_leave_while_waiting_and_it_counts_as_abandoned(staff_user):
    b.agent(staff_user, "a1", capacity=1)
    b.chat(b.customer("客户一"))
    customer = b.customer("客户二")
    waiting = b.chat(customer)
    clock.advance(timedelta(seconds=40))
    ended = conversations.end(waiting, by=customer.user)
    assert (ended.status, ended.ended_by, ended.answered_at, ended.wait_seconds) == (st.ENDED, "customer", None, 40)


def test_ending_twice_changes_nothing(staff_user):
    agent = b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    conversations.end(chat, by=agent)
    conversations.end(chat, by=agent)
    assert OutboxEvent.objects.filter(topic="chat.ended").count() == 1


def test_strangers_may_not_end_a_chat(staff_user):
    b.agent(staff_user, "a1")
    other = b.agent(staff_user, "a2")
    chat = b.chat(b.customer())
    with pytest.raises(NotFound):
        conversations.end(chat, by=b.customer("李娜").user)
    if chat.agent != other:
        with pytest.raises(Forbidden):
            conversations.end(chat, by=other)
    assert Conversation.objects.get(pk=chat.pk).status == st.ACTIVE


def test_a_supervisor_may_end_any_chat(staff_user):
    b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    ended = conversations.end(chat, by=b.supervisor(staff_user))
    assert ended.status == st.ENDED and ended.ended_by == "agent"


# --- transfers and logout -----------------------------------------------------------------------------------------

def test_transfer_to_a_colleague(staff_user):
    first = b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    assert chat.agent == first
    colleague = b.agent(staff_user, "a2")
    moved = conversations.transfer_to_agent(chat, colleague, by=first, note="退款问题")
    assert moved.agent == colleague and moved.transfers == 1 and moved.status == st.ACTIVE
    assert (b.presence(first).active_chats, b.presence(colleague).active_chats) == (0, 1)
    assert b.presence(first).state == AgentState.AVAILABLE  # a transfer is no wrap-up
    assert [(a.agent_id, a.release) for a in ChatAssignment.objects.filter(conversation=chat)] == [
        (first.pk, "transferred"), (colleague.pk, "")]


def test_transfer_to_a_colleague_who_cannot_take_it_is_refused(staff_user):
    first = b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    away = b.agent(staff_user, "a2")
    agents.set_state(away, "away")
    with pytest.raises(Conflict) as exc:
        conversations.transfer_to_agent(chat, away, by=first)
    assert exc.value.code == "agent_unavailable"
    with pytest.raises(DomainError) as exc:
        conversations.transfer_to_agent(chat, staff_user("warehouse", "cangku"), by=first)
    assert exc.value.code == "not_an_agent"
    with pytest.raises(DomainError) as exc:
        conversations.transfer_to_agent(chat, first, by=first)
    assert exc.value.code == "same_agent"


def test_transfer_to_another_line_keeps_the_place_and_priority(staff_user):
    aftersale = b.agent(staff_user, "after", skills=("aftersale",))
    presale = b.agent(staff_user, "pre", skills=("presale",), capacity=1)
    b.chat(b.customer("先来的"), skill="presale")  # the presale agent is full
    clock.advance(timedelta(seconds=30))
    chat = b.chat(b.customer("后来的"), skill="aftersale")
    clock.advance(timedelta(seconds=1))
    later = b.chat(b.customer("最后的"), skill="presale")
    moved = conversations.transfer_to_queue(chat, "presale", by=aftersale)
    assert (moved.status, moved.skill, moved.agent, moved.priority) == (st.WAITING, "presale", None, chat.priority)
    assert moved.waiting_since < later.waiting_since  # it keeps its place: ahead of the later presale chat
    assert selectors.line().info(moved.pk)["position"] == 1
    assert presale != aftersale


def test_transfer_to_a_line_nobody_serves_is_refused(staff_user):
    agent = b.agent(staff_user, "after", skills=("aftersale",))
    chat = b.chat(b.customer())
    with pytest.raises(NobodyOnline):
        conversations.transfer_to_queue(chat, "presale", by=agent)


def test_only_an_active_chat_is_transferred(staff_user):
    agent = b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    conversations.end(chat, by=agent)
    with pytest.raises(InvalidTransition):
        conversations.transfer_to_queue(chat, "aftersale", by=agent)


def test_the_customer_may_not_transfer(staff_user):
    b.agent(staff_user, "a1")
    customer = b.customer()
    chat = b.chat(customer)
    with pytest.raises(Forbidden):
        conversations.transfer_to_queue(chat, "presale", by=customer.user)


def test_logging_out_puts_the_agents_chats_back_in_the_line_for_a_colleague(staff_user):
    leaving = b.agent(staff_user, "a1")
    chats = [b.chat(b.customer(f"客户{i}")) for i in range(2)]
    colleague = b.agent(staff_user, "a2", login=False)
    agents.set_state(colleague, "available")  # takes nothing yet: nothing waits
    agents.set_state(leaving, "offline")
    for chat in chats:
        chat.refresh_from_db()
        assert chat.status == st.ACTIVE and chat.agent == colleague and chat.transfers == 1
    assert b.presence(leaving).state == AgentState.OFFLINE
    assert OutboxEvent.objects.filter(topic="chat.requeued").count() == 2


def test_a_silent_console_logs_the_agent_out(staff_user, settings):
    settings.KEFU_CHAT_AGENT_SILENCE_SECONDS = 45
    agent = b.agent(staff_user, "a1")
    chat = b.chat(b.customer())
    clock.advance(timedelta(seconds=44))
    assert agents.log_out_silent_agents() == 0
    clock.advance(timedelta(seconds=2))
    assert agents.log_out_silent_agents() == 1
    chat.refresh_from_db()
    assert chat.status == st.WAITING and b.presence(agent).state == AgentState.OFFLINE


def test_a_closed_socket_leaves_only_the_reconnect_grace(staff_user, settings):
    settings.KEFU_CHAT_AGENT_SILENCE_SECONDS = 45
    settings.KEFU_CHAT_RECONNECT_GRACE_SECONDS = 20
    agent = b.agent(staff_user, "a1")
    agents.heartbeat(agent)
    agents.socket_closed(agent)
    clock.advance(timedelta(seconds=19))
    assert agents.log_out_silent_agents() == 0
    clock.advance(timedelta(seconds=2))
    assert agents.log_out_silent_agents() == 1


# --- messages left and tickets ------------------------------------------------------------------------------------

def test_leave_a_message_when_nobody_is_online_becomes_a_ticket():
    customer = b.customer()
    left = conversations.leave_message(customer.user, body="晚上十点了还没有发货，请明天联系我", skill="aftersale",
                                       client_id="leave-1")
    assert left.status == st.LEFT_MESSAGE and left.ticket is not None
    ticket = Ticket.objects.get(pk=left.ticket_id)
    assert (ticket.channel, ticket.customer, ticket.source_ref) == ("chat", customer, left.number)
    assert "晚上十点了还没有发货" in ticket.messages.get().body
    assert ticket.subject.startswith("晚上十点了还没有发货")
    again = conversations.leave_message(customer.user, body="晚上十点了还没有发货，请明天联系我", client_id="leave-1")
    assert again.pk == left.pk and Ticket.objects.count() == 1  # a retry makes no second ticket
    assert left.messages.filter(event="left_message").exists()


def test_a_waiting_customer_may_turn_the_chat_into_a_message(staff_user):
    b.agent(staff_user, "a1", capacity=1)
    b.chat(b.customer("客户一"))
    customer = b.customer("客户二")
    waiting = b.chat(customer, body="发票开错了")
    left = conversations.leave_message(customer.user, body="请帮我重开发票")
    assert left.pk == waiting.pk and left.status == st.LEFT_MESSAGE
    body = left.ticket.messages.get().body
    assert "发票开错了" in body and "请帮我重开发票" in body


def test_an_empty_message_is_refused():
    with pytest.raises(DomainError) as exc:
        conversations.leave_message(b.customer().user, body="   ")
    assert exc.value.field == "body" and Conversation.objects.count() == 0


def test_a_served_customer_writes_to_the_agent_instead(staff_user):
    b.agent(staff_user, "a1")
    customer = b.customer()
    b.chat(customer)
    with pytest.raises(Conflict):
        conversations.leave_message(customer.user, body="留言")


def test_chats_nobody_serves_for_too_long_become_messages_left(staff_user, settings):
    settings.KEFU_CHAT_UNSERVED_SECONDS = 300
    agent = b.agent(staff_user, "a1", capacity=1)
    b.chat(b.customer("客户一"))
    wrote = b.chat(b.customer("客户二"), body="我要退货")
    silent = b.chat(b.customer("客户三"), body="")
    agents.set_state(agent, "away")  # nobody serves the line now
    clock.advance(timedelta(seconds=299))
    assert dispatch.unserved() == 0
    clock.advance(timedelta(seconds=1))
    assert dispatch.unserved() == 2
    wrote.refresh_from_db()
    silent.refresh_from_db()
    assert (wrote.status, wrote.ended_by, wrote.end_reason) == (st.LEFT_MESSAGE, "system", "nobody_online")
    assert "我要退货" in wrote.ticket.messages.get().body
    assert (silent.status, silent.end_reason, silent.ticket) == (st.ENDED, "nobody_online", None)


def test_an_agent_opens_a_ticket_from_the_chat_with_the_transcript(staff_user):
    from kefu.chat.services import messages

    agent = b.agent(staff_user, "a1")
    customer = b.customer()
    chat = b.chat(customer, body="收到的杯子碎了")
    messages.send(chat, "非常抱歉，请拍照给我看看", by=agent)
    ticket = conversations.open_ticket(chat, by=agent, subject="杯子破损", kind="complaint")
    chat.refresh_from_db()
    assert chat.ticket == ticket and ticket.channel == "chat" and ticket.source_ref == chat.number
    body = ticket.messages.get().body
    assert "收到的杯子碎了" in body and "非常抱歉，请拍照给我看看" in body and chat.number in body
    assert conversations.open_ticket(chat, by=agent, subject="again") == ticket  # one ticket per chat
    with pytest.raises(Forbidden):
        conversations.open_ticket(chat, by=customer.user, subject="x")


# --- the place in the line and the expected wait --------------------------------------------------------------

def test_expected_wait_is_position_times_handle_time_over_serving_slots(staff_user, settings):
    settings.KEFU_CHAT_DEFAULT_HANDLE_SECONDS = 240
    b.agent(staff_user, "a1", capacity=1)
    b.agent(staff_user, "a2", capacity=2)
    for i in range(3):
        b.chat(b.customer(f"占位{i}"))
    waiting = [b.chat(b.customer(f"等待{i}")) for i in range(2)]
    current = selectors.line()
    # no finished chats yet: the default 240 s; 3 slots serve the line
    assert current.info(waiting[0].pk) == {"position": 1, "expected_wait_seconds": 80, "serving_agents": 2}
    assert current.info(waiting[1].pk)["expected_wait_seconds"] == 160


def test_the_handle_time_comes_from_recent_chats(staff_user):
    agent = b.agent(staff_user, "a1", capacity=1)
    for minutes in (2, 4):
        chat = b.chat(b.customer(f"客户{minutes}"))
        clock.advance(timedelta(minutes=minutes))
        conversations.end(chat, by=agent)
        agents.set_state(agent, "available")
    selectors.forget_handle_times()
    assert selectors.average_handle_seconds("aftersale") == 180.0
