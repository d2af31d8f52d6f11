"""What the case services share: locking a case, moving it one audited step, naming the actor."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from kefu.core import audit, clock, events
from kefu.core.errors import NotFound

from .. import case_states as st
from ..models import AfterSalesCase

_TIMESTAMP_FOR = {st.APPROVED: "approved_at", st.CLOSED: "closed_at", st.CANCELLED: "cancelled_at"}


def user_or_none(by):
    """The user row behind an actor (FK fields), None for system actors given as strings."""
    return by if isinstance(by, AbstractBaseUser) else None


def lock(case: AfterSalesCase | int) -> AfterSalesCase:
    """The case row, re-read under a row lock (select_for_update): call inside a transaction."""
    pk = case.pk if isinstance(case, AfterSalesCase) else case
    try:
        return AfterSalesCase.objects.select_for_update(of=("self",)).select_related("order").get(pk=pk)
    except AfterSalesCase.DoesNotExist:
        raise NotFound("no such after-sales case", field="case") from None


def payload(case: AfterSalesCase, **extra) -> dict:
    return {"case": case.number, "case_id": case.pk, "order": case.order.number, "order_id": case.order_id,
            "customer_id": case.customer_id, **extra}


def move(case: AfterSalesCase, target: str, *, by=None, reason: str = "", at: datetime | None = None) -> None:
    """One step of the case state machine on a locked row: checked, saved, audited, announced."""
    current = case.status
    st.CASE.check(current, target)
    at = at or clock.now()
    case.status = target
    if target in _TIMESTAMP_FOR:
        setattr(case, _TIMESTAMP_FOR[target], at)
    case.save()
    audit.status_changed(case, current, target, actor=by, reason=reason)
    events.emit("case.status_changed", payload(case, **{"from": current, "to": target, "at": at.isoformat(),
                                                       "reason": reason}))


def set_money(case: AfterSalesCase, field: str, new, *, by=None, reason: str = "") -> None:
    """Change one money field of a locked case, with an audit record when it really changes."""
    old = getattr(case, field)
    if old == new:
        return
    setattr(case, field, new)
    audit.money_changed(case, field, old, new, actor=by, reason=reason)
