"""Reads for the after-sales screens: the 100-minute compliance report, the clock watch, a case's timeline.

售后100分 [seed 002]: the clock runs from warehouse receipt (received_at) to the decision after inspection
(decided_at). A case is within the promise when decided_at − received_at ≤ 100 minutes (100:00 exactly is
within). Compliance counts the cases DECIDED in the period — a case still open is not yet a result (the
duty in duties.py warns about those). Per agent means per person who recorded the decision (decided_by):
that is who stopped, or failed to stop, the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields import DateTimeField
from django.db.models.functions import TruncDate

from kefu.core import audit, clock

from .models import AfterSalesCase, hundred_minutes


@dataclass(frozen=True)
class ComplianceRow:
    key: date | int | None  # the local day, or the deciding agent's user id (None: decided by the system)
    label: str
    decided: int
    within_100: int

    @property
    def rate(self) -> Decimal:
        if not self.decided:
            return Decimal("0")
        return (Decimal(self.within_100) / Decimal(self.decided)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def decided_between(start_date: date, end_date: date) -> QuerySet[AfterSalesCase]:
    """Cases decided on local days start_date … end_date (inclusive) after a warehouse receipt."""
    return AfterSalesCase.objects.filter(
        received_at__isnull=False, decided_at__gte=_local_midnight(start_date),
        decided_at__lt=_local_midnight(end_date + timedelta(days=1)))


def hundred_minute_compliance(start_date: date, end_date: date, by: str = "day") -> list[ComplianceRow]:
    """Rows of (key, decided, within_100, rate), counted in SQL, ordered by day or by agent."""
    if by not in {"day", "agent"}:
        raise ValueError("by is 'day' or 'agent'")
    deadline = ExpressionWrapper(F("received_at") + timedelta(minutes=hundred_minutes()),
                                 output_field=DateTimeField())
    counts = {"decided": Count("id"), "within": Count("id", filter=Q(decided_at__lte=deadline))}
    cases = decided_between(start_date, end_date).order_by()
    if by == "day":
        rows = (cases.annotate(key=TruncDate("decided_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
                .values("key").annotate(**counts).order_by("key"))
        return [ComplianceRow(r["key"], r["key"].isoformat(), r["decided"], r["within"]) for r in rows]
    rows = (cases.values("decided_by", "decided_by__username").annotate(**counts)
            .order_by("decided_by__username"))
    return [ComplianceRow(r["decided_by"], r["decided_by__username"] or "system", r["decided"], r["within"])
            for r in rows]


def clock_running() -> QuerySet[AfterSalesCase]:
    """Cases on the 100-minute clock now: received, not yet decided, oldest first."""
    return (AfterSalesCase.objects.filter(received_at__isnull=False, decided_at__isnull=True)
            .exclude(status__in=["cancelled", "closed"]).order_by("received_at"))


def at_risk(alert_after_minutes: int) -> QuerySet[AfterSalesCase]:
    """Running clocks past the alert mark that have not been alerted yet."""
    return clock_running().filter(received_at__lte=clock.now() - timedelta(minutes=alert_after_minutes),
                                  hundred_alerted_at__isnull=True)


def timeline(case: AfterSalesCase) -> list[dict]:
    """What the customer sees: every audited change of the case, oldest first."""
    return [{"at": e.at, "field": e.field, "from": e.old_value, "to": e.new_value, "reason": e.reason,
             "by": e.actor_label} for e in audit.history(case)]
