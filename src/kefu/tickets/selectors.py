"""Reads of tickets that more than one page or endpoint needs."""

from __future__ import annotations

from .models import Kind, Ticket


def customer_tickets(customer):
    """The tickets a customer sees: their own, without the care team's internal tasks about them."""
    return Ticket.objects.filter(customer=customer).exclude(kind=Kind.CARE_TASK)
