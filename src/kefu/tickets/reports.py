"""Figures for the supervisors' ticket report: volume by channel, SLA targets met, escalations, causes, the
follow-up survey (CSAT) and the same per agent — a handful of aggregate queries over a date range."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.utils import timezone

from .models import Cause, Channel, ClockKind, FollowUpVisit, Kind, SlaClock, Ticket, Visit


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class TargetMet:
    finished: int = 0  # clocks that were met or breached in the period
    met: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.met, self.finished)


@dataclass
class AgentRow:
    label: str
    resolved: int = 0
    answered: int = 0
    csat: Decimal | None = None


@dataclass
class TicketReport:
    start: date
    end: date
    opened: int = 0
    resolved: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    first_response: TargetMet = field(default_factory=TargetMet)
    resolution: TargetMet = field(default_factory=TargetMet)
    to_supervisor: int = 0
    to_care_team: int = 0
    causes: list[tuple[str, int]] = field(default_factory=list)
    surveys_sent: int = 0
    surveys_answered: int = 0
    csat_average: Decimal | None = None
    csat_counts: list[tuple[int, int]] = field(default_factory=list)  # (score, answers), 5 → 1
    care_tasks: int = 0
    agents: list[AgentRow] = field(default_factory=list)

    @property
    def response_rate(self) -> Decimal | None:
        return rate(self.surveys_answered, self.surveys_sent)

    @property
    def satisfied_rate(self) -> Decimal | None:
        """Share of answers scoring 4 or 5 (the usual CSAT %)."""
        return rate(sum(n for score, n in self.csat_counts if score >= 4), self.surveys_answered)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def _target(kind: str, since: datetime, until: datetime) -> TargetMet:
    """Targets that ended in the period: met (stopped in time) or breached (the breach is when it ended)."""
    clocks = SlaClock.objects.filter(kind=kind).filter(
        Q(breached_at__gte=since, breached_at__lt=until)
        | Q(breached_at__isnull=True, stopped_at__gte=since, stopped_at__lt=until))
    figures = clocks.aggregate(finished=Count("id"), met=Count("id", filter=Q(breached_at__isnull=True)))
    return TargetMet(figures["finished"], figures["met"])


def _average(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ticket_report(start: date, end: date) -> TicketReport:
    since, until = _bounds(start, end)
    report = TicketReport(start, end)
    opened = Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
    resolved = Ticket.objects.filter(resolved_at__gte=since, resolved_at__lt=until)
    report.opened, report.resolved = opened.count(), resolved.count()
    channels, kinds = dict(Channel.choices), dict(Kind.choices)
    report.by_channel = [(channels[c], n) for c, n in opened.values_list("channel").annotate(n=Count("id"))
                         .order_by("-n", "channel")]
    report.by_kind = [(kinds[k], n) for k, n in opened.values_list("kind").annotate(n=Count("id"))
                      .order_by("-n", "kind")]
    report.first_response = _target(ClockKind.FIRST_RESPONSE, since, until)
    report.resolution = _target(ClockKind.RESOLUTION, since, until)
    escalated = Ticket.objects.filter(escalated_at__gte=since, escalated_at__lt=until).aggregate(
        supervisor=Count("id", filter=Q(escalation_level=1)), care=Count("id", filter=Q(escalation_level=2)))
    report.to_supervisor, report.to_care_team = escalated["supervisor"], escalated["care"]
    causes = dict(Cause.choices)
    report.causes = [(causes.get(c, c), n) for c, n in resolved.exclude(cause="").values_list("cause")
                     .annotate(n=Count("id")).order_by("-n", "cause")]
    report.surveys_sent = FollowUpVisit.objects.filter(sent_at__gte=since, sent_at__lt=until).count()
    answered = FollowUpVisit.objects.filter(status=Visit.ANSWERED, answered_at__gte=since, answered_at__lt=until)
    counts = dict(answered.values_list("csat").annotate(n=Count("id")))
    report.csat_counts = [(score, counts.get(score, 0)) for score in (5, 4, 3, 2, 1)]
    report.surveys_answered = sum(counts.values())
    report.csat_average = _average(answered.aggregate(avg=Avg("csat"))["avg"])
    report.care_tasks = answered.filter(care_task__isnull=False).count()
    report.agents = _agents(resolved, answered)
    return report


def _agents(resolved, answered) -> list[AgentRow]:
    rows: dict[int, AgentRow] = {}
    for pk, username, first_name, n in resolved.filter(assignee__isnull=False).values_list(
            "assignee", "assignee__username", "assignee__first_name").annotate(n=Count("id")):
        rows[pk] = AgentRow(label=first_name or username, resolved=n)
    for pk, username, first_name, n, avg in answered.filter(ticket__assignee__isnull=False).values_list(
            "ticket__assignee", "ticket__assignee__username", "ticket__assignee__first_name").annotate(
            n=Count("id"), avg=Avg("csat")):
        row = rows.setdefault(pk, AgentRow(label=first_name or username))
        row.answered, row.csat = n, _average(avg)
    return sorted(rows.values(), key=lambda r: (-r.resolved, r.label))
