"""The supervisors' wallboard page: who may open it, that the figures shown are the selectors' own (and the hand-
computed ones of tests/contact/test_wallboard.py), the polled partials and what they cost in queries, the day
picker, and escaping. Assertions read data attributes and numbers, never translated labels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kefu.calls import metrics
from kefu.calls import telephony as t
from kefu.chat import chat_states as st
from kefu.chat.models import Conversation
from kefu.contact import wallboard as wb
from kefu.contact.models import AgentPresence, AgentState, PresenceSpan
from kefu.core import clock
from kefu.workbench import views_wallboard as views
from tests import factories as f
from tests.contact.test_wallboard import DAY, at, call_events, chat, morning, record_calls

pytestmark = pytest.mark.django_db

PAGE = reverse("workbench:wallboard")
LIVE = reverse("workbench:wallboard_live")
INTERVALS = reverse("workbench:wallboard_intervals")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scene(roles, staff_user):
    yield morning(staff_user)
    clock.reset()


@pytest.fixture
def supervisor(client, scene, staff_user):
    client.force_login(staff_user("supervisor", "boss"))
    return client


def tile_values(html: str) -> dict[str, dict[str, str]]:
    """{figure: {channel: data-value}} from the tiles."""
    found = {}
    for figure, body in re.findall(r'data-figure="([a-z_]+)" data-value="[^"]*"[^>]*>(.*?)</div>', html, re.S):
        found[figure] = dict(re.findall(r'data-channel="(phone|chat)" data-value="([^"]*)"', body))
    for figure, value in re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', html):
        found[figure]["all"] = value
    return found


def cells(html: str, name: str) -> list[str]:
    return re.findall(rf'data-cell="{name}"[^>]*>([^<]*)<', html)


def rows(html: str, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}"(.*?)</tr>', html, re.S)


# --- who may see it -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [PAGE, LIVE, INTERVALS])
def test_anonymous_visitors_go_to_the_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("workbench:login"))


def test_a_poll_after_the_session_ended_reloads_the_page(client, db):
    response = client.get(LIVE, **HTMX)
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


@pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "warehouse"])
def test_staff_without_the_figures_permission_are_refused(client, roles, staff_user, role):
    client.force_login(staff_user(role))
    for url in (PAGE, LIVE, INTERVALS):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "care_team"])
def test_supervisors_and_the_care_team_see_it(client, roles, staff_user, role):
    client.force_login(staff_user(role))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- the figures are the selectors' ---------------------------------------------------------------------------

def test_the_tiles_show_the_selectors_figures(supervisor):
    html = supervisor.get(PAGE).content.decode()
    shown = tile_values(html)
    board = wb.day_board(DAY)
    for channel in ("all", "phone", "chat"):
        expected = metrics.summary(getattr(board.figures, channel))
        for figure in ("offered", "answer_rate", "service_level", "average_speed_of_answer", "abandonment_rate",
                       "average_handle_time", "contacts_per_agent", "occupancy"):
            assert shown[figure][channel] == str(expected[figure]), (figure, channel)


def test_the_tiles_are_the_hand_computed_morning(supervisor):
    shown = tile_values(supervisor.get(LIVE).content.decode())
    assert shown["offered"] == {"all": "11", "phone": "5", "chat": "6"}
    assert shown["answer_rate"] == {"all": "0.5455", "phone": "0.6", "chat": "0.5"}  # 6/11, 3/5, 3/6
    assert shown["service_level"] == {"all": "0.4444", "phone": "0.5", "chat": "0.4"}  # 4/9, 2/4, 2/5
    assert shown["average_handle_time"] == {"all": "315.0", "phone": "180.0", "chat": "450.0"}
    assert shown["contacts_per_agent"] == {"all": "2.0", "phone": "1.5", "chat": "1.5"}


def test_the_answer_rate_is_coloured_by_its_target(supervisor):
    html = supervisor.get(LIVE).content.decode()
    assert re.search(r'data-figure="answer_rate"[^>]*data-tone="late"', html)  # 54.5 % against 96 %
    assert views.tone(0.96, 0.96) == "ok" and views.tone(0.93, 0.96) == "warn" and views.tone(0.5, 0.96) == "late"
    assert views.tone(None, 0.96) == ""


def test_a_day_at_target_is_green(client, roles, staff_user):
    clock.freeze(at(12, 0))
    record_calls(*(call_events(f"ok{i}", "aftersale", at(9, i), outcome=t.ANSWERED, wait=5, agent="SIP/9", talk=60)
                   for i in range(25)))
    client.force_login(staff_user("supervisor", "boss"))
    html = client.get(LIVE).content.decode()
    assert re.search(r'data-figure="answer_rate" data-value="1.0" data-tone="ok"', html)
    assert re.search(r'data-figure="service_level" data-value="1.0" data-tone="ok"', html)


def test_the_queues_and_agents_now(supervisor):
    html = supervisor.get(LIVE).content.decode()
    queues = rows(html, "queue")
    assert 'data-queue="aftersale"' in queues[0] and 'data-queue="presale"' in queues[1]
    assert (cells(queues[0], "calls-waiting"), cells(queues[0], "chats-waiting")) == (["1"], ["1"])
    assert re.search(r'data-cell="longest-wait" data-seconds="120"', queues[0])
    assert (cells(queues[0], "calls-talking"), cells(queues[0], "chats-active"), cells(queues[0], "chat-agents")) == (
        ["1"], ["1"], ["2"])
    agents = rows(html, "agent")
    assert [(re.search(r'data-channel="(\w+)"', a)[1], re.search(r'data-state="(\w+)"', a)[1], cells(a, "name")[0],
             cells(a, "load")[0], cells(a, "contacts")[0]) for a in agents] == [
        ("chat", "available", "wangfang", "1 / 3", "2"), ("chat", "available", "刘 洋", "0 / 1", "3"),
        ("phone", "talking", "SIP/8002", "—", "1"), ("phone", "ready", "刘 洋", "—", "3")]
    assert re.findall(r'data-cell="in-state" data-seconds="(\d+)"', html) == ["7200", "1800", "585", "2700"]
    assert cells(html, "in-state") == ["2:00:00", "30:00", "9:45", "45:00"]
    assert "<svg" in html.split('data-testid="states-chart"')[1][:200]


def test_each_agents_contacts_of_the_day(supervisor):
    people = rows(supervisor.get(LIVE).content.decode(), "person")
    shown = [(cells(p, "name")[0], cells(p, "calls")[0], cells(p, "chats")[0], cells(p, "total")[0]) for p in people]
    assert shown == [("刘 洋", "2", "1", "3"), ("wangfang", "0", "2", "2"), ("SIP/8002", "1", "0", "1")]


def test_the_interval_table_is_the_selectors(supervisor):
    html = supervisor.get(INTERVALS).content.decode()
    intervals = wb.interval_board(DAY)
    table = {re.search(r'data-start="([\d:]+)"', r)[1]: r for r in rows(html, "interval")}
    assert next(iter(table)) == "08:00" and list(table)[-1] == "11:00"  # from 08:00 to now
    nine = table["09:00"]
    figures = intervals[36].figures
    assert (cells(nine, "calls"), cells(nine, "chats"), cells(nine, "answered")) == (["2"], ["2"], ["4"])
    assert cells(nine, "service-level") == [views.percent(figures.all.service_level)] == ["50.0%"]
    assert cells(nine, "occupancy") == [views.percent((360 + 930) / 2700)]
    assert 'data-testid="contacts-chart"' in html and 'data-testid="rates-chart"' in html
    assert "<script" not in html  # the charts are inert SVG


# --- live: the polled partials ----------------------------------------------------------------------------------

def test_today_polls_the_two_partials_and_refreshes_without_javascript(supervisor):
    html = supervisor.get(PAGE).content.decode()
    assert re.search(rf'hx-get="{LIVE}" hx-trigger="every 5s"', html)
    assert re.search(rf'hx-get="{INTERVALS}" hx-trigger="every 60s"', html)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html
    assert re.search(rf'href="{PAGE}" data-testid="refresh"', html)


def test_the_live_partial_is_only_the_live_part(supervisor):
    html = supervisor.get(LIVE, **HTMX).content.decode()
    assert 'data-testid="tiles"' in html and 'data-testid="queues"' in html
    assert "<html" not in html and 'data-testid="interval-panel"' not in html


def test_the_live_partial_follows_a_new_contact(supervisor):
    before = tile_values(supervisor.get(LIVE, **HTMX).content.decode())
    chat(f.customer(name="新客户", phone="13900000099"), "aftersale", at(10, 59, 30), status=st.WAITING)
    after = supervisor.get(LIVE, **HTMX).content.decode()
    assert cells(rows(after, "queue")[0], "chats-waiting") == ["2"]
    assert tile_values(after)["offered"] == before["offered"]  # a waiting chat is not offered yet


def more_of_everything(staff_user, n: int) -> None:
    """n more calls, chats and chat agents (with their presence logs) on the same morning."""
    record_calls(*(call_events(f"x{i}", "aftersale", at(9, 0) + timedelta(seconds=37 * i), outcome=t.ANSWERED,
                               wait=i % 40, agent=f"SIP/9{i:03d}", talk=60) for i in range(n)),
                 [t.TelephonyEvent(t.LOGIN, at(8, 0), agent=f"SIP/9{i:03d}") for i in range(n)])
    for i in range(n):
        agent = staff_user("presale_agent", f"extra{i}")
        began = at(9, 0) + timedelta(seconds=41 * i)
        chat(f.customer(name=f"批量{i}", phone=f"1370000{i:04d}"), "presale", began, status=st.ENDED,
             answered=began + timedelta(seconds=i % 30), ended=began + timedelta(minutes=3), agent=agent,
             ended_by="customer")
        PresenceSpan.objects.create(user=agent, state=AgentState.AVAILABLE, started_at=at(8, 45))
        AgentPresence.objects.create(user=agent, state=AgentState.AVAILABLE, since=at(8, 45))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **HTMX).status_code == 200
    return len(queries)


def test_the_polled_partials_cost_a_fixed_number_of_queries(supervisor, staff_user, django_assert_max_num_queries):
    small = count_queries(supervisor, LIVE), count_queries(supervisor, INTERVALS)
    more_of_everything(staff_user, 30)
    assert Conversation.objects.count() == 37
    large = count_queries(supervisor, LIVE), count_queries(supervisor, INTERVALS)
    assert small == large  # 30 more calls, chats and agents: not one query more
    with django_assert_max_num_queries(15):  # the session, the user and their permissions, then the board's 11
        supervisor.get(LIVE, **HTMX)
    with django_assert_max_num_queries(10):
        supervisor.get(INTERVALS, **HTMX)


# --- the day picker -------------------------------------------------------------------------------------------

def test_a_past_day_shows_its_final_figures_and_does_not_poll(supervisor):
    clock.freeze(at(9, 0) + timedelta(days=1))
    html = supervisor.get(PAGE, {"day": "2026-11-23"}).content.decode()
    assert 'data-testid="final-badge"' in html and 'data-testid="live-badge"' not in html
    assert "hx-trigger" not in html and "http-equiv" not in html
    assert 'data-testid="queues"' not in html and 'data-testid="agents"' not in html
    assert tile_values(html)["offered"]["all"] == "11"
    assert tile_values(html)["occupancy"]["chat"] == str(metrics.summary(wb.day_board(DAY).figures.chat)["occupancy"])
    assert 'data-testid="next-day"' in html and 'data-testid="today"' in html


def test_the_picker_moves_by_a_day(supervisor):
    html = supervisor.get(PAGE, {"sl": "40"}).content.decode()
    assert re.search(r'href="[^"]*\?day=2026-11-22&amp;sl=40" data-testid="previous-day"', html)
    assert 'data-testid="next-day"' not in html  # no tomorrow
    assert 'max="2026-11-23"' in html


def test_the_threshold_comes_from_the_query_and_travels_with_the_polls(supervisor):
    html = supervisor.get(PAGE, {"sl": "40"}).content.decode()
    assert tile_values(html)["service_level"] == {"all": "0.6667", "phone": "0.75", "chat": "0.6"}
    assert f'hx-get="{LIVE}?sl=40"' in html and f'hx-get="{INTERVALS}?sl=40"' in html


@pytest.mark.parametrize(("query", "field"), [
    ({"day": "2026-11-24"}, "day"), ({"day": "yesterday"}, "day"), ({"sl": "-1"}, "sl"), ({"sl": "3601"}, "sl"),
    ({"sl": "abc"}, "sl"),
])
def test_bad_input_is_a_400_naming_the_field(supervisor, query, field):
    for url in (PAGE, LIVE, INTERVALS):
        response = supervisor.get(url, query)
        assert response.status_code == 400
        assert f'data-field="{field}"' in response.content.decode()


def test_an_empty_day_says_so(supervisor):
    html = supervisor.get(PAGE, {"day": "2026-11-01"}).content.decode()
    assert tile_values(html)["answer_rate"]["all"] == "" and 'data-testid="contacts-chart"' not in html


# --- escaping -------------------------------------------------------------------------------------------------

def test_names_and_queues_are_escaped(supervisor, staff_user):
    evil = staff_user("presale_agent", "evil")
    evil.first_name = "<script>alert(1)</script>"
    evil.save()
    AgentPresence.objects.create(user=evil, state=AgentState.AWAY, since=at(10, 0))
    record_calls(call_events("q1", "<b>vip</b>", at(10, 59), outcome=t.IN_PROGRESS))
    html = supervisor.get(LIVE).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>vip</b>" not in html and "&lt;b&gt;vip&lt;/b&gt;" in html


def test_the_formatting_helpers():
    with translation.override("en"):
        assert (views.duration(None), views.duration(42.4), views.duration(315), views.duration(3725)) == (
            "—", "42 s", "5:15", "62:05")
    assert (views.elapsed(585), views.elapsed(7200), views.elapsed(0)) == ("9:45", "2:00:00", "0:00")
    assert (views.percent(0.5455), views.percent(None), views.per_agent(1.5)) == ("54.5%", "—", "1.5")
