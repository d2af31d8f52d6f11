"""The service team's calendar and people: shifts, holidays, agents' skills and capacity, the roster, and the
handover (交接) between shifts [seed 001, seed 004].

The business-hours arithmetic on top of these rows is pure and lives in calendar.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.TextChoices):
    PRESALE = "presale", _("Pre-sale")
    AFTERSALE = "aftersale", _("After-sale")
    LOGISTICS = "logistics", _("Logistics")
    COMPLAINTS = "complaints", _("Complaints")


class Shift(models.Model):
    """A shift of the service day. A shift whose end is not after its start ends on the next calendar day."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    start = models.TimeField(_("starts at"))
    end = models.TimeField(_("ends at"), help_text=_("Not after the start: the shift ends the next day."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["start", "code"]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start == self.end:
            raise ValidationError({"end": _("A shift cannot start and end at the same time.")})


class Holiday(models.Model):
    """A date with no service (a public holiday), or a make-up working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=40)
    workday = models.BooleanField(_("make-up working day"), default=False,
                                  help_text=_("Checked: the team works this day although it is a weekend."))

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class AgentProfile(models.Model):
    """What routing needs to know about an agent: skills, seniority and how many open tickets they may hold."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    skills = models.JSONField(_("skills"), default=list, blank=True,
                              help_text=_("Any of: presale, aftersale, logistics, complaints."))
    senior = models.BooleanField(_("senior agent"), default=False,
                                 help_text=_("Serves the diamond customers' dedicated queue."))
    ticket_capacity = models.PositiveSmallIntegerField(
        _("ticket capacity"), default=8, validators=[MinValueValidator(0), MaxValueValidator(200)])
    last_ticket_assigned_at = models.DateTimeField(_("last ticket assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return self.user.get_username()

    def clean(self) -> None:
        unknown = sorted(set(self.skills or []) - set(Skill.values))
        if unknown:
            raise ValidationError({"skills": _("Unknown skills: %(skills)s") % {"skills": ", ".join(unknown)}})


class RosterEntry(models.Model):
    """One agent working one shift on one service date (the date the shift starts)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_entries")
    date = models.DateField(_("date"))
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="roster_entries")

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["date", "shift__start"]
        constraints = [models.UniqueConstraint(fields=["user", "date", "shift"], name="roster_once_per_shift")]
        indexes = [models.Index(fields=["date", "shift"], name="roster_date_shift")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.shift.code} {self.user.get_username()}"


class Handover(models.Model):
    """The list a shift leaves for the next one: its open items, their last note and next action."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="handovers")
    date = models.DateField(_("service date"))
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"))
    note = models.TextField(_("note for the next shift"), blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+", verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-date", "-shift__start"]
        constraints = [models.UniqueConstraint(fields=["shift", "date"], name="handover_once_per_shift")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.shift.name}"


class HandoverItem(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="handover_items")
    last_note = models.TextField(_("last note"), blank=True)
    next_action = models.TextField(_("next action"), blank=True)

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["handover", "ticket"], name="handover_item_once")]

    def __str__(self) -> str:
        return f"{self.handover} {self.ticket_id}"


# --- live chat presence (kefu/contact/presence.py writes these; kefu/contact/acd.py routes on them) ---------

class AgentState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy (at chat capacity)")
    ACW = "acw", _("After-contact work")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentPresence(models.Model):
    """An agent's live state in the chat queue, and how many chats they may hold at once.

    `busy` is derived (available at capacity), never chosen; `active_chats` is kept by the chat services in
    the same transaction as the conversation that changes it, under this row's lock.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence")
    state = models.CharField(_("state"), max_length=10, choices=AgentState.choices, default=AgentState.OFFLINE)
    since = models.DateTimeField(_("in this state since"))
    chat_capacity = models.PositiveSmallIntegerField(
        _("chat capacity"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many chats the agent handles at once."))
    active_chats = models.PositiveSmallIntegerField(_("active chats"), default=0)
    last_assigned_at = models.DateTimeField(_("last chat assigned at"), null=True, blank=True)
    acw_until = models.DateTimeField(_("after-contact work until"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presence")
        indexes = [models.Index(fields=["state"], name="presence_state")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} {self.state}"


class PresenceSpan(models.Model):
    """One stretch of time an agent spent in one state: the log that occupancy and time-in-state come from.
    The open span (no end yet) is the current state; at most one per agent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_spans")
    state = models.CharField(_("state"), max_length=10, choices=AgentState.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("presence span")
        verbose_name_plural = _("presence log")
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["user", "started_at"], name="presence_span_user_start"),
                   models.Index(fields=["started_at", "ended_at"], name="presence_span_period")]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(ended_at__isnull=True),
                                    name="presence_one_open_span"),
            models.CheckConstraint(condition=models.Q(ended_at__isnull=True)
                                   | models.Q(ended_at__gte=models.F("started_at")), name="presence_span_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.started_at:%Y-%m-%d %H:%M:%S}"

    def seconds(self, until=None) -> float:
        """How long the span lasted (an open span: until `until`)."""
        end = self.ended_at or until
        return max((end - self.started_at).total_seconds(), 0.0) if end else 0.0
