"""The fewest agents that reach a target in one interval, and per interval over a forecast.

Each figure grows with the number of agents (service level, answer rate) or falls (occupancy), so the
smallest N that meets every target is found by a bracketing search over N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .erlang import QueueFigures, queue_figures
from .errors import WfmInputError


@dataclass(frozen=True)
class Targets:
    """What the plan must reach. Any of the three may be set; every one that is set must be met.

    `answer_rate` (接通率, answered ÷ offered) only means something when callers can give up, so it needs a
    patience (Erlang A): under Erlang C every caller is answered in the end.
    """

    service_level: float | None = 0.80
    answer_within_seconds: float = 20.0
    answer_rate: float | None = None
    max_occupancy: float | None = None

    def check(self, patience_seconds: float | None) -> None:
        for name in ("service_level", "answer_rate", "max_occupancy"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise WfmInputError(f"targets.{name}", "must be a fraction between 0 and 1 (exclusive)")
        if self.service_level is None and self.answer_rate is None:
            raise WfmInputError("targets", "give a service level or an answer rate to staff for")
        if not (self.answer_within_seconds >= 0 and math.isfinite(self.answer_within_seconds)):
            raise WfmInputError("targets.answer_within_seconds", "must be a number of seconds ≥ 0")
        if self.answer_rate is not None and patience_seconds is None:
            raise WfmInputError("targets.answer_rate", "an answer-rate target needs a caller patience (Erlang A); "
                                "under Erlang C nobody gives up")

    def met_by(self, figures: QueueFigures) -> bool:
        return ((self.service_level is None or figures.service_level >= self.service_level)
                and (self.answer_rate is None or figures.answer_rate >= self.answer_rate)
                and (self.max_occupancy is None or figures.occupancy <= self.max_occupancy))


def staff_interval(calls: float, interval_seconds: float, aht_seconds: float, targets: Targets,
                   patience_seconds: float | None = None) -> QueueFigures:
    """The fewest agents that meet `targets` for `calls` offered in one interval, and what they deliver."""
    targets.check(patience_seconds)
    if not (interval_seconds > 0 and math.isfinite(interval_seconds)):
        raise WfmInputError("interval", "must be a positive length")
    if not (calls >= 0 and math.isfinite(calls)):
        raise WfmInputError("calls", "must be a finite number ≥ 0")
    rate = calls / interval_seconds

    def figures(agents: int) -> QueueFigures:
        return queue_figures(rate, aht_seconds, agents, targets.answer_within_seconds, patience_seconds)

    if calls == 0:
        return figures(0)
    traffic = rate * aht_seconds
    # With calls offered, no target is met by 0 agents, nor under Erlang C by any N ≤ A (the queue grows
    # without end): `low` starts as a count known to fail.
    low = 0 if patience_seconds is not None else math.floor(traffic)
    high = max(low + 1, math.ceil(traffic + 3.0 * math.sqrt(traffic) + 3.0))
    while not targets.met_by(figures(high)):
        low, high = high, high * 2
        if high > 1_000_000:
            raise WfmInputError("targets", "cannot be met by any number of agents")
    while high - low > 1:  # invariant: `high` meets the targets, `low` does not (or is the floor)
        middle = (low + high) // 2
        if targets.met_by(figures(middle)):
            high = middle
        else:
            low = middle
    return figures(high)


def required_agents(calls: np.ndarray, interval_minutes: int, aht_seconds: float, targets: Targets,
                    patience_seconds: float | None = None) -> np.ndarray:
    """Agents needed in every interval of an array of expected calls (any shape), each on its own."""
    flat = np.asarray(calls, dtype=float).ravel()
    cache: dict[float, int] = {}
    out = np.empty(flat.size, dtype=int)
    for i, value in enumerate(flat):
        key = round(float(value), 6)
        if key not in cache:
            cache[key] = staff_interval(key, interval_minutes * 60.0, aht_seconds, targets, patience_seconds).agents
        out[i] = cache[key]
    return out.reshape(np.shape(calls))
