"""`kefu contact …`: the contact centre's command-line tools.

    kefu contact import-queue-log FILE|-        record an Asterisk queue_log (as POST /api/v1/calls/queue-log)
    kefu contact simulate [--date D] [--seed N] [--calls N] [--agents N]
                          [--url URL --token T | --queue-log FILE] [--known-callers]
        a realistic day of calls: recorded here (default), sent to a kefu server's API, or written as a
        queue_log file; prints the day's figures as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import httpx
from django.core.management.base import BaseCommand, CommandError

from kefu.calls import metrics, queue_log, services, simulator
from kefu.calls import telephony as t
from kefu.commerce.models import Customer
from kefu.core import clock

HTTP_BATCH = 2000  # events per API request (the API takes up to services.MAX_BATCH)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} is not a date like 2026-11-23") from None


def _http_client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=60)


def event_json(event: t.TelephonyEvent) -> dict:
    """An event as POST /api/v1/calls/events takes it (empty fields left out)."""
    data = {"kind": event.kind, "at": event.at.isoformat()}
    for name in ("call_id", "queue", "agent", "caller", "target", "reason", "event_id"):
        if getattr(event, name):
            data[name] = getattr(event, name)
    for name in ("wait_seconds", "talk_seconds", "wrapup_seconds"):
        if getattr(event, name) is not None:
            data[name] = getattr(event, name)
    return data


class Command(BaseCommand):
    help = ("Contact-centre tools: `import-queue-log FILE` records an Asterisk queue_log; `simulate` makes a "
            "realistic day of calls and prints its figures as JSON. See docs/calls.md.")
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="import-queue-log|simulate")
        ql = actions.add_parser("import-queue-log", help="Record the events of an Asterisk queue_log file.")
        ql.add_argument("file", help="the queue_log file; '-' reads stdin")
        ql.add_argument("--source", default="queue_log", help="recorded as who reported the events")

        sim = actions.add_parser("simulate", help="Simulate a day of calls and print its figures as JSON.")
        sim.add_argument("--date", type=_date, default=None, help="the day (YYYY-MM-DD); today when left out")
        sim.add_argument("--seed", type=int, default=1)
        sim.add_argument("--calls", type=int, default=simulator.Config.calls, help="calls offered in the day")
        sim.add_argument("--agents", type=int, default=simulator.Config.agents, help="agents on each shift")
        sim.add_argument("--sl-seconds", type=int, default=metrics.SL_SECONDS, help="service-level threshold")
        sim.add_argument("--known-callers", action="store_true",
                         help="a share of calls come from existing customers' phones")
        out = sim.add_mutually_exclusive_group()
        out.add_argument("--url", help="send the events to this kefu server's API (with --token)")
        out.add_argument("--queue-log", metavar="FILE", help="write an Asterisk queue_log file instead")
        sim.add_argument("--token", help="the integration token for --url")

    def handle(self, *args, action: str, **options):
        if action == "import-queue-log":
            return self._import(options)
        return self._simulate(options)

    # --- import-queue-log ---------------------------------------------------------------------------------

    def _import(self, options) -> None:
        file = options["file"]
        try:
            if file == "-":
                lines = (options.get("stdin") or sys.stdin).read().splitlines()
            else:
                lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        result = services.import_queue_log(lines, source=options["source"][:120])
        for problem in result.problems:
            self.stderr.write(f"line {problem.line}: {problem.message}")
        self.stdout.write(json.dumps({
            "lines": result.lines, "events": result.received, "recorded": result.recorded,
            "duplicates": result.duplicates, "skipped": result.skipped, "problems": len(result.problems),
            "calls_changed": len(result.calls)}, ensure_ascii=False))

    # --- simulate -----------------------------------------------------------------------------------------

    def _simulate(self, options) -> None:
        if options["url"] and not options["token"]:
            raise CommandError("--url needs --token (an integration token: `kefu create_integration NAME`)")
        day = options["date"] or clock.localnow().date()
        pool: tuple[str, ...] = ()
        if options["known_callers"]:
            pool = tuple(Customer.objects.order_by("pk").values_list("phone", flat=True)[:1000])
        try:
            config = simulator.Config(day=day, calls=options["calls"], agents=options["agents"], seed=options["seed"],
                                      caller_pool=pool)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        simulated = simulator.simulate(config)
        summary = {"date": day.isoformat(), "seed": config.seed, "calls": config.calls,
                   "agents_per_shift": config.agents,
                   "events": len(simulated.events)}
        if options["queue_log"]:
            self._write_queue_log(options["queue_log"], simulated.events)
            summary["output"] = "queue_log"
        elif options["url"]:
            summary.update(output="http", **self._post(options["url"], options["token"], simulated.events))
        else:
            try:
                recorded = services.record_events(simulated.events, source="simulator")
            except services.InvalidEvents as exc:
                raise CommandError(f"the simulated events were refused: {exc.problems[:3]}") from None
            summary.update(output="database", recorded=recorded.recorded, duplicates=recorded.duplicates)
        summary.update(metrics.summary(simulated.figures(sl_seconds=options["sl_seconds"])))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _write_queue_log(self, path: str, events: list[t.TelephonyEvent]) -> None:
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.writelines(queue_log.format_event(event) + "\n" for event in events)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}") from None

    def _post(self, url: str, token: str, events: list[t.TelephonyEvent]) -> dict:
        totals = {"recorded": 0, "duplicates": 0}
        with _http_client(url, token) as client:
            for start in range(0, len(events), HTTP_BATCH):
                batch = [event_json(e) for e in events[start:start + HTTP_BATCH]]
                try:
                    response = client.post("/api/v1/calls/events", json=batch)
                except httpx.HTTPError as exc:
                    raise CommandError(f"cannot reach {url}: {exc}") from None
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}: {response.text[:300]}")
                body = response.json()
                totals["recorded"] += body["recorded"]
                totals["duplicates"] += body["duplicates"]
        return totals
