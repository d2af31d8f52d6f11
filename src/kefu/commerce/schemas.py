"""Shapes of the commerce API: what a shop sends to the sync API, and what the read API answers.

Input rules every client meets: money is a decimal string with at most two places ("12.50"; never a
JSON number, so no float ever carries money), never negative; every datetime carries a timezone
offset; phones are mainland mobiles (normalised); enums are closed; unknown fields are refused.
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from kefu.core.money import CENT
from kefu.core.phones import mask_phone, normalise_phone

from .models import (
    CancelReason,
    Customer,
    ExceptionKind,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Seller,
    Shipment,
    TrackingCode,
    TrackingEvent,
)

# --- field types ------------------------------------------------------------------------------

_MONEY = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("money_type", 'an amount is a decimal string such as "12.50", not a number')
    if not _MONEY.match(value):
        raise PydanticCustomError("money_format",
                                  'must be a decimal string with at most two decimal places, e.g. "12.50"')
    amount = Decimal(value)
    if amount < 0:
        raise PydanticCustomError("money_negative", "must not be negative")
    return amount.quantize(CENT)


def _require_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_required",
                                  "must include a timezone offset, e.g. 2025-06-18T10:00:00+08:00")
    return value


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except ValueError as exc:
        raise PydanticCustomError("phone", str(exc)) from None


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise PydanticCustomError("email", "not a valid email address") from None
    return value


def _local_iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


Money = Annotated[Decimal, PlainValidator(_parse_money),
                  PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
                  WithJsonSchema({"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$",
                                  "examples": ["12.50"]})]
MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str),
                     WithJsonSchema({"type": "string", "examples": ["12.50"]}, mode="serialization")]
AwareDatetime = Annotated[datetime, AfterValidator(_require_offset)]
LocalTime = Annotated[datetime, PlainSerializer(_local_iso, return_type=str)]  # rendered in Asia/Shanghai
Phone = Annotated[str, AfterValidator(_phone)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


def text(max_length: int, *, required: bool = True):
    """A stripped string that fits its model column."""
    return Field(... if required else "", min_length=1 if required else 0, max_length=max_length)


class In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- sync API input -----------------------------------------------------------------------------

class CustomerIn(In):
    phone: Phone
    name: str = text(50)
    email: Email = ""


class SellerIn(In):
    code: str = text(32)
    name: str = text(100)
    kind: Seller.Kind


class LineIn(In):
    sku: str = text(40)
    quantity: int = Field(ge=1, le=100_000)
    unit_price: Money
    paid_amount: Money
    buyer_confirmed_nonreturnable: bool = False


class PaymentIn(In):
    channel: Payment.Channel
    amount: Money
    paid_at: AwareDatetime
    transaction_id: str = text(64)


class QualificationIn(In):
    """The enterprise behind a VAT invoice; all four documents are required for one."""

    company_name: str = text(100)
    taxpayer_id: str = Field(pattern=r"^[0-9A-Z]{15,20}$")
    registered_address: str = text(200)
    registered_phone: str = text(20)
    bank_name: str = text(100)
    bank_account: str = text(40)
    general_taxpayer_certificate: str = text(50, required=False)
    business_licence: str = text(50, required=False)
    tax_registration_certificate: str = text(50, required=False)
    bank_account_permit: str = text(50, required=False)


class InvoiceIn(In):
    kind: Invoice.Kind
    title: str = text(100)
    qualification: QualificationIn | None = None


class CarrierIn(In):
    code: str = text(32)
    name: str = text(50)


class TrackingEventIn(In):
    occurred_at: AwareDatetime
    place: str = text(100)
    code: TrackingCode
    exception_kind: ExceptionKind | None = Field(None, validate_default=True)
    description: str = text(300, required=False)

    @field_validator("exception_kind")
    @classmethod
    def _kind_only_on_exceptions(cls, value, info: ValidationInfo):
        code = info.data.get("code")
        if code == TrackingCode.EXCEPTION and not value:
            raise PydanticCustomError("exception_kind_required", "an exception event needs exception_kind")
        if code is not None and code != TrackingCode.EXCEPTION and value:
            raise PydanticCustomError("exception_kind_unexpected",
                                      "only an exception event has exception_kind")
        return value


class ShipmentIn(In):
    carrier: CarrierIn
    tracking_number: str = text(40)
    shipped_at: AwareDatetime
    promised_start: AwareDatetime | None = None
    promised_end: AwareDatetime | None = Field(None, validate_default=True)
    events: list[TrackingEventIn] = Field(default_factory=list, max_length=500)

    @field_validator("promised_end")
    @classmethod
    def _window_ordered(cls, value, info: ValidationInfo):
        start = info.data.get("promised_start")
        if (start is None) != (value is None) and "promised_start" in info.data:
            raise PydanticCustomError("promise_window", "give promised_start and promised_end together")
        if start is not None and value is not None and value < start:
            raise PydanticCustomError("promise_window", "promised_end is before promised_start")
        return value


class OrderSyncIn(In):
    """One order as the shop knows it. See services/sync.py for how it is applied."""

    number: str = text(32)
    status: OrderStatus
    cancel_reason: CancelReason | None = None
    payment_method: PaymentMethod
    placed_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    shipped_at: AwareDatetime | None = None
    signed_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    customer: CustomerIn
    seller: SellerIn
    recipient_name: str = text(50)
    recipient_phone: Phone
    shipping_address: str = text(300)
    buyer_note: str = text(500, required=False)
    goods_amount: Money
    coupon_discount: Money = Decimal("0.00")
    points_used: int = Field(0, ge=0)
    points_discount: Money = Decimal("0.00")
    shipping_fee: Money = Decimal("0.00")
    payable_amount: Money
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=50)
    invoice: InvoiceIn | None = None
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=50)


# --- read API output ----------------------------------------------------------------------------
# Built from selector results by the `build` helpers; `full_phone` decides masking for the viewer.

def _phone_out(phone: str, full_phone: bool) -> str:
    return phone if full_phone else mask_phone(phone)


class CarrierOut(Schema):
    code: str
    name: str


class TrackingEventOut(Schema):
    occurred_at: LocalTime
    place: str
    code: str
    code_label: str
    exception_kind: str
    description: str

    @classmethod
    def build(cls, event: TrackingEvent) -> "TrackingEventOut":
        return cls(occurred_at=event.occurred_at, place=event.place, code=event.code,
                   code_label=str(event.get_code_display()), exception_kind=event.exception_kind,
                   description=event.description)


class ShipmentSummaryOut(Schema):
    carrier: CarrierOut
    tracking_number: str
    shipped_at: LocalTime
    promised_start: LocalTime | None
    promised_end: LocalTime | None
    last_code: str
    last_event_at: LocalTime | None
    exception_kind: str
    signed_at: LocalTime | None

    @classmethod
    def fields_of(cls, shipment: Shipment) -> dict:
        return {
            "carrier": {"code": shipment.carrier.code, "name": shipment.carrier.name},
            "tracking_number": shipment.tracking_number, "shipped_at": shipment.shipped_at,
            "promised_start": shipment.promised_start, "promised_end": shipment.promised_end,
            "last_code": shipment.last_code, "last_event_at": shipment.last_event_at,
            "exception_kind": shipment.exception_kind, "signed_at": shipment.signed_at,
        }

    @classmethod
    def build(cls, shipment: Shipment) -> "ShipmentSummaryOut":
        return cls(**cls.fields_of(shipment))


class ShipmentOut(ShipmentSummaryOut):
    events: list[TrackingEventOut]

    @classmethod
    def build(cls, shipment: Shipment) -> "ShipmentOut":
        events = [TrackingEventOut.build(e) for e in shipment.events.all()]
        return cls(**cls.fields_of(shipment), events=events)


class CustomerSummaryOut(Schema):
    id: int
    name: str
    phone: str
    tier: str
    tier_label: str
    spend_12m: MoneyOut

    @classmethod
    def fields_of(cls, customer: Customer, full_phone: bool) -> dict:
        return {"id": customer.pk, "name": customer.name, "phone": _phone_out(customer.phone, full_phone),
                "tier": customer.tier, "tier_label": str(customer.get_tier_display()),
                "spend_12m": customer.spend_12m}

    @classmethod
    def build(cls, customer: Customer, full_phone: bool) -> "CustomerSummaryOut":
        return cls(**cls.fields_of(customer, full_phone))


class AddressOut(Schema):
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


class OrderSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    payment_method: str
    placed_at: LocalTime
    seller_name: str
    line_count: int
    goods_amount: MoneyOut
    discount_amount: MoneyOut
    shipping_fee: MoneyOut
    payable_amount: MoneyOut
    shipments: list[ShipmentSummaryOut]

    @classmethod
    def build(cls, order: Order) -> "OrderSummaryOut":
        return cls(number=order.number, status=order.status, status_label=str(order.get_status_display()),
                   payment_method=order.payment_method, placed_at=order.placed_at,
                   seller_name=order.seller.name, line_count=order.line_count,
                   goods_amount=order.goods_amount,
                   discount_amount=order.discount_amount, shipping_fee=order.shipping_fee,
                   payable_amount=order.payable_amount,
                   shipments=[ShipmentSummaryOut.build(s) for s in order.shipments.all()])


class Customer360Out(CustomerSummaryOut):
    email: str
    registered_at: LocalTime
    tier_computed_at: LocalTime | None
    addresses: list[AddressOut]
    recent_orders: list[OrderSummaryOut]

    @classmethod
    def build(cls, view, full_phone: bool) -> "Customer360Out":
        """`view` is a selectors.Customer360."""
        customer = view.customer
        return cls(
            **cls.fields_of(customer, full_phone), email=customer.email, registered_at=customer.created_at,
            tier_computed_at=customer.tier_computed_at,
            addresses=[AddressOut(recipient=a.recipient, phone=_phone_out(a.phone, full_phone),
                                  province=a.province, city=a.city, district=a.district, detail=a.detail,
                                  is_default=a.is_default) for a in view.addresses],
            recent_orders=[OrderSummaryOut.build(o) for o in view.orders],
        )


class CustomerLookupOut(Schema):
    """`customer` is the 360 view when exactly one customer matched; `matches` lists them all (≤ 20)."""

    customer: Customer360Out | None
    matches: list[CustomerSummaryOut]


class SellerOut(Schema):
    code: str
    name: str
    kind: str


class OrderLineOut(Schema):
    sku: str
    product_name: str
    quantity: int
    unit_price: MoneyOut
    paid_amount: MoneyOut
    unit_paid: MoneyOut
    buyer_confirmed_nonreturnable: bool
    after_sales_attrs: list[str]
    warranty_days: int

    @classmethod
    def build(cls, line) -> "OrderLineOut":
        product = line.sku.product
        return cls(sku=line.sku.code, product_name=line.product_name, quantity=line.quantity,
                   unit_price=line.unit_price, paid_amount=line.paid_amount, unit_paid=line.unit_paid,
                   buyer_confirmed_nonreturnable=line.buyer_confirmed_nonreturnable,
                   after_sales_attrs=sorted(product.after_sales_attrs()), warranty_days=product.warranty_days)


class PaymentOut(Schema):
    channel: str
    amount: MoneyOut
    paid_at: LocalTime
    transaction_id: str


class InvoiceOut(Schema):
    kind: str
    title: str
    amount: MoneyOut
    company_name: str | None
    taxpayer_id: str | None


class OrderDetailOut(Schema):
    number: str
    external_id: str | None
    status: str
    status_label: str
    payment_method: str
    cancel_reason: str
    placed_at: LocalTime
    payment_deadline: LocalTime | None
    paid_at: LocalTime | None
    shipped_at: LocalTime | None
    signed_at: LocalTime | None
    completed_at: LocalTime | None
    cancelled_at: LocalTime | None
    customer: CustomerSummaryOut
    seller: SellerOut
    recipient_name: str
    recipient_phone: str
    shipping_address: str
    buyer_note: str
    goods_amount: MoneyOut
    coupon_discount: MoneyOut
    points_used: int
    points_discount: MoneyOut
    shipping_fee: MoneyOut
    payable_amount: MoneyOut
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    invoice: InvoiceOut | None
    shipments: list[ShipmentOut]

    @classmethod
    def build(cls, order: Order, full_phone: bool) -> "OrderDetailOut":
        """`order` comes from selectors.order_detail (relations prefetched)."""
        header = {name: getattr(order, name) for name in (
            "number", "external_id", "status", "payment_method", "cancel_reason", "placed_at",
            "payment_deadline", "paid_at", "shipped_at", "signed_at", "completed_at", "cancelled_at",
            "recipient_name", "shipping_address", "buyer_note", "goods_amount", "coupon_discount",
            "points_used", "points_discount", "shipping_fee", "payable_amount")}
        try:
            invoice = order.invoice  # select_related: no query, even when there is none
        except Invoice.DoesNotExist:
            invoice = None
        qualification = invoice.qualification if invoice else None
        return cls(
            **header,
            status_label=str(order.get_status_display()),
            recipient_phone=_phone_out(order.recipient_phone, full_phone),
            customer=CustomerSummaryOut.build(order.customer, full_phone),
            seller=SellerOut(code=order.seller.code, name=order.seller.name, kind=order.seller.kind),
            lines=[OrderLineOut.build(line) for line in order.lines.all()],
            payments=[PaymentOut(channel=p.channel, amount=p.amount, paid_at=p.paid_at,
                                 transaction_id=p.transaction_id) for p in order.payments.all()],
            invoice=None if invoice is None else InvoiceOut(
                kind=invoice.kind, title=invoice.title, amount=invoice.amount,
                company_name=qualification.company_name if qualification else None,
                taxpayer_id=qualification.taxpayer_id if qualification else None,
            ),
            shipments=[ShipmentOut.build(s) for s in order.shipments.all()],
        )
