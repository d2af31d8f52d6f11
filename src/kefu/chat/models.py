"""Live chat: the conversation (waiting → active → ended, or left as a message), who served it when, and its
messages (text or an image). Every write goes through kefu.chat.services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import chat_states as st

STATUS_LABELS = {
    st.WAITING: _("Waiting"), st.ACTIVE: _("In progress"), st.ENDED: pgettext_lazy("chat", "Ended"),
    st.LEFT_MESSAGE: _("Message left"),
}

HANDLE = "chat.handle_conversation"  # may serve live chats (the agent's console, ws/agent/chat/)
SUPERVISE = "chat.supervise_chat"  # sees every queue, agent and chat; transfers and ends any chat


class ChatSkill(models.TextChoices):
    PRESALE = "presale", _("Pre-sale")
    AFTERSALE = "aftersale", _("After-sale")


class Party(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
    ASSISTANT = "assistant", _("Smart assistant")


class Conversation(models.Model):
    number = models.CharField(_("chat number"), max_length=20, unique=True)
    customer = models.ForeignKey("commerce.Customer", on_delete=models.PROTECT, related_name="chats",
                                 verbose_name=_("customer"))
    order = models.ForeignKey("commerce.Order", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="chats", verbose_name=_("order"))
    skill = models.CharField(_("queue"), max_length=10, choices=ChatSkill.choices)
    tier = models.CharField(_("membership tier"), max_length=12, help_text=_("The customer's tier when it began."))
    intent = models.CharField(_("intent"), max_length=24, blank=True,
                              help_text=_("What the smart assistant understood the customer wants (routing uses it)."))
    priority = models.PositiveSmallIntegerField(_("priority"), default=3,
                                                validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(_("status"), max_length=12, choices=list(STATUS_LABELS.items()), default=st.WAITING)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="chats", verbose_name=_("agent"))

    started_at = models.DateTimeField(_("started at"))
    waiting_since = models.DateTimeField(_("waiting since"),
                                         help_text=_("Its place in the line; kept when it is put back."))
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True,
                                     help_text=_("When this round of waiting began."))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("wait (seconds)"), default=0,
                                               help_text=_("All the time spent in the line, every round."))
    transfers = models.PositiveSmallIntegerField(_("transfers"), default=0)
    ended_by = models.CharField(_("ended by"), max_length=10, choices=Party.choices, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=40, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="chats", verbose_name=_("ticket"))

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["-started_at", "-id"]
        permissions = [
            ("handle_conversation", _("Can serve live chats")),
            ("supervise_chat", _("Can supervise live chat (every queue, agent and chat)")),
        ]
        indexes = [
            models.Index(fields=["status", "skill"], name="chat_status_skill"),
            models.Index(fields=["agent", "status"], name="chat_agent_status"),
            models.Index(fields=["customer", "started_at"], name="chat_customer_started"),
            models.Index(fields=["skill", "ended_at"], name="chat_skill_ended"),
        ]
        constraints = [
            # One open chat per customer: a second start finds the first one.
            models.UniqueConstraint(fields=["customer"], condition=models.Q(status__in=sorted(st.OPEN)),
                                    name="chat_one_open_per_customer"),
            models.CheckConstraint(condition=models.Q(priority__gte=1, priority__lte=4), name="chat_priority_1_4"),
            models.CheckConstraint(condition=~models.Q(status=st.ACTIVE) | models.Q(agent__isnull=False),
                                   name="chat_active_has_agent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in st.OPEN


class ChatAssignment(models.Model):
    """One agent serving one chat for a while: from assignment (or transfer) to its end or hand-back. Who took
    part (an image is served to them), and per-agent handle time for the reports."""

    class Release(models.TextChoices):
        ENDED = "ended", pgettext_lazy("chat", "Ended")
        TRANSFERRED = "transferred", _("Transferred to an agent")
        REQUEUED = "requeued", _("Put back in the line")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_assignments")
    assigned_at = models.DateTimeField(_("assigned at"))
    reason = models.CharField(_("why this agent"), max_length=20)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release = models.CharField(_("how it left the agent"), max_length=12, choices=Release.choices, blank=True)

    class Meta:
        verbose_name = _("chat assignment")
        verbose_name_plural = _("chat assignments")
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["conversation"], condition=models.Q(released_at__isnull=True),
                                               name="chat_one_open_assignment")]
        indexes = [models.Index(fields=["agent", "assigned_at"], name="chat_assignment_agent")]

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.agent_id}"


def image_path(instance: ChatMessage, filename: str) -> str:
    return f"chat/images/{filename}"


class ChatMessage(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(pgettext_lazy("message author", "from"), max_length=10, choices=Party.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    body = models.TextField(_("message"), blank=True)
    image = models.FileField(_("image"), upload_to=image_path, max_length=200, blank=True)
    image_type = models.CharField(_("image type"), max_length=20, blank=True)
    image_size = models.PositiveIntegerField(_("image size (bytes)"), null=True, blank=True)
    event = models.CharField(_("system event"), max_length=20, blank=True,
                             help_text=_("What a system message reports: assigned, transferred, requeued, ended…"))
    client_id = models.CharField(_("client's id"), max_length=64, blank=True,
                                 help_text=_("The sender's own id for the message: a retry is not stored twice."))
    sent_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="chat_message_order")]
        constraints = [models.UniqueConstraint(fields=["conversation", "author", "client_id"],
                                               condition=~models.Q(client_id=""), name="chat_message_once")]

    def __str__(self) -> str:
        return f"{self.conversation_id} #{self.pk}"
