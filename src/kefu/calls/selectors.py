"""Reads for the figures and the live queue, for the API and the wallboard.

Tallies come from SQL aggregates (a handful of queries per day, whatever the number of calls); the arithmetic on
them is metrics.figures, the same that tally() feeds from plain records. Days and intervals are local
(Asia/Shanghai) and a call belongs to the interval in which it was offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, IntegerField, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute, Floor

from kefu.core import clock
from kefu.core.errors import DomainError

from . import metrics
from . import telephony as t
from .models import Call, TelephonyEvent

STALE_AFTER = timedelta(hours=4)  # a call "waiting" or "talking" longer than this lost its closing event
_ANSWERED = Q(outcome__in=t.ANSWERED_OUTCOMES)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_window(day: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    return (datetime.combine(day, datetime.min.time(), tzinfo=zone),
            datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone))


# --- tallies in SQL -------------------------------------------------------------------------------------------

def tally_aggregates(sl_seconds: float, short_abandon_seconds: float) -> dict:
    """The Tally's sums as SQL aggregates, named t_<field> (a bare "wait_seconds" would clash with the column)."""
    return {f"t_{name}": aggregate for name, aggregate in {
        "offered": Count("pk", filter=~Q(outcome=t.IN_PROGRESS)),
        "answered": Count("pk", filter=_ANSWERED),
        "answered_within_sl": Count("pk", filter=_ANSWERED & Q(wait_seconds__lte=sl_seconds)),
        "answered_with_wait": Count("wait_seconds", filter=_ANSWERED),
        "wait_seconds": Sum("wait_seconds", filter=_ANSWERED),
        "abandoned": Count("pk", filter=Q(outcome=t.ABANDONED)),
        "short_abandoned": Count("pk", filter=Q(outcome=t.ABANDONED, wait_seconds__lt=short_abandon_seconds)),
        "overflowed": Count("pk", filter=Q(outcome=t.OVERFLOWED)),
        "waiting": Count("pk", filter=Q(outcome=t.IN_PROGRESS)),
        "handled": Count("talk_seconds", filter=_ANSWERED),
        "handle_seconds": Sum(F("talk_seconds") + Coalesce("wrapup_seconds", 0), filter=_ANSWERED),
    }.items()}


def tally_of_row(row: dict, agents: frozenset[str]) -> metrics.Tally:
    numbers = {name: row.get(f"t_{name}") or 0 for name in metrics.TALLY_SUMS}
    numbers["wait_seconds"] = float(numbers["wait_seconds"])
    numbers["handle_seconds"] = float(numbers["handle_seconds"])
    return metrics.Tally(**numbers, agents=agents)


def tally_calls(calls: QuerySet[Call], *, sl_seconds: float = metrics.SL_SECONDS,
                short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS) -> metrics.Tally:
    """The tally of any set of calls, in two queries."""
    row = calls.aggregate(**tally_aggregates(sl_seconds, short_abandon_seconds))
    agents = calls.filter(_ANSWERED).exclude(agent_label="").values_list("agent_label", flat=True).distinct()
    return tally_of_row(row, frozenset(agents))


# --- logged-in time -------------------------------------------------------------------------------------------

def presence(start: datetime, end: datetime) -> list[t.Presence]:
    """Agents' logged-in stretches within [start, end), from the switch's agent events; the day before is read
    too, so a late shift that began before midnight counts from midnight."""
    rows = TelephonyEvent.objects.filter(kind__in=t.AGENT_KINDS, at__gte=start - timedelta(days=1), at__lt=end)
    return t.presence((row.as_event() for row in rows.order_by("at", "id")), start, end)


# --- a day ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentDay:
    label: str  # as the switch names the agent
    user_id: int | None
    username: str
    answered: int
    handled: int
    handle_seconds: float
    average_handle_time: float | None
    available_seconds: float | None
    occupancy: float | None


@dataclass(frozen=True)
class DayFigures:
    day: date
    start: datetime
    end: datetime  # the end of the day, or now for today
    figures: metrics.Figures
    agents: list[AgentDay]
    channels: tuple[str, ...] = ("phone",)


def _until(end: datetime) -> datetime:
    return min(end, clock.now())


def figures_for_day(day: date, *, sl_seconds: float = metrics.SL_SECONDS,
                    short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS,
                    available_seconds: float | None = None) -> DayFigures:
    """The day's figures (today: so far). Occupancy uses `available_seconds` when given, else the logged-in,
    unpaused time the switch reported (None when it reported none)."""
    check_thresholds(sl_seconds, short_abandon_seconds)
    start, end = day_window(day)
    calls = Call.objects.filter(offered_at__gte=start, offered_at__lt=end)
    until = max(start, _until(end))
    stretches = presence(start, until)
    if available_seconds is None and stretches:
        available_seconds = t.available_seconds(stretches, start, until)
    tally = tally_calls(calls, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds)
    figures = metrics.figures(tally, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                              available_seconds=available_seconds)
    return DayFigures(day=day, start=start, end=until, figures=figures, agents=_agents(calls, stretches, start, until))


def _agents(calls: QuerySet[Call], stretches: list[t.Presence], start: datetime, end: datetime) -> list[AgentDay]:
    rows = (calls.filter(_ANSWERED).exclude(agent_label="")
            .values("agent_label", "agent_id", "agent__username")
            .annotate(answered=Count("pk"), handled=Count("talk_seconds"),
                      handle=Sum(F("talk_seconds") + Coalesce("wrapup_seconds", 0)))
            .order_by("agent_label"))
    available: dict[str, float] = {}
    for stretch in stretches:
        available[stretch.agent] = available.get(stretch.agent, 0.0) + t.available_seconds([stretch], start, end)
    agents = []
    for row in rows:
        handle = float(row["handle"] or 0)
        free = available.get(row["agent_label"])
        agents.append(AgentDay(
            label=row["agent_label"], user_id=row["agent_id"], username=row["agent__username"] or "",
            answered=row["answered"], handled=row["handled"], handle_seconds=handle,
            average_handle_time=handle / row["handled"] if row["handled"] else None,
            available_seconds=free, occupancy=handle / free if free else None))
    return agents


# --- intervals ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IntervalFigures:
    start: datetime
    end: datetime
    figures: metrics.Figures


def figures_by_interval(day: date, minutes: int = 15, *, sl_seconds: float = metrics.SL_SECONDS,
                        short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS) -> list[IntervalFigures]:
    """Every interval of the day (empty ones too, so a chart has all its bars), by the time calls were offered.
    Occupancy per interval from the logged-in time the switch reported within it."""
    check_thresholds(sl_seconds, short_abandon_seconds)
    if not 1 <= minutes <= 1440 or 1440 % minutes:
        raise DomainError("the interval must divide the day: 5, 10, 15, 30, 60 … minutes", field="minutes",
                          location="query")
    start, end = day_window(day)
    zone = local_zone()
    bucket = Floor((ExtractHour("offered_at", tzinfo=zone) * 60 + ExtractMinute("offered_at", tzinfo=zone))
                   / minutes, output_field=IntegerField())
    calls = Call.objects.filter(offered_at__gte=start, offered_at__lt=end).annotate(bucket=bucket)
    rows = {int(row["bucket"]): row for row in calls.values("bucket").annotate(
        **tally_aggregates(sl_seconds, short_abandon_seconds)).order_by("bucket")}
    agents: dict[int, set[str]] = {}
    for index, label in (calls.filter(_ANSWERED).exclude(agent_label="").values_list("bucket", "agent_label")
                         .distinct()):
        agents.setdefault(int(index), set()).add(label)
    until = max(start, _until(end))
    stretches = presence(start, until)
    step = timedelta(minutes=minutes)
    busy = busy_by_interval(start, end, step) if stretches else {}
    intervals = []
    for index in range(1440 // minutes):
        begin = start + index * step
        tally = tally_of_row(rows.get(index, {}), frozenset(agents.get(index, ())))
        free = t.available_seconds(stretches, begin, min(begin + step, until)) if stretches else None
        intervals.append(IntervalFigures(begin, begin + step, metrics.figures(
            tally, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds, available_seconds=free,
            busy_seconds=busy.get(index, 0.0))))
    return intervals


def busy_by_interval(start: datetime, end: datetime, step: timedelta) -> dict[int, float]:
    """Handling (talk + after-call work) done within each interval, whenever the call was offered: the numerator
    of an interval's occupancy. One query over the day's answered, finished calls."""
    busy: dict[int, float] = {}
    rows = (Call.objects.filter(_ANSWERED, answered_at__gte=start - STALE_AFTER, answered_at__lt=end,
                                talk_seconds__isnull=False)
            .values_list("answered_at", "talk_seconds", "wrapup_seconds"))
    for answered_at, talk, wrapup in rows:
        begin = max(answered_at, start)
        finish = min(answered_at + timedelta(seconds=talk + (wrapup or 0)), end)
        while begin < finish:
            index = int((begin - start) // step)
            edge = min(start + (index + 1) * step, finish)
            busy[index] = busy.get(index, 0.0) + (edge - begin).total_seconds()
            begin = edge
    return busy


def check_thresholds(sl_seconds: float, short_abandon_seconds: float) -> None:
    if not 0 <= sl_seconds <= 3600:
        raise DomainError("the service-level threshold is 0 to 3600 seconds", field="sl_seconds", location="query")
    if not 0 <= short_abandon_seconds <= 600:
        raise DomainError("the short-abandon threshold is 0 to 600 seconds", field="short_abandon_seconds",
                          location="query")


# --- now ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueNow:
    queue: str
    waiting: int
    longest_wait_seconds: int
    talking: int


def queue_lengths() -> list[QueueNow]:
    """Per queue: calls waiting now, the longest wait so far, and calls in conversation. Calls silent for longer
    than STALE_AFTER are left out (their closing event was lost)."""
    now = clock.now()
    recent = Call.objects.filter(offered_at__gte=now - STALE_AFTER)
    waiting = {r["queue"]: r for r in recent.filter(outcome=t.IN_PROGRESS).values("queue")
               .annotate(n=Count("pk"), oldest=Min("offered_at"))}
    talking = dict(recent.filter(_ANSWERED, ended_at__isnull=True).values("queue").annotate(n=Count("pk"))
                   .values_list("queue", "n"))
    found = []
    for queue in sorted(set(waiting) | set(talking)):
        row = waiting.get(queue)
        longest = max(0, round((now - row["oldest"]).total_seconds())) if row else 0
        found.append(QueueNow(queue, row["n"] if row else 0, longest, talking.get(queue, 0)))
    return found


@dataclass(frozen=True)
class WaitingCall:
    call_id: str
    queue: str
    offered_at: datetime
    waited_seconds: int
    caller_number: str  # unmasked: a page masks it for roles that need not see it
    customer_id: int | None


def waiting_calls(queue: str | None = None) -> list[WaitingCall]:
    """Calls waiting now, longest first."""
    now = clock.now()
    calls = Call.objects.filter(outcome=t.IN_PROGRESS, offered_at__gte=now - STALE_AFTER)
    if queue is not None:
        calls = calls.filter(queue=queue)
    return [WaitingCall(c.call_id, c.queue, c.offered_at, max(0, round((now - c.offered_at).total_seconds())),
                        c.caller_number, c.customer_id) for c in calls.order_by("offered_at", "id")]
