"""Live chat over HTTP, mounted at /api/v1: what the websocket does not carry (history, image uploads, the agent's
lists, a supervisor's overview), and start / write / leave-a-message for clients without websockets.

Customers (their session; only their own chats — anyone else's is a 404):
    GET  /chat/conversations                        my chats, newest first, paged
    POST /chat/conversations                        ask for an agent → 201 (200 with the chat already open;
                                                    409 nobody_online: leave a message instead)
    GET  /chat/conversations/{number}               one chat: its messages (after=<id>), place and expected wait
    POST /chat/conversations/{number}/messages      write → 201 (a retry with the same client_id → 200, stored once)
    POST /chat/conversations/{number}/images        multipart: `image` (JPEG/PNG/WebP ≤ 5 MB), `body`, `client_id`
    POST /chat/conversations/{number}/read          {"up_to": id}
    POST /chat/conversations/{number}/end
    POST /chat/conversations/{number}/leave-message my waiting chat becomes a ticket
    POST /chat/messages-left                        leave a message without a chat → 201
    GET  /chat/images/{message_id}                  an image, to the chat's participants only (agents too)

Agents (chat.handle_conversation, or chat.supervise_chat; else 403):
    GET  /agent/chat                                the console: presence, my chats, the lines of my skills
    GET  /agent/chat/colleagues                     who else is logged in to the queue (available first)
    POST /agent/chat/presence                       {"state": "available"|"away"|"offline"}
    GET  /agent/chat/conversations                  my chats (a supervisor: all), ?status=, paged
    GET  /agent/chat/conversations/{number}         one chat I serve or served (a supervisor: any)
    POST /agent/chat/conversations/{number}/messages | images | read | end
    POST /agent/chat/conversations/{number}/transfer   {"agent": id} or {"skill": …}
    POST /agent/chat/conversations/{number}/ticket     open a ticket from the chat (linked, transcript) → 201
Supervisors (chat.supervise_chat; else 403):
    GET  /agent/chat/overview                       every line, agent and open chat
    POST /agent/chat/agents/{user_id}/capacity      {"chat_capacity": 1–20}
    GET  /agent/chat/agents/{user_id}/time-in-state ?start=&end= seconds per state, from the presence log
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router, Status
from ninja.errors import ValidationError
from pydantic import TypeAdapter

from kefu.commerce.schemas import AwareDatetime
from kefu.contact import presence as presence_service
from kefu.core import clock
from kefu.core.errors import DomainError, NotFound
from kefu.tickets.api_support import MAX_OFFSET, _Session, customer_of, customers, error, json_body, no_nul, parse

from . import chat_states as st
from . import selectors
from .models import HANDLE, SUPERVISE, ChatMessage, Conversation
from .schemas import (
    ChatCapacityIn,
    ChatColleaguesOut,
    ChatConsoleOut,
    ChatConversationOut,
    ChatConversationPageOut,
    ChatEndIn,
    ChatLeaveMessageIn,
    ChatMessageIn,
    ChatMessageOut,
    ChatOverviewOut,
    ChatPresenceIn,
    ChatPresenceOut,
    ChatReadIn,
    ChatStartIn,
    ChatTicketIn,
    ChatTicketOut,
    ChatTransferIn,
)
from .services import _common as c
from .services import agents as agent_service
from .services import conversations, messages

router = Router(tags=["chat"])

START = TypeAdapter(ChatStartIn)
MESSAGE = TypeAdapter(ChatMessageIn)
LEAVE = TypeAdapter(ChatLeaveMessageIn)
READ = TypeAdapter(ChatReadIn)
END = TypeAdapter(ChatEndIn)
TRANSFER = TypeAdapter(ChatTransferIn)
PRESENCE = TypeAdapter(ChatPresenceIn)
CAPACITY = TypeAdapter(ChatCapacityIn)
TICKET = TypeAdapter(ChatTicketIn)
IMAGE_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["image"], "properties": {
        "image": {"type": "string", "format": "binary", "description": "JPEG, PNG or WebP, checked by its bytes"},
        "body": {"type": "string", "maxLength": 5000}, "client_id": {"type": "string", "maxLength": 64}}}}}}}


class ChatAgentSession(_Session):
    refusal = "Only agents who serve chats may do this."

    def admits(self, user) -> bool:
        return user.has_perm(HANDLE) or user.has_perm(SUPERVISE)


class SignedIn(_Session):
    refusal = "Sign in first."

    def admits(self, user) -> bool:
        return True


chat_agents = [ChatAgentSession()]
MESSAGE_ANSWERS = {200: ChatMessageOut, 201: ChatMessageOut}  # 200: a retry of a stored client_id
signed_in = [SignedIn()]


def _queue(conversation: Conversation) -> dict | None:
    return c.queue_info(conversation)


def _out(conversation: Conversation, *, for_agent: bool, after: int = 0, limit: int = 200) -> ChatConversationOut:
    return ChatConversationOut.build(conversation, for_agent=for_agent,
                                 messages=selectors.messages(conversation, after=after, limit=limit),
                                 queue=_queue(conversation))


def _page(qs: QuerySet, *, for_agent: bool, limit: int, offset: int) -> ChatConversationPageOut:
    return ChatConversationPageOut(count=qs.count(), limit=limit, offset=offset,
                                   items=[ChatConversationOut.build(x, for_agent=for_agent)
                                          for x in qs[offset:offset + limit]])


def _image_form(request: HttpRequest):
    if request.content_type != "multipart/form-data":
        raise ValidationError([error(["body"], "send multipart/form-data with a file part `image`", "multipart")])
    try:
        form, files = request.POST, request.FILES
    except (MultiPartParserError, RequestDataTooBig) as exc:
        raise ValidationError([error(["body"], f"unreadable form body: {exc}", "unreadable")]) from None
    unknown = sorted((set(form) | set(files)) - {"image", "body", "client_id"})
    if unknown:
        raise ValidationError([error(["body", unknown[0]], "unknown part: send image, body, client_id",
                                     "extra_forbidden")])
    if "image" not in files:
        raise ValidationError([error(["body", "image"], "the image goes in the file part `image`", "missing")])
    client_id = form.get("client_id", "")
    if len(client_id) > 64:
        raise ValidationError([error(["body", "client_id"], "at most 64 characters", "too_long")])
    return files["image"], form.get("body", ""), client_id


# --- customers ------------------------------------------------------------------------------------------------

def _mine(request: HttpRequest) -> QuerySet:
    return selectors.with_people(Conversation.objects.filter(customer=customer_of(request.auth)))


def _my_chat(request: HttpRequest, number: str) -> Conversation:
    found = _mine(request).filter(number=no_nul(number)).first()
    if found is None:
        raise NotFound(f"no chat {number}", field="number")
    return found


@router.get("/chat/conversations", auth=customers, response=ChatConversationPageOut, summary="My chats, newest first")
def my_chats(request: HttpRequest, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    return _page(_mine(request).order_by("-started_at", "-id"), for_agent=False, limit=limit, offset=offset)


@router.post("/chat/conversations", auth=customers, response={200: ChatConversationOut, 201: ChatConversationOut},
             openapi_extra=json_body(START), summary="Ask for an agent")
def start(request: HttpRequest):
    """One open chat at a time: with one open, it comes back (200). Nobody serving the queue: 409
    `nobody_online` — leave a message instead (POST /chat/messages-left)."""
    data = parse(request, START)
    conversation, created = conversations.start(request.auth, data.skill, body=data.body, order=data.order,
                                                client_id=data.client_id)
    return Status(201 if created else 200, _out(conversation, for_agent=False))


@router.get("/chat/conversations/{number}", auth=customers, response=ChatConversationOut, summary="One of my chats")
def my_chat(request: HttpRequest, number: str, after: int = Query(0, ge=0, le=2**63 - 1),
            limit: int = Query(200, ge=1, le=500)):
    """The messages after id `after` (the latest `limit`), the place in the line and the expected wait."""
    return _out(_my_chat(request, number), for_agent=False, after=after, limit=limit)


@router.post("/chat/conversations/{number}/messages", auth=customers, response=MESSAGE_ANSWERS,
             openapi_extra=json_body(MESSAGE), summary="Write in my chat")
def customer_writes(request: HttpRequest, number: str):
    data = parse(request, MESSAGE)
    conversation = _my_chat(request, number)
    message, created = messages.send(conversation, data.body, by=request.auth, client_id=data.client_id)
    return Status(201 if created else 200, ChatMessageOut.build(message, conversation.number))


@router.post("/chat/conversations/{number}/images", auth=customers, response={200: ChatMessageOut, 201: ChatMessageOut},
             openapi_extra=IMAGE_FORM, summary="Send an image in my chat")
def customer_image(request: HttpRequest, number: str):
    upload, body, client_id = _image_form(request)
    conversation = _my_chat(request, number)
    message, created = messages.send_image(conversation, upload, by=request.auth, body=body, client_id=client_id)
    return Status(201 if created else 200, ChatMessageOut.build(message, conversation.number))


@router.post("/chat/conversations/{number}/read", auth=customers, response=dict, openapi_extra=json_body(READ),
             summary="I have read up to a message")
def customer_reads(request: HttpRequest, number: str):
    data = parse(request, READ)
    return {"read": messages.mark_read(_my_chat(request, number), data.up_to, by=request.auth)}


@router.post("/chat/conversations/{number}/end", auth=customers, response=ChatConversationOut,
             summary="Leave my chat")
def customer_ends(request: HttpRequest, number: str):
    conversation = conversations.end(_my_chat(request, number), by=request.auth)
    return _out(conversation, for_agent=False)


@router.post("/chat/conversations/{number}/leave-message", auth=customers, response=ChatConversationOut,
             openapi_extra=json_body(LEAVE, required=False), summary="My waiting chat becomes a ticket")
def customer_leaves_message(request: HttpRequest, number: str):
    data = parse(request, LEAVE)
    conversation = _my_chat(request, number)
    done = conversations.leave_message(request.auth, body=data.body, client_id=data.client_id,
                                       skill=conversation.skill, conversation=conversation)
    return _out(done, for_agent=False)


@router.post("/chat/messages-left", auth=customers, response={201: ChatConversationOut}, openapi_extra=json_body(LEAVE),
             summary="Leave a message (nobody online)")
def leave_message(request: HttpRequest):
    """The message becomes a ticket at once (channel chat); the answer names it and when a person will reply."""
    data = parse(request, LEAVE)
    done = conversations.leave_message(request.auth, body=data.body, skill=data.skill, order=data.order,
                                       client_id=data.client_id)
    return Status(201, _out(done, for_agent=False))


@router.get("/chat/images/{message_id}", auth=signed_in, url_name="chat_image", summary="An image of a chat",
            response={200: None})
def chat_image(request: HttpRequest, message_id: int):
    """Streamed with its checked type to the chat's customer, an agent who serves or served it, or a supervisor;
    anyone else gets a 404 (never confirming it exists)."""
    message = ChatMessage.objects.select_related("conversation__customer").filter(pk=message_id).exclude(
        image="").first()
    if message is None or not selectors.may_see(request.auth, message.conversation):
        raise NotFound("no such image", field="message_id")
    try:
        handle = message.image.storage.open(message.image.name, "rb")
    except FileNotFoundError:
        raise Http404("the image's file is missing") from None
    response = FileResponse(handle, content_type=message.image_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- agents ---------------------------------------------------------------------------------------------------

def _chat(request: HttpRequest, number: str) -> Conversation:
    """A chat the agent serves or served (a supervisor: any); others are a 404."""
    found = selectors.with_people(Conversation.objects.filter(number=no_nul(number))).first()
    if found is None or not selectors.may_see(request.auth, found):
        raise NotFound(f"no chat {number}", field="number")
    return found


def _supervisor(request: HttpRequest) -> None:
    if not request.auth.has_perm(SUPERVISE):
        raise c.Forbidden("only supervisors may do this")


@router.get("/agent/chat", auth=chat_agents, response=ChatConsoleOut, summary="My chat console")
def console(request: HttpRequest):
    return selectors.console(request.auth)


@router.get("/agent/chat/colleagues", auth=chat_agents, response=ChatColleaguesOut, url_name="chat_colleagues",
            summary="The colleagues logged in to the chat queue (to transfer a chat to)")
def colleagues(request: HttpRequest):
    return {"agents": selectors.colleagues(request.auth)}


@router.post("/agent/chat/presence", auth=chat_agents, response=ChatPresenceOut, openapi_extra=json_body(PRESENCE),
             summary="Log in to the queue, go away, or log out")
def set_presence(request: HttpRequest):
    data = parse(request, PRESENCE)
    agent_service.set_state(request.auth, data.state)
    return selectors.presence_of(request.auth)


@router.get("/agent/chat/conversations", auth=chat_agents, response=ChatConversationPageOut,
            summary="My chats (a supervisor: every chat)")
def agent_chats(request: HttpRequest, status: str | None = Query(None, description="waiting, active, ended, "
                                                                                    "left_message"),
                limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    if status is not None and status not in st.CONVERSATION.states:
        raise DomainError(f"unknown status {status!r}", field="status", location="query")
    return _page(selectors.conversations_of(request.auth, status=status), for_agent=True, limit=limit, offset=offset)


@router.get("/agent/chat/conversations/{number}", auth=chat_agents, response=ChatConversationOut,
            summary="One chat, with its messages")
def agent_chat(request: HttpRequest, number: str, after: int = Query(0, ge=0, le=2**63 - 1),
               limit: int = Query(200, ge=1, le=500)):
    return _out(_chat(request, number), for_agent=True, after=after, limit=limit)


@router.post("/agent/chat/conversations/{number}/messages", auth=chat_agents,
             response=MESSAGE_ANSWERS, openapi_extra=json_body(MESSAGE), summary="Write in a chat")
def agent_writes(request: HttpRequest, number: str):
    data = parse(request, MESSAGE)
    conversation = _chat(request, number)
    message, created = messages.send(conversation, data.body, by=request.auth, client_id=data.client_id)
    return Status(201 if created else 200, ChatMessageOut.build(message, conversation.number))


@router.post("/agent/chat/conversations/{number}/images", auth=chat_agents,
             response={200: ChatMessageOut, 201: ChatMessageOut}, openapi_extra=IMAGE_FORM, summary="Send an image")
def agent_image(request: HttpRequest, number: str):
    upload, body, client_id = _image_form(request)
    conversation = _chat(request, number)
    message, created = messages.send_image(conversation, upload, by=request.auth, body=body, client_id=client_id)
    return Status(201 if created else 200, ChatMessageOut.build(message, conversation.number))


@router.post("/agent/chat/conversations/{number}/read", auth=chat_agents, response=dict,
             openapi_extra=json_body(READ), summary="I have read up to a message")
def agent_reads(request: HttpRequest, number: str):
    data = parse(request, READ)
    return {"read": messages.mark_read(_chat(request, number), data.up_to, by=request.auth)}


@router.post("/agent/chat/conversations/{number}/end", auth=chat_agents, response=ChatConversationOut,
             openapi_extra=json_body(END, required=False), summary="End a chat")
def agent_ends(request: HttpRequest, number: str):
    data = parse(request, END)
    return _out(conversations.end(_chat(request, number), by=request.auth, reason=data.reason), for_agent=True)


@router.post("/agent/chat/conversations/{number}/transfer", auth=chat_agents, response=ChatConversationOut,
             openapi_extra=json_body(TRANSFER), summary="Transfer to a colleague or back to a line")
def transfer(request: HttpRequest, number: str):
    data = parse(request, TRANSFER)
    if (data.agent is None) == (data.skill is None):
        raise DomainError("name either an agent or a skill", field="agent", code="required")
    conversation = _chat(request, number)
    if data.skill is not None:
        done = conversations.transfer_to_queue(conversation, data.skill, by=request.auth, note=data.note)
    else:
        colleague = get_user_model().objects.filter(pk=data.agent).first()
        if colleague is None:
            raise DomainError("no such agent", field="agent", code="not_found")
        done = conversations.transfer_to_agent(conversation, colleague, by=request.auth, note=data.note)
    return _out(done, for_agent=True)


@router.post("/agent/chat/conversations/{number}/ticket", auth=chat_agents,
             response={200: ChatTicketOut, 201: ChatTicketOut},
             openapi_extra=json_body(TICKET), summary="Open a ticket from the chat")
def ticket_from_chat(request: HttpRequest, number: str):
    """Linked to the chat, its transcript the ticket's first message. A chat has one ticket: again → 200 with it."""
    data = parse(request, TICKET)
    conversation = _chat(request, number)
    had = conversation.ticket_id is not None
    ticket = conversations.open_ticket(conversation, by=request.auth, subject=data.subject, kind=data.kind,
                                       severity=data.severity)
    return Status(200 if had else 201, ChatTicketOut(ticket=ticket.number, conversation=conversation.number))


@router.get("/agent/chat/overview", auth=chat_agents, response=ChatOverviewOut, summary="Every line, agent and chat")
def overview(request: HttpRequest):
    _supervisor(request)
    return selectors.overview()


def _agent(user_id: int):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.has_perm(HANDLE):
        raise NotFound("no such agent", field="user_id")
    return user


@router.post("/agent/chat/agents/{user_id}/capacity", auth=chat_agents, response=ChatPresenceOut,
             openapi_extra=json_body(CAPACITY), summary="Set an agent's chat capacity")
def set_capacity(request: HttpRequest, user_id: int):
    _supervisor(request)
    data = parse(request, CAPACITY)
    agent = _agent(user_id)
    agent_service.set_capacity(agent, data.chat_capacity, by=request.auth)
    return selectors.presence_of(agent)


@router.get("/agent/chat/agents/{user_id}/time-in-state", auth=chat_agents, response=dict[str, float],
            summary="Seconds an agent spent in each state")
def time_in_state(request: HttpRequest, user_id: int, start: AwareDatetime, end: AwareDatetime | None = None):
    """From the presence log (an open span counts up to `end`, default now)."""
    _supervisor(request)
    end_at: datetime = end or clock.now()
    if end_at <= start:
        raise DomainError("end must be after start", field="end", location="query")
    return presence_service.time_in_state(_agent(user_id), start, end_at)
