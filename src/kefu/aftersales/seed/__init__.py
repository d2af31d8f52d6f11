"""After-sales cases in the demo data: `kefu seed` makes them right after the orders, in the same transaction.

What comes out is a pure function of (seed, anchor, scale) like the orders — with one more input: the live
instant L, the moment the cases are "now" for. The orders are now for midnight at the start of the anchor
day; 100-minute clocks need minutes, so L is the moment of seeding (to the second) when the anchor is today,
and noon of the anchor day for any other anchor (tests, reproducible data sets).

- demo and small: the plans are carried out by the real services with the clock moved (replay.py), so every
  row, audit entry and timestamp is what the product writes;
- large: the same plans are written in bulk (bulk.py: COPY on PostgreSQL), mirroring the services row for
  row — tests/aftersales/test_seed_cases.py checks the two paths write the same thing.

Layout: source.py (orders as the generator made them), plans.py (requests, flows, steps), planner.py (which
orders get which case), ledger.py (a case's money), replay.py (services), bulk.py (bulk rows), staff.py (the
after-sales team), photos.py (evidence images), verify.py (`--verify` checks and a digest).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from kefu.commerce.models import Seller, Sku
from kefu.commerce.seed.context import DAY, HOUR, to_datetime
from kefu.commerce.seed.people import STORY_PHONE
from kefu.core import clock

from ..models import AfterSalesCase, CaseEvidence, CaseLine, CompensationCoupon, Inspection, Refund, ReturnShipment
from ..policy_settings import configured
from .planner import Planner
from .plans import CasePlan, Requests
from .source import RowReader, SkuMeta
from .staff import AGENTS, CLERKS, ensure_team

# How each scale writes its cases. Tests may point a scale at the other writer.
MODES = {"demo": "services", "small": "services", "large": "bulk"}
# After-sales tables, children first: what --flush empties before the orders (all cases point at an order).
FLUSH_MODELS = (Refund, CompensationCoupon, CaseEvidence, Inspection, ReturnShipment, CaseLine, AfterSalesCase)


def live_instant(anchor: date, anchor_ts: int) -> int:
    """L: now (whole seconds) when the anchor is today, else noon of the anchor day."""
    if anchor == clock.localnow().date():
        return int(clock.now().timestamp())
    return anchor_ts + 12 * HOUR


@dataclass
class CaseReport:
    live_at: int
    mode: str
    plans: list[CasePlan] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    over_cap: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # bulk: seconds per stage

    @property
    def cases(self) -> int:
        return len(self.plans)

    def story(self) -> CasePlan | None:
        return next((p for p in self.plans if "[seed 001]" in p.tag and p.scenario == "wrong_exchange"), None)

    def story_line(self) -> str:
        """Where to find the urgent wrong-size exchange [seed 001] (its customer logs in with the phone)."""
        plan = self.story()
        if plan is None:
            return ""
        return (f"the wrong-size story [seed 001]: order {plan.order.number}, customer {plan.order.username} "
                f"(urgent exchange, replacement sent before the return arrived)")

    def summary(self) -> str:
        order = ("requested", "approved", "declined", "cancelled", "awaiting_return", "in_transit", "received",
                 "inspecting", "accepted", "partly_accepted", "rejected", "refunding", "reshipping", "repairing",
                 "closed")
        counts = ", ".join(f"{self.statuses[s]:,} {s}" for s in order if self.statuses.get(s))
        return f"{self.cases:,} after-sales cases ({counts}) in {self.seconds:.1f} s"


class CaseSeeder:
    """Fed the generated rows batch by batch (observe), then plans and writes the cases (finish)."""

    def __init__(self, *, scale: str, seed: int, anchor: date, anchor_ts: int, password_hash: str):
        self.scale, self.mode = scale, MODES[scale]
        self.live_at = live_instant(anchor, anchor_ts)
        self.team = ensure_team(password_hash, to_datetime(anchor_ts - 400 * DAY))
        skus = {s.id: SkuMeta(s.id, s.code, s.product.seller.code, frozenset(s.product.after_sales_attrs()),
                              s.product.warranty_days, s.product.category.code)
                for s in Sku.objects.select_related("product__seller", "product__category")}
        sellers = dict(Seller.objects.values_list("id", "code"))
        self.reader = RowReader(skus, sellers)
        rng = random.Random(f"kefu.aftersales.seed:{seed}")
        self.requests = Requests(rng, configured(), [u for u, _n in AGENTS], [u for u, _n in CLERKS])
        self.planner = Planner(rng=rng, requests=self.requests, live_at=self.live_at, scale=scale,
                               exclude_user=STORY_PHONE)

    def observe(self, rows: dict[str, list[tuple]]) -> None:
        self.planner.take(self.reader.orders(rows, self.planner.keep))

    def finish(self) -> CaseReport:
        started = time.monotonic()
        plans = self.planner.finish()
        report = CaseReport(self.live_at, self.mode, plans, missed=list(self.planner.missed),
                            over_cap=self.requests.over_cap)
        report.rows, report.timings = write(plans, self.team, self.mode, self.live_at)
        report.statuses = dict(Counter(AfterSalesCase.objects.values_list("status", flat=True)))
        report.seconds = time.monotonic() - started
        return report


def write(plans: list[CasePlan], team: dict, mode: str, live_at: int) -> tuple[dict[str, int], dict[str, float]]:
    """Carry the plans out: (rows written per table, seconds per stage)."""
    if mode == "services":
        from .replay import Replay

        Replay(plans, team).run()
        return {"case": len(plans)}, {}
    from .bulk import BulkCases

    bulk = BulkCases(plans, team, live_at)
    rows = bulk.write()
    return rows, bulk.timings


def evidence_files() -> list[str]:
    return list(CaseEvidence.objects.values_list("file", flat=True))


def delete_files_on_commit(names: list[str]) -> None:
    """The evidence files of flushed cases go once the flush is committed (a rollback keeps them)."""
    if not names:
        return
    storage = CaseEvidence._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
