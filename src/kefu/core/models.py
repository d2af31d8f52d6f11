from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One status or money change: who, when, on what, from → to, why. Never edited, never deleted."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        MONEY = "money", _("Money change")
        FIELD = "field", _("Field change")

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=100, blank=True,
                                   help_text=_("System actors, e.g. 'duty:cancel_unpaid_orders' or 'sync:shop'"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    field = models.CharField(_("field"), max_length=64)
    old_value = models.CharField(_("from"), max_length=200, blank=True)
    new_value = models.CharField(_("to"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.object_repr}.{self.field}: {self.old_value} → {self.new_value}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change it reports.

    A dispatcher (Celery task, or inline in the embedded default) hands it to every subscriber once;
    a crash between commit and dispatch loses nothing, and OutboxDelivery keeps a retry from
    delivering to a subscriber twice.
    """

    topic = models.CharField(_("topic"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"))
    available_at = models.DateTimeField(_("available at"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["available_at"], name="outbox_pending",
                         condition=models.Q(dispatched_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic}"


class OutboxDelivery(models.Model):
    """A subscriber has handled an event. Unique, so a retry never hands it over twice."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    delivered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_delivery_once")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscriber}"
