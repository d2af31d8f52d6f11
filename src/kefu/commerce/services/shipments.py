"""Shipments and their tracking events. A 'signed' event delivers the order."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from kefu.core import events
from kefu.core.errors import DomainError

from ..models import Order, Shipment, TrackingCode, TrackingEvent
from ..order_states import DELIVERED, SHIPPED
from .orders import transition


@transaction.atomic
def add_tracking_event(shipment: Shipment, *, occurred_at: datetime, place: str, code: str,
                       exception_kind: str = "", description: str = "", actor=None) -> tuple[TrackingEvent, bool]:
    """Append an event; replaying the same (time, code) returns the existing one. Returns (event, created)."""
    if code not in TrackingCode.values:
        raise DomainError(f"unknown tracking code {code!r}", field="code")
    if (code == TrackingCode.EXCEPTION) != bool(exception_kind):
        raise DomainError("an exception event needs exception_kind, and only an exception event has one",
                          field="exception_kind")
    existing = TrackingEvent.objects.filter(shipment=shipment, occurred_at=occurred_at, code=code).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(shipment=shipment, occurred_at=occurred_at, place=place,
                                                 code=code, exception_kind=exception_kind,
                                                 description=description)
    except IntegrityError:  # a concurrent replay won the race
        return TrackingEvent.objects.get(shipment=shipment, occurred_at=occurred_at, code=code), False

    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.last_event_at is None or occurred_at >= shipment.last_event_at:
        shipment.last_code, shipment.last_event_at = code, occurred_at
        shipment.exception_kind = exception_kind
    if code == TrackingCode.SIGNED and shipment.signed_at is None:
        shipment.signed_at = occurred_at
    shipment.save(update_fields=["last_code", "last_event_at", "exception_kind", "signed_at"])

    if code == TrackingCode.SIGNED:
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        if order.status == SHIPPED:
            transition(order, DELIVERED, actor=actor or "carrier", at=occurred_at,
                       reason=f"signed for at {place}")
    events.emit("shipment.tracking_event_added", {
        "order": shipment.order.number, "shipment_id": shipment.pk, "event_id": event.pk, "code": code,
        "exception_kind": exception_kind,
    })
    return event, True
