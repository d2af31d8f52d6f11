"""The agents' ticket queue (/workbench/tickets/) over 100,000 open tickets: p50/p95 and SQL queries per view.

    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench .venv/bin/python benchmarks/ticket_queue.py

On the `large` data set with the 100,000 open bench tickets of benchmarks/sla_sweep.py (made here too if they are
missing), ~1 % of their SLA clocks put past due for the run (so the breached view has rows; put back afterwards).
Signed in (Django's test Client with force_login, in process: the page's own cost — view, queries, template,
session — without an HTTP server in front) as the seeded after-sale agent and as the supervisor, it asks for
  default        /workbench/tickets/                 the agent's own open tickets (or the unassigned ones)
  unassigned     ?view=unassigned                    the tickets nobody holds, most urgent first
  breached       ?view=breached                      the tickets with a target past due
  complaints     ?queue=complaints                   one team's queue
  q=phone        ?q=<phone>                          a customer's tickets, 60 different customers
  page=20        ?view=open&page=20                  deep in the open tickets (rows 476–500)
each 60 times after 5 warm-ups, next to the floor of the same stack (GET /api/health through the same client),
and prints p50 and p95, the SQL queries of one request, and p95 against the bound (300 ms) as a ratio.

Exits 1 when a p95 is over the bound or a request fails, 2 without the data set. While the page does not exist
yet (no URL named workbench:tickets) it says so and exits 0.
"""

from __future__ import annotations

import os
import random
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
os.environ.setdefault("KEFU_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kefu_bench")
BOUND_MS = 300
USERS = ("aftersale_agent", "supervisor")


def main() -> int:
    django.setup()
    from case_list import REQUESTS, measure
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from sla_sweep import TAG, ensure_tickets, make_due, reset

    from kefu.commerce.models import Order
    from kefu.core import clock
    from kefu.tickets.models import Ticket
    from kefu.tickets.seed import seed_tickets

    try:
        page = reverse("workbench:tickets")
    except NoReverseMatch:
        print("pending: the ticket queue page (URL name workbench:tickets) does not exist yet — nothing to measure")
        return 0
    call_command("migrate", interactive=False, verbosity=0)
    if Order.objects.count() < 1_000_000:
        print("this database does not hold the large data set: load it first (benchmarks/seed_large.py)",
              file=sys.stderr)
        return 2
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    if len(users) != len(USERS):
        print(f"no {' or '.join(set(USERS) - set(users))} account: the database was not loaded by `kefu seed`",
              file=sys.stderr)
        return 2
    seed_tickets(scale="large", seed=2026, live_at=int(clock.now().timestamp()))  # profiles, roster (team only)
    ensure_tickets(random.Random(2026))
    now = clock.now()
    reset(now)
    due = make_due(now, 100)
    with connection.cursor() as cursor:  # the set-up rewrote 100,000 rows: what autovacuum would do, now
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_slaclock")
    phones = list(dict.fromkeys(Ticket.objects.filter(source_ref=TAG).order_by("id")
                                .values_list("customer__phone", flat=True)[:5_000]))
    picked = random.Random(7).sample(phones, min(REQUESTS, len(phones)))
    open_tickets = Ticket.objects.filter(status__in=["new", "open", "waiting_customer"]).count()
    variants = {
        "floor (health)": ["/api/health"],
        "default": [page],
        "unassigned": [f"{page}?view=unassigned"],
        "breached": [f"{page}?view=breached"],
        "complaints": [f"{page}?queue=complaints"],
        "q=phone": [f"{page}?q={phone}" for phone in picked],
        "page=20": [f"{page}?view=open&page=20"],
    }
    print(f"data set: {Order.objects.count():,} orders, {open_tickets:,} open tickets ({due:,} SLA clocks past due "
          f"for this run) on {connection.vendor}; {REQUESTS} requests per variant, in process (Django test client)")
    worst = 0.0
    failed = 0
    try:
        for username in USERS:
            client = Client()
            client.force_login(users[username])
            print(f"\nsigned in as {username}")
            print(f"{'variant':<16}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'failed':>8}{'p95 ÷ bound':>13}")
            for name, paths in variants.items():
                r = measure(client, paths)
                ratio = r["p95"] / BOUND_MS
                failed += r["failures"]
                if name != "floor (health)":
                    worst = max(worst, ratio)
                print(f"{name:<16}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['queries']:>9}{r['failures']:>8}{ratio:>12.2f}×")
    finally:
        reset(clock.now())
    verdict = "within" if worst <= 1 and not failed else "OVER"
    print(f"\nworst p95: {worst:.2f} × the {BOUND_MS} ms bound ({verdict}); {failed} failed requests")
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
