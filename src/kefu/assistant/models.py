"""The knowledge base (FAQ entries with every earlier version kept) and the log of questions asked.

Every write goes through `kefu.assistant.services`; these rows hold data and per-row invariants.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Intent(models.TextChoices):
    ORDER_STATUS = "order_status", _("Where is my order")
    DELIVERY_TIME = "delivery_time", _("Delivery time in general")
    PRODUCT_MISMATCH = "product_mismatch", _("Not as described, wrong or missing item")
    QUALITY_REPAIR = "quality_repair", _("Quality fault and repair")
    PAYMENT = "payment", _("Payment")
    INVOICE = "invoice", _("Invoice")
    RESTOCK = "restock", _("Out of stock, pre-sale")
    PRICE_PROTECTION = "price_protection", _("Price protection")
    CANCEL_ORDER = "cancel_order", _("Cancel or change an order")
    INSTALLATION = "installation", _("Installation")
    AUTHENTICITY_WARRANTY = "authenticity_warranty", _("Authenticity and warranty")
    COD = "cod", _("Cash on delivery")
    RETURN_EXCHANGE = "return_exchange", _("Return or exchange")
    REFUND_STATUS = "refund_status", _("Refund and after-sales progress")
    COMPLAINT = "complaint", _("Complaint")
    HUMAN_AGENT = "human_agent", _("Asks for a person")
    LOGISTICS_PROBLEM = "logistics_problem", _("Delivery problem")
    PRODUCT_QUESTION = "product_question", _("Pre-sale product question")
    OTHER = "other", pgettext_lazy("intent", "Other")


class Category(models.TextChoices):
    ORDER = "order", _("Orders")
    DELIVERY = "delivery", _("Delivery")
    PAYMENT = "payment", _("Payment")
    INVOICE = "invoice", _("Invoices")
    PRODUCT = "product", _("Products")
    AFTER_SALES = "after_sales", _("After-sales")
    INSTALLATION = "installation", _("Installation")
    LOGISTICS = "logistics", _("Logistics")
    PROMOTION = "promotion", _("Coupons and points")
    MEMBERSHIP = "membership", _("Membership")
    ACCOUNT = "account", _("Account")
    SERVICE = "service", _("Customer service")


class Channel(models.TextChoices):
    """Where an entry may be shown. `agent` entries are for the agents' tools only (internal answers)."""

    WEB = "web", _("Web portal")
    APP = "app", _("Mobile app")
    CHAT = "chat", _("Chat bot")
    AGENT = "agent", _("Agents only")


CUSTOMER_CHANNELS = [Channel.WEB.value, Channel.APP.value, Channel.CHAT.value]


class FaqEntry(models.Model):
    key = models.SlugField(_("key"), max_length=60, unique=True,
                           help_text=_("A stable name for the entry, used by the data files and the evaluation."))
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(
        _("answer"),
        help_text=_("Placeholders such as {{no_reason_days}} are filled in from the shop's policy settings "
                    "when the answer is shown (docs/assistant.md lists them)."))
    alternatives = models.TextField(_("alternative phrasings"), blank=True,
                                    help_text=_("Other ways customers ask the same question, one per line."))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    intent = models.CharField(_("intent"), max_length=24, choices=Intent.choices)
    channels = models.JSONField(_("shown on"), default=list)
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Inactive entries are kept but never shown (drafts)."))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["intent", "is_active"], name="faq_intent_active")]

    def __str__(self) -> str:
        return self.question

    @property
    def alternative_list(self) -> list[str]:
        return [line.strip() for line in self.alternatives.splitlines() if line.strip()]


class FaqVersion(models.Model):
    """One saved state of an entry. Version n is what the entry looked like after its n-th save."""

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    alternatives = models.TextField(_("alternative phrasings"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    intent = models.CharField(_("intent"), max_length=24, choices=Intent.choices)
    channels = models.JSONField(_("shown on"), default=list)
    is_active = models.BooleanField(_("active"))
    saved_at = models.DateTimeField(_("saved at"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("FAQ version")
        verbose_name_plural = _("FAQ versions")
        ordering = ["entry", "-version"]
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="faq_version_once")]

    def __str__(self) -> str:
        return f"{self.entry.key} v{self.version}"


class Outcome(models.TextChoices):
    FAQ = "faq", _("Answered from the FAQ")
    PERSONAL = "personal", _("Answered from the customer's data")
    HANDOFF = "handoff", _("Handed to a person")
    UNANSWERED = "unanswered", _("Not answered")


class AskedQuestion(models.Model):
    """A question put to the assistant, for the supervisors' list of what it could not answer well."""

    asked_at = models.DateTimeField(_("asked at"))
    text = models.CharField(_("question"), max_length=500)
    normalised = models.CharField(_("normalised"), max_length=500)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    customer = models.ForeignKey("commerce.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    intent = models.CharField(_("intent"), max_length=24, choices=Intent.choices)
    confidence = models.FloatField(_("confidence"), validators=[MinValueValidator(0), MaxValueValidator(1)])
    path = models.CharField(_("model path"), max_length=8)
    faq = models.ForeignKey(FaqEntry, verbose_name=_("FAQ entry"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="asked")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    handoff = models.BooleanField(_("handed off"))
    answer = models.TextField(_("answer given"), blank=True)
    actions = models.JSONField(_("actions offered"), default=list, blank=True)
    client_id = models.CharField(_("client's id"), max_length=64, blank=True,
                                 help_text=_("The chat window's own id for the question: a resend is answered once."))
    handed_to = models.CharField(_("handed to chat"), max_length=20, blank=True,
                                 help_text=_("The live chat this exchange was carried into (its first messages)."))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    turned_into = models.ForeignKey(FaqEntry, verbose_name=_("turned into FAQ entry"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="from_questions")

    class Meta:
        verbose_name = _("asked question")
        verbose_name_plural = _("asked questions")
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-asked_at"], name="asked_outcome_recent"),
            models.Index(fields=["confidence"], name="asked_unreviewed_confidence",
                         condition=models.Q(reviewed_at__isnull=True)),
            models.Index(fields=["customer", "asked_at"], name="asked_customer_waiting",
                         condition=models.Q(channel="chat", handed_to="")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(confidence__gte=0) & models.Q(confidence__lte=1),
                                   name="asked_confidence_0_1"),
        ]

    def __str__(self) -> str:
        return self.text[:60]
