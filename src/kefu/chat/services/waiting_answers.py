"""The smart assistant answers while the customer waits in the line (issue 6: "in the chat window the assistant
answers first while the customer waits").

Only an answer the assistant is sure of is written into the chat — one from the FAQ or from the customer's own
orders and cases; a question it would hand to a person is left for the agent who is coming. The answer is a
message from the assistant (the agent sees it too), and the chat takes the question's intent when it had none,
so routing uses it (a complaint moves the chat up: kefu/chat/handoff.py) — whether or not it answered.
"""

from __future__ import annotations

import logging

from django.db import transaction

from kefu.assistant import engine
from kefu.assistant import services as assistant
from kefu.assistant.models import Outcome
from kefu.core import clock
from kefu.core.errors import DomainError
from kefu.tickets import routing as ticket_routing

from .. import chat_states as st
from .. import conf, handoff, live
from ..models import ChatMessage, Conversation, Party
from . import _common as c

log = logging.getLogger(__name__)

ANSWERED = frozenset({Outcome.FAQ, Outcome.PERSONAL})


def answer(conversation: Conversation, question: ChatMessage) -> ChatMessage | None:
    """Answer the waiting customer's message `question` when the assistant is sure; None when it stays silent
    (not waiting any more, an image, a question it cannot answer, or one too long for it)."""
    if not conf.assistant_while_waiting() or conversation.status != st.WAITING or not question.body:
        return None
    try:
        result = assistant.ask(question.body, customer=conversation.customer, channel="chat")
    except DomainError:  # longer than the assistant reads: the agent will
        return None
    if result.question_id is not None:
        assistant.carry_into_ids([result.question_id], conversation.number)
    understood = result.intent not in {"other", "human_agent"} and result.confidence >= engine.handoff_below()
    if result.outcome not in ANSWERED and not understood:
        return None
    with transaction.atomic():
        current = c.lock(conversation)
        if current.status != st.WAITING:  # an agent took it meanwhile: they answer
            return None
        if understood and not current.intent:
            current.intent = result.intent
            current.priority = min(current.priority,
                                   ticket_routing.priority(handoff.severity_for(result.intent), current.tier))
            current.save(update_fields=["intent", "priority"])
        if result.outcome not in ANSWERED:
            return None
        message = ChatMessage.objects.create(conversation=current, author_kind=Party.ASSISTANT, body=result.answer,
                                             sent_at=clock.now())
        live.publish(c.to_both(current, c.message_event(message, current)))
    return message
