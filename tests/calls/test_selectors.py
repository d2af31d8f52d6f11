"""The figures from Call rows (SQL tallies) — on the hand-worked sample, and equal to the pure arithmetic."""

from datetime import date, timedelta

import pytest

from kefu.calls import metrics, selectors, services, simulator
from kefu.calls import telephony as t
from kefu.core import clock
from kefu.core.errors import DomainError
from tests.calls import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(after_sample):
    services.import_queue_log(sample.text().splitlines())


def test_the_sample_days_figures(imported):
    day = selectors.figures_for_day(sample.DAY)
    f = day.figures
    # offered 9 (A–I), J still waiting; answered A, B, H, I; abandoned C, D (short); overflowed E, F, G
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned, f.overflowed, f.waiting) == (9, 4, 2, 1, 3, 1)
    assert f.answer_rate == pytest.approx(4 / 9)
    # answered within 20 s: B 8, H 12, I 6 (A waited 23) → 3 of (9 − 1 short abandon)
    assert f.service_level == pytest.approx(3 / 8)
    assert f.average_speed_of_answer == pytest.approx((23 + 8 + 12 + 6) / 4)
    assert f.abandonment_rate == pytest.approx(2 / 9)
    # no after-call work in a queue_log: (180 + 300 + 120 + 100) / 4 = 175 s
    assert f.average_handle_time == pytest.approx(175)
    # SIP/8001, SIP/8002 (twice), Agent/1001 → 4 / 3
    assert (f.agents, f.contacts_per_agent) == (3, pytest.approx(4 / 3))
    # available: SIP/8001 2700 s (0–3600 less the 900 s pause); SIP/8002 from 08:30:05 to midnight (never logged
    # off) = 55,795 s less a 300 s pause = 55,495 s; Agent/1001 3590 s → 61,785 s; handle 700 s
    assert f.available_seconds == 2700 + 55_495 + 3590
    assert f.occupancy == pytest.approx(700 / 61_785)
    assert (day.start, day.end) == selectors.day_window(sample.DAY)


def test_the_sample_days_agents(imported):
    agents = {a.label: a for a in selectors.figures_for_day(sample.DAY).agents}
    assert sorted(agents) == ["Agent/1001", "SIP/8001", "SIP/8002"]
    sip1 = agents["SIP/8001"]
    assert (sip1.answered, sip1.handle_seconds, sip1.available_seconds) == (1, 180, 2700)
    assert sip1.occupancy == pytest.approx(180 / 2700)
    assert (agents["SIP/8002"].answered, agents["SIP/8002"].handle_seconds) == (2, 400)


def test_a_known_logged_in_time_can_be_given(imported):
    f = selectors.figures_for_day(sample.DAY, available_seconds=1400).figures
    assert f.occupancy == pytest.approx(700 / 1400)


def test_the_threshold_is_a_parameter(imported):
    # at 25 s A's 23-second answer counts: 4 / 8; with no short abandons the base is 9
    assert selectors.figures_for_day(sample.DAY, sl_seconds=25).figures.service_level == pytest.approx(4 / 8)
    assert selectors.figures_for_day(sample.DAY, short_abandon_seconds=0).figures.service_level == pytest.approx(3 / 9)


def test_the_sample_by_interval(imported):
    intervals = selectors.figures_by_interval(sample.DAY)
    assert len(intervals) == 96
    assert intervals[0].start == selectors.day_window(sample.DAY)[0]
    first, second = intervals[34], intervals[35]  # 08:30–08:45 and 08:45–09:00
    assert first.start.astimezone(sample.SHANGHAI).strftime("%H:%M") == "08:30"
    assert (first.figures.offered, first.figures.answered, first.figures.waiting) == (9, 4, 0)
    assert (second.figures.offered, second.figures.waiting) == (0, 1)  # J entered at 08:46:40
    # handling within the interval: A 180, B 300, H 120 all inside; I answered 08:43:26 for 100 s → 94 inside
    # available in 08:30–08:45: SIP/8001 900, SIP/8002 895, Agent/1001 890 = 2685 s
    assert first.figures.available_seconds == 2685
    assert first.figures.occupancy == pytest.approx((180 + 300 + 120 + 94) / 2685)
    # 08:45–09:00: I's last 6 s; SIP/8001 900 s less its pause from 08:45 → 0; SIP/8002 900 less 08:45:50–… pause
    assert second.figures.occupancy == pytest.approx(6 / second.figures.available_seconds)
    assert sum(i.figures.offered for i in intervals) == 9


def test_hourly_intervals_and_a_bad_interval(imported):
    hours = selectors.figures_by_interval(sample.DAY, 60)
    assert len(hours) == 24 and hours[8].figures.offered == 9
    with pytest.raises(DomainError) as refused:
        selectors.figures_by_interval(sample.DAY, 7)
    assert refused.value.field == "minutes"


def test_today_counts_up_to_now(after_sample):
    clock.freeze(sample.at(3600))  # 09:30
    services.import_queue_log(sample.text().splitlines())
    day = selectors.figures_for_day(sample.DAY)
    assert day.end == sample.at(3600)
    # SIP/8002 only until now: 3595 − 300 s pause
    assert day.figures.available_seconds == 2700 + 3295 + 3590


def test_queue_lengths_and_waiting_calls(after_sample):
    clock.freeze(sample.at(1100))
    services.import_queue_log(sample.text().splitlines())
    services.record_events([t.TelephonyEvent(t.OFFERED, sample.at(1050), call_id="k", queue="presale"),
                            t.TelephonyEvent(t.ANSWERED, sample.at(1060), call_id="k", agent="SIP/8002")],
                           source="s")
    assert selectors.queue_lengths() == [selectors.QueueNow("aftersale", 1, 100, 0),
                                         selectors.QueueNow("presale", 0, 0, 1)]
    (waiting,) = selectors.waiting_calls()
    assert (waiting.call_id, waiting.waited_seconds, waiting.caller_number) == (sample.call_id("J"), 100,
                                                                                "13700000006")
    assert selectors.waiting_calls("presale") == []
    clock.advance(selectors.STALE_AFTER)  # a call "waiting" for four hours lost its closing event
    assert selectors.queue_lengths() == []


def test_sql_tallies_equal_the_pure_arithmetic_on_a_simulated_day(after_sample):
    config = simulator.Config(day=sample.DAY - timedelta(days=3), calls=400, agents=3, seed=11)
    day = simulator.simulate(config)
    services.record_events(day.events, source="simulator")
    for sl in (10, 20, 60):
        _same(selectors.figures_for_day(config.day, sl_seconds=sl).figures, day.figures(sl_seconds=sl))
    intervals = selectors.figures_by_interval(config.day)
    total = day.figures()
    for name in ("offered", "answered", "abandoned", "short_abandoned", "overflowed", "waiting"):
        assert sum(getattr(i.figures, name) for i in intervals) == getattr(total, name), name
    assert sum(i.figures.available_seconds for i in intervals) == pytest.approx(total.available_seconds)
    # the handling done within the intervals: every call's talk and after-call work, cut at midnight
    _start, midnight = selectors.day_window(config.day)
    expected = sum((min(c.answered_at + timedelta(seconds=c.talk_seconds + (c.wrapup_seconds or 0)), midnight)
                    - c.answered_at).total_seconds() for c in day.calls() if c.talk_seconds is not None)
    busy = sum(i.figures.occupancy * i.figures.available_seconds for i in intervals if i.figures.occupancy)
    assert busy == pytest.approx(expected)


def _same(got: metrics.Figures, expected: metrics.Figures) -> None:
    for name, value in expected.__dict__.items():
        if isinstance(value, float):
            assert getattr(got, name) == pytest.approx(value), name
        else:
            assert getattr(got, name) == value, name


def test_bad_thresholds_are_refused(after_sample):
    with pytest.raises(DomainError):
        selectors.figures_for_day(sample.DAY, sl_seconds=-1)
    with pytest.raises(DomainError):
        selectors.figures_for_day(sample.DAY, short_abandon_seconds=601)


def test_an_empty_day_has_every_interval_and_no_rates(after_sample):
    day = selectors.figures_for_day(date(2026, 1, 1))
    assert (day.figures.offered, day.figures.answer_rate, day.figures.occupancy, day.agents) == (0, None, None, [])
    assert all(i.figures.offered == 0 for i in selectors.figures_by_interval(date(2026, 1, 1)))
    assert timedelta(0) < day.end - day.start <= timedelta(days=1)
