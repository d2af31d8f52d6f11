"""Carry the ticket plans out through the real services, with the clock moved to each step's moment.

All steps of all plans are played in time order, and before each one the duties that would have run by then
run (the SLA sweep, the follow-up visits): warnings, breaches and escalations, surveys sent and expired happen
when the product would have made them happen, to the minute. Domain events are not written to the outbox
(seeded history is not news), but the portal's copy of what the customer was told — the outcome of a ticket,
the survey invitation — is written as its subscriber writes it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from kefu.aftersales.models import AfterSalesCase
from kefu.aftersales.seed.replay import clock_kept
from kefu.commerce.models import Customer, Order
from kefu.commerce.seed.writer import SeedError
from kefu.core import clock, events
from kefu.core.errors import DomainError
from kefu.core.models import OutboxEvent
from kefu.core.roles import SUPERVISE_TICKETS, WORK_TICKETS

from .. import sla_sweep
from ..models import FollowUpVisit, SlaClock, Ticket, Visit
from ..services import assignment, conversation, escalation, flow, follow_up, merging
from ..services.intake import open_ticket
from .plans import SENIOR, TicketPlan

NOTICE_TOPICS = ("ticket.resolved", "ticket.follow_up_sent")


@contextlib.contextmanager
def portal_notices_only(told: list[tuple[str, dict]]) -> Iterator[None]:
    """Keep events out of the outbox (emit and emit_many); collect the ones the portal's notices come from."""
    emit, emit_many = events.emit, events.emit_many

    def one(topic: str, payload: dict) -> None:
        if not transaction.get_connection().in_atomic_block:  # the same guard as the real emit
            raise RuntimeError("emit() must run inside the transaction of the change it reports")
        if topic in NOTICE_TOPICS:
            told.append((topic, payload))

    def many(topic: str, payloads: list[dict]) -> int:
        for payload in payloads:
            one(topic, payload)
        return len(payloads)

    events.emit, events.emit_many = one, many
    try:
        yield
    finally:
        events.emit, events.emit_many = emit, emit_many


def _aware(value) -> datetime | None:
    """A raw query's timestamp: SQLite gives text in UTC, PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _minute_up(moment: datetime) -> datetime:
    """The duties run every minute: the first run at or after `moment`."""
    seconds = moment.timestamp()
    return datetime.fromtimestamp(math.ceil(seconds / 60) * 60, moment.tzinfo)


class TicketReplay:
    def __init__(self, plans: list[TicketPlan], users: dict[str, object]):
        self.plans, self.users = plans, users
        self.customers = Customer.objects.select_related("user").in_bulk(
            {p.customer.id for p in plans if p.customer})
        self.orders = Order.objects.select_related("customer").in_bulk({p.order.id for p in plans if p.order})
        self.cases = AfterSalesCase.objects.select_related("order", "customer").in_bulk(
            {p.case.id for p in plans if p.case})
        self.tickets: dict[tuple[int, str], int] = {}  # (plan index, "" / "child" / "care") -> ticket id
        self.messages: dict[tuple[int, str], int] = {}
        self.told: list[tuple[str, dict]] = []
        self.duty_runs = 0
        try:
            from .. import subscribers
        except ImportError:  # the notices' subscribers are not there: the portal shows no notices
            self.notice = {}
        else:
            self.notice = {"ticket.resolved": subscribers.notice_resolution,
                           "ticket.follow_up_sent": subscribers.notice_follow_up}

    def run(self, live: datetime, extra: list[tuple[datetime, Callable[[], None]]] = ()) -> None:
        """Every step in time order (and `extra` actions at their moments), then the duties up to L."""
        schedule = sorted([(s.at, i, j) for i, p in enumerate(self.plans) for j, s in enumerate(p.steps)]
                          + [(at, -1, k) for k, (at, _do) in enumerate(extra)])
        with clock_kept(), portal_notices_only(self.told):
            for at, i, j in schedule:
                if at > live:
                    raise SeedError(f"ticket plan {self.plans[i].scenario} has a step after the live instant")
                self.catch_up(at)
                clock.freeze(at)
                if i < 0:
                    extra[j][1]()
                else:
                    step = self.plans[i].steps[j]
                    try:
                        self.step(i, self.plans[i], step.action, step.args)
                    except DomainError as exc:
                        raise SeedError(f"ticket plan #{i} ({self.plans[i].scenario}), step {j} {step.action} at "
                                        f"{at.isoformat()}: {exc}") from exc
                self.tell()
            self.catch_up(live)

    # --- the duties -------------------------------------------------------------------------------------------------
    def next_duty(self) -> datetime | None:
        """When the next duty run has something to do: a warning, a breach, a survey to send or to expire. One
        plain query (it runs before every step)."""
        clocks, visits = SlaClock._meta.db_table, FollowUpVisit._meta.db_table
        open_clock = f"FROM {clocks} WHERE stopped_at IS NULL AND breached_at IS NULL"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 'w', MIN(warn_at) {open_clock} AND warned_at IS NULL "
                f"UNION ALL SELECT 'd', MIN(due_at) {open_clock} "
                f"UNION ALL SELECT 'v', MIN(due_at) FROM {visits} WHERE status = %s "
                f"UNION ALL SELECT 's', MIN(sent_at) FROM {visits} WHERE status = %s", [Visit.SCHEDULED, Visit.SENT])
            found = {tag: _aware(value) for tag, value in cursor.fetchall()}
        if found.get("s") is not None:
            found["s"] += timedelta(days=follow_up.expire_days())
        due = [v for v in found.values() if v is not None]
        return _minute_up(min(due)) if due else None

    def catch_up(self, until: datetime) -> None:
        for _ in range(10_000):
            due = self.next_duty()
            if due is None or due > until:
                return
            clock.freeze(due)
            with transaction.atomic():
                sla_sweep.sweep()
                follow_up.send_due()
            self.duty_runs += 1
            self.tell()
        raise SeedError("the duties do not settle: a plan keeps them busy")

    def tell(self) -> None:
        """The portal's copy of what the customer was just told, as the subscribers write it."""
        for topic, payload in self.told:
            if topic in self.notice:
                with transaction.atomic():
                    self.notice[topic](OutboxEvent(topic=topic, payload=payload))
        self.told.clear()

    # --- one step -----------------------------------------------------------------------------------------------
    def step(self, i: int, plan: TicketPlan, action: str, args: dict) -> None:
        on = args.get("on", "")
        pk = self.tickets.get((i, on))
        agent = self.user(args.get("by") or plan.agent, supervise=action == "escalate" and args.get("care", False))
        customer = self.customers[plan.customer.id].user if plan.customer else None
        topic, words = plan.topic, plan.words
        if action == "open":
            self.tickets[(i, "")] = self.open(i, plan, agent, customer).pk
        elif action == "assign":
            assignment.assign(pk, agent, by=agent)
        elif action == "reply":
            channel = args.get("channel") or (plan.channel if plan.channel in ("web", "email", "chat", "phone")
                                              else "web")
            conversation.agent_replies(pk, args["body"], by=agent, wait_for_customer=args.get("wait", False),
                                       confirm_coach=args.get("confirm_coach", False), channel=channel)
        elif action == "note":
            conversation.add_note(pk, args["body"], by=agent)
        elif action == "customer":
            channel = plan.channel if plan.channel in ("web", "email", "chat") else "web"
            message = conversation.customer_writes(pk, args["body"], by=customer or "email", channel=channel)
            self.messages[(i, args.get("label", ""))] = message.pk
        elif action == "analyse":
            flow.analyse(pk, cause=args.get("cause", topic.cause), analysis=args.get("analysis", topic.analysis),
                         by=agent)
        elif action == "acknowledge":
            flow.acknowledge(pk, position=args.get("position", topic.position.format(**words)), by=agent)
        elif action == "propose":
            flow.propose(pk, solution=args.get("solution", topic.solution.format(**words)), by=agent,
                         next_step=args.get("next_step", "等待您确认处理方案"))
        elif action == "answer":
            flow.record_answer(pk, accepted=args["accepted"], reason=args.get("reason", ""), by=agent)
        elif action == "resolve":
            flow.resolve(pk, by=agent)
        elif action == "close":
            flow.close(pk, by=agent, reason=args["reason"])
        elif action == "escalate":
            escalation.escalate(pk, by=agent, reason=args["reason"], to_care_team=args.get("care", False))
        elif action == "merge":
            source, into = Ticket.objects.get(pk=pk), Ticket.objects.get(pk=self.tickets[(args["into"], "")])
            merging.merge(source, into, by=agent, reason=args["reason"])
        elif action == "split":
            child = merging.split(pk, [self.messages[(i, args["message"])]], subject=args["subject"], by=agent)
            self.tickets[(i, "child")] = child.pk
        elif action == "survey":
            visit = FollowUpVisit.objects.get(ticket_id=pk)
            visit = follow_up.answer(visit, csat=args["csat"], comment=args["comment"],
                                     answers=self.answers(args["csat"]), by=customer)
            if visit.care_task_id:
                self.tickets[(i, "care")] = visit.care_task_id
        else:
            raise SeedError(f"unknown ticket step {action!r}")

    def user(self, username: str, *, supervise: bool = False):
        """The team member, or a colleague standing in when that account cannot work tickets (an account of that
        name made by someone else, which the seed leaves as it is)."""
        wanted = SUPERVISE_TICKETS if supervise else WORK_TICKETS
        user = self.users.get(username)
        if user is not None and user.has_perm(wanted):
            return user
        # The senior agent first: they may take every queue, the diamond one included.
        for name in sorted(self.users, key=lambda n: (n != SENIOR, n != "supervisor", n)):
            other = self.users[name]
            if other.has_perm(wanted):
                return other
        raise SeedError(f"no seeded account may {wanted} (needed for {username})")

    def open(self, i: int, plan: TicketPlan, agent, customer):
        by = {"web": customer, "email": "email", "chat": "chat", "review": "reviews"}.get(plan.channel, agent)
        extra = {}
        if plan.customer is None:
            extra = {"requester_name": plan.words["name"], "requester_email": "lin.xiaoyu@example.com"}
        if plan.channel in ("chat", "phone", "review"):
            extra["source_ref"] = f"{plan.channel}:{int(plan.steps[0].at.timestamp())}-{i}"
        if plan.channel == "email":
            extra["email_message_id"] = f"<seed-{i}-{int(plan.steps[0].at.timestamp())}@mail.seed.kefu.invalid>"
        return open_ticket(channel=plan.channel, subject=plan.subject, body=plan.body,
                           customer=self.customers[plan.customer.id] if plan.customer else None,
                           order=self.orders[plan.order.id] if plan.order else None,
                           case=self.cases[plan.case.id] if plan.case else None,
                           kind=plan.topic.kind, severity=plan.severity, skill=plan.topic.skill, by=by, **extra)

    def answers(self, csat: int) -> dict:
        from ..models import QuestionKind, SurveyQuestion

        out = {}
        for q in SurveyQuestion.objects.filter(active=True):
            if q.kind == QuestionKind.YES_NO:
                out[str(q.pk)] = "yes" if csat >= 3 else "no"
            elif q.kind == QuestionKind.SCORE:
                out[str(q.pk)] = csat
            elif q.required:
                out[str(q.pk)] = "无"
        return out
