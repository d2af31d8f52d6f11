"""Deterministic, realistic demo data: `kefu seed --scale demo|small|large --seed N [--anchor YYYY-MM-DD]`.

What comes out is a pure function of (seed, anchor, scale): one random.Random(seed) drives every choice
(Faker('zh_CN'), seeded with the same number, only fills the pools of names, streets and companies), and
every time is computed from the anchor — midnight at the start of the anchor day in Asia/Shanghai, today
by default — so the data always looks current: unpaid orders placed an hour before the anchor, parcels
late since yesterday, orders past their payment deadline that the auto-cancel duty will pick up.

Scales: demo ≈ 60 customers / 300 orders (seconds, SQLite; `make demo`), small 2,000 / 20,000, large
200,000 customers / exactly 1,000,000 orders with their lines, payments, invoices, shipments and tracking
events (PostgreSQL only: COPY, minutes).

The rows are written in bulk (PostgreSQL COPY, or bulk_create), bypassing the services on purpose: no
AuditEntry and no OutboxEvent is written for seeded history, and no signal fires. Instead the rows are
valid by construction — amounts add up (amounts.check_amounts), timestamps agree with each status, tracking
events with the shipment's cached fields — and `kefu seed --verify` (and the tests) check it.

Layout: catalog.py (the hand-made catalog), pools.py (Faker pools), geo.py (places), people.py (customers,
staff accounts, demo_accounts()), orders.py (orders and everything under them), story.py (the demo's
hand-picked story), writer.py (COPY / bulk_create, ids, flush), verify.py (digest and consistency checks).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from kefu.core import clock, roles

from ..tiers import tier_for_spend
from .catalog import write_catalog
from .context import DAY, SeedContext, anchor_timestamp, money, to_datetime
from .orders import OrderMaker
from .people import DEMO_PASSWORD, STORY_PHONE, PeopleMaker, accounts_table, demo_accounts
from .plans import COMPLETED, DELIVERED, ONLINE, SPENDING, Plan, required_plans
from .pools import build_pools
from .story import make_story_customer
from .writer import SeedError, existing_data, first_free_ids, flush, make_writer

__all__ = ["DEMO_PASSWORD", "SCALES", "STORY_PHONE", "SeedError", "SeedReport", "accounts_table", "demo_accounts",
           "run_seed"]


@dataclass(frozen=True)
class Scale:
    customers: int
    orders: int
    live_share: float  # share of orders still in flight around the anchor (pending, paid, shipped …)
    batch: int  # customers generated and written per batch


SCALES = {
    "demo": Scale(60, 300, 0.30, 60),
    "small": Scale(2_000, 20_000, 0.10, 500),
    "large": Scale(200_000, 1_000_000, 0.03, 1_000),
}


@dataclass
class SeedReport:
    scale: str
    seed: int
    anchor: date
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    flushed: dict[str, int] = field(default_factory=dict)
    staff_created: list[str] = field(default_factory=list)
    staff_kept: list[str] = field(default_factory=list)
    tiers_recomputed: int | None = None
    aftersales: object | None = None  # kefu.aftersales.seed.CaseReport: the cases made after the orders
    tickets: object | None = None  # kefu.tickets.seed.TicketReport: the team, and the tickets after the cases
    calls: object | None = None  # kefu.calls.seed.CallsReport: simulated days of the telephone line

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def default_anchor() -> date:
    return clock.localnow().date()


def run_seed(
    *,
    scale: str = "demo",
    seed: int = 2026,
    anchor: date | None = None,
    flush_first: bool = False,
    progress: bool = True,
) -> SeedReport:
    """Load a data set. Refuses a database that already holds commerce data unless flush_first."""
    if scale not in SCALES:
        raise SeedError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if scale == "large" and connection.vendor != "postgresql":
        raise SeedError(
            "the large scale (1,000,000 orders) is a PostgreSQL job: set KEFU_DATABASE_URL="
            "postgres://… and run it there; SQLite takes demo and small"
        )
    anchor = anchor or default_anchor()
    report = SeedReport(scale, seed, anchor)
    started = time.monotonic()
    with transaction.atomic():  # all or nothing, the flush included
        if flush_first:
            report.flushed = flush()
        else:
            present = existing_data()
            if present:
                summary = ", ".join(f"{n:,} {name}" for name, n in present.items())
                raise SeedError(
                    f"the database already holds commerce data ({summary}); "
                    "run with --flush to delete it (and the seeded users) and seed again"
                )
        _load(SCALES[scale], seed, anchor, progress, report)
    if scale != "large" and anchor == default_anchor():
        # The tiers were computed while generating; the nightly duty must agree (and so writes nothing).
        from ..services.customers import recompute_all_tiers

        report.tiers_recomputed = recompute_all_tiers()
    report.seconds = time.monotonic() - started
    return report


def _load(scale: Scale, seed: int, anchor: date, progress: bool, report: SeedReport) -> None:
    rng = random.Random(seed)
    anchor_ts = anchor_timestamp(anchor)
    groups = roles.ensure_roles()
    password_hash = make_password(DEMO_PASSWORD)  # once: every seeded login shares it
    report.staff_created, report.staff_kept = _staff(password_hash, anchor_ts)
    catalog = write_catalog()
    from kefu.aftersales.seed import CaseSeeder  # cases on these orders: own random stream, own staff (made now)

    cases = CaseSeeder(scale=report.scale, seed=seed, anchor=anchor, anchor_ts=anchor_ts, password_hash=password_hash)
    ctx = SeedContext(
        rng=rng,
        anchor_ts=anchor_ts,
        pools=build_pools(seed),
        catalog=catalog,
        password_hash=password_hash,
        customer_group_id=groups[roles.CUSTOMER].pk,
        next_id=first_free_ids(),
    )
    people = PeopleMaker(ctx)
    orders = OrderMaker(ctx, live_share=scale.live_share)
    counts, whales = _allocate(rng, scale)
    required = required_plans()
    writer = make_writer()
    thresholds = settings.KEFU_TIER_THRESHOLDS
    window_start = anchor_ts - 365 * DAY
    bar = tqdm(
        total=scale.orders,
        unit=" orders",
        unit_scale=True,
        desc=f"seed {scale.customers:,} customers",
        disable=not progress,
        mininterval=0.5,
        dynamic_ncols=True,
    )
    try:
        for start in range(0, scale.customers, scale.batch):
            made = 0
            for index in range(start, min(start + scale.batch, scale.customers)):
                if index == 0:
                    person, outcomes = make_story_customer(people, orders, extra_orders=counts[0] - 11)
                else:
                    enterprise = index == 1 or rng.random() < 0.02
                    person = people.make(index, enterprise=enterprise)
                    plans: list[Plan] = []
                    if index in whales:
                        plans += [
                            Plan(
                                COMPLETED if rng.random() < 0.85 else DELIVERED,
                                premium=True,
                                recent=True,
                                method=ONLINE,
                            )
                            for _ in range(10)
                        ]
                    if index == 1:
                        plans += [Plan(COMPLETED, invoice="vat"), Plan(DELIVERED, invoice="vat", coupon=True)]
                    while len(plans) < counts[index]:
                        plans.append(required.pop(0) if required else orders.random_plan())
                    outcomes = [orders.make(person, plan) for plan in plans]
                spend = sum(o.payable for o in outcomes if o.status in SPENDING and o.placed >= window_start)
                people.finish(
                    person,
                    first_order_ts=min((o.placed for o in outcomes), default=None),
                    spend_cents=spend,
                    tier=tier_for_spend(money(spend), thresholds),
                )
                made += len(outcomes)
            rows = ctx.take_rows()
            cases.observe(rows)
            writer.write(rows)
            bar.update(made)
        writer.finish()
    finally:
        bar.close()
    if required:
        raise SeedError(f"{len(required)} required cases found no order to carry them; the scale is too small")
    report.rows = dict(writer.written)
    report.aftersales = cases.finish()
    from kefu.tickets.seed import seed_tickets  # the service team and its tickets, "now" at the cases' instant

    report.tickets = seed_tickets(scale=report.scale, seed=seed, live_at=cases.live_at)
    from kefu.calls.seed import seed_calls  # the telephone line's recent days, for the wallboard and the plan

    report.calls = seed_calls(scale=report.scale, seed=seed, live_at=report.tickets.live_at)


def _staff(password_hash: str, anchor_ts: int) -> tuple[list[str], list[str]]:
    from .people import create_staff_accounts

    return create_staff_accounts(password_hash, to_datetime(anchor_ts - 400 * DAY))


def _allocate(rng: random.Random, scale: Scale) -> tuple[list[int], set[int]]:
    """How many orders each customer places: exactly scale.orders in all, a long tail, a few big spenders."""
    n = scale.customers
    counts = [0] * n
    whales = {0, *rng.sample(range(2, n), max(2, n // 400))}
    counts[0] = 10 + 2 + 1  # the story customer: big purchases, two ordinary orders, the milk powder
    for index in sorted(whales - {0}):
        counts[index] = 10 + rng.randint(2, 8)
    counts[1] = 2 + rng.randint(2, 5)  # the enterprise buyer with VAT invoices
    regular = [i for i in range(2, n) if i not in whales and rng.random() > 0.06]  # some never ordered
    remaining = scale.orders - sum(counts)
    weights = [rng.paretovariate(2.0) for _ in regular]
    total_weight = sum(weights)
    for i, w in zip(regular, weights, strict=True):
        counts[i] = int(remaining * w / total_weight)
    leftover = scale.orders - sum(counts)
    for i in rng.choices(regular, weights=weights, k=leftover):
        counts[i] += 1
    return counts, whales
