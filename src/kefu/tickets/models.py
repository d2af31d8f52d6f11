"""Tickets from every channel, their messages, SLA clocks, canned replies, the reply coach's phrases, the
customer notices, and the follow-up visit (回访) with its survey.

Every write goes through `kefu.tickets.services`; these rows hold data and per-row invariants.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import ticket_states as st

STATUS_LABELS = {
    st.NEW: _("New"), st.OPEN: _("In progress"), st.WAITING_CUSTOMER: _("Waiting for the customer"),
    st.RESOLVED: _("Resolved"), st.CLOSED: _("Closed"), st.MERGED: _("Merged"),
}
FLOW_LABELS = {
    st.RECEIVED: pgettext_lazy("ticket handling step", "Received"), st.ANALYSED: _("Listened and analysed"),
    st.ACKNOWLEDGED: _("Customer's position acknowledged"), st.PROPOSED: _("Solution proposed"),
    st.ACCEPTED: _("Solution accepted"), st.REFUSED: _("Solution not accepted"),
}


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    REVIEW = "review", _("Review")
    AGENT = "agent", _("Created by an agent")


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    QUESTION = "question", _("Question")
    REQUEST = "request", pgettext_lazy("ticket kind", "Request")
    CARE_TASK = "care_task", _("Care task")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Cause(models.TextChoices):
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    WRONG_OR_MISSING = "wrong_or_missing", _("Wrong or missing item")
    DELIVERY = "delivery", _("Delivery and courier")
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    AFTERSALES_PROCESS = "aftersales_process", _("After-sales process")
    PRICE = "price", _("Price and promotions")
    PAYMENT = "payment", _("Payment and invoice")
    PAGE_INFORMATION = "page_information", _("Product page information")
    OTHER = "other", _("Other")


class Queue(models.Model):
    """A work queue: one per skill, the diamond customers' dedicated queue, and the customer-care team's."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    skill = models.CharField(_("skill"), max_length=20, blank=True,
                             help_text=_("Agents with this skill work the queue; empty for the special queues."))
    senior_only = models.BooleanField(_("senior agents only"), default=False)
    care_team = models.BooleanField(_("customer-care team"), default=False)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets per priority, in business minutes (the shift calendar without holidays)."""

    priority = models.PositiveSmallIntegerField(_("priority"), unique=True,
                                                validators=[MinValueValidator(1), MaxValueValidator(4)])
    name = models.CharField(_("name"), max_length=40)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    supervisor_minutes = models.PositiveIntegerField(
        _("supervisor's time (business minutes)"),
        help_text=_("After an escalation, the supervisor's time before the customer-care team takes over."))
    # xgettext:no-python-format -- the "%" is a literal percent sign, not a placeholder
    warn_percent = models.PositiveSmallIntegerField(_("warn at (% of the time used)"), default=80,
                                                    validators=[MinValueValidator(1), MaxValueValidator(99)])

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]
        constraints = [models.CheckConstraint(
            condition=models.Q(first_response_minutes__gt=0, next_response_minutes__gt=0,
                               resolution_minutes__gt=0, supervisor_minutes__gt=0),
            name="sla_targets_positive")]

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, clock_kind: str) -> int:
        return getattr(self, f"{clock_kind}_minutes")


class Ticket(models.Model):
    number = models.CharField(_("ticket number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=120)
    customer = models.ForeignKey("commerce.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="tickets")
    requester_name = models.CharField(_("requester's name"), max_length=80, blank=True)
    requester_email = models.EmailField(_("requester's email"), blank=True)
    order = models.ForeignKey("commerce.Order", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="tickets")
    case = models.ForeignKey("aftersales.AfterSalesCase", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="tickets")
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True,
                                  help_text=_("The call, chat or review this ticket came from."))

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    status = models.CharField(_("status"), max_length=20, choices=list(STATUS_LABELS.items()), default=st.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="tickets", verbose_name=_("agent"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), default=0, help_text=_("0 agent, 1 supervisor, 2 customer-care team (the last line)."))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    flow = models.CharField(_("handling step"), max_length=14, choices=list(FLOW_LABELS.items()),
                            default=st.RECEIVED)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)
    analysis = models.TextField(_("analysis"), blank=True)
    acknowledgement = models.TextField(_("customer's position, as acknowledged"), blank=True)
    solution = models.TextField(_("proposed solution"), blank=True)
    refusal_reason = models.TextField(_("why the solution was not accepted"), blank=True)
    next_step = models.CharField(_("next promised step"), max_length=200, blank=True)
    next_step_by = models.DateTimeField(_("next step by"), null=True, blank=True)

    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children",
                               verbose_name=_("came from"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_tickets", verbose_name=_("merged into"))

    created_at = models.DateTimeField(_("received at"))
    updated_at = models.DateTimeField(_("updated at"))
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Kept by services/sla.py: the nearest due time of the running SLA clocks (none while all are paused).
    next_due_at = models.DateTimeField(_("next SLA due"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("work_tickets", _("Can work tickets")),
            ("supervise_tickets", _("Can supervise tickets (escalations, reports, handovers)")),
        ]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="ticket_queue_order"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created"),
            models.Index(fields=["queue", "status"], name="ticket_queue_status"),
            # The agents' queue order of open tickets (tickets/queue.py), and the latest resolved first.
            models.Index(fields=["priority", "next_due_at", "created_at", "id"], name="ticket_open_urgency",
                         condition=models.Q(status__in=sorted(st.OPEN_STATUSES))),
            models.Index(Coalesce("resolved_at", "closed_at").desc(), models.F("id").desc(),
                         name="ticket_done_latest", condition=models.Q(status__in=[st.RESOLVED, st.CLOSED])),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(priority__gte=1, priority__lte=4), name="ticket_priority_1_4"),
            models.CheckConstraint(condition=models.Q(escalation_level__lte=2), name="ticket_escalation_0_2"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_category(self) -> str:
        return st.CATEGORY[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in st.OPEN_STATUSES


class Author(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(pgettext_lazy("message author", "from"), max_length=8, choices=Author.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    body = models.TextField(_("message"))
    email_message_id = models.CharField(_("email Message-ID"), max_length=250, null=True, blank=True, unique=True)
    coach_flags = models.JSONField(_("reply coach flags"), default=list, blank=True)
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_order")]

    def __str__(self) -> str:
        return f"{self.ticket.number} #{self.pk}"


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", pgettext_lazy("SLA target", "First response")
    NEXT_RESPONSE = "next_response", pgettext_lazy("SLA target", "Next response")
    RESOLUTION = "resolution", pgettext_lazy("SLA target", "Resolution")
    SUPERVISOR = "supervisor", pgettext_lazy("SLA target", "Supervisor")


class SlaClock(models.Model):
    """One running target of a ticket. Paused clocks keep their remaining business seconds and no due time,
    so the sweep finds warnings and breaches with two indexed UPDATEs, whatever the number of tickets."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(_("target"), max_length=16, choices=ClockKind.choices)
    budget_seconds = models.PositiveIntegerField(_("budget (business seconds)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    remaining_seconds = models.FloatField(_("remaining while paused"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("met or stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="sla_clock_once_per_kind")]
        indexes = [
            models.Index(fields=["warn_at"], name="sla_clock_warn",
                         condition=models.Q(stopped_at__isnull=True, warned_at__isnull=True)),
            models.Index(fields=["due_at"], name="sla_clock_due",
                         condition=models.Q(stopped_at__isnull=True, breached_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.due_at is not None

    @property
    def paused(self) -> bool:
        return self.stopped_at is None and self.due_at is None


class CannedReply(models.Model):
    """A prepared answer, for one queue's team or for everyone; placeholders are filled from the ticket."""

    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"), help_text=_(
        "Placeholders: {customer_name} {order_number} {tracking_number} {ticket_number} {agent_name}"))
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, null=True, blank=True, related_name="canned_replies",
                              verbose_name=_("team"), help_text=_("Empty: every team may use it."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .placeholders import UnknownPlaceholder, validate

        try:
            validate(self.body)
        except UnknownPlaceholder as exc:
            raise ValidationError({"body": str(exc)}) from None


class CoachPhrase(models.Model):
    """A flat refusal or dismissive phrase the reply coach flags, with the wording it suggests [seed 001]."""

    text = models.CharField(_("phrase"), max_length=40, unique=True)
    suggestion = models.CharField(_("suggested wording"), max_length=200)
    why = models.CharField(_("why"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply coach phrase")
        verbose_name_plural = _("reply coach phrases")
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text


class Notice(models.Model):
    """What the customer is told without asking: in the portal, and by email / SMS where they have one."""

    customer = models.ForeignKey("commerce.Customer", on_delete=models.CASCADE, related_name="notices")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="notices")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    sent_by = models.JSONField(_("sent by"), default=list, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("notice", "sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="notice_customer_created")]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 1–5")
    YES_NO = "yes_no", _("Yes or no")
    TEXT = "text", _("Free text")


class SurveyQuestion(models.Model):
    """A question of the follow-up survey, besides the fixed overall score (CSAT 1–5) and comment."""

    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("answer"), max_length=8, choices=QuestionKind.choices)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Visit(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", pgettext_lazy("survey", "Answered")
    EXPIRED = "expired", _("Expired")


class FollowUpVisit(models.Model):
    """The 回访 after a resolution [seed 001]: scheduled for the next working day, with a survey."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="follow_up")
    status = models.CharField(_("status"), max_length=10, choices=Visit.choices, default=Visit.SCHEDULED)
    due_at = models.DateTimeField(_("due at"))
    token = models.CharField(_("survey token"), max_length=43, unique=True)
    sent_at = models.DateTimeField(pgettext_lazy("notice", "sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    care_task = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("care task"))

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"], name="visit_status_due")]
        constraints = [models.CheckConstraint(condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1,
                                                                                                 csat__lte=5),
                                              name="visit_csat_1_5")]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.status}"
