"""Call records from the telephony system.

TelephonyEvent keeps every event as reported (the trail: who reported what, when we got it); Call is folded from
its events (telephony.fold) and rewritten whenever one of them arrives, so it is derived state and is never
edited by hand. AgentLine maps the switch's agent labels (extensions, interfaces) to staff users.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import telephony as t


class Outcome(models.TextChoices):
    IN_PROGRESS = t.IN_PROGRESS, _("Waiting")
    ANSWERED = t.ANSWERED, _("Answered")
    ABANDONED = t.ABANDONED, _("Abandoned")
    OVERFLOWED = t.OVERFLOWED, _("Left the queue unanswered")
    TRANSFERRED = t.TRANSFERRED, _("Answered and transferred")


class EventKind(models.TextChoices):
    OFFERED = t.OFFERED, _("Offered")
    ANSWERED = t.ANSWERED, _("Answered")
    ABANDONED = t.ABANDONED, _("Abandoned")
    OVERFLOWED = t.OVERFLOWED, _("Overflowed")
    TRANSFERRED = t.TRANSFERRED, _("Transferred")
    ENDED = t.ENDED, _("Ended")
    MISSED = t.MISSED, _("Rang unanswered")
    LOGIN = t.LOGIN, _("Agent logged in")
    LOGOFF = t.LOGOFF, _("Agent logged off")
    PAUSE = t.PAUSE, _("Agent paused")
    UNPAUSE = t.UNPAUSE, _("Agent unpaused")


class Call(models.Model):
    call_id = models.CharField(_("call id"), max_length=64, unique=True,
                               help_text=_("The telephony system's unique id of the call."))
    queue = models.CharField(_("queue"), max_length=64, blank=True)
    offered_at = models.DateTimeField(_("offered at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="calls", verbose_name=_("agent"))
    agent_label = models.CharField(_("agent as the switch names them"), max_length=128, blank=True)
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    customer = models.ForeignKey("commerce.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="calls", verbose_name=_("customer"))
    wait_seconds = models.PositiveIntegerField(_("wait (s)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk (s)"), null=True, blank=True)
    wrapup_seconds = models.PositiveIntegerField(_("after-call work (s)"), null=True, blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=128, blank=True)
    overflow_reason = models.CharField(_("why it left the queue"), max_length=32, blank=True)
    missed_rings = models.PositiveSmallIntegerField(_("unanswered rings"), default=0)
    source = models.CharField(_("reported by"), max_length=120, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-offered_at"]
        indexes = [
            models.Index(fields=["offered_at"], name="call_offered_at"),
            models.Index(fields=["outcome", "offered_at"], name="call_outcome_offered"),
            models.Index(fields=["agent_label", "offered_at"], name="call_agent_offered"),
        ]

    def __str__(self) -> str:
        return self.call_id


class TelephonyEvent(models.Model):
    """One event as the switch reported it. `key` makes a replay a no-op (telephony.event_key)."""

    key = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    call_id = models.CharField(_("call id"), max_length=64, blank=True, db_index=True)
    queue = models.CharField(_("queue"), max_length=64, blank=True)
    agent_label = models.CharField(_("agent as the switch names them"), max_length=128, blank=True)
    caller = models.CharField(_("caller number"), max_length=32, blank=True)
    wait_seconds = models.PositiveIntegerField(_("wait (s)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk (s)"), null=True, blank=True)
    wrapup_seconds = models.PositiveIntegerField(_("after-call work (s)"), null=True, blank=True)
    target = models.CharField(_("transferred to"), max_length=128, blank=True)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    event_id = models.CharField(_("sender's event id"), max_length=100, blank=True)
    source = models.CharField(_("reported by"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("telephony event")
        verbose_name_plural = _("telephony events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="telephony_kind_at")]

    def __str__(self) -> str:
        return f"{self.call_id or self.agent_label} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"

    def as_event(self) -> t.TelephonyEvent:
        return t.TelephonyEvent(kind=self.kind, at=self.at, call_id=self.call_id, queue=self.queue,
                                agent=self.agent_label, caller=self.caller, wait_seconds=self.wait_seconds,
                                talk_seconds=self.talk_seconds, wrapup_seconds=self.wrapup_seconds,
                                target=self.target, reason=self.reason, event_id=self.event_id)


class AgentLine(models.Model):
    """The switch's name for an agent → the staff user. `label` is an interface (SIP/8001), an extension (8001) or
    an Asterisk agent (Agent/1001); without a line, a label whose extension equals a username matches that user."""

    label = models.CharField(_("extension or interface"), max_length=128, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_lines",
                             limit_choices_to={"customer__isnull": True, "is_active": True},
                             verbose_name=_("agent"))

    class Meta:
        verbose_name = _("agent line")
        verbose_name_plural = _("agent lines")
        ordering = ["label"]

    def __str__(self) -> str:
        return f"{self.label} → {self.user.get_username()}"
