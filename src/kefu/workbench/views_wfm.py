"""The supervisors' workforce plan: the week's forecast, staffing, roster and simulated days (kefu.wfm), from
the call records (or the demo history while there are too few), with a chart per day and the roster as CSV.

Planning takes seconds, so it runs only when the form is submitted (`run` in the query), and its result is
cached under the normalised inputs and a digest of the history: the same plan asked again — another day's
chart, the CSV, a colleague opening the link — costs one query, while a new call record makes a new plan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import numpy as np
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kefu.core import clock, roles
from kefu.wfm import history as wfm_history
from kefu.wfm.charts import DaySeries, day_chart, paid_hours_chart
from kefu.wfm.errors import WfmInputError
from kefu.wfm.history import PlanningHistory, planning_history, queues
from kefu.wfm.plan import DayFigures, WeekPlan, plan_week
from kefu.wfm.shifts import clock as wall_clock

from .access import permission_required
from .exports import csv_response
from .forms_wfm import PlanRequest, WeekPlanForm, defaults, with_defaults

supervisors_only = permission_required(roles.WORKBENCH, roles.SUPERVISE_TICKETS)

TEMPLATE = "workbench/wfm/plan.html"
PARTIALS = {"wfm": "#wfm", "wfm-day": "#day"}  # htmx target → the part of the page it needs
CACHE_PREFIX = "kefu:wfm:plan:v1:"
CACHE_SECONDS = 6 * 60 * 60
QUEUES_WEEKS = 26  # the form offers the lines that took calls in the last half year


@supervisors_only
def workforce_plan(request: HttpRequest) -> HttpResponse:
    today = clock.localnow().date()
    submitted = "run" in request.GET
    form = WeekPlanForm(with_defaults(request.GET, today) if submitted else None, initial=defaults(today),
                        queues=queues(today - timedelta(weeks=QUEUES_WEEKS)), today=today)
    context: dict = {"form": form}
    if not submitted:
        return _render(request, context)
    if not form.is_valid():
        return _render(request, context, status=400)
    wanted = form.plan_request()
    source = planning_history(wanted.week_start, today, queue=wanted.queue,
                              promotion_days=frozenset(wanted.history_promotion_days))
    try:
        plan = cached_plan(wanted, source)
    except WfmInputError as error:
        form.add_planner_error(error)
        return _render(request, context, status=400)
    if request.GET.get("export") == "csv":
        return roster_csv(plan)
    context.update(result_context(plan, source, wanted, request.GET))
    return _render(request, context)


def cached_plan(wanted: PlanRequest, source: PlanningHistory) -> WeekPlan:
    """The plan for these inputs on this history, planned once and then read from the cache."""
    key = CACHE_PREFIX + hashlib.sha256(f"{wanted.key()}|{source.digest}".encode()).hexdigest()
    plan = cache.get(key)
    if plan is None:
        plan = plan_week(source.history, wanted.targets(), wanted.options())
        cache.set(key, plan, CACHE_SECONDS)
    return plan


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = TEMPLATE
    if request.htmx and not request.htmx.history_restore_request:
        template += PARTIALS.get(request.htmx.target or "", "")
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# ---- what the page shows ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """A simulated day in the page's units: percentages and seconds."""

    service_level: float
    answer_rate: float
    abandon_rate: float
    asa_seconds: float

    @classmethod
    def of(cls, figures: DayFigures) -> Figures:
        return cls(figures.service_level * 100, figures.answer_rate * 100, figures.abandon_rate * 100,
                   figures.asa_seconds)


@dataclass(frozen=True)
class DayRow:
    index: int
    day: date
    promotion: bool
    forecast: float
    peak_required: int
    required_hours: float
    agents: int
    paid_hours: float
    first: Figures
    final: Figures
    topped_up: bool  # the final roster differs from the first that day
    meets_targets: bool
    is_busiest: bool


def result_context(plan: WeekPlan, source: PlanningHistory, wanted: PlanRequest, query: QueryDict) -> dict:
    rows = _day_rows(plan)
    chosen = _chosen_day(query.get("day"), rows)
    link = _query(query)
    return {
        "plan": plan, "source": source, "wanted": wanted, "days": rows, "chosen": rows[chosen],
        "query": link, "csv_query": f"{link}&export=csv",
        "day_links": [(row, f"{link}&day={row.index}") for row in rows],
        "week": _week(plan), "headline": _headline(plan),
        "day_chart": _day_chart(plan, chosen), "shifts": _shifts(plan, chosen),
        "intervals": _intervals(plan, chosen), "days_off": _days_off(plan),
        "seconds": plan.seconds.get("total", 0.0), "demo_calls_per_day": wfm_history.DEMO_CALLS_PER_DAY,
    }


def _day_rows(plan: WeekPlan) -> list[DayRow]:
    busiest = max(range(len(plan.days)), key=lambda d: plan.days[d].forecast_calls)
    return [DayRow(d, day.day, day.promotion, day.forecast_calls, day.peak_required, day.required_agent_hours,
                   day.agents, day.paid_hours, Figures.of(day.before), Figures.of(day.after),
                   plan.first_roster.day_paid_hours(d) != day.paid_hours or day.before != day.after,
                   day.meets_targets, d == busiest)
            for d, day in enumerate(plan.days)]


def _chosen_day(raw: str | None, rows: list[DayRow]) -> int:
    """The day asked for (0 = Monday), else the busiest day of the week."""
    if raw is not None and raw.isdigit() and int(raw) < len(rows):
        return int(raw)
    return next(row.index for row in rows if row.is_busiest)


def _query(query: QueryDict) -> str:
    """The plan's own query, for links to its days and its CSV (without the day and the export)."""
    kept = query.copy()
    for name in ("day", "export"):
        kept.pop(name, None)
    return kept.urlencode() if kept else urlencode({"run": 1})


def _week(plan: WeekPlan) -> dict:
    roster = plan.roster
    return {
        "forecast": float(plan.forecast.calls.sum()), "required_hours": sum(d.required_agent_hours for d in plan.days),
        "paid_hours": roster.paid_hours, "headcount": roster.headcount, "lp_bound": roster.lp_bound_hours,
        "gap": roster.gap * 100, "optimal": roster.optimal, "status": roster.status,
        "first_paid_hours": plan.first_roster.paid_hours, "rounds": plan.rounds,
        "multiplier": plan.forecast.promotion_multiplier,
        "multiplier_from_history": plan.forecast.multiplier_from_history,
        "meets_targets": plan.meets_targets, "interval_minutes": plan.forecast.interval_minutes,
    }


def _headline(plan: WeekPlan) -> dict | None:
    """The optimised roster against the seeds' two fixed shifts on the same requirement (None when the plan was
    made with the fixed shifts themselves)."""
    fixed = plan.fixed
    if fixed is None:
        return None
    out = {"fixed_hours": fixed.paid_hours, "fixed_headcount": fixed.headcount, "note": fixed.note,
           "saving": None if fixed.saving is None else fixed.saving * 100,
           "saved_hours": None if fixed.paid_hours is None else fixed.paid_hours - plan.roster.paid_hours,
           "chart": None}
    if fixed.paid_hours is not None:
        out["chart"] = mark_safe(paid_hours_chart(  # noqa: S308 — our own SVG, no user text in it
            [(_("Two fixed shifts"), fixed.paid_hours), (_("Optimised shifts"), plan.roster.paid_hours),
             (_("Lower bound (LP)"), round(plan.roster.lp_bound_hours, 1))],
            title=_("Paid hours in the week"), unit=pgettext("unit of paid hours", "h")))
    return out


def _span(plan: WeekPlan, d: int) -> range:
    """The intervals worth drawing: from the first with contacts or agents to the last."""
    busy = ((plan.forecast.calls[d] > 0) | (plan.requirement[d] > 0) | (plan.roster.coverage[d] > 0))
    where = np.flatnonzero(busy)
    return range(int(where[0]), int(where[-1]) + 1) if where.size else range(0)


def _day_chart(plan: WeekPlan, d: int) -> str:
    span = _span(plan, d)
    if not span:
        return ""
    step = plan.forecast.interval_minutes
    series = DaySeries([wall_clock(s * step) for s in span], [float(plan.forecast.calls[d, s]) for s in span],
                       [int(plan.requirement[d, s]) for s in span], [int(plan.roster.coverage[d, s]) for s in span])
    return mark_safe(day_chart(  # noqa: S308 — our own SVG, no user text in it
        series, forecast_title=_("Contacts forecast"), required_title=_("Agents required (Erlang)"),
        rostered_title=_("Agents rostered (working)"), agents_axis=_("Agents"),
        contacts_axis=_("right axis, per %(n)d minutes") % {"n": step}))


def _intervals(plan: WeekPlan, d: int) -> list[dict]:
    outcome = plan.outcomes[d]
    service, answered = outcome.interval_service_level(), outcome.interval_answer_rate()
    step = plan.forecast.interval_minutes
    return [{"start": wall_clock(s * step), "forecast": float(plan.forecast.calls[d, s]),
             "required": int(plan.requirement[d, s]), "final_required": int(plan.final_requirement[d, s]),
             "rostered": int(plan.roster.coverage[d, s]), "offered": float(outcome.offered[s]) / outcome.replications,
             "service_level": float(service[s]) * 100, "answer_rate": float(answered[s]) * 100}
            for s in _span(plan, d)]


def _shifts(plan: WeekPlan, d: int) -> list[dict]:
    """The day's shifts in order of start: when, the break, how many agents."""
    return [{"start": wall_clock(shift.start), "end": wall_clock(shift.end), "break": _break(shift),
             "agents": count, "paid_hours": shift.paid_hours * count}
            for shift, count in sorted(plan.roster.on_day(d), key=lambda pair: pair[0])]


def _break(shift) -> str:
    if shift.break_start is None or not shift.break_minutes:
        return ""
    return f"{wall_clock(shift.break_start)}–{wall_clock(shift.break_start + shift.break_minutes)}"


def _days_off(plan: WeekPlan) -> list[tuple[str, int]]:
    start = plan.forecast.week_start
    return [(" + ".join(_weekday(start + timedelta(days=d)) for d in _in_order(pattern)), count)
            for pattern, count in plan.roster.days_off]


def _in_order(pattern: tuple[int, ...]) -> tuple[int, ...]:
    """Days off in the order they follow each other (Sunday before Monday when they wrap round the week)."""
    rotations = [pattern[i:] + pattern[:i] for i in range(len(pattern))] or [pattern]
    return min(rotations, key=lambda days: (days[-1] - days[0]) % 7 if days else 0)


def _weekday(day: date) -> str:
    return formats.date_format(day, "D")


# ---- the roster as CSV --------------------------------------------------------------------------------------------

def roster_csv(plan: WeekPlan) -> HttpResponse:
    """The week's shifts (day, start, end, break, agents), then one line per agent: days off and each day's shift."""
    start = plan.forecast.week_start
    days = [start + timedelta(days=d) for d in range(7)]
    response, out = csv_response(f"roster-{start:%Y%m%d}.csv")
    out.writerow([_("Date"), _("Weekday"), _("Start"), _("End"), _("Break"), _("Agents"), _("Paid hours")])
    for d, shift, count in plan.roster.shifts:
        out.writerow([days[d].isoformat(), _weekday(days[d]), wall_clock(shift.start), wall_clock(shift.end),
                      _break(shift), count, f"{shift.paid_hours * count:g}"])
    out.writerow([])
    out.writerow([_("Agent"), _("Days off"), *(f"{_weekday(day)} {day:%m-%d}" for day in days)])
    for tour in plan.roster.tours():
        out.writerow([tour.agent, " + ".join(_weekday(days[d]) for d in _in_order(tour.days_off)),
                      *(pgettext("roster: a day off", "off") if shift is None else _tour_day(shift)
                        for shift in tour.shifts)])
    return response


def _tour_day(shift) -> str:
    hours = f"{wall_clock(shift.start)}–{wall_clock(shift.end)}"
    if not _break(shift):
        return hours
    return _("%(hours)s (break %(break)s)") % {"hours": hours, "break": _break(shift)}
