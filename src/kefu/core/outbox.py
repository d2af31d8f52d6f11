"""The outbox dispatcher: hands each committed event to its subscribers, once each, with retries."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from . import clock
from .events import subscribers_of
from .models import OutboxDelivery, OutboxEvent

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at one hour."""
    exponent = min(max(attempts - 1, 0), 20)  # 5 s × 2**20 is far past the cap already
    return min(timedelta(seconds=5 * 2**exponent), MAX_BACKOFF)


def _claim(event_id: int) -> bool:
    """Take a lease on one event with a conditional UPDATE: works the same on SQLite and PostgreSQL."""
    now = clock.now()
    return bool(
        OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )


def dispatch_one(event: OutboxEvent) -> bool:
    """Deliver to every subscriber not yet served. True when the event is fully dispatched."""
    done = set(event.deliveries.values_list("subscriber", flat=True))
    error = ""
    for name, handler in subscribers_of(event.topic).items():
        if name in done:
            continue
        try:
            with transaction.atomic():
                # The delivery row and the handler's own writes commit together or not at all.
                OutboxDelivery.objects.create(event=event, subscriber=name, delivered_at=clock.now())
                handler(event)
        except IntegrityError:
            continue  # another dispatcher delivered it meanwhile
        except Exception as exc:  # a subscriber failing must not stop the others
            log.exception("outbox subscriber %s failed on event %s", name, event.pk)
            error = f"{name}: {exc!r}"[:2000]
    now = clock.now()
    if error:
        attempts = event.attempts + 1
        OutboxEvent.objects.filter(pk=event.pk).update(
            attempts=attempts, last_error=error, claimed_until=None, available_at=now + backoff(attempts)
        )
        return False
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=now, claimed_until=None, last_error="")
    return True


def dispatch_pending(limit: int = 500) -> int:
    """Dispatch due events, oldest first. Returns how many were fully dispatched."""
    ids = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True, available_at__lte=clock.now())
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    dispatched = 0
    for event_id in ids:
        if not _claim(event_id):
            continue
        event = OutboxEvent.objects.get(pk=event_id)
        dispatched += dispatch_one(event)
    return dispatched


def pending_count() -> int:
    return OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
