"""Writes: recording telephony events (the API, the queue_log importer and the simulator all come here), and
mapping the switch's agent labels to staff users.

No audit entry per call: a Call is derived from its TelephonyEvent rows, which are themselves the trail (what
was reported, by whom, when it arrived). One outbox event per batch (`calls.recorded`) names the calls that
changed, for whoever shows live figures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from kefu.commerce.models import Customer
from kefu.core import clock, events
from kefu.core.errors import DomainError
from kefu.core.phones import normalise_phone

from . import queue_log
from . import telephony as t
from .models import AgentLine, Call, TelephonyEvent

MAX_BATCH = 5000  # events per API request; a queue_log import is recorded in chunks of this size
FUTURE_TOLERANCE = timedelta(days=1)  # a switch clock may be off, but not by a day
_FOLDED_FIELDS = ["queue", "offered_at", "answered_at", "ended_at", "outcome", "agent_label", "agent_id",
                  "caller_number", "customer_id", "wait_seconds", "talk_seconds", "wrapup_seconds", "transferred_to",
                  "overflow_reason", "missed_rings"]


class InvalidEvents(DomainError):
    """Some events cannot be recorded; `problems` are (field path, message) pairs, e.g. ("3.queue", "…")."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


@dataclass
class Recorded:
    received: int = 0
    recorded: int = 0
    duplicates: int = 0
    calls: list[str] = field(default_factory=list)  # ids of the calls whose record changed

    def add(self, other: Recorded) -> None:
        self.received += other.received
        self.recorded += other.recorded
        self.duplicates += other.duplicates
        self.calls = list(dict.fromkeys([*self.calls, *other.calls]))  # a call split across chunks counts once


@dataclass
class Imported(Recorded):
    lines: int = 0
    skipped: int = 0  # well-formed lines of events we do not record (QUEUESTART, CONFIGRELOAD…)
    problems: list[queue_log.Problem] = field(default_factory=list)


def invalid(event: t.TelephonyEvent) -> list[tuple[str, str]]:
    found = t.problems(event)
    if not found and event.at > clock.now() + FUTURE_TOLERANCE:
        found.append(("at", "is more than a day in the future"))
    return found


def record_events(batch: Sequence[t.TelephonyEvent], *, source: str, announce: bool = True) -> Recorded:
    """Record a batch of events and refold the calls they touch. All or nothing: any invalid event refuses the
    batch (InvalidEvents names each). Events already recorded (same key) are counted as duplicates and change
    nothing. `announce=False` (the demo seed's history) emits no `calls.recorded` event."""
    problems = [(f"{i}.{name}", message) for i, event in enumerate(batch) for name, message in invalid(event)]
    if problems:
        raise InvalidEvents(problems)
    unique: dict[str, t.TelephonyEvent] = {}
    for event in batch:
        unique.setdefault(t.event_key(event, source), event)
    with transaction.atomic():
        known = set()
        for keys in _chunks(list(unique)):
            known.update(TelephonyEvent.objects.filter(key__in=keys).values_list("key", flat=True))
        new = {key: event for key, event in unique.items() if key not in known}
        now = clock.now()
        TelephonyEvent.objects.bulk_create([_row(key, event, source, now) for key, event in new.items()],
                                           ignore_conflicts=True, batch_size=1000)
        call_ids = sorted({e.call_id for e in new.values() if e.is_call_event})
        changed = [call for ids in _chunks(call_ids) for call in _refold(ids, source, now)]
        if new and announce:
            events.emit("calls.recorded", {"source": source, "events": len(new), "calls": changed[:1000],
                                           "calls_changed": len(changed)})
    return Recorded(received=len(batch), recorded=len(new), duplicates=len(batch) - len(new), calls=changed)


def import_queue_log(lines: Iterable[str], *, source: str = "queue_log") -> Imported:
    """Parse an Asterisk queue_log and record its events. Malformed lines are reported with their numbers and
    skipped; the others are recorded. Feeding the same file again records nothing new."""
    parsed = queue_log.parse(lines)
    result = Imported(lines=parsed.lines, skipped=parsed.skipped, problems=list(parsed.problems))
    good: list[t.TelephonyEvent] = []
    for number, event in parsed.events:
        found = invalid(event)
        if found:
            message = "; ".join(f"{name}: {text}" for name, text in found)
            result.problems.append(queue_log.Problem(number, message, queue_log.format_event(event)))
        else:
            good.append(event)
    result.problems.sort(key=lambda p: p.line)
    for start in range(0, len(good), MAX_BATCH):
        result.add(record_events(good[start:start + MAX_BATCH], source=source))
    return result


def _chunks(items: list, size: int = 500):
    """Slices small enough for one IN (...) on every database (SQLite may allow only 999 parameters)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _row(key: str, event: t.TelephonyEvent, source: str, now) -> TelephonyEvent:
    return TelephonyEvent(key=key, kind=event.kind, at=event.at, call_id=event.call_id, queue=event.queue,
                          agent_label=event.agent, caller=event.caller, wait_seconds=event.wait_seconds,
                          talk_seconds=event.talk_seconds, wrapup_seconds=event.wrapup_seconds, target=event.target,
                          reason=event.reason, event_id=event.event_id, source=source[:120], received_at=now)


def _refold(call_ids: list[str], source: str, now) -> list[str]:
    """Rebuild the calls from all their events; returns the ids of those that changed.

    The rows are locked before their events are read, so of two requests adding events to one call, the later
    one folds everything both added (on PostgreSQL; SQLite runs one writer at a time anyway)."""
    existing = set(Call.objects.filter(call_id__in=call_ids).values_list("call_id", flat=True))
    Call.objects.bulk_create([Call(call_id=c, offered_at=now, updated_at=now, source=source[:120])
                              for c in call_ids if c not in existing], ignore_conflicts=True, batch_size=1000)
    calls = {c.call_id: c for c in Call.objects.select_for_update().filter(call_id__in=call_ids).order_by("call_id")}
    by_call: dict[str, list[t.TelephonyEvent]] = defaultdict(list)
    for row in TelephonyEvent.objects.filter(call_id__in=call_ids, kind__in=t.CALL_KINDS):
        by_call[row.call_id].append(row.as_event())
    states = [t.fold(call_id, by_call[call_id]) for call_id in call_ids]
    agents = resolve_agents({s.agent for s in states if s.agent})
    customers = resolve_customers({s.caller for s in states if s.caller})
    changed = []
    for state in states:
        current = calls[state.call_id]
        folded = Call(
            call_id=state.call_id, queue=state.queue, offered_at=state.offered_at, answered_at=state.answered_at,
            ended_at=state.ended_at, outcome=state.outcome, agent_label=state.agent, agent_id=agents.get(state.agent),
            caller_number=state.caller, customer_id=customers.get(state.caller), wait_seconds=state.wait_seconds,
            talk_seconds=state.talk_seconds, wrapup_seconds=state.wrapup_seconds,
            transferred_to=state.transferred_to, overflow_reason=state.overflow_reason,
            missed_rings=state.missed_rings, source=current.source, updated_at=now)
        if any(getattr(folded, name) != getattr(current, name) for name in _FOLDED_FIELDS):
            changed.append(folded)
    # One INSERT … ON CONFLICT DO UPDATE for the lot: the rows exist (and are locked), so every one updates.
    Call.objects.bulk_create(changed, update_conflicts=True, unique_fields=["call_id"],
                             update_fields=[*_FOLDED_FIELDS, "updated_at"], batch_size=500)
    return [call.call_id for call in changed]


# --- who is who -----------------------------------------------------------------------------------------------

def resolve_agents(labels: set[str]) -> dict[str, int]:
    """Agent label → staff user id. In order: an AgentLine for the label; one for its extension ('SIP/8001' →
    '8001'); an active user (not a customer) whose username is the label; one whose username is the extension.
    Unmatched labels are left out: the call keeps the label alone."""
    if not labels:
        return {}
    extensions = {label: t.extension_of(label) for label in labels}
    names = set(labels) | set(extensions.values())
    lines = dict(AgentLine.objects.filter(label__in=names).values_list("label", "user_id"))
    users = dict(get_user_model().objects.filter(username__in=names, is_active=True, customer__isnull=True)
                 .values_list("username", "pk"))
    found = {}
    for label, extension in extensions.items():
        user_id = lines.get(label) or lines.get(extension) or users.get(label) or users.get(extension)
        if user_id:
            found[label] = user_id
    return found


_DIGITS = re.compile(r"\D")


def caller_phone(raw: str) -> str | None:
    """The mainland mobile behind a caller number, or None (a landline, a withheld or foreign number). Switches
    often prefix the trunk's 0 or the country code without '+': 013812345678 and 8613812345678 both count."""
    try:
        return normalise_phone(raw)
    except ValueError:
        pass
    digits = _DIGITS.sub("", raw or "")
    for prefix in ("0", "86", "0086"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            try:
                return normalise_phone(digits[len(prefix):])
            except ValueError:
                return None
    return None


def resolve_customers(callers: set[str]) -> dict[str, int]:
    """Caller number → customer id, for callers whose mobile is a customer's."""
    phones = {caller: caller_phone(caller) for caller in callers}
    wanted = {p for p in phones.values() if p}
    if not wanted:
        return {}
    by_phone = dict(Customer.objects.filter(phone__in=wanted).values_list("phone", "pk"))
    return {caller: by_phone[phone] for caller, phone in phones.items() if phone in by_phone}


@transaction.atomic
def map_agent_line(label: str, user) -> AgentLine:
    """Say which staff user a switch label is; calls already recorded under it (or under a label with this
    extension) with no agent are linked too."""
    label = label.strip()
    if not label or len(label) > t.LIMITS["agent"]:
        raise DomainError(f"a label is 1 to {t.LIMITS['agent']} characters", field="label")
    if hasattr(user, "customer"):
        raise DomainError("a customer cannot be an agent", field="user")
    line, _created = AgentLine.objects.update_or_create(label=label, defaults={"user": user})
    relink_agents()
    return line


def relink_agents() -> int:
    """Link calls that have an agent label but no agent, now that mappings may have changed; returns how many."""
    labels = set(Call.objects.filter(agent__isnull=True).exclude(agent_label="")
                 .values_list("agent_label", flat=True).distinct())
    linked = 0
    for label, user_id in resolve_agents(labels).items():
        linked += Call.objects.filter(agent__isnull=True, agent_label=label).update(agent_id=user_id)
    return linked
