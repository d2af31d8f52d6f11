"""The planning modules are pure: a supervisor page, the command and the benchmark call the same functions."""

from __future__ import annotations

import subprocess
import sys


def test_planning_modules_do_not_import_django():
    """Importing `kefu` itself loads Django (kefu/__init__ → celery → kombu), so the parent package is stood in
    for by an empty one: what is checked is that nothing in kefu.wfm's planning modules imports Django."""
    code = """
import importlib.util, sys, types
top = importlib.util.find_spec("kefu").submodule_search_locations[0]
module = types.ModuleType("kefu")
module.__path__ = [top]
sys.modules["kefu"] = module
import kefu.wfm.erlang, kefu.wfm.forecast, kefu.wfm.staffing, kefu.wfm.shifts, kefu.wfm.roster
import kefu.wfm.simulation, kefu.wfm.plan, kefu.wfm.report, kefu.wfm.demo
assert not [m for m in sys.modules if m == "django" or m.startswith("django.")], "django imported"
print(kefu.wfm.plan.plan_week.__name__)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "plan_week"
