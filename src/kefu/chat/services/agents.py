"""Agents in the chat queue: the presence changes an agent chooses (kefu/contact/presence.py keeps the states and
their span log), with what they mean for the chats — logging out hands the agent's chats back to the line, being
ready routes the line at once — and the duty that logs out an agent whose console went silent, so nobody waits
on an agent who closed the browser.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from kefu.contact import presence
from kefu.contact.models import AgentPresence, AgentState
from kefu.core import clock
from kefu.core.duties import duty
from kefu.core.errors import DomainError

from .. import conf, live
from ..models import HANDLE
from . import _common as c
from . import dispatch
from .conversations import requeue_chats_of

STATES = ("available", "away", "offline")


def _agent(user):
    if user is None or not user.is_authenticated or not user.has_perm(HANDLE):
        raise c.Forbidden("only agents who serve chats may do this", code="not_an_agent")
    return user


def _announce(user_id: int) -> None:
    row = AgentPresence.objects.get(user_id=user_id)
    live.publish(live.to_user(user_id, c.presence_event(row)))


def set_state(user, state: str, *, by=None) -> AgentPresence:
    """What the agent's console asks for: available (log in, or ready after away / wrap-up), away, offline."""
    _agent(user)
    if state not in STATES:
        raise DomainError(f"state must be one of {', '.join(STATES)}", field="state", code="invalid_choice")
    by = by or user
    if state == "offline":
        return log_out(user, by=by)
    if state == "away":
        row = presence.set_away(user, by=by)
        _announce(user.pk)
        live.publish_latest(c.queue_states())
        return row
    with transaction.atomic():
        row = presence.log_in(user, by=by)
        if row.state in (AgentState.AWAY, AgentState.ACW):
            row = presence.set_ready(user, by=by)
    _announce(user.pk)
    dispatch.route_waiting(announce=True)
    return AgentPresence.objects.get(pk=row.pk)


def log_out(user, *, by=None, reason: str = "logged out") -> AgentPresence:
    """Out of the queue: the agent's chats go back to the line first (their place and priority kept)."""
    with transaction.atomic():
        requeue_chats_of(user, by=by or user, reason=reason)
        row = presence.log_out(user, by=by or user, reason=reason)
        _announce(row.user_id)
    dispatch.route_waiting(announce=True)
    return row


def set_capacity(user, capacity: int, *, by) -> AgentPresence:
    row = presence.set_capacity(user, capacity, by=by)
    _announce(row.user_id)
    dispatch.route_waiting(announce=True)
    return row


def heartbeat(user) -> None:
    """The console is alive (its ping, or any message it sends)."""
    presence.touch(user)


def socket_closed(user) -> None:
    """A console closed: unless one of the agent's consoles pings within the reconnect grace, the silence duty
    logs them out."""
    silent_from = clock.now() - conf.agent_silence() + conf.reconnect_grace()
    AgentPresence.objects.filter(user_id=user.pk, last_seen_at__gt=silent_from).exclude(
        state=AgentState.OFFLINE).update(last_seen_at=silent_from)


@duty("chat.log_out_silent_agents", every=timedelta(seconds=10))
def log_out_silent_agents() -> int:
    users = get_user_model().objects.in_bulk(presence.silent_agents(clock.now(), conf.agent_silence()))
    for user in users.values():
        log_out(user, by="presence", reason="console silent")
    return len(users)
