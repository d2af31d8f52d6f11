"""Reads for the supervisors' wallboard: the day's figures for calls, chats and both, per 15 minutes, the queues
and the agents now — in a small fixed number of queries whatever the number of calls, chats or agents.

Calls are the switch's records (kefu.calls: the same SQL tallies and arithmetic as its API). Chats are read here
from kefu.chat's rows and fed to the same arithmetic (kefu.calls.metrics), so a figure means the same on both
channels. A chat, like a call, belongs to the day and the interval in which it began:

    answered    it has an answer time (an agent took it; put back in the line later, it stays answered)
    abandoned   ended unanswered by the customer (short when they left within `short_abandon_seconds`)
    overflowed  left the line unanswered otherwise: left as a message (a ticket), or ended by the system or
                a supervisor because nobody could serve it — like a call leaving the queue for voicemail
    waiting     still in the line, never answered: counted apart, as for calls
    wait        began → first answered; handle time: first answered → ended (finished chats only)

Combined figures add the channels' tallies (metrics.Tally adds), so every ratio is over all contacts: the answer
rate is all answered ÷ all offered, not the mean of two rates. An agent counts once for contacts per agent when
their calls are linked to their user (an agent line); else the switch's label counts as a person of its own.

Occupancy, per channel, is work time ÷ available time:
    calls  handle time (talk + after-call work) ÷ logged-in, unpaused time the switch reported (kefu.calls)
    chats  time holding at least one chat or in after-contact work ÷ time logged in to the chat queue and not
           away (kefu.contact.presence's span log); an agent holds several chats at once, so their time counts
           once however many chats share it, and the figure stays within 0–100 %
    both   the sum of the work ÷ the sum of the available time, over the channels whose available time is
           known (an agent logged in to both counts their time on each)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractMinute, Floor

from kefu.calls import metrics
from kefu.calls import selectors as calls
from kefu.calls import telephony as t
from kefu.calls.models import Call
from kefu.chat import chat_states as st
from kefu.chat.models import ChatAssignment, ChatSkill, Conversation, Party
from kefu.core import clock
from kefu.core.errors import DomainError

from . import acd
from .models import AgentPresence, AgentState, PresenceSpan

PHONE, CHAT, ALL = "phone", "chat", "all"
# What an agent on the phone is doing, from the switch: on a call, logged in and ready, or paused.
PHONE_TALKING, PHONE_READY, PHONE_PAUSED = "talking", "ready", "paused"
PHONE_STATES = (PHONE_TALKING, PHONE_READY, PHONE_PAUSED)
CHAT_STATES = (AgentState.AVAILABLE, AgentState.BUSY, AgentState.ACW, AgentState.AWAY)
_ANSWERED_CALL = Q(outcome__in=t.ANSWERED_OUTCOMES)

Span = tuple[datetime, datetime]


# --- spans of time (pure) -------------------------------------------------------------------------------------

def merged(spans: Iterable[Span]) -> list[Span]:
    """The spans' union as sorted, disjoint spans (empty ones dropped)."""
    out: list[Span] = []
    for begin, end in sorted(s for s in spans if s[1] > s[0]):
        if out and begin <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((begin, end))
    return out


def common(a: list[Span], b: list[Span]) -> list[Span]:
    """The intersection of two merged span lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        begin, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > begin:
            out.append((begin, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total_seconds(spans: Iterable[Span]) -> float:
    return sum((end - begin).total_seconds() for begin, end in spans)


def binned(spans: Iterable[Span], start: datetime, step: timedelta, count: int) -> list[float]:
    """Seconds of the spans within each of `count` intervals of `step` from `start`."""
    out = [0.0] * count
    for begin, end in spans:
        begin, end = max(begin, start), min(end, start + count * step)
        while begin < end:
            index = int((begin - start) // step)
            edge = min(start + (index + 1) * step, end)
            out[index] += (edge - begin).total_seconds()
            begin = edge
    return out


# --- what the wallboard shows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Channels:
    """One set of figures per channel and for both."""

    phone: metrics.Figures
    chat: metrics.Figures
    all: metrics.Figures


@dataclass(frozen=True)
class PersonDay:
    """One agent's contacts that day: calls answered and chats served (a transferred chat counts for each agent
    who served it)."""

    key: str  # "u<user id>", or "l<switch label>" for a label linked to nobody
    name: str
    calls: int = 0
    chats: int = 0

    @property
    def total(self) -> int:
        return self.calls + self.chats


@dataclass(frozen=True)
class DayBoard:
    day: date
    start: datetime
    until: datetime  # the end of the day, or now for today
    is_today: bool
    figures: Channels
    people: list[PersonDay]  # most contacts first
    labels: dict[str, str] = field(default_factory=dict)  # switch label → person key, from the day's answered calls


@dataclass(frozen=True)
class IntervalBoard:
    start: datetime
    end: datetime
    figures: Channels


@dataclass(frozen=True)
class QueueNow:
    """One line now: a call queue, a chat queue (skill), or both when they share a name."""

    queue: str
    calls_waiting: int = 0
    chats_waiting: int = 0
    longest_wait_seconds: int = 0
    calls_talking: int = 0
    chats_active: int = 0
    chat_agents: int | None = None  # logged in to the chat line with its skill and not away (None: no chat line)

    @property
    def waiting(self) -> int:
        return self.calls_waiting + self.chats_waiting


@dataclass(frozen=True)
class AgentNow:
    channel: str  # PHONE or CHAT
    key: str
    name: str
    state: str  # a chat AgentState, or one of PHONE_STATES
    since: datetime
    seconds_in_state: int
    active_chats: int | None = None
    chat_capacity: int | None = None
    contacts_today: int = 0


@dataclass(frozen=True)
class Board:
    """Everything the live part of the page needs (queues and agents only for today)."""

    at: datetime
    day: DayBoard
    queues: list[QueueNow] = field(default_factory=list)
    agents: list[AgentNow] = field(default_factory=list)

    def state_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {PHONE: dict.fromkeys(PHONE_STATES, 0),
                                             CHAT: dict.fromkeys(CHAT_STATES, 0)}
        for agent in self.agents:
            if agent.state in counts[agent.channel]:
                counts[agent.channel][agent.state] += 1
        return counts


# --- chats as contacts ----------------------------------------------------------------------------------------

_CHAT_ANSWERED = Q(answered_at__isnull=False)
_CHAT_WAITING = Q(answered_at__isnull=True, status=st.WAITING)
_CHAT_ABANDONED = Q(answered_at__isnull=True, status=st.ENDED, ended_by=Party.CUSTOMER)
_CHAT_OVERFLOWED = Q(answered_at__isnull=True) & (Q(status=st.LEFT_MESSAGE)
                                                   | Q(status=st.ENDED) & ~Q(ended_by=Party.CUSTOMER))
_CHAT_HANDLED = _CHAT_ANSWERED & Q(status=st.ENDED, ended_at__isnull=False)
_CHAT_WAIT = ExpressionWrapper(F("answered_at") - F("started_at"), output_field=DurationField())
_CHAT_HANDLE = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())


def _chat_aggregates(sl_seconds: float, short_abandon_seconds: float) -> dict:
    """metrics.Tally's sums over chats, in SQL (named t_<field> like the calls' aggregates)."""
    return {f"t_{name}": aggregate for name, aggregate in {
        "offered": Count("pk", filter=~_CHAT_WAITING),
        "answered": Count("pk", filter=_CHAT_ANSWERED),
        "answered_within_sl": Count("pk", filter=_CHAT_ANSWERED & Q(
            answered_at__lte=F("started_at") + timedelta(seconds=sl_seconds))),
        "answered_with_wait": Count("pk", filter=_CHAT_ANSWERED),
        "wait_seconds": Sum(_CHAT_WAIT, filter=_CHAT_ANSWERED),
        "abandoned": Count("pk", filter=_CHAT_ABANDONED),
        "short_abandoned": Count("pk", filter=_CHAT_ABANDONED & Q(wait_seconds__lt=short_abandon_seconds)),
        "overflowed": Count("pk", filter=_CHAT_OVERFLOWED),
        "waiting": Count("pk", filter=_CHAT_WAITING),
        "handled": Count("pk", filter=_CHAT_HANDLED),
        "handle_seconds": Sum(_CHAT_HANDLE, filter=_CHAT_HANDLED),
    }.items()}


def _chat_tally(row: dict, agents: frozenset[str] = frozenset()) -> metrics.Tally:
    numbers = {}
    for name in metrics.TALLY_SUMS:
        value = row.get(f"t_{name}") or 0
        numbers[name] = value.total_seconds() if isinstance(value, timedelta) else value
    numbers["wait_seconds"] = float(numbers["wait_seconds"])
    numbers["handle_seconds"] = float(numbers["handle_seconds"])
    return metrics.Tally(**numbers, agents=agents)


def _bucket(field_name: str, minutes: int) -> Floor:
    zone = calls.local_zone()
    return Floor((ExtractHour(field_name, tzinfo=zone) * 60 + ExtractMinute(field_name, tzinfo=zone)) / minutes,
                 output_field=IntegerField())


def _name(username: str | None, first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


@dataclass
class _ChatTime:
    """Per agent, within the window: available (logged in, not away) and working (holding a chat or in
    after-contact work) spans, the working ones within the available ones."""

    available: dict[int, list[Span]]
    working: dict[int, list[Span]]
    served: dict[int, set[int]]  # agent → chats of the day they served
    names: dict[int, str]


def _chat_time(start: datetime, end: datetime, until: datetime) -> _ChatTime:
    """Two queries: the presence spans and the chat assignments that touch [start, until), plus the assignments
    of the day's chats (for who served them)."""
    available: dict[int, list[Span]] = defaultdict(list)
    acw: dict[int, list[Span]] = defaultdict(list)
    spans = (PresenceSpan.objects.filter(started_at__lt=until).exclude(ended_at__lte=start)
             .values_list("user_id", "state", "started_at", "ended_at"))
    for user_id, state, began, ended in spans:
        span = (max(began, start), min(ended or until, until))
        if state in acd.SERVING:
            available[user_id].append(span)
        if state == acd.ACW:
            acw[user_id].append(span)
    held: dict[int, list[Span]] = defaultdict(list)
    served: dict[int, set[int]] = defaultdict(set)
    names: dict[int, str] = {}
    touching = Q(assigned_at__lt=until) & (Q(released_at__isnull=True) | Q(released_at__gt=start))
    of_the_day = Q(conversation__started_at__gte=start, conversation__started_at__lt=end)
    rows = ChatAssignment.objects.filter(touching | of_the_day).values_list(
        "agent_id", "agent__username", "agent__first_name", "agent__last_name", "conversation_id",
        "conversation__started_at", "assigned_at", "released_at")
    for agent_id, username, first, last, chat_id, started_at, assigned_at, released_at in rows:
        names[agent_id] = _name(username, first, last)
        if start <= started_at < end:
            served[agent_id].add(chat_id)
        held[agent_id].append((max(assigned_at, start), min(released_at or until, until)))
    free = {agent: merged(spans) for agent, spans in available.items()}
    working = {agent: common(merged(held.get(agent, []) + acw.get(agent, [])), spans)
               for agent, spans in free.items()}
    return _ChatTime(free, working, served, names)


# --- the day --------------------------------------------------------------------------------------------------

def _combined(phone: tuple[metrics.Tally, float | None, float], chat: tuple[metrics.Tally, float | None, float],
              sl_seconds: float, short_abandon_seconds: float) -> metrics.Figures:
    """Both channels' figures: tallies added; occupancy over the channels whose available time is known."""
    known = [(free, busy) for _, free, busy in (phone, chat) if free is not None]
    return metrics.figures(phone[0] + chat[0], sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                           available_seconds=sum(free for free, _busy in known) if known else None,
                           busy_seconds=sum(busy for _free, busy in known))


def _day_calls(start: datetime, end: datetime) -> QuerySet[Call]:
    return Call.objects.filter(offered_at__gte=start, offered_at__lt=end)


def _day_chats(start: datetime, end: datetime) -> QuerySet[Conversation]:
    return Conversation.objects.filter(started_at__gte=start, started_at__lt=end)


def day_board(day: date, *, sl_seconds: float = metrics.SL_SECONDS,
              short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS,
              stretches: list[t.Presence] | None = None) -> DayBoard:
    """The day's figures per channel and combined (today: so far), and each agent's contacts. Six queries
    (one fewer when the switch's presence `stretches` for the day are passed in)."""
    calls.check_thresholds(sl_seconds, short_abandon_seconds)
    start, end = calls.day_window(day)
    now = clock.now()
    until = max(start, min(end, now))
    sums = calls.tally_aggregates(sl_seconds, short_abandon_seconds)

    # Calls: the tally, then who answered them (by user when linked, else by the switch's label).
    call_rows = _day_calls(start, end)
    phone_row = call_rows.aggregate(**sums)
    people: dict[str, PersonDay] = {}
    labels: dict[str, str] = {}
    for label, user_id, username, first, last, n in (
            call_rows.filter(_ANSWERED_CALL).exclude(agent_label="")
            .values_list("agent_label", "agent_id", "agent__username", "agent__first_name", "agent__last_name")
            .annotate(n=Count("pk")).order_by()):
        key = labels[label] = f"u{user_id}" if user_id else f"l{label}"
        known = people.get(key) or PersonDay(key, _name(username, first, last) if user_id else label)
        people[key] = replace(known, calls=known.calls + n)
    phone_agents = frozenset(people)
    phone_tally = calls.tally_of_row(phone_row, phone_agents)
    if stretches is None:
        stretches = calls.presence(start, until)
    phone_free = t.available_seconds(stretches, start, until) if stretches else None

    # Chats: the tally of the day's chats, the agents who served them, their available and working time.
    chat_row = _day_chats(start, end).aggregate(**_chat_aggregates(sl_seconds, short_abandon_seconds))
    time = _chat_time(start, end, until)
    for agent_id, chats in time.served.items():
        key = f"u{agent_id}"
        known = people.get(key) or PersonDay(key, time.names.get(agent_id, ""))
        people[key] = replace(known, chats=known.chats + len(chats))
    chat_tally = _chat_tally(chat_row, frozenset(f"u{agent_id}" for agent_id in time.served))
    chat_free = sum(total_seconds(spans) for spans in time.available.values()) if time.available else None
    chat_busy = sum(total_seconds(spans) for spans in time.working.values())

    def figures(tally, free, busy=None):
        return metrics.figures(tally, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                               available_seconds=free, busy_seconds=busy)

    channels = Channels(
        phone=figures(phone_tally, phone_free), chat=figures(chat_tally, chat_free, chat_busy),
        all=_combined((phone_tally, phone_free, phone_tally.handle_seconds), (chat_tally, chat_free, chat_busy),
                      sl_seconds, short_abandon_seconds))
    ranked = sorted(people.values(), key=lambda p: (-p.total, p.name, p.key))
    return DayBoard(day, start, until, start <= now < end, channels, ranked, labels)


# --- per interval ---------------------------------------------------------------------------------------------

def interval_board(day: date, minutes: int = 15, *, sl_seconds: float = metrics.SL_SECONDS,
                   short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS) -> list[IntervalBoard]:
    """Every interval of the day (empty ones too), per channel and combined, by the time contacts began.
    Occupancy per interval: the work done within it ÷ the available time within it. Six queries."""
    calls.check_thresholds(sl_seconds, short_abandon_seconds)
    if not 1 <= minutes <= 1440 or 1440 % minutes:
        raise DomainError("the interval must divide the day: 5, 10, 15, 30, 60 … minutes", field="minutes",
                                location="query")
    start, end = calls.day_window(day)
    until = max(start, min(end, clock.now()))
    step, count = timedelta(minutes=minutes), 1440 // minutes
    call_rows = {int(row["bucket"]): row for row in _day_calls(start, end).annotate(
        bucket=_bucket("offered_at", minutes)).values("bucket").annotate(
        **calls.tally_aggregates(sl_seconds, short_abandon_seconds)).order_by("bucket")}
    chat_rows = {int(row["bucket"]): row for row in _day_chats(start, end).annotate(
        bucket=_bucket("started_at", minutes)).values("bucket").annotate(
        **_chat_aggregates(sl_seconds, short_abandon_seconds)).order_by("bucket")}
    stretches = calls.presence(start, until)
    phone_busy = calls.busy_by_interval(start, end, step) if stretches else {}
    time = _chat_time(start, end, until)
    chat_free = [0.0] * count
    chat_busy = [0.0] * count
    for spans in time.available.values():
        chat_free = [a + b for a, b in zip(chat_free, binned(spans, start, step, count), strict=True)]
    for spans in time.working.values():
        chat_busy = [a + b for a, b in zip(chat_busy, binned(spans, start, step, count), strict=True)]

    def figures(tally, free, busy):
        return metrics.figures(tally, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                               available_seconds=free, busy_seconds=busy)

    out = []
    for index in range(count):
        begin = start + index * step
        phone_tally = calls.tally_of_row(call_rows.get(index, {}), frozenset())
        chat_tally = _chat_tally(chat_rows.get(index, {}))
        phone_free = t.available_seconds(stretches, begin, min(begin + step, until)) if stretches else None
        busy = phone_busy.get(index, 0.0)
        free = chat_free[index] if time.available else None
        out.append(IntervalBoard(begin, begin + step, Channels(
            phone=figures(phone_tally, phone_free, busy), chat=figures(chat_tally, free, chat_busy[index]),
            all=_combined((phone_tally, phone_free, busy), (chat_tally, free, chat_busy[index]),
                          sl_seconds, short_abandon_seconds))))
    return out


# --- now ------------------------------------------------------------------------------------------------------

def _queues(now: datetime, chat_agents: list[AgentPresence]) -> list[QueueNow]:
    """Call queues (kefu.calls: two queries) and chat lines (one query), merged by name; both chat lines always
    appear, so an empty line shows as empty rather than missing."""
    rows: dict[str, QueueNow] = {skill: QueueNow(skill, chat_agents=0) for skill in ChatSkill.values}
    for queue in calls.queue_lengths():
        known = rows.get(queue.queue) or QueueNow(queue.queue)
        rows[queue.queue] = replace(known, calls_waiting=queue.waiting, calls_talking=queue.talking,
                                    longest_wait_seconds=max(known.longest_wait_seconds, queue.longest_wait_seconds))
    open_chats = (Conversation.objects.filter(status__in=st.OPEN).values_list("skill", "status")
                  .annotate(n=Count("pk"), oldest=Min("waiting_since")).order_by())
    for skill, status, n, oldest in open_chats:
        known = rows.get(skill) or QueueNow(skill, chat_agents=0)
        if status == st.WAITING:
            waited = max(0, int((now - oldest).total_seconds()))
            rows[skill] = replace(known, chats_waiting=n,
                                  longest_wait_seconds=max(known.longest_wait_seconds, waited))
        else:
            rows[skill] = replace(known, chats_active=n)
    for presence in chat_agents:
        profile = getattr(presence.user, "agent_profile", None)
        if presence.state not in acd.SERVING or profile is None:
            continue
        for skill in profile.skills or ():
            if skill in rows and rows[skill].chat_agents is not None:
                rows[skill] = replace(rows[skill], chat_agents=rows[skill].chat_agents + 1)
    return sorted(rows.values(), key=lambda q: (-q.waiting, -q.longest_wait_seconds, q.queue))


def _phone_agents(now: datetime, until: datetime, stretches: list[t.Presence],
                  person_of: dict[str, PersonDay]) -> list[AgentNow]:
    """Agents logged in on the switch now: on a call (an answered call not yet ended), else ready or paused since
    their stretch began. `person_of` maps a label to the person whose name and contacts to show. One query."""
    talking: dict[str, datetime] = {}
    for label, answered_at in (Call.objects.filter(_ANSWERED_CALL, ended_at__isnull=True,
                                                   offered_at__gte=now - calls.STALE_AFTER)
                               .exclude(agent_label="").values_list("agent_label", "answered_at")):
        if answered_at is not None:
            talking[label] = min(talking.get(label, answered_at), answered_at)
    out = []
    for stretch in stretches:
        if stretch.end < until:  # logged off since, or a later stretch (paused / unpaused) follows
            continue
        state, since = (PHONE_PAUSED if stretch.paused else PHONE_READY), stretch.start
        if stretch.agent in talking:
            state, since = PHONE_TALKING, talking[stretch.agent]
        person = person_of.get(stretch.agent)
        out.append(AgentNow(PHONE, f"l{stretch.agent}", person.name if person else stretch.agent, state, since,
                            max(0, int((now - since).total_seconds())), contacts_today=person.total if person else 0))
    return out


def board(day: date, *, sl_seconds: float = metrics.SL_SECONDS,
          short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS) -> Board:
    """The live part of the wallboard: the day's figures, and for today the queues and agents now. At most eleven
    queries, whatever the number of calls, chats and agents."""
    now = clock.now()
    start, end = calls.day_window(day)
    until = max(start, min(end, now))
    stretches = calls.presence(start, until)
    figures = day_board(day, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                        stretches=stretches)
    if not figures.is_today:
        return Board(now, figures)
    people = {p.key: p for p in figures.people}
    chat_agents = list(AgentPresence.objects.exclude(state=AgentState.OFFLINE)
                       .select_related("user", "user__agent_profile").order_by("user_id"))
    agents = [AgentNow(CHAT, f"u{p.user_id}", _name(p.user.username, p.user.first_name, p.user.last_name),
                       p.state, p.since, max(0, int((now - p.since).total_seconds())), p.active_chats,
                       p.chat_capacity, people[f"u{p.user_id}"].total if f"u{p.user_id}" in people else 0)
              for p in chat_agents]
    # A switch label linked to a user (by today's calls) shows that user's name and contacts.
    person_of = {s.agent: people.get(figures.labels.get(s.agent, f"l{s.agent}")) for s in stretches}
    phone = _phone_agents(now, until, stretches, {label: p for label, p in person_of.items() if p is not None})
    order = {state: i for i, state in enumerate((*PHONE_STATES, *CHAT_STATES))}
    agents = sorted(agents + phone, key=lambda a: (a.channel, order.get(a.state, 99), -a.seconds_in_state, a.name))
    return Board(now, figures, _queues(now, chat_agents), agents)

