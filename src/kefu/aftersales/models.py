"""After-sales cases, their evidence, the return parcel, the warehouse inspection and the refund ledger.

Every write goes through `kefu.aftersales.services`; these rows only hold data and per-row invariants.
The 100-minute numbers are settings with defaults (read at call time, so tests may override them):
KEFU_AFTERSALES_HUNDRED_MINUTES (100) and KEFU_AFTERSALES_ALERT_MINUTES (80).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core import clock
from kefu.core.money import ZERO, MoneyField

from . import case_states as st

CASE_STATUS_LABELS = {
    st.REQUESTED: _("Requested"), st.APPROVED: _("Approved"), st.DECLINED: _("Declined"),
    st.CANCELLED: _("Cancelled by the customer"), st.AWAITING_RETURN: _("Awaiting the return parcel"),
    st.IN_TRANSIT: _("Return in transit"), st.RECEIVED: _("Received by the warehouse"),
    st.INSPECTING: _("Being inspected"), st.ACCEPTED: _("Accepted"), st.PARTLY_ACCEPTED: _("Partly accepted"),
    st.REJECTED: _("Rejected"), st.REFUNDING: _("Refunding"), st.RESHIPPING: _("Replacement shipped"),
    st.REPAIRING: _("Being repaired"), st.CLOSED: _("Closed"),
}


def hundred_minutes() -> int:
    return int(getattr(settings, "KEFU_AFTERSALES_HUNDRED_MINUTES", 100))


def alert_minutes() -> int:
    return int(getattr(settings, "KEFU_AFTERSALES_ALERT_MINUTES", 80))


class CaseKind(models.TextChoices):
    RETURN = "return", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REFUND_ONLY = "refund_only", _("Refund only")
    REPAIR = "repair", _("Repair")
    RESHIP = "reship", _("Reship")
    PRICE_PROTECTION = "price_protection", _("Price protection")


class CaseReason(models.TextChoices):
    NO_REASON = "no_reason", _("7-day no-reason")
    QUALITY_MINOR = "quality_minor", _("Minor quality fault")
    QUALITY_SERIOUS = "quality_serious", _("Quality fault")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    MISSING_ITEM = "missing_item", _("Missing item")
    PRICE_DROP = "price_drop", _("Price drop")


class Resolution(models.TextChoices):
    RETURN_REFUND = "return_refund", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    PARTIAL_REFUND_OFFER = "partial_refund_offer", _("Partial refund offer")
    REPAIR = "repair", _("Repair")
    RESHIP = "reship", _("Reship")
    REFUND_MISSING = "refund_missing", _("Refund the missing item")
    REFUND_DIFFERENCE = "refund_difference", _("Refund the price difference")


class Payer(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    NONE = "none", _("Nothing travels back")


class Condition(models.TextChoices):
    INTACT = "intact", _("Intact")
    OPENED_FOR_INSPECTION = "opened_for_inspection", _("Opened for inspection")
    SEAL_BROKEN = "seal_broken", _("Seal broken")
    USED = "used", _("Used")
    DAMAGED = "damaged", _("Damaged")
    TAGS_REMOVED = "tags_removed", _("Tags removed")


class RefundMethod(models.TextChoices):
    ORIGINAL_PAYMENT = "original_payment", _("Original payment")
    POINTS = "points", _("Points (京豆)")


class Recovery(models.TextChoices):
    """The replacement an urgent customer got before the return [seed 001], once the return is refused."""

    NONE = "", _("nothing to recover")
    OPEN = "open", _("to recover")
    RETURNED = "returned", _("replacement sent back")
    PAID = "paid", _("paid for by the buyer")
    WAIVED = "waived", _("written off by the seller")


class AfterSalesCase(models.Model):
    number = models.CharField(_("case number"), max_length=32, unique=True)
    order = models.ForeignKey("commerce.Order", on_delete=models.PROTECT, related_name="aftersales_cases")
    customer = models.ForeignKey("commerce.Customer", on_delete=models.PROTECT, related_name="aftersales_cases")
    kind = models.CharField(_("request"), max_length=20, choices=CaseKind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=CaseReason.choices)
    status = models.CharField(_("status"), max_length=20, choices=list(CASE_STATUS_LABELS.items()),
                              default=st.REQUESTED)
    description = models.TextField(_("customer's description"), blank=True)

    # The policy's decision when the case was opened, as `decision_to_dict` wrote it, and its figures.
    decision = models.JSONField(_("policy decision"), default=dict)
    policy_rule = models.CharField(_("policy rule"), max_length=64, blank=True)
    resolution = models.CharField(_("resolution"), max_length=24, choices=Resolution.choices)
    return_shipping_paid_by = models.CharField(_("return shipping paid by"), max_length=8, choices=Payer.choices)
    refund_method = models.CharField(_("refund method"), max_length=20, choices=RefundMethod.choices,
                                     default=RefundMethod.ORIGINAL_PAYMENT)
    refund_goods = MoneyField(_("refund of goods"), default=ZERO)
    refund_shipping = MoneyField(_("refund of shipping"), default=ZERO)
    return_postage = MoneyField(_("return postage advanced"), default=ZERO)
    repairs_failed = models.PositiveIntegerField(_("failed repairs"), default=0)
    current_unit_price = MoneyField(_("current unit price"), null=True, blank=True)

    urgent = models.BooleanField(_("urgent"), default=False,
                                 help_text=_("The customer may get the replacement before the return arrives."))
    replacement_sent_at = models.DateTimeField(_("replacement sent at"), null=True, blank=True)
    replacement_recovery = models.CharField(
        _("replacement recovery"), max_length=12, choices=Recovery.choices, default=Recovery.NONE, blank=True,
        help_text=_("An early replacement whose return was rejected must be sent back, paid for or written off."))
    escalated = models.BooleanField(_("escalated"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="aftersales_cases")

    created_at = models.DateTimeField(_("opened at"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by the warehouse at"), null=True, blank=True,
                                       help_text=_("Starts the 100-minute clock."))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True,
                                      help_text=_("The decision after inspection: stops the 100-minute clock."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    hundred_alerted_at = models.DateTimeField(_("100-minute alert sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    status_reason = models.TextField(_("decline / cancel reason"), blank=True)

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created_at", "-id"]
        permissions = [("view_hundred_minute_compliance", _("Can view 100-minute compliance"))]
        indexes = [
            models.Index(fields=["status", "created_at"], name="case_status_created"),
            models.Index(fields=["decided_at"], name="case_decided"),
            models.Index(fields=["received_at"], name="case_clock_running",
                         condition=models.Q(received_at__isnull=False, decided_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(refund_goods__gte=0) & models.Q(refund_shipping__gte=0),
                                   name="case_refund_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def refund_total(self) -> Decimal:
        return self.refund_goods + self.refund_shipping

    @property
    def refund_postage(self) -> Decimal:
        """The part of refund_shipping that reimburses the return postage the buyer advanced (seller pays)."""
        if self.return_shipping_paid_by != Payer.SELLER:
            return ZERO
        return min(self.return_postage, self.refund_shipping)

    @property
    def refund_order_shipping(self) -> Decimal:
        """The part of refund_shipping that gives back the order's own shipping fee (a whole order returned)."""
        return self.refund_shipping - self.refund_postage

    @property
    def is_open(self) -> bool:
        return self.status not in st.TERMINAL

    @property
    def minutes_used(self) -> float | None:
        """Minutes on the 100-minute clock: from warehouse receipt to the decision (or now, while open)."""
        if self.received_at is None:
            return None
        end = self.decided_at or clock.now()
        return (end - self.received_at).total_seconds() / 60

    @property
    def breached(self) -> bool:
        used = self.minutes_used
        return used is not None and used > hundred_minutes()

    @property
    def clock_deadline(self):
        return None if self.received_at is None else self.received_at + timedelta(minutes=hundred_minutes())


class CaseLine(models.Model):
    case = models.ForeignKey(AfterSalesCase, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("commerce.OrderLine", on_delete=models.PROTECT, related_name="aftersales_lines")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    condition = models.CharField(_("condition claimed"), max_length=24, choices=Condition.choices,
                                 default=Condition.INTACT)
    accepted_quantity = models.PositiveIntegerField(_("accepted quantity"), null=True, blank=True,
                                                    help_text=_("Set by the inspection."))

    class Meta:
        verbose_name = _("case line")
        verbose_name_plural = _("case lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="case_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(accepted_quantity__isnull=True)
                | models.Q(accepted_quantity__lte=models.F("quantity")),
                name="case_line_accepted_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line.product_name} × {self.quantity}"


def evidence_path(instance: CaseEvidence, filename: str) -> str:
    return f"aftersales/evidence/{filename}"


class CaseEvidence(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        OUTBOUND_RECORD = "outbound_record", _("Outbound record (mismatch)")

    case = models.ForeignKey(AfterSalesCase, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.original_name}"


class ReturnShipment(models.Model):
    case = models.OneToOneField(AfterSalesCase, on_delete=models.CASCADE, related_name="return_shipment")
    carrier = models.ForeignKey("commerce.Carrier", on_delete=models.PROTECT, related_name="return_shipments")
    tracking_number = models.CharField(_("tracking number"), max_length=40, db_index=True)
    shipped_at = models.DateTimeField(_("sent back at"))

    class Meta:
        verbose_name = _("return shipment")
        verbose_name_plural = _("return shipments")

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class Inspection(models.Model):
    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly_accepted", _("Partly accepted")
        REJECTED = "rejected", _("Rejected")

    case = models.OneToOneField(AfterSalesCase, on_delete=models.CASCADE, related_name="inspection")
    condition_found = models.CharField(_("condition found"), max_length=24, choices=Condition.choices)
    resellable = models.BooleanField(_("resellable"))
    wrong_item_confirmed = models.BooleanField(_("wrong / missing item confirmed"), null=True, blank=True,
                                               help_text=_("Only for wrong or missing item cases."))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    inspected_at = models.DateTimeField(_("inspected at"))
    restocked_at = models.DateTimeField(_("restocked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.case} {self.get_outcome_display()}"


class Refund(models.Model):
    """One line of the refund ledger. Σ non-failed amounts of an order, return postage reimbursements aside,
    never exceed its payable amount (see services/refunds.py)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SHIPPING = "shipping", _("Order shipping fee")
        POSTAGE = "postage", _("Return postage reimbursed")
        COMPENSATION = "compensation", _("Compensation")

    order = models.ForeignKey("commerce.Order", on_delete=models.PROTECT, related_name="refunds")
    case = models.ForeignKey(AfterSalesCase, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(_("amount"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=20, choices=RefundMethod.choices)
    status = models.CharField(_("status"), max_length=12, default=st.PENDING,
                              choices=[(s, s) for s in st.REFUND_STATES])
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    external_ref = models.CharField(_("payment reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ¥{self.amount}"

    @property
    def points(self) -> int:
        """京豆 for a points refund: 100 京豆 = ¥1."""
        return int(self.amount * 100)


class CompensationCoupon(models.Model):
    """A goodwill coupon for the next purchase (seed 001: 以贈送優惠券…的方式道歉). Not money paid back,
    so it is outside the refund ledger's cap."""

    case = models.ForeignKey(AfterSalesCase, on_delete=models.PROTECT, related_name="coupons")
    customer = models.ForeignKey("commerce.Customer", on_delete=models.PROTECT, related_name="compensation_coupons")
    code = models.CharField(_("coupon code"), max_length=40, unique=True)
    face_value = MoneyField(_("face value"))
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("compensation coupon")
        verbose_name_plural = _("compensation coupons")
        constraints = [models.CheckConstraint(condition=models.Q(face_value__gt=0), name="coupon_value_positive")]

    def __str__(self) -> str:
        return f"{self.code} ¥{self.face_value}"
