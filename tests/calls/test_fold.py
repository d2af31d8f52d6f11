"""Folding a call from its events: whatever the order, however many times, the same record. And agents' presence."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.calls import queue_log
from kefu.calls import telephony as t
from tests.calls import sample

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def sample_calls() -> dict[str, list[t.TelephonyEvent]]:
    by_call = defaultdict(list)
    for _number, event in queue_log.parse(sample.text().splitlines()).events:
        if event.is_call_event:
            by_call[event.call_id].append(event)
    return by_call


def ev(kind, seconds, **fields) -> t.TelephonyEvent:
    return t.TelephonyEvent(kind, T0 + timedelta(seconds=seconds), call_id=fields.pop("call_id", "c1"), **fields)


@pytest.mark.parametrize("letter", list("ABCDEFGHIJ"))
def test_each_sample_call_folds_to_what_was_worked_out_by_hand(letter):
    state = t.fold(sample.call_id(letter), sample_calls()[sample.call_id(letter)])
    assert state.outcome == sample.OUTCOMES[letter]
    assert state.wait_seconds == sample.WAITS[letter]
    assert state.talk_seconds == sample.TALKS.get(letter)
    assert state.agent == sample.AGENTS.get(letter, "")


def test_the_sample_calls_carry_their_times_and_details():
    calls = {cid: t.fold(cid, events) for cid, events in sample_calls().items()}
    a = calls[sample.call_id("A")]
    assert (a.offered_at, a.answered_at, a.ended_at) == (sample.at(60), sample.at(83), sample.at(263))
    assert (a.queue, a.caller, a.missed_rings) == ("aftersale", "13812345678", 1)
    h = calls[sample.call_id("H")]
    assert (h.transferred_to, h.ended_at) == ("8800@from-internal", sample.at(832))
    e = calls[sample.call_id("E")]
    assert (e.overflow_reason, e.ended_at, e.answered_at) == ("timeout", sample.at(700), None)
    j = calls[sample.call_id("J")]
    assert (j.wait_seconds, j.ended_at, j.answered_at) == (None, None, None)


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=3))
def test_order_and_repetition_do_not_change_the_record(rng: random.Random, repeats: int):
    for call_id, events in sample_calls().items():
        expected = t.fold(call_id, events)
        shuffled = events + [rng.choice(events) for _ in range(repeats)]
        rng.shuffle(shuffled)
        assert t.fold(call_id, shuffled) == expected


def test_an_answer_without_its_offer_dates_the_offer_back_by_the_reported_wait():
    state = t.fold("c1", [ev(t.ANSWERED, 30, agent="SIP/1", wait_seconds=12)])
    assert (state.outcome, state.offered_at, state.wait_seconds, state.ended_at) == (
        t.ANSWERED, T0 + timedelta(seconds=18), 12, None)


def test_without_a_reported_wait_it_is_measured_from_offer_to_answer():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ANSWERED, 17, agent="SIP/1"),
                          ev(t.ENDED, 77, agent="SIP/1")])
    assert (state.wait_seconds, state.talk_seconds) == (17, 60)


def test_an_end_with_an_agent_means_answered_even_before_the_answer_arrives():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ENDED, 200, agent="SIP/1", talk_seconds=150)])
    assert (state.outcome, state.answered_at, state.talk_seconds, state.wait_seconds) == (
        t.ANSWERED, T0 + timedelta(seconds=50), 150, 50)


def test_an_end_with_neither_agent_nor_talk_means_the_caller_hung_up_waiting():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ENDED, 40)])
    assert (state.outcome, state.wait_seconds, state.ended_at) == (t.ABANDONED, 40, T0 + timedelta(seconds=40))


def test_a_transfer_outranks_an_answer_and_its_talk_stops_at_the_transfer():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ANSWERED, 5, agent="SIP/1"),
                          ev(t.TRANSFERRED, 65, agent="SIP/1", target="8800"), ev(t.ENDED, 500)])
    assert (state.outcome, state.talk_seconds, state.ended_at, state.wait_seconds) == (
        t.TRANSFERRED, 60, T0 + timedelta(seconds=500), 5)


def test_an_answer_outranks_a_stray_abandon():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ABANDONED, 9, wait_seconds=9),
                          ev(t.ANSWERED, 8, agent="SIP/1")])
    assert state.outcome == t.ANSWERED


def test_after_call_work_comes_with_the_end():
    state = t.fold("c1", [ev(t.OFFERED, 0, queue="q"), ev(t.ANSWERED, 5, agent="SIP/1"),
                          ev(t.ENDED, 65, agent="SIP/1", wrapup_seconds=25)])
    assert state.wrapup_seconds == 25


def test_a_call_needs_at_least_one_call_event():
    with pytest.raises(ValueError):
        t.fold("c1", [t.TelephonyEvent(t.LOGIN, T0, agent="SIP/1")])


@pytest.mark.parametrize("event, field", [
    (t.TelephonyEvent("rang", T0, call_id="c"), "kind"),
    (t.TelephonyEvent(t.OFFERED, T0.replace(tzinfo=None), call_id="c", queue="q"), "at"),
    (t.TelephonyEvent(t.OFFERED, T0, queue="q"), "call_id"),
    (t.TelephonyEvent(t.OFFERED, T0, call_id="c"), "queue"),
    (t.TelephonyEvent(t.ANSWERED, T0, call_id="c"), "agent"),
    (t.TelephonyEvent(t.LOGIN, T0), "agent"),
    (t.TelephonyEvent(t.ENDED, T0, call_id="c", talk_seconds=-1), "talk_seconds"),
    (t.TelephonyEvent(t.ENDED, T0, call_id="c", wait_seconds=86_401), "wait_seconds"),
    (t.TelephonyEvent(t.OFFERED, T0, call_id="c" * 65, queue="q"), "call_id"),
    (t.TelephonyEvent(t.OFFERED, T0, call_id="c", queue="q\x00"), "queue"),
])
def test_problems_name_the_field(event, field):
    assert [name for name, _message in t.problems(event)] == [field]


def test_a_well_formed_event_has_no_problems():
    assert t.problems(t.TelephonyEvent(t.OFFERED, T0, call_id="c", queue="q", caller="13812345678")) == []


def test_the_natural_key_ignores_details_and_the_event_id_is_scoped_by_source():
    plain = ev(t.ENDED, 60, agent="SIP/1", talk_seconds=50)
    richer = ev(t.ENDED, 60, agent="SIP/1", talk_seconds=50, wrapup_seconds=20)
    assert t.event_key(plain) == t.event_key(richer)  # the same happening, reported with more detail
    assert t.event_key(plain) != t.event_key(ev(t.ENDED, 61, agent="SIP/1"))
    with_id = ev(t.ENDED, 60, event_id="e-1")
    assert t.event_key(with_id, "a") != t.event_key(with_id, "b")
    assert t.event_key(with_id, "a") == t.event_key(ev(t.OFFERED, 0, event_id="e-1", queue="q"), "a")


@pytest.mark.parametrize("label, extension", [("SIP/8001", "8001"), ("PJSIP/zhangwei", "zhangwei"),
                                              ("Local/8001@from-queue/n", "8001"), ("8001", "8001"),
                                              ("Agent/1001", "1001")])
def test_extension_of_a_label(label, extension):
    assert t.extension_of(label) == extension


# --- presence ---------------------------------------------------------------------------------------------

def sample_presence(end_offset=3600):
    events = [e for _n, e in queue_log.parse(sample.text().splitlines()).events]
    start, end = sample.at(0), sample.at(end_offset)
    return t.presence(events, start, end), start, end


def test_presence_in_the_sample():
    stretches, start, end = sample_presence()
    free = {}
    for s in stretches:
        free[s.agent] = free.get(s.agent, 0) + t.available_seconds([s], start, end)
    # SIP/8001: in both queues 0–3600, paused 900–1800 → 3600 − 900 = 2700 s available
    # SIP/8002: in from 5, never out (runs to the window's end 3600), PAUSEALL 950–1250 → 3595 − 300 = 3295 s
    # Agent/1001: AGENTLOGIN 10 … AGENTLOGOFF 3600 → 3590 s
    assert free == {"SIP/8001": 2700, "SIP/8002": 3295, "Agent/1001": 3590}
    assert t.available_seconds(stretches, start, end) == 2700 + 3295 + 3590


def test_presence_needs_every_queue_left_before_the_agent_is_out():
    events = [t.TelephonyEvent(t.LOGIN, T0, agent="SIP/1", queue="a"),
              t.TelephonyEvent(t.LOGIN, T0, agent="SIP/1", queue="b"),
              t.TelephonyEvent(t.LOGOFF, T0 + timedelta(seconds=100), agent="SIP/1", queue="a"),
              t.TelephonyEvent(t.LOGOFF, T0 + timedelta(seconds=300), agent="SIP/1", queue="b")]
    stretches = t.presence(events, T0, T0 + timedelta(hours=1))
    assert t.available_seconds(stretches, T0, T0 + timedelta(hours=1)) == 300


def test_presence_is_clipped_to_the_window_and_a_login_before_it_counts():
    events = [t.TelephonyEvent(t.LOGIN, T0 - timedelta(hours=2), agent="SIP/1"),
              t.TelephonyEvent(t.LOGOFF, T0 + timedelta(minutes=30), agent="SIP/1")]
    stretches = t.presence(events, T0, T0 + timedelta(hours=1))
    assert t.available_seconds(stretches, T0, T0 + timedelta(hours=1)) == 1800
    # and a sub-window: 10 minutes of it
    assert t.available_seconds(stretches, T0 + timedelta(minutes=20), T0 + timedelta(minutes=40)) == 600
