"""The week's roster at the fewest paid hours: a tour-scheduling MILP solved by HiGHS (scipy.optimize.milp).

The model (implicit tours, as in Bechtold & Jacobs' days-off/shift decomposition):

    x[d, k] ≥ 0 integer   agents working shift type k (start + break position) on day d
    y[p]    ≥ 0 integer   agents whose two days off are pattern p
    minimise   Σ paid_hours(k)·x[d, k]
    subject to Σ_{(d,k) working slot t} x[d, k] ≥ required[t]    for every interval t of the week
               Σ_k x[d, k] = Σ_{p: d is a working day of p} y[p]   for every day d

Any integer solution splits into individual tours (each agent: five working days, a shift on each), so
it is exactly the week roster. The week is cyclic: a shift that runs past Sunday's midnight covers
Monday's first intervals, and days off wrap (Sunday + Monday are consecutive). The LP relaxation (the same
model without integrality) gives the lower bound the roster is reported against; see
docs/decisions/0008-roster-solver.md for why HiGHS through scipy.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_matrix

from .errors import WfmInputError
from .shifts import ShiftRules, ShiftType, clock

WEEK = 7


@dataclass(frozen=True)
class RosterOptions:
    time_limit_seconds: float = 60.0
    mip_rel_gap: float = 1e-4
    days_off: int = 2
    consecutive_days_off: bool = True


@dataclass(frozen=True)
class Tour:
    """One agent's week: which days are off and the shift worked on each other day (None = off)."""

    agent: int
    days_off: tuple[int, ...]
    shifts: tuple[ShiftType | None, ...]

    @property
    def paid_hours(self) -> float:
        return sum(shift.paid_hours for shift in self.shifts if shift is not None)


@dataclass(frozen=True, eq=False)
class Roster:
    """A solved roster. `coverage[d, s]` is the number of agents working (not on break) in that interval."""

    rules: str
    interval_minutes: int
    shifts: tuple[tuple[int, ShiftType, int], ...]  # (day, shift type, agents), agents > 0
    days_off: tuple[tuple[tuple[int, ...], int], ...]  # (days off, agents), agents > 0
    paid_hours: float
    lp_bound_hours: float
    dual_bound_hours: float
    optimal: bool
    status: str
    solve_seconds: float
    coverage: np.ndarray

    @property
    def headcount(self) -> int:
        return sum(count for _, count in self.days_off)

    @property
    def gap(self) -> float:
        """(paid − LP bound) ÷ paid: how far the integer roster can at most be from the best possible."""
        return (self.paid_hours - self.lp_bound_hours) / self.paid_hours if self.paid_hours else 0.0

    def on_day(self, day: int) -> list[tuple[ShiftType, int]]:
        return [(shift, count) for d, shift, count in self.shifts if d == day]

    def agents_on(self, day: int) -> int:
        return sum(count for d, _, count in self.shifts if d == day)

    def day_paid_hours(self, day: int) -> float:
        return sum(shift.paid_hours * count for d, shift, count in self.shifts if d == day)

    def tours(self) -> list[Tour]:
        """One tour per agent. Each day the working agents, in the same order every day, take that day's
        shifts in order of start, so an agent's start time stays much the same across the week."""
        agents = [pattern for pattern, count in self.days_off for _ in range(count)]
        worked: list[list[ShiftType | None]] = [[None] * WEEK for _ in agents]
        for day in range(WEEK):
            pool = sorted(shift for shift, count in self.on_day(day) for _ in range(count))
            working = [a for a, pattern in enumerate(agents) if day not in pattern]
            for agent, shift in zip(working, pool, strict=True):
                worked[agent][day] = shift
        return [Tour(a + 1, pattern, tuple(worked[a])) for a, pattern in enumerate(agents)]


def days_off_patterns(options: RosterOptions) -> list[tuple[int, ...]]:
    """Every allowed set of days off in the cyclic week (7 when consecutive, 21 otherwise, for two)."""
    if not 0 <= options.days_off < WEEK:
        raise WfmInputError("roster.days_off", "must be between 0 and 6")
    if options.consecutive_days_off:
        return sorted({tuple(sorted((first + i) % WEEK for i in range(options.days_off))) for first in range(WEEK)})
    return list(itertools.combinations(range(WEEK), options.days_off))


def solve_roster(requirement: np.ndarray, rules: ShiftRules, interval_minutes: int,
                 options: RosterOptions | None = None) -> Roster:
    """The cheapest roster (paid hours) whose working agents reach `requirement[d, s]` in every interval."""
    options = options or RosterOptions()
    if not options.time_limit_seconds > 0:
        raise WfmInputError("roster.time_limit_seconds", "must be > 0")
    need = np.asarray(requirement)
    slots = 24 * 60 // interval_minutes
    if need.shape != (WEEK, slots) or np.any(need < 0):
        raise WfmInputError("requirement", f"must be 7 × {slots} agent counts ≥ 0")
    types = rules.shift_types(interval_minutes)
    patterns = days_off_patterns(options)
    n_x, n_y = WEEK * len(types), len(patterns)
    flat_need = need.ravel()
    needed = np.flatnonzero(flat_need > 0)
    row_of = np.full(WEEK * slots, -1)
    row_of[needed] = np.arange(needed.size)
    presence = np.zeros((WEEK * slots, n_x), dtype=np.int8)  # which column works which interval (dense: small)
    for day in range(WEEK):
        for k, shift in enumerate(types):
            cells = (day * slots + np.array(shift.working_slots(interval_minutes))) % (WEEK * slots)
            presence[cells, day * len(types) + k] = 1
    unreachable = needed[presence[needed].sum(axis=1) == 0]
    if unreachable.size:
        day, slot = divmod(int(unreachable[0]), slots)
        raise WfmInputError("requirement", f"day {day + 1} at {clock(slot * interval_minutes)} needs agents but no "
                            f"{rules.name} shift covers it: widen the shift window")
    cover_rows, cover_cols = np.nonzero(presence[needed])
    cover = coo_matrix((np.ones(cover_rows.size), (cover_rows, cover_cols)), shape=(needed.size, n_x + n_y))
    link = np.zeros((WEEK, n_x + n_y))
    for day in range(WEEK):
        link[day, day * len(types):(day + 1) * len(types)] = 1.0
        for p, pattern in enumerate(patterns):
            if day not in pattern:
                link[day, n_x + p] = -1.0
    constraints = [LinearConstraint(cover.tocsr(), flat_need[needed].astype(float), np.inf),
                   LinearConstraint(link, 0.0, 0.0)]
    cost = np.concatenate([np.tile([shift.paid_hours for shift in types], WEEK), np.zeros(n_y)])
    solver = {"time_limit": float(options.time_limit_seconds), "disp": False}
    began = time.perf_counter()
    relaxed = milp(cost, integrality=np.zeros(n_x + n_y), constraints=constraints, options=solver)
    lp_bound = float(relaxed.fun) if relaxed.x is not None else 0.0
    result = milp(cost, integrality=np.ones(n_x + n_y), constraints=constraints,
                  options={**solver, "mip_rel_gap": float(options.mip_rel_gap)})
    seconds = time.perf_counter() - began
    if result.x is None:
        raise WfmInputError("roster.time_limit_seconds", f"no roster found ({result.message.strip()}); "
                            "give the solver more time")
    counts = np.rint(result.x).astype(int)
    coverage = (presence @ counts[:n_x].astype(np.int64)).reshape(WEEK, slots)
    if np.any(coverage < need):  # only if HiGHS' feasibility tolerance let a rounded count slip
        raise RuntimeError("the solver returned a roster that misses the requirement")
    shifts = tuple((day, types[k], int(counts[day * len(types) + k]))
                   for day in range(WEEK) for k in range(len(types)) if counts[day * len(types) + k] > 0)
    days_off = tuple((patterns[p], int(counts[n_x + p])) for p in range(n_y) if counts[n_x + p] > 0)
    paid = float(cost[:n_x] @ counts[:n_x])
    dual = getattr(result, "mip_dual_bound", None)
    dual_bound = float(dual) if dual is not None and math.isfinite(dual) else lp_bound
    return Roster(rules.name, interval_minutes, shifts, days_off, paid, lp_bound, max(dual_bound, lp_bound),
                  result.status == 0, result.message.strip(), seconds, coverage)
