"""A day of the contact centre, call by call (SimPy): does the roster deliver what the formulas promise?

Erlang C/A assume each interval is in steady state on its own. A real day is not: a queue built while
staff ramps down carries into the next interval, agents finish the call in hand before a break, and the
day's figure is what a supervisor is judged on. The simulation therefore runs the whole day:

- arrivals: Poisson per interval at the forecast rate (counts Poisson, times uniform inside the interval);
- handle times: exponential with the AHT as mean, or lognormal with the same mean and a given spread;
- patience: exponential with the given mean (callers who are not answered by then hang up), or none;
- agents: present per their working periods (breaks cut out); a call in progress is finished before the
  agent leaves, and an agent free early takes the longest-waiting caller (one FIFO queue for the day);
- callers still waiting when the last agent leaves count as not answered.

Figures are tallied per interval of arrival and for the whole day, pooled over replications. The random
streams are seeded by (seed, day, replication) and drawn before the run, so the same inputs give the same
figures and two rosters are compared on the same callers (common random numbers).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from .errors import WfmInputError

Periods = Sequence[tuple[float, float]]  # (from, to) in seconds from the day's 00:00
_WAITING, _ANSWERED, _ABANDONED = 0, 1, 2


@dataclass(frozen=True)
class SimulationSettings:
    aht_seconds: float
    answer_within_seconds: float = 20.0
    patience_seconds: float | None = None
    handle_time: str = "exponential"  # or "lognormal"
    handle_time_cv: float = 1.0  # lognormal only: standard deviation ÷ mean
    replications: int = 5
    seed: int = 2026

    def check(self) -> None:
        if not (self.aht_seconds > 0 and math.isfinite(self.aht_seconds)):
            raise WfmInputError("aht_seconds", "must be a positive number of seconds")
        if self.patience_seconds is not None and not self.patience_seconds > 0:
            raise WfmInputError("patience_seconds", "must be a positive number of seconds")
        if self.handle_time not in ("exponential", "lognormal"):
            raise WfmInputError("handle_time", "must be exponential or lognormal")
        if not self.handle_time_cv > 0:
            raise WfmInputError("handle_time_cv", "must be > 0")
        if not 1 <= self.replications <= 1000:
            raise WfmInputError("replications", "must be between 1 and 1000")


@dataclass(frozen=True, eq=False)
class DayOutcome:
    """Totals over all replications, per interval of arrival; figures are ratios of those totals."""

    interval_minutes: int
    replications: int
    offered: np.ndarray
    answered: np.ndarray
    answered_within: np.ndarray
    abandoned: np.ndarray
    wait_of_answered: np.ndarray  # seconds, summed
    day_service_levels: tuple[float, ...]  # one per replication, for the spread

    @property
    def service_level(self) -> float:
        return _ratio(self.answered_within.sum(), self.offered.sum())

    @property
    def answer_rate(self) -> float:
        return _ratio(self.answered.sum(), self.offered.sum())

    @property
    def abandon_rate(self) -> float:
        return _ratio(self.abandoned.sum(), self.offered.sum())

    @property
    def asa_seconds(self) -> float:
        return _ratio(self.wait_of_answered.sum(), self.answered.sum(), empty=0.0)

    @property
    def service_level_spread(self) -> float:
        """Half-width of a 95 % interval on the day's service level across replications (0 with one)."""
        values = np.array(self.day_service_levels)
        return float(1.96 * values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else 0.0

    def interval_service_level(self) -> np.ndarray:
        return _ratios(self.answered_within, self.offered)

    def interval_answer_rate(self) -> np.ndarray:
        return _ratios(self.answered, self.offered)

    def interval_asa(self) -> np.ndarray:
        return _ratios(self.wait_of_answered, self.answered, empty=0.0)


def simulate_day(calls: np.ndarray, agents: Sequence[Periods], interval_minutes: int, settings: SimulationSettings,
                 day: int = 0) -> DayOutcome:
    """Run the day `settings.replications` times: `calls[s]` expected arrivals in interval s, one entry of
    `agents` per agent with its working periods."""
    settings.check()
    rates = np.asarray(calls, dtype=float)
    if rates.ndim != 1 or np.any(rates < 0) or not np.all(np.isfinite(rates)):
        raise WfmInputError("calls", "must be one day of expected contacts ≥ 0 per interval")
    slots = rates.size
    totals = np.zeros((5, slots))
    day_levels = []
    for replication in range(settings.replications):
        rng = np.random.default_rng([settings.seed, day, replication])
        arrival, handle, patience = _draw_callers(rng, rates, interval_minutes * 60.0, settings)
        status, wait = _run(arrival, handle, patience, agents)
        slot = np.minimum((arrival // (interval_minutes * 60.0)).astype(int), slots - 1)
        answered = status == _ANSWERED
        within = answered & (wait <= settings.answer_within_seconds)
        totals[0] += np.bincount(slot, minlength=slots)
        totals[1] += np.bincount(slot, weights=answered, minlength=slots)
        totals[2] += np.bincount(slot, weights=within, minlength=slots)
        totals[3] += np.bincount(slot, weights=~answered, minlength=slots)
        totals[4] += np.bincount(slot, weights=np.where(answered, wait, 0.0), minlength=slots)
        day_levels.append(_ratio(within.sum(), arrival.size))
    return DayOutcome(interval_minutes, settings.replications, *totals, tuple(day_levels))


def agents_from_presence(counts: np.ndarray, interval_minutes: int) -> list[list[tuple[float, float]]]:
    """Agents for a staffing curve (n agents in interval s): one joins when the count rises, the latest to
    join leaves when it falls — staffing each interval exactly to its own requirement."""
    step = interval_minutes * 60.0
    on_duty: list[float] = []  # join times, a stack
    agents: list[list[tuple[float, float]]] = []
    levels = [*(int(n) for n in counts), 0]
    for slot, level in enumerate(levels):
        while len(on_duty) < level:
            on_duty.append(slot * step)
        while len(on_duty) > level:
            agents.append([(on_duty.pop(), slot * step)])
    return agents


def _draw_callers(rng: np.random.Generator, rates: np.ndarray, step: float, settings: SimulationSettings
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = rng.poisson(rates)
    arrival = np.sort(np.repeat(np.arange(rates.size) * step, counts) + rng.uniform(0.0, step, counts.sum()))
    n = arrival.size
    if settings.handle_time == "exponential":
        handle = rng.exponential(settings.aht_seconds, n)
    else:
        sigma2 = math.log1p(settings.handle_time_cv ** 2)
        handle = rng.lognormal(math.log(settings.aht_seconds) - sigma2 / 2, math.sqrt(sigma2), n)
    if settings.patience_seconds is None:
        patience = np.full(n, math.inf)
    else:
        patience = rng.exponential(settings.patience_seconds, n)
    return arrival, handle, patience


def _run(arrival: np.ndarray, handle: np.ndarray, patience: np.ndarray, agents: Sequence[Periods]
         ) -> tuple[np.ndarray, np.ndarray]:
    """One replication. Returns each caller's status and wait (seconds until answered or abandoned)."""
    env = simpy.Environment()
    n = arrival.size
    status = [_WAITING] * n
    wait = [0.0] * n
    arrivals = arrival.tolist()
    queue: deque[int] = deque()
    idle: deque[simpy.Event] = deque()  # free agents, longest free first; each waits on its event

    def answer(caller: int) -> None:
        status[caller] = _ANSWERED
        wait[caller] = env.now - arrivals[caller]

    def give_up(caller: int) -> None:
        if status[caller] == _WAITING:
            status[caller] = _ABANDONED
            wait[caller] = env.now - arrivals[caller]

    def next_caller() -> int | None:
        while queue:
            caller = queue.popleft()
            if status[caller] == _WAITING:  # the abandoned stay in the deque until they reach its head
                return caller
        return None

    def callers():
        for caller in range(n):
            yield env.timeout(arrivals[caller] - env.now)
            if idle:
                answer(caller)
                idle.popleft().succeed(caller)
                continue
            queue.append(caller)
            if math.isfinite(patience[caller]):
                env.timeout(float(patience[caller])).callbacks.append(lambda _e, c=caller: give_up(c))

    def off_duty(free: simpy.Event) -> None:
        if not free.triggered:
            idle.remove(free)
            free.succeed(None)

    def agent(periods: Periods):
        for start, end in periods:
            if env.now < start:
                yield env.timeout(start - env.now)
            while env.now < end:
                caller = next_caller()
                if caller is None:
                    free = env.event()
                    idle.append(free)
                    env.timeout(end - env.now).callbacks.append(lambda _e, f=free: off_duty(f))
                    caller = yield free
                    if caller is None:
                        break
                else:
                    answer(caller)
                yield env.timeout(float(handle[caller]))

    env.process(callers())
    for periods in agents:
        env.process(agent(sorted(periods)))
    env.run()
    return np.array(status), np.array(wait)


def _ratio(part: float, whole: float, empty: float = 1.0) -> float:
    return float(part) / float(whole) if whole else empty


def _ratios(part: np.ndarray, whole: np.ndarray, empty: float = 1.0) -> np.ndarray:
    out = np.full(part.shape, empty, dtype=float)
    np.divide(part, whole, out=out, where=whole > 0)
    return out
