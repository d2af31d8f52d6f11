"""Which orders get cases: the hand-picked ones every data set has, the demo's compliance fortnight and
history, and, at the small and large scales, a random share of the signed orders.

Every choice comes from the planner's own random.Random (seeded from the seed), never from the order
generator's, so adding cases leaves the orders exactly as they were.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from kefu.commerce.seed.catalog import CARRIERS
from kefu.commerce.seed.context import DAY, HOUR, MINUTE, Permutation

from .plans import (
    CANCEL,
    DECLINE,
    ESCALATE,
    NOTES,
    RANDOM_MIX,
    TRAVELS_BACK,
    WATCH,
    CasePlan,
    Flow,
    Requests,
    Step,
    build_steps,
)
from .source import IN_FLIGHT, SIGNED, OrderInfo

STORY_SELLER = "yintai_home"  # 印泰家居饰品: the wrong-size story of seed 001
RETURN_CARRIERS = (("jd", 40), ("sf", 25), ("zto", 10), ("yto", 10), ("yunda", 10), ("ems", 5))


@dataclass(frozen=True)
class Rates:
    signed: float  # share of signed orders that get a random case
    in_flight: float  # share of orders in flight that get a price-protection case
    pool: int  # how many recent orders to keep for the hand-picked cases
    curated: bool  # the demo's compliance fortnight and history instead of random cases


RATES = {
    "demo": Rates(0.0, 0.0, 100_000, True),
    "small": Rates(0.02, 0.02, 100_000, False),
    "large": Rates(0.065, 0.03, 4_000, False),
}

# Hand-picked cases every data set has, whatever its size: each status at the live instant, running clocks
# (near the alert, alerted, breached), the [seed 001] stories. (tag, scenario, flow, pivot step, seconds before
# L, options). The pivot step happens that long before L; the steps after L have not happened yet.
MAIN = "aftersale_agent"
REQUIRED = (  # the story first: it needs a recent order of one shop
    ("wrong size sent, urgent exchange: the replacement left before the return arrived [seed 001]",
     "wrong_exchange",
     Flow(wrong_item_confirmed=True, early_replacement=True, outbound_record=True, coupon=2000,
          notes=NOTES["accepted"][1], delays={"transit": 60 * HOUR, "review": 25 * MINUTE}),
     "tracking", 26 * HOUR, {"agent": MAIN, "urgent": True, "seller": STORY_SELLER, "story": True,
                             "description": "收到的尺寸和下单的不一样，我买的是大号。要送人的，下周就要用，很着急"}),
    ("requested, nobody has picked it up yet", "no_reason_return", Flow(delays={"agent": 3 * HOUR}), "open",
     25 * MINUTE, {}),
    ("requested, picked up by the demo agent", "minor_offer", Flow(delays={"review": 4 * HOUR}), "assign",
     50 * MINUTE, {"agent": MAIN}),
    ("approved: a missing item to reship before the 20:00 courier pickup [seed 001]", "missing_reship",
     Flow(coupon=1000, delays={"replace": 4 * HOUR}), "approve", 35 * MINUTE, {"agent": MAIN}),
    ("declined", "no_reason_return", Flow(decline=DECLINE[0], delays={"close": 2 * DAY}), "decline", 3 * HOUR, {}),
    ("cancelled by the customer", "no_reason_return", Flow(cancel=CANCEL[0], cancel_stage="approved"), "cancel",
     DAY, {}),
    ("awaiting the return parcel", "quality_return",
     Flow(condition_found="damaged", resellable=False, delays={"ship_back": DAY}), "approve", 5 * HOUR,
     {"agent": MAIN}),
    ("return in transit, escalated", "no_reason_return",
     Flow(escalate=ESCALATE[1], escalate_at=("tracking", 2 * HOUR), delays={"transit": 2 * DAY}), "tracking",
     20 * HOUR, {"agent": MAIN}),
    ("received 20 minutes ago: the clock runs", "no_reason_return",
     Flow(delays={"start": 30 * MINUTE, "inspect": 60 * MINUTE}), "receive", 20 * MINUTE, {"agent": MAIN}),
    ("inspecting for 72 minutes: near the alert", "quality_return",
     Flow(condition_found="damaged", resellable=False, delays={"start": 8 * MINUTE, "inspect": 95 * MINUTE}),
     "receive", 72 * MINUTE, {}),
    ("inspecting for 92 minutes: alerted", "no_reason_return",
     Flow(delays={"start": 10 * MINUTE, "inspect": 99 * MINUTE}), "receive", 92 * MINUTE, {"agent": MAIN}),
    ("inspecting for 135 minutes: breached, escalated", "quality_exchange",
     Flow(breach=True, condition_found="damaged", resellable=False, escalate=ESCALATE[0],
          escalate_at=("receive", 110 * MINUTE), delays={"start": 15 * MINUTE, "inspect": 170 * MINUTE}),
     "receive", 135 * MINUTE, {"agent": MAIN, "urgent": False}),
    ("accepted 15 minutes ago, refund not yet issued", "no_reason_return",
     Flow(notes=NOTES["accepted"][0], delays={"inspect": 70 * MINUTE, "refund": 2 * HOUR}), "inspect",
     15 * MINUTE, {"agent": MAIN}),
    ("partly accepted", "no_reason_return",
     Flow(outcome="partly_accepted", notes=NOTES["partly_accepted"][0],
          delays={"inspect": 55 * MINUTE, "refund": 3 * HOUR}), "inspect", 40 * MINUTE, {"partly": True}),
    ("rejected after inspection", "no_reason_return",
     Flow(outcome="rejected", condition_found="used", resellable=False, notes=NOTES["rejected"][0],
          delays={"inspect": 40 * MINUTE, "close": DAY}), "inspect", 2 * HOUR, {}),
    ("refunding: the money is on its way", "quality_return",
     Flow(condition_found="damaged", resellable=False, delays={"sent": 30 * MINUTE, "confirmed": 2 * DAY}),
     "issue_refund", 5 * HOUR, {"agent": MAIN}),
    ("reshipping: the exchange is on its way", "no_reason_exchange", Flow(delays={"close": 3 * DAY}),
     "replacement", 20 * HOUR, {"urgent": False}),
    ("repairing", "repair", Flow(condition_found="damaged", resellable=False, delays={"repair_days": 10 * DAY}),
     "repair", 3 * DAY, {}),
    ("price protection while in flight, paid back in 京豆", "price_protection", Flow(), "refunds_confirmed",
     6 * HOUR, {"in_flight": True}),
    ("wrong item that was not: the buyer pays the postage", "wrong_return",
     Flow(wrong_item_confirmed=False, notes=NOTES["refuted"][0]), "refunds_confirmed", 4 * DAY, {}),
    ("missing item refunded", "missing_refund", Flow(), "refunds_confirmed", 2 * DAY, {}),
    ("minor fault: partial refund accepted", "minor_offer", Flow(), "refunds_confirmed", 3 * DAY, {}),
)
# The demo's fortnight of decisions for the 100-minute report: (scenario, breached?).
COMPLIANCE = (
    ("no_reason_return", False), ("quality_return", False), ("repair", True), ("quality_exchange", False),
    ("no_reason_return", False), ("wrong_return", False), ("no_reason_exchange", False), ("transit_return", False),
    ("no_reason_return", False), ("repair", False), ("quality_return", False), ("no_reason_return", True),
    ("quality_exchange", False), ("transit_exchange", False), ("wrong_exchange", False), ("no_reason_return", False),
)
HISTORY = ("repair", "no_reason_return", "price_protection", "quality_exchange", "missing_reship", "minor_offer",
           "no_reason_exchange", "quality_return")


class Planner:
    def __init__(self, *, rng: random.Random, requests: Requests, live_at: int, scale: str, exclude_user: str):
        self.rng, self.requests, self.live_at = rng, requests, live_at
        self.rates = RATES[scale]
        self.exclude_user = exclude_user
        self.plans: list[CasePlan] = []
        self.pool: list[OrderInfo] = []  # recent orders for the hand-picked cases (a reservoir sample)
        self.history: list[OrderInfo] = []  # the demo's older orders
        self.seen_pool = 0
        self.used: set[int] = set()
        self.mix = (tuple(name for name, _w in RANDOM_MIX), tuple(accumulate(w for _n, w in RANDOM_MIX)))
        self.missed: list[str] = []  # hand-picked cases no order could carry (reported, never silent)
        self.tracking_perm = Permutation(rng, 12)
        self.carriers = (tuple(c for c, _w in RETURN_CARRIERS), tuple(accumulate(w for _c, w in RETURN_CARRIERS)))

    # --- while the orders are generated -----------------------------------------------------------------
    def keep(self, status: str, signed: int | None, placed: int | None):
        """Called for every paid, non-cancelled order (placed given for orders in flight): what to keep it for
        — "random", "history", ("pool", slot) — or None."""
        L, rates, rng = self.live_at, self.rates, self.rng
        if status in SIGNED:
            if rates.signed and rng.random() < rates.signed:
                return "random"
            if signed >= L - 45 * DAY:
                return self._pool_slot()
            if rates.curated and signed >= L - 400 * DAY:
                return "history"
            return None
        if status in IN_FLIGHT and placed >= L - 8 * DAY:
            if rates.in_flight and rng.random() < rates.in_flight:
                return "random"
            return self._pool_slot()
        return None

    def _pool_slot(self):
        """Reservoir sampling, decided before the order is even read: the pool stays small at the large
        scale (and deterministic), every recent order having the same chance to be in it."""
        self.seen_pool += 1
        if self.seen_pool <= self.rates.pool:
            return ("pool", self.seen_pool - 1)
        j = self.rng.randrange(self.seen_pool)
        return ("pool", j) if j < self.rates.pool else None

    def take(self, kept: list[tuple[object, OrderInfo]]) -> None:
        for label, order in kept:
            if order.username == self.exclude_user:
                continue  # the story customer keeps his own story [seed 002]
            if label == "random":
                self._random_case(order)
            elif label == "history":
                self.history.append(order)
            elif label[1] < len(self.pool):
                self.pool[label[1]] = order
            else:
                self.pool.append(order)

    def _random_case(self, order: OrderInfo) -> None:
        rng, L = self.rng, self.live_at
        names, cum = self.mix
        first = "price_protection" if order.status in IN_FLIGHT else names[bisect(cum, rng.random() * cum[-1])]
        for scenario in (first, "no_reason_return"):
            opened = self._opening(order, scenario)
            if opened is None or opened > L:
                continue
            plan = self.requests.plan(order, scenario, opened)
            if plan is not None:
                self._add(plan)
                return

    def _opening(self, order: OrderInfo, scenario: str) -> int | None:
        """A random moment the customer asks, within the window (early in it, mostly)."""
        rng = self.rng
        base = (order.signed or order.paid) if scenario == "price_protection" else order.signed
        if base is None:
            return None
        lines = order.lines
        end = self.requests.window_end(order, scenario, lines)
        if end is None:
            end = self.live_at
        span = end - base - HOUR
        if span <= 0:
            return None
        if scenario in ("repair", "minor_offer"):
            return base + HOUR + int(span * rng.random())
        return base + HOUR + int(span * rng.random() ** 1.6)

    def _add(self, plan: CasePlan) -> None:
        plan.steps = [s for s in build_steps(plan, self.rng) if s.at <= self.live_at]
        self.used.add(plan.order.id)
        self.plans.append(plan)

    # --- once every order is known -------------------------------------------------------------------------
    def finish(self) -> list[CasePlan]:
        for tag, scenario, flow, pivot, before, options in REQUIRED:
            if not self._pivoted(tag, scenario, _copy(flow), pivot, self.live_at - before, options):
                self.missed.append(tag)
        if self.rates.curated:
            self._compliance()
            self._history()
        plans = sorted(self.plans, key=lambda p: (p.opened, p.order.id))
        for serial, plan in enumerate(plans):
            plan.serial = serial
            carrier_names, cum = self.carriers
            plan.carrier = carrier_names[bisect(cum, self.rng.random() * cum[-1])]
            prefix = next(p for code, _n, _own, p in CARRIERS if code == plan.carrier)
            plan.tracking = f"{prefix}{self.tracking_perm(serial):012d}"
        return plans

    def _candidates(self, options: dict) -> list[OrderInfo]:
        """Recent orders in random order, then the older ones (the demo's); the story's shop first."""
        pool = [o for o in self.pool if o.id not in self.used]
        if options.get("in_flight"):
            pool = [o for o in pool if o.status in IN_FLIGHT]
        else:
            pool = [o for o in pool if o.status in SIGNED]
        self.rng.shuffle(pool)
        older = [o for o in self.history if o.id not in self.used and not options.get("in_flight")]
        if options.get("story"):  # the most recent order of the story's shop: the story happens now
            shop = sorted((o for o in pool if o.seller == options["seller"]), key=lambda o: -o.signed)
            return shop + pool + older  # any order rather than no urgent replacement at all
        return pool + older

    def _pivoted(self, tag: str, scenario: str, flow: Flow | None, pivot: str, target: int, options: dict) -> bool:
        """Plan `scenario` on the first candidate order where step `pivot` can happen at `target`."""
        for order in self._candidates(options):
            provisional = self._opening(order, scenario)
            if provisional is None:
                continue
            plan = self.requests.plan(order, scenario, provisional, flow=None if flow is None else _copy(flow),
                                      partly=options.get("partly", False), agent=options.get("agent"),
                                      clerk=options.get("clerk"), urgent=options.get("urgent"), tag=tag)
            if plan is None:
                continue
            if "tweak" in options:
                options["tweak"](plan.flow)
            plan.description = options.get("description", plan.description)
            steps = build_steps(plan, self.rng)
            pivot_at = next((s.at for s in steps if s.action == pivot), None)
            if pivot_at is None or not self.requests.redecide(plan, plan.opened + target - pivot_at):
                continue
            shift = target - pivot_at  # the whole life moves so that the pivot step happens at the target
            plan.steps = [Step(s.at + shift, s.action, s.actor, s.args) for s in steps if s.at + shift <= self.live_at]
            self.used.add(order.id)
            self.plans.append(plan)
            return True
        return False

    def _compliance(self) -> None:
        """The demo's last fortnight: decisions spread over 14 days, about nine in ten within 100 minutes,
        one clerk slower than the others."""
        rng, L = self.rng, self.live_at
        clerks = self.requests.clerks
        for i, (scenario, breach) in enumerate(COMPLIANCE):
            day = i * 14 / len(COMPLIANCE)
            target = L - int((day + rng.uniform(0.15, 0.6)) * DAY)
            clerk = clerks[1 % len(clerks)] if breach else clerks[i % len(clerks)]

            def tweak(flow: Flow, breach=breach) -> None:  # decided: neither declined nor cancelled
                flow.decline = flow.cancel = flow.cancel_stage = ""
                flow.breach = breach
                flow.delays.pop("inspect", None)

            tag = f"decided {day:.0f} days ago"
            options = {"clerk": clerk, "tweak": tweak}
            # Another request if no order fits this one: a repair fits any appliance bought within the year.
            if not any(self._pivoted(tag, name, None, "inspect", target, options)
                       for name in dict.fromkeys((scenario, "repair", "quality_exchange", "no_reason_return"))):
                self.missed.append(tag)

    def _history(self) -> None:
        """A few older cases of the demo, long settled: repairs under warranty, price protection, returns."""
        L = self.live_at
        older = [o for o in self.history if o.id not in self.used]
        self.rng.shuffle(older)
        for scenario in HISTORY:
            for order in older:
                if order.id in self.used:
                    continue
                opened = self._opening(order, scenario)
                if opened is None or opened > L - 20 * DAY:
                    continue
                plan = self.requests.plan(order, scenario, opened, tag="history")
                if plan is not None:
                    self._add(plan)
                    break


def _copy(flow: Flow) -> Flow:
    from dataclasses import replace

    return replace(flow, delays=dict(flow.delays))


__all__ = ["Planner", "RATES", "REQUIRED", "TRAVELS_BACK", "WATCH"]
