"""The supervisors' wallboard: today's figures for calls, chats and both, per 15 minutes, the queues and the agents
now (kefu/contact/wallboard.py reads them all).

The page polls two partials with htmx: the live part (figures, queues, agents) every 5 seconds and the interval
charts every minute — each a small fixed number of queries whatever the number of contacts. Without JavaScript
the page refreshes itself (a meta refresh in <noscript>) and has a refresh link. A past day shows its final
figures and does not poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache

from kefu.calls import metrics
from kefu.contact import wallboard as wb
from kefu.contact.models import AgentState
from kefu.core import clock, roles
from kefu.wfm.charts import BRAND, INFO, INK_3, OK, WARN, contacts_chart, rates_chart, states_chart
from kefu.wfm.plan import DEFAULT_TARGETS

from .access import permission_required

TEMPLATE = "workbench/wallboard/board.html"
LIVE_SECONDS, INTERVAL_SECONDS = 5, 60  # how often the page asks for the live part and for the charts
NOSCRIPT_REFRESH_SECONDS = 30
INTERVAL_MINUTES = 15
ANSWER_RATE_TARGET = DEFAULT_TARGETS.answer_rate  # 96 %: seed 002
SERVICE_LEVEL_TARGET = DEFAULT_TARGETS.service_level  # 80 % within the threshold
NEAR_TARGET = 0.05  # within 5 points below a target: amber, not red
DAY_STARTS = 8 * 60 // INTERVAL_MINUTES  # an empty day is drawn from 08:00

figures_viewers = permission_required(roles.CONTACT_FIGURES)

CHAT_STATE_LABELS = {
    AgentState.AVAILABLE: pgettext_lazy("agent state", "Available"),
    AgentState.BUSY: pgettext_lazy("agent state", "Busy (chats full)"),
    AgentState.ACW: pgettext_lazy("agent state", "After-contact work"),
    AgentState.AWAY: pgettext_lazy("agent state", "Away"),
    AgentState.OFFLINE: pgettext_lazy("agent state", "Offline"),
}
PHONE_STATE_LABELS = {
    wb.PHONE_TALKING: pgettext_lazy("agent state", "On a call"),
    wb.PHONE_READY: pgettext_lazy("agent state", "Ready for calls"),
    wb.PHONE_PAUSED: pgettext_lazy("agent state", "Paused"),
}
STATE_COLOURS = {AgentState.AVAILABLE: OK, AgentState.BUSY: BRAND, AgentState.ACW: WARN,
                 AgentState.AWAY: INK_3, wb.PHONE_TALKING: INFO, wb.PHONE_READY: "#5cb88a",
                 wb.PHONE_PAUSED: "#c9cdd4"}
QUEUE_LABELS = {"presale": pgettext_lazy("queue", "Pre-sale"), "aftersale": pgettext_lazy("queue", "After-sale")}


class WallboardForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sl = forms.IntegerField(label=gettext_lazy("Answered within (s)"), required=False, min_value=0, max_value=3600,
                            help_text=gettext_lazy("The service level's threshold."))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["day"].widget.attrs["max"] = today.isoformat()

    def clean_day(self) -> date | None:
        day = self.cleaned_data.get("day")
        if day is not None and day > self.today:
            raise forms.ValidationError(_("The wallboard has no figures for a day that has not come yet."),
                                        code="future")
        return day


@dataclass(frozen=True)
class Wanted:
    day: date
    sl_seconds: int
    is_today: bool
    query: str  # for the partials and the refresh link: only what was asked (no day = always today)
    sl_asked: bool = False

    def _link(self, name: str) -> str:
        return reverse(f"workbench:{name}") + (f"?{self.query}" if self.query else "")

    @property
    def page_link(self) -> str:
        return self._link("wallboard")

    @property
    def live_link(self) -> str:
        return self._link("wallboard_live")

    @property
    def intervals_link(self) -> str:
        return self._link("wallboard_intervals")


def _wanted(request: HttpRequest) -> tuple[WallboardForm, Wanted | None]:
    today = clock.localnow().date()
    form = WallboardForm(request.GET or None, today=today, initial={"day": today, "sl": int(metrics.SL_SECONDS)})
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    asked = {name: data[name] for name in ("day", "sl") if data.get(name) is not None}
    day = asked.get("day", today)
    query = urlencode({name: value.isoformat() if isinstance(value, date) else value for name, value in asked.items()})
    return form, Wanted(day, int(asked.get("sl", metrics.SL_SECONDS)), day == today, query, "sl" in asked)


def _signed_out_reloads(view):
    """A poll from a page whose session has ended: ask htmx to reload the page (which then goes to the sign-in)
    instead of swapping the sign-in form into a corner of the wallboard."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _page(view):
    return never_cache(_signed_out_reloads(figures_viewers(view)))


@_page
def wallboard(request: HttpRequest) -> HttpResponse:
    form, wanted = _wanted(request)
    context = {"form": form, "wanted": wanted, "live_seconds": LIVE_SECONDS, "interval_seconds": INTERVAL_SECONDS,
               "noscript_refresh": NOSCRIPT_REFRESH_SECONDS}
    if wanted is None:
        return render(request, TEMPLATE, context, status=400)
    context.update(live_context(wanted))
    context.update(interval_context(wanted))
    context.update(_day_links(wanted))
    return render(request, TEMPLATE, context)


@_page
def wallboard_live(request: HttpRequest) -> HttpResponse:
    form, wanted = _wanted(request)
    if wanted is None:
        return render(request, TEMPLATE + "#errors", {"form": form}, status=400)
    return render(request, TEMPLATE + "#live", {"wanted": wanted, **live_context(wanted)})


@_page
def wallboard_intervals(request: HttpRequest) -> HttpResponse:
    form, wanted = _wanted(request)
    if wanted is None:
        return render(request, TEMPLATE + "#errors", {"form": form}, status=400)
    return render(request, TEMPLATE + "#intervals", {"wanted": wanted, **interval_context(wanted)})


def _day_links(wanted: Wanted) -> dict:
    def link(day: date) -> str:
        query = {"day": day.isoformat(), **({"sl": wanted.sl_seconds} if wanted.sl_asked else {})}
        return f"{reverse('workbench:wallboard')}?{urlencode(query)}"

    return {"previous_day": link(wanted.day - timedelta(days=1)),
            "next_day": None if wanted.is_today else link(wanted.day + timedelta(days=1))}


# ---- the figures as the page shows them ---------------------------------------------------------------------------

def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """42 s under a minute, else 3:30 (minutes:seconds)."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return _("%(n)d s") % {"n": whole}
    return f"{whole // 60}:{whole % 60:02d}"


def elapsed(seconds: int) -> str:
    """Time in a state: 4:05, or 1:04:05 past the hour."""
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def per_agent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def tone(value: float | None, target: float) -> str:
    """ok at or above the target, warn just below it, late further down ("" when there is nothing to judge)."""
    if value is None:
        return ""
    if value >= target:
        return "ok"
    return "warn" if value >= target - NEAR_TARGET else "late"


@dataclass(frozen=True)
class Tile:
    key: str  # the metrics.summary() name of the figure
    label: str
    value: str  # both channels, formatted
    phone: str
    chat: str
    raw: dict  # channel → the figure as metrics.summary() rounds it (data attributes for scripts and tests)
    tone: str = ""
    note: str = ""


def tiles(figures: wb.Channels, sl_seconds: int) -> list[Tile]:
    summary = {channel: metrics.summary(getattr(figures, channel)) for channel in (wb.ALL, wb.PHONE, wb.CHAT)}
    specs = [
        ("answer_rate", _("Answer rate"), percent, tone(figures.all.answer_rate, ANSWER_RATE_TARGET),
         _("target %(t)s") % {"t": percent(ANSWER_RATE_TARGET)}),
        ("service_level", _("Service level"), percent, tone(figures.all.service_level, SERVICE_LEVEL_TARGET),
         _("answered within %(n)d s · target %(t)s") % {"n": sl_seconds, "t": percent(SERVICE_LEVEL_TARGET)}),
        ("average_speed_of_answer", _("Average speed of answer"), duration, "", ""),
        ("abandonment_rate", _("Abandonment rate"), percent, "", ""),
        ("average_handle_time", _("Average handle time"), duration, "", ""),
        ("contacts_per_agent", _("Contacts per agent"), per_agent, "",
         _("answered ÷ agents who answered · a full day is 110–120")),
        ("occupancy", _("Occupancy"), percent, "", _("working ÷ available time")),
    ]
    out = [Tile(key, label, fmt(getattr(figures.all, key)), fmt(getattr(figures.phone, key)),
                fmt(getattr(figures.chat, key)), {c: s[key] for c, s in summary.items()}, colour, note)
           for key, label, fmt, colour, note in specs]
    out.insert(0, Tile("offered", _("Offered"), str(figures.all.offered), str(figures.phone.offered),
                       str(figures.chat.offered), {c: s["offered"] for c, s in summary.items()},
                       note=_("%(n)d answered · %(w)d waiting") % {"n": figures.all.answered,
                                                                     "w": figures.all.waiting}))
    return out


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def live_context(wanted: Wanted) -> dict:
    board = wb.board(wanted.day, sl_seconds=wanted.sl_seconds)
    context = {"board": board, "tiles": tiles(board.day.figures, wanted.sl_seconds),
               "people": board.day.people, "updated_at": timezone.localtime(board.at)}
    if board.day.is_today:
        context.update({
            "queues": [(QUEUE_LABELS.get(q.queue, q.queue), q, duration(q.longest_wait_seconds)) for q in board.queues],
            "agents": [(a, _state_label(a), elapsed(a.seconds_in_state)) for a in board.agents],
            "states_chart": _states_chart(board),
        })
    return context


def _state_label(agent: wb.AgentNow) -> str:
    labels = PHONE_STATE_LABELS if agent.channel == wb.PHONE else CHAT_STATE_LABELS
    return str(labels.get(agent.state, agent.state))


def _states_chart(board: wb.Board) -> str:
    counts = board.state_counts()
    channels = [c for c in (wb.CHAT, wb.PHONE) if sum(counts[c].values())]
    if not channels:
        return ""
    names = {wb.CHAT: _("Chat"), wb.PHONE: _("Phone")}
    series = [(str(labels[state]), STATE_COLOURS[state], [counts[c].get(state, 0) for c in channels])
              for labels, states in ((CHAT_STATE_LABELS, wb.CHAT_STATES), (PHONE_STATE_LABELS, wb.PHONE_STATES))
              for state in states if any(counts[c].get(state, 0) for c in channels)]
    return mark_safe(states_chart([names[c] for c in channels], series))  # noqa: S308 — our SVG; labels escaped by pygal


# ---- per 15 minutes ----------------------------------------------------------------------------------------------

def _shown(intervals: list[wb.IntervalBoard], wanted: Wanted) -> range:
    """The intervals worth drawing: from the first with contacts or agents (08:00 at the latest) to the last, or
    to now for today."""
    busy = [i for i, row in enumerate(intervals)
            if row.figures.all.offered or row.figures.all.waiting or row.figures.all.available_seconds]
    first = min([DAY_STARTS, *busy[:1]])
    last = max(busy[-1:] or [len(intervals) - 1])
    if wanted.is_today:
        now = clock.now()
        last = max([i for i, row in enumerate(intervals) if row.start <= now] + busy[-1:])
    return range(first, last + 1)


def interval_context(wanted: Wanted) -> dict:
    intervals = wb.interval_board(wanted.day, INTERVAL_MINUTES, sl_seconds=wanted.sl_seconds)
    shown = [intervals[i] for i in _shown(intervals, wanted)]
    times = [_local(row.start) for row in shown]
    rows = [{"start": time, "row": row, "all": row.figures.all, "phone": row.figures.phone,
             "chat": row.figures.chat, "answer_rate": percent(row.figures.all.answer_rate),
             "service_level": percent(row.figures.all.service_level),
             "asa": duration(row.figures.all.average_speed_of_answer),
             "aht": duration(row.figures.all.average_handle_time), "occupancy": percent(row.figures.all.occupancy)}
            for time, row in zip(times, shown, strict=True)]
    if not any(row.figures.all.offered or row.figures.all.waiting for row in shown):
        return {"interval_rows": rows, "contacts_chart": "", "rates_chart": ""}
    contacts = contacts_chart(times, [r.figures.all.offered for r in shown],
                              [r.figures.all.answered for r in shown], offered_title=_("Contacts offered"),
                              answered_title=_("Answered"))
    rates = rates_chart(
        times, [(_("Service level"), [_pct(r.figures.all.service_level) for r in shown]),
                (_("Answer rate"), [_pct(r.figures.all.answer_rate) for r in shown])],
        [(_("Service level target %(t)s") % {"t": percent(SERVICE_LEVEL_TARGET)}, SERVICE_LEVEL_TARGET * 100),
         (_("Answer rate target %(t)s") % {"t": percent(ANSWER_RATE_TARGET)}, ANSWER_RATE_TARGET * 100)])
    return {"interval_rows": rows, "contacts_chart": mark_safe(contacts),  # noqa: S308 — our own SVG
            "rates_chart": mark_safe(rates)}  # noqa: S308 — our own SVG, no user text in it


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100
