"""What the chat services share: who is acting on a chat, locking it, one audited step of its status, system
messages, and the live pushes of a chat and of the waiting line."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone, translation

from kefu.core import audit, events
from kefu.core.errors import Conflict, DomainError, NotFound

from .. import chat_states as st
from .. import live, selectors
from ..models import SUPERVISE, ChatMessage, Conversation, Party
from ..schemas import ChatConversationOut, ChatMessageOut, ChatQueueOut

CUSTOMER, AGENT, SUPERVISOR = "customer", "agent", "supervisor"
HISTORY_IN_PUSH = 100  # messages an agent receives with a chat assigned to them


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NobodyOnline(Conflict):
    """No agent serves the queue now: the customer is offered to leave a message instead [seed 003]."""

    code = "nobody_online"


def user_or_none(by) -> AbstractBaseUser | None:
    return by if isinstance(by, AbstractBaseUser) else None


def customer_of(by):
    user = user_or_none(by)
    return getattr(user, "customer", None) if user is not None else None


def lock(conversation: Conversation | int) -> Conversation:
    """The chat re-read under a row lock: call inside a transaction."""
    pk = conversation.pk if isinstance(conversation, Conversation) else conversation
    found = (Conversation.objects.select_for_update(of=("self",))
             .select_related("customer", "agent", "order", "ticket").filter(pk=pk).first())
    if found is None:
        raise NotFound("no such chat", field="conversation")
    return found


def lock_for_writing(conversation: Conversation) -> Conversation:
    """Lock the chat's row and refresh what deciding on a message needs (status, agent), onto the object given: the
    hot path, one narrow read instead of a whole row and its relations."""
    row = (Conversation.objects.select_for_update(of=("self",)).filter(pk=conversation.pk)
           .values_list("status", "agent_id", "first_response_at").first())
    if row is None:
        raise NotFound("no such chat", field="conversation")
    conversation.status, conversation.agent_id, conversation.first_response_at = row
    return conversation


def party(conversation: Conversation, by) -> str:
    """Who `by` is in this chat: its customer, its agent, or a supervisor. A customer asking about someone
    else's chat gets a 404 (never confirming it exists); an agent not serving it, a 403."""
    user = user_or_none(by)
    if user is None:
        raise Forbidden("sign in first", field="conversation")
    if conversation.customer.user_id == user.pk:
        return CUSTOMER
    if conversation.agent_id == user.pk:
        return AGENT
    if user.has_perm(SUPERVISE):
        return SUPERVISOR
    if customer_of(user) is not None or not user.is_staff and not user.has_perm("chat.handle_conversation"):
        raise NotFound("no such chat", field="conversation")
    raise Forbidden("this chat is served by another agent", field="conversation", code="not_your_chat")


def in_site_language(text_fn) -> str:
    """System messages are stored once, in the site's language (pages may re-word them by their `event`)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text_fn())


def system_message(conversation: Conversation, event: str, body: str, at: datetime) -> ChatMessage:
    return ChatMessage.objects.create(conversation=conversation, author_kind=Party.SYSTEM, body=body, event=event,
                                      sent_at=at)


def payload(conversation: Conversation, **extra) -> dict:
    return {"conversation": conversation.number, "conversation_id": conversation.pk,
            "customer_id": conversation.customer_id, "skill": conversation.skill, "tier": conversation.tier,
            "agent_id": conversation.agent_id, **extra}


def move(conversation: Conversation, target: str, *, by, reason: str, at: datetime, topic: str, **extra) -> str:
    """One checked, audited, announced step of a locked chat's status (the caller saves the row)."""
    current = conversation.status
    st.CONVERSATION.check(current, target)
    conversation.status = target
    audit.status_changed(conversation, current, target, actor=user_or_none(by) or by, reason=reason)
    events.emit(topic, payload(conversation, **{"from": current, "to": target, "at": at.isoformat(),
                                                "reason": reason, **extra}))
    return current


def agent_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- pushes ---------------------------------------------------------------------------------------------------

def view(conversation: Conversation, *, for_agent: bool, messages=(), queue: dict | None = None) -> dict:
    return ChatConversationOut.build(conversation, for_agent=for_agent, messages=messages,
                                 queue=queue).model_dump(mode="json")


def message_event(message: ChatMessage, conversation: Conversation) -> dict:
    return {"type": "message", "conversation": conversation.number,
            "message": ChatMessageOut.build(message, conversation.number).model_dump(mode="json")}


def to_both(conversation: Conversation, event: dict, *, agent_id: int | None = None) -> list[live.Push]:
    """The same event to the chat's customer and its agent (or `agent_id`)."""
    agent_id = agent_id if agent_id is not None else conversation.agent_id
    return [*live.to_user(conversation.customer.user_id, event), *live.to_user(agent_id, event)]


def assigned_pushes(conversation: Conversation, *, system: ChatMessage, reason: str) -> list[live.Push]:
    """The agent gets the chat with its history; the customer learns who serves them."""
    history = selectors.messages(conversation, limit=HISTORY_IN_PUSH)
    return [*live.to_user(conversation.agent_id, {"type": "assigned", "reason": reason,
                                                  "conversation": view(conversation, for_agent=True,
                                                                       messages=history)}),
            *live.to_user(conversation.customer.user_id, {"type": "assigned",
                                                          "conversation": view(conversation, for_agent=False),
                                                          "message": message_event(system, conversation)["message"]})]


def queue_states(current: selectors.Line | None = None) -> list[live.Keyed]:
    """Every waiting customer's place and expected wait; the queues' summary to agents and supervisors (states:
    the latest wins, repeats are not sent — live.publish_latest)."""
    current = current or selectors.line()
    states: list[live.Keyed] = []
    for conversation, position, wait in current.waiting:
        states += [(f"queue.{conversation.number}", group, event) for group, event in live.to_user(
            conversation.customer.user_id, {
                "type": "queue", "conversation": conversation.number, "position": position,
                "expected_wait_seconds": wait,
                "serving_agents": current.queues[conversation.skill]["serving_agents"]})]
    summary = {"type": "queue.summary", "at": timezone.localtime(current.at).isoformat(),
               "queues": [ChatQueueOut(**q).model_dump(mode="json") for q in current.queues.values()],
               "waiting": selectors.waiting_rows(current)}
    return [("summary.agents", live.AGENTS, summary), ("summary.supervisors", live.SUPERVISORS, summary)] + states


def presence_event(presence) -> dict:
    return {"type": "presence", "state": presence.state, "since": timezone.localtime(presence.since).isoformat(),
            "active_chats": presence.active_chats, "chat_capacity": presence.chat_capacity,
            "acw_until": timezone.localtime(presence.acw_until).isoformat() if presence.acw_until else None}


def queue_info(conversation: Conversation) -> dict | None:
    if conversation.status != st.WAITING:
        return None
    return selectors.line().info(conversation.pk)
