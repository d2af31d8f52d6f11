"""Reads of live chat: the waiting line with places and expected waits, the agents who serve it, an agent's
console, a supervisor's overview, and who may see a conversation.

The expected wait of a waiting customer (acd.expected_wait_seconds):
    position × average handle time ÷ chat slots serving the queue
- position: the place in the queue's line, in the order the ACD serves it (diamond, priority, longest wait);
- average handle time: answered → ended, over the latest KEFU_CHAT_HANDLE_SAMPLE (50) finished chats of the queue
  in the last 7 days; KEFU_CHAT_DEFAULT_HANDLE_SECONDS (240) until there are any;
- serving slots: the chat capacities of the agents with the skill who are logged in and not away.
With nobody serving the queue it is None: the customer is offered to leave a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from kefu.contact import acd
from kefu.contact.models import AgentPresence, AgentState
from kefu.core import clock

from . import chat_states as st
from . import conf
from .models import SUPERVISE, ChatAssignment, ChatMessage, ChatSkill, Conversation

SKILLS = tuple(ChatSkill.values)
HANDLE_WINDOW = timedelta(days=7)
_HANDLE_CACHE_SECONDS = 30.0
_handle_cache: dict[str, tuple[datetime, float]] = {}


# --- agents -------------------------------------------------------------------------------------------------

def logged_in_agents() -> list[tuple[AgentPresence, acd.Agent]]:
    """Every agent logged in to the queue (any state but offline), as rows and as the ACD sees them."""
    rows = (AgentPresence.objects.exclude(state=AgentState.OFFLINE)
            .select_related("user", "user__agent_profile").order_by("user_id"))
    return [(p, as_acd_agent(p)) for p in rows]


def serving_agents() -> list[acd.Agent]:
    """The logged-in agents as the ACD sees them, read as plain values (the line is recomputed on every change)."""
    rows = (AgentPresence.objects.exclude(state=AgentState.OFFLINE).order_by("user_id")
            .values_list("user_id", "state", "chat_capacity", "active_chats", "last_assigned_at",
                         "user__agent_profile__skills", "user__agent_profile__senior"))
    return [acd.Agent(agent_id=uid, state=state, skills=frozenset(skills or ()), senior=bool(senior),
                      capacity=capacity, active=active, last_assigned_at=last)
            for uid, state, capacity, active, last, skills, senior in rows]


def as_acd_agent(presence: AgentPresence) -> acd.Agent:
    profile = getattr(presence.user, "agent_profile", None)
    return acd.Agent(agent_id=presence.user_id, state=presence.state,
                     skills=frozenset(profile.skills or ()) if profile else frozenset(),
                     senior=bool(profile and profile.senior), capacity=presence.chat_capacity,
                     active=presence.active_chats, last_assigned_at=presence.last_assigned_at)


def serving_count(skill: str, agents: list[acd.Agent] | None = None) -> int:
    agents = agents if agents is not None else serving_agents()
    return sum(1 for a in agents if a.state in acd.SERVING and skill in a.skills)


# --- the waiting line -------------------------------------------------------------------------------------------

def as_waiting(conversation: Conversation) -> acd.WaitingContact:
    return acd.WaitingContact(contact_id=conversation.pk, skill=conversation.skill, tier=conversation.tier,
                              priority=conversation.priority, waiting_since=conversation.waiting_since)


def average_handle_seconds(skill: str, now: datetime | None = None) -> float:
    """Answered → ended over the latest finished chats of the queue (cached for 30 s: it moves slowly)."""
    now = now or clock.now()
    cached = _handle_cache.get(skill)
    if cached and 0 <= (now - cached[0]).total_seconds() < _HANDLE_CACHE_SECONDS:
        return cached[1]
    latest = list(Conversation.objects.filter(skill=skill, status=st.ENDED, answered_at__isnull=False,
                                              ended_at__gte=now - HANDLE_WINDOW)
                  .order_by("-ended_at").values_list("answered_at", "ended_at")[:conf.handle_sample()])
    if latest:
        value = sum((ended - answered).total_seconds() for answered, ended in latest) / len(latest)
    else:
        value = conf.default_handle_seconds()
    _handle_cache[skill] = (now, value)
    return value


def forget_handle_times() -> None:
    _handle_cache.clear()


@dataclass
class Line:
    """The waiting line at one moment: each waiting chat's place and expected wait, and each queue's summary."""

    at: datetime
    waiting: list[tuple[Conversation, int, int | None]] = field(default_factory=list)  # (chat, position, wait)
    queues: dict[str, dict] = field(default_factory=dict)
    agents: list[tuple[AgentPresence, acd.Agent]] = field(default_factory=list)

    def info(self, conversation_id: int) -> dict | None:
        for conversation, position, wait in self.waiting:
            if conversation.pk == conversation_id:
                return {"position": position, "expected_wait_seconds": wait,
                        "serving_agents": self.queues[conversation.skill]["serving_agents"]}
        return None


def line(now: datetime | None = None, *, with_rows: bool = False) -> Line:
    """The line now; `with_rows` also loads the agents' presence rows (the supervisor's overview lists them)."""
    now = now or clock.now()
    agents = logged_in_agents() if with_rows else []
    acd_agents = [a for _p, a in agents] if with_rows else serving_agents()
    waiting = list(Conversation.objects.filter(status=st.WAITING).select_related("customer"))
    places = acd.positions(as_waiting(c) for c in waiting)
    result = Line(at=now, agents=agents)
    for skill in SKILLS:
        slots = acd.serving_slots(acd_agents, skill)
        mine = [c for c in waiting if c.skill == skill]
        result.queues[skill] = {
            "skill": skill, "waiting": len(mine),
            "longest_wait_seconds": max((int((now - c.waiting_since).total_seconds()) for c in mine), default=0),
            "diamond_waiting": sum(1 for c in mine if c.tier == acd.DIAMOND),
            "serving_agents": serving_count(skill, acd_agents),
            "available_agents": sum(1 for a in acd_agents if acd.can_take(a, skill)),
            "serving_slots": slots,
            "free_slots": sum(a.room for a in acd_agents if a.state == acd.AVAILABLE and skill in a.skills),
            "average_handle_seconds": round(average_handle_seconds(skill, now), 1),
        }
    for conversation in sorted(waiting, key=lambda c: places[c.pk]):
        queue = result.queues[conversation.skill]
        wait = acd.expected_wait_seconds(places[conversation.pk], queue["average_handle_seconds"],
                                         queue["serving_slots"])
        result.waiting.append((conversation, places[conversation.pk], wait))
    result.waiting.sort(key=lambda row: acd.line_order(as_waiting(row[0])))
    return result


def waiting_rows(current: Line, skills: set[str] | None = None) -> list[dict]:
    return [{"number": c.number, "skill": c.skill, "tier": c.tier, "priority": c.priority, "customer": c.customer.name,
             "position": position, "waiting_seconds": int((current.at - c.waiting_since).total_seconds()),
             "expected_wait_seconds": wait}
            for c, position, wait in current.waiting if skills is None or c.skill in skills]


def agent_rows(current: Line) -> list[dict]:
    from .schemas import ChatPersonOut

    return [{"agent": ChatPersonOut.of_user(p.user), "state": p.state, "since": p.since, "active_chats": p.active_chats,
             "chat_capacity": p.chat_capacity, "skills": sorted(a.skills), "senior": a.senior,
             "seconds_in_state": int((current.at - p.since).total_seconds())} for p, a in current.agents]


# --- conversations ------------------------------------------------------------------------------------------

def with_people(qs: QuerySet | None = None) -> QuerySet:
    qs = qs if qs is not None else Conversation.objects.all()
    return qs.select_related("customer", "agent", "order", "ticket")


def open_conversation(customer) -> Conversation | None:
    return with_people(Conversation.objects.filter(customer=customer, status__in=st.OPEN)).first()


def agent_conversations(user) -> list[Conversation]:
    return list(with_people(Conversation.objects.filter(agent=user, status=st.ACTIVE)).order_by("answered_at", "id"))


def messages(conversation: Conversation, *, after: int = 0, limit: int = 200) -> list[ChatMessage]:
    """The conversation's messages after id `after`, oldest first (at most `limit`: the latest ones)."""
    rows = (ChatMessage.objects.filter(conversation=conversation, id__gt=after).select_related("author__customer")
            .order_by("-id")[:limit])
    return list(reversed(rows))


def served_by(conversation: Conversation, user) -> bool:
    """Whether the user is or was an agent of this chat."""
    return conversation.agent_id == user.pk or ChatAssignment.objects.filter(
        conversation=conversation, agent=user).exists()


def may_see(user, conversation: Conversation) -> bool:
    """The chat's customer, an agent who serves or served it, or a supervisor."""
    if user is None or not user.is_authenticated:
        return False
    if conversation.customer.user_id == user.pk:
        return True
    return user.has_perm(SUPERVISE) or served_by(conversation, user)


def conversations_of(user, *, status: str | None = None) -> QuerySet:
    """An agent's chats (every chat they served), newest first; a supervisor's: every chat."""
    qs = with_people()
    if not user.has_perm(SUPERVISE):
        qs = qs.filter(Q(agent=user) | Q(assignments__agent=user)).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


# --- the agent's console and the supervisor's overview ---------------------------------------------------------

def colleagues(user) -> list[dict]:
    """The agents logged in to the chat queue besides `user`, those who can take a chat now first (online with
    room: conversations.transfer_to_agent refuses anyone else)."""
    rows = []
    for row, agent in logged_in_agents():
        if row.user_id == user.pk or not row.user.is_active:
            continue
        rows.append({"id": row.user_id, "name": row.user.get_full_name() or row.user.get_username(),
                     "state": row.state, "active_chats": row.active_chats, "chat_capacity": row.chat_capacity,
                     "skills": sorted(agent.skills),
                     "available": row.state == AgentState.AVAILABLE and row.active_chats < row.chat_capacity})
    rows.sort(key=lambda r: (not r["available"], r["name"]))
    return rows


def presence_of(user) -> dict:
    from kefu.contact.models import AgentProfile

    row = AgentPresence.objects.filter(user=user).first() or AgentPresence(user=user, state=AgentState.OFFLINE,
                                                                          since=clock.now())
    profile = AgentProfile.objects.filter(user=user).first()
    return {"state": row.state, "since": row.since, "chat_capacity": row.chat_capacity,
            "active_chats": row.active_chats, "acw_until": row.acw_until,
            "skills": sorted(profile.skills or []) if profile else [], "senior": bool(profile and profile.senior)}


def console(user, *, history: int = 50) -> dict:
    """An agent's console (schemas.ChatConsoleOut, as JSON-ready data): their state, their chats with the latest
    messages, and the lines of their skills (a supervisor sees every line)."""
    from .models import SUPERVISE
    from .schemas import ChatConsoleOut, ChatConversationOut

    mine = presence_of(user)
    skills = None if user.has_perm(SUPERVISE) else set(mine["skills"])
    current = line()
    chats = [ChatConversationOut.build(c, for_agent=True, messages=messages(c, limit=history))
             for c in agent_conversations(user)]
    data = ChatConsoleOut(presence=mine, conversations=chats,
                      queues=[q for s, q in current.queues.items() if skills is None or s in skills],
                      waiting=waiting_rows(current, skills))
    return data.model_dump(mode="json")


def overview() -> dict:
    """Every line, agent and open chat (schemas.ChatOverviewOut)."""
    from .schemas import ChatConversationOut, ChatOverviewOut

    current = line(with_rows=True)
    active = with_people(Conversation.objects.filter(status=st.ACTIVE)).order_by("answered_at", "id")
    return ChatOverviewOut(at=current.at, queues=list(current.queues.values()), waiting=waiting_rows(current),
                       agents=agent_rows(current),
                       active=[ChatConversationOut.build(c, for_agent=True) for c in active]).model_dump(mode="json")
