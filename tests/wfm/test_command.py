"""`kefu wfm staff` and `kefu wfm plan`: JSON out, clear errors and a non-zero exit on bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from kefu.wfm.demo import demo_history, history_to_csv


def wfm(*args: str) -> str:
    out = io.StringIO()
    call_command("wfm", *args, stdout=out)
    return out.getvalue()


def test_staff_erlang_c_prints_one_json_object():
    result = json.loads(wfm("staff", "--calls", "500", "--interval", "15", "--aht", "240", "--sl", "0.80",
                            "--answer-within", "20"))
    assert result == {"agents": 142, "service_level": 0.8285, "asa_seconds": 9.78, "occupancy": 0.939}


def test_staff_with_patience_uses_erlang_a_and_reports_abandonment():
    result = json.loads(wfm("staff", "--calls", "500", "--aht", "240", "--sl", "0.80", "--patience", "180"))
    assert set(result) == {"agents", "service_level", "asa_seconds", "occupancy", "abandon_rate"}
    assert result["agents"] == 131 and result["service_level"] >= 0.80 and 0 < result["abandon_rate"] < 0.1


def test_staff_to_an_answer_rate():
    result = json.loads(wfm("staff", "--calls", "500", "--aht", "240", "--answer-rate", "0.96", "--patience", "180"))
    assert result["agents"] == 133 and result["abandon_rate"] <= 0.04


@pytest.mark.parametrize(("args", "message"), [
    (["--calls", "-5", "--aht", "240"], "--calls"),
    (["--calls", "5", "--aht", "0"], "--aht"),
    (["--calls", "5", "--aht", "240", "--sl", "80"], "--sl: give a fraction"),
    (["--calls", "5", "--aht", "240", "--answer-rate", "0.96"], "--answer-rate: needs --patience"),
    (["--calls", "5", "--aht", "240", "--patience", "-3"], "--patience"),
    (["--calls", "5", "--aht", "240", "--interval", "0"], "--interval"),
    (["--calls", "many", "--aht", "240"], "--calls"),
    (["--aht", "240"], "--calls"),
])
def test_staff_bad_arguments_are_refused(args, message):
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("wfm", "staff", *args, stdout=out)
    assert out.getvalue() == ""


def test_console_exit_code_on_bad_input():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    bad = subprocess.run([sys.executable, "-m", "kefu.cli", "wfm", "staff", "--calls", "100", "--aht", "180",
                          "--sl", "1.5"], capture_output=True, text=True, env=env)
    assert bad.returncode != 0 and "--sl" in bad.stderr and bad.stdout == ""


def test_plan_from_a_csv_history_as_json(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(history_to_csv(demo_history(weeks=2, interval_minutes=30, calls_per_day=800)), encoding="utf-8")
    result = json.loads(wfm("plan", "--history", str(path), "--interval", "30", "--week-start", "2026-10-26",
                            "--promotion-day", "2026-10-28", "--time-limit", "10", "--replications", "2",
                            "--json", "--intervals"))
    assert result["week_start"] == "2026-10-26" and result["forecast"]["promotion_days"] == ["2026-10-28"]
    assert [day["promotion"] for day in result["days"]] == [False, False, True, False, False, False, False]
    roster = result["roster"]
    assert roster["lp_bound_hours"] <= roster["paid_hours"] and roster["headcount"] > 0
    assert result["fixed_shifts"]["rules"] == "fixed early/late"
    assert result["fixed_shifts"]["paid_hours"] >= roster["paid_hours"]
    assert all(day["simulated"]["service_level"] is not None for day in result["days"])
    assert len(result["intervals"][0]) == 48


def test_plan_demo_prints_the_supervisors_table():
    text = wfm("plan", "--erlang-c", "--replications", "1", "--max-rounds", "0", "--time-limit", "20")
    assert "Week plan 2026-11-09 to 2026-11-15" in text and "Roster (optimised)" in text
    assert "LP bound" in text and "Fixed shifts (fixed early/late)" in text
    assert text.count("\n") > 10


@pytest.mark.parametrize(("args", "message"), [
    (["--history", "/nonexistent.csv"], "--history: cannot read"),
    (["--week-start", "next monday"], "not a date"),
    (["--promotion-day", "2027-01-01"], "--promotion-day"),
    (["--earliest-start", "8am"], "--earliest-start"),
    (["--time-limit", "0"], "--time-limit"),
    (["--erlang-c", "--answer-rate", "0.9"], "--answer-rate: needs --patience"),
])
def test_plan_bad_arguments_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("wfm", "plan", *args, stdout=io.StringIO())


def test_plan_on_an_hourly_grid_explains_why_the_fixed_shifts_cannot_be_compared(tmp_path):
    path = tmp_path / "hourly.csv"
    path.write_text(history_to_csv(demo_history(weeks=1, interval_minutes=60, calls_per_day=400)), encoding="utf-8")
    result = json.loads(wfm("plan", "--history", str(path), "--interval", "60", "--replications", "1",
                            "--max-rounds", "0", "--json"))
    assert result["fixed_shifts"]["paid_hours"] is None and "60-minute grid" in result["fixed_shifts"]["note"]
    assert result["roster"]["paid_hours"] > 0


def test_plan_bad_csv_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("start,calls\n2026-11-02T09:00,4\n2026-11-02T09:15,-2\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3\.calls"):
        call_command("wfm", "plan", "--history", str(path), stdout=io.StringIO())
