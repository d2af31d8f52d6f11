"""`kefu policy check FILE|-`: one request → one decision, a list → a list; bad input → non-zero, field named."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.aftersales import has_cjk, item, make


def run(*args, stdin: str | None = None):
    """The real console command in a subprocess: (exit code, stdout, stderr)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    result = subprocess.run([sys.executable, "-m", "kefu.cli", "policy", "check", *args], input=stdin,
                            capture_output=True, text=True, env=env)
    return result.returncode, result.stdout, result.stderr


def test_one_request_from_a_file(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(make()), encoding="utf-8")
    out = io.StringIO()
    call_command("policy", "check", str(path), stdout=out)
    decision = json.loads(out.getvalue())
    assert decision["rule"] == "no_reason.return" and decision["refund"]["total"] == "129.00"
    assert all(has_cjk(r) for r in decision["reasons"])


def test_a_list_from_stdin():
    requests = [make(), make(reason="missing_item", request="reship", evidence=("photo",)), make(request="repair")]
    out = io.StringIO()
    call_command("policy", "check", "-", stdin=io.StringIO(json.dumps(requests)), stdout=out)
    decisions = json.loads(out.getvalue())
    assert [d["rule"] for d in decisions] == ["no_reason.return", "missing_item.reship",
                                             "no_reason.request_not_offered"]


def test_bad_request_in_process(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([make(), make(items=[item("A", 9)])]), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"\[1\]\.items\[0\]\.qty: more than was bought \(2\)"):
        call_command("policy", "check", str(path), stdout=out)
    assert out.getvalue() == ""


def test_console_file_and_stdin(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(make()), encoding="utf-8")
    code, out, err = run(str(path))
    assert code == 0, err
    assert json.loads(out)["rule"] == "no_reason.return"
    code, out, err = run("-", stdin=json.dumps([make(), make()]))
    assert code == 0, err
    assert len(json.loads(out)) == 2
    assert "退货" in out  # zh-hans printed as text, not \\u escapes


@pytest.mark.parametrize(("content", "words"), [
    (json.dumps(make(items=[item("A", 3)])), "items[0].qty: more than was bought (2)"),
    (json.dumps(make(now="2026-11-12T10:00:00")), "now: needs a timezone offset"),
    (json.dumps(make(items=[item("NOPE")])), "items[0].sku"),
    (json.dumps(make(return_postage=12)), "return_postage"),
    ("{not json", "not valid JSON"),
], ids=["qty", "naive", "unknown-sku", "money-number", "not-json"])
def test_console_bad_input(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(str(path))
    assert code != 0
    assert out == ""
    assert words in err


def test_console_missing_file(tmp_path):
    code, out, err = run(str(tmp_path / "absent.json"))
    assert code != 0 and out == "" and "cannot read" in err


def test_the_documented_examples_are_what_the_engine_decides():
    from pathlib import Path

    from kefu.aftersales.policy import parse_requests
    from tests.aftersales import decide_json

    doc = (Path(__file__).resolve().parents[2] / "docs" / "aftersales-policy.md").read_text(encoding="utf-8")
    blocks = [json.loads(block.split("```", 1)[0]) for block in doc.split("```json\n")[1:]]
    one, one_decision, batch, batch_decisions = blocks[:4]
    assert decide_json(one) == one_decision
    parse_requests(batch)
    assert [decide_json(raw) for raw in batch] == batch_decisions
