"""Shapes of the after-sales API: what a customer, an agent, the warehouse or the payment side sends, and the
case as they read it.

Input follows the commerce API's rules (kefu/commerce/schemas.py): money is a decimal string with at most
two places, enumerations are closed, unknown fields are refused. Output: money as "12.50", times in ISO
8601 with the Asia/Shanghai offset. The policy's decision is the dict `policy.decision_to_dict` writes;
DecisionOut only describes it for the OpenAPI document.

Two audiences read a case. Staff (agents, the warehouse) see everything. The public view (the customer,
a shop's integration) leaves out the internal fields — who is assigned, the escalation flag, the
warehouse's notes, who did what on the timeline — which come back as null, and the timeline entries
about them are left out.
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Prefetch
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from kefu.commerce.schemas import CarrierOut, In, LocalTime, Money, MoneyOut, text
from kefu.core.money import ZERO

from . import case_states as st
from . import selectors
from .models import (
    AfterSalesCase,
    CaseEvidence,
    CaseKind,
    CaseLine,
    CaseReason,
    Condition,
    Inspection,
    Refund,
)

# --- input: customers ----------------------------------------------------------------------------------

class _In(In):
    # Plain strings, not enum members, reach the services (which compare with "photo", "price_protection"…).
    model_config = ConfigDict(use_enum_values=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        # No column holds a NUL, and PostgreSQL refuses one in a query: say so instead of failing.
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain a NUL character")
        return value


class AskedLineIn(_In):
    """Units of one order line, named by the line's id or by its SKU code (when the SKU is on one line)."""

    order_line: int | None = Field(None, ge=1, description="the order line's id")
    sku: str | None = Field(None, min_length=1, max_length=40, description="or the line's SKU code")
    quantity: int = Field(ge=1, le=100_000)
    condition: Condition = "intact"


class _RequestIn(_In):
    order: str = text(32)
    kind: CaseKind
    reason: CaseReason
    lines: list[AskedLineIn] = Field(min_length=1, max_length=100)
    return_postage: Money = ZERO
    repairs_failed: int = Field(0, ge=0, le=20)
    current_unit_price: Money | None = None


class AdviceIn(_RequestIn):
    """What the customer would ask for; `evidence` names what they could attach (nothing is uploaded)."""

    evidence: list[CaseEvidence.Kind] = Field(default_factory=list, max_length=10)


class CaseIn(_RequestIn):
    """A new case. Photos travel as multipart parts named `evidence` next to this JSON (see api.py)."""

    description: str = text(2000, required=False)
    urgent: bool = Field(False, description="agents only: the replacement may leave before the return arrives")


class ReturnShipmentIn(_In):
    carrier: str = text(32)
    tracking_number: str = text(40)
    postage: Money | None = Field(None, description="what the buyer paid the courier (refunded when the seller "
                                                    "pays the return)")


class ReasonIn(_In):
    reason: str = text(500, required=False)


class NoteIn(_In):
    note: str = text(500, required=False)


# --- input: agents ---------------------------------------------------------------------------------------

UserId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a database id: larger would overflow the query


class DeclineIn(_In):
    reason: str = text(500)


class AssignIn(_In):
    agent: UserId | Literal["me"] | None = Field(description='a user id, "me", or null to unassign')


class PointsIn(_In):
    amount: Money = Field(description="the 京豆 grant's value in yuan (100 京豆 = ¥1)")
    reason: str = text(300, required=False)


class CouponIn(_In):
    face_value: Money
    valid_days: int = Field(30, ge=1, le=365)


# --- input: the warehouse ---------------------------------------------------------------------------------

class ReceiveIn(_In):
    ref: str = Field(min_length=1, max_length=40, description="the return's tracking number or the case number")


class InspectionIn(_In):
    outcome: Literal["accepted", "partly_accepted", "rejected"]
    condition_found: Condition
    resellable: bool
    wrong_item_confirmed: bool | None = None
    accepted: dict[int, int] | None = Field(None, description="partly_accepted: units per case line id")
    notes: str = text(2000, required=False)


# --- input: the payment side ------------------------------------------------------------------------------

class RefundAnswerIn(_In):
    status: Literal["sent", "confirmed", "failed"]
    external_ref: str = text(64, required=False)
    reason: str = Field("", max_length=300, validate_default=True)

    @field_validator("reason")
    @classmethod
    def _reason_for_failures(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("status") == st.FAILED and not value:
            raise PydanticCustomError("reason_required", "say why the refund failed")
        return value


# --- output ---------------------------------------------------------------------------------------------

class RefundFiguresOut(Schema):
    goods: str
    shipping: str
    total: str


class DecisionOut(Schema):
    """The policy engine's decision (docs/aftersales-policy.md lists the rules and their codes)."""

    allowed: bool
    basis: str | None
    resolution: str | None
    return_shipping_paid_by: str
    refund: RefundFiguresOut
    refund_method: str
    missing_evidence: list[str]
    deadline: str | None
    reasons: list[str]
    rule: str


class AdviceOut(DecisionOut):
    field: str | None = Field(description="the input a refusal is about (null when allowed)")


class CustomerRefOut(Schema):
    id: int
    name: str


class UserRefOut(Schema):
    id: int
    username: str


class CaseLineOut(Schema):
    id: int
    order_line: int
    sku: str
    product_name: str
    quantity: int
    condition: str
    accepted_quantity: int | None

    @classmethod
    def build(cls, line: CaseLine) -> CaseLineOut:
        return cls(id=line.pk, order_line=line.order_line_id, sku=line.order_line.sku.code,
                   product_name=line.order_line.product_name, quantity=line.quantity, condition=line.condition,
                   accepted_quantity=line.accepted_quantity)


class EvidenceOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    uploaded_at: LocalTime


class ReturnShipmentOut(Schema):
    carrier: CarrierOut
    tracking_number: str
    shipped_at: LocalTime


class InspectionOut(Schema):
    outcome: str
    condition_found: str
    resellable: bool
    wrong_item_confirmed: bool | None
    notes: str | None
    inspected_at: LocalTime
    restocked_at: LocalTime | None

    @classmethod
    def build(cls, inspection: Inspection, internal: bool) -> InspectionOut:
        return cls(outcome=inspection.outcome, condition_found=inspection.condition_found,
                   resellable=inspection.resellable, wrong_item_confirmed=inspection.wrong_item_confirmed,
                   notes=inspection.notes if internal else None, inspected_at=inspection.inspected_at,
                   restocked_at=inspection.restocked_at)


class RefundOut(Schema):
    idempotency_key: str
    order: str
    case: str | None
    amount: MoneyOut
    kind: str
    method: str
    status: str
    external_ref: str
    failure_reason: str
    created_at: LocalTime
    sent_at: LocalTime | None
    confirmed_at: LocalTime | None
    failed_at: LocalTime | None

    @classmethod
    def build(cls, refund: Refund, case_number: str | None = None) -> RefundOut:
        return cls(idempotency_key=refund.idempotency_key, order=refund.order.number,
                   case=case_number or (refund.case.number if refund.case_id else None), amount=refund.amount,
                   kind=refund.kind, method=refund.method, status=refund.status, external_ref=refund.external_ref,
                   failure_reason=refund.failure_reason, created_at=refund.created_at, sent_at=refund.sent_at,
                   confirmed_at=refund.confirmed_at, failed_at=refund.failed_at)


class CouponOut(Schema):
    code: str
    face_value: MoneyOut
    issued_at: LocalTime
    expires_at: LocalTime


class TimelineEntryOut(Schema):
    model_config = ConfigDict(serialize_by_alias=True, populate_by_name=True)

    at: LocalTime
    field: str
    old: str = Field(serialization_alias="from")
    new: str = Field(serialization_alias="to")
    reason: str
    by: str | None = Field(description="who did it (staff only; null in the public view)")


class HundredMinutesOut(Schema):
    """售后100分: from warehouse receipt to the decision after inspection."""

    deadline: LocalTime
    minutes_used: float
    breached: bool


# Fields the public view leaves out, and the timeline entries about them.
INTERNAL_FIELDS = {"assigned_to", "escalated"}


class CaseSummaryOut(Schema):
    number: str
    order: str
    kind: str
    reason: str
    status: str
    status_label: str
    resolution: str
    refund_total: MoneyOut
    urgent: bool
    created_at: LocalTime
    received_at: LocalTime | None
    decided_at: LocalTime | None
    hundred_minutes: HundredMinutesOut | None
    escalated: bool | None = Field(description="staff only (null in the public view)")
    assigned_to: UserRefOut | None = Field(description="staff only (null in the public view)")

    @classmethod
    def fields_of(cls, case: AfterSalesCase, internal: bool) -> dict:
        clock = None
        if case.received_at is not None:
            clock = HundredMinutesOut(deadline=case.clock_deadline, minutes_used=round(case.minutes_used, 1),
                                      breached=case.breached)
        agent = case.assigned_to if internal and case.assigned_to_id else None
        return {
            "number": case.number, "order": case.order.number, "kind": case.kind, "reason": case.reason,
            "status": case.status, "status_label": str(case.get_status_display()), "resolution": case.resolution,
            "refund_total": case.refund_total, "urgent": case.urgent, "created_at": case.created_at,
            "received_at": case.received_at, "decided_at": case.decided_at, "hundred_minutes": clock,
            "escalated": case.escalated if internal else None,
            "assigned_to": UserRefOut(id=agent.pk, username=agent.get_username()) if agent else None,
        }

    @classmethod
    def build(cls, case: AfterSalesCase, internal: bool) -> CaseSummaryOut:
        return cls(**cls.fields_of(case, internal))


class CasePageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseSummaryOut]


class CaseOut(CaseSummaryOut):
    customer: CustomerRefOut
    kind_label: str
    reason_label: str
    description: str
    status_reason: str
    return_shipping_paid_by: str
    refund_method: str
    refund_goods: MoneyOut
    refund_shipping: MoneyOut
    return_postage: MoneyOut
    current_unit_price: MoneyOut | None
    repairs_failed: int
    replacement_sent_at: LocalTime | None
    approved_at: LocalTime | None
    closed_at: LocalTime | None
    cancelled_at: LocalTime | None
    escalated_at: LocalTime | None = Field(description="staff only (null in the public view)")
    decision: DecisionOut
    lines: list[CaseLineOut]
    evidence: list[EvidenceOut]
    return_shipment: ReturnShipmentOut | None
    inspection: InspectionOut | None
    refunds: list[RefundOut]
    coupons: list[CouponOut]
    timeline: list[TimelineEntryOut]

    @classmethod
    def build(cls, case: AfterSalesCase, internal: bool) -> CaseOut:
        """`case` comes from `detail_queryset` (relations loaded)."""
        try:
            shipment = case.return_shipment
        except AfterSalesCase.return_shipment.RelatedObjectDoesNotExist:
            shipment = None
        try:
            inspection = case.inspection
        except AfterSalesCase.inspection.RelatedObjectDoesNotExist:
            inspection = None
        timeline = [TimelineEntryOut(at=e["at"], field=e["field"], old=e["from"], new=e["to"], reason=e["reason"],
                                     by=e["by"] if internal else None)
                    for e in selectors.timeline(case) if internal or e["field"] not in INTERNAL_FIELDS]
        return cls(
            **cls.fields_of(case, internal),
            customer=CustomerRefOut(id=case.customer_id, name=case.customer.name),
            kind_label=str(case.get_kind_display()), reason_label=str(case.get_reason_display()),
            description=case.description, status_reason=case.status_reason,
            return_shipping_paid_by=case.return_shipping_paid_by, refund_method=case.refund_method,
            refund_goods=case.refund_goods, refund_shipping=case.refund_shipping, return_postage=case.return_postage,
            current_unit_price=case.current_unit_price, repairs_failed=case.repairs_failed,
            replacement_sent_at=case.replacement_sent_at, approved_at=case.approved_at, closed_at=case.closed_at,
            cancelled_at=case.cancelled_at, escalated_at=case.escalated_at if internal else None,
            decision=DecisionOut(**case.decision),
            lines=[CaseLineOut.build(line) for line in case.lines.all()],
            evidence=[EvidenceOut(id=e.pk, kind=e.kind, content_type=e.content_type, size=e.size,
                                  uploaded_at=e.uploaded_at) for e in case.evidence.all()],
            return_shipment=None if shipment is None else ReturnShipmentOut(
                carrier=CarrierOut(code=shipment.carrier.code, name=shipment.carrier.name),
                tracking_number=shipment.tracking_number, shipped_at=shipment.shipped_at),
            inspection=None if inspection is None else InspectionOut.build(inspection, internal),
            refunds=[RefundOut.build(r, case.number) for r in case.refunds.all()],
            coupons=[CouponOut(code=c.code, face_value=c.face_value, issued_at=c.issued_at,
                               expires_at=c.expires_at) for c in case.coupons.all()],
            timeline=timeline,
        )


def summary_queryset():
    return AfterSalesCase.objects.select_related("order", "assigned_to")


def detail_queryset():
    """Cases with everything CaseOut shows, in a fixed number of queries."""
    return summary_queryset().select_related("customer", "return_shipment__carrier", "inspection").prefetch_related(
        Prefetch("lines", queryset=CaseLine.objects.select_related("order_line__sku")),
        "evidence", "coupons",
        Prefetch("refunds", queryset=Refund.objects.select_related("order")),
    )

