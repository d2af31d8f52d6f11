"""`kefu policy check FILE|-`: decide one JSON request, or a JSON list of them, and print the decision(s)."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from kefu.aftersales.policy import PolicyInputError, decide, decision_to_dict, parse_request, parse_requests
from kefu.aftersales.policy_settings import configured


def _dumps(output: dict | list) -> str:
    """One decision indented; a list one decision per line (json's C encoder only runs without indent)."""
    if isinstance(output, dict):
        return json.dumps(output, ensure_ascii=False, indent=2)
    if not output:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(d, ensure_ascii=False) for d in output) + "\n]"


class Command(BaseCommand):
    help = ("Ask the after-sales policy what a request is entitled to. `check FILE` (or `-` for stdin) reads one "
            "JSON request or a JSON list and prints the decision, or the list of decisions, as JSON. "
            "Schema: docs/aftersales-policy.md.")
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="check")
        check = actions.add_parser("check", help="Decide the request(s) in FILE and print the decision(s).")
        check.add_argument("file", help="A JSON file: one request object or a list of them; '-' reads stdin.")

    def handle(self, *args, action: str, file: str, **options):
        text = self._read(file, options.get("stdin") or sys.stdin)
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        try:
            rules = configured()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        collecting = gc.isenabled()
        gc.disable()  # a big batch builds many objects and no cycles: collections would only cost time (≈2×)
        try:
            if isinstance(raw, list):
                output = [decision_to_dict(decide(request, rules)) for request in parse_requests(raw)]
            else:
                output = decision_to_dict(decide(parse_request(raw), rules))
        except PolicyInputError as exc:
            raise CommandError(f"invalid request: {exc}") from None
        finally:
            if collecting:
                gc.enable()
        # Everything is decided before anything is printed: bad input prints nothing to stdout.
        self.stdout.write(_dumps(output))

    def _read(self, file: str, stdin) -> str:
        if file == "-":
            return stdin.read()
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
