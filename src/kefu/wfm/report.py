"""A week plan as plain JSON-ready data, and as the text table `kefu wfm plan` prints."""

from __future__ import annotations

import math
from datetime import timedelta

from .plan import DayFigures, DayPlan, WeekPlan
from .roster import Roster
from .shifts import clock

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def plan_to_dict(plan: WeekPlan, intervals: bool = False) -> dict:
    """Everything a page or a script needs; `intervals=True` adds the per-interval table of each day."""
    forecast, options, targets = plan.forecast, plan.options, plan.targets
    out = {
        "week_start": forecast.week_start.isoformat(),
        "interval_minutes": forecast.interval_minutes,
        "model": "erlang_c" if options.patience_seconds is None else "erlang_a",
        "aht_seconds": options.aht_seconds,
        "patience_seconds": options.patience_seconds,
        "targets": {"service_level": targets.service_level, "answer_within_seconds": targets.answer_within_seconds,
                    "answer_rate": targets.answer_rate, "max_occupancy": targets.max_occupancy},
        "forecast": {"calls": round(float(forecast.calls.sum()), 1),
                     "promotion_days": sorted(day.isoformat() for day in forecast.promotion_days),
                     "promotion_multiplier": round(forecast.promotion_multiplier, 4),
                     "multiplier_from_history": forecast.multiplier_from_history},
        "days": [_day(day) for day in plan.days],
        "roster": roster_to_dict(plan.roster, forecast.week_start),
        "first_roster_paid_hours": plan.first_roster.paid_hours,
        "fixed_shifts": None if plan.fixed is None else {
            "rules": plan.fixed.rules, "paid_hours": plan.fixed.paid_hours, "headcount": plan.fixed.headcount,
            "saving": _round(plan.fixed.saving), "note": plan.fixed.note},
        "topup_rounds": [{"round": r.round, "days_short": [d.isoformat() for d in r.days_short],
                          "intervals_raised": r.intervals_raised, "paid_hours": r.paid_hours} for r in plan.rounds],
        "meets_targets": plan.meets_targets,
        "seconds": {name: round(value, 3) for name, value in plan.seconds.items()},
    }
    if intervals:
        out["intervals"] = [_intervals(plan, d) for d in range(7)]
    return out


def roster_to_dict(roster: Roster, week_start) -> dict:
    return {
        "rules": roster.rules, "paid_hours": roster.paid_hours, "headcount": roster.headcount,
        "lp_bound_hours": round(roster.lp_bound_hours, 3), "dual_bound_hours": round(roster.dual_bound_hours, 3),
        "gap": _round(roster.gap), "optimal": roster.optimal, "status": roster.status,
        "solve_seconds": round(roster.solve_seconds, 3),
        "days_off": [{"days_off": _weekdays(pattern, week_start), "agents": count}
                     for pattern, count in roster.days_off],
        "shifts": [{"day": (week_start + timedelta(days=day)).isoformat(), "start": clock(shift.start),
                    "end": clock(shift.end),
                    "break": None if shift.break_start is None else
                    f"{clock(shift.break_start)}-{clock(shift.break_start + shift.break_minutes)}",
                    "paid_hours": shift.paid_hours, "agents": count} for day, shift, count in roster.shifts],
    }


def format_plan(plan: WeekPlan) -> str:
    """The supervisor's summary: one line per day, then the roster, the bound, the fixed-shift comparison."""
    forecast, options, targets = plan.forecast, plan.options, plan.targets
    model = ("Erlang C" if options.patience_seconds is None
             else f"Erlang A, patience {options.patience_seconds:g} s")
    wanted = []
    if targets.service_level is not None:
        wanted.append(f"service level {_pct(targets.service_level)} within {targets.answer_within_seconds:g} s")
    if targets.answer_rate is not None:
        wanted.append(f"answer rate {_pct(targets.answer_rate)}")
    last = forecast.days[-1]
    lines = [
        f"Week plan {forecast.week_start} to {last} ({forecast.interval_minutes}-minute intervals, {model}, "
        f"AHT {options.aht_seconds:g} s)",
        f"Targets for each day: {', '.join(wanted)}",
        f"Promotion days: {', '.join(str(d) for d in sorted(forecast.promotion_days)) or 'none'} "
        f"(x{forecast.promotion_multiplier:.2f}, "
        f"{'from the history' if forecast.multiplier_from_history else 'default'})",
        "",
        f"{'day':<10} {'promo':<5} {'calls':>6} {'peak':>4} {'agents':>6} {'paid h':>7}  "
        f"{'interval-only SL/AR':>19}  {'roster SL/AR':>13} {'ASA':>6} {'aband.':>6}  met",
    ]
    for day in plan.days:
        naive = day.interval_staffing
        lines.append(
            f"{WEEKDAYS[day.day.weekday()]} {day.day.strftime('%m-%d'):<6} {'yes' if day.promotion else '':<5} "
            f"{day.forecast_calls:>6.0f} {day.peak_required:>4} {day.agents:>6} {day.paid_hours:>7.1f}  "
            f"{_pair(naive) if naive else '-':>19}  {_pair(day.after):>13} {day.after.asa_seconds:>5.1f}s "
            f"{_pct(day.after.abandon_rate):>6}  {'yes' if day.meets_targets else 'NO'}")
    roster = plan.roster
    lines += [
        "",
        f"Roster ({roster.rules}): {roster.paid_hours:.1f} paid hours, {roster.headcount} agents, "
        f"{options.roster.days_off} days off each; LP bound {roster.lp_bound_hours:.1f} h, "
        f"gap {_pct(roster.gap, 2)} ({'optimal' if roster.optimal else roster.status})",
        "Days off: " + ", ".join(f"{'+'.join(_weekdays(pattern, forecast.week_start))} {count}"
                                 for pattern, count in roster.days_off),
    ]
    if plan.fixed is not None:
        if plan.fixed.paid_hours is None:
            lines.append(f"Fixed shifts ({plan.fixed.rules}): cannot cover the requirement: {plan.fixed.note}")
        else:
            lines.append(f"Fixed shifts ({plan.fixed.rules}): {plan.fixed.paid_hours:.1f} paid hours, "
                         f"{plan.fixed.headcount} agents; the optimised roster saves {_pct(plan.fixed.saving)}")
    if plan.rounds:
        lines.append(f"Top-up: {len(plan.rounds)} round(s), paid hours {plan.first_roster.paid_hours:.1f} -> "
                     f"{roster.paid_hours:.1f}; the first roster's days: "
                     + ", ".join(_pair(day.before) for day in plan.days))
    else:
        lines.append("Top-up: none needed, the first roster met every day's targets in simulation")
    lines.append("Seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in plan.seconds.items()))
    if not plan.meets_targets:
        lines.append("WARNING: some days still miss their targets; allow more top-up rounds or wider shifts")
    return "\n".join(lines)


def _weekdays(pattern: tuple[int, ...], week_start) -> list[str]:
    """Days off as weekday names, in the order they follow each other (Sunday before Monday when they wrap)."""
    rotations = [pattern[i:] + pattern[:i] for i in range(len(pattern))] or [pattern]
    ordered = min(rotations, key=lambda days: (days[-1] - days[0]) % 7 if days else 0)
    return [WEEKDAYS[(week_start.weekday() + d) % 7] for d in ordered]


def _day(day: DayPlan) -> dict:
    return {
        "date": day.day.isoformat(), "weekday": WEEKDAYS[day.day.weekday()], "promotion": day.promotion,
        "forecast_calls": round(day.forecast_calls, 1), "peak_required_agents": day.peak_required,
        "required_agent_hours": round(day.required_agent_hours, 2), "rostered_agents": day.agents,
        "paid_hours": day.paid_hours,
        "interval_staffing": _figures(day.interval_staffing), "first_roster": _figures(day.before),
        "simulated": _figures(day.after), "meets_targets": day.meets_targets,
    }


def _figures(figures: DayFigures | None) -> dict | None:
    if figures is None:
        return None
    return {"offered": round(figures.offered, 1), "service_level": _round(figures.service_level),
            "service_level_spread": _round(figures.service_level_spread),
            "answer_rate": _round(figures.answer_rate), "abandon_rate": _round(figures.abandon_rate),
            "asa_seconds": _round(figures.asa_seconds, 2)}


def _intervals(plan: WeekPlan, d: int) -> list[dict]:
    outcome = plan.outcomes[d]
    service, answered, asa = outcome.interval_service_level(), outcome.interval_answer_rate(), outcome.interval_asa()
    step = plan.forecast.interval_minutes
    return [{"start": clock(s * step), "forecast": round(float(plan.forecast.calls[d, s]), 2),
             "required": int(plan.requirement[d, s]), "final_required": int(plan.final_requirement[d, s]),
             "working": int(plan.roster.coverage[d, s]),
             "service_level": _round(service[s]), "answer_rate": _round(answered[s]), "asa_seconds": _round(asa[s], 2)}
            for s in range(plan.forecast.calls.shape[1])]


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), places)


def _pct(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{places}f}%"


def _pair(figures: DayFigures) -> str:
    return f"{_pct(figures.service_level)}/{_pct(figures.answer_rate)}"
