"""The SLA sweep (kefu.tickets.sla_sweep.sweep) over 100,000 open tickets, against a per-ticket loop and the
one-minute budget of the duty.

    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench .venv/bin/python benchmarks/sla_sweep.py

On the `large` data set (benchmarks/seed_large.py), the database is migrated, then 100,000 open tickets of the
data set's customers, on their orders, with their SLA clocks, are made sure of: the missing ones are inserted in
bulk and tagged source_ref="bench", so a rerun reuses them and never touches other tickets. Then, timed (seconds
and SQL queries, commit included):
  quiet     no clock due: what the duty costs every minute on an ordinary day
  1 %       ~1 % of the clocks past their warning and due (one UPDATE sets them), each warned, breached and its
            ticket raised to the supervisor (a supervisor's clock started, the audit entries written)
  10 %      the same for ~10 %
After each pass the bench rows are put back (clocks in the future, no escalation, the pass's audit entries and
events deleted). The baseline is the naive way — load each due clock and escalate its ticket one by one through
kefu.tickets.services.escalation.escalate — run on a sample of 1,000 and extrapolated (labelled so).

The outbox's dispatcher is not nudged after the sweep commits: in production a worker sends the events; here it
would dispatch 10,000 events inline and measure the subscribers, not the sweep. Prints the ratio to the
baseline and each pass against the 60 s budget (the duty runs every minute); exits 2 without the data set.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
os.environ.setdefault("KEFU_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kefu_bench")
TICKETS = 100_000
SAMPLE = 1_000  # tickets the per-ticket baseline escalates (then extrapolated)
BUDGET_SECONDS = 60
TAG = "bench"
CHANNELS = ("web", "web", "web", "phone", "chat", "chat", "email", "review")
SEVERITIES = ("low", "normal", "normal", "normal", "high", "critical")


def bench_clocks():
    from kefu.tickets.models import SlaClock

    return SlaClock.objects.filter(ticket__source_ref=TAG)


def ensure_tickets(rng: random.Random) -> int:
    """Insert the bench tickets that are missing (with a customer message and their clocks); returns how many."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from kefu.tickets import routing
    from kefu.tickets.models import Queue, SlaClock, SlaPolicy, Ticket, TicketMessage
    from kefu.tickets.seed.team import FRONTLINE
    from kefu.tickets.seed.texts import TOPICS

    words = {"name": "", "product": "商品", "carrier": "快递", "tracking": "", "case": ""}
    have = Ticket.objects.filter(source_ref=TAG).count()
    missing = TICKETS - have
    if missing <= 0:
        return 0
    with connection.cursor() as cursor:  # orders of the data set, in a fixed pseudo-random order
        cursor.execute("SELECT o.id, o.number, o.customer_id, c.tier, c.name, c.email FROM commerce_order o "
                       "JOIN commerce_customer c ON c.id = o.customer_id ORDER BY md5(o.id::text) "
                       "OFFSET %s LIMIT %s", [have, missing])
        orders = cursor.fetchall()
    queues = {q.code: q.pk for q in Queue.objects.all()}
    budgets = {p.priority: p for p in SlaPolicy.objects.all()}
    agents = list(get_user_model().objects.filter(username__in=FRONTLINE).values_list("pk", flat=True))
    from kefu.core import clock

    now = clock.now()
    first = (Ticket.objects.filter(source_ref=TAG).order_by("-number").values_list("number", flat=True).first()
             or "TB00000000")
    serial = int(first[2:])
    started = time.monotonic()
    for chunk in range(0, len(orders), 5_000):
        with transaction.atomic():
            tickets, taken = [], []
            for order_id, number, customer_id, tier, name, email in orders[chunk:chunk + 5_000]:
                serial += 1
                topic = rng.choice(TOPICS)
                severity = rng.choice(SEVERITIES)
                created = now - timedelta(seconds=rng.randrange(48 * 3600))
                assigned = agents and rng.random() < 0.3
                tickets.append(Ticket(
                    number=f"TB{serial:08d}", kind=topic.kind, channel=rng.choice(CHANNELS),
                    subject=topic.subject.format(**words, order=number)[:120], customer_id=customer_id,
                    requester_name=name, requester_email=email, order_id=order_id, source_ref=TAG,
                    queue_id=queues[routing.queue_for(topic.skill, tier)], severity=severity,
                    priority=routing.priority(severity, tier), status="open" if assigned else "new",
                    assignee_id=rng.choice(agents) if assigned else None, assigned_at=created if assigned else None,
                    first_responded_at=created + timedelta(minutes=10) if assigned else None,
                    created_at=created, updated_at=created))
                taken.append(assigned)
            Ticket.objects.bulk_create(tickets, batch_size=5_000)
            messages, clocks = [], []
            for ticket, assigned in zip(tickets, taken, strict=True):
                policy = budgets[ticket.priority]
                messages.append(TicketMessage(ticket=ticket, author_kind="customer", channel=ticket.channel,
                                              body=ticket.subject, created_at=ticket.created_at))
                for kind, minutes in (("first_response", policy.first_response_minutes),
                                      ("resolution", policy.resolution_minutes)):
                    stopped = ticket.first_responded_at if kind == "first_response" and assigned else None
                    clocks.append(SlaClock(ticket=ticket, kind=kind, budget_seconds=minutes * 60,
                                           started_at=ticket.created_at, stopped_at=stopped))
            TicketMessage.objects.bulk_create(messages, batch_size=5_000)
            SlaClock.objects.bulk_create(clocks, batch_size=5_000)
    reset(now)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_slaclock", "tickets_ticketmessage"):
            cursor.execute(f"ANALYZE {table}")
    print(f"inserted {missing:,} bench tickets with their clocks in {time.monotonic() - started:.0f} s")
    return missing


def reset(now) -> None:
    """Put the bench rows back: every clock in the future and neither warned nor breached, no escalation."""
    from django.db import transaction
    from django.db.models import F

    from kefu.tickets.models import Ticket

    with transaction.atomic():
        bench_clocks().filter(kind="supervisor").delete()
        bench_clocks().update(warned_at=None, breached_at=None, remaining_seconds=None,
                              due_at=now + timedelta(days=30), warn_at=now + timedelta(days=29))
        Ticket.objects.filter(source_ref=TAG).exclude(escalation_level=0).update(
            escalation_level=0, escalated_at=None, updated_at=F("created_at"))
        refresh_next_due()


def refresh_next_due() -> None:
    """The clocks were written in bulk here: recompute the bench tickets' nearest due time (one UPDATE)."""
    from kefu.tickets.models import Ticket
    from kefu.tickets.services.sla import nearest_due

    Ticket.objects.filter(source_ref=TAG).update(next_due_at=nearest_due())


def make_due(now, modulo: int) -> int:
    """About 1/modulo of the bench's running clocks: past their warning and due (one UPDATE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_slaclock SET warn_at = %s, due_at = %s WHERE stopped_at IS NULL "
                       "AND id %% %s = 0 AND ticket_id IN (SELECT id FROM tickets_ticket WHERE source_ref = %s)",
                       [now - timedelta(minutes=5), now - timedelta(minutes=1), modulo, TAG])
        made = cursor.rowcount
    refresh_next_due()
    return made


def forget(audit_from: int, events_from: int) -> None:
    """The audit entries and events a pass wrote (the bench's, not the product's history)."""
    from kefu.core.models import AuditEntry, OutboxEvent

    AuditEntry.objects.filter(id__gt=audit_from, content_type__app_label="tickets").delete()
    OutboxEvent.objects.filter(id__gt=events_from).delete()


def high_water() -> tuple[int, int]:
    from django.db.models import Max

    from kefu.core.models import AuditEntry, OutboxEvent

    return (AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0, OutboxEvent.objects.aggregate(m=Max("id"))["m"] or 0)


class QueryCounter:
    """Counts the SQL statements sent (an execute wrapper: no SQL text kept, so it costs nothing to measure)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_sweep() -> tuple[float, int, dict]:
    from django.db import connection

    from kefu.tickets.sla_sweep import sweep

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = sweep()
        seconds = time.perf_counter() - started
    return seconds, counter.count, result


def per_ticket_baseline(now) -> tuple[float, int, int]:
    """The naive sweep: each due clock loaded, breached and its ticket escalated through the service, one by one
    (each in its own transaction, as a loop over tickets would). Returns (seconds, tickets, queries)."""
    from django.db import connection, transaction

    from kefu.core import events
    from kefu.core.errors import InvalidTransition
    from kefu.tickets.models import SlaClock
    from kefu.tickets.services.escalation import escalate

    due = SlaClock.objects.filter(stopped_at__isnull=True, breached_at__isnull=True, due_at__lte=now,
                                  ticket__source_ref=TAG).exclude(kind="supervisor")
    ids = list(due.order_by("id").values_list("id", flat=True)[:SAMPLE])
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        for pk in ids:
            with transaction.atomic():
                sla = SlaClock.objects.select_related("ticket__queue").select_for_update(of=("self",)).get(pk=pk)
                sla.warned_at = sla.warned_at or now
                sla.breached_at = now
                sla.save(update_fields=["warned_at", "breached_at"])
                events.emit("ticket.sla_breached", {"ticket_id": sla.ticket_id, "clock": sla.kind})
                if sla.ticket.escalation_level == 0:
                    with contextlib.suppress(InvalidTransition):  # its other clock came first
                        escalate(sla.ticket, by="sla", reason="SLA breached")
        seconds = time.perf_counter() - started
    return seconds, len(ids), counter.count


def main() -> int:
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kefu.commerce.models import Customer, Order
    from kefu.core import clock, events
    from kefu.tickets.models import Ticket

    call_command("migrate", interactive=False, verbosity=0)
    orders, customers = Order.objects.count(), Customer.objects.count()
    if orders < 1_000_000 or customers < 200_000:
        print(f"this database holds {orders:,} orders and {customers:,} customers, not the large data set: "
              "load it first (benchmarks/seed_large.py)", file=sys.stderr)
        return 2
    events._nudge_dispatcher = lambda: None  # the worker's job in production (see the module's docstring)
    ensure_tickets(random.Random(2026))
    now = clock.now()
    reset(now)
    running = bench_clocks().filter(stopped_at__isnull=True).count()
    print(f"data set: {orders:,} orders, {Ticket.objects.filter(source_ref=TAG, status__in=['new', 'open']).count():,} "
          f"open bench tickets with {running:,} running SLA clocks on {connection.vendor}")
    print(f"{'pass':<8}{'due':>8}{'warned':>8}{'raised':>8}{'seconds':>9}{'queries':>9}{'per-ticket loop s':>19}"
          f"{'loop ÷ sweep':>14}{'of 60 s':>9}")
    worst = 0.0
    baseline_per_ticket = queries_per_ticket = None
    for name, modulo in (("quiet", 0), ("1 %", 100), ("10 %", 10)):
        audit_from, events_from = high_water()
        now = clock.now()
        due = make_due(now, modulo) if modulo else 0
        if due and baseline_per_ticket is None:  # measured once, on the 1 % state, then put back
            seconds, sample, loop_queries = per_ticket_baseline(now)
            baseline_per_ticket = seconds / max(sample, 1)
            queries_per_ticket = loop_queries / max(sample, 1)
            forget(audit_from, events_from)
            reset(now)
            due = make_due(now, modulo)
        seconds, queries, result = timed_sweep()
        worst = max(worst, seconds)
        loop = f"{baseline_per_ticket * due:>18.1f}*" if due else f"{'–':>19}"
        ratio = f"{baseline_per_ticket * due / seconds:>13.0f}×" if due else f"{'–':>14}"
        print(f"{name:<8}{due:>8,}{result['warned']:>8,}{result['to_supervisor']:>8,}{seconds:>9.2f}{queries:>9}"
              f"{loop}{ratio}{seconds / BUDGET_SECONDS:>8.3f}×")
        forget(audit_from, events_from)
        reset(clock.now())
    print(f"* extrapolated from the per-ticket loop on a sample of {SAMPLE:,} due clocks "
          f"({baseline_per_ticket * 1000:.1f} ms and {queries_per_ticket:.0f} SQL statements per ticket: load, breach, "
          "escalate through the service)")
    verdict = "within" if worst <= BUDGET_SECONDS else "OVER"
    print(f"slowest pass: {worst:.2f} s = {worst / BUDGET_SECONDS:.3f} × the {BUDGET_SECONDS} s budget of the "
          f"minutely duty ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
