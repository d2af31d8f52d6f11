"""Order sync: a shop reports an order as it knows it; kefu upserts it, idempotently.

The shop is the source of truth, but kefu's order state machine still rules:

- A new order is created at pending_payment and walked step by step to the reported status
  (`order_states.machine_for(method).path`), each step through `services.orders.transition`, so each
  is audited and emits an event. An existing order walks the same way from where it is; a backwards or
  impossible move is a 409 at `status`. One tolerance: an order that a `signed` tracking event already
  delivered stays delivered while the shop still reports it shipped.
- Every step walked needs its timestamp in the payload: paid → paid_at, shipped → shipped_at,
  delivered → signed_at, completed → completed_at, cancelled → cancelled_at and cancel_reason. A step
  already taken keeps the time it was taken at; later payloads do not move it.
- number, customer, seller and payment_method never change (409). Lines, amounts and placed_at may
  change only while the order awaits payment (409 at `lines` or the amount after that); every changed
  amount is audited. Recipient, address and buyer's note follow the shop.
- The customer is found by phone, or registered (no password) when new; an existing profile is kept.
  Sellers are found by code (name and kind follow the shop); carriers by code.
- Payments upsert by transaction_id; a recorded payment never changes (409). The invoice is created
  or updated, its amount is the payable amount; a VAT invoice needs all four enterprise documents.
  Shipments upsert by (carrier, tracking_number); their events are appended after the status walk
  through `services.shipments.add_tracking_event` (idempotent; a `signed` event delivers the order).
  Payments, shipments and events missing from a payload are left as they are.
- Everything runs in one transaction on the locked order. Each write happens only when something
  differs, so replaying a payload adds no row, no audit entry and no outbox event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError, NotFound

from ..amounts import LineAmounts, Problem, check_amounts
from ..models import (
    Carrier,
    Customer,
    EnterpriseQualification,
    Integration,
    Invoice,
    Order,
    OrderLine,
    Payment,
    Seller,
    Shipment,
    Sku,
    TrackingCode,
    TrackingEvent,
)
from ..order_states import CANCELLED, DELIVERED, PENDING_PAYMENT, SHIPPED, machine_for
from .customers import register_customer
from .orders import payment_deadline_for, transition
from .shipments import add_tracking_event

if TYPE_CHECKING:
    from ..schemas import InvoiceIn, OrderSyncIn, PaymentIn, QualificationIn, ShipmentIn, TrackingEventIn

STEP_TIMESTAMP = {"paid": "paid_at", "shipped": "shipped_at", "delivered": "signed_at",
                  "completed": "completed_at", "cancelled": "cancelled_at"}
AMOUNT_FIELDS = ("goods_amount", "coupon_discount", "points_used", "points_discount", "shipping_fee",
                 "payable_amount")
HEADER_FIELDS = ("recipient_name", "recipient_phone", "shipping_address", "buyer_note")
VAT_DOCUMENTS = {
    "general_taxpayer_certificate": "general taxpayer certificate",
    "business_licence": "business licence",
    "tax_registration_certificate": "tax registration certificate",
    "bank_account_permit": "bank account opening permit",
}


class InvalidOrder(DomainError):
    """The payload breaks several rules at once; `problems` lists every (field, message)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


@dataclass(frozen=True)
class SyncResult:
    order: Order
    created: bool


def actor_for(integration: Integration) -> str:
    return f"sync:{integration.name}"


@transaction.atomic
def sync_order(integration: Integration, external_id: str, data: OrderSyncIn) -> SyncResult:
    """Create or update the order (integration, external_id) to match `data`. See the module docstring."""
    skus = _check_payload(data)
    # Lock the order row only: the joined customer and seller rows are shared with other orders.
    order = (Order.objects.select_for_update(of=("self",)).select_related("customer", "seller")
             .filter(integration=integration, external_id=external_id).first())
    if Order.objects.filter(number=data.number).exclude(pk=order.pk if order else None).exists():
        raise Conflict(f"order number {data.number} already belongs to another order", field="number")
    if order is None:
        steps = machine_for(data.payment_method).path(PENDING_PAYMENT, data.status)
    else:
        _check_unchangeable(order, data)
        steps = _steps_from(order, data.status)
    _check_step_timestamps(steps, data)

    seller = _upsert_seller(data)
    created = order is None
    if created:
        order = _create_order(integration, external_id, data, _customer(data), seller, skus)
    else:
        _update_order(order, data, skus, actor_for(integration))
    _sync_payments(order, data.payments)
    for step in steps:
        transition(order, step, actor=actor_for(integration), at=getattr(data, STEP_TIMESTAMP[step]),
                   reason=f"reported by {integration.name}", cancel_reason=data.cancel_reason or "")
    _sync_invoice(order, data.invoice)
    _sync_shipments(order, data.shipments, actor_for(integration))
    return SyncResult(order=order, created=created)


@transaction.atomic
def append_tracking_events(integration: Integration, carrier_code: str, tracking_number: str,
                           events: list[TrackingEventIn]) -> Shipment:
    """Append events to a shipment of one of this integration's orders; replays change nothing."""
    shipment = (Shipment.objects.select_related("order", "carrier")
                .filter(carrier__code=carrier_code, tracking_number=tracking_number,
                        order__integration=integration).first())
    if shipment is None:
        raise NotFound(f"no shipment {carrier_code}/{tracking_number} on this integration's orders")
    Order.objects.select_for_update().filter(pk=shipment.order_id).first()
    _append_events(shipment, events, actor_for(integration), prefix="")
    return shipment


# --- checks (no writes) ------------------------------------------------------------------------

def _check_payload(data: OrderSyncIn) -> dict[str, Sku]:
    """Every rule that needs no order: amounts add up, SKUs exist, VAT papers, no duplicates."""
    problems = check_amounts(
        [LineAmounts(line.quantity, line.unit_price, line.paid_amount) for line in data.lines],
        goods_amount=data.goods_amount, coupon_discount=data.coupon_discount,
        points_discount=data.points_discount, shipping_fee=data.shipping_fee,
        payable_amount=data.payable_amount, payments=[p.amount for p in data.payments],
    )
    codes = {line.sku for line in data.lines}
    skus = {s.code: s for s in Sku.objects.select_related("product").filter(code__in=codes)}
    problems += [Problem(f"lines[{i}].sku", f"unknown SKU {line.sku!r}")
                 for i, line in enumerate(data.lines) if line.sku not in skus]
    if data.cancel_reason and data.status != CANCELLED:
        problems.append(Problem("cancel_reason", "only a cancelled order has a cancel reason"))
    problems += _duplicates([p.transaction_id for p in data.payments], "payments[{}].transaction_id")
    problems += _duplicates([(s.carrier.code, s.tracking_number) for s in data.shipments],
                            "shipments[{}].tracking_number")
    if data.invoice and data.invoice.kind == Invoice.Kind.VAT:
        problems += _vat_problems(data.invoice)
    if problems:
        raise InvalidOrder(problems)
    return skus


def _duplicates(keys: list, field: str) -> list[Problem]:
    seen: set = set()
    problems = []
    for i, key in enumerate(keys):
        if key in seen:
            problems.append(Problem(field.format(i), "appears twice in this payload"))
        seen.add(key)
    return problems


def _vat_problems(invoice: InvoiceIn) -> list[Problem]:
    if invoice.qualification is None:
        return [Problem("invoice.qualification", "a VAT invoice needs the enterprise's qualification")]
    return [Problem(f"invoice.qualification.{name}", f"a VAT invoice needs the {label}")
            for name, label in VAT_DOCUMENTS.items() if not getattr(invoice.qualification, name)]


def _check_unchangeable(order: Order, data: OrderSyncIn) -> None:
    if order.number != data.number:
        raise Conflict(f"this order was synced as {order.number}; an order number never changes",
                       field="number")
    if order.payment_method != data.payment_method:
        raise Conflict("the payment method of an order never changes", field="payment_method")
    if order.customer.phone != data.customer.phone:
        raise Conflict("an order never moves to another customer", field="customer.phone")
    if order.seller.code != data.seller.code:
        raise Conflict("an order never moves to another seller", field="seller.code")


def _steps_from(order: Order, target: str) -> list[str]:
    if order.status == DELIVERED and target == SHIPPED and TrackingEvent.objects.filter(
            shipment__order=order, code=TrackingCode.SIGNED).exists():
        return []  # the carrier's signed event delivered it before the shop noticed
    return machine_for(order.payment_method).path(order.status, target)


def _check_step_timestamps(steps: list[str], data: OrderSyncIn) -> None:
    problems = [Problem(STEP_TIMESTAMP[step], f"needed to move the order to {step}")
                for step in steps if getattr(data, STEP_TIMESTAMP[step]) is None]
    if CANCELLED in steps and not data.cancel_reason:
        problems.append(Problem("cancel_reason", "needed to cancel the order"))
    if problems:
        raise InvalidOrder(problems)


# --- writes -------------------------------------------------------------------------------------

def _customer(data: OrderSyncIn) -> Customer:
    customer = Customer.objects.filter(phone=data.customer.phone).first()
    if customer is not None:
        return customer
    try:
        return register_customer(name=data.customer.name, phone=data.customer.phone,
                                 email=data.customer.email)
    except DomainError as exc:
        raise type(exc)(exc.message, field=f"customer.{exc.field}" if exc.field else "customer") from exc


def _upsert_seller(data: OrderSyncIn) -> Seller:
    wanted = {"name": data.seller.name, "kind": data.seller.kind}
    seller, created = Seller.objects.get_or_create(code=data.seller.code, defaults=wanted)
    if not created and _differs(seller, wanted):
        _assign(seller, wanted)
        seller.save(update_fields=list(wanted))
    return seller


def _create_order(integration, external_id, data: OrderSyncIn, customer, seller, skus) -> Order:
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=data.number, integration=integration, external_id=external_id, customer=customer,
                seller=seller, status=PENDING_PAYMENT, payment_method=data.payment_method,
                placed_at=data.placed_at,
                payment_deadline=payment_deadline_for(data.placed_at, data.payment_method),
                **{f: getattr(data, f) for f in (*AMOUNT_FIELDS, *HEADER_FIELDS)},
            )
    except IntegrityError as exc:  # a concurrent sync of the same order won the race
        raise Conflict("this order is being synced by another request; retry", field="number") from exc
    _create_lines(order, data, skus)
    return order


def _create_lines(order: Order, data: OrderSyncIn, skus: dict[str, Sku]) -> None:
    OrderLine.objects.bulk_create([
        OrderLine(order=order, sku=skus[line.sku], product_name=str(skus[line.sku])[:300],
                  quantity=line.quantity, unit_price=line.unit_price, paid_amount=line.paid_amount,
                  buyer_confirmed_nonreturnable=line.buyer_confirmed_nonreturnable)
        for line in data.lines
    ])


def _update_order(order: Order, data: OrderSyncIn, skus: dict[str, Sku], actor: str) -> None:
    wanted_lines = [(skus[li.sku].pk, li.quantity, li.unit_price, li.paid_amount,
                     li.buyer_confirmed_nonreturnable) for li in data.lines]
    current_lines = [(li.sku_id, li.quantity, li.unit_price, li.paid_amount, li.buyer_confirmed_nonreturnable)
                     for li in order.lines.order_by("id")]
    amounts = {f: getattr(data, f) for f in AMOUNT_FIELDS}
    changed_amounts = [f for f, value in amounts.items() if getattr(order, f) != value]
    lines_changed = wanted_lines != current_lines
    placed_at_changed = order.placed_at != data.placed_at
    if order.status != PENDING_PAYMENT:
        why = f"can only change while the order awaits payment (it is {order.status})"
        if lines_changed:
            raise Conflict(f"the lines {why}", field="lines")
        if changed_amounts:
            raise Conflict(f"{changed_amounts[0]} {why}", field=changed_amounts[0])
        if placed_at_changed:
            raise Conflict(f"placed_at {why}", field="placed_at")
    if lines_changed:
        order.lines.all().delete()
        _create_lines(order, data, skus)
    for field in changed_amounts:
        audit.money_changed(order, field, getattr(order, field), amounts[field], actor=actor,
                            reason="changed by the shop before payment")
    wanted = {**amounts, **{f: getattr(data, f) for f in HEADER_FIELDS}}
    if placed_at_changed:
        wanted |= {"placed_at": data.placed_at,
                   "payment_deadline": payment_deadline_for(data.placed_at, order.payment_method)}
    if _differs(order, wanted):
        _assign(order, wanted)
        order.save(update_fields=list(wanted))


def _sync_payments(order: Order, payments: list[PaymentIn]) -> None:
    ids = [p.transaction_id for p in payments]
    known = {p.transaction_id: p for p in Payment.objects.filter(transaction_id__in=ids)}
    for i, payment in enumerate(payments):
        wanted = {"channel": payment.channel, "amount": payment.amount, "paid_at": payment.paid_at}
        existing = known.get(payment.transaction_id)
        if existing is None:
            Payment.objects.create(order=order, transaction_id=payment.transaction_id, **wanted)
        elif existing.order_id != order.pk:
            raise Conflict("this transaction is recorded on another order",
                           field=f"payments[{i}].transaction_id")
        elif _differs(existing, wanted):
            raise Conflict("a recorded payment never changes", field=f"payments[{i}]")


def _sync_invoice(order: Order, invoice: InvoiceIn | None) -> None:
    if invoice is None:
        return
    wanted = {"kind": invoice.kind, "title": invoice.title, "amount": order.payable_amount,
              "qualification": _qualification(order.customer, invoice.qualification)}
    existing = Invoice.objects.filter(order=order).first()
    if existing is None:
        Invoice.objects.create(order=order, **wanted)
    elif _differs(existing, wanted):
        _assign(existing, wanted)
        existing.save(update_fields=list(wanted))


def _qualification(customer: Customer, data: QualificationIn | None) -> EnterpriseQualification | None:
    if data is None:
        return None
    wanted = data.model_dump()
    existing = EnterpriseQualification.objects.filter(customer=customer, taxpayer_id=data.taxpayer_id).first()
    if existing is None:
        return EnterpriseQualification.objects.create(customer=customer, **wanted)
    if _differs(existing, wanted):
        _assign(existing, wanted)
        existing.save(update_fields=list(wanted))
    return existing


def _sync_shipments(order: Order, shipments: list[ShipmentIn], actor: str) -> None:
    for i, data in enumerate(shipments):
        carrier, _ = Carrier.objects.get_or_create(code=data.carrier.code,
                                                   defaults={"name": data.carrier.name})
        wanted = {"shipped_at": data.shipped_at, "promised_start": data.promised_start,
                  "promised_end": data.promised_end}
        shipment = Shipment.objects.filter(carrier=carrier, tracking_number=data.tracking_number).first()
        if shipment is None:
            shipment = Shipment.objects.create(order=order, carrier=carrier,
                                               tracking_number=data.tracking_number, **wanted)
        elif shipment.order_id != order.pk:
            raise Conflict("this tracking number belongs to another order",
                           field=f"shipments[{i}].tracking_number")
        elif _differs(shipment, wanted):
            _assign(shipment, wanted)
            shipment.save(update_fields=list(wanted))
        _append_events(shipment, data.events, actor, prefix=f"shipments[{i}].")


def _append_events(shipment: Shipment, events: list[TrackingEventIn], actor: str, *, prefix: str) -> None:
    # Oldest first, so the audit trail reads in order; `j` stays the payload's index for errors.
    for j, event in sorted(enumerate(events), key=lambda pair: pair[1].occurred_at):
        try:
            add_tracking_event(shipment, occurred_at=event.occurred_at, place=event.place, code=event.code,
                               exception_kind=event.exception_kind or "", description=event.description,
                               actor=actor)
        except DomainError as exc:
            raise type(exc)(exc.message, field=f"{prefix}events[{j}].{exc.field or 'code'}") from exc


def _differs(obj, wanted: dict) -> bool:
    """Aware datetimes compare as instants, Decimals by value, choices by their string."""
    return any(getattr(obj, field) != value for field, value in wanted.items())


def _assign(obj, wanted: dict) -> None:
    for field, value in wanted.items():
        setattr(obj, field, value)

