"""`kefu wfm staff …` (agents for one interval) and `kefu wfm plan …` (a week: forecast, roster, simulation).

The arithmetic lives in kefu.wfm (pure); this is the command-line face. Bad input → a message naming the
option and a non-zero exit, nothing printed to stdout.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.wfm.demo import DEMO_WEEK_PROMOTIONS, demo_history, read_history_csv
from kefu.wfm.errors import WfmInputError
from kefu.wfm.plan import PlanOptions, plan_week
from kefu.wfm.report import format_plan, plan_to_dict
from kefu.wfm.roster import RosterOptions
from kefu.wfm.shifts import flexible_shifts, parse_clock, seed_fixed_shifts
from kefu.wfm.staffing import Targets, staff_interval

OPTIONS = {  # the pure modules name their inputs; the command names its options
    "calls": "--calls", "interval": "--interval", "aht_seconds": "--aht", "patience_seconds": "--patience",
    "targets.answer_within_seconds": "--answer-within", "targets.service_level": "--sl",
    "targets.answer_rate": "--answer-rate", "targets.max_occupancy": "--max-occupancy",
    "promotion_multiplier": "--promotion-multiplier", "promotion_days": "--promotion-day",
    "roster.time_limit_seconds": "--time-limit", "replications": "--replications",
    "max_topup_rounds": "--max-rounds", "handle_time_cv": "--handle-time-cv", "interval_minutes": "--interval",
}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-11-11") from None


class Command(BaseCommand):
    help = ("Workforce planning. `staff`: the fewest agents for one interval (Erlang C, or Erlang A with "
            "--patience), as JSON. `plan`: a week's forecast, staffing, roster and simulated days from a "
            "history CSV or the demo history. See docs/wfm.md.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="staff|plan")
        staff = actions.add_parser("staff", help="Agents needed for one interval; prints one JSON object.")
        staff.add_argument("--calls", type=float, required=True, help="Contacts offered in the interval.")
        staff.add_argument("--interval", type=float, default=15, help="Interval length in minutes (default 15).")
        staff.add_argument("--aht", type=float, required=True, help="Average handle time in seconds.")
        self._targets(staff, service_level=None, answer_rate=None)
        staff.add_argument("--patience", type=float, default=None,
                           help="Mean caller patience in seconds: Erlang A (abandonment); omit for Erlang C.")

        plan = actions.add_parser("plan", help="Plan a week: forecast, staffing, roster, simulation.")
        plan.add_argument("--history", help="CSV of contacts per interval (start,calls[,promotion]); "
                                            "default: the generated demo history.")
        plan.add_argument("--interval", type=int, default=15,
                          help="Interval of the history in minutes: 5, 10, 15, 20, 30 or 60 (default 15).")
        plan.add_argument("--demo-calls-per-day", type=float, default=3000.0,
                          help="Volume of an ordinary demo day (default 3000).")
        plan.add_argument("--week-start", type=_day, help="First day planned (default: the day after the history).")
        plan.add_argument("--promotion-day", type=_day, action="append", default=[],
                          help="A promotion day of the planned week (repeatable; the demo's default is 2026-11-11).")
        plan.add_argument("--history-promotion-day", type=_day, action="append", default=[],
                          help="A promotion day inside the history (repeatable; or the CSV's promotion column).")
        plan.add_argument("--promotion-multiplier", type=float, help="Override the multiplier the history shows.")
        plan.add_argument("--aht", type=float, default=210.0, help="Average handle time in seconds (default 210).")
        plan.add_argument("--patience", type=float, default=180.0,
                          help="Mean caller patience in seconds (default 180; Erlang A).")
        plan.add_argument("--erlang-c", action="store_true", help="Infinitely patient callers (no answer-rate target).")
        self._targets(plan, service_level=0.80, answer_rate=0.96)
        plan.add_argument("--shifts", choices=["optimised", "fixed"], default="optimised",
                          help="Roster with 8-hour shifts starting every 30 minutes (default) or the two fixed ones.")
        plan.add_argument("--earliest-start", default="08:00", help="Earliest shift start (default 08:00).")
        plan.add_argument("--latest-end", default="00:30", help="Latest shift end (default 00:30, past midnight).")
        plan.add_argument("--any-days-off", action="store_true", help="Days off need not be consecutive.")
        plan.add_argument("--time-limit", type=float, default=60.0, help="Solver seconds per roster (default 60).")
        plan.add_argument("--replications", type=int, default=5, help="Simulation runs per day (default 5).")
        plan.add_argument("--max-rounds", type=int, default=10, help="Top-up rounds at most (default 10).")
        plan.add_argument("--handle-time", choices=["exponential", "lognormal"], default="exponential")
        plan.add_argument("--handle-time-cv", type=float, default=1.0, help="Lognormal spread: sd ÷ mean.")
        plan.add_argument("--seed", type=int, default=2026, help="Seed of the demo history and of the simulation.")
        plan.add_argument("--json", action="store_true", help="Print the plan as one JSON object.")
        plan.add_argument("--intervals", action="store_true", help="With --json: add each day's interval table.")

    @staticmethod
    def _targets(parser, service_level: float | None, answer_rate: float | None) -> None:
        parser.add_argument("--sl", type=float, default=service_level,
                            help="Service-level target as a fraction, e.g. 0.80 (default 0.80; for `staff` "
                                 "none when --answer-rate alone is given).")
        parser.add_argument("--answer-within", type=float, default=20.0, help="Service-level threshold in seconds.")
        parser.add_argument("--answer-rate", type=float, default=answer_rate,
                            help="Answer-rate (接通率) target as a fraction, e.g. 0.96; needs a patience.")
        parser.add_argument("--max-occupancy", type=float, default=None, help="Occupancy cap, e.g. 0.85.")

    def handle(self, *args, action: str, **options):
        try:
            output = self._staff(options) if action == "staff" else self._plan(options)
        except WfmInputError as exc:
            field = OPTIONS.get(exc.field, exc.field if exc.field.startswith("--") else f"--history {exc.field}"
                                if exc.field.startswith(("line", "history")) else exc.field)
            raise CommandError(f"{field}: {exc.message}") from None
        self.stdout.write(output)

    def _staff(self, options: dict) -> str:
        targets = self._targets_from(options, options["patience"])
        if not (options["interval"] > 0 and math.isfinite(options["interval"])):
            raise CommandError("--interval: must be a positive number of minutes")
        figures = staff_interval(options["calls"], options["interval"] * 60.0, options["aht"], targets,
                                 options["patience"])
        out = {"agents": figures.agents, "service_level": round(figures.service_level, 4),
               "asa_seconds": round(figures.asa_seconds, 2), "occupancy": round(figures.occupancy, 4)}
        if options["patience"] is not None:
            out["abandon_rate"] = round(figures.abandon_rate, 4)
        return json.dumps(out)

    def _plan(self, options: dict) -> str:
        patience = None if options["erlang_c"] else options["patience"]
        if options["erlang_c"] and options["answer_rate"] == 0.96:
            options["answer_rate"] = None  # the default answer-rate target needs abandonment
        targets = self._targets_from(options, patience)
        if options["history"]:
            history = read_history_csv(self._read(options["history"]), options["interval"],
                                       set(options["history_promotion_day"]))
            promotions = frozenset(options["promotion_day"])
        else:
            history = demo_history(options["seed"], options["interval"], options["demo_calls_per_day"])
            promotions = frozenset(options["promotion_day"]) or DEMO_WEEK_PROMOTIONS
        earliest = parse_clock(options["earliest_start"], "--earliest-start")
        latest = parse_clock(options["latest_end"], "--latest-end")
        if latest <= earliest:
            latest += 24 * 60  # an end at or before the start is past midnight
        step = max(30, options["interval"])  # starts every 30 minutes, or on a coarser interval grid
        rules = flexible_shifts(earliest, latest, step) if options["shifts"] == "optimised" else seed_fixed_shifts()
        plan_options = PlanOptions(
            aht_seconds=options["aht"], patience_seconds=patience, week_start=options["week_start"],
            promotion_days=promotions, promotion_multiplier=options["promotion_multiplier"], shifts=rules,
            compare_with=seed_fixed_shifts() if options["shifts"] == "optimised" else None,
            roster=RosterOptions(time_limit_seconds=options["time_limit"],
                                 consecutive_days_off=not options["any_days_off"]),
            replications=options["replications"], seed=options["seed"], handle_time=options["handle_time"],
            handle_time_cv=options["handle_time_cv"], max_topup_rounds=options["max_rounds"])
        plan = plan_week(history, targets, plan_options)
        if options["json"]:
            return json.dumps(plan_to_dict(plan, intervals=options["intervals"]), ensure_ascii=False)
        return format_plan(plan)

    @staticmethod
    def _targets_from(options: dict, patience: float | None) -> Targets:
        service_level = options["sl"]
        if service_level is None and options["answer_rate"] is None:
            service_level = 0.80
        for name, value in (("--sl", service_level), ("--answer-rate", options["answer_rate"]),
                            ("--max-occupancy", options["max_occupancy"])):
            if value is not None and not 0 < value < 1:
                raise CommandError(f"{name}: give a fraction between 0 and 1, e.g. 0.80 (not {value:g})")
        if options["answer_rate"] is not None and patience is None:
            raise CommandError("--answer-rate: needs --patience (under Erlang C nobody gives up)")
        if patience is not None and not (patience > 0 and math.isfinite(patience)):
            raise CommandError("--patience: must be a positive number of seconds")
        return Targets(service_level, options["answer_within"], options["answer_rate"], options["max_occupancy"])

    @staticmethod
    def _read(path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"--history: cannot read {path}: {exc}") from None
