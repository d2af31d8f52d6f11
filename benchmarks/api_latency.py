"""API latency and throughput on the `large` data set, and SQL queries per request.

Serves kefu with uvicorn (2 workers, Redis channel layer) against the PostgreSQL in KEFU_DATABASE_URL,
drives it with an asyncio/httpx client at concurrency 1, 16 and 64, and prints p50/p95/throughput for
  - customer 360 by phone   GET /api/v1/customers?phone=…
  - order detail            GET /api/v1/orders/{number}
next to the floor of the same stack: GET /api/health (one `SELECT 1`). Then it counts SQL queries per
request for the lightest and the heaviest customer: equal counts mean no N+1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import time

import django
import httpx

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
os.environ.setdefault("KEFU_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kefu_bench")
REDIS = os.environ.get("KEFU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REQUESTS = {1: 300, 16: 1500, 64: 3000}
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def samples(n: int = 2000):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM commerce_order")
        total = cur.fetchone()[0]
        # An even spread over the table: every k-th order and its customer.
        cur.execute("SELECT o.number, c.phone FROM commerce_order o "
                    "JOIN commerce_customer c ON c.id = o.customer_id "
                    "WHERE o.id %% %s = 0 LIMIT %s", [max(total // n, 1), n])
        rows = cur.fetchall()
    random.Random(7).shuffle(rows)
    return [r[0] for r in rows], [r[1] for r in rows], total


def token() -> str:
    from kefu.commerce.models import Integration
    from kefu.commerce.services.integrations import create_integration

    Integration.objects.filter(name="benchmark").delete()
    return create_integration("benchmark")[1]


async def drive(base: str, paths: list[str], concurrency: int, total: int, headers: dict) -> dict:
    latencies: list[float] = []
    errors = 0
    queue = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        async def worker():
            nonlocal errors
            for i in queue:
                t = time.perf_counter()
                try:
                    ok = (await client.get(paths[i % len(paths)])).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return {"p50": statistics.median(latencies) * 1000, "p95": p95 * 1000, "rps": total / elapsed,
            "errors": errors}


def queries_per_request(bearer: str) -> list[tuple[str, int, int]]:
    """(what, orders of the customer, queries) for the lightest and the heaviest customer."""
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kefu.commerce.models import Customer

    counted = Customer.objects.annotate(n=Count("orders"))
    light = counted.filter(n__gte=1).order_by("n", "id").first()
    heavy = counted.order_by("-n", "id").first()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    result = []
    for who in (light, heavy):
        order = who.orders.order_by("-placed_at").first()
        for what, path in [("customer 360", f"/api/v1/customers?phone={who.phone}"),
                           ("order detail", f"/api/v1/orders/{order.number}")]:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200, path
            result.append((what, who.n if what == "customer 360" else order.lines.count(), len(ctx)))
    return result


def main() -> None:
    django.setup()
    orders, phones, total = samples()
    bearer = token()
    port = free_port()
    env = {**os.environ, "KEFU_REDIS_URL": REDIS, "KEFU_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "kefu.cli", "serve", "--port", str(port), "--workers", "2",
               "--no-duties"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {bearer}"}
        print(f"data set: {total:,} orders (PostgreSQL); server: uvicorn, 2 workers on 2 cores shared with "
              f"the load driver")
        print(f"{'endpoint':<16}{'conc':>5}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'err':>5}"
              f"{'p50 ÷ floor':>13}")
        for concurrency, n in REQUESTS.items():
            floor = asyncio.run(drive(base, ["/api/health"], concurrency, n, headers))
            rows = {
                "health (floor)": floor,
                "customer 360": asyncio.run(drive(base, [f"/api/v1/customers?phone={p}" for p in phones],
                                                  concurrency, n, headers)),
                "order detail": asyncio.run(drive(base, [f"/api/v1/orders/{o}" for o in orders],
                                                  concurrency, n, headers)),
            }
            for name, r in rows.items():
                print(f"{name:<16}{concurrency:>5}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['rps']:>9.0f}{r['errors']:>5}"
                      f"{r['p50'] / floor['p50']:>12.1f}×")
    finally:
        server.terminate()
        server.wait(timeout=20)
    print("\nSQL queries per request (constant = no N+1):")
    for what, size, queries in queries_per_request(bearer):
        unit = "orders" if what == "customer 360" else "lines "
        print(f"  {what:<14} {size:>4} {unit}  → {queries} queries")


if __name__ == "__main__":
    main()
