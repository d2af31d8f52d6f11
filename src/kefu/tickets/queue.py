"""The ticket queue as agents see it, for the workbench and the API alike: its views (tabs), filters, search
and order — priority, then the nearest SLA due time, then the oldest."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from kefu.core import roles
from kefu.core.phones import normalise_phone

from . import ticket_states as st
from .models import Ticket

VIEWS: dict[str, object] = {
    "mine": pgettext_lazy("ticket queue", "Mine"),
    "unassigned": pgettext_lazy("ticket queue", "Unassigned"),
    "open": pgettext_lazy("ticket queue", "All open"),
    "escalated": pgettext_lazy("ticket queue", "Escalated"),
    "breached": pgettext_lazy("ticket queue", "SLA breached"),
    "resolved": pgettext_lazy("ticket queue", "Resolved"),
}
SUPERVISOR_VIEWS = frozenset({"escalated"})
OPEN = sorted(st.OPEN_STATUSES)
DONE = [st.RESOLVED, st.CLOSED]
COUNT_CAP = 1000

_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE_LIKE = re.compile(r"^(\+86|0086)?\d{11}$")


def supervises(user) -> bool:
    return user.has_perm(roles.SUPERVISE_TICKETS)


def default_view(user) -> str:
    """Mine when the agent has open tickets, else the unassigned ones to pick from."""
    mine = Ticket.objects.filter(assignee=user, status__in=OPEN).exists()
    return "mine" if mine else "unassigned"


def view_filter(view: str, user, now: datetime) -> Q:
    open_ = Q(status__in=OPEN)
    if view == "mine":
        return open_ & Q(assignee=user)
    if view == "unassigned":
        return open_ & Q(assignee__isnull=True)
    if view == "escalated":
        return open_ & Q(escalation_level__gte=1)
    if view == "breached":
        # A breached clock keeps running with its due time, so the nearest due time is past exactly when a
        # target is breached — stamped by the sweep or not yet.
        return open_ & Q(next_due_at__lte=now)
    if view == "resolved":
        return Q(status__in=DONE)
    return open_


def search_filter(raw: str) -> Q | None:
    """A ticket number, an order number, the customer's mobile (11 digits; spaces, dashes and +86 allowed), or
    words of the subject (every word must appear). The number lookups are indexed and joined by UNION ALL; a
    mobile number is looked up only as one (and as a ticket or order number), not among the subjects."""
    query = (raw or "").strip()
    if not query:
        return None
    compact = _SEPARATORS.sub("", query)
    refs = sorted({query, compact, query.upper(), compact.upper()})
    tickets = Ticket.objects.order_by()
    found = [tickets.filter(number__in=refs), tickets.filter(order__number__in=refs)]
    mobile = None
    if _PHONE_LIKE.match(compact):
        with contextlib.suppress(ValueError):  # 11 digits that are no mobile number: an order number, perhaps
            mobile = normalise_phone(compact)
            found.append(tickets.filter(customer__phone=mobile))
    ids = [branch.values("pk") for branch in found]
    by_reference = Q(pk__in=ids[0].union(*ids[1:], all=True))
    if mobile:  # the indexed lookups only, not a scan of every subject
        return by_reference
    words = Q()
    for word in query.split():
        words &= Q(subject__icontains=word)
    return by_reference | words


@dataclass(frozen=True)
class QueueFilters:
    view: str
    queue: str = ""
    priority: int | None = None
    channel: str = ""
    q: str = ""


def queue(filters: QueueFilters, user, now: datetime) -> tuple[QuerySet, QuerySet]:
    """(ordered ids, counted): the tickets under the filters, most urgent first — priority, then the nearest SLA
    due time, then the oldest; the resolved and closed ones latest first. Agents who do not supervise never see the
    customer-care team's queue, except the tickets given to them."""
    counted = Ticket.objects.filter(view_filter(filters.view, user, now))
    if filters.queue:
        counted = counted.filter(queue__code=filters.queue)
    if filters.priority:
        counted = counted.filter(priority=filters.priority)
    if filters.channel:
        counted = counted.filter(channel=filters.channel)
    if not supervises(user):
        counted = counted.filter(Q(queue__care_team=False) | Q(assignee=user))
    found = search_filter(filters.q)
    if found is not None:
        counted = counted.filter(found)
    if filters.view == "resolved":
        ids = counted.order_by(Coalesce("resolved_at", "closed_at").desc(), "-id")
    else:
        ids = counted.order_by("priority", F("next_due_at").asc(nulls_last=True), "created_at", "id")
    return ids.values_list("pk", flat=True), counted.order_by()
