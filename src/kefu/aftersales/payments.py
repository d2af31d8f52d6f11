"""The payment side of refunds: each requested refund goes out to a payment gateway; its answers come back.

Out. services/refunds.py announces every ledger row on the outbox topic `refund.requested`; subscribers.py
hands it to `hand_over`. KEFU_PAYMENT_GATEWAY chooses where money goes
(docs/decisions/0005-payment-gateway-adapter.md):
- "simulated" (the default; the demo and the tests): the gateway answers at once — the refund is marked
  sent under a reference of ours, then confirmed (which closes the case when nothing else is owed).
- "webhook": the refund is POSTed as JSON to KEFU_PAYMENT_WEBHOOK_URL, signed with HMAC-SHA256 under
  KEFU_PAYMENT_WEBHOOK_SECRET (`signature`). A 2xx marks it sent; anything else raises, so the outbox
  keeps the delivery and retries it with backoff. The outbox is at-least-once (a crash between the POST
  and the commit sends it again): the refund's idempotency key travels in the body and in the
  Idempotency-Key header, so the payment side can drop a repeat.
Points (京豆) are kefu's own currency and never leave kefu: whichever gateway, a points refund is settled
here at once (sent, then confirmed; `Refund.points` says how many).

In. The payment side answers through POST /api/v1/payments/refunds/{idempotency_key} (api.py), which calls
`record_answer`: the same answer twice changes nothing, a contradictory one is a Conflict.

The gateway's network call runs inside the outbox delivery's transaction (core/outbox.py commits the
delivery row and the handler's writes together). On SQLite that transaction holds the database's write
lock for the call, hence the short timeout (KEFU_PAYMENT_WEBHOOK_TIMEOUT, 5 s); a webhook deployment
belongs on PostgreSQL, where only the delivery row is held meanwhile.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Protocol
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from kefu.core import clock
from kefu.core.errors import Conflict

from . import case_states as st
from .models import Refund, RefundMethod
from .services.refunds import mark_refund_confirmed, mark_refund_failed, mark_refund_sent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kefu-Signature"
TIMESTAMP_HEADER = "X-Kefu-Timestamp"
ANSWERS = (st.SENT, st.CONFIRMED, st.FAILED)


class PaymentGatewayError(RuntimeError):
    """The payment side did not take the refund; the outbox will offer it again later."""


class Gateway(Protocol):
    def send(self, refund: Refund) -> None: ...


# --- out: the refund message and its signature -----------------------------------------------------

def answer_path(refund: Refund) -> str:
    return f"/api/v1/payments/refunds/{quote(refund.idempotency_key, safe=':')}"


def refund_message(refund: Refund) -> dict:
    """What the payment side needs to pay the money back: the amount and the payments it came from."""
    order = refund.order
    return {
        "idempotency_key": refund.idempotency_key,
        "refund_id": refund.pk,
        "amount": f"{refund.amount:.2f}",
        "currency": "CNY",
        "kind": refund.kind,
        "method": refund.method,
        "order": order.number,
        "order_external_id": order.external_id,
        "case": refund.case.number if refund.case_id else None,
        "requested_at": timezone.localtime(refund.created_at).isoformat(),
        "payments": [{"channel": p.channel, "transaction_id": p.transaction_id, "amount": f"{p.amount:.2f}"}
                     for p in order.payments.order_by("paid_at", "id")],
        "answer_path": answer_path(refund),
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "<timestamp>.<body>": the timestamp is signed so a captured request
    cannot be replayed later with a fresh one."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _actor(gateway: str) -> str:
    return f"payment:{gateway}"


# --- gateways ------------------------------------------------------------------------------------------

class SimulatedGateway:
    """Pays at once, for the demo and the tests; its references start with SIM."""

    def send(self, refund: Refund) -> None:
        reference = "SIM" + hashlib.sha256(refund.idempotency_key.encode()).hexdigest()[:16].upper()
        mark_refund_sent(refund, external_ref=reference, by=_actor("simulated"))
        mark_refund_confirmed(refund, by=_actor("simulated"))


class WebhookGateway:
    def __init__(self, url: str, secret: str, timeout: float):
        if not url or not secret:
            raise ImproperlyConfigured("KEFU_PAYMENT_GATEWAY=webhook needs KEFU_PAYMENT_WEBHOOK_URL and "
                                       "KEFU_PAYMENT_WEBHOOK_SECRET")
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, refund: Refund) -> None:
        body = json.dumps(refund_message(refund), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": refund.idempotency_key,
                   TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(self.secret, timestamp, body)}
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise PaymentGatewayError(f"the payment webhook could not be reached: {exc!r}") from exc
        if not response.is_success:
            raise PaymentGatewayError(f"the payment webhook answered {response.status_code} for "
                                      f"{refund.idempotency_key}")
        mark_refund_sent(refund, external_ref=_external_ref(response), by=_actor("webhook"))


def _external_ref(response: httpx.Response) -> str:
    """The payment side's reference, when its 2xx answer is a JSON object that gives one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    ref = body.get("external_ref") if isinstance(body, dict) else None
    return ref[:64] if isinstance(ref, str) else ""


def gateway_name() -> str:
    return getattr(settings, "KEFU_PAYMENT_GATEWAY", "simulated")


def gateway() -> Gateway:
    name = gateway_name()
    if name == "simulated":
        return SimulatedGateway()
    if name == "webhook":
        return WebhookGateway(getattr(settings, "KEFU_PAYMENT_WEBHOOK_URL", ""),
                              getattr(settings, "KEFU_PAYMENT_WEBHOOK_SECRET", ""),
                              float(getattr(settings, "KEFU_PAYMENT_WEBHOOK_TIMEOUT", 5)))
    raise ImproperlyConfigured(f"KEFU_PAYMENT_GATEWAY is 'simulated' or 'webhook', not {name!r}")


def credit_points(refund: Refund) -> None:
    """京豆 are kefu's to give: settled at once, with the number of points as the reference."""
    mark_refund_sent(refund, external_ref=f"points:{refund.points}", by="kefu:points")
    mark_refund_confirmed(refund, by="kefu:points")


def hand_over(refund_id: int) -> None:
    """Give one requested refund to the payment side (the `refund.requested` subscriber's work)."""
    refund = Refund.objects.select_related("order", "case").filter(pk=refund_id).first()
    if refund is None or refund.status != st.PENDING:
        # Answered before the outbox got to it (an agent in the back office, an early callback): no money
        # may be asked for twice.
        log.info("refund %s is no longer pending; nothing to hand over", refund_id)
        return
    if refund.method == RefundMethod.POINTS:
        credit_points(refund)
    else:
        gateway().send(refund)


# --- in: the payment side's answer --------------------------------------------------------------------

@transaction.atomic
def record_answer(refund: Refund, status: str, *, external_ref: str = "", reason: str = "",
                  by: str) -> tuple[Refund, bool]:
    """Apply the payment side's answer; returns (refund, changed).

    The same answer again, or a late `sent` after `confirmed` (deliveries cross), changes nothing. An answer
    that contradicts an earlier final one (confirmed after failed, failed after confirmed) is a Conflict.
    `confirmed` for a refund never reported sent records both steps (the payment side may skip one)."""
    if status not in ANSWERS:
        raise ValueError(f"an answer is one of {ANSWERS}")
    current = refund.status
    if status == current or (status == st.SENT and current == st.CONFIRMED):
        return refund, False
    if current in (st.CONFIRMED, st.FAILED):
        raise Conflict(f"refund {refund.idempotency_key} was already reported {current}; it cannot now be "
                       f"{status}. A failed refund is asked for again under a new key.", field="status",
                       code="contradicts_earlier_answer")
    if status == st.FAILED:
        return mark_refund_failed(refund, reason=reason, by=by), True
    refund = mark_refund_sent(refund, external_ref=external_ref, by=by)
    if status == st.CONFIRMED:
        refund = mark_refund_confirmed(refund, external_ref=external_ref, by=by)
    return refund, True


def may_answer(integration, refund: Refund) -> bool:
    """A refund is answered by the shop whose order it is, or by a payment integration named in
    KEFU_PAYMENT_INTEGRATIONS (the payment provider's own token); other shops do not see it."""
    if refund.order.integration_id is not None and refund.order.integration_id == integration.pk:
        return True
    return integration.name in getattr(settings, "KEFU_PAYMENT_INTEGRATIONS", [])


# --- configuration check (manage.py check, and every start) ------------------------------------------

@checks.register()
def check_payment_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        gateway()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="see docs/decisions/0005-payment-gateway-adapter.md",
                             id="kefu.aftersales.E001")]
    return []
