"""Tickets in the demo data: `kefu seed` makes them after the after-sales cases, in the same transaction.

What comes out is a pure function of (seed, anchor, scale) and the live instant L of the after-sales seed (the
moment of seeding when the anchor is today, noon of the anchor day otherwise), drawn from its own random stream.

- every scale: agent profiles for the seeded staff, a roster of the last 14 days and the next 7 (team.py), the
  canned replies;
- demo (≈ 60 tickets) and small (≈ 600): tickets on every channel, in every status and handling step, planned
  (plans.py, scenarios.py) and carried out by the real services with the clock moved (replay.py), the SLA sweep
  and the follow-up duty running in between; then the handover of the last finished shift;
- large: the team only. The large data set's ticket volume (100,000 open tickets with their clocks) is written
  by benchmarks/sla_sweep.py, which measures the sweep on it; a bulk mirror of the services is not kept.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction

from kefu.commerce.models import Customer, Order, OrderLine, Shipment
from kefu.commerce.seed.context import to_datetime
from kefu.commerce.seed.people import STORY_PHONE
from kefu.contact.models import AgentProfile, Handover, HandoverItem, RosterEntry, Shift
from kefu.contact.selectors import business_calendar, shift_window

from ..models import CannedReply, FollowUpVisit, Notice, SlaClock, SlaPolicy, Ticket, TicketMessage
from .plans import CaseRef, CustomerRef, OrderRef, Planner, World
from .replay import TicketReplay
from .scenarios import draft_all
from .team import ensure_canned_replies, ensure_profiles, on_shift, team_users, write_roster

FACTOR = {"demo": 1, "small": 12, "large": 0}
# Ticket-side tables, children first: what --flush empties before the customers and orders (PROTECT).
FLUSH_MODELS = (Notice, FollowUpVisit, SlaClock, TicketMessage, HandoverItem, Handover, Ticket)


@dataclass
class TicketReport:
    scale: str
    live_at: datetime
    profiles: int = 0
    roster: int = 0
    canned: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    scenarios: dict[str, int] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    notices: int = 0
    handover: str = ""
    duty_runs: int = 0
    seconds: float = 0.0

    @property
    def tickets(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        team = f"{self.profiles} agent profiles, {self.roster} roster entries, {self.canned} canned replies"
        if self.scale == "large":
            return (f"{team}; no tickets at this scale: the ticket volume of large (100,000 open tickets) comes "
                    "from benchmarks/sla_sweep.py")
        order = ("new", "open", "waiting_customer", "resolved", "closed", "merged")
        counts = ", ".join(f"{self.statuses[s]} {s}" for s in order if self.statuses.get(s))
        visits = ", ".join(f"{n} {s}" for s, n in sorted(self.visits.items()))
        return (f"{self.tickets:,} tickets ({counts}) on {len(self.channels)} channels, follow-up visits: {visits}, "
                f"{self.notices} portal notices{', ' + self.handover if self.handover else ''}; {team}; "
                f"in {self.seconds:.1f} s")


def seed_tickets(*, scale: str, seed: int, live_at: int) -> TicketReport:
    """The team and (demo, small) the tickets, in the caller's transaction."""
    started = time.monotonic()
    live = to_datetime(live_at)
    report = TicketReport(scale, live)
    users = team_users()
    ensure_profiles(users)
    report.roster = write_roster(users, _local_date(live))
    ensure_canned_replies()
    report.profiles = AgentProfile.objects.filter(user__in=users.values()).count()
    report.canned = CannedReply.objects.filter(active=True).count()
    if FACTOR[scale]:
        rng = random.Random(f"kefu.tickets.seed:{seed}")
        planner = Planner(rng, _world(live), FACTOR[scale])
        draft_all(planner)
        replay = TicketReplay(planner.plans, users)
        handover = _last_finished_shift(live)
        extra = [(handover[2], lambda: _prepare_handover(*handover, users))] if handover else []
        replay.run(live, extra)
        report.duty_runs = replay.duty_runs
        report.scenarios = dict(Counter(p.scenario for p in planner.plans))
        if handover:
            report.handover = f"the handover of the {handover[0].code} shift of {handover[1]:%Y-%m-%d}"
    report.statuses = dict(Counter(Ticket.objects.values_list("status", flat=True)))
    report.channels = dict(Counter(Ticket.objects.values_list("channel", flat=True)))
    report.visits = dict(Counter(FollowUpVisit.objects.values_list("status", flat=True)))
    report.notices = Notice.objects.count()
    report.seconds = time.monotonic() - started
    return report


def _local_date(moment: datetime) -> date:
    return moment.astimezone(business_calendar().tz).date()


def _world(live: datetime) -> World:
    """The seeded customers, orders and cases as the planner sees them, in a stable order (by id)."""
    from kefu.aftersales.models import AfterSalesCase

    customers = {c["id"]: CustomerRef(c["id"], c["user_id"], c["name"], c["tier"], c["phone"])
                 for c in Customer.objects.order_by("id").values("id", "user_id", "name", "tier", "phone")}
    product: dict[int, str] = {}
    for order_id, name in OrderLine.objects.order_by("-id").values_list("order_id", "product_name"):
        product[order_id] = name[:30]  # the first line wins (read last)
    parcel: dict[int, tuple] = {}
    for row in Shipment.objects.order_by("-id").values_list("order_id", "carrier__name", "tracking_number",
                                                             "shipped_at", "exception_kind"):
        parcel[row[0]] = row[1:]
    orders = []
    milk = None
    story = next((c for c in customers.values() if c.phone == STORY_PHONE), None)
    for pk, number, customer_id, placed in Order.objects.order_by("id").values_list(
            "id", "number", "customer_id", "placed_at"):
        carrier, tracking, shipped, exception = parcel.get(pk, ("", "", None, ""))
        order = OrderRef(pk, number, customer_id, placed, shipped, product.get(pk, ""), carrier, tracking)
        orders.append(order)
        if story and customer_id == story.id and exception == "delayed":
            milk = order
    cases = [CaseRef(*row) for row in AfterSalesCase.objects.order_by("id").values_list(
        "id", "number", "order_id", "customer_id", "created_at")]
    targets = {p.priority: {"first_response": p.first_response_minutes, "next_response": p.next_response_minutes,
                            "resolution": p.resolution_minutes, "supervisor": p.supervisor_minutes}
               for p in SlaPolicy.objects.all()}
    return World(live, business_calendar(), customers, orders, cases, story, milk, targets)


def _last_finished_shift(live: datetime) -> tuple[Shift, date, datetime] | None:
    """The shift that ended last before L: its row, service date, and a moment just before its end."""
    cal = business_calendar()
    today = live.astimezone(cal.tz).date()
    ended = []
    for shift in Shift.objects.filter(active=True):
        for back in (2, 1, 0):
            day = today - timedelta(days=back)
            start, end = shift_window(shift, day, cal.tz)
            if cal.is_service_day(day) and end <= live:
                ended.append((end, shift, day, start))
    if not ended:
        return None
    end, shift, day, start = max(ended, key=lambda e: e[0])
    return shift, day, max(start, end - timedelta(minutes=15))


def _prepare_handover(shift: Shift, day: date, _at: datetime, users: dict) -> None:
    """The list the shift leaves for the next one, prepared by one of its agents shortly before it ends."""
    try:
        from kefu.contact.services import prepare_handover
    except ImportError:  # the handover service is not there (yet)
        return
    working = [u for u in on_shift(day, shift.code) if u in users] or ["supervisor"]
    with transaction.atomic():
        prepare_handover(shift, day, by=users[working[0]],
                         note="钻石会员孙先生的奶粉补发明早送达，请接班同事上午跟进签收；超时工单已报主管。")


def seeded_staff_rows(user_ids: list[int]) -> None:
    """The roster and profiles of the seeded staff (the flush deletes the accounts; these go with them)."""
    RosterEntry.objects.filter(user_id__in=user_ids).delete()
    AgentProfile.objects.filter(user_id__in=user_ids).delete()


def digest() -> str:
    """A fingerprint of the seeded tickets that database ids do not change (ticket numbers contain them)."""
    h = hashlib.sha256()
    rows = Ticket.objects.order_by("created_at", "subject", "channel").values_list(
        "created_at", "channel", "kind", "subject", "status", "flow", "queue__code", "priority", "escalation_level",
        "assignee__username", "customer__phone", "order__number", "cause", "resolved_at", "closed_at")
    for row in rows:
        h.update(repr(row).encode())
    for at, kind, internal, body in TicketMessage.objects.order_by("created_at", "body").values_list(
            "created_at", "author_kind", "internal", "body"):
        h.update(repr((at, kind, internal, _masked(body))).encode())
    return h.hexdigest()


def _masked(text: str) -> str:
    """Ticket and case numbers carry database ids: the same data seeded again gets other ones."""
    return re.sub(r"AS\d{8,}", "AS…", re.sub(r"T\d{12,}", "T…", text))
