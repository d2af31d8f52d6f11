"""A chat's life: started by a signed-in customer (one open chat at a time), routed, transferred to a colleague or
to another line, ended (the agent then wraps up), left as a message when nobody serves it, and turned into a
ticket (linked, with the transcript).

Every step locks the rows it changes, checks the conversation's state machine, leaves an audit record and an
outbox event (chat.started, chat.assigned, chat.transferred, chat.requeued, chat.ended, chat.left_message,
chat.ticket_opened), and pushes the change to the open sockets after commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.assistant import selectors as assistant_selectors
from kefu.assistant import services as assistant_services
from kefu.commerce.models import Order
from kefu.contact import presence
from kefu.contact.models import AgentPresence, AgentState
from kefu.core import audit, clock, events
from kefu.core.errors import Conflict, DomainError, InvalidTransition
from kefu.tickets import routing as ticket_routing
from kefu.tickets.models import Channel, Kind, Severity, Ticket
from kefu.tickets.services import intake

from .. import chat_states as st
from .. import conf, handoff, live, selectors, transcript
from ..models import HANDLE, ChatAssignment, ChatMessage, ChatSkill, Conversation, Party
from ..schemas import BODY_LIMIT
from . import _common as c
from . import dispatch, waiting_answers

PARTY_KIND = {c.CUSTOMER: Party.CUSTOMER, c.AGENT: Party.AGENT, c.SUPERVISOR: Party.AGENT}


def clean_text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError("must not contain a NUL character", field=field, code="nul_character")
    if required and not value:
        raise DomainError("this cannot be empty", field=field, code="required")
    if len(value) > BODY_LIMIT:
        raise DomainError(f"at most {BODY_LIMIT} characters", field=field, code="too_long")
    return value


def _skill(value: str, field: str = "skill") -> str:
    if value not in ChatSkill.values:
        raise DomainError(f"unknown queue {value!r}: presale or aftersale", field=field, code="invalid_choice")
    return value


def _customer(by):
    customer = c.customer_of(by)
    if customer is None:
        raise c.Forbidden("only a signed-in customer may do this", code="not_a_customer")
    return customer


def _order(customer, order) -> Order | None:
    if order is None or isinstance(order, Order) and order.customer_id == customer.pk:
        return order
    number = order.number if isinstance(order, Order) else str(order)
    found = Order.objects.filter(number=number, customer=customer).first()
    if found is None:
        raise DomainError(f"you have no order {number}", field="order", code="not_yours")
    return found


def _numbered(conversation: Conversation, at: datetime) -> None:
    # C + local date + row id: unique without a counter row every start would contend on.
    conversation.number = f"C{timezone.localtime(at):%y%m%d}{conversation.pk:06d}"
    conversation.save(update_fields=["number"])


def _new(customer, *, skill: str, order, status: str, at: datetime, intent: str = "") -> Conversation:
    conversation = Conversation.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}", customer=customer, order=order, skill=skill, tier=customer.tier,
        intent=intent, priority=ticket_routing.priority(handoff.severity_for(intent), customer.tier), status=status,
        started_at=at, waiting_since=at, queued_at=at if status == st.WAITING else None)
    _numbered(conversation, at)
    return conversation


def _assistant_exchanges(customer, at: datetime) -> list:
    """The customer's questions to the assistant in the chat window, not yet carried into a chat."""
    return assistant_selectors.waiting_exchanges(customer, since=at - conf.assistant_carry_window())


def _carry(conversation: Conversation, exchanges: list, user) -> None:
    """The assistant's exchanges become the chat's first messages (the customer has read the answers), so the
    agent starts from the conversation so far; each exchange is carried into one chat only."""
    if not exchanges:
        return
    rows = []
    for asked in exchanges:
        rows.append(ChatMessage(conversation=conversation, author_kind=Party.CUSTOMER, author=user, body=asked.text,
                                sent_at=asked.asked_at))
        rows.append(ChatMessage(conversation=conversation, author_kind=Party.ASSISTANT, body=asked.answer,
                                sent_at=asked.asked_at, read_at=asked.asked_at))
    ChatMessage.objects.bulk_create(rows)
    assistant_services.carry_into(exchanges, conversation.number)


def _customer_message(conversation: Conversation, user, body: str, client_id: str, at: datetime) -> ChatMessage:
    return ChatMessage.objects.create(conversation=conversation, author_kind=Party.CUSTOMER, author=user, body=body,
                                      client_id=client_id, sent_at=at)


# --- start --------------------------------------------------------------------------------------------------

def start(by, skill: str | None = None, *, body: str = "", order=None, client_id: str = ""
          ) -> tuple[Conversation, bool]:
    """A signed-in customer asks for an agent. Returns (chat, created): while they have an open chat, that one
    comes back unchanged (a second tab, a retry). With nobody serving the queue, NobodyOnline (409): the
    customer is offered to leave a message instead of waiting in a silent line [seed 003].

    Their questions to the smart assistant in the chat window (the last KEFU_CHAT_ASSISTANT_CARRY_SECONDS) come
    along as the chat's first messages with the intent it understood: without `skill` the intent chooses the
    line, and a complaint is served first (kefu/chat/handoff.py)."""
    customer = _customer(by)
    skill = _skill(skill) if skill else None
    body = clean_text(body, "body", required=False)
    existing = selectors.open_conversation(customer)
    if existing is not None:
        return existing, False
    order = _order(customer, order)
    exchanges = _assistant_exchanges(customer, clock.now())
    intent = assistant_services.handoff_intent(exchanges)
    skill = skill or handoff.line_for(intent)
    if selectors.serving_count(skill) == 0:
        raise c.NobodyOnline("no agent serves this queue now: leave a message and we will answer it",
                             field="skill")
    try:
        with transaction.atomic():
            now = clock.now()
            conversation = _new(customer, skill=skill, order=order, status=st.WAITING, at=now, intent=intent)
            _carry(conversation, exchanges, by)
            first = _customer_message(conversation, by, body, client_id[:64], now) if body else None
            audit.status_changed(conversation, None, st.WAITING, actor=by,
                                 reason=f"chat: {skill}" + (f" ({intent})" if intent else ""))
            events.emit("chat.started", c.payload(conversation, at=now.isoformat()))
            live.publish(live.to_user(by.pk, {"type": "started", "conversation": c.view(
                conversation, for_agent=False, messages=selectors.messages(conversation))}))
    except IntegrityError:  # a parallel start won the one-open-chat constraint
        existing = selectors.open_conversation(customer)
        if existing is None:
            raise
        return existing, False
    dispatch.route_waiting(announce=True)
    conversation = selectors.with_people().get(pk=conversation.pk)
    if first is not None:
        waiting_answers.answer(conversation, first)
    return conversation, True


# --- end ----------------------------------------------------------------------------------------------------

def _lock_with_agent(conversation: Conversation) -> tuple[Conversation, AgentPresence | None]:
    """The chat and its agent's presence, locked presence first (the routing's order)."""
    for _attempt in range(5):
        agent_id = Conversation.objects.filter(pk=conversation.pk).values_list("agent_id", flat=True).first()
        row = presence.lock(agent_id) if agent_id else None
        locked = c.lock(conversation)
        if locked.agent_id == agent_id:
            return locked, row
    raise Conflict("the chat keeps changing hands; try again", field="conversation", code="busy")


def _release(conversation: Conversation, how: str, at: datetime) -> None:
    ChatAssignment.objects.filter(conversation=conversation, released_at__isnull=True).update(
        released_at=at, release=how)


def end(conversation: Conversation, *, by, reason: str = "") -> Conversation:
    """The customer leaves, or the agent (or a supervisor) closes the chat. Ending an ended chat changes nothing.
    The agent starts their after-contact work when it was their last chat (kefu/contact/presence.py)."""
    who = c.party(conversation, by) if c.user_or_none(by) is not None else None
    reason = (reason or "").strip()[:40]
    with transaction.atomic():
        conversation, agent_row = _lock_with_agent(conversation)
        if conversation.status in st.DONE:
            return conversation
        now = clock.now()
        was = conversation.status
        ended_by = PARTY_KIND[who] if who else Party.SYSTEM
        c.move(conversation, st.ENDED, by=by, reason=reason or f"ended by {ended_by}", at=now, topic="chat.ended",
               ended_by=ended_by, answered=conversation.answered_at is not None)
        if was == st.WAITING:
            conversation.wait_seconds += max(int((now - (conversation.queued_at or now)).total_seconds()), 0)
            conversation.queued_at = None
        conversation.ended_at, conversation.ended_by, conversation.end_reason = now, ended_by, reason
        conversation.save()
        pushes: list[live.Push] = []
        if was == st.ACTIVE and agent_row is not None:
            _release(conversation, ChatAssignment.Release.ENDED, now)
            presence.released_chat(agent_row, at=now, wrap_up=True)
            pushes += live.to_user(agent_row.user_id, c.presence_event(agent_row))
        system = c.system_message(conversation, "ended", c.in_site_language(lambda: _("The chat has ended.")), now)
        event = {"type": "ended", "conversation": c.view(conversation, for_agent=False), "by": ended_by,
                 "reason": reason, "message": c.message_event(system, conversation)["message"]}
        pushes = [*live.to_user(conversation.customer.user_id, event),
                  *live.to_user(conversation.agent_id, {**event, "conversation": c.view(conversation, for_agent=True)}),
                  *pushes]
        live.publish(pushes)
    dispatch.route_waiting(announce=True)
    return conversation


# --- leave a message ----------------------------------------------------------------------------------------

def leave_message(by, *, body: str = "", skill: str | None = None, order=None, client_id: str = "",
                  conversation: Conversation | None = None) -> Conversation:
    """Nobody can serve the customer now: their words become a ticket (channel "chat", the transcript as its
    first message), and they are told its number and when a person will answer. Works on their waiting chat,
    or without one (a new chat row, left as a message, so the contact still counts). The unserved-chat duty
    calls it with by="routing" on a chat that waited too long. A retry with the same client_id returns the
    same chat and ticket."""
    system_call = c.user_or_none(by) is None
    if system_call:
        if conversation is None:
            raise DomainError("the routing leaves a message only for a waiting chat", field="conversation")
        user, customer = conversation.customer.user, conversation.customer
    else:
        user, customer = by, _customer(by)
    body = clean_text(body, "body", required=False)
    skill = _skill(skill) if skill else None
    client_id = (client_id or "")[:64]
    with transaction.atomic():
        if client_id:
            done = ChatMessage.objects.filter(author=user, client_id=client_id, conversation__customer=customer,
                                              conversation__status=st.LEFT_MESSAGE).select_related(
                "conversation").first()
            if done is not None:
                return selectors.with_people().get(pk=done.conversation_id)
        current = conversation or selectors.open_conversation(customer)
        now = clock.now()
        if current is not None:
            current = c.lock(current)
            if current.customer_id != customer.pk:
                raise DomainError("no such chat", field="conversation", code="not_found")
            if current.status == st.ACTIVE:
                raise Conflict("an agent is serving you: write to them", field="conversation", code="being_served")
            if current.status in st.DONE:
                if system_call:
                    return current
                current = None
        if current is None:
            exchanges = _assistant_exchanges(customer, now)
            if not body and not exchanges:
                raise DomainError("write your message first", field="body", code="required")
            intent = assistant_services.handoff_intent(exchanges)
            current = _new(customer, skill=skill or handoff.line_for(intent), order=_order(customer, order),
                           status=st.LEFT_MESSAGE, at=now, intent=intent)
            _carry(current, exchanges, user)
            audit.status_changed(current, None, st.LEFT_MESSAGE, actor=user, reason="nobody online")
            events.emit("chat.left_message", c.payload(current, at=now.isoformat(), to=st.LEFT_MESSAGE))
            was = None
        else:
            was = current.status
        if body and not (client_id and current.messages.filter(author=user, client_id=client_id).exists()):
            _customer_message(current, user, body, client_id, now)
        if not current.messages.filter(author_kind=Party.CUSTOMER).exclude(body="").exists():
            raise DomainError("write your message first", field="body", code="required")
        ticket = intake.open_ticket(
            channel=Channel.CHAT, subject=transcript.subject(current), body=transcript.render(current),
            customer=customer, order=current.order, kind=Kind.QUESTION if current.skill == "presale" else Kind.REQUEST,
            skill=current.skill, by=user if not system_call else "chat", source_ref=current.number)
        current.ticket = ticket
        if was == st.WAITING:
            c.move(current, st.LEFT_MESSAGE, by=by, reason="nobody online" if system_call else "left a message",
                   at=now, topic="chat.left_message", ticket=ticket.number)
            current.wait_seconds += max(int((now - (current.queued_at or now)).total_seconds()), 0)
            current.queued_at = None
        current.ended_at = now
        current.ended_by = Party.SYSTEM if system_call else Party.CUSTOMER
        current.end_reason = "nobody_online" if system_call else "left_message"
        current.save()
        system = c.system_message(current, "left_message", c.in_site_language(
            lambda: _("Your message is now ticket %(ticket)s. %(next_step)s")
            % {"ticket": ticket.number, "next_step": ticket.next_step}), now)
        live.publish([*live.to_user(customer.user_id, {
            "type": "left_message", "conversation": c.view(current, for_agent=False), "ticket": ticket.number,
            "next_step": ticket.next_step, "message": c.message_event(system, current)["message"]})])
        if was == st.WAITING:
            live.publish_latest(c.queue_states())
    return selectors.with_people().get(pk=current.pk)


# --- transfers and putting back in the line -------------------------------------------------------------------

def _agent_or_supervisor(conversation: Conversation, by) -> str:
    who = c.party(conversation, by)
    if who == c.CUSTOMER:
        raise c.Forbidden("only the chat's agent or a supervisor may do this", field="conversation")
    return who


def _back_to_line(conversation: Conversation, agent_row: AgentPresence, *, skill: str, by, reason: str, release: str,
                  at: datetime, topic: str) -> list[live.Push]:
    """An active chat (locked) back to the waiting line, keeping its priority and place (waiting_since)."""
    old_agent_id = conversation.agent_id
    c.move(conversation, st.WAITING, by=by, reason=reason, at=at, topic=topic, from_agent_id=old_agent_id,
           to_skill=skill)
    old_skill = conversation.skill
    conversation.agent, conversation.skill, conversation.queued_at = None, skill, at
    conversation.transfers += 1
    conversation.save()
    _release(conversation, release, at)
    audit.field_changed(conversation, "agent", agent_row.user.get_username(), "", actor=by, reason=reason)
    if old_skill != skill:
        audit.field_changed(conversation, "skill", old_skill, skill, actor=by, reason=reason)
    presence.released_chat(agent_row, at=at, wrap_up=False)
    system = c.system_message(conversation, "requeued", c.in_site_language(
        lambda: _("Your chat is back in the line: the next free agent will serve you.")), at)
    return [*live.to_user(old_agent_id, {"type": "transferred", "conversation": conversation.number, "to": "queue",
                                         "skill": skill}),
            *live.to_user(old_agent_id, c.presence_event(agent_row)),
            *live.to_user(conversation.customer.user_id, {
                "type": "transferred", "to": "queue", "conversation": c.view(conversation, for_agent=False),
                "message": c.message_event(system, conversation)["message"]})]


def transfer_to_queue(conversation: Conversation, skill: str, *, by, note: str = "") -> Conversation:
    """Back to the waiting line of a queue (the same one or the other), its priority and place kept. Refused when
    nobody serves that queue: open a ticket instead."""
    _agent_or_supervisor(conversation, by)
    skill = _skill(skill)
    note = (note or "").strip()[:200]
    if selectors.serving_count(skill) == 0:
        raise c.NobodyOnline("no agent serves that queue now: open a ticket instead", field="skill")
    with transaction.atomic():
        conversation, agent_row = _lock_with_agent(conversation)
        if conversation.status != st.ACTIVE or agent_row is None:
            raise InvalidTransition(f"a {conversation.status} chat cannot be transferred", field="status")
        pushes = _back_to_line(conversation, agent_row, skill=skill, by=by, reason=note or f"transferred to {skill}",
                               release=ChatAssignment.Release.TRANSFERRED, at=clock.now(), topic="chat.transferred")
        live.publish(pushes)
    dispatch.route_waiting(announce=True)
    return selectors.with_people().get(pk=conversation.pk)


def transfer_to_agent(conversation: Conversation, agent, *, by, note: str = "") -> Conversation:
    """Straight to a colleague who is available with room (else 409 agent_unavailable)."""
    _agent_or_supervisor(conversation, by)
    note = (note or "").strip()[:200]
    if agent is None or not agent.is_active or not agent.has_perm(HANDLE):
        raise DomainError("this user does not serve chats", field="agent", code="not_an_agent")
    with transaction.atomic():
        for _attempt in range(5):
            current_id = Conversation.objects.filter(pk=conversation.pk).values_list("agent_id", flat=True).first()
            if current_id == agent.pk:
                raise DomainError("the chat is already theirs", field="agent", code="same_agent")
            rows = {uid: presence.lock(uid) for uid in sorted({current_id, agent.pk} - {None})}
            locked = c.lock(conversation)
            if locked.agent_id == current_id:
                break
        else:
            raise Conflict("the chat keeps changing hands; try again", field="conversation", code="busy")
        conversation = locked
        if conversation.status != st.ACTIVE:
            raise InvalidTransition(f"a {conversation.status} chat cannot be transferred", field="status")
        target = rows[agent.pk]
        if target.state != AgentState.AVAILABLE or target.active_chats >= target.chat_capacity:
            raise Conflict("that agent cannot take a chat now", field="agent", code="agent_unavailable")
        old_row, now = rows[current_id], clock.now()
        old_name = old_row.user.get_username()
        conversation.agent, conversation.transfers = agent, conversation.transfers + 1
        conversation.save()
        _release(conversation, ChatAssignment.Release.TRANSFERRED, now)
        ChatAssignment.objects.create(conversation=conversation, agent=agent, assigned_at=now, reason="transfer")
        presence.released_chat(old_row, at=now, wrap_up=False)
        presence.took_chat(target, at=now)
        audit.field_changed(conversation, "agent", old_name, agent.get_username(), actor=by, reason=note or "transfer")
        events.emit("chat.transferred", c.payload(conversation, from_agent_id=current_id, to_agent_id=agent.pk,
                                                  at=now.isoformat(), note=note))
        system = c.system_message(conversation, "transferred", c.in_site_language(
            lambda: _("Your chat has been passed to %(agent)s.") % {"agent": c.agent_name(agent)}), now)
        history = selectors.messages(conversation, limit=c.HISTORY_IN_PUSH)
        live.publish([
            *live.to_user(current_id, {"type": "transferred", "conversation": conversation.number, "to": "agent",
                                       "agent": c.agent_name(agent)}),
            *live.to_user(current_id, c.presence_event(old_row)),
            *live.to_user(agent.pk, {"type": "assigned", "reason": "transfer", "note": note,
                                     "conversation": c.view(conversation, for_agent=True, messages=history)}),
            *live.to_user(agent.pk, c.presence_event(target)),
            *live.to_user(conversation.customer.user_id, {
                "type": "transferred", "to": "agent", "conversation": c.view(conversation, for_agent=False),
                "message": c.message_event(system, conversation)["message"]})])
    dispatch.route_waiting(announce=False)
    return selectors.with_people().get(pk=conversation.pk)


def requeue_chats_of(user, *, by, reason: str) -> int:
    """Every active chat of an agent back to the line (they logged out, or their console went silent)."""
    done = 0
    with transaction.atomic():
        agent_row = presence.lock(user)
        pushes: list[live.Push] = []
        for conversation in Conversation.objects.select_for_update(of=("self",)).filter(
                agent_id=agent_row.user_id, status=st.ACTIVE).select_related("customer").order_by("pk"):
            pushes += _back_to_line(conversation, agent_row, skill=conversation.skill, by=by, reason=reason,
                                    release=ChatAssignment.Release.REQUEUED, at=clock.now(), topic="chat.requeued")
            done += 1
        live.publish(pushes)
    return done


# --- a ticket from a chat -------------------------------------------------------------------------------------

def open_ticket(conversation: Conversation, *, by, subject: str, kind: str = Kind.COMPLAINT,
                severity: str = Severity.NORMAL) -> Ticket:
    """The agent (or a supervisor) turns the chat into a ticket: linked to it, the transcript as its first
    message. A chat has one ticket: asking again returns it."""
    who = c.party(conversation, by)
    if who == c.CUSTOMER:
        raise c.Forbidden("only the chat's agent or a supervisor may open a ticket from it", field="conversation")
    with transaction.atomic():
        conversation = c.lock(conversation)
        if conversation.ticket_id:
            return conversation.ticket
        now = clock.now()
        ticket = intake.open_ticket(
            channel=Channel.CHAT, subject=subject, body=transcript.render(conversation), customer=conversation.customer,
            order=conversation.order, kind=kind, severity=severity, skill=conversation.skill, by=by,
            source_ref=conversation.number)
        conversation.ticket = ticket
        conversation.save(update_fields=["ticket"])
        audit.field_changed(conversation, "ticket", "", ticket.number, actor=by)
        events.emit("chat.ticket_opened", c.payload(conversation, ticket=ticket.number, at=now.isoformat()))
        system = c.system_message(conversation, "ticket_opened", c.in_site_language(
            lambda: _("Ticket %(ticket)s was opened for this chat.") % {"ticket": ticket.number}), now)
        message = c.message_event(system, conversation)["message"]
        live.publish(c.to_both(conversation, {"type": "ticket", "conversation": conversation.number,
                                              "ticket": ticket.number, "message": message},
                               agent_id=conversation.agent_id or c.user_or_none(by).pk))
    return ticket
