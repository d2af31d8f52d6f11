"""Load the large data set into PostgreSQL and compare the time with the 10-minute bound.

    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench .venv/bin/python benchmarks/seed_large.py

200,000 customers and exactly 1,000,000 orders with their lines, payments, invoices, shipments and
tracking events (`kefu seed --scale large`). The database is created if missing and migrated; if it already
holds 1,000,000 orders it is reused as it is (the other benchmarks run on it) unless --reload is given.
Exits 1 when the load takes longer than the bound.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from urllib.parse import urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kefu_bench"
BOUND_SECONDS = 600
ORDERS = 1_000_000


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="flush and load again even if already loaded")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()

    url = os.environ.setdefault("KEFU_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"KEFU_DATABASE_URL must point at PostgreSQL, not {url}", file=sys.stderr)
        return 2
    ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kefu.commerce.models import Order
    from kefu.commerce.seed import run_seed
    from kefu.commerce.seed.writer import existing_data, flush

    call_command("migrate", interactive=False, verbosity=0)
    orders = Order.objects.count()
    if orders == ORDERS and not args.reload:
        print(
            f"{urlsplit(url).path.lstrip('/')} already holds {orders:,} orders: reusing it "
            "(--reload to measure the load again)"
        )
        return 0
    if existing_data():
        started = time.monotonic()
        flushed = flush()
        print(f"flushed {flushed['orders']:,} orders in {time.monotonic() - started:.0f} s")

    report = run_seed(scale="large", seed=args.seed, progress=not args.no_progress)
    seconds = report.seconds
    rows = report.total_rows
    loaded = Order.objects.count()
    verdict = "within" if seconds <= BOUND_SECONDS else "OVER"
    print(
        f"loaded {loaded:,} orders ({rows:,} rows: {report.rows['line']:,} lines, "
        f"{report.rows['shipment']:,} shipments, {report.rows['event']:,} tracking events, "
        f"{report.rows['customer']:,} customers …) in {seconds:.0f} s — {rows / seconds:,.0f} rows/s, "
        f"{loaded / seconds:,.0f} orders/s — {seconds / BOUND_SECONDS:.2f} × the {BOUND_SECONDS} s bound "
        f"({verdict}) on {os.cpu_count()} CPUs"
    )
    return 0 if loaded == ORDERS and seconds <= BOUND_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
