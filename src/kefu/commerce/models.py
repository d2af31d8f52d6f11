"""Commerce core: customers, sellers, catalog, orders, payments, invoices, shipments, integrations."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.money import ZERO, MoneyField
from kefu.core.phones import mask_phone

phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("Enter a mainland China mobile number (11 digits)."))
non_negative = MinValueValidator(Decimal("0.00"))


class MembershipTier(models.TextChoices):
    REGISTERED = "registered", _("Registered member")
    BRONZE = "bronze", _("Bronze member")
    SILVER = "silver", _("Silver member")
    GOLD = "gold", _("Gold member")
    DIAMOND = "diamond", _("Diamond member")


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer")
    name = models.CharField(_("name"), max_length=50, db_index=True)
    phone = models.CharField(_("phone"), max_length=11, unique=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    tier = models.CharField(_("membership tier"), max_length=12, choices=MembershipTier.choices,
                            default=MembershipTier.REGISTERED)
    spend_12m = MoneyField(_("spend in the last 12 months"), default=ZERO)
    tier_computed_at = models.DateTimeField(_("tier computed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_customer_phone", _("Can see customers' full phone numbers")),
            ("view_customer_360", _("Can use the agent workbench and customer 360 view")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_phone})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def phone_for(self, user) -> str:
        """The number as this viewer may see it."""
        if user.has_perm("commerce.view_customer_phone") or getattr(user, "customer", None) == self:
            return self.phone
        return self.masked_phone


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("recipient"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11, validators=[phone_validator])
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30)
    detail = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"


class Seller(models.Model):
    class Kind(models.TextChoices):
        SELF_OPERATED = "self_operated", _("Self-operated")
        THIRD_PARTY = "third_party", _("Third-party seller")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")

    def __str__(self) -> str:
        return self.name


class Carrier(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_own_fleet = models.BooleanField(_("own delivery fleet"), default=False,
                                       help_text=_("Our own logistics, as opposed to a third-party courier."))

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product (SPU) with the attributes that after-sales rules need; SKUs carry price and spec."""

    code = models.CharField(_("product code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    selling_points = models.TextField(_("selling points"), blank=True,
                                      help_text=_("One per line; used in review replies and answers."))
    is_fresh = models.BooleanField(_("fresh / perishable"), default=False)
    is_customised = models.BooleanField(_("made to order"), default=False)
    is_digital_download = models.BooleanField(_("digital download"), default=False)
    is_sealed_av_software = models.BooleanField(_("sealed audio-video / software"), default=False)
    is_periodical = models.BooleanField(_("newspaper / periodical"), default=False)
    is_declared_nonreturnable = models.BooleanField(
        _("declared non-returnable"), default=False,
        help_text=_("Excluded from 7-day no-reason returns only if the buyer confirms it at purchase."),
    )
    warranty_days = models.PositiveIntegerField(_("warranty (days)"), default=0)
    sanbao_applies = models.BooleanField(_("三包 applies"), default=False)
    installation_required = models.BooleanField(_("installation required"), default=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def after_sales_attrs(self) -> set[str]:
        """The attribute names the after-sales policy engine understands."""
        flags = {
            "fresh": self.is_fresh,
            "customised": self.is_customised,
            "digital_download": self.is_digital_download,
            "sealed_av_software": self.is_sealed_av_software,
            "periodical": self.is_periodical,
            "declared_nonreturnable": self.is_declared_nonreturnable,
        }
        return {name for name, on in flags.items() if on}

    @property
    def selling_point_list(self) -> list[str]:
        return [line.strip() for line in self.selling_points.splitlines() if line.strip()]


class Sku(models.Model):
    code = models.CharField(_("SKU code"), max_length=40, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    version = models.CharField(_("software version"), max_length=30, blank=True)
    price = MoneyField(_("price"), validators=[non_negative])
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")

    def __str__(self) -> str:
        return f"{self.product.name} {self.spec}".strip()


class Integration(models.Model):
    """A shop system that feeds orders through the sync API with its own bearer token."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token starts with"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online payment")
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    SELF_PICKUP = "self_pickup", _("Self-pickup")


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class CancelReason(models.TextChoices):
    UNPAID_TIMEOUT = "unpaid_timeout", _("Not paid in time")
    CUSTOMER_REQUEST = "customer_request", _("Cancelled by the customer")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    REJECTED_ON_DELIVERY = "rejected_on_delivery", _("Refused on delivery")
    SELLER_CANCELLED = "seller_cancelled", _("Cancelled by the seller")


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=32, unique=True)
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="orders")
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING_PAYMENT)
    payment_method = models.CharField(_("payment method"), max_length=12, choices=PaymentMethod.choices)

    placed_at = models.DateTimeField(_("placed at"))
    payment_deadline = models.DateTimeField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=24, choices=CancelReason.choices, blank=True)

    goods_amount = MoneyField(_("goods amount"), validators=[non_negative],
                              help_text=_("Sum of quantity × unit price over the lines."))
    coupon_discount = MoneyField(_("coupon discount"), default=ZERO, validators=[non_negative])
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    points_discount = MoneyField(_("points discount"), default=ZERO, validators=[non_negative])
    shipping_fee = MoneyField(_("shipping fee"), default=ZERO, validators=[non_negative])
    payable_amount = MoneyField(_("amount payable"), validators=[non_negative],
                                help_text=_("What the buyer pays: lines after discounts plus shipping."))

    recipient_name = models.CharField(_("recipient"), max_length=50)
    recipient_phone = models.CharField(_("recipient phone"), max_length=11, validators=[phone_validator])
    shipping_address = models.CharField(_("shipping address"), max_length=300)
    buyer_note = models.CharField(_("buyer's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="order_external_id_per_integration"),
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_recent"),
            models.Index(fields=["status", "payment_deadline"], name="order_status_deadline"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def discount_amount(self) -> Decimal:
        return self.coupon_discount + self.points_discount


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(_("product"), max_length=300, help_text=_("As sold, kept if the SKU changes."))
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = MoneyField(_("unit price"), validators=[non_negative])
    paid_amount = MoneyField(_("amount paid"), validators=[non_negative],
                             help_text=_("What the buyer actually paid for this line after discounts."))
    buyer_confirmed_nonreturnable = models.BooleanField(_("buyer confirmed non-returnable"), default=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"

    @property
    def unit_paid(self) -> Decimal:
        from kefu.core.money import round_money

        return round_money(self.paid_amount / self.quantity)


class Payment(models.Model):
    class Channel(models.TextChoices):
        ALIPAY = "alipay", _("Alipay")
        WECHAT = "wechat", _("WeChat Pay")
        BANK_CARD = "bank_card", _("Bank card")
        CASH = "cash", _("Cash")
        POS = "pos", _("Card at the door (POS)")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    amount = MoneyField(_("amount"), validators=[non_negative])
    paid_at = models.DateTimeField(_("paid at"))
    transaction_id = models.CharField(_("transaction id"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "id"]

    def __str__(self) -> str:
        return self.transaction_id


class EnterpriseQualification(models.Model):
    """The four documents an enterprise provides before a VAT invoice may be issued [seed 000, FAQ 5]."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="qualifications")
    company_name = models.CharField(_("company name"), max_length=100)
    taxpayer_id = models.CharField(_("taxpayer id"), max_length=20,
                                   validators=[RegexValidator(r"^[0-9A-Z]{15,20}$", _("15–20 digits or capitals."))])
    registered_address = models.CharField(_("registered address"), max_length=200)
    registered_phone = models.CharField(_("registered phone"), max_length=20)
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_account = models.CharField(_("bank account"), max_length=40)
    general_taxpayer_certificate = models.CharField(_("general taxpayer certificate no."), max_length=50)
    business_licence = models.CharField(_("business licence no."), max_length=50)
    tax_registration_certificate = models.CharField(_("tax registration certificate no."), max_length=50)
    bank_account_permit = models.CharField(_("bank account opening permit no."), max_length=50)

    class Meta:
        verbose_name = _("enterprise qualification")
        verbose_name_plural = _("enterprise qualifications")

    def __str__(self) -> str:
        return self.company_name


class Invoice(models.Model):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary invoice")
        VAT = "vat", _("VAT special invoice")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="invoice")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("invoice title"), max_length=100)
    qualification = models.ForeignKey(EnterpriseQualification, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="invoices")
    amount = MoneyField(_("amount"), validators=[non_negative], help_text=_("Includes the shipping fee."))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="ordinary") | models.Q(qualification__isnull=False),
                name="vat_invoice_needs_qualification",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class TrackingCode(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED_STATION = "arrived_station", _("Arrived at delivery station")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    SIGNED = "signed", _("Signed for")
    EXCEPTION = "exception", _("Exception")


class ExceptionKind(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    RETURNED = "returned", _("Returned to sender")
    DELAYED = "delayed", _("Delayed")


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    shipped_at = models.DateTimeField(_("shipped at"))
    promised_start = models.DateTimeField(_("promised from"), null=True, blank=True)
    promised_end = models.DateTimeField(_("promised by"), null=True, blank=True)
    # Cached from the latest tracking event, so lists and the logistics watch need no join.
    last_code = models.CharField(_("latest status"), max_length=20, choices=TrackingCode.choices, blank=True)
    last_event_at = models.DateTimeField(_("latest event at"), null=True, blank=True)
    exception_kind = models.CharField(_("exception"), max_length=10, choices=ExceptionKind.choices, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_unique"),
            models.CheckConstraint(
                condition=models.Q(promised_start__isnull=True)
                | models.Q(promised_end__gte=models.F("promised_start")),
                name="shipment_promise_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name} {self.tracking_number}"


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=100)
    code = models.CharField(_("status"), max_length=20, choices=TrackingCode.choices)
    exception_kind = models.CharField(_("exception"), max_length=10, choices=ExceptionKind.choices, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "id"]
        constraints = [
            # Appending the same event again (a replayed feed) changes nothing.
            models.UniqueConstraint(fields=["shipment", "occurred_at", "code"], name="tracking_event_once"),
            models.CheckConstraint(
                condition=(models.Q(code="exception") & ~models.Q(exception_kind=""))
                | (~models.Q(code="exception") & models.Q(exception_kind="")),
                name="tracking_exception_has_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_code_display()} {self.place}"
