"""The contact-centre figures, each with an example worked out by hand (the arithmetic is in the test)."""

from datetime import UTC, datetime

import pytest

from kefu.calls import metrics
from kefu.calls.metrics import ContactRecord as R

T = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def answered(wait, talk=None, wrapup=None, agent="a1", outcome="answered"):
    return R(T, outcome, wait_seconds=wait, talk_seconds=talk, wrapup_seconds=wrapup, agent=agent)


def abandoned(wait):
    return R(T, "abandoned", wait_seconds=wait)


# Ten offered calls and one still waiting:
#   answered: waits 5, 20, 21, 40 (agents a1, a1, a2, a3); one more answered then transferred, wait 10 (a2)
#   abandoned: waits 3 (short) and 50; overflowed: 2 (queue timeouts, waits 300)
#   talk: 100, 200, 300, 400, 150 (transfer); after-call work 30 on the first only
DAY = [
    answered(5, 100, 30, "a1"), answered(20, 200, None, "a1"), answered(21, 300, None, "a2"),
    answered(40, 400, None, "a3"), answered(10, 150, None, "a2", outcome="transferred"),
    abandoned(3), abandoned(50),
    R(T, "overflowed", wait_seconds=300), R(T, "overflowed", wait_seconds=300),
    R(T, "in_progress"),
]


@pytest.fixture
def day() -> metrics.Figures:
    return metrics.figures(metrics.tally(DAY), available_seconds=4000)


def test_counts(day):
    # offered = 5 answered (incl. the transfer) + 2 abandoned + 2 overflowed = 9; the waiting call is apart
    assert (day.offered, day.answered, day.abandoned, day.short_abandoned, day.overflowed, day.waiting) == (
        9, 5, 2, 1, 2, 1)


def test_answer_rate(day):
    # 接通率 = answered / offered = 5 / 9
    assert day.answer_rate == pytest.approx(5 / 9)


def test_service_level(day):
    # within 20 s (wait ≤ 20): 5, 20, 10 → 3; base = offered − short abandons = 9 − 1 = 8 → 3 / 8
    assert day.service_level == pytest.approx(3 / 8)
    # at 21 s the 21-second answer counts too: 4 / 8
    wider = metrics.figures(metrics.tally(DAY, sl_seconds=21), sl_seconds=21)
    assert wider.service_level == pytest.approx(4 / 8)


def test_short_abandons_threshold_is_a_parameter(day):
    # with 0 s no abandon is short: base 9 → 3 / 9; with 60 s both abandons are short: base 7 → 3 / 7
    none_short = metrics.figures(metrics.tally(DAY, short_abandon_seconds=0), short_abandon_seconds=0)
    both_short = metrics.figures(metrics.tally(DAY, short_abandon_seconds=60), short_abandon_seconds=60)
    assert none_short.service_level == pytest.approx(3 / 9)
    assert both_short.service_level == pytest.approx(3 / 7)
    # a wait of exactly the threshold is not short (strictly less is): 3 s with a 3 s threshold
    at_threshold = metrics.tally([abandoned(3)], short_abandon_seconds=3)
    assert at_threshold.short_abandoned == 0


def test_average_speed_of_answer(day):
    # (5 + 20 + 21 + 40 + 10) / 5 = 96 / 5 = 19.2 s
    assert day.average_speed_of_answer == pytest.approx(19.2)


def test_abandonment_rate(day):
    # abandoned / offered = 2 / 9 (the short abandon included)
    assert day.abandonment_rate == pytest.approx(2 / 9)


def test_average_handle_time(day):
    # (100 + 30 + 200 + 300 + 400 + 150) / 5 = 1180 / 5 = 236 s
    assert day.handle_seconds == 1180
    assert day.average_handle_time == pytest.approx(236)


def test_contacts_per_agent(day):
    # 5 answered by 3 agents (a1: 2, a2: 2, a3: 1) → 5 / 3
    assert day.agents == 3
    assert day.contacts_per_agent == pytest.approx(5 / 3)


def test_occupancy(day):
    # handle time / available time = 1180 / 4000 = 0.295
    assert day.occupancy == pytest.approx(0.295)
    # a short interval divides the handling done within it instead: 900 / 1800 = 0.5
    interval = metrics.figures(metrics.tally(DAY), available_seconds=1800, busy_seconds=900)
    assert interval.occupancy == pytest.approx(0.5)


def test_the_seeds_day_110_calls_of_210_seconds_in_8_hours_is_about_80_percent_occupancy():
    # seed 002: 110–120 calls an agent a day. 115 × 210 s = 24,150 s of 28,800 s → 0.8385
    agent_day = [answered(10, 180, 30, "a1")] * 115
    f = metrics.figures(metrics.tally(agent_day), available_seconds=8 * 3600)
    assert f.contacts_per_agent == 115
    assert f.occupancy == pytest.approx(24_150 / 28_800)


def test_nothing_to_divide_by_gives_none_not_zero():
    empty = metrics.figures(metrics.tally([]))
    assert (empty.answer_rate, empty.service_level, empty.average_speed_of_answer, empty.abandonment_rate,
            empty.average_handle_time, empty.contacts_per_agent, empty.occupancy) == (None,) * 7
    only_waiting = metrics.figures(metrics.tally([R(T, "in_progress")]), available_seconds=0)
    assert (only_waiting.offered, only_waiting.waiting, only_waiting.answer_rate, only_waiting.occupancy) == (
        0, 1, None, None)


def test_an_answer_with_an_unknown_wait_misses_the_service_level_and_stays_out_of_asa():
    f = metrics.figures(metrics.tally([answered(None, 100), answered(10, 100)]))
    # SL: 1 of 2 offered; ASA: 10 / 1 (only the known wait)
    assert f.service_level == pytest.approx(0.5)
    assert f.average_speed_of_answer == pytest.approx(10)


def test_an_answer_still_talking_stays_out_of_handle_time():
    f = metrics.figures(metrics.tally([answered(5, None), answered(5, 120)]))
    assert (f.answered, f.average_handle_time) == (2, 120)


def test_tallies_add_across_channels_and_agents_are_counted_once():
    phone = metrics.tally([answered(5, 100, agent="a1"), abandoned(40)])
    chat = metrics.tally([R(T, "answered", 30, 600, agent="a1", channel="chat"),
                          R(T, "answered", 10, 300, agent="a2", channel="chat")])
    both = metrics.figures(phone + chat)
    # offered 2 + 2 = 4, answered 1 + 2 = 3, agents {a1, a2} = 2 (a1 works both channels)
    assert (both.offered, both.answered, both.agents) == (4, 3, 2)
    assert both.contacts_per_agent == pytest.approx(3 / 2)
    assert phone + chat == metrics.tally([*[answered(5, 100, agent="a1"), abandoned(40)],
                                          R(T, "answered", 30, 600, agent="a1", channel="chat"),
                                          R(T, "answered", 10, 300, agent="a2", channel="chat")])


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        metrics.tally([R(T, "lost")])


def test_summary_rounds_for_json(day):
    out = metrics.summary(day)
    assert out["answer_rate"] == 0.5556 and out["average_speed_of_answer"] == 19.2 and out["offered"] == 9
