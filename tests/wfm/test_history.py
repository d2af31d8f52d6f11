"""The planner's history from the call records: offered calls per local 15-minute interval over whole weeks,
and the demo history while there are too few weeks of records."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from kefu.calls.models import Call, Outcome
from kefu.wfm import history as wfm_history
from kefu.wfm.demo import demo_history, demo_pattern
from kefu.wfm.history import CallRecords, planning_history, queues

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=SHANGHAI)


def record_calls(moments, queue: str = "presale") -> None:
    """Call rows as the telephony fold leaves them (only what the history reads matters here)."""
    Call.objects.bulk_create([Call(call_id=f"wfm-{next(_ids)}", queue=queue, offered_at=moment, updated_at=moment,
                                   outcome=Outcome.ANSWERED) for moment in moments])


def small_line(first: date, days: int, calls_per_day: float = 80.0, queue: str = "presale") -> np.ndarray:
    """A small shop's line, the demo's shape: the same deterministic counts every week (weekday factors), offered
    a few seconds apart from the interval's start. Returns the counts written, (days, 96)."""
    pattern = demo_pattern(15, calls_per_day)
    counts = np.array([np.rint(pattern * (1.0 + 0.1 * ((first + timedelta(days=d)).weekday() % 3)))
                       for d in range(days)])
    moments = [at(first + timedelta(days=d), "00:00") + timedelta(minutes=15 * s, seconds=7 * k)
               for d in range(days) for s in range(96) for k in range(int(counts[d, s]))]
    record_calls(moments, queue)
    return counts


def test_calls_count_in_the_local_interval_they_were_offered_in():
    monday = date(2026, 11, 23)
    record_calls([
        at(monday, "08:30"), at(monday, "08:44:59"),  # both 08:30–08:45
        at(monday, "08:45"),
        at(monday, "07:59:59"),  # 23:59:59 UTC the day before: still Monday 07:45 in Shanghai
        at(monday, "23:59:59"),  # the day's last interval
        at(monday + timedelta(days=1), "00:00"),  # Tuesday's first
    ])
    counts = CallRecords().counts(monday, 7, 15, "")
    assert counts.shape == (7, 96)
    assert counts[0, 34] == 2 and counts[0, 35] == 1 and counts[0, 31] == 1 and counts[0, 95] == 1
    assert counts[1, 0] == 1
    assert counts.sum() == 6


def test_only_the_line_asked_for_counts():
    monday = date(2026, 11, 23)
    record_calls([at(monday, "10:00")] * 2, queue="presale")
    record_calls([at(monday, "10:00")], queue="aftersale")
    assert CallRecords().counts(monday, 7, 15, "presale")[0, 40] == 2
    assert CallRecords().counts(monday, 7, 15, "aftersale")[0, 40] == 1
    assert CallRecords().counts(monday, 7, 15, "")[0, 40] == 3
    assert queues(monday) == ["aftersale", "presale"]
    assert queues(monday + timedelta(days=1)) == []  # only lines with calls since then


def test_whole_weeks_of_records_before_a_week_ahead_end_yesterday():
    """Planning next week on a Wednesday: the history ends yesterday (today is not over), in whole weeks counted
    back from there; the part of a week before them and today's calls are left out."""
    today = date(2026, 11, 25)  # a Wednesday
    first = today - timedelta(days=4 * 7 + 3)
    written = small_line(first, 4 * 7 + 3)
    record_calls([at(today, "10:00")] * 5)
    found = planning_history(date(2026, 11, 30), today)
    assert found.from_records and found.weeks_of_records == 4
    assert (found.first_day, found.last_day) == (today - timedelta(days=28), today - timedelta(days=1))
    assert np.array_equal(found.history.counts, written[3:])
    assert found.contacts == int(written[3:].sum())


def test_a_past_week_is_planned_from_the_weeks_before_it_only():
    week = date(2026, 11, 16)
    small_line(week - timedelta(weeks=5), 5 * 7 + 7)  # records run on through the planned week itself
    found = planning_history(week, today=date(2026, 12, 1))
    assert found.weeks_of_records == 5 and found.last_day == week - timedelta(days=1)


def test_at_most_max_weeks_are_read():
    today = date(2026, 11, 23)
    small_line(today - timedelta(weeks=3), 21)
    found = planning_history(today, today, min_weeks=2, max_weeks=2)
    assert found.weeks_of_records == 2 and found.first_day == today - timedelta(weeks=2)


def test_too_few_weeks_of_records_fall_back_to_the_demo_history():
    today = date(2026, 11, 23)
    small_line(today - timedelta(days=3 * 7 + 6), 3 * 7 + 6)  # one day short of four weeks
    found = planning_history(date(2026, 11, 30), today)
    assert not found.from_records
    assert (found.weeks_of_records, found.needed_weeks) == (3, 4)
    demo = demo_history(wfm_history.DEMO_SEED, 15, wfm_history.DEMO_CALLS_PER_DAY)
    assert np.array_equal(found.history.counts, demo.counts) and found.first_day == demo.first_day
    assert found.history.promotion_days == demo.promotion_days


def test_no_records_at_all_is_the_demo_too():
    found = planning_history(date(2026, 11, 30), date(2026, 11, 23))
    assert not found.from_records and found.weeks_of_records == 0


def test_promotion_days_are_kept_only_inside_the_history():
    today = date(2026, 11, 23)
    small_line(today - timedelta(weeks=4), 28)
    found = planning_history(today, today, promotion_days=frozenset({date(2026, 11, 11), date(2026, 12, 12),
                                                                    date(2026, 6, 18)}))
    assert found.history.promotion_days == {date(2026, 11, 11)}


def test_the_digest_follows_the_records():
    today = date(2026, 11, 23)
    small_line(today - timedelta(weeks=4), 28)
    before = planning_history(today, today).digest
    assert planning_history(today, today).digest == before
    record_calls([at(today - timedelta(days=2), "11:00")])
    assert planning_history(today, today).digest != before
    marked = planning_history(today, today, promotion_days=frozenset({today - timedelta(days=2)})).digest
    assert marked not in (before, planning_history(today, today).digest)


def test_another_contact_source_adds_its_contacts(monkeypatch):
    """The seam for chats: every source in CONTACT_SOURCES is counted, and the earliest decides the weeks."""

    class Chats:
        def first_day(self, start, end, queue):
            return date(2026, 10, 26)

        def counts(self, first, days, interval_minutes, queue):
            out = np.zeros((days, 24 * 60 // interval_minutes))
            out[:, 40] = 3
            return out

    today = date(2026, 11, 23)
    record_calls([at(today - timedelta(days=1), "10:00")])
    monkeypatch.setattr(wfm_history, "CONTACT_SOURCES", (CallRecords(), Chats()))
    found = planning_history(today, today)
    assert found.from_records and found.weeks_of_records == 4
    assert found.history.counts[-1, 40] == 4 and found.contacts == 28 * 3 + 1
