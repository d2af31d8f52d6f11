"""Reads for the assistant: the FAQ index, the customer's own orders and cases, the supervisors' review list.

Every read about a customer takes the customer and filters by them in SQL: a question never reaches
another customer's order, whatever order number it names.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum

from kefu.aftersales.models import AfterSalesCase, Refund
from kefu.commerce.models import Customer, Order, OrderLine, OrderStatus, Shipment, TrackingEvent

from .models import AskedQuestion, FaqEntry, Outcome
from .normalise import normalise
from .retrieval import FaqDoc, FaqIndex

# KF2026112301, JD0000123…: letters then digits, as order numbers are written in questions.
ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{0,4}\d{8,28})(?![A-Za-z0-9])")
RECENT_CASES = 5
PRICE_PROTECTION_ORDERS = 10


# --- the FAQ index --------------------------------------------------------------------------------------

def faq_docs() -> list[FaqDoc]:
    """Active entries as the index needs them; the searchable text is question + alternatives + answer."""
    docs = []
    for entry in FaqEntry.objects.filter(is_active=True).order_by("id"):
        text = "\n".join([entry.question, *entry.alternative_list, entry.answer])
        docs.append(FaqDoc(id=entry.pk, key=entry.key, question=entry.question, intent=entry.intent,
                           channels=frozenset(entry.channels), text=normalise(text), answer=entry.answer))
    return docs


@dataclass
class _Cached:
    stamp: tuple | None = None
    index: FaqIndex | None = None


_cached = _Cached()
_cache_lock = threading.Lock()


def _stamp() -> tuple:
    """Changes whenever an entry is added, removed or saved (each save raises its version)."""
    row = FaqEntry.objects.aggregate(n=Count("id"), versions=Sum("version"), last=Max("updated_at"))
    return row["n"], row["versions"], row["last"]


def faq_index() -> FaqIndex:
    """The index of the active entries, rebuilt when the knowledge base changed (one small query a call, so
    every process sees an edit at once)."""
    stamp = _stamp()
    with _cache_lock:
        if _cached.stamp != stamp or _cached.index is None:
            _cached.index, _cached.stamp = FaqIndex(faq_docs()), stamp
        return _cached.index


def active_entries(category: str | None = None) -> list[FaqEntry]:
    entries = FaqEntry.objects.filter(is_active=True).order_by("id")
    return list(entries.filter(category=category) if category else entries)


# --- the customer's own data ------------------------------------------------------------------------------

def named_order_number(text: str) -> str | None:
    match = ORDER_NUMBER.search(text or "")
    return match.group(1).upper() if match else None


def own_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's orders, newest first (nothing else loaded)."""
    return Order.objects.filter(customer=customer).order_by("-placed_at", "-id")


def _with_tracking(orders: QuerySet[Order]) -> QuerySet[Order]:
    """3 queries: the order, its shipments with their carrier, their events in time order."""
    events = Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))
    return orders.prefetch_related(
        Prefetch("shipments", queryset=Shipment.objects.select_related("carrier").prefetch_related(events)))


def order_for(customer: Customer, text: str, *, exclude_statuses: tuple[str, ...] = ()) -> Order | None:
    """The order a question is about: the one it names, if it is the customer's; otherwise the newest
    (outside `exclude_statuses`). A number that is not theirs reads as not named, never as found."""
    orders = _with_tracking(own_orders(customer))
    number = named_order_number(text)
    if number:
        named = orders.filter(number__iexact=number).first()
        if named is not None:
            return named
    if exclude_statuses:
        orders = orders.exclude(status__in=exclude_statuses)
    return orders.first()


def price_protection_candidates(customer: Customer) -> list[Order]:
    """Recent paid orders (price protection is for goods already paid for or on their way)."""
    unpaid = [OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED]
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("sku__product").order_by("id"))
    return list(own_orders(customer).exclude(status__in=unpaid).prefetch_related(lines)[:PRICE_PROTECTION_ORDERS])


def price_protected_lines(customer: Customer) -> dict[int, str]:
    """Order line id -> the number of a price-protection case already asked for it (not declined or
    cancelled), so the assistant does not offer the same difference twice."""
    rows = (AfterSalesCase.objects.filter(customer=customer, kind="price_protection")
            .exclude(status__in=["declined", "cancelled"]).values_list("lines__order_line", "number"))
    return {line: number for line, number in rows if line is not None}


def recent_cases(customer: Customer, limit: int = RECENT_CASES) -> list[AfterSalesCase]:
    """The customer's newest after-sales cases with their refunds, open ones first."""
    refunds = Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id"))
    cases = (AfterSalesCase.objects.filter(customer=customer).select_related("order").prefetch_related(refunds)
             .order_by("-created_at", "-id")[: limit * 4])
    ordered = sorted(cases, key=lambda c: (not c.is_open, -c.created_at.timestamp(), -c.pk))
    return ordered[:limit]


# --- the supervisors' list ------------------------------------------------------------------------------

def needs_review(threshold: float) -> QuerySet[AskedQuestion]:
    """Questions not yet reviewed that the assistant could not answer, or answered with low confidence."""
    weak = Q(outcome=Outcome.UNANSWERED) | Q(confidence__lt=threshold)
    return AskedQuestion.objects.filter(weak, reviewed_at__isnull=True).order_by("-asked_at", "-id")


# --- exchanges waiting to be carried into a live chat ---------------------------------------------------

CHAT_EXCHANGES_KEPT = 20


def waiting_exchanges(customer: Customer, since) -> list[AskedQuestion]:
    """The customer's chat-window questions since `since` not yet carried into a live chat, oldest first (the
    latest CHAT_EXCHANGES_KEPT)."""
    rows = list(AskedQuestion.objects.filter(customer=customer, channel="chat", handed_to="", asked_at__gte=since)
                .select_related("faq").order_by("-asked_at", "-id")[:CHAT_EXCHANGES_KEPT])
    return rows[::-1]
