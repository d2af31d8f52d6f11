"""Routing the waiting line: the ACD (kefu/contact/acd.py) decides, this module feeds it and writes its answer.

It runs after every change that can free or fill a place (a chat started, ended or put back, an agent ready),
and as a duty every 5 seconds for what time alone changes: after-contact work running out, a diamond customer's
wait for a senior agent running out, and chats nobody serves for too long (they become messages left, so no
line stays silent [seed 003]).

Locks: the available agents' presence rows first (in id order), then the waiting chats. Every service that
locks both does it in this order, so routing never deadlocks with an end or a transfer, and two routings in
parallel (the duty and a request) serialise: an agent never goes over capacity.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kefu.contact import acd, presence
from kefu.contact.models import AgentPresence, AgentState
from kefu.core import audit, clock
from kefu.core.duties import duty

from .. import chat_states as st
from .. import conf, live, selectors
from ..models import ChatAssignment, Conversation
from . import _common as c

ROUTE_LIMIT = 2000  # waiting chats looked at per run (the oldest); more than any line a team should have


def assign(conversation: Conversation, agent_presence: AgentPresence, *, reason: str, at: datetime, by
           ) -> list[live.Push]:
    """Give a waiting chat (locked) to an agent (locked presence). Returns the pushes to send after commit."""
    agent = agent_presence.user
    c.move(conversation, st.ACTIVE, by=by, reason=reason, at=at, topic="chat.assigned", to_agent_id=agent.pk)
    waited = int((at - (conversation.queued_at or at)).total_seconds())
    conversation.agent = agent
    conversation.answered_at = conversation.answered_at or at
    conversation.wait_seconds += max(waited, 0)
    conversation.queued_at = None
    conversation.save()
    ChatAssignment.objects.create(conversation=conversation, agent=agent, assigned_at=at, reason=reason)
    audit.field_changed(conversation, "agent", "", agent.get_username(), actor=by, reason=reason)
    presence.took_chat(agent_presence, at=at)
    system = c.system_message(conversation, "assigned", c.in_site_language(
        lambda: _("%(agent)s is now serving you.") % {"agent": c.agent_name(agent)}), at)
    return [*c.assigned_pushes(conversation, system=system, reason=reason),
            *live.to_user(agent.pk, c.presence_event(agent_presence))]


def route_waiting(now: datetime | None = None, *, announce: bool = True) -> int:
    """Assign what the ACD says can be assigned now. The new places in the line are pushed when something was
    assigned or `announce` says the line changed anyway. Returns how many chats were assigned."""
    now = now or clock.now()
    pushes: list[live.Push] = [push for ready in presence.expire_wrap_ups(now)
                               for push in live.to_user(ready.user_id, c.presence_event(ready))]
    if not Conversation.objects.filter(status=st.WAITING).exists():  # the usual case while agents have room
        live.publish(pushes)  # the consoles of agents whose wrap-up just ended
        if announce:
            _announce(waiting=False)
        return 0
    with transaction.atomic():
        available = list(AgentPresence.objects.select_for_update(of=("self",))
                         .filter(state=AgentState.AVAILABLE).select_related("user", "user__agent_profile")
                         .order_by("pk"))
        waiting = []
        if available:
            waiting = list(Conversation.objects.select_for_update(of=("self",)).filter(status=st.WAITING)
                           .select_related("customer", "order", "ticket").order_by("waiting_since", "id")
                           [:ROUTE_LIMIT])
        decisions = acd.assign([selectors.as_waiting(w) for w in waiting],
                               [selectors.as_acd_agent(p) for p in available], now,
                               diamond_senior_wait=conf.diamond_senior_wait()) if waiting else []
        chats = {w.pk: w for w in waiting}
        agents = {p.user_id: p for p in available}
        for decision in decisions:
            pushes += assign(chats[decision.contact_id], agents[decision.agent_id], reason=decision.reason, at=now,
                             by="routing")
        live.publish(pushes)
        if len(waiting) > len(decisions) or not available:
            _announce(waiting=True)
        elif decisions or announce:
            _announce(waiting=False)
    return len(decisions)


_summary_at = float("-inf")
SUMMARY_EVERY = 1.0  # seconds


def _announce(*, waiting: bool) -> None:
    """The line's states (live.publish_latest): at once while chats wait — their places moved; otherwise only the
    agents' summary is at stake, computed at most once a second (and by the duty every 5 s), so a burst of starts
    and ends does not recompute it for each one."""
    global _summary_at
    now = time.monotonic()
    if waiting or now - _summary_at >= SUMMARY_EVERY:
        _summary_at = now
        live.publish_latest(c.queue_states())


def unserved(now: datetime | None = None) -> int:
    """Chats waiting longer than KEFU_CHAT_UNSERVED_SECONDS while nobody serves their queue: what the customer
    wrote becomes a ticket (a message left), or, if they wrote nothing, the chat ends and says so."""
    from .conversations import end, leave_message

    now = now or clock.now()
    agents = selectors.serving_agents()
    idle = [s for s in selectors.SKILLS if selectors.serving_count(s, agents) == 0]
    stale = Conversation.objects.filter(status=st.WAITING, skill__in=idle,
                                        waiting_since__lte=now - conf.unserved_after()).select_related("customer")
    done = 0
    for conversation in stale:
        wrote = conversation.messages.filter(author_kind="customer").exists()
        if wrote:
            leave_message("routing", conversation=conversation)
        else:
            end(conversation, by="routing", reason="nobody_online")
        done += 1
    return done


@duty("chat.route_waiting", every=timedelta(seconds=5))
def route_duty() -> int:
    """Routing on a timer (what time alone changes), and the unserved chats turned into messages left."""
    return route_waiting(announce=True) + unserved()  # refreshes the expected waits and the agents' summaries
