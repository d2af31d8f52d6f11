"""The 100-minute watch: warn before a returned item's decision breaches the 售后100分 promise.

Every minute, each case whose clock has run KEFU_AFTERSALES_ALERT_MINUTES (80) without a decision raises
`case.hundred_minutes_at_risk` once: a conditional UPDATE of hundred_alerted_at in the same transaction
as the event makes a second run (or a second worker) send nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from kefu.core import clock, events
from kefu.core.duties import duty

from .models import AfterSalesCase, alert_minutes, hundred_minutes
from .selectors import at_risk


@duty("aftersales.hundred_minute_watch", every=timedelta(minutes=1))
def hundred_minute_watch(limit: int = 500) -> int:
    alerted = 0
    for pk in list(at_risk(alert_minutes()).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            now = clock.now()
            if not AfterSalesCase.objects.filter(pk=pk, hundred_alerted_at__isnull=True).update(
                    hundred_alerted_at=now):
                continue
            case = AfterSalesCase.objects.select_related("order").get(pk=pk)
            deadline = case.received_at + timedelta(minutes=hundred_minutes())
            events.emit("case.hundred_minutes_at_risk", {
                "case": case.number, "case_id": case.pk, "order": case.order.number,
                "assigned_to_id": case.assigned_to_id, "received_at": case.received_at.isoformat(),
                "deadline": deadline.isoformat(), "minutes_used": round(case.minutes_used or 0, 1),
            })
            alerted += 1
    return alerted
