"""Agents' presence in the live-chat queue: logging in and out, away and ready, after-contact work, and the
state-span log every change writes (who, state, started_at, ended_at), from which time in state and occupancy
are computed later.

The states and who moves them:
- offline → available: the agent logs in to the queue; any state → offline: they log out (their chats must
  have been handed back first: kefu.chat does that), or a duty logs out an agent whose console went silent.
- available ↔ busy: derived from the load, never chosen — at chat capacity the agent is busy (acd.state_for_load).
  An agent who wants no new chats while finishing theirs chooses away.
- available/busy → after-contact work: when the agent's last active chat ends, for KEFU_CHAT_ACW_SECONDS
  (30 s by default; 0 turns it off). It ends when the agent says ready or when the time is up. While other
  chats are still running, the agent wraps up alongside them and does not enter ACW.
- any logged-in state → away (a break), away/ACW → ready (available or busy by load).

Chosen changes (login, logout, away, ready, capacity) are audited and emit `presence.changed`; derived ones
(busy, ACW, its end) come with every chat assignment and end, so they are only logged as spans (and pushed to the
agent's console by kefu.chat): an outbox event each would double the writes of routing. A wallboard reads the
presence rows and spans. The chat services call took_chat /
released_chat on a row they locked with `lock`, inside the transaction that changes the conversation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from kefu.core import audit, clock, events
from kefu.core.errors import Conflict, DomainError
from kefu.core.states import StateMachine

from . import acd
from .models import AgentPresence, AgentState, PresenceSpan

S = AgentState
PRESENCE = StateMachine("agent presence", {
    S.OFFLINE: {S.AVAILABLE},
    S.AVAILABLE: {S.BUSY, S.ACW, S.AWAY, S.OFFLINE},
    S.BUSY: {S.AVAILABLE, S.ACW, S.AWAY, S.OFFLINE},
    S.ACW: {S.AVAILABLE, S.BUSY, S.AWAY, S.OFFLINE},
    S.AWAY: {S.AVAILABLE, S.BUSY, S.OFFLINE},
})
MAX_CAPACITY = 20


def acw_seconds() -> int:
    return int(getattr(settings, "KEFU_CHAT_ACW_SECONDS", 30))


def _user_id(user) -> int:
    return user if isinstance(user, int) else user.pk


def lock(user) -> AgentPresence:
    """The agent's presence row under a row lock (created offline on first use). Call inside a transaction."""
    presence, _created = AgentPresence.objects.select_for_update().get_or_create(
        user_id=_user_id(user), defaults={"since": clock.now(), "state": S.OFFLINE})
    return presence


def lock_many(user_ids: Iterable[int]) -> dict[int, AgentPresence]:
    """Several agents' rows locked in id order (one order everywhere, so two writers never deadlock)."""
    ids = sorted(set(user_ids))
    return {p.user_id: p for p in AgentPresence.objects.select_for_update().filter(user_id__in=ids).order_by("pk")}


def _move(presence: AgentPresence, target: str, *, at: datetime, reason: str, by=None, audited: bool) -> bool:
    """One checked step on a locked row: the open span closed, a new one opened, the event emitted."""
    current = presence.state
    if target == current:
        return False
    PRESENCE.check(current, target)
    PresenceSpan.objects.filter(user_id=presence.user_id, ended_at__isnull=True).update(ended_at=at)
    PresenceSpan.objects.create(user_id=presence.user_id, state=target, started_at=at, reason=reason[:40])
    presence.state, presence.since = target, at
    if target != S.ACW:
        presence.acw_until = None
    presence.save()
    if audited:
        audit.status_changed(presence, current, target, actor=by, reason=reason, field="state")
        events.emit("presence.changed", {"agent_id": presence.user_id, "from": current, "to": target,
                                         "active_chats": presence.active_chats, "capacity": presence.chat_capacity,
                                         "at": at.isoformat(), "reason": reason})
    return True


def _by_load(presence: AgentPresence) -> str:
    return acd.state_for_load(acd.AVAILABLE, presence.active_chats, presence.chat_capacity)


def follow_load(presence: AgentPresence, *, at: datetime, reason: str = "load") -> bool:
    """Re-derive available/busy after the load changed (a locked row)."""
    return _move(presence, acd.state_for_load(presence.state, presence.active_chats, presence.chat_capacity),
                 at=at, reason=reason, audited=False)


@transaction.atomic
def log_in(user, *, by=None) -> AgentPresence:
    """The agent logs in to the queue: available (or busy at capacity). Logging in again changes nothing."""
    presence = lock(user)
    if presence.state == S.OFFLINE:
        now = clock.now()
        presence.last_seen_at = now
        _move(presence, S.AVAILABLE, at=now, reason="logged in", by=by or user, audited=True)
        follow_load(presence, at=now)
    return presence


@transaction.atomic
def log_out(user, *, by=None, reason: str = "logged out") -> AgentPresence:
    """Out of the queue. The agent's chats must have gone back to the line first (kefu.chat does it)."""
    presence = lock(user)
    if presence.active_chats:
        raise Conflict("hand back the active chats before logging out", field="state", code="has_active_chats")
    _move(presence, S.OFFLINE, at=clock.now(), reason=reason, by=by or user, audited=True)
    return presence


@transaction.atomic
def set_away(user, *, by=None, reason: str = "away") -> AgentPresence:
    """No new chats (a break, a meeting); the chats the agent holds go on."""
    presence = lock(user)
    if presence.state == S.OFFLINE:
        raise Conflict("log in to the queue first", field="state", code="offline")
    _move(presence, S.AWAY, at=clock.now(), reason=reason, by=by or user, audited=True)
    return presence


@transaction.atomic
def set_ready(user, *, by=None) -> AgentPresence:
    """Back from away or done with after-contact work: available, or busy at capacity."""
    presence = lock(user)
    if presence.state == S.OFFLINE:
        raise Conflict("log in to the queue first", field="state", code="offline")
    if presence.state in (S.AWAY, S.ACW):
        _move(presence, _by_load(presence), at=clock.now(), reason="ready", by=by or user, audited=True)
    return presence


@transaction.atomic
def set_capacity(user, capacity: int, *, by) -> AgentPresence:
    """How many chats the agent holds at once (1–20). A lower capacity takes nothing away: it only stops new
    chats until the load is below it."""
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(f"chat capacity must be a whole number from 1 to {MAX_CAPACITY}", field="chat_capacity")
    presence = lock(user)
    old = presence.chat_capacity
    if old != capacity:
        presence.chat_capacity = capacity
        presence.save(update_fields=["chat_capacity"])
        audit.field_changed(presence, "chat_capacity", old, capacity, actor=by)
        follow_load(presence, at=clock.now(), reason="capacity changed")
    return presence


def took_chat(presence: AgentPresence, *, at: datetime) -> None:
    """A chat was assigned or transferred to the agent (a locked row, in the chat's transaction)."""
    presence.active_chats += 1
    presence.last_assigned_at = at
    presence.save(update_fields=["active_chats", "last_assigned_at"])
    follow_load(presence, at=at)


def released_chat(presence: AgentPresence, *, at: datetime, wrap_up: bool) -> None:
    """A chat left the agent: ended (`wrap_up`: after-contact work when it was the last one), transferred
    or put back in the line (no wrap-up)."""
    presence.active_chats = max(presence.active_chats - 1, 0)
    presence.save(update_fields=["active_chats"])
    seconds = acw_seconds()
    if wrap_up and seconds > 0 and presence.active_chats == 0 and presence.state in acd.LOAD_STATES:
        presence.acw_until = at + timedelta(seconds=seconds)
        _move(presence, S.ACW, at=at, reason="chat ended", audited=False)
        return
    follow_load(presence, at=at)


def expire_wrap_ups(now: datetime | None = None) -> list[AgentPresence]:
    """End the after-contact work whose time is up. Returns the agents ready again (their rows as they are now),
    for the caller to tell their consoles."""
    now = now or clock.now()
    due = list(AgentPresence.objects.filter(state=S.ACW, acw_until__lte=now).values_list("user_id", flat=True))
    ready = []
    for user_id in due:
        with transaction.atomic():
            presence = lock(user_id)
            if presence.state == S.ACW and presence.acw_until and presence.acw_until <= now and _move(
                    presence, _by_load(presence), at=now, reason="after-contact work timed out", audited=False):
                ready.append(presence)
    return ready


def touch(user, at: datetime | None = None) -> None:
    """The agent's console is alive (a heartbeat); a plain UPDATE, no lock."""
    AgentPresence.objects.filter(user_id=_user_id(user)).update(last_seen_at=at or clock.now())


def silent_agents(now: datetime, timeout: timedelta) -> list[int]:
    """Logged-in agents whose console has not been heard from for `timeout`."""
    silent = Q(last_seen_at__lt=now - timeout) | Q(last_seen_at__isnull=True)
    return list(AgentPresence.objects.exclude(state=S.OFFLINE).filter(silent).values_list("user_id", flat=True))


# --- time in state ----------------------------------------------------------------------------------------

def clip(spans: Iterable[tuple[str, datetime, datetime | None]], start: datetime, end: datetime) -> dict[str, float]:
    """Seconds per state of (state, started_at, ended_at) spans inside [start, end); an open span runs to `end`
    (pure)."""
    totals: dict[str, float] = defaultdict(float)
    for state, began, ended in spans:
        lo, hi = max(began, start), min(ended or end, end)
        if hi > lo:
            totals[state] += (hi - lo).total_seconds()
    return dict(totals)


def time_in_state(user, start: datetime, end: datetime) -> dict[str, float]:
    """Seconds the agent spent in each state between start and end, from the span log."""
    rows = (PresenceSpan.objects.filter(user_id=_user_id(user), started_at__lt=end)
            .exclude(ended_at__lte=start).values_list("state", "started_at", "ended_at"))
    return clip(rows, start, end)
