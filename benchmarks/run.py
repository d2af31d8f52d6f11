"""`make bench`: every benchmark of kefu, each printing a comparison (a baseline, a bound or a peer).

- seed_large.py: the `large` data set into PostgreSQL (or reused), against the 10-minute bound;
- api_latency.py: customer-360 by phone and order detail through the HTTP API at concurrency 1, 16 and 64,
  against the stack's floor (/api/health), and SQL queries per request;
- policy.py: after-sales policy decisions per second, the pure function against `kefu policy check`;
- case_list.py: the agents' case-list page (/workbench/cases/) on the same data set, p50/p95 and SQL queries per
  view against a 300 ms bound;
- sla_sweep.py: the SLA sweep over 100,000 open tickets (inserted once, tagged "bench") with nothing, ~1 % and ~10 %
  of the clocks due, seconds and SQL queries per pass against a per-ticket escalation loop and the 60 s budget of
  the minutely duty;
- ticket_queue.py: the agents' ticket queue (/workbench/tickets/) over those tickets, signed in as an agent and as
  the supervisor, p50/p95 and SQL queries per view against a 300 ms bound;
- wfm_plan.py: planning a week of 15-minute intervals (forecast, Erlang staffing, HiGHS roster, simulation top-up),
  the roster's paid hours against the LP bound and the seeds' two fixed shifts (no database);
- assistant.py: the smart assistant's answers per second and latency p50/p95/p99 against the 20 ms bound
  (embedded SQLite with the demo data);
- chat_load.py: concurrent websocket chats held by one server process, message latency p50/p99 at 100 and
  1,000 chats against a bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kefu_bench"
# wfm_plan.py needs no database: it runs first, whatever happens to the data set.
SCRIPTS = ["wfm_plan.py", "assistant.py", "seed_large.py", "api_latency.py", "policy.py", "case_list.py",
           "sla_sweep.py", "ticket_queue.py", "chat_load.py"]


def main() -> int:
    """Every script runs, even after one fails (a slow page should not hide the other figures); the exit code
    is the first failure's."""
    env = {**os.environ, "KEFU_DATABASE_URL": os.environ.get("KEFU_BENCH_DATABASE_URL", DEFAULT_URL)}
    failed = []
    for script in SCRIPTS:
        print(f"\n### {script}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / script)], env=env)
        if result.returncode:
            failed.append((script, result.returncode))
            if script == "seed_large.py" and result.returncode == 2:
                break  # no data set: the rest have nothing to measure
    if failed:
        print("\nfailed: " + ", ".join(f"{name} (exit {code})" for name, code in failed), file=sys.stderr)
        return failed[0][1]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
