"""Support for the ticket API tests: calls as a client makes them (reused from the after-sales API tests), and
a snapshot of everything the ticket services write, to show that a refused request wrote nothing."""

from __future__ import annotations

from kefu.contact.models import Handover, HandoverItem
from kefu.core.models import AuditEntry, OutboxEvent
from kefu.tickets.models import FollowUpVisit, SlaClock, Ticket, TicketMessage
from tests.aftersales.api_support import locs, logged_in, post  # noqa: F401  (re-exported)

API = "/api/v1"


def written() -> dict:
    counts = {model.__name__: model.objects.count() for model in (
        Ticket, TicketMessage, SlaClock, FollowUpVisit, AuditEntry, OutboxEvent, Handover, HandoverItem)}
    tickets = list(Ticket.objects.order_by("pk").values_list(
        "status", "flow", "assignee", "escalation_level", "queue", "next_step", "updated_at", "merged_into"))
    visits = list(FollowUpVisit.objects.order_by("pk").values_list("status", "csat"))
    return {"counts": counts, "tickets": tickets, "visits": visits}


def detail(response) -> list:
    return response.json()["detail"]
