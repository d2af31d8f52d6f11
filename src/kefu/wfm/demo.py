"""A demo history (generated deterministically) and the CSV reader for a real one.

The demo: four weeks, Monday 2026-10-12 to Sunday 2026-11-08, of contacts per 15 minutes for a shop whose
line is open 08:30–24:00 (the late shift takes enquiries until midnight and keeps its last half hour for
orders, seed 001): a morning peak, a lunch dip, the e-commerce evening peak, weekday factors, slow growth,
and two promotion days (the 双11 pre-sale opening on Tue 10-20 and the first payment window on Sun 11-01).
The week after it (from 2026-11-09) has 双11 itself on Wednesday 11-11.

The CSV format (UTF-8, header required):

    start,calls,promotion
    2026-10-12T08:30,21,0
    2026-10-12T08:45,25,0

`start` is the interval's local start (Asia/Shanghai; an offset such as +08:00 is honoured), on the
interval grid; `calls` the contacts offered in it; `promotion` (optional, 0/1) marks that interval's
whole day as a promotion day. Intervals missing from the file count as 0 contacts.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import numpy as np

from .errors import WfmInputError
from .forecast import History, history_from_counts, local_time, slots_per_day

DEMO_FIRST_DAY = date(2026, 10, 12)
DEMO_WEEK_START = date(2026, 11, 9)
DEMO_HISTORY_PROMOTIONS = {date(2026, 10, 20): 1.45, date(2026, 11, 1): 1.30}
DEMO_WEEK_PROMOTIONS = frozenset({date(2026, 11, 11)})
_SHAPE = [  # (minute of the day, relative volume), linear in between; closed outside 08:30–24:00
    (510, 0.35), (540, 0.6), (600, 1.0), (660, 1.05), (720, 0.8), (780, 0.75), (840, 0.95), (930, 0.95),
    (1020, 0.8), (1110, 0.7), (1170, 0.95), (1230, 1.1), (1290, 1.05), (1350, 0.7), (1410, 0.35), (1440, 0.2),
]
_WEEKDAY = [1.10, 1.00, 0.97, 0.95, 0.95, 1.00, 1.08]


def demo_pattern(interval_minutes: int = 15, calls_per_day: float = 3000.0) -> np.ndarray:
    """Expected contacts per interval of an ordinary Tuesday (factor 1.0), summing to `calls_per_day`."""
    starts = np.arange(slots_per_day(interval_minutes)) * interval_minutes
    minutes, levels = zip(*_SHAPE, strict=True)
    shape = np.interp(starts + interval_minutes / 2, minutes, levels)
    shape[(starts < minutes[0]) | (starts >= minutes[-1])] = 0.0
    return shape / shape.sum() * calls_per_day


def demo_history(seed: int = 2026, interval_minutes: int = 15, calls_per_day: float = 3000.0,
                 weeks: int = 4) -> History:
    """Poisson counts around `demo_pattern`, the same for the same seed."""
    rng = np.random.default_rng(seed)
    pattern = demo_pattern(interval_minutes, calls_per_day)
    days = [DEMO_FIRST_DAY + timedelta(days=d) for d in range(7 * weeks)]
    counts = np.empty((len(days), pattern.size))
    for d, day in enumerate(days):
        growth = 1.0 + 0.01 * (d / 7.0)
        counts[d] = rng.poisson(pattern * _WEEKDAY[day.weekday()] * growth * DEMO_HISTORY_PROMOTIONS.get(day, 1.0))
    promotions = frozenset(day for day in DEMO_HISTORY_PROMOTIONS if day in days)
    return History(DEMO_FIRST_DAY, interval_minutes, counts, promotions)


def read_history_csv(text: str, interval_minutes: int = 15, promotion_days: set[date] | None = None) -> History:
    """Parse the CSV format above. Errors name the line: `line 7.calls: must be a number ≥ 0`."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"start", "calls"} <= {name.strip() for name in reader.fieldnames}:
        raise WfmInputError("history", "the CSV needs a header with the columns start,calls[,promotion]")
    rows: list[tuple[datetime, float]] = []
    promotions = set(promotion_days or ())
    for number, row in enumerate(reader, start=2):
        row = {(key or "").strip(): (value or "").strip() for key, value in row.items()}
        try:
            start = datetime.fromisoformat(row["start"])
        except ValueError:
            raise WfmInputError(f"line {number}.start", f"{row['start']!r} is not a date and time") from None
        try:
            calls = float(row["calls"])
        except ValueError:
            raise WfmInputError(f"line {number}.calls", f"{row['calls']!r} is not a number") from None
        if calls < 0 or calls != calls:
            raise WfmInputError(f"line {number}.calls", "must be a number ≥ 0")
        flag = row.get("promotion", "") or "0"
        if flag not in ("0", "1"):
            raise WfmInputError(f"line {number}.promotion", "must be 0 or 1")
        if flag == "1":
            promotions.add(local_time(start).date())
        rows.append((start, calls))
    if not rows:
        raise WfmInputError("history", "the CSV has no rows")
    return history_from_counts(rows, interval_minutes, promotions)


def history_to_csv(history: History) -> str:
    """The history in the CSV format above (every interval, zeros included)."""
    out = io.StringIO()
    out.write("start,calls,promotion\n")
    for d, day in enumerate(history.days):
        flag = int(day in history.promotion_days)
        for slot, calls in enumerate(history.counts[d]):
            minute = slot * history.interval_minutes
            out.write(f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d},{calls:g},{flag}\n")
    return out.getvalue()
