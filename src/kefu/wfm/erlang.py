"""Erlang B, Erlang C (M/M/N) and Erlang A (Palm's M/M/N+M, callers who give up) — numpy/scipy only.

Why these forms: the textbook Erlang C divides A**N / N! by a sum of such terms, which overflows past
N ≈ 170 and loses precision well before. Everything here starts from the Erlang B recursion

    B(0) = 1,   B(n) = A·B(n−1) / (n + A·B(n−1)),

which stays inside [0, 1] for any load, and builds C and A from it:

    C(N, A) = N·B / (N − A·(1 − B))                                   (N > A; else every caller waits)

Erlang A follows Garnett, Mandelbaum & Reiman, "Designing a call center with impatient customers"
(M&SOM 4(3), 2002). With arrival rate λ, service rate μ = 1/AHT, abandonment rate θ = 1/mean patience,
x = Nμ/θ, y = λ/θ and the series A(x, y) = 1 + Σ_{j≥1} y^j / Π_{k=1..j}(x + k):

    P(wait)             = A·B / (1 + (A − 1)·B)
    P(abandon | wait)   = 1/(ρ·A) + 1 − 1/ρ,         ρ = λ/(Nμ)

The distribution of the wait follows from the same chain: a caller who finds j others queued ahead is
answered with probability x/(x+j+1), within t with probability x/(x+j+1)·I_p(j+1, x+1) (regularised
incomplete beta, p = 1 − e^(−θt)), and waits E[W; answered] = x/(x+j+1)·(ψ(x+j+2) − ψ(x+1))/θ (ψ:
digamma). Weighting by the stationary probability of finding j ahead gives the service level and the ASA;
summed in closed form this is GMR's expression with A(x, y·e^(−θt)). The series is summed in log space
(every term positive), so there is no cancellation and no overflow for any load.

Definitions used throughout (docs/wfm.md): service level = answered within t ÷ offered (every abandon
counts against it); answer rate (接通率) = answered ÷ offered; ASA = mean wait of answered calls;
occupancy = carried load ÷ agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, digamma, expit, gammaln, logsumexp

from .errors import WfmInputError

_TAIL = 40.0  # stop the series once a term is e^-40 (≈ 4e-18) of the largest


@dataclass(frozen=True)
class QueueFigures:
    """What a queue staffed with `agents` delivers in steady state, as probabilities per offered call."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float
    answer_rate: float
    abandon_rate: float
    asa_seconds: float  # math.inf when the queue is unstable (Erlang C with N ≤ A)
    occupancy: float
    model: str  # "erlang_c" or "erlang_a"


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of N trunks offered A Erlangs (the recursion, no factorials)."""
    _check_load(traffic, agents)
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller waits, for N agents and A Erlangs; 1 when N ≤ A (the queue grows forever)."""
    _check_load(traffic, agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c_figures(arrival_rate: float, aht_seconds: float, agents: int, answer_within_seconds: float
                     ) -> QueueFigures:
    """Erlang C: infinitely patient callers. Rates per second, times in seconds."""
    _check_rates(arrival_rate, aht_seconds, agents, answer_within_seconds)
    traffic = arrival_rate * aht_seconds
    if traffic == 0:
        return QueueFigures(agents, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, "erlang_c")
    if agents <= traffic:
        return QueueFigures(agents, traffic, 1.0, 0.0, 1.0, 0.0, math.inf, 1.0, "erlang_c")
    p_wait = erlang_c(traffic, agents)
    slack = agents - traffic
    service_level = 1.0 - p_wait * math.exp(-slack * answer_within_seconds / aht_seconds)
    asa = p_wait * aht_seconds / slack
    return QueueFigures(agents, traffic, p_wait, service_level, 1.0, 0.0, asa, traffic / agents, "erlang_c")


def palm_series_log(x: float, y: float) -> float:
    """log A(x, y) = log(1 + Σ_{j≥1} y^j / Π_{k=1..j}(x+k)), GMR's function (x = Nμ/θ, y = λ/θ)."""
    return float(logsumexp(_log_weights(x, y)))


def erlang_a_figures(arrival_rate: float, aht_seconds: float, patience_seconds: float, agents: int,
                     answer_within_seconds: float) -> QueueFigures:
    """Erlang A: callers leave after an exponential patience with mean `patience_seconds`."""
    _check_rates(arrival_rate, aht_seconds, agents, answer_within_seconds)
    if not patience_seconds > 0:
        raise WfmInputError("patience_seconds", "must be a positive number of seconds")
    if math.isinf(patience_seconds):
        return erlang_c_figures(arrival_rate, aht_seconds, agents, answer_within_seconds)
    traffic = arrival_rate * aht_seconds
    if traffic == 0:
        return QueueFigures(agents, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, "erlang_a")
    theta = 1.0 / patience_seconds
    x = agents / aht_seconds / theta
    y = arrival_rate / theta
    log_w = _log_weights(x, y)
    log_a = float(logsumexp(log_w))
    blocking = erlang_b(traffic, agents)
    if blocking <= 0.0:  # underflow: so many agents that nobody waits
        p_wait = 0.0
    else:  # A·B / (1 + (A − 1)·B) = 1 / (1 + (1 − B)/(A·B)), in logs so a huge A cannot overflow
        p_wait = float(expit(-(math.log1p(-blocking) - math.log(blocking) - log_a))) if blocking < 1 else 1.0
    ahead = np.arange(log_w.size, dtype=float)  # j callers already queued when this one arrives
    found = np.exp(log_w - log_a)  # P(find j ahead | wait)
    answered_if = x / (x + ahead + 1.0)
    p = -math.expm1(-theta * answer_within_seconds)
    within_if = answered_if * betainc(ahead + 1.0, x + 1.0, p) if p > 0 else np.zeros_like(ahead)
    wait_if = answered_if * (digamma(x + ahead + 2.0) - digamma(x + 1.0)) / theta
    answered_after_wait = float(found @ answered_if)
    abandon = p_wait * (1.0 - answered_after_wait)
    answer_rate = 1.0 - abandon
    service_level = (1.0 - p_wait) + p_wait * float(found @ within_if)
    asa = p_wait * float(found @ wait_if) / answer_rate if answer_rate > 0 else math.inf
    occupancy = min(1.0, traffic * answer_rate / agents) if agents else 0.0
    return QueueFigures(agents, traffic, p_wait, service_level, answer_rate, abandon, asa, occupancy, "erlang_a")


def queue_figures(arrival_rate: float, aht_seconds: float, agents: int, answer_within_seconds: float,
                  patience_seconds: float | None = None) -> QueueFigures:
    """Erlang A when a patience is given, Erlang C when it is None (or infinite)."""
    if patience_seconds is None:
        return erlang_c_figures(arrival_rate, aht_seconds, agents, answer_within_seconds)
    return erlang_a_figures(arrival_rate, aht_seconds, patience_seconds, agents, answer_within_seconds)


def _log_weights(x: float, y: float) -> np.ndarray:
    """log of y^j / Π_{k=1..j}(x+k) for j = 0.. until the terms are negligible past their peak."""
    if y == 0:
        return np.zeros(1)
    count = int(max(0.0, y - x) + 10.0 * math.sqrt(y + 1.0) + 50.0)
    while True:
        j = np.arange(count, dtype=float)
        log_w = j * math.log(y) - (gammaln(x + j + 1.0) - gammaln(x + 1.0))
        if log_w[-1] < log_w.max() - _TAIL:
            return log_w
        count *= 2


def _check_load(traffic: float, agents: int) -> None:
    if not (traffic >= 0 and math.isfinite(traffic)):
        raise WfmInputError("traffic", "must be a finite number of Erlangs ≥ 0")
    if int(agents) != agents or agents < 0:
        raise WfmInputError("agents", "must be a whole number ≥ 0")


def _check_rates(arrival_rate: float, aht_seconds: float, agents: int, answer_within_seconds: float) -> None:
    if not (arrival_rate >= 0 and math.isfinite(arrival_rate)):
        raise WfmInputError("calls", "must be a finite number ≥ 0")
    if not (aht_seconds > 0 and math.isfinite(aht_seconds)):
        raise WfmInputError("aht_seconds", "must be a positive number of seconds")
    if not (answer_within_seconds >= 0 and math.isfinite(answer_within_seconds)):
        raise WfmInputError("answer_within_seconds", "must be a number of seconds ≥ 0")
    _check_load(arrival_rate * aht_seconds, agents)
