"""Reads for the agents' ticket pages: the queue (its tabs, filters, order and SLA badges) and one ticket (its
timeline, canned replies and what the page may offer).

The queue runs a fixed number of queries whatever the page size (tests/workbench/test_ticket_queue.py): the
page's ticket ids, sorted on the ticket table and one correlated subquery (the nearest SLA due time); the rows
of those ids with customer, queue, agent and order joined; their SLA clocks in one prefetch; a capped count for
the pager; and the business calendar once, for the time left on every badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.contact.calendar import BusinessCalendar
from kefu.core import roles
from kefu.core.audit import history
from kefu.tickets import ticket_states as st
from kefu.tickets.models import (
    FLOW_LABELS,
    STATUS_LABELS,
    CannedReply,
    ClockKind,
    SlaClock,
    Ticket,
    TicketMessage,
)
from kefu.tickets.queue import (  # noqa: F401  (the pages use them through this module)
    COUNT_CAP,
    SUPERVISOR_VIEWS,
    VIEWS,
    QueueFilters,
    default_view,
    queue,
    supervises,
)

# ---- the queue (kefu.tickets.queue), one page of its rows ----------------------------------------------------------

ROW_FIELDS = (
    "id", "number", "subject", "channel", "kind", "status", "flow", "priority", "escalation_level", "created_at",
    "resolved_at", "requester_name", "customer", "customer__name", "customer__phone", "customer__tier",
    "customer__user_id", "queue", "queue__code", "queue__name", "queue__care_team", "assignee",
    "assignee__username", "assignee__first_name", "assignee__last_name", "order", "order__number",
)


def queue_rows(ids, now: datetime, cal: BusinessCalendar) -> list[Ticket]:
    """One page of tickets in the given order, each with `.sla` (its most pressing clock), in two queries."""
    ids = list(ids)
    rows = (Ticket.objects.filter(pk__in=ids).select_related("customer", "queue", "assignee", "order")
            .only(*ROW_FIELDS).prefetch_related("sla_clocks"))
    by_id = {ticket.pk: ticket for ticket in rows}
    page = [by_id[pk] for pk in ids if pk in by_id]
    for ticket in page:
        ticket.sla = pressing(list(ticket.sla_clocks.all()), now, cal)
    return page


# ---- SLA badges ----------------------------------------------------------------------------------------------------

OK, WARNING, BREACHED, PAUSED, MET = "ok", "warning", "breached", "paused", "met"
_URGENCY = {BREACHED: 0, WARNING: 1, OK: 2, PAUSED: 3}
CLOCK_LABELS = dict(ClockKind.choices)


@dataclass(frozen=True)
class SlaBadge:
    """One clock as the page shows it: its state, target, due time and business seconds left (or over)."""

    state: str
    kind: str
    due_at: datetime | None = None
    seconds_left: float | None = None  # business seconds; while paused, what is kept
    seconds_over: float | None = None

    @property
    def kind_label(self):
        return CLOCK_LABELS.get(self.kind, self.kind)

    @property
    def minutes_left(self) -> int | None:
        return None if self.seconds_left is None else int(self.seconds_left // 60)

    @property
    def minutes_over(self) -> int | None:
        return None if self.seconds_over is None else max(1, int(-(-self.seconds_over // 60)))


def late(clock_: SlaClock) -> bool:
    """Missed: stamped by the sweep, or met only after its due time (the sweep had not run yet)."""
    if clock_.breached_at is not None:
        return True
    return clock_.stopped_at is not None and clock_.due_at is not None and clock_.stopped_at > clock_.due_at


def badge(clock_: SlaClock, now: datetime, cal: BusinessCalendar) -> SlaBadge:
    """The state of one clock now: met (stopped in time), breached, paused, warning (warned, or inside the warn
    window) or ok. Business time left is counted on the shift calendar, like the clock itself."""
    if clock_.stopped_at is not None:
        if late(clock_):
            return SlaBadge(BREACHED, clock_.kind, clock_.due_at)
        return SlaBadge(MET, clock_.kind, clock_.due_at)
    if clock_.due_at is None:
        return SlaBadge(PAUSED, clock_.kind, None, seconds_left=clock_.remaining_seconds or 0.0)
    if clock_.breached_at is not None or clock_.due_at <= now:
        return SlaBadge(BREACHED, clock_.kind, clock_.due_at,
                        seconds_over=cal.business_seconds(clock_.due_at, now) if clock_.due_at < now else 0.0)
    left = cal.business_seconds(now, clock_.due_at)
    warned = clock_.warned_at is not None or (clock_.warn_at is not None and clock_.warn_at <= now)
    return SlaBadge(WARNING if warned else OK, clock_.kind, clock_.due_at, seconds_left=left)


def pressing(clocks: list[SlaClock], now: datetime, cal: BusinessCalendar) -> SlaBadge | None:
    """The clock that matters most: among the unmet ones, breached before warning before ok before paused, the
    earliest due first; when every clock has stopped, met (or breached, if any target was missed)."""
    running = [c for c in clocks if c.stopped_at is None]
    if running:
        badges = [badge(c, now, cal) for c in running]
        return min(badges, key=lambda b: (_URGENCY[b.state], b.due_at is None, b.due_at or now,
                                          b.seconds_left or 0))
    if not clocks:
        return None
    missed = [c for c in clocks if late(c)]
    last = max(clocks, key=lambda c: c.stopped_at)
    return SlaBadge(BREACHED, missed[0].kind, missed[0].due_at) if missed else SlaBadge(MET, last.kind, last.due_at)


# ---- one ticket --------------------------------------------------------------------------------------------------

def ticket_detail(number: str) -> Ticket | None:
    return (Ticket.objects.select_related("customer", "order", "case", "queue", "assignee", "merged_into", "parent")
            .filter(number=number).first())


def messages_of(ticket: Ticket) -> list[TicketMessage]:
    return list(ticket.messages.select_related("author").order_by("created_at", "id"))


ESCALATION_LABELS = {
    0: pgettext_lazy("escalation", "Agent"), 1: pgettext_lazy("escalation", "Supervisor"),
    2: pgettext_lazy("escalation", "Customer-care team"),
}
AUDIT_FIELDS = {
    "status": _("Status"), "flow": _("Handling step"), "assignee": _("Agent"), "escalation_level": _("Escalation"),
    "reply_coach": _("Reply coach"), "merged": _("Merged in"), "split": _("Split off"),
}


# The fixed reasons the ticket services write into the audit trail (in English, for logs), in the page's words.
# Anything else (an agent's own words, "web: subject") is shown as written.
AUDIT_REASONS = {
    "first reply": _("first reply"),
    "handling started": _("handling started"),
    "assigned by hand": _("assigned by hand"),
    "answered an unassigned ticket": _("answered an unassigned ticket"),
    "round-robin on shift": _("assigned in turn among the agents on shift"),
    "sent as written after the reply coach's warning": _("sent as written after the reply coach's warning"),
    "the customer accepted the solution": _("the customer accepted the solution"),
    "the customer wrote": _("the customer wrote"),
    "the customer wrote after the resolution": _("the customer wrote after the resolution"),
    "waiting for the customer's answer": _("waiting for the customer's answer"),
    "SLA breached": _("SLA breached"),
    "the supervisor's time ran out": _("the supervisor's time ran out"),
}


def _audit_label(field: str, value: str) -> str:
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "flow":
        return str(FLOW_LABELS.get(value, value))
    if field == "escalation_level" and value.isdigit():
        return str(ESCALATION_LABELS.get(int(value), value))
    return value


def timeline(ticket: Ticket, messages: list[TicketMessage]) -> list[dict]:
    """The conversation and the audit trail in one list, oldest first. A message is from the customer, an agent,
    the system, or an internal note (never shown to the customer)."""
    items = []
    for m in messages:
        # An internal message is a colleague's note, or the system's record (a merge, a split).
        kind = m.author_kind if not m.internal else ("system" if m.author_kind == "system" else "note")
        items.append({"type": "message", "at": m.created_at, "id": m.pk, "kind": kind, "message": m,
                      "order": (m.created_at, 0, m.pk)})
    for e in history(ticket).select_related("actor"):
        who = (e.actor.get_full_name() or e.actor.get_username()) if e.actor else e.actor_label
        items.append({"type": "audit", "at": e.at, "id": e.pk, "kind": "audit", "field": e.field,
                      "field_label": AUDIT_FIELDS.get(e.field, e.field), "by": who,
                      "reason": str(AUDIT_REASONS[e.reason]) if e.reason in AUDIT_REASONS else e.reason,
                      "from_label": _audit_label(e.field, e.old_value), "to_label": _audit_label(e.field, e.new_value),
                      "order": (e.at, 1, e.pk)})
    items.sort(key=lambda item: item["order"])
    return items


def canned_replies(ticket: Ticket) -> list[CannedReply]:
    """The active canned replies for everyone and for the ticket's own queue."""
    return list(CannedReply.objects.filter(Q(queue__isnull=True) | Q(queue_id=ticket.queue_id), active=True)
                .order_by("title"))


def placeholder_values(ticket: Ticket, agent) -> dict[str, str | None]:
    """What a canned reply's placeholders stand for on this ticket. The tracking number is the order's latest
    shipment's; a missing value renders as a visible gap (placeholders.render)."""
    tracking = None
    if ticket.order_id:
        tracking = (ticket.order.shipments.order_by("-shipped_at", "-id")
                    .values_list("tracking_number", flat=True).first())
    customer_name = ticket.customer.name if ticket.customer_id else ticket.requester_name
    return {"customer_name": customer_name, "order_number": ticket.order.number if ticket.order_id else None,
            "tracking_number": tracking, "ticket_number": ticket.number,
            "agent_name": agent.get_full_name() or agent.get_username()}


def ticket_workers():
    """Active staff who work tickets, for the 'assign to' list: read through the two link tables, never by
    scanning every user (customers are users too)."""
    app_label, codename = roles.WORK_TICKETS.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).values("pk")
    User = get_user_model()
    in_groups = User.groups.through.objects.filter(group__permissions__in=perm).values("user_id")
    direct = User.user_permissions.through.objects.filter(permission__in=perm).values("user_id")
    return User.objects.filter(is_active=True, pk__in=in_groups.union(direct)).order_by("username")


# ---- what the page offers ------------------------------------------------------------------------------------------

FLOW_STEPS = {"analyse": st.ANALYSED, "acknowledge": st.ACKNOWLEDGED, "propose": st.PROPOSED, "answer": None}


def may_work(ticket: Ticket, user) -> bool:
    """The customer-care team's tickets are worked by supervisors and the care team, or by whoever holds one."""
    return not ticket.queue.care_team or supervises(user) or ticket.assignee_id == user.pk


def next_flow_step(ticket: Ticket) -> str | None:
    """The form the stepper shows: the step after the current one (a new proposal after a refusal)."""
    return {st.RECEIVED: "analyse", st.ANALYSED: "acknowledge", st.ACKNOWLEDGED: "propose",
            st.PROPOSED: "answer", st.REFUSED: "propose"}.get(ticket.flow)


def actions(ticket: Ticket, user, public_messages: int) -> set[str]:
    """What the page offers this user on this ticket, read from the state machines; the services still decide."""
    if not may_work(ticket, user):
        return set()
    found = set()
    if ticket.status != st.MERGED:
        found.add("note")
    if ticket.is_open or ticket.status == st.RESOLVED:
        found.add("reply")
    if ticket.status == st.RESOLVED:
        found.add("reopen")
    if not ticket.is_open:
        return found
    found |= {"assign", "resolve"}
    step = next_flow_step(ticket)
    if step:
        found.add(f"flow:{step}")
    if ticket.escalation_level < 1:
        found.add("escalate")
    if supervises(user):
        if ticket.escalation_level < 2:
            found.add("care_team")
        found.add("merge")
    if public_messages > 1:
        found.add("split")
    return found
