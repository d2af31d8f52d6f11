"""The smart assistant in the chat window (issue 6 item 4): it answers first; a hand-off carries the conversation so
far and the intent into the chat, and routing uses the intent; while the customer waits in the line it answers
what it is sure of."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.assistant.models import AskedQuestion
from kefu.assistant.services import ask
from kefu.chat import chat_states as st
from kefu.chat import handoff, selectors
from kefu.chat.models import ChatMessage
from kefu.chat.services import conversations, messages
from kefu.chat.services._common import NobodyOnline, view
from kefu.core import clock
from kefu.tickets.models import Ticket

from . import builders as b


@pytest.fixture(autouse=True)
def _scene(monday, roles, settings):
    settings.KEFU_CHAT_ACW_SECONDS = 30
    selectors.forget_handle_times()


def asked_in_window(customer, question: str):
    return ask(question, customer=customer, channel="chat")


def kinds_and_bodies(conversation) -> list[tuple[str, str]]:
    return list(ChatMessage.objects.filter(conversation=conversation).order_by("id")
                .values_list("author_kind", "body"))


# --- pure: where a handed-over chat goes ------------------------------------------------------------------------

@pytest.mark.parametrize(("intent", "line"), [
    ("product_question", "presale"), ("restock", "presale"), ("cod", "presale"), ("delivery_time", "presale"),
    ("refund_status", "aftersale"), ("complaint", "aftersale"), ("order_status", "aftersale"), ("", "aftersale"),
    ("other", "aftersale")])
def test_the_line_follows_the_intent(intent, line):
    assert handoff.line_for(intent) == line


def test_a_complaint_is_more_urgent_than_a_question():
    assert handoff.severity_for("complaint") == "high"
    assert handoff.severity_for("refund_status") == handoff.severity_for("") == "normal"


# --- hand-off ---------------------------------------------------------------------------------------------------

def test_starting_a_chat_carries_the_questions_and_their_intent_and_the_intent_chooses_the_line(staff_user):
    b.agent(staff_user, "presale1", skills=("presale",), login=False)
    b.agent(staff_user, "presale2", skills=("presale",), capacity=1)
    busy = b.customer("李四")
    conversations.start(busy.user, "presale")  # the only presale agent is now full: the next chat waits
    customer = b.customer("王芳")
    first = asked_in_window(customer, "这个空气炸锅有几升的")
    person = asked_in_window(customer, "转人工")
    assert first.intent == "product_question" and person.intent == "human_agent"

    conversation, created = conversations.start(customer.user)  # no line named: the intent chooses it
    assert created and conversation.status == st.WAITING
    assert conversation.skill == "presale" and conversation.intent == "product_question"
    assert kinds_and_bodies(conversation) == [
        ("customer", "这个空气炸锅有几升的"), ("assistant", first.answer),
        ("customer", "转人工"), ("assistant", person.answer)]
    assert set(AskedQuestion.objects.filter(customer=customer).values_list("handed_to", flat=True)) == {
        conversation.number}
    # The answers were read in the window; the agent's view of the chat carries the intent.
    assert not ChatMessage.objects.filter(conversation=conversation, author_kind="assistant",
                                          read_at__isnull=True).exists()
    assert view(conversation, for_agent=True)["intent"] == "product_question"


def test_each_exchange_is_carried_once_and_old_ones_not_at_all(staff_user, settings):
    settings.KEFU_CHAT_ASSISTANT_CARRY_SECONDS = 600
    b.agent(staff_user, "a1")
    customer = b.customer()
    asked_in_window(customer, "退货运费谁出")
    clock.advance(timedelta(minutes=11))  # older than the window: left out
    asked_in_window(customer, "我的退款到哪了")
    conversation, _ = conversations.start(customer.user)
    assert [body for _kind, body in kinds_and_bodies(conversation)][:1] == ["我的退款到哪了"]
    assert conversation.intent == "refund_status"
    conversations.end(conversation, by=customer.user)
    again, _ = conversations.start(customer.user, "aftersale")
    assert not ChatMessage.objects.filter(conversation=again, author_kind="assistant").exists()
    assert again.intent == ""


def test_a_complaint_handed_over_waits_ahead_of_ordinary_questions(staff_user):
    b.agent(staff_user, "a1", capacity=1)
    b.chat(b.customer("占位"))  # the agent is full
    earlier = b.customer("早到")
    ordinary, _ = conversations.start(earlier.user, "aftersale", body="请问一下")
    angry = b.customer("生气")
    asked_in_window(angry, "我要投诉你们的快递员")
    complaint, _ = conversations.start(angry.user)
    assert complaint.intent == "complaint" and complaint.priority < ordinary.priority
    line = selectors.line()
    assert line.info(complaint.pk)["position"] == 1 and line.info(ordinary.pk)["position"] == 2


def test_an_explicit_line_wins_over_the_intent(staff_user):
    b.agent(staff_user, "a1")
    customer = b.customer()
    asked_in_window(customer, "这个空气炸锅有几升的")
    conversation, _ = conversations.start(customer.user, "aftersale")
    assert conversation.skill == "aftersale" and conversation.intent == "product_question"


def test_nobody_online_keeps_the_exchanges_for_the_message_left(staff_user):
    customer = b.customer()
    asked_in_window(customer, "我要投诉你们的快递员")
    with pytest.raises(NobodyOnline):
        conversations.start(customer.user)
    assert AskedQuestion.objects.get(customer=customer).handed_to == ""
    left = conversations.leave_message(customer.user)  # no words of their own: the exchange is the message
    ticket = Ticket.objects.get(pk=left.ticket_id)
    assert left.status == st.LEFT_MESSAGE and left.intent == "complaint"
    assert "我要投诉你们的快递员" in ticket.messages.order_by("id").first().body
    assert "智能助手" in ticket.messages.order_by("id").first().body
    assert AskedQuestion.objects.get(customer=customer).handed_to == left.number


def test_a_message_left_with_neither_words_nor_questions_is_refused(staff_user):
    from kefu.core.errors import DomainError

    customer = b.customer()
    with pytest.raises(DomainError) as refused:
        conversations.leave_message(customer.user)
    assert refused.value.field == "body" and not Ticket.objects.exists()


# --- while waiting ----------------------------------------------------------------------------------------------

def waiting_chat(staff_user, body: str = ""):
    b.agent(staff_user, "a1", capacity=1)
    b.chat(b.customer("占位"))
    customer = b.customer("王芳")
    conversation, _ = conversations.start(customer.user, "aftersale", body=body)
    assert conversation.status == st.WAITING
    return customer, conversation


def test_while_waiting_the_assistant_answers_what_it_is_sure_of(staff_user):
    customer, conversation = waiting_chat(staff_user)
    messages.send(conversation, "退货的运费谁承担", by=customer.user)
    kinds = kinds_and_bodies(conversation)
    assert [k for k, _ in kinds] == ["customer", "assistant"]
    assert "运费" in kinds[1][1]
    conversation.refresh_from_db()
    assert conversation.intent == "return_exchange"
    assert AskedQuestion.objects.get(customer=customer).handed_to == conversation.number


def test_the_first_words_of_a_waiting_chat_are_answered_too(staff_user):
    _customer, conversation = waiting_chat(staff_user, body="退货的运费谁承担")
    assert [k for k, _ in kinds_and_bodies(conversation)] == ["customer", "assistant"]


def test_while_waiting_it_stays_silent_when_unsure_and_for_a_person_request(staff_user):
    customer, conversation = waiting_chat(staff_user)
    messages.send(conversation, "啊啊啊", by=customer.user)
    messages.send(conversation, "转人工", by=customer.user)
    assert [k for k, _ in kinds_and_bodies(conversation)] == ["customer", "customer"]
    conversation.refresh_from_db()
    assert conversation.intent == ""


def test_a_complaint_written_while_waiting_moves_the_chat_up(staff_user):
    customer, conversation = waiting_chat(staff_user)
    before = conversation.priority
    messages.send(conversation, "我要投诉，你们的快递员态度太差了", by=customer.user)
    conversation.refresh_from_db()
    assert conversation.intent == "complaint" and conversation.priority < before


def test_it_does_not_answer_once_an_agent_serves_the_chat(staff_user):
    b.agent(staff_user, "a1")
    customer = b.customer()
    conversation, _ = conversations.start(customer.user, "aftersale")
    assert conversation.status == st.ACTIVE
    messages.send(conversation, "退货的运费谁承担", by=customer.user)
    assert not ChatMessage.objects.filter(conversation=conversation, author_kind="assistant").exists()


def test_it_can_be_switched_off(staff_user, settings):
    settings.KEFU_CHAT_ASSISTANT_WHILE_WAITING = False
    customer, conversation = waiting_chat(staff_user)
    messages.send(conversation, "退货的运费谁承担", by=customer.user)
    assert [k for k, _ in kinds_and_bodies(conversation)] == ["customer"]


def test_the_customer_reading_marks_the_assistants_answers_read(staff_user):
    customer, conversation = waiting_chat(staff_user)
    messages.send(conversation, "退货的运费谁承担", by=customer.user)
    answer = ChatMessage.objects.get(conversation=conversation, author_kind="assistant")
    assert messages.mark_read(conversation, answer.pk, by=customer.user) == 1


def test_the_intent_handed_over_is_what_the_customer_needs_not_the_request_for_a_person(staff_user):
    from kefu.assistant.services import handoff_intent

    customer = b.customer()
    person = AskedQuestion.objects.get(pk=asked_in_window(customer, "转人工").question_id)
    assert handoff_intent([person]) == "human_agent"
    unsure = AskedQuestion.objects.get(pk=asked_in_window(customer, "啊啊啊").question_id)
    assert handoff_intent([unsure]) == "" and handoff_intent([]) == ""
    refund = AskedQuestion.objects.get(pk=asked_in_window(customer, "我的退款到哪了").question_id)
    assert handoff_intent([refund, person, unsure]) == "refund_status"
