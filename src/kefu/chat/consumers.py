"""Live chat over websockets: ws/chat/ for a signed-in customer, ws/agent/chat/ for an agent's console.

THE PROTOCOL (JSON text frames; every frame is an object with a "type")
========================================================================

Both sockets use the session cookie (kefu.asgi: origin check + AuthMiddlewareStack). An anonymous socket, a
customer socket for a non-customer, or an agent socket without the permission `chat.handle_conversation` (or
`chat.supervise_chat`) is refused at the handshake (HTTP 403). Times are ISO 8601 with the Asia/Shanghai offset.
A `conversation` object is schemas.ChatConversationOut (with "intent": the assistant's label, "" when none); a
`message` object is schemas.ChatMessageOut:
    {"id", "conversation", "sender": "customer"|"agent"|"system"|"assistant", "author": {"id","name"}|null, "body",
     "image_url": "/api/v1/chat/images/<id>"|null, "event": ""|"assigned"|"transferred"|"requeued"|"ended"|
     "left_message"|"ticket_opened", "client_id", "sent_at", "read_at"}
Any frame the client sends may carry "ref" (any JSON value): an error caused by it echoes that ref.

Customer → server (ws/chat/)
    {"type": "ask", "body": str (1–500), "client_id"?: str}
        a question for the smart assistant. With no open chat it answers at once: an "assistant" frame (nobody waits
        in a line; a resend with the same client_id gets the same exchange). With a chat open, "ask" is a "message".
    {"type": "start", "skill"?: "presale"|"aftersale", "body"?: str, "order"?: order number, "client_id"?: str}
        ask for an agent. A customer has one open chat: with one open, the answer is a "conversation" frame with it.
        Nobody serving the queue → error "nobody_online": offer "leave_message". The customer's questions to the
        assistant (the last KEFU_CHAT_ASSISTANT_CARRY_SECONDS, not carried yet) become the chat's first messages, and
        the chat carries their intent: without "skill" the intent chooses the line, and a complaint is served first
        (kefu/chat/handoff.py). While the chat waits, the assistant answers what the customer writes when it is sure
        (FAQ or their own orders): a "message" whose sender is "assistant".
    {"type": "message", "body": str (1–5000), "client_id"?: str (≤64; a retry with the same id is stored once)}
        (message, typing, read, end act on the customer's open chat; an optional "conversation": number naming
        any other chat is not_found)
    {"type": "typing"}                          not stored; the agent gets "typing"
    {"type": "read", "up_to": message id}       the agent's (and system) messages up to it are read
    {"type": "end"}                             leave the chat (waiting or active)
    {"type": "leave_message", "body"?: str, "skill"?: ..., "order"?: ..., "client_id"?: str}
        nobody can serve me: my waiting chat (or these words and my questions to the assistant) become a ticket
    {"type": "ping"}                            → {"type": "pong"}
    (Images go over HTTP: POST /api/v1/chat/conversations/{number}/images; the socket then gets the "message".)

Server → customer
    {"type": "hello", "conversation": conversation|null, "assistant": [exchange]}
                                                            on connect: the open chat with its messages and place;
                                                            with none, the questions to the assistant not carried yet
    {"type": "assistant", "exchange": exchange, "client_id": str}   the assistant's answer to "ask":
        exchange = {"id", "question", "asked_at", "intent", "confidence", "answer", "handoff": bool,
                    "faq": {"id", "question"}|null, "actions": [{"kind": "view_order"|"cancel_order"|"open_aftersales"|
                    "view_case"|"apply_price_protection"|"contact_agent"|"handoff"|"sign_in", …}]}
        handoff: offer a person (send "start"); the intent "human_agent" asked for one.
    {"type": "conversation", "conversation": conversation}  the answer to "start" when a chat was already open
    {"type": "started", "conversation": conversation}       a new chat is in the line
    {"type": "queue", "conversation": number, "position": int, "expected_wait_seconds": int|null,
     "serving_agents": int}                                  when the place or the wait changes while waiting (the
                                                             latest within 0.25 s; never the same one twice);
                                                             expected_wait_seconds null: nobody serves the queue now
                                                             — offer "leave_message"
    {"type": "assigned", "conversation": conversation, "message": message}    an agent serves the chat
    {"type": "message", "conversation": number, "message": message}           a message (yours too: match client_id)
    {"type": "typing", "conversation": number, "from": "agent"}
    {"type": "read", "conversation": number, "reader": "agent", "up_to": id, "at": time}
    {"type": "transferred", "to": "agent"|"queue", "conversation": conversation, "message": message}
    {"type": "ended", "conversation": conversation, "by": "customer"|"agent"|"system", "reason": str,
     "message": message}
    {"type": "left_message", "conversation": conversation, "ticket": number, "next_step": str, "message": message}
    {"type": "ticket", "conversation": number, "ticket": number, "message": message}   a ticket was opened from it
    {"type": "error", "code": str, "field": str|null, "message": str, "ref": ...}
    {"type": "pong"}

Agent → server (ws/agent/chat/)
    {"type": "presence", "state": "available"|"away"|"offline"}
        available: log in to the queue (or back from away / after-contact work); away: no new chats (yours go
        on); offline: log out (your chats go back to the line, their place kept)
    {"type": "ready"}                            end the after-contact work now (same as presence available)
    {"type": "message", "conversation": number, "body": str, "client_id"?: str}
    {"type": "typing", "conversation": number}
    {"type": "read", "conversation": number, "up_to": message id}
    {"type": "transfer", "conversation": number, "agent": user id}          straight to an available colleague
    {"type": "transfer", "conversation": number, "skill": "presale"|"aftersale"}   back to that line
        (either may carry "note": str ≤ 200)
    {"type": "end", "conversation": number, "reason"?: str ≤ 40}
    {"type": "console"}                          → a fresh "hello"
    {"type": "ping"}                             → {"type": "pong"}. Send one every 15 s: an agent whose console
        is silent for KEFU_CHAT_AGENT_SILENCE_SECONDS (45) is logged out and their chats go back to the line; after
        the socket closes, a reconnect has KEFU_CHAT_RECONNECT_GRACE_SECONDS (20).

Server → agent
    {"type": "hello", "presence": presence, "conversations": [conversation with messages], "queues": [queue],
     "waiting": [waiting]}                       on connect and on "console" (schemas.ChatConsoleOut)
    {"type": "presence", "state", "since", "active_chats", "chat_capacity", "acw_until"}   their own state changed
    {"type": "assigned", "reason": "skill"|"senior"|"diamond_fallback"|"transfer", "note"?: str,
     "conversation": conversation with its messages}                          a chat is now theirs
    {"type": "message" | "typing" (from "customer") | "read" (reader "customer") | "ticket", …}  as above
    {"type": "transferred", "conversation": number, "to": "agent"|"queue", "agent"?: name, "skill"?: skill}
        the chat left them
    {"type": "ended", …}                         as above
    {"type": "queue.summary", "at": time, "queues": [queue], "waiting": [waiting]}   when the line changes, at
        most once a second, and every 5 s (every queue: the console shows the agent's skills; supervisors get it
        too). `queue` is schemas.ChatQueueOut, `waiting` schemas.ChatWaitingOut.
    {"type": "error", …}, {"type": "pong"}
"""

from __future__ import annotations

import json
import time

from asgiref.sync import SyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.db import connections
from pydantic import ValidationError

from kefu.assistant import selectors as assistant_selectors
from kefu.assistant import services as assistant_services
from kefu.core import clock
from kefu.core.errors import DomainError, InvalidTransition, NotFound

from . import chat_states as st
from . import conf, live, selectors
from .models import HANDLE, SUPERVISE, Conversation
from .schemas import (
    ChatAskIn,
    ChatEndIn,
    ChatLeaveMessageIn,
    ChatMessageIn,
    ChatPresenceIn,
    ChatReadIn,
    ChatStartIn,
    ChatTransferIn,
)
from .services import _common as c
from .services import agents, conversations, messages

HEARTBEAT_EVERY = 10.0  # seconds between two presence touches from one socket (the silence rule allows 45)
TYPING_EVERY = 1.0  # at most one typing signal a second from one socket
KEPT_CHATS = 200  # chats an agent's socket keeps between messages


class _Db(SyncToAsync):
    """Channels' database_sync_to_async closes the connection around every call (CONN_MAX_AGE is 0 here): on
    SQLite that is an open, the PRAGMAs and a WAL checkpoint per chat message. The sockets' database work all runs
    in one thread (thread-sensitive), so this keeps that thread's connection open between calls and closes it only
    when it broke or a transaction was left open."""

    def thread_handler(self, loop, *args, **kwargs):
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.connection is None:
                    continue
                if conn.in_atomic_block or not conn.get_autocommit():
                    conn.close()
                elif conn.errors_occurred:
                    if conn.is_usable():
                        conn.errors_occurred = False
                    else:
                        conn.close()


def db(func):
    """Run a sync function of the ORM from a consumer (see _Db)."""
    return _Db(func, thread_sensitive=True)


def parse(model, content: dict, *drop: str):
    payload = {k: v for k, v in content.items() if k not in {"type", "ref", *drop}}
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise DomainError(first["msg"], field=field, code=first["type"]) from None


def _number(content: dict) -> str:
    number = content.get("conversation")
    if not isinstance(number, str) or not 1 <= len(number) <= 20 or "\x00" in number:
        raise DomainError("name the chat by its number", field="conversation", code="required")
    return number


class _ChatSocket(AsyncJsonWebsocketConsumer):
    """What both sockets share: the user's group, the error frame, and the event relay."""

    handlers: dict[str, str] = {}

    async def allowed(self, user) -> bool:
        raise NotImplementedError

    async def connect(self):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            # The real row, not the scope's lazy proxy: it is handed to the services and the ORM.
            user = await db(get_user_model().objects.filter(pk=user.pk, is_active=True).first)()
        if user is None or not user.is_authenticated or not await self.allowed(user):
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.user = user
        self.groups_joined = [live.user_group(user.pk), *await self.extra_groups()]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        live.remember_loop()
        await self.accept()
        await self.send_json(await db(self.hello)())

    async def extra_groups(self) -> list[str]:
        return []

    def hello(self) -> dict:
        raise NotImplementedError

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.error("bad_frame", "send JSON text frames", None, None)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("bad_json", "the frame is not valid JSON", None, None)
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.error("bad_frame", "a frame is a JSON object with a type", None, None)
            return
        ref = content.get("ref")
        handler = self.handlers.get(content.get("type"))
        if handler is None:
            await self.error("unknown_type", f"unknown type {content.get('type')!r}", "type", ref)
            return
        try:
            await getattr(self, handler)(content)
        except DomainError as exc:
            await self.error(exc.code, exc.message, exc.field, ref)

    async def error(self, code: str, message: str, field: str | None, ref) -> None:
        await self.send_json({"type": "error", "code": code, "field": field, "message": message, "ref": ref})

    async def chat_event(self, message):
        """From kefu.chat.live: forward the event as it is."""
        await self.send_json(message["event"])

    async def pong(self, content):
        await self.send_json({"type": "pong"})

    async def typing_to(self, user_id: int | None, number: str, sender: str) -> None:
        now = time.monotonic()
        if user_id is None or now - getattr(self, "_typed_at", 0.0) < TYPING_EVERY:
            return
        self._typed_at = now
        await live.send_async(live.to_user(user_id, {"type": "typing", "conversation": number, "from": sender}))


# --- the customer ---------------------------------------------------------------------------------------------

class CustomerChatConsumer(_ChatSocket):
    handlers = {"ask": "ask", "start": "start", "message": "message", "typing": "typing", "read": "read",
                "end": "end", "leave_message": "leave_message", "ping": "pong"}

    async def allowed(self, user) -> bool:
        return await db(lambda: c.customer_of(user) is not None)()

    def hello(self) -> dict:
        customer = c.customer_of(self.user)
        conversation = selectors.open_conversation(customer)
        exchanges = [] if conversation else [assistant_services.exchange(row) for row in
                                             assistant_selectors.waiting_exchanges(
                                                 customer, since=clock.now() - conf.assistant_carry_window())]
        return {"type": "hello", "conversation": self.snapshot(conversation) if conversation else None,
                "assistant": exchanges}

    @staticmethod
    def snapshot(conversation: Conversation) -> dict:
        return c.view(conversation, for_agent=False, messages=selectors.messages(conversation),
                      queue=c.queue_info(conversation))

    _open: Conversation | None = None  # the open chat, kept between messages (see `message`)

    async def chat_event(self, message):
        if message["event"]["type"] in {"started", "ended", "left_message"}:
            self._open = None
        await super().chat_event(message)

    def own(self, content: dict, *, cached: bool = False) -> Conversation:
        """The customer's open chat; a number naming any other chat is not found."""
        number = content.get("conversation")
        kept = self._open
        if cached and kept is not None and number in (None, kept.number):
            return kept
        conversation = (Conversation.objects.filter(customer=c.customer_of(self.user), status__in=st.OPEN)
                        .select_related("customer").first())
        self._open = conversation
        if conversation is None or number is not None and number != conversation.number:
            raise NotFound("you have no open chat" if number is None else f"no chat {number}",
                           field="conversation")
        return conversation

    async def ask(self, content):
        """A question for the smart assistant; with a chat open it is a message in that chat."""
        data = parse(ChatAskIn, content)

        def run():
            customer = c.customer_of(self.user)
            if selectors.open_conversation(customer) is not None:
                return None
            row = assistant_services.ask_in_chat(data.body, customer=customer, client_id=data.client_id)
            return {"type": "assistant", "exchange": assistant_services.exchange(row), "client_id": data.client_id}

        reply = await db(run)()
        if reply is None:
            await self.message({**content, "type": "message"})
        else:
            await self.send_json(reply)

    async def start(self, content):
        data = parse(ChatStartIn, content)

        def run():
            conversation, created = conversations.start(self.user, data.skill, body=data.body, order=data.order,
                                                        client_id=data.client_id)
            return None if created else {"type": "conversation", "conversation": self.snapshot(conversation)}

        reply = await db(run)()
        if reply:
            await self.send_json(reply)

    async def message(self, content):
        data = parse(ChatMessageIn, content, "conversation")

        def run():
            # The kept chat saves a query per message; send() re-reads its status and agent under the row lock, so
            # a kept chat that has ended meanwhile is refused, and the open one (if any) is looked up again.
            try:
                message, created = messages.send(self.own(content, cached=True), data.body, by=self.user,
                                                 client_id=data.client_id)
            except InvalidTransition:
                self._open = None
                message, created = messages.send(self.own(content), data.body, by=self.user,
                                                 client_id=data.client_id)
            return None if created else c.message_event(message, message.conversation)

        reply = await db(run)()
        if reply:  # a retry: only the sender hears it again
            await self.send_json(reply)

    async def typing(self, content):
        conversation = await db(self.own)(content)
        if conversation.status == st.ACTIVE:  # while waiting nobody is there to see it
            await self.typing_to(conversation.agent_id, conversation.number, "customer")

    async def read(self, content):
        data = parse(ChatReadIn, content, "conversation")
        await db(lambda: messages.mark_read(self.own(content), data.up_to, by=self.user))()

    async def end(self, content):
        parse(ChatEndIn, content, "conversation")
        await db(lambda: conversations.end(self.own(content), by=self.user))()

    async def leave_message(self, content):
        data = parse(ChatLeaveMessageIn, content, "conversation")
        await db(lambda: conversations.leave_message(
            self.user, body=data.body, skill=data.skill, order=data.order, client_id=data.client_id))()


# --- the agent ------------------------------------------------------------------------------------------------

class AgentChatConsumer(_ChatSocket):
    handlers = {"presence": "presence", "ready": "ready", "message": "message", "typing": "typing", "read": "read",
                "transfer": "transfer", "end": "end", "console": "console", "ping": "ping"}

    async def allowed(self, user) -> bool:
        self._chats: dict[str, Conversation] = {}

        def check():
            self.handles, self.supervises = user.has_perm(HANDLE), user.has_perm(SUPERVISE)
            return self.handles or self.supervises

        return await db(check)()

    async def extra_groups(self) -> list[str]:
        return [*([live.AGENTS] if self.handles else []), *([live.SUPERVISORS] if self.supervises else [])]

    def hello(self) -> dict:
        agents.heartbeat(self.user)
        self._seen = time.monotonic()
        return {"type": "hello", **selectors.console(self.user)}

    async def disconnect(self, code):
        await super().disconnect(code)
        if getattr(self, "user", None) is not None and getattr(self, "handles", False):
            await db(agents.socket_closed)(self.user)

    async def receive_json(self, content, **kwargs):
        now = time.monotonic()
        if now - getattr(self, "_seen", 0.0) >= HEARTBEAT_EVERY:
            self._seen = now
            await db(agents.heartbeat)(self.user)
        await super().receive_json(content, **kwargs)

    def chat(self, content: dict, *, cached: bool = False) -> Conversation:
        """A chat by its number. `cached`: the copy kept from an earlier message (its number and customer do not
        change; the services re-read its status and agent under the row lock before acting)."""
        number = _number(content)
        if cached and number in self._chats:
            return self._chats[number]
        found = Conversation.objects.filter(number=number).select_related("customer").first()
        if found is None:
            raise NotFound(f"no chat {number}", field="conversation")
        if len(self._chats) >= KEPT_CHATS:
            self._chats.clear()
        self._chats[number] = found
        return found

    async def chat_event(self, message):
        event = message["event"]
        if event["type"] in {"ended", "transferred"}:
            number = event["conversation"]
            self._chats.pop(number["number"] if isinstance(number, dict) else number, None)
        await super().chat_event(message)

    async def presence(self, content):
        data = parse(ChatPresenceIn, content)
        await db(lambda: agents.set_state(self.user, data.state))()

    async def ready(self, content):
        await db(lambda: agents.set_state(self.user, "available"))()

    async def message(self, content):
        data = parse(ChatMessageIn, content, "conversation")

        def run():
            message, created = messages.send(self.chat(content, cached=True), data.body, by=self.user,
                                             client_id=data.client_id)
            return None if created else c.message_event(message, message.conversation)

        reply = await db(run)()
        if reply:
            await self.send_json(reply)

    async def typing(self, content):
        def find():
            conversation = self.chat(content)
            if c.party(conversation, self.user) != c.AGENT or conversation.status != st.ACTIVE:
                raise c.Forbidden("this chat is not yours", field="conversation", code="not_your_chat")
            return conversation

        conversation = await db(find)()
        await self.typing_to(conversation.customer.user_id, conversation.number, "agent")

    async def read(self, content):
        data = parse(ChatReadIn, content, "conversation")
        await db(lambda: messages.mark_read(self.chat(content), data.up_to, by=self.user))()

    async def transfer(self, content):
        data = parse(ChatTransferIn, content, "conversation")
        if (data.agent is None) == (data.skill is None):
            raise DomainError("name either an agent or a skill", field="agent", code="required")

        def run():
            conversation = self.chat(content)
            if data.skill is not None:
                return conversations.transfer_to_queue(conversation, data.skill, by=self.user, note=data.note)
            colleague = get_user_model().objects.filter(pk=data.agent).first()
            if colleague is None:
                raise DomainError("no such agent", field="agent", code="not_found")
            return conversations.transfer_to_agent(conversation, colleague, by=self.user, note=data.note)

        await db(run)()

    async def end(self, content):
        data = parse(ChatEndIn, content, "conversation")
        await db(lambda: conversations.end(self.chat(content), by=self.user,
                                                               reason=data.reason))()

    async def console(self, content):
        await self.send_json(await db(self.hello)())

    async def ping(self, content):
        """receive_json has touched the presence already when it was due."""
        await self.send_json({"type": "pong"})
