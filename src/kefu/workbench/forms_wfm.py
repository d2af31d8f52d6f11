"""The workforce-plan form: the week, the targets, the callers, the promotion and the shifts, checked here so
the planner only ever sees sensible input; `PlanRequest` is the normalised result (the cache key, the
planner's Targets and PlanOptions).

The form is a GET form (a plan is a link a supervisor can send). Fields left out of the query take the
planner's defaults, so `?run=1&week_start=2026-11-30` is a whole plan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kefu.core import clock
from kefu.wfm.errors import WfmInputError
from kefu.wfm.plan import DEFAULT_TARGETS, PlanOptions
from kefu.wfm.roster import RosterOptions
from kefu.wfm.shifts import flexible_shifts, seed_fixed_shifts
from kefu.wfm.staffing import Targets

OPTIMISED, FIXED = "optimised", "fixed"
SHIFT_LENGTH_MINUTES = 480
ROSTER_TIME_LIMIT_SECONDS = 30.0  # per solve: a page request, not a batch job
CLOCK_TIMES = [(f"{m // 60:02d}:{m % 60:02d}",) * 2 for m in range(0, 24 * 60, 30)]  # shifts start on the half hour
_PLANNER = PlanOptions()
_FLEXIBLE = flexible_shifts()


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _percent(fraction: float | None) -> Decimal | None:
    return None if fraction is None else Decimal(str(round(fraction * 100, 1)))


def _clock_time(minute: int) -> str:
    return f"{(minute // 60) % 24:02d}:{minute % 60:02d}"


def defaults(today: date) -> dict:
    """The planner's defaults, as the form's values."""
    return {
        "week_start": next_monday(today).isoformat(),
        "service_level": _percent(DEFAULT_TARGETS.service_level),
        "answer_within": int(DEFAULT_TARGETS.answer_within_seconds),
        "answer_rate": _percent(DEFAULT_TARGETS.answer_rate),
        "aht": int(_PLANNER.aht_seconds),
        "patience": int(_PLANNER.patience_seconds),
        "shifts": OPTIMISED,
        "shift_step": 30,
        "earliest_start": _clock_time(_FLEXIBLE.starts[0]),
        "latest_end": _clock_time(_FLEXIBLE.starts[-1] + _FLEXIBLE.length),
        "replications": _PLANNER.replications,
        "queue": "",
    }


def with_defaults(query: QueryDict, today: date) -> QueryDict:
    """The query with every field it leaves out set to its default (a blank field stays blank: the supervisor
    cleared it on purpose)."""
    data = query.copy()
    for name, value in defaults(today).items():
        if name not in data:
            data[name] = "" if value is None else str(value)
    return data


@dataclass(frozen=True)
class PlanRequest:
    """What to plan, normalised: equal requests are equal plans (given the same history)."""

    week_start: date
    service_level: float | None  # fractions
    answer_within: int
    answer_rate: float | None
    aht: int
    patience: int | None
    promotion_days: tuple[date, ...]
    promotion_multiplier: float | None
    shifts: str
    shift_step: int
    earliest_start: int  # minutes from the day's 00:00
    latest_end: int  # may pass 1440 (past midnight)
    any_days_off: bool
    replications: int
    queue: str
    history_promotion_days: tuple[date, ...]

    def key(self) -> str:
        return json.dumps(asdict(self), default=str, sort_keys=True)

    def targets(self) -> Targets:
        return Targets(self.service_level, float(self.answer_within), self.answer_rate)

    def options(self) -> PlanOptions:
        optimised = self.shifts == OPTIMISED
        rules = (flexible_shifts(self.earliest_start, self.latest_end, self.shift_step) if optimised
                 else seed_fixed_shifts())
        return PlanOptions(
            aht_seconds=float(self.aht), patience_seconds=None if self.patience is None else float(self.patience),
            week_start=self.week_start, promotion_days=frozenset(self.promotion_days),
            promotion_multiplier=self.promotion_multiplier, shifts=rules,
            compare_with=seed_fixed_shifts() if optimised else None,
            roster=RosterOptions(time_limit_seconds=ROSTER_TIME_LIMIT_SECONDS,
                                 consecutive_days_off=not self.any_days_off),
            replications=self.replications)


class WeekPlanForm(forms.Form):
    week_start = forms.DateField(label=_("Week starting (a Monday)"),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    service_level = forms.DecimalField(
        label=_("Service level (%)"), required=False, min_value=Decimal("1"), max_value=Decimal("99.9"),
        decimal_places=1, help_text=_("Share of calls answered within the threshold. Empty: no service-level target."))
    answer_within = forms.IntegerField(label=_("Answered within (seconds)"), min_value=0, max_value=600)
    answer_rate = forms.DecimalField(
        label=_("Answer rate (%)"), required=False, min_value=Decimal("1"), max_value=Decimal("99.9"),
        decimal_places=1, help_text=_("Share of calls answered at all (接通率). Empty: no answer-rate target."))
    aht = forms.IntegerField(label=_("Average handle time (seconds)"), min_value=10, max_value=3600)
    patience = forms.IntegerField(
        label=_("Caller patience (seconds)"), required=False, min_value=5, max_value=3600,
        help_text=_("How long callers wait on average before hanging up (Erlang A). Empty: nobody hangs up "
                    "(Erlang C)."))
    promotion_days = forms.TypedMultipleChoiceField(
        label=_("Promotion days"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple)
    promotion_multiplier = forms.DecimalField(
        label=_("Promotion multiplier"), required=False, min_value=Decimal("1.00"), max_value=Decimal("5.00"),
        decimal_places=2, help_text=_("Contacts on a promotion day ÷ an ordinary day. Empty: measured from the "
                                      "history's promotion days, else 1.3."))
    shifts = forms.ChoiceField(label=_("Shifts"), widget=forms.RadioSelect, choices=[
        (OPTIMISED, _("Optimised 8-hour shifts (compared with the two fixed shifts)")),
        (FIXED, _("Only the two fixed shifts: early 08:30–16:30, late 16:30–00:30"))])
    shift_step = forms.TypedChoiceField(label=_("Optimised shifts start"), coerce=int, choices=[
        (30, _("every 30 minutes")), (60, _("every hour"))])
    earliest_start = forms.ChoiceField(label=_("Earliest shift start"), choices=CLOCK_TIMES)
    latest_end = forms.ChoiceField(label=_("Latest shift end"), choices=CLOCK_TIMES,
                                   help_text=_("At or before the start: the next day."))
    any_days_off = forms.BooleanField(label=_("Days off need not be consecutive"), required=False)
    replications = forms.IntegerField(
        label=_("Simulation runs per day"), min_value=1, max_value=20,
        help_text=_("More runs give steadier figures and take longer."))
    queue = forms.ChoiceField(label=_("Line"), required=False)
    history_promotion_days = forms.CharField(
        label=_("Promotion days in the history"), required=False, max_length=400,
        help_text=_("Dates like 2026-11-11, separated by commas: kept out of the ordinary pattern and used to "
                    "measure the multiplier."))

    def __init__(self, *args, queues: Sequence[str] = (), today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or clock.localnow().date()
        self.fields["queue"].choices = [("", _("All lines")), *((name, name) for name in queues)]
        monday = self._monday()
        self.fields["promotion_days"].choices = [
            (d, formats.date_format(monday + timedelta(days=d), "D n/j")) for d in range(7)]

    def _monday(self) -> date:
        """The week the promotion checkboxes name: the chosen one if it reads as a Monday, else the next."""
        raw = self.data.get("week_start") if self.is_bound else None
        try:
            chosen = date.fromisoformat(raw) if raw else None
        except ValueError:
            chosen = None
        return chosen if chosen and chosen.weekday() == 0 else next_monday(self.today)

    def clean_week_start(self) -> date:
        week = self.cleaned_data["week_start"]
        if week.weekday() != 0:
            raise forms.ValidationError(_("Choose a Monday: a plan covers Monday to Sunday."), code="not_monday")
        if abs((week - self.today).days) > 366:
            raise forms.ValidationError(_("Choose a week within a year of today."), code="too_far")
        return week

    def clean_history_promotion_days(self) -> tuple[date, ...]:
        text = self.cleaned_data["history_promotion_days"].replace("，", ",")
        days = []
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            try:
                days.append(date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(_("Write dates like 2026-11-11, separated by commas."),
                                            code="bad_date") from None
        return tuple(sorted(set(days)))

    def clean(self) -> dict:
        data = super().clean()
        if "service_level" in data and "answer_rate" in data:
            if data["service_level"] is None and data["answer_rate"] is None:
                self.add_error("service_level", forms.ValidationError(
                    _("Give a service level, an answer rate, or both."), code="no_target"))
            elif data["answer_rate"] is not None and "patience" in data and data["patience"] is None:
                self.add_error("answer_rate", forms.ValidationError(
                    _("An answer-rate target needs the callers' patience: without it nobody hangs up and every "
                      "call is answered in the end."), code="needs_patience"))
        if data.get("shifts") == OPTIMISED and "earliest_start" in data and "latest_end" in data:
            start, end = _minutes(data["earliest_start"]), _minutes(data["latest_end"])
            if end <= start:
                end += 24 * 60
            if end - start < SHIFT_LENGTH_MINUTES:
                self.add_error("latest_end", forms.ValidationError(
                    _("From the earliest start to the latest end there must be room for one 8-hour shift."),
                    code="window"))
        return data

    def plan_request(self) -> PlanRequest:
        data = self.cleaned_data
        start, end = _minutes(data["earliest_start"]), _minutes(data["latest_end"])
        if end <= start:
            end += 24 * 60
        week = data["week_start"]
        optimised = data["shifts"] == OPTIMISED
        return PlanRequest(
            week_start=week, service_level=_fraction(data["service_level"]), answer_within=data["answer_within"],
            answer_rate=_fraction(data["answer_rate"]), aht=data["aht"], patience=data["patience"],
            promotion_days=tuple(week + timedelta(days=d) for d in sorted(set(data["promotion_days"]))),
            promotion_multiplier=None if data["promotion_multiplier"] is None else float(data["promotion_multiplier"]),
            shifts=data["shifts"], shift_step=data["shift_step"] if optimised else 0,
            earliest_start=start if optimised else 0, latest_end=end if optimised else 0,
            any_days_off=data["any_days_off"], replications=data["replications"], queue=data["queue"] or "",
            history_promotion_days=data["history_promotion_days"])

    def add_planner_error(self, error: WfmInputError) -> None:
        """The planner refused what the form let through (e.g. intervals no shift covers): say so on the field."""
        known = PLANNER_ERRORS.get(error.field.split("[")[0])
        if known:
            field, message = known
        else:
            field = next((name for prefix, name in PLANNER_FIELDS if error.field.startswith(prefix)), None)
            message = _("The planner cannot use this: %(reason)s") % {"reason": error.message}
        if field == "earliest_start" and self.cleaned_data.get("shifts") == FIXED:
            field = "shifts"
        self.add_error(field, forms.ValidationError(message, code="planner"))


# The planner's field names (kefu.wfm.errors.WfmInputError.field) → the form's, with a message of our own where
# the planner's English one is not for a supervisor.
PLANNER_ERRORS = {
    "requirement": ("earliest_start", _("Some intervals need agents but no shift covers them: widen the shift "
                                        "window.")),
    "targets": ("service_level", _("No number of agents reaches this target.")),
    "roster.time_limit_seconds": (None, _("The roster solver found no roster in time: allow fewer shift starts "
                                          "(every hour) or try again.")),
    "history": (None, _("The history of contacts cannot be used for a forecast.")),
}
PLANNER_FIELDS = [("targets.service_level", "service_level"), ("targets.answer_rate", "answer_rate"),
                  ("targets.answer_within", "answer_within"), ("aht", "aht"), ("patience", "patience"),
                  ("promotion_multiplier", "promotion_multiplier"), ("promotion_days", "promotion_days"),
                  ("shifts", "earliest_start"), ("replications", "replications")]


def _minutes(clock_time: str) -> int:
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


def _fraction(percent: Decimal | None) -> float | None:
    return None if percent is None else float(percent) / 100.0
