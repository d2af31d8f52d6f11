"""Contact-centre figures from plain records: the arithmetic, with no Django import.

Definitions (docs/calls.md has them with examples). "Offered" counts contacts whose queue outcome is decided —
answered (including answered then transferred), abandoned or overflowed; contacts still waiting are reported
apart as `waiting` and count nowhere else until they are decided.

    answer rate (接通率)     answered ÷ offered                                   the seed's headline: 25 % → 96 %
    service level           answered within N s ÷ (offered − short abandons)
                            "within" is wait ≤ N; a short abandon is a caller who hung up after waiting less than
                            `short_abandon_seconds` (default 5 s; 0 counts every abandon): a misdial, not a failure
                            of the service, so it leaves the denominator; every other abandon and every overflow
                            stays in and counts as a miss. An answered contact whose wait is unknown is a miss.
    average speed of answer total wait of answered ÷ answered (with a known wait)
    abandonment rate        abandoned ÷ offered (short abandons included)
    average handle time     (talk + after-call work) ÷ handled contacts with a known talk time; after-call work
                            counts as 0 where the switch does not report it
    contacts per agent      answered ÷ agents who answered at least one
    occupancy               handle time ÷ available time (logged in and not paused), when the latter is known

Records carry a channel (phone today; chat later): a Tally is the sum of its records' counts, and tallies add,
so a figure over several channels or intervals is the figure of the summed tally.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .telephony import ABANDONED, ANSWERED_OUTCOMES, IN_PROGRESS, OVERFLOWED

SL_SECONDS = 20
SHORT_ABANDON_SECONDS = 5


@dataclass(frozen=True)
class ContactRecord:
    """One contact as the figures see it: a call today, a chat later."""

    offered_at: datetime
    outcome: str  # in_progress / answered / transferred / abandoned / overflowed
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    wrapup_seconds: float | None = None
    agent: str = ""
    queue: str = ""
    channel: str = "phone"


@dataclass(frozen=True)
class Tally:
    """Counts and sums that the figures are ratios of; the selectors get them from SQL, tally() from records."""

    offered: int = 0
    answered: int = 0
    answered_within_sl: int = 0
    answered_with_wait: int = 0
    wait_seconds: float = 0.0  # sum over answered_with_wait
    abandoned: int = 0
    short_abandoned: int = 0
    overflowed: int = 0
    waiting: int = 0
    handled: int = 0  # answered with a known talk time
    handle_seconds: float = 0.0  # talk + after-call work over `handled`
    agents: frozenset[str] = field(default_factory=frozenset)  # who answered at least one

    def __add__(self, other: Tally) -> Tally:
        sums = {name: getattr(self, name) + getattr(other, name) for name in TALLY_SUMS}
        return Tally(**sums, agents=self.agents | other.agents)


TALLY_SUMS = ("offered", "answered", "answered_within_sl", "answered_with_wait", "wait_seconds", "abandoned",
             "short_abandoned", "overflowed", "waiting", "handled", "handle_seconds")


def tally(records: Iterable[ContactRecord], *, sl_seconds: float = SL_SECONDS,
          short_abandon_seconds: float = SHORT_ABANDON_SECONDS) -> Tally:
    counts = dict.fromkeys(TALLY_SUMS, 0)
    agents: set[str] = set()
    for r in records:
        if r.outcome == IN_PROGRESS:
            counts["waiting"] += 1
            continue
        counts["offered"] += 1
        if r.outcome in ANSWERED_OUTCOMES:
            counts["answered"] += 1
            if r.agent:
                agents.add(r.agent)
            if r.wait_seconds is not None:
                counts["answered_with_wait"] += 1
                counts["wait_seconds"] += r.wait_seconds
                if r.wait_seconds <= sl_seconds:
                    counts["answered_within_sl"] += 1
            if r.talk_seconds is not None:
                counts["handled"] += 1
                counts["handle_seconds"] += r.talk_seconds + (r.wrapup_seconds or 0)
        elif r.outcome == ABANDONED:
            counts["abandoned"] += 1
            if r.wait_seconds is not None and r.wait_seconds < short_abandon_seconds:
                counts["short_abandoned"] += 1
        elif r.outcome == OVERFLOWED:
            counts["overflowed"] += 1
        else:
            raise ValueError(f"unknown outcome {r.outcome!r}")
    return Tally(**counts, agents=frozenset(agents))


@dataclass(frozen=True)
class Figures:
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    waiting: int
    answer_rate: float | None  # fractions (0.96), None when there is nothing to divide by
    service_level: float | None
    sl_seconds: float
    short_abandon_seconds: float
    average_speed_of_answer: float | None  # seconds
    abandonment_rate: float | None
    average_handle_time: float | None  # seconds
    agents: int
    contacts_per_agent: float | None
    handle_seconds: float
    available_seconds: float | None
    occupancy: float | None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def figures(t: Tally, *, sl_seconds: float = SL_SECONDS, short_abandon_seconds: float = SHORT_ABANDON_SECONDS,
            available_seconds: float | None = None, busy_seconds: float | None = None) -> Figures:
    """The figures of a tally. `sl_seconds` and `short_abandon_seconds` must be those the tally was made with;
    `available_seconds` (logged-in, unpaused agent time) gives occupancy when known. Occupancy divides the tally's
    handle time, or `busy_seconds` when given: for a short interval, the handling done within it (a call offered
    at 10:14 is mostly handled after 10:15)."""
    busy = t.handle_seconds if busy_seconds is None else busy_seconds
    return Figures(
        offered=t.offered, answered=t.answered, abandoned=t.abandoned, short_abandoned=t.short_abandoned,
        overflowed=t.overflowed, waiting=t.waiting,
        answer_rate=_ratio(t.answered, t.offered),
        service_level=_ratio(t.answered_within_sl, t.offered - t.short_abandoned),
        sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
        average_speed_of_answer=_ratio(t.wait_seconds, t.answered_with_wait),
        abandonment_rate=_ratio(t.abandoned, t.offered),
        average_handle_time=_ratio(t.handle_seconds, t.handled),
        agents=len(t.agents),
        contacts_per_agent=_ratio(t.answered, len(t.agents)),
        handle_seconds=t.handle_seconds,
        available_seconds=available_seconds,
        occupancy=_ratio(busy, available_seconds) if available_seconds else None,
    )


def summary(f: Figures, *, digits: int = 4) -> dict:
    """The figures as JSON-ready numbers (rates rounded to `digits`, seconds to 0.1)."""
    def rate(value):
        return None if value is None else round(value, digits)

    def secs(value):
        return None if value is None else round(value, 1)

    return {
        "offered": f.offered, "answered": f.answered, "abandoned": f.abandoned,
        "short_abandoned": f.short_abandoned, "overflowed": f.overflowed, "waiting": f.waiting,
        "answer_rate": rate(f.answer_rate), "service_level": rate(f.service_level), "sl_seconds": f.sl_seconds,
        "short_abandon_seconds": f.short_abandon_seconds,
        "average_speed_of_answer": secs(f.average_speed_of_answer), "abandonment_rate": rate(f.abandonment_rate),
        "average_handle_time": secs(f.average_handle_time), "agents": f.agents,
        "contacts_per_agent": secs(f.contacts_per_agent), "handle_seconds": secs(f.handle_seconds),
        "available_seconds": secs(f.available_seconds), "occupancy": rate(f.occupancy),
    }
