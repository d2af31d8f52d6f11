"""What the ticket services share: locking a ticket, moving its status one audited step, event payloads."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from kefu.core import audit, clock, events
from kefu.core.errors import DomainError, NotFound

from .. import ticket_states as st
from ..models import Ticket

_TIMESTAMP_FOR = {st.RESOLVED: "resolved_at", st.CLOSED: "closed_at"}
BODY_LIMIT = 20_000


def user_or_none(by):
    return by if isinstance(by, AbstractBaseUser) else None


def lock(ticket: Ticket | int) -> Ticket:
    """The ticket row, re-read under a row lock: call inside a transaction."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        return Ticket.objects.select_for_update(of=("self",)).select_related("customer", "queue").get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("no such ticket", field="ticket") from None


def payload(ticket: Ticket, **extra) -> dict:
    return {"ticket": ticket.number, "ticket_id": ticket.pk, "customer_id": ticket.customer_id,
            "queue": ticket.queue.code, "priority": ticket.priority, **extra}


def move(ticket: Ticket, target: str, *, by=None, reason: str = "", at: datetime | None = None) -> str:
    """One step of the status machine on a locked row: checked, saved, audited, announced. Returns the old
    status. The SLA clocks follow the status category (see sla.follow_status)."""
    from . import sla

    current = ticket.status
    st.TICKET.check(current, target)
    at = at or clock.now()
    ticket.status = target
    ticket.updated_at = at
    if target in _TIMESTAMP_FOR:
        setattr(ticket, _TIMESTAMP_FOR[target], at)
    ticket.save()
    audit.status_changed(ticket, current, target, actor=by, reason=reason)
    events.emit("ticket.status_changed", payload(ticket, **{"from": current, "to": target, "at": at.isoformat(),
                                                           "reason": reason}))
    sla.follow_status(ticket, current, target, at)
    return current


def text(value: str, field: str, *, required: bool = True, limit: int = BODY_LIMIT) -> str:
    """Customer or agent text, stripped; a clear error when it is empty or too long."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError("this cannot be empty", field=field, code="required")
    if len(value) > limit:
        raise DomainError(f"at most {limit} characters", field=field, code="too_long")
    return value


def customer_of(by):
    """The commerce.Customer behind a signed-in buyer, else None."""
    user = user_or_none(by)
    return getattr(user, "customer", None) if user is not None else None


def touch(ticket: Ticket, at: datetime) -> None:
    ticket.updated_at = at
    ticket.save(update_fields=["updated_at"])
