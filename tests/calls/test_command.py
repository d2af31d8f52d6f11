"""`kefu contact import-queue-log` and `kefu contact simulate`: their outputs, and that every road leads to the same
figures."""

import io
import json
from datetime import timedelta

import httpx
import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import CommandError, call_command
from django.db import close_old_connections

from kefu.calls import selectors
from kefu.calls.models import Call
from kefu.commerce.services.integrations import create_integration
from kefu.contact.management.commands import contact
from tests.calls import sample

pytestmark = pytest.mark.django_db
SIM_DAY = sample.DAY - timedelta(days=1)
SIM = ["simulate", "--date", str(SIM_DAY), "--seed", "7", "--calls", "300", "--agents", "3"]


def run(*args, stdin: str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("contact", *args, stdout=out, stderr=err, **extra)
    return out.getvalue(), err.getvalue()


def test_import_queue_log_prints_counts_and_reports_bad_lines_on_stderr(after_sample):
    out, err = run("import-queue-log", str(sample.PATH))
    assert json.loads(out) == {"lines": sample.LINES, "events": sample.EVENTS, "recorded": sample.EVENTS,
                               "duplicates": 0, "skipped": sample.SKIPPED, "problems": 4, "calls_changed": 10}
    assert [line.split(":")[0] for line in err.splitlines()] == [f"line {n}" for n in sample.BAD_LINES]
    again = json.loads(run("import-queue-log", str(sample.PATH))[0])
    assert (again["recorded"], again["duplicates"], again["calls_changed"]) == (0, sample.EVENTS, 0)
    assert Call.objects.get(call_id=sample.call_id("A")).source == "queue_log"


def test_import_queue_log_reads_stdin(after_sample):
    out, _err = run("import-queue-log", "-", "--source", "pbx-2", stdin=sample.text())
    assert json.loads(out)["recorded"] == sample.EVENTS
    assert set(Call.objects.values_list("source", flat=True)) == {"pbx-2"}


def test_import_queue_log_of_a_missing_file(after_sample, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import-queue-log", str(tmp_path / "nope"))


def test_simulate_records_the_day_prints_its_figures_and_a_rerun_changes_nothing(after_sample):
    out, _err = run(*SIM)
    summary = json.loads(out)
    assert summary["agents_per_shift"] == 3
    assert (summary["date"], summary["seed"], summary["calls"], summary["output"]) == (str(SIM_DAY), 7, 300,
                                                                                        "database")
    assert summary["recorded"] == summary["events"] and summary["duplicates"] == 0
    assert summary["offered"] == 300
    for key in ("answer_rate", "service_level", "average_speed_of_answer", "abandonment_rate",
                "average_handle_time", "contacts_per_agent", "occupancy"):
        assert summary[key] is not None, key
    # the database gives the same figures as the simulator's own summary
    stored = selectors.figures_for_day(SIM_DAY).figures
    assert (stored.offered, stored.answered) == (summary["offered"], summary["answered"])
    assert round(stored.answer_rate, 4) == summary["answer_rate"]
    assert round(stored.service_level, 4) == summary["service_level"]
    assert round(stored.occupancy, 4) == summary["occupancy"]
    again = json.loads(run(*SIM)[0])
    assert (again["recorded"], again["duplicates"]) == (0, summary["events"])
    assert {k: v for k, v in again.items() if k not in ("recorded", "duplicates")} == {
        k: v for k, v in summary.items() if k not in ("recorded", "duplicates")}


def test_simulate_to_a_queue_log_file_then_import_it(after_sample, tmp_path):
    path = tmp_path / "queue_log"
    summary = json.loads(run(*SIM, "--queue-log", str(path))[0])
    assert summary["output"] == "queue_log" and Call.objects.count() == 0
    lines = path.read_text().splitlines()
    assert len(lines) == summary["events"]
    assert any("|ENTERQUEUE|" in line for line in lines) and any("|ADDMEMBER|" in line for line in lines)
    imported = json.loads(run("import-queue-log", str(path))[0])
    assert (imported["recorded"], imported["problems"]) == (summary["events"], 0)
    stored = selectors.figures_for_day(SIM_DAY).figures
    assert round(stored.answer_rate, 4) == summary["answer_rate"]
    assert round(stored.service_level, 4) == summary["service_level"]
    # a queue_log carries no after-call work, so handle time is talk alone there
    assert stored.average_handle_time < summary["average_handle_time"]


@pytest.fixture
def over_http(monkeypatch):
    """The command's HTTP client talks to this process's Django through WSGI (no server, same test database)."""
    def client(url, token):
        return httpx.Client(transport=httpx.WSGITransport(app=WSGIHandler()), base_url=url,
                            headers={"Authorization": f"Bearer {token}"})

    monkeypatch.setattr(contact, "_http_client", client)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_simulate_through_the_http_api(after_sample, over_http, monkeypatch):
    monkeypatch.setattr(contact, "HTTP_BATCH", 400)  # several requests
    _integration, token = create_integration("demo")
    summary = json.loads(run(*SIM, "--url", "http://testserver", "--token", token)[0])
    assert summary["output"] == "http" and summary["recorded"] == summary["events"]
    assert Call.objects.count() == 300
    assert set(Call.objects.values_list("source", flat=True)) == {"integration:demo"}
    again = json.loads(run(*SIM, "--url", "http://testserver", "--token", token)[0])
    assert again["duplicates"] == summary["events"]


def test_simulate_through_http_with_a_bad_token(after_sample, over_http):
    with pytest.raises(CommandError, match="401"):
        run(*SIM, "--url", "http://testserver", "--token", "kefu_wrong")


def test_simulate_with_known_callers_matches_customers(after_sample, people):
    run(*SIM, "--known-callers")
    assert Call.objects.filter(customer__isnull=False).count() > 50  # 30 % of 300 from 3 customers


@pytest.mark.parametrize("args, message", [
    (["--url", "http://testserver"], "--token"),
    (["--date", "2026-13-01"], "--date"),
    (["--calls", "-5"], "negative"),
])
def test_simulate_refuses_bad_options(after_sample, args, message):
    with pytest.raises(CommandError, match=message):
        run("simulate", *args)


def test_simulate_defaults_to_today(after_sample):
    summary = json.loads(run("simulate", "--calls", "20", "--agents", "1", "--queue-log", "/dev/null")[0])
    assert summary["date"] == "2026-11-24"
