"""Planning a week of 15-minute intervals: forecast + Erlang staffing + roster (HiGHS) + simulated top-up.

Prints, for each scenario, the time of each stage, the roster's paid hours against the LP relaxation bound
(ratio), the seeds' two fixed shifts against the optimised roster in paid hours, and the simulated days:
each interval staffed exactly to its own Erlang requirement ("interval-only") against the final roster.

- A, the demo phone line: the demo history (4 weeks, 双11 on Wednesday), AHT 210 s, patience 180 s, targets
  80 % in 20 s and a 96 % answer rate (Erlang A);
- B, heavy handle times: the same week, Erlang C, handle times lognormal with sd = 2.5 × mean (Erlang's
  exponential assumption flatters such a line);
- C, a tight roster: a flat 09:00–17:00 line worked in one 8-hour shift without breaks, so the roster can
  match the requirement exactly, heavy handle times — the case where the top-up has to act.

Pure: no database, no Django settings. `.venv/bin/python benchmarks/wfm_plan.py [CALLS_PER_DAY] [--time-limit S]
[--replications N]` (default 3000 calls on an ordinary day; 20000 makes a centre of ~250 agents a day, where the
simulation dominates).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from kefu.wfm.demo import DEMO_WEEK_PROMOTIONS, demo_history
from kefu.wfm.forecast import History
from kefu.wfm.plan import PlanOptions, WeekPlan, plan_week
from kefu.wfm.roster import RosterOptions
from kefu.wfm.shifts import ShiftRules
from kefu.wfm.staffing import Targets


def show(name: str, plan: WeekPlan, wall: float) -> None:
    roster, fixed = plan.roster, plan.fixed
    seconds = plan.seconds
    print(f"\n== {name}")
    stages = ", ".join(f"{stage} {seconds.get(stage, 0.0):.2f} s" for stage in ("forecast", "staffing", "roster",
                                                                                   "simulation"))
    print(f"planned in {wall:.1f} s: {stages} "
          f"({plan.forecast.calls.sum():,.0f} calls forecast, {plan.options.replications} replications a day)")
    print(f"roster: {roster.paid_hours:,.0f} paid hours, {roster.headcount} agents; LP bound "
          f"{roster.lp_bound_hours:,.1f} h → ratio {roster.paid_hours / roster.lp_bound_hours:.4f}, "
          f"gap {roster.gap:.2%}, {'proved optimal' if roster.optimal else roster.status}, "
          f"{roster.solve_seconds:.2f} s in the last solve")
    if fixed is not None:
        if fixed.paid_hours is None:
            print(f"fixed shifts: cannot cover ({fixed.note})")
        else:
            print(f"fixed early/late shifts: {fixed.paid_hours:,.0f} paid hours ({fixed.headcount} agents) vs "
                  f"optimised {roster.paid_hours:,.0f} → optimised saves {fixed.saving:.1%}")
    target = plan.targets
    wanted = " and ".join(filter(None, [
        f"SL ≥ {target.service_level:.0%} in {target.answer_within_seconds:g} s" if target.service_level else "",
        f"answer rate ≥ {target.answer_rate:.0%}" if target.answer_rate else ""]))
    print(f"day figures ({wanted}); interval-only → first roster → final roster:")
    for day in plan.days:
        naive = day.interval_staffing
        print(f"  {day.day} {'promo' if day.promotion else '     '} "
              f"SL {naive.service_level:6.1%} → {day.before.service_level:6.1%} → {day.after.service_level:6.1%} "
              f"(±{day.after.service_level_spread:.1%})   AR {naive.answer_rate:6.1%} → {day.after.answer_rate:6.1%}"
              f"   {'met' if day.meets_targets else 'MISSED'}")
    short = sum(1 for day in plan.days if not _meets(day.interval_staffing, target))
    print(f"interval-only staffing misses {short} of 7 days; the plan misses "
          f"{sum(not day.meets_targets for day in plan.days)} after {len(plan.rounds)} top-up round(s) "
          f"(paid hours {plan.first_roster.paid_hours:,.0f} → {roster.paid_hours:,.0f})")


def _meets(figures, targets: Targets) -> bool:
    return ((targets.service_level is None or figures.service_level >= targets.service_level)
            and (targets.answer_rate is None or figures.answer_rate >= targets.answer_rate))


def timed(history: History, targets: Targets, options: PlanOptions) -> tuple[WeekPlan, float]:
    began = time.perf_counter()
    plan = plan_week(history, targets, options)
    return plan, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls_per_day", type=float, nargs="?", default=3000.0)
    parser.add_argument("--time-limit", type=float, default=120.0, help="HiGHS seconds per roster solve")
    parser.add_argument("--replications", type=int, default=5)
    args = parser.parse_args()
    roster = RosterOptions(time_limit_seconds=args.time_limit)
    history = demo_history(calls_per_day=args.calls_per_day)

    plan, wall = timed(history, Targets(0.80, 20, answer_rate=0.96),
                       PlanOptions(promotion_days=DEMO_WEEK_PROMOTIONS, roster=roster, replications=args.replications))
    show(f"A. demo phone line, {args.calls_per_day:,.0f} calls on an ordinary day, Erlang A", plan, wall)

    plan, wall = timed(history, Targets(0.80, 20),
                       PlanOptions(patience_seconds=None, promotion_days=DEMO_WEEK_PROMOTIONS, roster=roster,
                                   handle_time="lognormal", handle_time_cv=2.5, replications=args.replications))
    show("B. the same week, Erlang C, lognormal handle times (sd 2.5 × mean)", plan, wall)

    counts = np.zeros((14, 96))
    counts[:, 36:68] = 17.0  # 09:00–17:00, 68 calls an hour
    flat = History(date(2026, 10, 26), 15, counts)
    one_shift = ShiftRules("09:00-17:00", (540,), 480, break_minutes=0)
    plan, wall = timed(flat, Targets(0.80, 20),
                       PlanOptions(aht_seconds=240, patience_seconds=None, shifts=one_shift, compare_with=None,
                                   roster=roster, handle_time="lognormal", handle_time_cv=2.5,
                                   replications=2 * args.replications))  # a small line: more runs for the same spread
    show("C. tight roster: flat 09:00–17:00 line, one shift without breaks, lognormal handle times", plan, wall)


if __name__ == "__main__":
    main()
