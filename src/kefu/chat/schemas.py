"""Shapes of live chat, shared by the HTTP API and the websocket protocol (consumers.py), so a message or a
conversation reads the same on both.

Input follows the ticket API's rules: stripped strings that fit, closed enumerations, unknown fields refused, no
NUL characters. Output: times in ISO 8601 with the Asia/Shanghai offset.

Two audiences read a conversation. The customer sees their agent's display name, the messages, their place in
the line and the expected wait; agents also see the customer (name, tier, masked phone) and the priority.
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from kefu.commerce.schemas import LocalTime, text
from kefu.tickets.models import Kind, Severity
from kefu.tickets.schemas import StrictIn

from .models import ChatMessage, ChatSkill, Conversation

BODY_LIMIT = 5000
ClientId = Annotated[str, Field(max_length=64)]
Number = Annotated[str, Field(min_length=1, max_length=20)]
DbId = Annotated[int, Field(ge=0, le=2**63 - 1)]


# --- input ------------------------------------------------------------------------------------------------------

class ChatStartIn(StrictIn):
    skill: ChatSkill | None = Field(
        None, description="presale: before buying; aftersale: about an order already placed. Left out: the line "
                          "follows the intent of your recent questions to the smart assistant (else aftersale)")
    body: str = text(BODY_LIMIT, required=False)
    order: str | None = Field(None, min_length=1, max_length=32, description="the number of one of your orders")
    client_id: ClientId = ""


class ChatMessageIn(StrictIn):
    body: str = text(BODY_LIMIT)
    client_id: ClientId = ""


class ChatAskIn(StrictIn):
    body: str = text(500)
    client_id: ClientId = ""


class ChatLeaveMessageIn(StrictIn):
    skill: ChatSkill | None = Field(None, description="left out: as for a start")
    body: str = text(BODY_LIMIT, required=False)
    order: str | None = Field(None, min_length=1, max_length=32)
    client_id: ClientId = ""


class ChatReadIn(StrictIn):
    up_to: DbId = Field(description="every message of the other side up to this id is read")


class ChatEndIn(StrictIn):
    reason: str = text(40, required=False)


class ChatTransferIn(StrictIn):
    """Either `agent` (a colleague's user id: the chat goes straight to them) or `skill` (back to that line)."""

    agent: DbId | None = None
    skill: ChatSkill | None = None
    note: str = text(200, required=False)


class ChatPresenceIn(StrictIn):
    state: Literal["available", "away", "offline"] = Field(
        description="available: log in (or back from away / after-contact work); away: no new chats; "
                    "offline: log out (your chats go back to the line)")


class ChatCapacityIn(StrictIn):
    chat_capacity: int = Field(ge=1, le=20)


class ChatTicketIn(StrictIn):
    subject: str = text(120)
    kind: Kind = Kind.COMPLAINT
    severity: Severity = Severity.NORMAL


# --- output -----------------------------------------------------------------------------------------------------

class ChatPersonOut(Schema):
    id: int
    name: str

    @classmethod
    def of_user(cls, user) -> ChatPersonOut | None:
        if user is None:
            return None
        return cls(id=user.pk, name=user.get_full_name() or user.get_username())


class ChatCustomerOut(Schema):
    id: int
    name: str
    tier: str
    phone: str  # masked


class ChatMessageOut(Schema):
    id: int
    conversation: str
    sender: str  # customer | agent | system | assistant
    author: ChatPersonOut | None
    body: str
    image_url: str | None
    event: str
    client_id: str
    sent_at: LocalTime
    read_at: LocalTime | None

    @classmethod
    def build(cls, message: ChatMessage, number: str) -> ChatMessageOut:
        author = None
        if message.author_kind == "agent":
            author = ChatPersonOut.of_user(message.author)
        elif message.author_kind == "customer" and message.author is not None:
            customer = getattr(message.author, "customer", None)
            name = customer.name if customer else message.author.get_username()
            author = ChatPersonOut(id=message.author.pk, name=name)
        return cls(id=message.pk, conversation=number, sender=message.author_kind, author=author, body=message.body,
                   image_url=reverse("api:chat_image", args=[message.pk]) if message.image else None,
                   event=message.event, client_id=message.client_id, sent_at=message.sent_at,
                   read_at=message.read_at)


class ChatConversationOut(Schema):
    number: str
    status: str
    skill: str
    intent: str = Field("", description="what the smart assistant understood the customer wants (\"\": none)")
    priority: int
    started_at: LocalTime
    answered_at: LocalTime | None
    ended_at: LocalTime | None
    wait_seconds: int
    transfers: int
    ended_by: str
    end_reason: str
    agent: ChatPersonOut | None
    customer: ChatCustomerOut | None = Field(None, description="agents only")
    order: str | None
    ticket: str | None
    position: int | None = Field(None, description="place in the line while waiting, 1 is next")
    expected_wait_seconds: int | None = Field(
        None, description="position × average handle time ÷ chat slots serving the queue; null while waiting "
                          "when nobody serves it (leave a message instead)")
    serving_agents: int | None = None
    messages: list[ChatMessageOut] = []

    @classmethod
    def build(cls, conversation: Conversation, *, for_agent: bool, messages=(), queue: dict | None = None
              ) -> ChatConversationOut:
        customer = None
        if for_agent:
            c = conversation.customer
            customer = ChatCustomerOut(id=c.pk, name=c.name, tier=c.tier, phone=c.masked_phone)
        queue = queue or {}
        return cls(number=conversation.number, status=conversation.status, skill=conversation.skill,
                   intent=conversation.intent, priority=conversation.priority, started_at=conversation.started_at,
                   answered_at=conversation.answered_at, ended_at=conversation.ended_at,
                   wait_seconds=conversation.wait_seconds, transfers=conversation.transfers,
                   ended_by=conversation.ended_by, end_reason=conversation.end_reason,
                   agent=ChatPersonOut.of_user(conversation.agent), customer=customer,
                   order=conversation.order.number if conversation.order_id else None,
                   ticket=conversation.ticket.number if conversation.ticket_id else None,
                   position=queue.get("position"), expected_wait_seconds=queue.get("expected_wait_seconds"),
                   serving_agents=queue.get("serving_agents"),
                   messages=[ChatMessageOut.build(m, conversation.number) for m in messages])


class ChatConversationPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChatConversationOut]


class ChatPresenceOut(Schema):
    state: str
    since: LocalTime
    chat_capacity: int
    active_chats: int
    acw_until: LocalTime | None
    skills: list[str]
    senior: bool


class ChatQueueOut(Schema):
    skill: str
    waiting: int
    longest_wait_seconds: int
    diamond_waiting: int
    serving_agents: int
    available_agents: int
    serving_slots: int
    free_slots: int
    average_handle_seconds: float


class ChatWaitingOut(Schema):
    number: str
    skill: str
    tier: str
    priority: int
    customer: str
    position: int
    waiting_seconds: int
    expected_wait_seconds: int | None


class ChatAgentRowOut(Schema):
    agent: ChatPersonOut
    state: str
    since: LocalTime
    active_chats: int
    chat_capacity: int
    skills: list[str]
    senior: bool
    seconds_in_state: int


class ChatColleagueOut(Schema):
    id: int
    name: str
    state: str
    active_chats: int
    chat_capacity: int
    skills: list[str]
    available: bool = Field(description="online with room: a chat can be transferred to them now")


class ChatColleaguesOut(Schema):
    agents: list[ChatColleagueOut]


class ChatConsoleOut(Schema):
    """The agent's console: their presence, their chats, and the lines of their skills."""

    presence: ChatPresenceOut
    conversations: list[ChatConversationOut]
    queues: list[ChatQueueOut]
    waiting: list[ChatWaitingOut]


class ChatOverviewOut(Schema):
    """A supervisor's view: every line, every agent, every open chat."""

    at: LocalTime
    queues: list[ChatQueueOut]
    waiting: list[ChatWaitingOut]
    agents: list[ChatAgentRowOut]
    active: list[ChatConversationOut]


class ChatTicketOut(Schema):
    ticket: str
    conversation: str
