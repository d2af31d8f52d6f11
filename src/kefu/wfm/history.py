"""The planner's history from the database: contacts offered per interval, counted from the contact records.

Why a fallback: the forecast learns each weekday's shape from whole weeks of records. With fewer than
MIN_WEEKS of them (a new shop, a telephony link connected last week) it would staff for noise, so the plan
runs on the deterministic demo history of wfm/demo.py instead, and `PlanningHistory.from_records` says so
for the page to tell the supervisor.

The window: whole weeks ending the day before the planned week, or before today when the week lies ahead
(today is not over). A call counts in the local (Asia/Shanghai) interval in which it was offered, whatever
became of it: demand is what was offered, answered or not. Counting is one grouped query per source.

The seam for chats: a contact source is anything with `first_day` and `counts` (CallRecords below).
Chats (chat.Conversation.queued_at) join CONTACT_SOURCES once the planner models an agent's concurrent
chats: a chat is not a call in Erlang's sense, so adding its count to the calls' today would overstaff.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db.models import Count, IntegerField, Min, QuerySet
from django.db.models.functions import ExtractHour, ExtractMinute, Floor, TruncDate

from kefu.calls.models import Call

from .demo import demo_history
from .forecast import History, slots_per_day

MIN_WEEKS = 4  # docs/wfm.md: four weeks or more give a steadier pattern
MAX_WEEKS = 8  # older weeks weigh little (half-life 2 weeks) and cost a longer query
INTERVAL_MINUTES = 15
DEMO_CALLS_PER_DAY = 3000.0
DEMO_SEED = 2026


class ContactSource(Protocol):
    """Where offered contacts are counted from (calls today; chats later, see the module's docstring)."""

    def first_day(self, start: datetime, end: datetime, queue: str) -> date | None:
        """The local day of the first contact offered in [start, end), or None."""

    def counts(self, first: date, days: int, interval_minutes: int, queue: str) -> np.ndarray:
        """Contacts offered per (day, interval) over `days` days from `first`: shape (days, slots)."""


class CallRecords:
    """Offered phone calls: one calls.Call row per call."""

    def _calls(self, start: datetime, end: datetime, queue: str) -> QuerySet[Call]:
        calls = Call.objects.filter(offered_at__gte=start, offered_at__lt=end)
        return calls.filter(queue=queue) if queue else calls

    def first_day(self, start: datetime, end: datetime, queue: str) -> date | None:
        first = self._calls(start, end, queue).aggregate(first=Min("offered_at"))["first"]
        return None if first is None else first.astimezone(local_zone()).date()

    def counts(self, first: date, days: int, interval_minutes: int, queue: str) -> np.ndarray:
        zone = local_zone()
        start, end = midnight(first), midnight(first + timedelta(days=days))
        slot = Floor((ExtractHour("offered_at", tzinfo=zone) * 60 + ExtractMinute("offered_at", tzinfo=zone))
                     / interval_minutes, output_field=IntegerField())
        rows = (self._calls(start, end, queue).order_by()  # no default ordering in the GROUP BY
                .annotate(day=TruncDate("offered_at", tzinfo=zone), slot=slot)
                .values("day", "slot").annotate(n=Count("pk")).values_list("day", "slot", "n"))
        counts = np.zeros((days, slots_per_day(interval_minutes)))
        for day, index, n in rows:
            counts[(day - first).days, int(index)] += n
        return counts


CONTACT_SOURCES: tuple[ContactSource, ...] = (CallRecords(),)


@dataclass(frozen=True, eq=False)
class PlanningHistory:
    """The history a plan runs on, and where it came from."""

    history: History
    from_records: bool  # False: too few weeks of records, the demo history stands in
    weeks_of_records: int  # whole weeks of records found before the planned week (capped at MAX_WEEKS)
    needed_weeks: int
    queue: str  # "" for every line

    @property
    def first_day(self) -> date:
        return self.history.first_day

    @property
    def last_day(self) -> date:
        return self.history.days[-1]

    @property
    def contacts(self) -> int:
        return int(self.history.counts.sum())

    @property
    def digest(self) -> str:
        """Changes whenever the counts do: part of a cached plan's key, so new records mean a new plan."""
        h = self.history
        text = f"{self.from_records}|{h.first_day}|{h.interval_minutes}|{sorted(h.promotion_days)}|"
        return hashlib.sha256(text.encode() + np.ascontiguousarray(h.counts, dtype=float).tobytes()).hexdigest()


def planning_history(week_start: date, today: date, *, queue: str = "", promotion_days: frozenset[date] = frozenset(),
                     min_weeks: int = MIN_WEEKS, max_weeks: int = MAX_WEEKS,
                     interval_minutes: int = INTERVAL_MINUTES) -> PlanningHistory:
    """The history for planning the week from `week_start`: up to `max_weeks` whole weeks of records before it
    (before `today` when the week lies ahead), or the demo history when fewer than `min_weeks` exist.
    `promotion_days` are the promotion days inside the recorded history (ignored for the demo)."""
    end = min(week_start, today)
    earliest = end - timedelta(weeks=max_weeks)
    firsts = [day for source in CONTACT_SOURCES
              if (day := source.first_day(midnight(earliest), midnight(end), queue)) is not None]
    weeks = (end - min(firsts)).days // 7 if firsts else 0
    if weeks < min_weeks:
        demo = demo_history(DEMO_SEED, interval_minutes, DEMO_CALLS_PER_DAY)
        return PlanningHistory(demo, False, weeks, min_weeks, queue)
    first = end - timedelta(weeks=weeks)
    counts = sum(source.counts(first, 7 * weeks, interval_minutes, queue) for source in CONTACT_SOURCES)
    inside = frozenset(day for day in promotion_days if first <= day < end)
    return PlanningHistory(History(first, interval_minutes, counts, inside), True, weeks, min_weeks, queue)


def queues(since: date) -> list[str]:
    """The lines (queue names) of the calls offered since `since`, for planning one line at a time."""
    calls = Call.objects.filter(offered_at__gte=midnight(since)).exclude(queue="")
    return list(calls.order_by("queue").values_list("queue", flat=True).distinct())


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=local_zone())

