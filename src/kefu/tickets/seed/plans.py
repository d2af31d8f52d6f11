"""Which tickets the demo holds and what happens to each, when: plain data, drawn from one random stream.

A plan is a ticket's life as a list of steps at instants. Agents act in business time (the shift calendar), so
`back(m)` is m business minutes before the live instant L, and `later(t, m)` m business minutes after t. The
SLA targets are read from the policies, so the tickets meant to be near a warning or past a breach are exactly
there at L, and every other ticket keeps its targets (the replay runs the real SLA sweep in between).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kefu.contact.calendar import BusinessCalendar
from kefu.tickets import routing

from . import texts
from .team import FRONTLINE, TEAM, shift_of

SENIOR = next(m.username for m in TEAM if m.senior)
SUPERVISOR, CARE = "supervisor", "care_team"
CHANNEL_WEIGHTS = {"web": 35, "phone": 20, "chat": 20, "email": 10, "review": 8, "agent": 7}
# Ticket scenarios and how many of each at the demo scale (small: ten times as many).
MIX = {"fresh": 5, "near_warning": 3, "breached": 2, "care_handoff": 1, "in_progress": 8, "coached": 1,
       "waiting": 5, "resolved_today": 3, "resolved_recently": 2, "closed": 8, "low_score": 2, "refused": 1,
       "expired": 2, "merged": 1, "split": 1, "stranger": 1, "proactive": 1}


@dataclass(frozen=True)
class CustomerRef:
    id: int
    user_id: int
    name: str
    tier: str
    phone: str


@dataclass(frozen=True)
class OrderRef:
    id: int
    number: str
    customer_id: int
    placed_at: datetime
    shipped_at: datetime | None
    product: str
    carrier: str
    tracking: str


@dataclass(frozen=True)
class CaseRef:
    id: int
    number: str
    order_id: int
    customer_id: int
    created_at: datetime


@dataclass
class Step:
    at: datetime
    action: str
    args: dict = field(default_factory=dict)


@dataclass
class TicketPlan:
    scenario: str
    channel: str
    topic: texts.Topic
    customer: CustomerRef | None
    order: OrderRef | None
    case: CaseRef | None
    severity: str
    subject: str
    body: str
    agent: str  # who works it
    steps: list[Step] = field(default_factory=list)
    words: dict = field(default_factory=dict)  # the format values of the topic's texts

    def add(self, at: datetime, action: str, **args) -> datetime:
        self.steps.append(Step(at, action, args))
        return at

    @property
    def queue(self) -> str:
        tier = self.customer.tier if self.customer else "registered"
        return routing.queue_for(self.topic.skill, tier)

    @property
    def priority(self) -> int:
        return routing.priority(self.severity, self.customer.tier if self.customer else "registered")


@dataclass(frozen=True)
class World:
    """What the planner picks from: the seeded customers, orders and cases, the calendar and the SLA targets."""

    live: datetime
    cal: BusinessCalendar
    customers: dict[int, CustomerRef]
    orders: list[OrderRef]
    cases: list[CaseRef]
    story: CustomerRef | None  # the demo's portal login [seed 002]
    milk: OrderRef | None  # … and the milk powder stuck at the courier's 宿迁 depot
    targets: dict[int, dict[str, int]]  # priority -> clock kind -> business minutes


class Planner:
    def __init__(self, rng: random.Random, world: World, factor: int):
        self.rng, self.w, self.factor = rng, world, factor
        self.plans: list[TicketPlan] = []
        self._drawn = 0
        self._windows: list[tuple[datetime, datetime]] | None = None
        self._by_time: list[OrderRef] | None = None
        self._placed: list[datetime] = []

    # --- time ---------------------------------------------------------------------------------------------------
    def back(self, minutes: float) -> datetime:
        """The instant `minutes` business minutes before L."""
        if self._windows is None:  # the business windows of the last 60 days, newest first, once
            self._windows = list(reversed(self.w.cal.windows(self.w.live - timedelta(days=60), self.w.live)))
        left = minutes * 60
        for start, end in self._windows:
            length = (end - start).total_seconds()
            if length >= left:
                return end - timedelta(seconds=left)
            left -= length
        raise ValueError("no business time in the last 60 days")

    def later(self, t: datetime, minutes: float) -> datetime:
        return self.w.cal.add_business_seconds(t, minutes * 60)

    def day(self, days_back: int) -> datetime:
        """A moment of the service day `days_back` days before L's date, between 09:00 and 21:00."""
        local_day = self.w.live.astimezone(self.w.cal.tz).date() - timedelta(days=days_back)
        minute = self.rng.randrange(9 * 60, 21 * 60)
        moment = datetime.combine(local_day, time(minute // 60, minute % 60), tzinfo=self.w.cal.tz)
        return self.w.cal.next_opening(moment)

    def agent_at(self, t: datetime, queue: str) -> str:
        """Someone on shift at t who may take the queue (the senior agent for the diamond queue)."""
        found = self.w.cal.shift_at(t)
        day: date | None = found[1] if found else None
        working = [m for m in TEAM if m.username in FRONTLINE and day and shift_of(m, day) == found[0].code]
        if queue == routing.DIAMOND_QUEUE:
            return SENIOR if any(m.username == SENIOR for m in working) else SUPERVISOR
        able = [m.username for m in working if queue in m.skills] or [m.username for m in working]
        return self.rng.choice(able) if able else self.rng.choice(FRONTLINE)

    # --- what a ticket is about ---------------------------------------------------------------------------------
    def _pick(self, topic: texts.Topic, before: datetime, customer: CustomerRef | None = None):
        """An order (or case) of the seeded data set that fits the topic and existed before `before`."""
        margin = before - timedelta(hours=2)
        if topic.needs == "case" and customer is None:
            cases = [c for c in self.w.cases if c.created_at < margin]
            if cases:
                case = self.rng.choice(cases)
                order = next((o for o in self.w.orders if o.id == case.order_id), None)
                return self.w.customers[case.customer_id], order, case

        def fits(o: OrderRef) -> bool:
            return topic.needs != "shipped" or (o.shipped_at is not None and o.shipped_at < margin)

        if customer is not None:
            mine = [o for o in self.w.orders if o.customer_id == customer.id and o.placed_at < margin and fits(o)]
            return (customer, self.rng.choice(mine), None) if mine else None
        # The others' orders, by time placed: draw among those placed before the margin (the demo customer keeps
        # to his own story).
        if self._by_time is None:
            story = self.w.story.id if self.w.story else None
            self._by_time = sorted((o for o in self.w.orders if o.customer_id != story), key=lambda o: o.placed_at)
            self._placed = [o.placed_at for o in self._by_time]
        count = bisect_left(self._placed, margin)
        for _ in range(60):
            if not count:
                break
            order = self._by_time[self.rng.randrange(count)]
            if fits(order):
                return self.w.customers[order.customer_id], order, None
        return None

    def new_plan(self, scenario: str, t0: datetime, *, channel: str | None = None, topic: str | None = None,
                 customer: CustomerRef | None = None, severity: str | None = None) -> TicketPlan | None:
        if channel is None:  # the first draws go round every channel once, so even a tiny data set has each
            self._drawn += 1
            channel = (list(CHANNEL_WEIGHTS)[self._drawn - 1] if self._drawn <= len(CHANNEL_WEIGHTS)
                       else self.rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0])
        if topic is None and channel == "review":  # a bad review turned into a ticket
            topic = self.rng.choice(("quality", "page_info"))
        chosen = texts.BY_KEY[topic] if topic else self.rng.choice(texts.TOPICS)
        picked = self._pick(chosen, t0, customer)
        if picked is None:
            return None
        who, order, case = picked
        if case is not None:
            chosen = texts.BY_KEY["refund_slow"]
        elif chosen.needs == "case":
            chosen = texts.BY_KEY["missing"]  # no case old enough in a tiny data set: a plain order topic
        words = {"name": who.name, "order": order.number if order else "", "product": order.product if order else "",
                 "carrier": order.carrier if order else "快递公司", "tracking": order.tracking if order else "",
                 "case": case.number if case else ""}
        body = (texts.REVIEW_BODY if channel == "review" else chosen.body).format(**words)
        plan = TicketPlan(scenario, channel, chosen, who, order, case, severity or self.rng.choice(chosen.severities),
                          chosen.subject.format(**words)[:120], body, "", words=words)
        plan.agent = self.agent_at(t0, plan.queue)
        plan.add(t0, "open")
        self.plans.append(plan)
        return plan

    def target(self, plan: TicketPlan, kind: str) -> int:
        return self.w.targets[plan.priority][kind]

    # --- the handling, step by step -----------------------------------------------------------------------------
    def work(self, plan: TicketPlan, until: str) -> list[tuple[float, str, dict]]:
        """The agent's steps up to `until` (replied, analysed, acknowledged, proposed, refused, accepted or
        resolved) as (business minutes after the previous step, action, args). Quicker for the urgent
        priorities, so every target holds."""
        pace = {1: 0.3, 2: 0.6}.get(plan.priority, 1.0)
        r, f, w = self.rng, plan.topic, plan.words
        depth = ("replied", "analysed", "acknowledged", "proposed", "refused", "accepted", "resolved").index(until)
        steps: list[tuple[float, str, dict]] = [(r.randint(2, 10) * pace, "assign", {}),
                                                (r.randint(3, 15) * pace, "reply", {"body": f.reply.format(**w)})]
        if depth >= 1 or r.random() < 0.6:
            steps.append((r.randint(10, 60) * pace, "note", {"body": f.note.format(**w)}))
        if depth >= 1:
            steps.append((r.randint(2, 20) * pace, "analyse", {}))
        if depth >= 2:
            steps.append((r.randint(2, 10) * pace, "acknowledge", {}))
        if depth >= 3:
            steps.append((r.randint(5, 40) * pace, "propose", {}))
            steps.append((r.randint(1, 5), "reply", {"body": f"我们的处理方案：{f.solution.format(**w)}。您看可以吗？",
                                                     "wait": True}))
        if depth == 4:
            steps += [(r.randint(20, 240) * pace, "customer", {"body": "这个方案我不能接受。"}),
                      (r.randint(5, 30) * pace, "answer", {"accepted": False, "reason": f.refusal}),
                      (r.randint(1, 10) * pace, "reply",
                       {"body": "您的意见我已经记录下来，我再为您申请更合适的方案，稍后给您答复。"})]
        elif depth >= 5:
            steps += [(r.randint(20, 240) * pace, "customer", {"body": "可以，就按这个办吧。"}),
                      (r.randint(5, 30) * pace, "answer", {"accepted": True}),
                      (r.randint(1, 5), "reply", {"body": "好的，收到您的确认，我们马上为您安排。"})]
        if depth >= 6:
            steps.append((r.randint(5, 60) * pace, "resolve", {}))
        return steps

    def forward(self, plan: TicketPlan, t: datetime, steps: list[tuple[float, str, dict]]) -> datetime:
        """Place the steps one after the other from t."""
        for minutes, action, args in steps:
            t = plan.add(self.later(t, minutes), action, **args)
        self.settle_agent(plan)
        return t

    def settle_agent(self, plan: TicketPlan) -> None:
        """The ticket goes to someone on shift when it is taken (the draft's guess was for another moment)."""
        taken = next((s.at for s in plan.steps if s.action == "assign" and not s.args), None)
        plan.agent = self.agent_at(taken or plan.steps[0].at, plan.queue)

    def ending(self, plan: TicketPlan, end_back: float, steps: list[tuple[float, str, dict]], *,
               move_open: bool = True) -> None:
        """Place the steps so that the last is `end_back` business minutes before L. The open step moves to where
        the steps need it (later than where the plan was drafted, so its order still came first)."""
        left = end_back + sum(m for m, _a, _k in steps)
        if move_open:
            plan.steps[0].at = self.back(left)
        for minutes, action, args in steps:
            left -= minutes
            plan.add(self.back(left), action, **args)
        self.settle_agent(plan)

    def survey(self, plan: TicketPlan, resolved: datetime, csat: int, *, close: bool) -> datetime:
        """The customer answers the 回访 survey some hours after it is sent; the agent closes the ticket."""
        sent = self.w.cal.next_service_day_start(resolved)
        comment = self.rng.choice(texts.PRAISE if csat >= 4 else texts.MIXED if csat == 3 else texts.COMPLAINTS)
        t = plan.add(sent + timedelta(minutes=self.rng.randint(20, 480)), "survey", csat=csat, comment=comment)
        if close:
            t = plan.add(self.later(t, self.rng.randint(10, 120)), "close", reason="回访完成，结案")
        return t
