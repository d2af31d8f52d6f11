"""Calls in the demo data: `kefu seed` records simulated days of telephony events after the tickets, so the
wallboard has today's figures and the workforce plan a history.

The days come from kefu.calls.simulator (deterministic for the seed and the day) through the same service as
the telephony API, with the source "seed" and no `calls.recorded` events (history is not news). Today stops at
the live instant of the other seeds: calls still queueing or talking then stay in progress.

- demo: yesterday and today, a small line (600 calls a day, 5 agents per shift);
- small: the 27 days before today and today, the simulator's default line (2,400 calls a day, 14 agents) —
  four whole weeks, enough for the workforce plan to forecast from the records instead of its demo history;
- large: none (the large data set is for the order, case and ticket benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.commerce.models import Customer

from . import simulator
from .models import Call, TelephonyEvent
from .services import record_events

SOURCE = "seed"

SCALES = {"demo": (1, 600, 5), "small": (27, 2400, 14), "large": (0, 0, 0)}  # days before today, calls, agents


@dataclass
class CallsReport:
    days: int = 0
    events: int = 0
    calls: int = 0

    def summary(self) -> str:
        return f"{self.calls:,} calls ({self.events:,} telephony events) over {self.days} day(s)"


def seed_calls(*, scale: str, seed: int, live_at: datetime) -> CallsReport:
    days_before, calls, agents = SCALES[scale]
    report = CallsReport()
    if not calls:
        return report
    callers = tuple(Customer.objects.order_by("id").values_list("phone", flat=True)[:200])
    today = live_at.astimezone(simulator.SHANGHAI).date()
    for back in range(days_before, -1, -1):
        day = simulator.simulate(simulator.Config(day=today - timedelta(days=back), calls=calls, agents=agents,
                                                  seed=seed, caller_pool=callers))
        happened = [event for event in day.events if event.at <= live_at]
        recorded = record_events(happened, source=SOURCE, announce=False)
        report.days += 1
        report.events += recorded.recorded
        report.calls += len(recorded.calls)
    return report


def forget_calls() -> int:
    """For `kefu seed --flush`: delete the seeded calls and their events, and detach the customers about to be
    deleted from any other call (those calls stay, as the telephony system reported them)."""
    deleted, _ = Call.objects.filter(source=SOURCE).delete()
    TelephonyEvent.objects.filter(source=SOURCE).delete()
    Call.objects.filter(customer__isnull=False).update(customer=None)
    return deleted
