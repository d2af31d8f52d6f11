"""Day counting on the Asia/Shanghai calendar: day 1 is the day after signing; day N ends at 23:59:59."""

from datetime import datetime, time

import pytest

from kefu.aftersales.policy.days import day_number, due_by, last_moment, within

TZ = "Asia/Shanghai"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("signed", "now", "day"), [
    ("2026-11-10T23:50:00+08:00", "2026-11-10T23:59:00+08:00", 0),
    ("2026-11-10T23:50:00+08:00", "2026-11-11T00:00:00+08:00", 1),
    ("2026-11-10T23:50:00+08:00", "2026-11-17T23:59:59+08:00", 7),
    ("2026-11-10T23:50:00+08:00", "2026-11-18T00:00:00+08:00", 8),
    ("2026-11-10T23:50:00+08:00", "2026-11-17T15:59:59+00:00", 7),  # the same moment written in UTC
    ("2026-11-10T23:50:00+08:00", "2026-11-17T16:00:00+00:00", 8),
    ("2026-11-11T00:05:00+08:00", "2026-11-18T23:59:59+08:00", 7),
    ("2026-11-11T00:05:00+08:00", "2026-11-19T00:00:00+08:00", 8),
    ("2026-11-10T16:05:00+00:00", "2026-11-18T23:59:59+08:00", 7),  # signed 00:05 Shanghai, written in UTC
], ids=["same-evening", "next-midnight", "late-day7-last-second", "late-day8-first-second", "late-day7-utc",
        "late-day8-utc", "midnight-day7-last-second", "midnight-day8", "utc-signed-is-shanghai-next-day"])
def test_day_number(signed, now, day):
    assert day_number(at(now), at(signed), TZ) == day
    assert within(at(now), at(signed), 7, TZ) is (day <= 7)


def test_last_moment_is_2359_59_of_day_n_in_shanghai():
    assert last_moment(at("2026-11-10T23:50:00+08:00"), 7, TZ).isoformat() == "2026-11-17T23:59:59+08:00"
    assert last_moment(at("2026-11-10T16:05:00+00:00"), 7, TZ).isoformat() == "2026-11-18T23:59:59+08:00"


@pytest.mark.parametrize(("now", "due"), [
    ("2026-11-12T19:59:59+08:00", "2026-11-12T23:59:59+08:00"),
    ("2026-11-12T20:00:00+08:00", "2026-11-13T23:59:59+08:00"),
    ("2026-11-12T11:59:59+00:00", "2026-11-12T23:59:59+08:00"),  # 19:59:59 in Shanghai
    ("2026-11-12T12:00:00+00:00", "2026-11-13T23:59:59+08:00"),  # 20:00 in Shanghai
    ("2026-11-12T00:00:00+08:00", "2026-11-12T23:59:59+08:00"),
], ids=["before-cutoff", "at-cutoff", "before-cutoff-utc", "at-cutoff-utc", "midnight"])
def test_due_by_cutoff(now, due):
    assert due_by(at(now), time(20, 0), TZ).isoformat() == due
