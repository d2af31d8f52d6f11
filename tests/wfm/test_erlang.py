"""Erlang B/C against published values and exact arithmetic; Erlang A against its limits and the chain itself."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.sparse.linalg import expm_multiply
from scipy.stats import poisson

from kefu.wfm.erlang import (
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
    palm_series_log,
    queue_figures,
)
from kefu.wfm.errors import WfmInputError


def exact_erlang_c(traffic: int, agents: int) -> Fraction:
    """The textbook factorial form in exact rational arithmetic: an independent path to the same number."""
    top = Fraction(traffic ** agents, math.factorial(agents)) * Fraction(agents, agents - traffic)
    return top / (sum(Fraction(traffic ** k, math.factorial(k)) for k in range(agents)) + top)


# A = 10 Erlangs (100 calls in 30 minutes, AHT 180 s), answer within 20 s: agents → (P(wait), SL, ASA s).
CLASSIC_TABLE = {11: (0.6821, 0.3896, 122.8), 12: (0.4494, 0.6402, 40.4), 13: (0.2853, 0.7956, 17.1),
                 14: (0.1741, 0.8884, 7.8), 15: (0.1020, 0.9415, 3.7)}


@pytest.mark.parametrize("agents", sorted(CLASSIC_TABLE))
def test_erlang_c_matches_the_classic_worked_example(agents):
    """The worked example of Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls per 30 minutes, AHT 180 s → A = 10 Erlangs, target 80 % in 20 s. The
    article prints P(wait) = 68.21 % and ASA = 122.8 s for 11 agents; the rest of the table (12–15 agents)
    is the same formula, recomputed here in exact rational arithmetic from the factorial form
    (`exact_erlang_c`) and rounded as tables print it (P(wait) and SL to 4 places, ASA to 0.1 s)."""
    p_wait, service_level, asa = CLASSIC_TABLE[agents]
    figures = erlang_c_figures(100 / 1800, 180, agents, 20)
    assert round(figures.p_wait, 4) == p_wait
    assert round(float(exact_erlang_c(10, agents)), 4) == p_wait
    assert round(figures.service_level, 4) == service_level
    assert round(figures.asa_seconds, 1) == asa
    assert figures.occupancy == pytest.approx(10 / agents)
    assert figures.answer_rate == 1.0 and figures.abandon_rate == 0.0


def test_erlang_b_small_cases_and_recursion_identity():
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(2.0, 2) == pytest.approx(0.4)  # (4/2) / (1 + 2 + 2)
    assert erlang_b(5.0, 0) == 1.0
    for traffic in (0.5, 3.0, 17.5):
        for n in range(1, 30):  # 1/B(n) = 1 + n / (A·B(n−1))
            assert 1 / erlang_b(traffic, n) == pytest.approx(1 + n / (traffic * erlang_b(traffic, n - 1)))


def test_erlang_b_is_the_poisson_ratio_even_where_factorials_overflow():
    """B(N, A) = P(X = N) / P(X ≤ N) for X ~ Poisson(A) — scipy computes that in its own way."""
    for traffic, agents in ((10.0, 12), (150.0, 160), (900.0, 950), (2000.0, 2100)):
        expected = poisson.pmf(agents, traffic) / poisson.cdf(agents, traffic)
        assert erlang_b(traffic, agents) == pytest.approx(expected, rel=1e-9)


def test_erlang_c_identities():
    for traffic, agents in ((4.0, 5), (10.0, 13), (133.3, 142), (1000.0, 1040)):
        b, c = erlang_b(traffic, agents), erlang_c(traffic, agents)
        assert b < c < 1  # waiting is likelier than blocking: the queue keeps the callers B would drop
        assert c == pytest.approx(agents * b / (agents - traffic * (1 - b)))
        assert math.isfinite(c)
    assert erlang_c(10.0, 10) == 1.0 and erlang_c(10.0, 3) == 1.0  # unstable: everyone waits
    assert erlang_c(0.0, 3) == 0.0


def test_erlang_c_unstable_and_empty_queues():
    unstable = erlang_c_figures(10 / 180, 180, 10, 20)
    assert (unstable.p_wait, unstable.service_level, unstable.asa_seconds) == (1.0, 0.0, math.inf)
    empty = erlang_c_figures(0.0, 180, 0, 20)
    assert (empty.p_wait, empty.service_level, empty.occupancy) == (0.0, 1.0, 0.0)


def test_erlang_a_converges_to_erlang_c_as_patience_grows():
    """The distance to Erlang C is first order in 1/patience: ten times the patience, a tenth of the gap."""
    c = erlang_c_figures(100 / 1800, 180, 12, 20)
    gaps = []
    for patience in (6e4, 6e5, 6e6, 6e7):
        a = erlang_a_figures(100 / 1800, 180, patience, 12, 20)
        gaps.append(abs(a.service_level - c.service_level))
    assert all(9 < bigger / smaller < 11 for bigger, smaller in zip(gaps, gaps[1:], strict=False))
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, abs=1e-2)
    assert a.abandon_rate < 1e-5
    assert queue_figures(100 / 1800, 180, 12, 20, math.inf) == c


def test_erlang_a_with_no_agents_everybody_waits_and_leaves():
    a = erlang_a_figures(100 / 1800, 180, 120, 0, 20)
    assert (a.p_wait, a.service_level, a.answer_rate, a.abandon_rate, a.occupancy) == (1.0, 0.0, 0.0, 1.0, 0.0)
    assert a.asa_seconds == math.inf


def test_erlang_a_stays_stable_when_overloaded():
    """N well below A: Erlang C is undefined, Erlang A is not — abandonment balances the queue."""
    a = erlang_a_figures(500 / 900, 240, 180, 100, 20)  # A = 133 Erlangs, 100 agents
    assert 0 < a.answer_rate < 1 and a.occupancy <= 1
    # With everybody busy, the agents carry N/AHT calls a second: what is not carried is abandoned.
    assert a.answer_rate * 500 / 900 == pytest.approx(100 / 240, rel=0.02)


def birth_death(lam: float, mu: float, theta: float, agents: int, depth: int = 300) -> np.ndarray:
    """Stationary distribution of the M/M/N+M chain, by its balance equations, truncated deep in the tail."""
    pi = [1.0]
    for n in range(1, agents + depth):
        pi.append(pi[-1] * lam / (min(n, agents) * mu + max(0, n - agents) * theta))
    pi = np.array(pi)
    return pi / pi.sum()


@pytest.mark.parametrize(("calls", "aht", "patience", "agents", "within"),
                         [(100, 180, 120, 8, 20), (100, 180, 300, 12, 30), (60, 240, 60, 5, 0), (200, 120, 90, 9, 15)])
def test_erlang_a_matches_the_chain_computed_directly(calls, aht, patience, agents, within):
    """An independent path: the stationary chain gives P(wait) and (with PASTA) what an arriving caller
    finds; a tagged caller's own absorbing chain (served / gave up), solved by matrix exponential, gives
    P(answered within t), and its absorption probabilities P(abandon)."""
    lam, mu, theta = calls / 1800, 1 / aht, 1 / patience
    pi = birth_death(lam, mu, theta, agents)
    depth = 150
    generator = np.zeros((depth + 2, depth + 2))  # states: j ahead (0..depth-1), served, abandoned
    for j in range(depth):
        if j:
            generator[j, j - 1] = agents * mu + j * theta
        else:
            generator[j, depth] = agents * mu
        generator[j, depth + 1] = theta
        generator[j, j] = -generator[j].sum()
    found = pi[agents:agents + depth]
    start = np.concatenate([found, [0.0, 0.0]])
    within_t = expm_multiply(generator.T * within, start)[depth]  # row vector × e^(Qt), as e^(Qᵀt) × column
    eventually = found @ np.linalg.solve(-generator[:depth, :depth], generator[:depth, depth])  # absorption
    a = erlang_a_figures(lam, aht, patience, agents, within)
    assert a.p_wait == pytest.approx(pi[agents:].sum(), abs=1e-9)
    assert a.service_level == pytest.approx(pi[:agents].sum() + within_t, abs=1e-6)
    assert a.abandon_rate == pytest.approx(pi[agents:].sum() - eventually, abs=1e-6)
    busy = sum(min(n, agents) * p for n, p in enumerate(pi))  # flow balance: carried load = busy agents
    assert a.occupancy * agents == pytest.approx(busy, rel=1e-6)


def test_erlang_a_abandonment_is_gmr_closed_form():
    """P(abandon | wait) = 1/(ρ·A(x, y)) + 1 − 1/ρ (Garnett, Mandelbaum & Reiman 2002)."""
    for calls, aht, patience, agents in ((100, 180, 120, 8), (100, 180, 120, 12), (300, 200, 60, 30)):
        lam, mu, theta = calls / 1800, 1 / aht, 1 / patience
        rho = lam / (agents * mu)
        big_a = math.exp(palm_series_log(agents * mu / theta, lam / theta))
        a = erlang_a_figures(lam, aht, patience, agents, 20)
        assert a.abandon_rate / a.p_wait == pytest.approx(1 / (rho * big_a) + 1 - 1 / rho, rel=1e-9)


def test_erlang_a_limits_in_the_threshold_and_in_the_agents():
    base = dict(arrival_rate=100 / 1800, aht_seconds=180, patience_seconds=150)
    at_zero = erlang_a_figures(**base, agents=11, answer_within_seconds=0)
    assert at_zero.service_level == pytest.approx(1 - at_zero.p_wait)
    late = erlang_a_figures(**base, agents=11, answer_within_seconds=1e6)
    assert late.service_level == pytest.approx(late.answer_rate)
    levels = [erlang_a_figures(**base, agents=n, answer_within_seconds=20) for n in range(0, 20)]
    assert all(b.service_level > a.service_level and b.abandon_rate < a.abandon_rate
               for a, b in zip(levels, levels[1:], strict=False))


def test_bad_input_names_the_field():
    with pytest.raises(WfmInputError, match="traffic"):
        erlang_b(-1.0, 3)
    with pytest.raises(WfmInputError, match="agents"):
        erlang_c(2.0, 2.5)
    with pytest.raises(WfmInputError, match="aht_seconds"):
        erlang_c_figures(1.0, 0, 3, 20)
    with pytest.raises(WfmInputError, match="patience_seconds"):
        erlang_a_figures(1.0, 100, 0, 3, 20)
