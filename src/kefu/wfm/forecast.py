"""Contacts per interval for the week ahead: a weekday × time-of-day pattern, times a promotion multiplier.

Why this model: a contact centre's volume repeats by weekday and hour far more than it trends, and a
promotion (大促) lifts the whole day — seed 002 has agents taking 150+ calls a day in promotions against
110–120 normally. So the forecast for a slot is the weighted mean of the same weekday's same slot over the
normal (non-promotion) days of the history, recent weeks weighing more (half-life in weeks), and a
promotion day is that pattern times the multiplier the history shows (actual ÷ pattern on its promotion
days), or a default when the history has none. Everything here is pure: arrays and dates in and out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .errors import WfmInputError

DEFAULT_PROMOTION_MULTIPLIER = 1.3  # seed 002: 150+ calls per agent in promotions against 110–120
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, eq=False)
class History:
    """Contacts counted per interval over whole days: counts[d, s] is day `first_day + d`, slot `s`."""

    first_day: date
    interval_minutes: int
    counts: np.ndarray
    promotion_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _check_interval(self.interval_minutes)
        if self.counts.ndim != 2 or self.counts.shape[1] != slots_per_day(self.interval_minutes):
            raise WfmInputError("history", f"needs {slots_per_day(self.interval_minutes)} intervals per day")
        if self.counts.shape[0] < 7:
            raise WfmInputError("history", "needs at least 7 whole days (one of each weekday)")
        if not np.all(np.isfinite(self.counts)) or np.any(self.counts < 0):
            raise WfmInputError("history", "counts must be finite and ≥ 0")

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=d) for d in range(self.counts.shape[0])]


@dataclass(frozen=True, eq=False)
class Forecast:
    """Expected contacts per interval for the 7 days from `week_start`: calls[d, s]."""

    week_start: date
    interval_minutes: int
    calls: np.ndarray
    promotion_days: frozenset[date]
    promotion_multiplier: float
    multiplier_from_history: bool

    @property
    def days(self) -> list[date]:
        return [self.week_start + timedelta(days=d) for d in range(7)]


def slots_per_day(interval_minutes: int) -> int:
    return 24 * 60 // interval_minutes


def history_from_counts(rows: Iterable[tuple[datetime, float]], interval_minutes: int = 15,
                        promotion_days: Iterable[date] = ()) -> History:
    """Rows of (interval start, contacts) → History. Missing intervals count 0; the days run from the first
    row's date to the last row's. Aware datetimes are read in Asia/Shanghai local time."""
    _check_interval(interval_minutes)
    cells: dict[tuple[date, int], float] = {}
    for i, (start, calls) in enumerate(rows):
        local = local_time(start)
        minute = local.hour * 60 + local.minute
        if minute % interval_minutes or local.second or local.microsecond:
            raise WfmInputError(f"history[{i}].start",
                                f"{start.isoformat()} is not on the {interval_minutes}-minute grid")
        if not (calls >= 0 and math.isfinite(calls)):
            raise WfmInputError(f"history[{i}].calls", "must be a number ≥ 0")
        key = (local.date(), minute // interval_minutes)
        cells[key] = cells.get(key, 0.0) + float(calls)
    if not cells:
        raise WfmInputError("history", "is empty")
    first = min(day for day, _ in cells)
    last = max(day for day, _ in cells)
    counts = np.zeros(((last - first).days + 1, slots_per_day(interval_minutes)))
    for (day, slot), calls in cells.items():
        counts[(day - first).days, slot] = calls
    return History(first, interval_minutes, counts, frozenset(promotion_days))


def history_from_timestamps(timestamps: Iterable[datetime], interval_minutes: int = 15,
                            promotion_days: Iterable[date] = ()) -> History:
    """One timestamp per contact (e.g. call records' offered_at) → counts per interval."""
    _check_interval(interval_minutes)
    tally: dict[datetime, float] = {}
    for moment in timestamps:
        local = local_time(moment)
        minute = (local.hour * 60 + local.minute) // interval_minutes * interval_minutes
        start = datetime(local.year, local.month, local.day, minute // 60, minute % 60)
        tally[start] = tally.get(start, 0.0) + 1.0
    return history_from_counts(sorted(tally.items()), interval_minutes, promotion_days)


def forecast_week(history: History, week_start: date | None = None, promotion_days: Iterable[date] = (),
                  half_life_weeks: float = 2.0, promotion_multiplier: float | None = None) -> Forecast:
    """Expected contacts per interval for the 7 days from `week_start` (default: the day after the history).

    `promotion_days` are the promotion days of the forecast week; `promotion_multiplier` overrides the one
    measured from the history's own promotion days.
    """
    if not half_life_weeks > 0:
        raise WfmInputError("half_life_weeks", "must be > 0")
    days = history.days
    start = week_start or days[-1] + timedelta(days=1)
    promotions = frozenset(promotion_days)
    if any(not start <= day < start + timedelta(days=7) for day in promotions):
        raise WfmInputError("promotion_days", f"must fall in the week {start} – {start + timedelta(days=6)}")
    normal = [d for d, day in enumerate(days) if day not in history.promotion_days]
    if not normal:
        raise WfmInputError("history", "has no day outside a promotion to learn the normal pattern from")
    age_weeks = np.array([(start - day).days / 7.0 for day in days])
    weights = 0.5 ** (np.maximum(age_weeks, 0.0) / half_life_weeks)
    fallback = _weighted_mean(history.counts[normal], weights[normal])
    pattern = np.empty((7, history.counts.shape[1]))
    for weekday in range(7):
        same = [d for d in normal if days[d].weekday() == weekday]
        pattern[weekday] = _weighted_mean(history.counts[same], weights[same]) if same else fallback
    measured = _promotion_multiplier(history, pattern)
    if promotion_multiplier is not None and not (promotion_multiplier > 0 and math.isfinite(promotion_multiplier)):
        raise WfmInputError("promotion_multiplier", "must be a positive number")
    multiplier = promotion_multiplier or measured or DEFAULT_PROMOTION_MULTIPLIER
    calls = np.empty((7, history.counts.shape[1]))
    for d in range(7):
        day = start + timedelta(days=d)
        calls[d] = pattern[day.weekday()] * (multiplier if day in promotions else 1.0)
    return Forecast(start, history.interval_minutes, calls, promotions, float(multiplier),
                    promotion_multiplier is None and measured is not None)


def _promotion_multiplier(history: History, pattern: np.ndarray) -> float | None:
    """Σ actual ÷ Σ pattern over the history's promotion days (None when it has none with volume)."""
    actual = expected = 0.0
    for d, day in enumerate(history.days):
        if day in history.promotion_days:
            actual += float(history.counts[d].sum())
            expected += float(pattern[day.weekday()].sum())
    return actual / expected if expected > 0 and actual > 0 else None


def _weighted_mean(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return (rows * weights[:, None]).sum(axis=0) / weights.sum()


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment.tzinfo else moment


def _check_interval(interval_minutes: int) -> None:
    if interval_minutes not in (5, 10, 15, 20, 30, 60):
        raise WfmInputError("interval_minutes", "must be one of 5, 10, 15, 20, 30 or 60")
