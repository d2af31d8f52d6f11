"""Shift patterns: when a shift starts, how long it is paid, and where its meal break may sit.

A shift type is one start time with one break position; a rule set (`ShiftRules`) expands into every
allowed combination, so the roster solver picks the break too. Two rule sets ship: `flexible_shifts()`
(8-hour shifts starting every 30 minutes) and `seed_fixed_shifts()` — the seeds' early 08:30–16:30 and
late 16:30–00:30 (seed 001), with the same meal-break rule, for comparison. Times are minutes from the
day's 00:00; a shift may run past midnight (the late shift ends at 00:30 = minute 1470).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import WfmInputError

DAY_MINUTES = 24 * 60


def clock(minute: int) -> str:
    """1470 → '00:30' (the wall clock, past midnight included)."""
    minute %= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str, field: str) -> int:
    """'08:30' → 510; '24:30' or '00:30' after a start → handled by the caller."""
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise WfmInputError(field, f"{text!r} is not a time like 08:30") from None
    if not 0 <= int(minutes) < 60 or not 0 <= value <= 2 * DAY_MINUTES:
        raise WfmInputError(field, f"{text!r} is not a time like 08:30")
    return value


@dataclass(frozen=True, order=True)
class ShiftType:
    """One way to work a day: paid from `start` for `length` minutes, off for `break_minutes` at `break_start`."""

    start: int
    length: int
    break_start: int | None = None  # minutes from the day's 00:00, inside the shift
    break_minutes: int = 0

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def paid_hours(self) -> float:
        return self.length / 60.0

    @property
    def label(self) -> str:
        text = f"{clock(self.start)}–{clock(self.end)}"
        if self.break_start is not None:
            text += f" (break {clock(self.break_start)}–{clock(self.break_start + self.break_minutes)})"
        return text

    def working_periods(self) -> list[tuple[int, int]]:
        """[(from, to)] in minutes from the day's 00:00, the break cut out."""
        if self.break_start is None or not self.break_minutes:
            return [(self.start, self.end)]
        return [(self.start, self.break_start), (self.break_start + self.break_minutes, self.end)]

    def working_slots(self, interval_minutes: int) -> list[int]:
        """Indices of the intervals worked, counted from the day's first (may pass the day's last)."""
        return [slot for begin, finish in self.working_periods()
                for slot in range(begin // interval_minutes, finish // interval_minutes)]


@dataclass(frozen=True)
class ShiftRules:
    """A family of shift types: each start × each allowed break position."""

    name: str
    starts: tuple[int, ...]
    length: int = 480
    break_minutes: int = 60
    break_earliest_after: int = 180  # the break starts no sooner than this after the shift starts…
    break_latest_after: int = 270  # …and no later than this
    break_step: int = 15

    def shift_types(self, interval_minutes: int) -> list[ShiftType]:
        self.check(interval_minutes)
        if not self.break_minutes:
            return [ShiftType(start, self.length) for start in self.starts]
        return [ShiftType(start, self.length, start + offset, self.break_minutes)
                for start in self.starts for offset in self.break_offsets(interval_minutes)]

    def break_offsets(self, interval_minutes: int) -> list[int]:
        """Where the break may start, after the shift's start: the window's steps that fall on the grid."""
        window = range(self.break_earliest_after, self.break_latest_after + 1, max(1, self.break_step))
        return [offset for offset in window if offset % interval_minutes == 0]

    def check(self, interval_minutes: int) -> None:
        if not self.starts:
            raise WfmInputError("shifts.starts", "no shift start allowed")
        if not 60 <= self.length <= 16 * 60:
            raise WfmInputError("shifts.length", "a shift is paid between 1 and 16 hours")
        times = [*self.starts, self.length, self.break_minutes]
        if any(value % interval_minutes for value in times):
            raise WfmInputError("shifts", f"shift times must fall on the {interval_minutes}-minute grid")
        if self.break_minutes:
            if self.break_step <= 0 or not self.break_offsets(interval_minutes):
                raise WfmInputError("shifts.break", f"no break start in the window falls on the "
                                    f"{interval_minutes}-minute grid")
            if self.break_latest_after + self.break_minutes > self.length or self.break_earliest_after <= 0:
                raise WfmInputError("shifts.break", "the break must lie inside the shift")


def flexible_shifts(earliest_start: int = 8 * 60, latest_end: int = DAY_MINUTES + 30, step: int = 30,
                    length: int = 480, break_minutes: int = 60, break_earliest_after: int = 180,
                    break_latest_after: int = 270) -> ShiftRules:
    """8-hour shifts (1-hour meal break 3–4.5 h in) starting every `step` minutes, all within the window."""
    if step <= 0:
        raise WfmInputError("shifts.step", "must be > 0")
    starts = tuple(range(earliest_start, latest_end - length + 1, step))
    return ShiftRules("optimised", starts, length, break_minutes, break_earliest_after, break_latest_after)


def seed_fixed_shifts(break_minutes: int = 60, break_earliest_after: int = 180,
                      break_latest_after: int = 270) -> ShiftRules:
    """The seeds' two shifts (seed 001): early 08:30–16:30 and late 16:30–00:30, with a meal break."""
    return ShiftRules("fixed early/late", (8 * 60 + 30, 16 * 60 + 30), 480, break_minutes,
                      break_earliest_after, break_latest_after)
