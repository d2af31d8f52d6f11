"""The delivery promise (应时配送: on time, neither late nor early [seed 000 §1.2.4]) — pure rules."""

from __future__ import annotations

from datetime import datetime

from .order_states import CANCELLED


def is_late(*, promised_end: datetime | None, signed_at: datetime | None, now: datetime,
            order_status: str = "") -> bool:
    """Past the promised window and still not signed for. No promise, signed or cancelled: not late."""
    if order_status == CANCELLED or signed_at is not None or promised_end is None:
        return False
    return now > promised_end


def mark_late(orders, now: datetime) -> None:
    """Set `is_late` on each prefetched shipment of these orders, so templates need no clock."""
    for order in orders:
        for shipment in order.shipments.all():
            shipment.is_late = is_late(promised_end=shipment.promised_end, signed_at=shipment.signed_at,
                                       now=now, order_status=order.status)
