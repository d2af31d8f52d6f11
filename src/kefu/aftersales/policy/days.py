"""Day counting on the local calendar (Asia/Shanghai by default).

"Within N days of X": day 1 is the calendar day after X, and the request is in time until 23:59:59 of day N.
So the day number of a moment is simply the count of local midnights between X and it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LAST_SECOND = time(23, 59, 59)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def day_number(now: datetime, start: datetime, tz: str) -> int:
    """0 on the day of `start`, 1 on the next calendar day, and so on."""
    return (local_date(now, tz) - local_date(start, tz)).days


def within(now: datetime, start: datetime, days: int, tz: str) -> bool:
    return day_number(now, start, tz) <= days


def last_moment(start: datetime, days: int, tz: str) -> datetime:
    """23:59:59 local time of day `days` after `start`: the deadline a customer is shown."""
    return datetime.combine(local_date(start, tz) + timedelta(days=days), LAST_SECOND, tzinfo=ZoneInfo(tz))


def due_by(now: datetime, cutoff: time, tz: str) -> datetime:
    """Same day when asked before the cut-off (local time), else the next day; the end of that day."""
    local = now.astimezone(ZoneInfo(tz))
    day = local.date() if local.time() < cutoff else local.date() + timedelta(days=1)
    return datetime.combine(day, LAST_SECOND, tzinfo=ZoneInfo(tz))


def zh_date(moment: datetime, tz: str) -> str:
    """2026年11月17日 23:59:59 — how a deadline reads in a sentence."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}:{local.second:02d}"
