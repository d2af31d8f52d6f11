"""The refund ledger: idempotent requests, capped at what the order paid, sent through the outbox.

- The cap: Σ of an order's refunds that have not failed ≤ order.payable_amount, whatever their method.
  Points (京豆, for price protection or as compensation) count at their yuan value: a price difference
  paid in points is money back on the same order, and counting it keeps a later return from refunding the
  full price on top. Two things are not repayments of the order and stay outside that cap:
  * kind `postage`: the return postage the buyer advanced to a courier, reimbursed when the seller pays
    (seed 001: 退款(郵費+商品費)). A whole-order wrong-item return refunds goods + the order's shipping fee
    (= everything paid) plus this postage, so counting it would refuse a refund the rules grant. It has
    its own cap instead: Σ postage of a case ≤ the postage recorded on the case.
  * goodwill coupons (CompensationCoupon): a discount on a future purchase, not money.
- The cap is enforced inside the transaction after locking the ORDER row (select_for_update), so two
  approvals on two cases of one order run one after the other on PostgreSQL; SQLite serialises writers
  (BEGIN IMMEDIATE) anyway.
- Idempotent: the idempotency key is unique; asking again with the same key returns the existing row and
  changes nothing (no second row, no second event). A failed refund is asked again under a new key
  (`…:retry<n>`), so the payment side never sees a key reused for a different attempt.
- The payment side hears of each refund through the outbox (`refund.requested`, with the key) and answers
  with mark_refund_sent / mark_refund_confirmed / mark_refund_failed (each idempotent as well).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from kefu.commerce.models import Order
from kefu.core import audit, clock, events
from kefu.core.errors import Conflict, DomainError, NotFound
from kefu.core.money import ZERO, money

from .. import case_states as st
from ..models import AfterSalesCase, CompensationCoupon, Refund
from ._common import lock, move, payload, user_or_none

_STAMP = {st.SENT: "sent_at", st.CONFIRMED: "confirmed_at", st.FAILED: "failed_at"}


def refunded_total(order: Order | int) -> Decimal:
    """Σ of the order's refunds under the cap that have not failed (pending, sent and confirmed all count)."""
    pk = order.pk if isinstance(order, Order) else order
    rows = Refund.objects.filter(order_id=pk).exclude(status=st.FAILED).exclude(kind=Refund.Kind.POSTAGE)
    total = rows.aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def refundable(order: Order) -> Decimal:
    return max(order.payable_amount - refunded_total(order), ZERO)


def _event(refund: Refund) -> dict:
    return {"refund_id": refund.pk, "idempotency_key": refund.idempotency_key, "order": refund.order.number,
            "order_id": refund.order_id, "case": refund.case.number if refund.case_id else None,
            "amount": f"{refund.amount:.2f}", "kind": refund.kind, "method": refund.method, "status": refund.status}


@transaction.atomic
def request_refund(order: Order, amount: Decimal, *, kind: str, method: str, key: str,
                   case: AfterSalesCase | None = None, by=None, reason: str = "") -> tuple[Refund, bool]:
    """One ledger row. Returns (refund, created); the same key again returns the first row unchanged."""
    amount = money(amount)
    if amount <= 0:
        raise DomainError("a refund is a positive amount", field="amount")
    if kind not in Refund.Kind.values:
        raise DomainError(f"kind must be one of {', '.join(Refund.Kind.values)}", field="kind")
    if method not in ("original_payment", "points"):
        raise DomainError("method must be original_payment or points", field="method")
    if case is not None and case.order_id != order.pk:
        raise DomainError(f"case {case.number} belongs to another order", field="case")
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    order = Order.objects.select_for_update().get(pk=order.pk)  # serialises every refund of this order
    existing = Refund.objects.filter(idempotency_key=key).first()  # asked meanwhile, by the lock's holder
    if existing is not None:
        return existing, False
    if kind == Refund.Kind.POSTAGE:
        _check_postage(case, amount)
    already = refunded_total(order)
    if kind != Refund.Kind.POSTAGE and already + amount > order.payable_amount:
        raise Conflict(f"refunds of order {order.number} would reach ¥{already + amount:.2f}, more than the "
                       f"¥{order.payable_amount:.2f} paid (¥{max(order.payable_amount - already, ZERO):.2f} left)",
                       field="amount", code="over_refund")
    try:
        with transaction.atomic():
            refund = Refund.objects.create(order=order, case=case, amount=amount, kind=kind, method=method,
                                           idempotency_key=key, created_at=clock.now())
    except IntegrityError:
        return Refund.objects.get(idempotency_key=key), False
    audit.money_changed(refund, "amount", None, amount, actor=by, reason=reason or key)
    audit.status_changed(refund, None, st.PENDING, actor=by, reason=reason or key)
    events.emit("refund.requested", _event(refund))
    return refund, True


def _check_postage(case: AfterSalesCase | None, amount: Decimal) -> None:
    if case is None:
        raise DomainError("return postage is reimbursed for a case", field="case")
    paid = Refund.objects.filter(case=case, kind=Refund.Kind.POSTAGE).exclude(status=st.FAILED)
    already = paid.aggregate(s=Sum("amount"))["s"] or ZERO
    if already + amount > case.return_postage:
        raise Conflict(f"the buyer advanced ¥{case.return_postage:.2f} of return postage; ¥{already:.2f} is "
                       "already reimbursed", field="amount", code="over_refund")


def _open_key(case: AfterSalesCase, kind: str) -> str:
    """The key for this case's next attempt at a refund of `kind`: a failed attempt gets a successor."""
    base = f"case:{case.number}:{kind}"
    failed = Refund.objects.filter(case=case, kind=kind, status=st.FAILED).count()
    return base if failed == 0 else f"{base}:retry{failed}"


def owed(case: AfterSalesCase) -> dict[str, Decimal]:
    """What this case still has to refund, per ledger kind, given the rows that have not failed."""
    if case.status in {st.REJECTED, st.DECLINED, st.CANCELLED}:
        return {}
    rows = Refund.objects.filter(case=case).exclude(status=st.FAILED)
    done = {k: v for k, v in rows.order_by().values_list("kind").annotate(s=Sum("amount"))}
    due = {Refund.Kind.GOODS: case.refund_goods, Refund.Kind.SHIPPING: case.refund_order_shipping,
           Refund.Kind.POSTAGE: case.refund_postage}
    return {kind: amount - done.get(kind, ZERO) for kind, amount in due.items() if amount - done.get(kind, ZERO) > 0}


ISSUE_FROM = {st.APPROVED, st.ACCEPTED, st.PARTLY_ACCEPTED, st.RESHIPPING, st.REPAIRING, st.REFUNDING}
NO_RETURN = {"refund_missing", "refund_difference", "partial_refund_offer"}


@transaction.atomic
def issue_refund(case: AfterSalesCase, *, by=None) -> list[Refund]:
    """Put the case's decided refund (goods and shipping) on the ledger and move it to refunding.

    From approved only when nothing travels back (a missing item, a price difference, an accepted minor-fault
    offer); otherwise after the inspection. Calling it again changes nothing (same keys)."""
    case = lock(case)
    if case.status not in ISSUE_FROM or (case.status == st.APPROVED and case.resolution not in NO_RETURN):
        raise Conflict(f"a case that is {case.status} cannot be refunded yet", field="status",
                       code="invalid_transition")
    due = owed(case)
    existing = list(Refund.objects.filter(case=case).exclude(status=st.FAILED))
    if not due and not existing:
        raise Conflict("this case has nothing to refund", field="refund_total")
    refunds = []
    for kind, amount in due.items():
        method = case.refund_method if kind == Refund.Kind.GOODS else "original_payment"
        refund, _created = request_refund(case.order, amount, kind=kind, method=method, key=_open_key(case, kind),
                                          case=case, by=by, reason=f"{case.number} {case.policy_rule}")
        refunds.append(refund)
    if case.status != st.REFUNDING and refunds:
        move(case, st.REFUNDING, by=by, reason="refund issued")
    return refunds or existing


def _lock_refund(refund: Refund | int) -> Refund:
    pk = refund.pk if isinstance(refund, Refund) else refund
    row = Refund.objects.filter(pk=pk).values("case_id").first()
    if row is None:
        raise NotFound("no such refund", field="refund")
    if row["case_id"]:
        lock(row["case_id"])  # case before refund, the order every service takes its locks in
    return Refund.objects.select_for_update(of=("self",)).select_related("order", "case").get(pk=pk)


def _answer(refund: Refund | int, target: str, *, by=None, reason: str = "", external_ref: str = "") -> Refund:
    refund = _lock_refund(refund)
    if refund.status == target:
        return refund  # the payment side said it twice
    current = refund.status
    st.REFUND.check(current, target)
    refund.status = target
    setattr(refund, _STAMP[target], clock.now())
    if external_ref:
        refund.external_ref = external_ref[:64]
    if target == st.FAILED:
        refund.failure_reason = reason[:300]
    refund.save()
    audit.status_changed(refund, current, target, actor=by or "payment", reason=reason)
    events.emit("refund.status_changed", {**_event(refund), "from": current})
    return refund


@transaction.atomic
def mark_refund_sent(refund, *, external_ref: str = "", by=None) -> Refund:
    return _answer(refund, st.SENT, by=by, external_ref=external_ref)


@transaction.atomic
def mark_refund_failed(refund, *, reason: str, by=None) -> Refund:
    """The money did not go out: the row stops counting against the cap; issue_refund asks again."""
    return _answer(refund, st.FAILED, by=by, reason=reason)


@transaction.atomic
def mark_refund_confirmed(refund, *, external_ref: str = "", by=None) -> Refund:
    """The money arrived. When it was the case's last open refund and nothing else is due, the case closes."""
    refund = _answer(refund, st.CONFIRMED, by=by, external_ref=external_ref)
    case = refund.case
    if case is not None:
        case = lock(case)
        if case.status == st.REFUNDING and not outstanding(case):
            move(case, st.CLOSED, by=by or "payment", reason="refund confirmed")
    return refund


def outstanding(case: AfterSalesCase) -> list[str]:
    """What keeps the case from closing: 'refund' (owed or not yet confirmed), 'replacement' (not sent),
    'replacement_recovery' (an early replacement not yet sent back, paid for or written off)."""
    left = []
    if owed(case) or Refund.objects.filter(case=case, status__in=[st.PENDING, st.SENT]).exists():
        left.append("refund")
    replacing = case.resolution in {"exchange", "reship"} and case.status not in {st.REJECTED, st.DECLINED}
    if replacing and case.replacement_sent_at is None:
        left.append("replacement")
    if case.replacement_recovery == "open":
        left.append("replacement_recovery")
    return left


@transaction.atomic
def grant_points(case: AfterSalesCase, amount: Decimal, *, by=None, reason: str = "") -> Refund:
    """京豆 as compensation (seed 002), valued in yuan; one grant per case, counted against the cap."""
    case = lock(case)
    refund, _created = request_refund(case.order, amount, kind=Refund.Kind.COMPENSATION, method="points",
                                      key=f"case:{case.number}:compensation", case=case, by=by,
                                      reason=reason or "compensation")
    return refund


@transaction.atomic
def grant_coupon(case: AfterSalesCase, face_value: Decimal, *, by=None, valid_days: int = 30) -> CompensationCoupon:
    """A goodwill coupon for the next purchase; one per case (asking again returns it)."""
    case = lock(case)
    existing = CompensationCoupon.objects.filter(case=case).first()
    if existing is not None:
        return existing
    face_value = money(face_value)
    if face_value <= 0:
        raise DomainError("a coupon has a positive face value", field="face_value")
    now = clock.now()
    coupon = CompensationCoupon.objects.create(
        case=case, customer_id=case.customer_id, code=f"CP{case.number}{secrets.token_hex(3).upper()}",
        face_value=face_value, issued_at=now, expires_at=now + timedelta(days=valid_days), issued_by=user_or_none(by))
    audit.money_changed(coupon, "face_value", None, face_value, actor=by, reason=f"compensation {case.number}")
    events.emit("case.coupon_granted", payload(case, code=coupon.code, face_value=f"{face_value:.2f}"))
    return coupon
