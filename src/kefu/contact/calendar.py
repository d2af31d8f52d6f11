"""Business-hours calendar: shifts, service days, holidays and 调休 make-up days.

Pure Python (no Django). SLA clocks count only time inside shifts ("business time"). All arithmetic is
done on UTC instants, so any time zone (even one with daylight saving) gives absolute durations; results
are returned as aware datetimes in the calendar's own zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SEARCH_DAYS = 3660  # give up (ValueError) after this many days without any business time

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_CHUNK_DAYS = 7  # forward searches look at this many local days per step

_Interval = tuple[datetime, datetime]  # (start, end) as UTC datetimes, start < end


@dataclass(frozen=True)
class ShiftSpec:
    """A daily shift; ``end <= start`` means it ends on the next calendar day (late: 16:30 -> 00:30)."""

    code: str
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("a shift needs a code")
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise TypeError("shift start and end must be datetime.time values")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("shift times are local wall-clock times: give them without tzinfo")

    @property
    def overnight(self) -> bool:
        """True when the shift ends on the calendar day after it started."""
        return self.end <= self.start


EARLY_SHIFT = ShiftSpec("early", time(8, 30), time(16, 30))
LATE_SHIFT = ShiftSpec("late", time(16, 30), time(0, 30))


@dataclass(frozen=True)
class BusinessCalendar:
    """Shifts on service days in one time zone; the clock that SLAs run on.

    A shift belongs to the service date it starts on: the late shift of Dec 31 runs until 00:30 on Jan 1
    even when Jan 1 is a holiday. Shifts are half-open intervals [start, end); overlapping or touching
    shifts form one business window.
    """

    shifts: tuple[ShiftSpec, ...]
    tz: ZoneInfo = SHANGHAI
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[int] = frozenset(range(7))
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterables (lists, sets) but store immutable, hashable values.
        object.__setattr__(self, "shifts", tuple(self.shifts))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        if not self.shifts:
            raise ValueError("a business calendar needs at least one shift")
        if not all(isinstance(s, ShiftSpec) for s in self.shifts):
            raise TypeError("shifts must be ShiftSpec values")
        codes = [s.code for s in self.shifts]
        if len(set(codes)) != len(codes):
            raise ValueError(f"shift codes must be unique: {codes}")
        if not isinstance(self.tz, tzinfo):
            raise TypeError("tz must be a tzinfo (e.g. ZoneInfo('Asia/Shanghai'))")
        if not self.workdays <= frozenset(range(7)):
            raise ValueError("workdays are weekday numbers 0 (Monday) .. 6 (Sunday)")
        clash = self.holidays & self.extra_workdays
        if clash:
            raise ValueError(f"dates both holiday and extra workday: {sorted(clash)}")

    # -- days -----------------------------------------------------------------------------------------

    def is_service_day(self, d: date) -> bool:
        """Whether shifts starting on ``d`` run (a workday or 调休 make-up day, and not a holiday)."""
        if d in self.holidays:
            return False
        return d.weekday() in self.workdays or d in self.extra_workdays

    def _day_shifts(self, d: date) -> list[tuple[datetime, datetime, ShiftSpec]]:
        """The shifts that start on service date ``d`` as (utc start, utc end, shift), by start."""
        if not self.is_service_day(d):
            return []
        out = []
        for shift in self.shifts:
            start = datetime.combine(d, shift.start, tzinfo=self.tz).astimezone(UTC)
            end_day = d + _ONE_DAY if shift.overnight else d
            end = datetime.combine(end_day, shift.end, tzinfo=self.tz).astimezone(UTC)
            if end > start:  # a daylight-saving jump could in theory swallow a tiny shift
                out.append((start, end, shift))
        out.sort(key=lambda item: item[0])
        return out

    # -- helpers ----------------------------------------------------------------------------------------

    def _utc(self, moment: datetime, name: str = "moment") -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
        return moment.astimezone(UTC)

    def _local_date(self, utc_moment: datetime) -> date:
        return utc_moment.astimezone(self.tz).date()

    def _local_midnight(self, d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

    def _utc_windows(self, start: datetime, end: datetime) -> list[_Interval]:
        """Merged business intervals clipped to [start, end); UTC in and out. O(days spanned)."""
        if end <= start:
            return []
        raw: list[_Interval] = []
        d = self._local_date(start) - _ONE_DAY  # yesterday's overnight shift may still be running
        last = self._local_date(end)
        while d <= last:
            for s, e, _shift in self._day_shifts(d):
                if s < end and e > start:
                    raw.append((max(s, start), min(e, end)))
            d += _ONE_DAY
        raw.sort()
        merged: list[_Interval] = []
        for s, e in raw:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return merged

    def _forward_windows(self, start: datetime) -> Iterable[_Interval]:
        """Business intervals from ``start`` on (UTC), chunk by chunk; a window may come split at a chunk
        boundary. Raises ValueError after MAX_SEARCH_DAYS days without business time."""
        cursor = start
        last_seen = start
        while True:
            chunk_end = self._local_midnight(self._local_date(cursor) + timedelta(days=_CHUNK_DAYS))
            found = False
            for window in self._utc_windows(cursor, chunk_end):
                found = True
                yield window
                last_seen = window[1]
            if not found and chunk_end - last_seen > timedelta(days=MAX_SEARCH_DAYS):
                raise ValueError(f"no business time within {MAX_SEARCH_DAYS} days after {last_seen.isoformat()}")
            cursor = chunk_end

    # -- public API -------------------------------------------------------------------------------------

    def shift_at(self, moment: datetime) -> tuple[ShiftSpec, date] | None:
        """The shift covering ``moment`` and its service date (the date it started), or None when closed.

        If shifts overlap, the one that started most recently wins (ties: the first declared).
        """
        m = self._utc(moment)
        today = self._local_date(m)
        best: tuple[datetime, ShiftSpec, date] | None = None
        for d in (today - _ONE_DAY, today):
            for s, e, shift in self._day_shifts(d):
                if s <= m < e and (best is None or s > best[0]):
                    best = (s, shift, d)
        return None if best is None else (best[1], best[2])

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The business intervals inside [start, end), clipped and merged, as aware datetimes in ``tz``."""
        s, e = self._utc(start, "start"), self._utc(end, "end")
        return [(a.astimezone(self.tz), b.astimezone(self.tz)) for a, b in self._utc_windows(s, e)]

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of business time in [start, end); 0 when ``end <= start``."""
        s, e = self._utc(start, "start"), self._utc(end, "end")
        total = sum((b - a for a, b in self._utc_windows(s, e)), timedelta(0))
        return total.total_seconds()

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant t >= start with ``business_seconds(start, t) == seconds`` (to the microsecond).

        ``seconds == 0`` gives ``start`` itself; a positive amount is never rounded down to zero.
        """
        s = self._utc(start, "start")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise TypeError("seconds must be a number")
        if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        remaining = timedelta(seconds=seconds)
        if seconds > 0 and remaining <= timedelta(0):
            remaining = _ONE_MICROSECOND
        if remaining <= timedelta(0):
            return s.astimezone(self.tz)
        for a, b in self._forward_windows(s):
            length = b - a
            if length >= remaining:
                return (a + remaining).astimezone(self.tz)
            remaining -= length
        raise AssertionError("unreachable: _forward_windows never ends without raising")

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself when inside hours, else the start of the next shift."""
        m = self._utc(moment)
        for a, _b in self._forward_windows(m):
            return a.astimezone(self.tz)
        raise AssertionError("unreachable: _forward_windows never ends without raising")

    def next_service_day_start(self, moment: datetime) -> datetime:
        """Start of the first shift of the first service day after ``moment``'s local date."""
        m = self._utc(moment)
        d = self._local_date(m)
        for _ in range(MAX_SEARCH_DAYS):
            d += _ONE_DAY
            day = self._day_shifts(d)
            if day:
                return day[0][0].astimezone(self.tz)
        raise ValueError(f"no service day within {MAX_SEARCH_DAYS} days after {d.isoformat()}")


def default_calendar(holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()) -> BusinessCalendar:
    """The customer-service team's calendar: early 08:30–16:30 and late 16:30–00:30, every day, Asia/Shanghai."""
    return BusinessCalendar(
        shifts=(EARLY_SHIFT, LATE_SHIFT),
        tz=SHANGHAI,
        holidays=frozenset(holidays),
        extra_workdays=frozenset(extra_workdays),
    )
