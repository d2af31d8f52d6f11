"""Shapes of the calls API: what a telephony system sends, and the figures it (or a supervisor's tool) reads.

Input follows the house rules: unknown fields refused, strings stripped and fitting their columns, no NUL,
times with a timezone offset, durations whole seconds. Rates are fractions (0.96), durations seconds, times ISO
8601 in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from kefu.commerce.schemas import AwareDatetime, LocalTime
from kefu.tickets.schemas import StrictIn

from . import telephony as t
from .metrics import Figures
from .selectors import AgentDay, DayFigures, IntervalFigures, QueueNow

Kind = Literal["offered", "answered", "abandoned", "overflowed", "transferred", "ended", "missed",
               "login", "logoff", "pause", "unpause"]
Seconds = Field(None, ge=0, le=t.MAX_SECONDS)


class CallEventIn(StrictIn):
    """One event from the switch. Which fields a kind needs: offered — call_id, queue (caller if known);
    answered — call_id, agent (wait_seconds if known); abandoned / overflowed — call_id (wait_seconds, reason);
    transferred — call_id (agent, target, talk_seconds); ended — call_id (agent, talk_seconds, wrapup_seconds);
    missed — call_id, agent; login / logoff / pause / unpause — agent (queue, reason)."""

    event_id: str = Field("", max_length=t.LIMITS["event_id"],
                          description="your id for this event; without one, (call_id, kind, at, agent, queue) is")
    call_id: str = Field("", max_length=t.LIMITS["call_id"])
    kind: Kind
    at: AwareDatetime
    queue: str = Field("", max_length=t.LIMITS["queue"])
    agent: str = Field("", max_length=t.LIMITS["agent"], description="extension, interface or username")
    caller: str = Field("", max_length=t.LIMITS["caller"], description="the caller's number")
    wait_seconds: int | None = Seconds
    talk_seconds: int | None = Seconds
    wrapup_seconds: int | None = Field(None, ge=0, le=t.MAX_SECONDS, description="after-call work")
    target: str = Field("", max_length=t.LIMITS["target"], description="transferred: where to")
    reason: str = Field("", max_length=t.LIMITS["reason"])

    def event(self) -> t.TelephonyEvent:
        return t.TelephonyEvent(**self.model_dump())


class RecordedOut(Schema):
    received: int
    recorded: int
    duplicates: int
    calls_changed: int
    calls: list[str] = Field(description="ids of the calls whose record changed (at most 1000)")


class ProblemOut(Schema):
    line: int
    message: str
    text: str


class ImportedOut(RecordedOut):
    lines: int
    skipped: int = Field(description="well-formed lines of events kefu does not record (QUEUESTART…)")
    problems: list[ProblemOut]


class FiguresOut(Schema):
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    waiting: int
    answer_rate: float | None
    service_level: float | None
    sl_seconds: float
    short_abandon_seconds: float
    average_speed_of_answer: float | None
    abandonment_rate: float | None
    average_handle_time: float | None
    agents: int
    contacts_per_agent: float | None
    handle_seconds: float
    available_seconds: float | None
    occupancy: float | None

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(**f.__dict__)


class AgentDayOut(Schema):
    label: str
    username: str
    answered: int
    handled: int
    handle_seconds: float
    average_handle_time: float | None
    available_seconds: float | None
    occupancy: float | None

    @classmethod
    def of(cls, a: AgentDay) -> AgentDayOut:
        return cls(label=a.label, username=a.username, answered=a.answered, handled=a.handled,
                   handle_seconds=a.handle_seconds, average_handle_time=a.average_handle_time,
                   available_seconds=a.available_seconds, occupancy=a.occupancy)


class DayFiguresOut(Schema):
    date: dt.date
    start: LocalTime
    end: LocalTime
    channels: list[str]
    figures: FiguresOut
    agents: list[AgentDayOut]

    @classmethod
    def of(cls, d: DayFigures) -> DayFiguresOut:
        return cls(date=d.day, start=d.start, end=d.end, channels=list(d.channels), figures=FiguresOut.of(d.figures),
                   agents=[AgentDayOut.of(a) for a in d.agents])


class IntervalOut(Schema):
    start: LocalTime
    end: LocalTime
    figures: FiguresOut

    @classmethod
    def of(cls, i: IntervalFigures) -> IntervalOut:
        return cls(start=i.start, end=i.end, figures=FiguresOut.of(i.figures))


class QueueNowOut(Schema):
    queue: str
    waiting: int
    longest_wait_seconds: int
    talking: int

    @classmethod
    def of(cls, q: QueueNow) -> QueueNowOut:
        return cls(**q.__dict__)

