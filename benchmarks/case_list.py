"""The agents' case-list page (/workbench/cases/) on the `large` data set: p50/p95 and SQL queries per view.

    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench .venv/bin/python benchmarks/case_list.py

Signed in as the seeded after-sale agent (Django's test Client with force_login, in process: the page's own
cost — view, queries, template, session — without an HTTP server in front), it asks for
  default        /workbench/cases/                 the open cases, the page an agent lands on
  at_risk        ?view=at_risk                     running 100-minute clocks past the alert
  q=phone        ?q=<phone>                        a customer's cases, 60 different customers
  q=case         ?q=<case number>                  one case, 60 different cases
  page=50        ?view=all&page=50                 deep in the history (rows 1,226–1,250)
each 60 times after 5 warm-ups, next to the floor of the same stack (GET /api/health through the same client),
and prints p50 and p95, the SQL queries of one request, and p95 against the bound (300 ms) as a ratio.

The data set comes from `kefu seed --scale large` (benchmarks/seed_large.py), cases included. Exits 1 when a
p95 is over the bound or a request fails, 2 when the data set has no cases (reload it: seed_large.py --reload).
While the page does not exist yet (no URL named workbench:cases) it says so and exits 0.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
os.environ.setdefault("KEFU_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kefu_bench")
BOUND_MS = 300
REQUESTS, WARMUP = 60, 5
AGENT = "aftersale_agent"


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[max(int(len(sorted_values) * share + 0.5) - 1, 0)]


def measure(client, paths: list[str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    failures = 0
    for path in paths[:WARMUP]:
        failures += client.get(path).status_code != 200
    latencies = []
    for i in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        latencies.append((time.perf_counter() - started) * 1000)
        failures += response.status_code != 200
    with CaptureQueriesContext(connection) as queries:
        failures += client.get(paths[0]).status_code != 200
    latencies.sort()
    return {"p50": statistics.median(latencies), "p95": percentile(latencies, 0.95), "queries": len(queries),
            "failures": failures}


def main() -> int:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from kefu.aftersales import selectors
    from kefu.aftersales.models import AfterSalesCase, alert_minutes
    from kefu.commerce.models import Order
    from kefu.core import clock

    try:
        page = reverse("workbench:cases")
    except NoReverseMatch:
        print("pending: the case-list page (URL name workbench:cases) does not exist yet — nothing to measure")
        return 0
    cases = AfterSalesCase.objects.count()
    if not cases:
        print("this database holds no after-sales cases: reload the large data set "
              "(benchmarks/seed_large.py --reload) so that it includes them", file=sys.stderr)
        return 2
    agent = get_user_model().objects.filter(username=AGENT).first()
    if agent is None:
        print(f"no {AGENT} account: the database was not loaded by `kefu seed`", file=sys.stderr)
        return 2
    rows = list(AfterSalesCase.objects.order_by("id").values_list("number", "customer__phone"))
    rng = random.Random(7)
    picked = rng.sample(rows, min(REQUESTS, len(rows)))
    numbers = [f"{page}?q={number}" for number, _phone in picked]
    phones = [f"{page}?q={phone}" for _number, phone in picked]
    open_cases = AfterSalesCase.objects.exclude(status__in=["closed", "cancelled"]).count()
    at_risk = selectors.clock_running().filter(
        received_at__lte=clock.now() - timedelta(minutes=alert_minutes())).count()

    client = Client()
    client.force_login(agent)
    variants = {
        "floor (health)": ["/api/health"],
        "default": [page],
        "at_risk": [f"{page}?view=at_risk"],
        "q=phone": phones,
        "q=case": numbers,
        "page=50": [f"{page}?view=all&page=50"],
    }
    print(f"data set: {Order.objects.count():,} orders, {cases:,} after-sales cases ({open_cases:,} open, {at_risk:,} "
          f"on the 100-minute clock past the alert) on {connection.vendor}; signed in as {AGENT}; "
          f"{REQUESTS} requests per variant, in process (Django test client)")
    print(f"{'variant':<16}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'failed':>8}{'p95 ÷ bound':>13}")
    worst = 0.0
    failed = 0
    for name, paths in variants.items():
        r = measure(client, paths)
        ratio = r["p95"] / BOUND_MS
        failed += r["failures"]
        if name != "floor (health)":
            worst = max(worst, ratio)
        print(f"{name:<16}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['queries']:>9}{r['failures']:>8}{ratio:>12.2f}×")
    verdict = "within" if worst <= 1 and not failed else "OVER"
    print(f"worst p95: {worst:.2f} × the {BOUND_MS} ms bound ({verdict}); {failed} failed requests")
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
