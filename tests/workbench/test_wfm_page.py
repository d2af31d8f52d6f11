"""The supervisors' workforce-plan page: who may open it, what the form refuses, that the figures shown are the
planner's own for the same inputs, the cache, the htmx partials and the roster's CSV.

Plans here are of a small line (~80 calls a day) with one simulation run, mostly on the two fixed shifts, so
each takes well under a second; one test plans optimised shifts (starting every hour) for the headline."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse

from kefu.wfm import history as wfm_history
from kefu.wfm.charts import DaySeries, day_chart, paid_hours_chart
from kefu.wfm.errors import WfmInputError
from kefu.wfm.history import planning_history
from kefu.wfm.plan import PlanOptions, plan_week
from kefu.wfm.roster import RosterOptions
from kefu.wfm.shifts import clock, flexible_shifts, seed_fixed_shifts
from kefu.wfm.staffing import Targets
from kefu.workbench import views_wfm
from kefu.workbench.forms_wfm import ROSTER_TIME_LIMIT_SECONDS, WeekPlanForm, with_defaults
from tests.wfm.test_history import at, record_calls, small_line

pytestmark = pytest.mark.django_db

URL = reverse("workbench:wfm")
TODAY = date(2026, 11, 23)  # the `monday` fixture's day
WEEK = date(2026, 11, 30)  # the form's default: next Monday
FAST = {"run": "1", "shifts": "fixed", "replications": "1"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plans(monkeypatch):
    """Counts the planner's runs (and still plans)."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return plan_week(*args, **kwargs)

    monkeypatch.setattr(views_wfm, "plan_week", counted)
    return calls


@pytest.fixture
def supervisor(client, monday, staff_user):
    client.force_login(staff_user("supervisor", "boss"))
    return client


@pytest.fixture
def records(monday):
    """Four weeks of a small line's calls before today."""
    return small_line(TODAY - timedelta(weeks=4), 28)


def cells(html: str, name: str) -> list[str]:
    return re.findall(rf'data-cell="{name}"[^>]*>([^<]*)<', html)


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def close(shown: str, value: float, places: int) -> bool:
    """The page rounds to `places`: it shows the planner's figure when they differ by at most half a unit."""
    return abs(number(shown) - value) <= 0.5 * 10 ** -places + 1e-9


# ---- who may open it ---------------------------------------------------------------------------------------------

def test_a_supervisor_sees_the_form_with_the_planners_defaults_and_nothing_is_planned(supervisor, plans):
    page = supervisor.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for name, value in (("week_start", "2026-11-30"), ("service_level", "80.0"), ("answer_within", "20"),
                        ("answer_rate", "96.0"), ("aht", "210"), ("patience", "180"), ("replications", "5")):
        assert re.search(rf'name="{name}" value="{re.escape(value)}"', html), name
    for name, value in (("earliest_start", "08:00"), ("latest_end", "00:30"), ("shift_step", "30")):
        assert re.search(rf'name="{name}"[^>]*>.*?<option value="{value}" selected>', html, re.DOTALL), name
    assert 'value="optimised"' in html and 'data-testid="result"' not in html
    assert plans == []


@pytest.mark.parametrize("role", ["aftersale_agent", "presale_agent", "warehouse", "customer"])
def test_others_are_refused(client, staff_user, role, plans):
    client.force_login(staff_user(role, f"x-{role}"))
    assert client.get(URL, FAST).status_code == 403
    assert plans == []


def test_an_anonymous_visitor_is_sent_to_sign_in(client, plans):
    page = client.get(URL, FAST)
    assert page.status_code == 302 and page["Location"].startswith(reverse("workbench:login"))
    assert plans == []


# ---- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    ({"week_start": "2026-12-01"}, "week_start"),  # a Tuesday
    ({"week_start": "2028-01-03"}, "week_start"),  # more than a year ahead
    ({"week_start": "next week"}, "week_start"),
    ({"service_level": "", "answer_rate": ""}, "service_level"),  # no target at all
    ({"service_level": "100"}, "service_level"),
    ({"answer_rate": "96", "patience": ""}, "answer_rate"),  # an answer rate needs abandonment
    ({"aht": "0"}, "aht"),
    ({"patience": "-5"}, "patience"),
    ({"promotion_days": "7"}, "promotion_days"),
    ({"promotion_multiplier": "0.5"}, "promotion_multiplier"),
    ({"shifts": "night"}, "shifts"),
    ({"shifts": "optimised", "earliest_start": "09:00", "latest_end": "16:00"}, "latest_end"),  # < 8 hours
    ({"shifts": "optimised", "earliest_start": "08:10"}, "earliest_start"),  # shifts start on the half hour
    ({"replications": "0"}, "replications"),
    ({"queue": "nobody"}, "queue"),
    ({"history_promotion_days": "2026-11-11, 双十一"}, "history_promotion_days"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_planned(supervisor, plans, query, field):
    page = supervisor.get(URL, {**FAST, **query})
    assert page.status_code == 400
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html or (field == "promotion_days" and 'class="errorlist' in html)
    assert 'data-testid="result"' not in html
    assert plans == []


def test_an_interval_no_shift_covers_is_an_error_on_the_shifts(supervisor, plans, monday):
    """Calls at 05:00 every day for four weeks: neither fixed shift (08:30–00:30) is there to answer them."""
    record_calls([at(TODAY - timedelta(days=d), "05:00") for d in range(1, 29)])
    page = supervisor.get(URL, FAST)
    assert page.status_code == 400
    assert 'id="id_shifts_error"' in page.content.decode()
    assert len(plans) == 1


def test_another_planner_refusal_is_shown_not_a_server_error(supervisor, records, monkeypatch):
    def refuse(*args, **kwargs):
        raise WfmInputError("roster.time_limit_seconds", "no roster found")

    monkeypatch.setattr(views_wfm, "plan_week", refuse)
    page = supervisor.get(URL, FAST)
    assert page.status_code == 400 and 'role="alert"' in page.content.decode()


# ---- the figures are the planner's ---------------------------------------------------------------------------------

def test_the_days_figures_are_plan_weeks_for_the_same_inputs(supervisor, records):
    page = supervisor.get(URL, FAST)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="history-records"' in html and 'data-testid="history-demo"' not in html
    source = planning_history(WEEK, TODAY)
    plan = plan_week(source.history, Targets(0.80, 20.0, 0.96), PlanOptions(
        aht_seconds=210.0, patience_seconds=180.0, week_start=WEEK, shifts=seed_fixed_shifts(), compare_with=None,
        roster=RosterOptions(time_limit_seconds=ROSTER_TIME_LIMIT_SECONDS), replications=1))
    assert re.findall(r'data-testid="day-row" data-day="([^"]+)"', html) == [d.day.isoformat() for d in plan.days]
    for name, values, places in [
        ("forecast", [d.forecast_calls for d in plan.days], 0),
        ("peak", [d.peak_required for d in plan.days], 0),
        ("required-hours", [d.required_agent_hours for d in plan.days], 1),
        ("agents", [d.agents for d in plan.days], 0),
        ("paid-hours", [d.paid_hours for d in plan.days], 1),
        ("answer-rate", [d.after.answer_rate * 100 for d in plan.days], 1),
        ("service-level", [d.after.service_level * 100 for d in plan.days], 1),
        ("asa", [d.after.asa_seconds for d in plan.days], 1),
        ("abandoned", [d.after.abandon_rate * 100 for d in plan.days], 1),
    ]:
        shown = cells(html, name)
        assert len(shown) == 7 and all(close(s, v, places) for s, v in zip(shown, values, strict=True)), name
    assert close(cells(html, "week-paid-hours")[0], plan.roster.paid_hours, 1)
    assert int(cells(html, "headcount")[0]) == plan.roster.headcount
    assert close(cells(html, "week-forecast")[0], float(plan.forecast.calls.sum()), 0)
    assert 'data-testid="headline"' not in html  # fixed shifts only: nothing to compare with
    # The chart and the shift list are the busiest day's (the default).
    busiest = max(range(7), key=lambda d: plan.days[d].forecast_calls)
    assert f'data-day="{busiest}"' in html and "<svg" in html and "<script" not in html.split('id="wfm-day"')[1]
    shown = list(zip(cells(html, "shift-start"), cells(html, "shift-end"), map(int, cells(html, "shift-agents")),
                     strict=True))
    assert shown == [(clock(s.start), clock(s.end), n) for s, n in sorted(plan.roster.on_day(busiest))]


def test_the_headline_compares_optimised_with_fixed_shifts(supervisor, records):
    query = {"run": "1", "shifts": "optimised", "shift_step": "60", "replications": "1",
             "promotion_days": ["2"], "promotion_multiplier": "1.50"}
    page = supervisor.get(URL, query)
    assert page.status_code == 200
    html = page.content.decode()
    source = planning_history(WEEK, TODAY)
    plan = plan_week(source.history, Targets(0.80, 20.0, 0.96), PlanOptions(
        aht_seconds=210.0, patience_seconds=180.0, week_start=WEEK, promotion_days=frozenset({WEEK + timedelta(2)}),
        promotion_multiplier=1.5, shifts=flexible_shifts(8 * 60, 24 * 60 + 30, 60), compare_with=seed_fixed_shifts(),
        roster=RosterOptions(time_limit_seconds=ROSTER_TIME_LIMIT_SECONDS), replications=1))
    assert close(cells(html, "fixed-hours")[0], plan.fixed.paid_hours, 0)
    assert close(cells(html, "optimised-hours")[0], plan.roster.paid_hours, 0)
    assert close(cells(html, "saving")[0], plan.fixed.saving * 100, 1)
    assert close(cells(html, "lp-bound")[0], plan.roster.lp_bound_hours, 1)
    assert plan.fixed.paid_hours > plan.roster.paid_hours
    forecast = [number(s) for s in cells(html, "forecast")]
    assert close(cells(html, "forecast")[2], plan.days[2].forecast_calls, 0)
    assert forecast[2] > forecast[1]  # Wednesday is the promotion
    assert 'data-testid="headline"' in html and html.count("<svg") == 2


def test_too_few_records_plan_the_demo_and_say_so(supervisor, monkeypatch, plans):
    monkeypatch.setattr(wfm_history, "DEMO_CALLS_PER_DAY", 80.0)  # a small demo: a fast plan
    small_line(TODAY - timedelta(weeks=2), 14)
    page = supervisor.get(URL, FAST)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="history-demo"' in html and 'data-testid="history-records"' not in html
    assert plans[0][0].first_day == date(2026, 10, 12)  # the demo's first day


def test_another_day_is_drawn_on_request(supervisor, records):
    html = supervisor.get(URL, {**FAST, "day": "6"}).content.decode()
    assert re.search(r'class="tabs__tab is-active"[^>]*data-day="6"', html)
    fallback = supervisor.get(URL, {**FAST, "day": "nine"})
    assert fallback.status_code == 200


# ---- the cache ---------------------------------------------------------------------------------------------------

def test_the_same_plan_is_planned_once(supervisor, records, plans):
    assert supervisor.get(URL, FAST).status_code == 200
    assert supervisor.get(URL, {**FAST, "day": "3"}).status_code == 200
    assert supervisor.get(URL, {**FAST, "export": "csv"}).status_code == 200
    # The same inputs written differently are the same plan: defaults spelt out, the week's date given.
    assert supervisor.get(URL, {**FAST, "aht": "210", "week_start": "2026-11-30"}).status_code == 200
    assert len(plans) == 1
    supervisor.get(URL, {**FAST, "aht": "240"})
    assert len(plans) == 2
    record_calls([at(TODAY - timedelta(days=1), "10:00")])  # a new call record: a new history, a new plan
    supervisor.get(URL, FAST)
    assert len(plans) == 3


# ---- htmx --------------------------------------------------------------------------------------------------------

def test_htmx_gets_only_the_part_it_swaps(supervisor, records):
    whole = supervisor.get(URL, FAST, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wfm").content.decode()
    assert "<html" not in whole and 'data-testid="wfm-form"' in whole and 'data-testid="days"' in whole
    day = supervisor.get(URL, {**FAST, "day": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wfm-day")
    html = day.content.decode()
    assert "<html" not in html and 'data-testid="wfm-form"' not in html and 'data-testid="day-chart"' in html
    assert "HX-Request" in day["Vary"]
    refused = supervisor.get(URL, {**FAST, "aht": "0"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="wfm")
    assert refused.status_code == 400 and "<html" not in refused.content.decode()


def test_the_form_asks_htmx_to_show_planning(supervisor):
    html = supervisor.get(URL).content.decode()
    assert 'hx-get="/workbench/wfm/"' in html and 'hx-indicator="#wfm-busy"' in html and 'id="wfm-busy"' in html
    assert 'method="get"' in html  # and without JavaScript the form still submits


# ---- the roster as CSV -------------------------------------------------------------------------------------------

def test_the_roster_exports_as_csv(supervisor, records):
    response = supervisor.get(URL, {**FAST, "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-20261130.csv"' in response["Content-Disposition"]
    shifts, tours = response.content.decode("utf-8-sig").split("\r\n\r\n")
    shift_rows = list(csv.reader(io.StringIO(shifts)))[1:]
    tour_rows = list(csv.reader(io.StringIO(tours)))[1:]
    form = WeekPlanForm(with_defaults(QueryDict("run=1&shifts=fixed&replications=1"), TODAY), today=TODAY)
    assert form.is_valid(), form.errors
    plan = views_wfm.cached_plan(form.plan_request(), planning_history(WEEK, TODAY))  # from the cache: the same plan
    assert [(r[0], r[2], r[3], int(r[5])) for r in shift_rows] == [
        ((WEEK + timedelta(days=d)).isoformat(), clock(s.start), clock(s.end), n) for d, s, n in plan.roster.shifts]
    assert len(tour_rows) == plan.roster.headcount
    assert all(sum(cell[:1].isdigit() for cell in row[2:]) == 5 for row in tour_rows)  # five shifts a week each


def test_a_queue_name_is_escaped(supervisor, monday):
    record_calls([at(TODAY - timedelta(days=1), "10:00")], queue="<b>x</b>")
    html = supervisor.get(URL).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html



def test_the_charts_are_inert_svg_in_the_pages_colours():
    day = day_chart(DaySeries(["08:30", "08:45"], [3.0, 4.5], [2, 3], [3, 3]), forecast_title="F",
                    required_title="R", rostered_title="W", agents_axis="A", contacts_axis="C")
    bars = paid_hours_chart([("fixed", 480.0), ("optimised", 360.0)], title="T", unit="h")
    for svg in (day, bars):
        assert svg.startswith("<svg") and "<script" not in svg and "<!--" not in svg
        urls = set(re.findall(r"https?://[^\"' ]+", svg))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # namespaces: nothing to fetch
    assert "#e1251b" in day and "#1a7f4b" in day and "#1664c0" in day  # kefu.css --brand, --ok, --info
    assert "480 h" in bars and "360 h" in bars
