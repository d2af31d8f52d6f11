"""A day of calls for demos and tests: the events a switch would report. Pure: no Django import.

Arrivals are a Poisson process whose rate follows a daily curve — a mid-morning peak (≈10:30), a smaller
afternoon one and the evening peak (≈20:30) of online shopping — conditioned on the day's count: `calls` arrival
times drawn independently from the curve, which is what a Poisson process with that curve looks like once its
total is known. Lines open 08:30–24:00 (the late shift answers until midnight, seed 001).

One first-come-first-served queue in front of all agents (two queue names share the agents). Agents work the
early (08:30–16:30) or the late shift (16:30–00:30), `agents` on each, with a 15-minute break (a pause) mid-shift;
the agent idle longest takes the next call. A caller's patience is exponential: one who has not been answered
within it hangs up (abandoned), and the queue lets nobody wait beyond `queue_timeout` (overflowed). Talk time is
log-normal, after-call work exponential; some calls are transferred, and sometimes an agent's phone rings
unanswered before another agent takes the call. Every duration is whole seconds, as Asterisk logs them.
Deterministic: the same configuration and seed give the same events.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import metrics
from . import telephony as t

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN, CLOSE = time(8, 30), time(0, 0)  # CLOSE at or before OPEN: midnight
SHIFTS = ((time(8, 30), time(16, 30)), (time(16, 30), time(0, 30)))
BREAK = timedelta(minutes=15)
RING_NO_ANSWER = 15  # seconds an unanswered ring costs the caller
# (hour of the peak, width in hours, height) over a base rate of 1
PEAKS = ((10.5, 1.2, 2.2), (14.5, 1.0, 0.8), (20.5, 1.3, 2.0))


@dataclass(frozen=True)
class Config:
    day: date
    calls: int = 2400
    agents: int = 14  # per shift
    seed: int = 1
    queues: tuple[tuple[str, float], ...] = (("aftersale", 0.6), ("presale", 0.4))
    mean_talk_seconds: float = 180.0
    mean_wrapup_seconds: float = 30.0
    mean_patience_seconds: float = 240.0
    queue_timeout_seconds: int = 300
    transfer_probability: float = 0.05
    missed_ring_probability: float = 0.03
    caller_pool: tuple[str, ...] = ()  # known customers' numbers
    known_caller_share: float = 0.3  # of calls from the pool, when there is one
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self):
        if self.calls < 0 or self.agents < 0:
            raise ValueError("calls and agents must not be negative")
        if self.calls > 200_000 or self.agents > 2000:
            raise ValueError("at most 200,000 calls and 2,000 agents per shift")


@dataclass
class Agent:
    label: str
    start: datetime
    end: datetime
    break_start: datetime
    free_at: datetime

    def earliest(self, at: datetime, busy: timedelta) -> datetime | None:
        """When this agent could pick up a call waiting since `at` that keeps them `busy`; None if not before the
        shift ends. Nobody starts a call that would run into their break (they take the break first); a call may
        run past the end of the shift (they log off when it is done)."""
        begin = max(at, self.free_at, self.start)
        if begin < self.break_start + BREAK and begin + busy > self.break_start:
            begin = self.break_start + BREAK
        return begin if begin < self.end else None


@dataclass
class Day:
    config: Config
    events: list[t.TelephonyEvent] = field(default_factory=list)

    @property
    def window(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.config.day, time(0), tzinfo=self.config.tz)
        return start, start + timedelta(days=1)

    def calls(self) -> list[t.CallState]:
        by_call: dict[str, list[t.TelephonyEvent]] = defaultdict(list)
        for event in self.events:
            if event.is_call_event:
                by_call[event.call_id].append(event)
        return [t.fold(call_id, events) for call_id, events in by_call.items()]

    def figures(self, *, sl_seconds: float = metrics.SL_SECONDS,
                short_abandon_seconds: float = metrics.SHORT_ABANDON_SECONDS) -> metrics.Figures:
        """The day's figures as kefu will compute them from these events (same fold, same day window)."""
        records = [metrics.ContactRecord(c.offered_at, c.outcome, c.wait_seconds, c.talk_seconds, c.wrapup_seconds,
                                         c.agent, c.queue) for c in self.calls()]
        start, end = self.window
        free = t.available_seconds(t.presence(self.events, start, end), start, end)
        tally = metrics.tally(records, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds)
        return metrics.figures(tally, sl_seconds=sl_seconds, short_abandon_seconds=short_abandon_seconds,
                               available_seconds=free or None)


def _at(day: date, clock_time: time, tz: ZoneInfo, *, next_day_if_before: time | None = None) -> datetime:
    moment = datetime.combine(day, clock_time, tzinfo=tz)
    if next_day_if_before is not None and clock_time <= next_day_if_before:
        moment += timedelta(days=1)
    return moment


def rate(hour: float) -> float:
    """The relative arrival rate at a time of day (hours since midnight)."""
    return 1.0 + sum(height * math.exp(-0.5 * ((hour - peak) / width) ** 2) for peak, width, height in PEAKS)


def arrivals(config: Config, rng: random.Random) -> list[datetime]:
    opening = _at(config.day, OPEN, config.tz)
    closing = _at(config.day, CLOSE, config.tz, next_day_if_before=OPEN)
    minutes = int((closing - opening).total_seconds() // 60)
    weights = [rate(OPEN.hour + (OPEN.minute + m) / 60) for m in range(minutes)]
    cumulative = list(_accumulate(weights))
    chosen = rng.choices(range(minutes), cum_weights=cumulative, k=config.calls)
    return sorted(opening + timedelta(minutes=m, seconds=rng.randrange(60)) for m in chosen)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _agents(config: Config) -> list[Agent]:
    agents = []
    number = 8001
    for shift_start, shift_end in SHIFTS:
        start = _at(config.day, shift_start, config.tz)
        end = _at(config.day, shift_end, config.tz, next_day_if_before=shift_start)
        for i in range(config.agents):
            # breaks staggered across the middle two hours of the shift, so the floor is never empty
            offset = (end - start) / 2 - timedelta(hours=1) + timedelta(minutes=(120 * i) // max(1, config.agents))
            agents.append(Agent(f"SIP/{number}", start, end, start + offset, start))
            number += 1
    return agents


def _lognormal_seconds(rng: random.Random, mean: float, sigma: float = 0.6, floor: int = 10) -> int:
    mu = math.log(mean) - sigma * sigma / 2
    return max(floor, round(rng.lognormvariate(mu, sigma)))


def _caller(config: Config, rng: random.Random) -> str:
    if config.caller_pool and rng.random() < config.known_caller_share:
        return rng.choice(config.caller_pool)
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def simulate(config: Config) -> Day:
    rng = random.Random(f"kefu-calls:{config.seed}:{config.day.isoformat()}")
    day = Day(config)
    agents = _agents(config)
    names, shares = zip(*config.queues, strict=True)
    for sequence, arrival in enumerate(arrivals(config, rng), start=1):
        call_id = f"{int(arrival.timestamp())}.{sequence}"
        queue = rng.choices(names, weights=shares)[0]
        day.events.append(t.TelephonyEvent(t.OFFERED, arrival, call_id=call_id, queue=queue,
                                           caller=_caller(config, rng)))
        _serve(day, agents, config, rng, call_id, queue, arrival)
    for agent in agents:
        day.events += [
            t.TelephonyEvent(t.LOGIN, agent.start, agent=agent.label),
            t.TelephonyEvent(t.PAUSE, agent.break_start, agent=agent.label, reason="break"),
            t.TelephonyEvent(t.UNPAUSE, agent.break_start + BREAK, agent=agent.label),
            t.TelephonyEvent(t.LOGOFF, max(agent.end, agent.free_at), agent=agent.label),
        ]
    day.events.sort(key=lambda e: (e.at, t.KINDS.index(e.kind), e.call_id, e.agent))
    return day


def _serve(day: Day, agents: list[Agent], config: Config, rng: random.Random, call_id: str, queue: str,
           arrival: datetime) -> None:
    patience = max(1, round(rng.expovariate(1 / config.mean_patience_seconds)))
    ring = rng.randint(2, 8)
    missed = rng.random() < config.missed_ring_probability
    talk = _lognormal_seconds(rng, config.mean_talk_seconds)
    wrapup = round(rng.expovariate(1 / config.mean_wrapup_seconds)) if config.mean_wrapup_seconds else 0
    transferred = rng.random() < config.transfer_probability
    hung_up_by_caller = rng.random() < 0.5

    busy = timedelta(seconds=ring + RING_NO_ANSWER + talk + wrapup)
    choices = [(begin, agent.free_at, agent.label, agent) for agent in agents
               if (begin := agent.earliest(arrival, busy)) is not None]
    base = {"call_id": call_id, "queue": queue}
    limit = min(patience, config.queue_timeout_seconds)
    if choices:
        ranked = sorted(choices, key=lambda c: c[:3])
        begin, _free, _label, agent = ranked[0]
        # the idle agent rung first lets it ring out; the next idle one answers
        missed_by = ranked[1][3] if missed and len(ranked) > 1 and ranked[1][0] == begin else None
        answer = begin + timedelta(seconds=ring + (RING_NO_ANSWER if missed_by else 0))
        wait = round((answer - arrival).total_seconds())
        if wait <= limit:
            if missed_by is not None:
                agent, missed_by = missed_by, agent
                day.events.append(t.TelephonyEvent(t.MISSED, begin, agent=missed_by.label, **base))
            done = answer + timedelta(seconds=talk)
            agent.free_at = done + timedelta(seconds=wrapup)
            day.events.append(t.TelephonyEvent(t.ANSWERED, answer, agent=agent.label, wait_seconds=wait, **base))
            if transferred:
                day.events.append(t.TelephonyEvent(t.TRANSFERRED, done, agent=agent.label, wait_seconds=wait,
                                                   talk_seconds=talk, wrapup_seconds=wrapup,
                                                   target="8800@from-internal", **base))
            else:
                day.events.append(t.TelephonyEvent(t.ENDED, done, agent=agent.label, wait_seconds=wait,
                                                   talk_seconds=talk, wrapup_seconds=wrapup,
                                                   reason="caller" if hung_up_by_caller else "agent", **base))
            return
    if patience < config.queue_timeout_seconds:
        day.events.append(t.TelephonyEvent(t.ABANDONED, arrival + timedelta(seconds=patience),
                                           wait_seconds=patience, **base))
    else:
        day.events.append(t.TelephonyEvent(t.OVERFLOWED, arrival + timedelta(seconds=config.queue_timeout_seconds),
                                           wait_seconds=config.queue_timeout_seconds, reason="timeout", **base))
