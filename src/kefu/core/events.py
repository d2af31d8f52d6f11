"""Domain events. `emit` writes to the outbox inside the caller's transaction; subscribers react later.

    @subscriber("order.status_changed")
    def push_to_order_page(event): ...

After commit the dispatcher is nudged (the `dispatch_outbox` Celery task: run inline in the
embedded default, by a worker with Redis); a periodic duty sweeps anything a crash left behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from . import clock
from .models import OutboxEvent

Handler = Callable[[OutboxEvent], None]
_subscribers: dict[str, dict[str, Handler]] = defaultdict(dict)


def subscriber(topic: str):
    """Register a handler for a topic. Its dotted name is its identity in OutboxDelivery."""

    def register(func: Handler) -> Handler:
        _subscribers[topic][f"{func.__module__}.{func.__qualname__}"] = func
        return func

    return register


def subscribers_of(topic: str) -> dict[str, Handler]:
    return dict(_subscribers.get(topic, {}))


def emit(topic: str, payload: dict) -> OutboxEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change it reports")
    at = clock.now()
    event = OutboxEvent.objects.create(topic=topic, payload=payload, created_at=at, available_at=at)
    transaction.on_commit(_nudge_dispatcher)
    return event


def emit_many(topic: str, payloads: list[dict]) -> int:
    """Many events of one topic in one INSERT (set-based duties such as the SLA sweep)."""
    if not payloads:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit_many() must run inside the transaction of the change it reports")
    at = clock.now()
    OutboxEvent.objects.bulk_create([OutboxEvent(topic=topic, payload=p, created_at=at, available_at=at)
                                     for p in payloads], batch_size=2000)
    transaction.on_commit(_nudge_dispatcher)
    return len(payloads)


def _nudge_dispatcher() -> None:
    from .tasks import dispatch_outbox

    dispatch_outbox.delay()
