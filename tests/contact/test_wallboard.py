"""The wallboard's reads (kefu/contact/wallboard.py) on a morning worked out by hand: six calls, seven chats, two
chat agents with their presence log and two agents on the switch, at 11:00 on Monday 2026-11-23.

Calls (queue, offered, outcome):                          Chats (queue, began, outcome):
  c1 aftersale 09:00:00 answered SIP/8001 wait 10, 200+40    h1 aftersale 09:00:00 ans. 09:00:05 liuyang, end 09:10:05
  c2 aftersale 09:05:00 answered SIP/8001 wait 30, 100+20    h2 presale   09:02:00 ans. 09:02:40 wangfang, end 09:07:40
  c3 presale   09:20:00 abandoned after 3 s (short)          h3 aftersale 09:30:00 the customer left after 2 s (short)
  c4 presale   09:20:30 abandoned after 40 s                 h4 aftersale 09:31:00 the customer left after 60 s
  c5 aftersale 10:58:00 waiting                              h5 presale   09:40:00 left as a message at 09:45
  c6 aftersale 10:50:00 answered SIP/8002 wait 15, talking   h6 aftersale 10:55:00 ans. 10:55:10 wangfang, active
                                                             h7 aftersale 10:59:00 waiting
SIP/8001 is liuyang's line (08:30 in, paused 10:00–10:15); SIP/8002 (nobody's) logged in at 10:45.
Chat presence: liuyang available 08:50, busy with h1, 30 s after-contact work, away 10:00–10:30, available since;
wangfang available since 09:00 (capacity 3, h6 now).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.calls import selectors as call_selectors
from kefu.calls import services as call_services
from kefu.calls import telephony as t
from kefu.chat import chat_states as st
from kefu.chat.models import ChatAssignment, Conversation, Party
from kefu.contact import presence
from kefu.contact import wallboard as wb
from kefu.contact.models import AgentPresence, AgentProfile, AgentState, PresenceSpan
from kefu.core import clock
from kefu.core.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)
S = AgentState


def at(hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SHANGHAI)


def call_events(call_id: str, queue: str, offered: datetime, *, outcome: str, wait: int | None = None,
                agent: str = "", talk: int | None = None, wrapup: int | None = None) -> list[t.TelephonyEvent]:
    events = [t.TelephonyEvent(t.OFFERED, offered, call_id=call_id, queue=queue)]
    if outcome == t.ANSWERED:
        events.append(t.TelephonyEvent(t.ANSWERED, offered + timedelta(seconds=wait), call_id=call_id, queue=queue,
                                       agent=agent, wait_seconds=wait))
        if talk is not None:
            events.append(t.TelephonyEvent(t.ENDED, offered + timedelta(seconds=wait + talk), call_id=call_id,
                                           queue=queue, agent=agent, talk_seconds=talk, wrapup_seconds=wrapup))
    elif outcome == t.ABANDONED:
        events.append(t.TelephonyEvent(t.ABANDONED, offered + timedelta(seconds=wait), call_id=call_id, queue=queue,
                                       wait_seconds=wait))
    return events


def record_calls(*batches: list[t.TelephonyEvent]) -> None:
    call_services.record_events([e for batch in batches for e in batch], source="test")


def chat(customer, skill: str, began: datetime, *, status: str, answered: datetime | None = None,
         ended: datetime | None = None, agent=None, ended_by: str = "", wait: int = 0) -> Conversation:
    conversation = Conversation.objects.create(
        number=f"C{Conversation.objects.count() + 1:06d}", customer=customer, skill=skill, tier="registered",
        status=status, agent=agent if status == st.ACTIVE or status == st.ENDED else None, started_at=began,
        waiting_since=began, queued_at=began if status == st.WAITING else None, answered_at=answered,
        ended_at=ended, ended_by=ended_by,
        wait_seconds=int((answered - began).total_seconds()) if answered else wait)
    if answered and agent is not None:
        ChatAssignment.objects.create(conversation=conversation, agent=agent, assigned_at=answered, reason="skill",
                                      released_at=ended, release="ended" if ended else "")
    return conversation


def spans(user, *states: tuple[str, datetime, datetime | None]) -> None:
    for state, began, ended in states:
        PresenceSpan.objects.create(user=user, state=state, started_at=began, ended_at=ended)


def morning(staff_user) -> dict:
    """The scene of the module docstring, built at 11:00 (the clock is left frozen there)."""
    clock.freeze(NOW)
    liuyang = staff_user("aftersale_agent", "liuyang")
    liuyang.first_name, liuyang.last_name = "刘", "洋"
    liuyang.save()
    wangfang = staff_user("presale_agent", "wangfang")
    AgentProfile.objects.create(user=liuyang, skills=["aftersale"])
    AgentProfile.objects.create(user=wangfang, skills=["presale", "aftersale"])
    call_services.map_agent_line("SIP/8001", liuyang)
    record_calls(
        [t.TelephonyEvent(t.LOGIN, at(8, 30), agent="SIP/8001", queue="aftersale"),
         t.TelephonyEvent(t.PAUSE, at(10, 0), agent="SIP/8001"),
         t.TelephonyEvent(t.UNPAUSE, at(10, 15), agent="SIP/8001"),
         t.TelephonyEvent(t.LOGIN, at(10, 45), agent="SIP/8002", queue="aftersale")],
        call_events("c1", "aftersale", at(9, 0), outcome=t.ANSWERED, wait=10, agent="SIP/8001", talk=200, wrapup=40),
        call_events("c2", "aftersale", at(9, 5), outcome=t.ANSWERED, wait=30, agent="SIP/8001", talk=100, wrapup=20),
        call_events("c3", "presale", at(9, 20), outcome=t.ABANDONED, wait=3),
        call_events("c4", "presale", at(9, 20, 30), outcome=t.ABANDONED, wait=40),
        call_events("c5", "aftersale", at(10, 58), outcome=t.IN_PROGRESS),
        call_events("c6", "aftersale", at(10, 50), outcome=t.ANSWERED, wait=15, agent="SIP/8002"),
    )
    customers = [f.customer(name=f"客户{i}", phone=f"1380000000{i}") for i in range(7)]
    chat(customers[0], "aftersale", at(9, 0), status=st.ENDED, answered=at(9, 0, 5), ended=at(9, 10, 5),
         agent=liuyang, ended_by=Party.AGENT)
    chat(customers[1], "presale", at(9, 2), status=st.ENDED, answered=at(9, 2, 40), ended=at(9, 7, 40),
         agent=wangfang, ended_by=Party.CUSTOMER)
    chat(customers[2], "aftersale", at(9, 30), status=st.ENDED, ended=at(9, 30, 2), ended_by=Party.CUSTOMER, wait=2)
    chat(customers[3], "aftersale", at(9, 31), status=st.ENDED, ended=at(9, 32), ended_by=Party.CUSTOMER, wait=60)
    chat(customers[4], "presale", at(9, 40), status=st.LEFT_MESSAGE, ended=at(9, 45), ended_by=Party.CUSTOMER,
         wait=300)
    chat(customers[5], "aftersale", at(10, 55), status=st.ACTIVE, answered=at(10, 55, 10), agent=wangfang)
    chat(customers[6], "aftersale", at(10, 59), status=st.WAITING)
    spans(liuyang, (S.AVAILABLE, at(8, 50), at(9, 0, 5)), (S.BUSY, at(9, 0, 5), at(9, 10, 5)),
          (S.ACW, at(9, 10, 5), at(9, 10, 35)), (S.AVAILABLE, at(9, 10, 35), at(10, 0)),
          (S.AWAY, at(10, 0), at(10, 30)), (S.AVAILABLE, at(10, 30), None))
    spans(wangfang, (S.AVAILABLE, at(9, 0), None))
    AgentPresence.objects.create(user=liuyang, state=S.AVAILABLE, since=at(10, 30), chat_capacity=1)
    AgentPresence.objects.create(user=wangfang, state=S.AVAILABLE, since=at(9, 0), chat_capacity=3, active_chats=1)
    offline = staff_user("presale_agent", "offline")
    AgentPresence.objects.create(user=offline, state=S.OFFLINE, since=at(8, 0))
    return {"liuyang": liuyang, "wangfang": wangfang}


@pytest.fixture
def scene(roles, staff_user):
    yield morning(staff_user)
    clock.reset()


# --- the day --------------------------------------------------------------------------------------------------

PHONE_AVAILABLE = (150 * 60 - 15 * 60) + 15 * 60  # SIP/8001 08:30–11:00 less the pause; SIP/8002 10:45–11:00
CHAT_AVAILABLE = 70 * 60 + 30 * 60 + 120 * 60  # liuyang 08:50–10:00 and 10:30–11:00; wangfang 09:00–11:00
CHAT_WORK = (600 + 30) + (300 + 290)  # liuyang h1 + after-contact work; wangfang h2 and h6 so far (10:55:10–11:00)


def test_the_calls_figures(scene):
    f = wb.day_board(DAY).figures.phone
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned, f.overflowed, f.waiting) == (5, 3, 2, 1, 0, 1)
    assert f.answer_rate == pytest.approx(3 / 5)
    assert f.service_level == pytest.approx(2 / 4)  # c1 (10 s), c6 (15 s) of 5 offered less 1 short abandon
    assert f.average_speed_of_answer == pytest.approx((10 + 30 + 15) / 3)
    assert f.abandonment_rate == pytest.approx(2 / 5)
    assert f.average_handle_time == pytest.approx((240 + 120) / 2)  # c6 is still talking: not handled yet
    assert (f.agents, f.contacts_per_agent) == (2, pytest.approx(1.5))
    assert f.available_seconds == PHONE_AVAILABLE
    assert f.occupancy == pytest.approx(360 / PHONE_AVAILABLE)


def test_the_calls_figures_are_the_calls_apis(scene):
    assert wb.day_board(DAY, sl_seconds=12).figures.phone == call_selectors.figures_for_day(DAY, sl_seconds=12).figures


def test_the_chats_figures(scene):
    f = wb.day_board(DAY).figures.chat
    # h1–h6 offered (h7 waits); answered h1, h2, h6; abandoned h3 (short), h4; h5 left a message
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned, f.overflowed, f.waiting) == (6, 3, 2, 1, 1, 1)
    assert f.answer_rate == pytest.approx(3 / 6)
    assert f.service_level == pytest.approx(2 / 5)  # h1 (5 s) and h6 (10 s); h2 waited 40 s
    assert f.average_speed_of_answer == pytest.approx((5 + 40 + 10) / 3)
    assert f.abandonment_rate == pytest.approx(2 / 6)
    assert f.average_handle_time == pytest.approx((600 + 300) / 2)
    assert (f.agents, f.contacts_per_agent) == (2, pytest.approx(1.5))
    assert f.available_seconds == CHAT_AVAILABLE
    assert f.occupancy == pytest.approx(CHAT_WORK / CHAT_AVAILABLE)


def test_the_combined_figures_add_the_channels_up(scene):
    f = wb.day_board(DAY).figures.all
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned, f.overflowed, f.waiting) == (11, 6, 4, 2, 1, 2)
    assert f.answer_rate == pytest.approx(6 / 11)  # not the mean of 3/5 and 3/6
    assert f.service_level == pytest.approx(4 / 9)
    assert f.average_speed_of_answer == pytest.approx(110 / 6)
    assert f.abandonment_rate == pytest.approx(4 / 11)
    assert f.average_handle_time == pytest.approx((360 + 900) / 4)
    # liuyang answers on the phone (SIP/8001 is his line) and in chat: one person; SIP/8002; wangfang
    assert (f.agents, f.contacts_per_agent) == (3, pytest.approx(6 / 3))
    assert f.occupancy == pytest.approx((360 + CHAT_WORK) / (PHONE_AVAILABLE + CHAT_AVAILABLE))


def test_each_agents_contacts_that_day(scene):
    people = {p.name: (p.calls, p.chats, p.total) for p in wb.day_board(DAY).people}
    assert people == {"刘 洋": (2, 1, 3), "wangfang": (0, 2, 2), "SIP/8002": (1, 0, 1)}
    assert [p.name for p in wb.day_board(DAY).people] == ["刘 洋", "wangfang", "SIP/8002"]


def test_the_service_level_threshold_moves_with_the_query(scene):
    f = wb.day_board(DAY, sl_seconds=40).figures
    assert f.phone.service_level == pytest.approx(3 / 4)
    assert f.chat.service_level == pytest.approx(3 / 5)
    assert f.all.service_level == pytest.approx(6 / 9)
    with pytest.raises(DomainError):
        wb.day_board(DAY, sl_seconds=-1)


def test_a_past_day_runs_to_midnight_and_yesterday_is_empty(scene):
    clock.freeze(at(9, 0, day=DAY + timedelta(days=1)))
    board = wb.day_board(DAY)
    assert not board.is_today and board.until == at(0, 0, day=DAY + timedelta(days=1))
    # the open spans now run to midnight: wangfang 09:00–24:00, liuyang 10:30–24:00
    assert board.figures.chat.available_seconds == 70 * 60 + 13.5 * 3600 + 15 * 3600
    empty = wb.day_board(DAY - timedelta(days=1)).figures.all
    assert (empty.offered, empty.answer_rate, empty.occupancy) == (0, None, None)


def test_a_chat_answered_then_put_back_stays_answered(scene):
    h6 = Conversation.objects.get(status=st.ACTIVE)
    Conversation.objects.filter(pk=h6.pk).update(status=st.WAITING, agent=None, queued_at=NOW)
    f = wb.day_board(DAY).figures.chat
    assert (f.offered, f.answered, f.waiting) == (6, 3, 1)


def test_a_chat_the_system_ended_unanswered_is_overflowed_not_abandoned(scene):
    Conversation.objects.filter(number="C000004").update(ended_by=Party.SYSTEM)
    f = wb.day_board(DAY).figures.chat
    assert (f.abandoned, f.overflowed) == (1, 2)


# --- per interval ---------------------------------------------------------------------------------------------

def test_every_interval_of_the_day_is_there(scene):
    intervals = wb.interval_board(DAY)
    assert len(intervals) == 96 and intervals[36].start == at(9, 0)
    assert intervals[-1].end == at(0, 0, day=DAY + timedelta(days=1))
    assert sum(i.figures.all.offered for i in intervals) == 11


def test_the_intervals_figures(scene):
    intervals = wb.interval_board(DAY)
    nine = intervals[36].figures  # 09:00–09:15: c1, c2 and h1, h2
    assert (nine.phone.offered, nine.chat.offered, nine.all.answered) == (2, 2, 4)
    assert nine.all.service_level == pytest.approx(2 / 4)  # c1 10 s, h1 5 s; c2 30 s, h2 40 s
    # phone: c1 busy 09:00:10–09:04:10, c2 09:05:30–09:07:30 over SIP/8001's 900 s
    assert nine.phone.occupancy == pytest.approx(360 / 900)
    # chat: liuyang 09:00:05–09:10:35 (chat and after-contact work), wangfang 09:02:40–09:07:40; 900 s each
    assert nine.chat.occupancy == pytest.approx((630 + 300) / 1800)
    assert nine.all.occupancy == pytest.approx((360 + 930) / 2700)
    quarter_past = intervals[37].figures  # c3, c4 abandoned
    assert (quarter_past.all.offered, quarter_past.all.abandoned, quarter_past.all.answer_rate) == (2, 2, 0)
    half_past = intervals[38].figures  # h3, h4, h5
    assert (half_past.chat.abandoned, half_past.chat.overflowed) == (2, 1)
    last = intervals[43].figures  # 10:45: c6 answered, c5 waiting; h6 answered, h7 waiting
    assert (last.all.offered, last.all.answered, last.all.waiting) == (2, 2, 2)
    assert intervals[44].figures.all.occupancy is None  # 11:00: nobody's time has come yet


def test_the_intervals_calls_are_the_calls_apis(scene):
    mine = wb.interval_board(DAY)
    theirs = call_selectors.figures_by_interval(DAY)
    for a, b in zip(mine, theirs, strict=True):
        assert a.figures.phone == replace(b.figures, agents=0, contacts_per_agent=None)


def test_the_intervals_add_up_to_the_day(scene):
    day = wb.day_board(DAY).figures.all
    intervals = wb.interval_board(DAY)
    for name in ("offered", "answered", "abandoned", "short_abandoned", "overflowed", "waiting"):
        assert sum(getattr(i.figures.all, name) for i in intervals) == getattr(day, name)
    assert sum(i.figures.chat.available_seconds for i in intervals) == pytest.approx(CHAT_AVAILABLE)


def test_the_interval_must_divide_the_day(scene):
    with pytest.raises(DomainError):
        wb.interval_board(DAY, 7)


# --- now ------------------------------------------------------------------------------------------------------

def test_the_queues_now(scene):
    queues = {q.queue: q for q in wb.board(DAY).queues}
    after = queues["aftersale"]
    assert (after.calls_waiting, after.chats_waiting, after.waiting) == (1, 1, 2)
    assert after.longest_wait_seconds == 120  # c5 since 10:58 (h7 only since 10:59)
    assert (after.calls_talking, after.chats_active, after.chat_agents) == (1, 1, 2)
    pre = queues["presale"]
    assert (pre.waiting, pre.longest_wait_seconds, pre.chat_agents) == (0, 0, 1)
    assert list(queues) == ["aftersale", "presale"]  # the longest line first


def test_the_agents_now(scene):
    agents = {(a.channel, a.name): a for a in wb.board(DAY).agents}
    assert set(agents) == {("chat", "刘 洋"), ("chat", "wangfang"), ("phone", "刘 洋"), ("phone", "SIP/8002")}
    liu = agents["chat", "刘 洋"]
    assert (liu.state, liu.seconds_in_state, liu.active_chats, liu.chat_capacity, liu.contacts_today) == (
        S.AVAILABLE, 1800, 0, 1, 3)
    wang = agents["chat", "wangfang"]
    assert (wang.state, wang.seconds_in_state, wang.active_chats, wang.chat_capacity, wang.contacts_today) == (
        S.AVAILABLE, 7200, 1, 3, 2)
    line = agents["phone", "刘 洋"]  # SIP/8001: back from the pause at 10:15
    assert (line.state, line.seconds_in_state, line.contacts_today) == (wb.PHONE_READY, 2700, 3)
    other = agents["phone", "SIP/8002"]  # on c6 since 10:50:15
    assert (other.state, other.seconds_in_state, other.contacts_today) == (wb.PHONE_TALKING, 585, 1)


def test_the_agents_by_state(scene):
    clock.freeze(at(10, 5))
    counts = wb.board(DAY).state_counts()
    # at 10:05 SIP/8001 is paused; the chat rows are as they are now (the presence table has no past)
    assert counts["phone"] == {wb.PHONE_TALKING: 0, wb.PHONE_READY: 0, wb.PHONE_PAUSED: 1}
    assert counts["chat"][S.AVAILABLE] == 2


def test_a_past_day_has_no_queues_or_agents(scene):
    clock.freeze(at(9, 0, day=DAY + timedelta(days=1)))
    board = wb.board(DAY)
    assert (board.queues, board.agents) == ([], [])


def test_the_live_board_is_a_fixed_number_of_queries(scene, django_assert_max_num_queries, staff_user):
    with django_assert_max_num_queries(11):
        wb.board(DAY)
    with django_assert_max_num_queries(6):
        wb.interval_board(DAY)


# --- the span arithmetic (pure) ----------------------------------------------------------------------------------

def test_spans_merge_intersect_and_bin():
    h = [at(9, 0), at(9, 10), at(9, 20), at(9, 30), at(9, 40)]
    assert wb.merged([(h[1], h[3]), (h[0], h[2]), (h[4], h[4])]) == [(h[0], h[3])]
    assert wb.common([(h[0], h[2])], [(h[1], h[3]), (h[3], h[4])]) == [(h[1], h[2])]
    assert wb.binned([(at(9, 10), at(9, 40))], at(9, 0), timedelta(minutes=15), 3) == [300.0, 900.0, 600.0]
    assert wb.total_seconds([(h[0], h[1]), (h[2], h[3])]) == 1200.0


# --- through the real chat services ---------------------------------------------------------------------------

def test_a_chat_served_through_the_services_counts(roles, staff_user, settings):
    from tests.chat import builders

    settings.KEFU_CHAT_ACW_SECONDS = 30
    clock.freeze(at(10, 0))
    agent = builders.agent(staff_user, "xiaoli", skills=("aftersale",))
    clock.advance(timedelta(seconds=60))
    conversation = builders.chat(builders.customer())  # routed at once: wait 0
    clock.advance(timedelta(minutes=4))
    from kefu.chat.services import conversations

    conversations.end(conversation, by=agent)
    clock.advance(timedelta(seconds=30))
    presence.expire_wrap_ups()  # the routing duty's job, every 5 s
    clock.advance(timedelta(seconds=270))
    board = wb.board(DAY)
    f = board.day.figures.chat
    assert (f.offered, f.answered, f.service_level, f.average_speed_of_answer) == (1, 1, 1.0, 0.0)
    assert f.average_handle_time == pytest.approx(240)
    assert f.available_seconds == pytest.approx(600)  # logged in at 10:00, now 10:10
    assert f.occupancy == pytest.approx((240 + 30) / 600)  # the chat and its after-contact work
    assert [(a.name, a.state, a.contacts_today) for a in board.agents] == [("xiaoli", S.AVAILABLE, 1)]
