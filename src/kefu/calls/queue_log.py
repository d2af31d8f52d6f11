"""Asterisk's queue_log: read it into telephony events, and write it (for the simulator). Pure: no Django import.

The format, per Asterisk's documentation ("Queue Logs", docs.asterisk.org/Operation/Logging/Queue-Logs/, the
former doc/queuelog.txt) and app_queue.c, one event a line, fields separated by '|':

    epoch|callid|queuename|agent|event|data1|data2|...

epoch is the UNIX time of the event (UTC seconds); callid the caller channel's uniqueid ("NONE" or "MANAGER" on
agent events); queuename "NONE" when no queue applies; agent the queue member (interface or member name, e.g.
SIP/8001), "NONE" while nobody has the call. The events read here and their data fields:

    ENTERQUEUE      url|callerid[|position]            a caller joined the queue             → offered
    CONNECT         holdtime|bridgedchanuniqueid|ringtime   answered after holdtime s of waiting;
                                                        ringtime s of ringing                   → answered
    ABANDON         position|origposition|waittime     the caller hung up while waiting       → abandoned
    EXITWITHTIMEOUT position|origposition|waittime     the queue's timeout took the call out   → overflowed
    EXITEMPTY       position|origposition|waittime     left because no member could take it   → overflowed
    EXITWITHKEY     key|position|origposition|waittime the caller pressed a key to leave       → overflowed
    COMPLETEAGENT   holdtime|calltime|origposition     the agent hung up after calltime s     → ended
    COMPLETECALLER  holdtime|calltime|origposition     the caller hung up after calltime s    → ended
    TRANSFER        extension|context|holdtime|calltime|origposition   (BLINDTRANSFER likewise)
                                                        the agent transferred the call         → transferred
    ATTENDEDTRANSFER method|...|holdtime|calltime|origposition (Asterisk 12+; the last three fields)
    RINGNOANSWER    ringtime (milliseconds)            a member's phone rang unanswered       → missed
    ADDMEMBER / AGENTLOGIN / AGENTCALLBACKLOGIN         an agent came in (per queue for ADDMEMBER) → login
    REMOVEMEMBER / AGENTLOGOFF / AGENTCALLBACKLOGOFF    an agent went out                      → logoff
    PAUSE / PAUSEALL [reason]  ·  UNPAUSE / UNPAUSEALL                                       → pause / unpause

Older versions write fewer trailing fields (EXITWITHTIMEOUT with position only, TRANSFER with extension and
context only); missing fields read as unknown. Other events (QUEUESTART, CONFIGRELOAD, AGENTDUMP, DID, INFO…)
are read and skipped. A malformed line is reported with its number and skipped; the rest of the file counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from . import telephony as t

_NONE = {"", "NONE"}
_CALL_ID_NONE = {"", "NONE", "MANAGER", "REALTIME"}
MAX_FIELD = 128  # no callid, queue or agent name is longer; a longer field means the line is broken


@dataclass(frozen=True)
class Line:
    number: int
    at: datetime
    call_id: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    text: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message, "text": self.text[:200]}


@dataclass
class Parsed:
    events: list[tuple[int, t.TelephonyEvent]]  # (line number, event)
    problems: list[Problem]
    lines: int = 0
    skipped: int = 0  # well-formed lines of events that carry nothing we record


def parse_line(number: int, text: str) -> Line:
    """One line's fields; ValueError says what is wrong."""
    fields = text.split("|")
    if len(fields) < 5:
        raise ValueError("expected epoch|callid|queuename|agent|event|data…, found fewer than 5 fields")
    epoch, call_id, queue, agent, event, *data = fields
    try:
        seconds = float(epoch)
    except ValueError:
        raise ValueError(f"the timestamp {epoch[:20]!r} is not a UNIX time") from None
    if not 0 <= seconds < 32_503_680_000:  # before year 3000
        raise ValueError(f"the timestamp {epoch[:20]!r} is out of range")
    if not event or not event.replace("_", "").isalnum():
        raise ValueError(f"the event name {event[:30]!r} is not valid")
    if max(len(call_id), len(queue), len(agent)) > MAX_FIELD:
        raise ValueError(f"a callid, queue or agent field is longer than {MAX_FIELD} characters")
    return Line(number, datetime.fromtimestamp(seconds, UTC), call_id.strip(), queue.strip(), agent.strip(),
                event.strip().upper(), tuple(d.strip() for d in data))


def _int(line: Line, index: int, name: str, *, divisor: int = 1) -> int | None:
    """Data field `index` as whole seconds; None when the version writes fewer fields."""
    if index >= len(line.data) or line.data[index] == "":
        return None
    try:
        value = int(line.data[index])
    except ValueError:
        raise ValueError(f"{line.event}: {name} {line.data[index][:20]!r} is not a whole number") from None
    if value < 0:
        raise ValueError(f"{line.event}: {name} must not be negative")
    value //= divisor
    if value > t.MAX_SECONDS:
        raise ValueError(f"{line.event}: {name} {value} s is longer than a day")
    return value


def _data(line: Line, index: int) -> str:
    return line.data[index] if index < len(line.data) else ""


def to_event(line: Line) -> t.TelephonyEvent | None:
    """The telephony event a line stands for; None for events we do not record. ValueError if its data is bad."""
    name = line.event
    call_id = "" if line.call_id.upper() in _CALL_ID_NONE else line.call_id
    queue = "" if line.queue.upper() in _NONE else line.queue
    agent = "" if line.agent.upper() in _NONE else line.agent
    base = {"at": line.at, "call_id": call_id, "queue": queue, "agent": agent}
    if name == "ENTERQUEUE":
        caller = _data(line, 1)[:t.LIMITS["caller"]]
        return t.TelephonyEvent(kind=t.OFFERED, caller=caller, **base)
    if name == "CONNECT":
        return t.TelephonyEvent(kind=t.ANSWERED, wait_seconds=_int(line, 0, "holdtime"), **base)
    if name in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
        wait = _int(line, 2, "waittime")
        if name == "ABANDON":
            return t.TelephonyEvent(kind=t.ABANDONED, wait_seconds=wait, **base)
        reason = "timeout" if name == "EXITWITHTIMEOUT" else "empty"
        return t.TelephonyEvent(kind=t.OVERFLOWED, wait_seconds=wait, reason=reason, **base)
    if name == "EXITWITHKEY":
        return t.TelephonyEvent(kind=t.OVERFLOWED, wait_seconds=_int(line, 3, "waittime"), reason="key", **base)
    if name in ("COMPLETEAGENT", "COMPLETECALLER"):
        return t.TelephonyEvent(kind=t.ENDED, wait_seconds=_int(line, 0, "holdtime"),
                                talk_seconds=_int(line, 1, "calltime"),
                                reason="agent" if name == "COMPLETEAGENT" else "caller", **base)
    if name in ("TRANSFER", "BLINDTRANSFER"):
        target = "@".join(part for part in (_data(line, 0), _data(line, 1)) if part)[:t.LIMITS["target"]]
        return t.TelephonyEvent(kind=t.TRANSFERRED, target=target, wait_seconds=_int(line, 2, "holdtime"),
                                talk_seconds=_int(line, 3, "calltime"), **base)
    if name == "ATTENDEDTRANSFER":
        if len(line.data) < 4:
            raise ValueError("ATTENDEDTRANSFER: expected method|…|holdtime|calltime|origposition")
        n = len(line.data)
        return t.TelephonyEvent(kind=t.TRANSFERRED, target=":".join(line.data[:n - 3])[:t.LIMITS["target"]],
                                wait_seconds=_int(line, n - 3, "holdtime"), talk_seconds=_int(line, n - 2, "calltime"),
                                **base)
    if name == "RINGNOANSWER":
        _int(line, 0, "ringtime", divisor=1000)  # validated; the count of missed rings is what we keep
        return t.TelephonyEvent(kind=t.MISSED, **base)
    kind = _AGENT_EVENTS.get(name)
    if kind is not None:
        reason = _data(line, 0)[:t.LIMITS["reason"]] if kind == t.PAUSE else ""
        return t.TelephonyEvent(kind=kind, reason=reason, **base)
    return None


_AGENT_EVENTS = {"ADDMEMBER": t.LOGIN, "AGENTLOGIN": t.LOGIN, "AGENTCALLBACKLOGIN": t.LOGIN,
                 "REMOVEMEMBER": t.LOGOFF, "AGENTLOGOFF": t.LOGOFF, "AGENTCALLBACKLOGOFF": t.LOGOFF,
                 "PAUSE": t.PAUSE, "PAUSEALL": t.PAUSE, "UNPAUSE": t.UNPAUSE, "UNPAUSEALL": t.UNPAUSE}


def parse(lines: Iterable[str]) -> Parsed:
    """Every line of a queue_log file (numbered from 1) into events; bad lines become problems."""
    parsed = Parsed(events=[], problems=[])
    for number, raw in enumerate(lines, start=1):
        parsed.lines = number
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            event = to_event(parse_line(number, text))
            if event is not None:
                found = t.problems(event)
                if found:
                    raise ValueError("; ".join(f"{field}: {message}" for field, message in found))
        except ValueError as exc:
            parsed.problems.append(Problem(number, str(exc), text))
            continue
        if event is None:
            parsed.skipped += 1
        else:
            parsed.events.append((number, event))
    return parsed


# --- writing (the simulator's queue_log output) ---------------------------------------------------------------

def format_event(event: t.TelephonyEvent, *, position: int = 1) -> str:
    """The queue_log line Asterisk would write for `event` (the inverse of to_event for what we record)."""
    epoch = int(event.at.timestamp())
    call_id = event.call_id or "NONE"
    queue = event.queue or "NONE"
    agent = event.agent or "NONE"

    def line(name: str, *data) -> str:
        return "|".join([str(epoch), call_id, queue, agent, name, *("" if d is None else str(d) for d in data)])

    wait, talk = event.wait_seconds, event.talk_seconds
    match event.kind:
        case t.OFFERED:
            return line("ENTERQUEUE", "", event.caller, position)
        case t.ANSWERED:
            return line("CONNECT", wait, f"{event.call_id}.1", 2)
        case t.ABANDONED:
            return line("ABANDON", position, position, wait)
        case t.OVERFLOWED if event.reason == "key":
            return line("EXITWITHKEY", "0", position, position, wait)
        case t.OVERFLOWED:
            return line("EXITEMPTY" if event.reason == "empty" else "EXITWITHTIMEOUT", position, position, wait)
        case t.ENDED:
            return line("COMPLETECALLER" if event.reason == "caller" else "COMPLETEAGENT", wait, talk, position)
        case t.TRANSFERRED:
            extension, _, context = event.target.partition("@")
            return line("TRANSFER", extension, context, wait, talk, position)
        case t.MISSED:
            return line("RINGNOANSWER", 15000)
        case t.LOGIN:
            return line("ADDMEMBER", "")
        case t.LOGOFF:
            return line("REMOVEMEMBER", "")
        case t.PAUSE:
            return line("PAUSE", event.reason)
        case t.UNPAUSE:
            return line("UNPAUSE", "")
    raise ValueError(f"cannot write a {event.kind} event")
