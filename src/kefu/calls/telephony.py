"""What a telephony system tells us, and what a call is once all of it is known. Pure: no Django import.

A call is never stored as "the last event wins". Every event is kept (see models.TelephonyEvent) and the call
record is *folded* from all of its events each time one arrives. The fold looks at which kinds of event exist,
not at the order they came in, so events may arrive late, out of order or twice and the record converges on the
same answer (tests/calls/test_fold.py).

Event kinds:
    offered      the call entered a queue (queue required; caller number if known)
    answered     an agent took it (agent required; wait_seconds = time in queue, if the switch reports it)
    abandoned    the caller hung up while waiting (wait_seconds)
    overflowed   it left the queue unanswered without hanging up: queue timeout, no agents, or the caller pressed
                 a key to leave (reason); it went on to voicemail or another destination
    transferred  the agent who answered passed it on (target; talk_seconds until the transfer)
    ended        the conversation ended (talk_seconds, wrapup_seconds = after-call work, if known)
    missed       an agent's phone rang and nobody picked up (Asterisk's RINGNOANSWER): counted, nothing more
    login, logoff, pause, unpause   an agent's state (no call): gives logged-in time for occupancy
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

OFFERED, ANSWERED, ABANDONED, OVERFLOWED = "offered", "answered", "abandoned", "overflowed"
TRANSFERRED, ENDED, MISSED = "transferred", "ended", "missed"
LOGIN, LOGOFF, PAUSE, UNPAUSE = "login", "logoff", "pause", "unpause"
CALL_KINDS = (OFFERED, ANSWERED, ABANDONED, OVERFLOWED, TRANSFERRED, ENDED, MISSED)
AGENT_KINDS = (LOGIN, LOGOFF, PAUSE, UNPAUSE)
KINDS = CALL_KINDS + AGENT_KINDS

# A call's outcome. "Answered" outcomes are answered and transferred: a transfer follows an answer.
IN_PROGRESS = "in_progress"
OUTCOMES = (IN_PROGRESS, ANSWERED, ABANDONED, OVERFLOWED, TRANSFERRED)
ANSWERED_OUTCOMES = (ANSWERED, TRANSFERRED)

MAX_SECONDS = 86_400  # no wait, talk or wrap-up lasts longer than a day
LIMITS = {"call_id": 64, "queue": 64, "agent": 128, "caller": 32, "target": 128, "reason": 64, "event_id": 100}
_ORDER = {kind: i for i, kind in enumerate(KINDS)}  # ties at the same instant: the natural order of a call


@dataclass(frozen=True)
class TelephonyEvent:
    kind: str
    at: datetime  # aware
    call_id: str = ""
    queue: str = ""
    agent: str = ""  # the switch's label for the agent: an extension, an interface (SIP/8001) or a name
    caller: str = ""  # the caller's number as the switch gave it
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    wrapup_seconds: int | None = None
    target: str = ""  # transferred: where to
    reason: str = ""  # overflowed: timeout / empty / key; pause: the pause reason
    event_id: str = ""  # the sender's own id for the event, if it has one

    @property
    def is_call_event(self) -> bool:
        return self.kind in CALL_KINDS


def problems(event: TelephonyEvent) -> list[tuple[str, str]]:
    """What is wrong with one event, as (field, message) pairs; [] when it can be recorded."""
    found: list[tuple[str, str]] = []
    if event.kind not in KINDS:
        found.append(("kind", f"unknown kind {event.kind!r}; one of: {', '.join(KINDS)}"))
        return found
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        found.append(("at", "must include a timezone offset"))
    if event.is_call_event and not event.call_id:
        found.append(("call_id", f"a {event.kind} event needs the call's id"))
    if event.kind == OFFERED and not event.queue:
        found.append(("queue", "an offered event needs the queue"))
    if event.kind in (ANSWERED, MISSED, *AGENT_KINDS) and not event.agent:
        found.append(("agent", f"a {event.kind} event needs the agent"))
    for name, limit in LIMITS.items():
        if len(getattr(event, name)) > limit:
            found.append((name, f"must be at most {limit} characters"))
        elif "\x00" in getattr(event, name):
            found.append((name, "must not contain a NUL character"))
    for name in ("wait_seconds", "talk_seconds", "wrapup_seconds"):
        value = getattr(event, name)
        if value is not None and not 0 <= value <= MAX_SECONDS:
            found.append((name, f"must be between 0 and {MAX_SECONDS} seconds"))
    return found


def event_key(event: TelephonyEvent, source: str = "") -> str:
    """The identity that makes a replay a no-op: the sender's event id (within its source) if it gave one,
    else the natural key (call, kind, instant, agent, queue) — the same for the API and a queue_log import of
    the same happening, so feeding one day both ways does not count it twice."""
    if event.event_id:
        raw = f"id|{source}|{event.event_id}"
    else:
        raw = f"nk|{event.call_id}|{event.kind}|{event.at.timestamp():.6f}|{event.agent}|{event.queue}"
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class CallState:
    call_id: str
    queue: str
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    agent: str
    caller: str
    wait_seconds: int | None
    talk_seconds: int | None
    wrapup_seconds: int | None
    transferred_to: str
    overflow_reason: str
    missed_rings: int


def _seconds(later: datetime | None, earlier: datetime | None) -> int | None:
    if later is None or earlier is None:
        return None
    return max(0, min(MAX_SECONDS, round((later - earlier).total_seconds())))


def _first(value, *others):
    for candidate in (value, *others):
        if candidate is not None:
            return candidate
    return None


def fold(call_id: str, events: Iterable[TelephonyEvent]) -> CallState:
    """One call from all its events, whatever order they came in. Rules (first event of each kind counts):

    outcome     transferred if a transfer is known; else answered if an answer is known (or an end with an agent
                or talk time: the answer is on its way); else abandoned (an abandon, or an end with neither agent
                nor talk: the caller hung up in the queue); else overflowed; else in progress.
    offered_at  the offer; without one, the answer less the reported wait; else the earliest event.
    wait        as reported by the switch, else measured from offer to answer (or to abandon / overflow).
    talk        transferred: until the transfer; answered: as reported with the end, else answer → end.
    """
    ordered = sorted((e for e in events if e.is_call_event), key=lambda e: (e.at, _ORDER[e.kind]))
    if not ordered:
        raise ValueError(f"no call events for {call_id!r}")
    first: dict[str, TelephonyEvent] = {}
    for event in ordered:
        first.setdefault(event.kind, event)
    offer, answer, abandon = first.get(OFFERED), first.get(ANSWERED), first.get(ABANDONED)
    overflow, transfer, end = first.get(OVERFLOWED), first.get(TRANSFERRED), first.get(ENDED)

    end_was_answered = end is not None and bool(end.agent or end.talk_seconds)
    if transfer is not None:
        outcome = TRANSFERRED
    elif answer is not None or end_was_answered:
        outcome = ANSWERED
    elif abandon is not None or end is not None:
        outcome = ABANDONED
    elif overflow is not None:
        outcome = OVERFLOWED
    else:
        outcome = IN_PROGRESS
    answered = outcome in ANSWERED_OUTCOMES

    answered_at = None
    if answered:
        if answer is not None:
            answered_at = answer.at
        else:
            closing = transfer or end
            answered_at = closing.at - timedelta(seconds=closing.talk_seconds or 0)

    reported_wait = None
    if answered:
        reported_wait = _first(*(e.wait_seconds for e in (answer, transfer, end) if e is not None))
    elif outcome == ABANDONED:
        reported_wait = _first(*(e.wait_seconds for e in (abandon, end) if e is not None))
    elif outcome == OVERFLOWED:
        reported_wait = overflow.wait_seconds

    if offer is not None:
        offered_at = offer.at
    elif answered_at is not None and reported_wait is not None:
        offered_at = answered_at - timedelta(seconds=reported_wait)
    else:
        offered_at = ordered[0].at

    left_queue_at = {ANSWERED: answered_at, TRANSFERRED: answered_at,
                     ABANDONED: (abandon or end).at if outcome == ABANDONED else None,
                     OVERFLOWED: overflow.at if overflow else None}.get(outcome)
    wait = reported_wait if reported_wait is not None else _seconds(left_queue_at, offered_at)
    if outcome == IN_PROGRESS:
        wait = None

    talk = None
    wrapup = None
    ended_at = None
    if outcome == TRANSFERRED:
        talk = _first(transfer.talk_seconds, _seconds(transfer.at, answered_at))
        wrapup = transfer.wrapup_seconds
        ended_at = end.at if end is not None else transfer.at
    elif outcome == ANSWERED and end is not None:
        talk = _first(end.talk_seconds, _seconds(end.at, answered_at))
        wrapup = end.wrapup_seconds
        ended_at = end.at
    elif outcome in (ABANDONED, OVERFLOWED):
        ended_at = left_queue_at

    agent_source = next((e for e in (answer, transfer, end) if e is not None and e.agent), None)
    return CallState(
        call_id=call_id,
        queue=_first_text(offer, ordered, "queue"),
        offered_at=offered_at,
        answered_at=answered_at,
        ended_at=ended_at,
        outcome=outcome,
        agent=agent_source.agent if answered and agent_source else "",
        caller=_first_text(offer, ordered, "caller"),
        wait_seconds=wait,
        talk_seconds=talk,
        wrapup_seconds=wrapup,
        transferred_to=transfer.target if transfer is not None else "",
        overflow_reason=overflow.reason if outcome == OVERFLOWED else "",
        missed_rings=len({(e.at, e.agent) for e in ordered if e.kind == MISSED}),  # a repeated report counts once
    )


def _first_text(preferred: TelephonyEvent | None, ordered: Sequence[TelephonyEvent], name: str) -> str:
    if preferred is not None and getattr(preferred, name):
        return getattr(preferred, name)
    return next((getattr(e, name) for e in ordered if getattr(e, name)), "")


# --- agents -------------------------------------------------------------------------------------------

_EXTENSION = re.compile(r"^(?:[A-Za-z0-9_]+/)?([^@/;]+)")


def extension_of(label: str) -> str:
    """'SIP/8001' → '8001', 'Local/8001@from-queue/n' → '8001', 'PJSIP/zhangwei' → 'zhangwei', '8001' → '8001'."""
    match = _EXTENSION.match(label.strip())
    return match.group(1) if match else label.strip()


@dataclass(frozen=True)
class Presence:
    """An agent's stretch of logged-in time, paused or not, within a window."""

    agent: str
    start: datetime
    end: datetime
    paused: bool


def presence(events: Iterable[TelephonyEvent], start: datetime, end: datetime) -> list[Presence]:
    """Logged-in stretches per agent within [start, end), from login/logoff/pause/unpause events.

    An agent is logged in from a login until the matching logoff; Asterisk logs one ADDMEMBER per queue, so
    logins are counted per queue and the agent is in while any queue holds them. Pauses are per agent (a pause
    in one queue counts as paused). A stretch still open at the end of the events runs to `end`. Events before
    `start` set the state the window opens with.
    """
    by_agent: dict[str, list[TelephonyEvent]] = defaultdict(list)
    for event in events:
        if event.kind in AGENT_KINDS:
            by_agent[event.agent].append(event)
    stretches: list[Presence] = []
    for agent, agent_events in sorted(by_agent.items()):
        queues: set[str] = set()
        paused = False
        since: datetime | None = None
        for event in sorted(agent_events, key=lambda e: (e.at, _ORDER[e.kind])):
            if event.at >= end:
                break
            was_in, was_paused = bool(queues), paused
            if event.kind == LOGIN:
                queues.add(event.queue or "*")
            elif event.kind == LOGOFF:
                queues.discard(event.queue or "*")
                if not event.queue or event.queue == "*":
                    queues.clear()
            elif event.kind == PAUSE:
                paused = True
            elif event.kind == UNPAUSE:
                paused = False
            now_in = bool(queues)
            if (was_in, was_paused) != (now_in, paused):
                if was_in and since is not None:
                    _add(stretches, agent, since, event.at, was_paused, start, end)
                since = event.at if now_in else None
        if queues and since is not None:
            _add(stretches, agent, since, end, paused, start, end)
    return stretches


def _add(stretches: list[Presence], agent: str, begin: datetime, finish: datetime, paused: bool,
         start: datetime, end: datetime) -> None:
    begin, finish = max(begin, start), min(finish, end)
    if finish > begin:
        stretches.append(Presence(agent, begin, finish, paused))


def available_seconds(stretches: Iterable[Presence], start: datetime, end: datetime) -> float:
    """Logged-in, unpaused seconds within [start, end): the denominator of occupancy."""
    total = 0.0
    for stretch in stretches:
        if stretch.paused:
            continue
        overlap = (min(stretch.end, end) - max(stretch.start, start)).total_seconds()
        total += max(0.0, overlap)
    return total
