"""Bad input is an error naming the field, never a decision; decisions come out as JSON with money as strings."""

import json
import subprocess
import sys
from datetime import datetime

import pytest

from kefu.aftersales.policy import Item, PolicyInputError, Request, parse_request, parse_requests
from tests.aftersales import decide_json, item, line, make


def broken(path, value):
    """The default request with one field replaced (path like "order.lines.0.unit_paid") or removed (value ...)."""
    raw = make()
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is ...:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize(("raw", "field", "words"), [
    (make(items=[item("Z")]), "items[0].sku", "not in the order"),
    (make(items=[item("A", 3)]), "items[0].qty", "more than was bought (2)"),
    (make(items=[item("A", 1), item("A", 2)]), "items[1].qty", "more than was bought (2)"),
    (make(items=[item("B", 1), item("A", 0)]), "items[1].qty", "at least 1"),
    (make(items=[]), "items", "at least one"),
    (make(lines=[line(), line()]), "order.lines[1].sku", "twice"),
    (make(lines=[line(qty=0)], items=[]), "order.lines[0].qty", "at least 1"),
    (broken("order.lines.0.unit_paid", 129.0), "order.lines[0].unit_paid", "not a number"),
    (broken("order.lines.0.unit_paid", 129), "order.lines[0].unit_paid", "not a number"),
    (broken("order.lines.0.unit_paid", "12.345"), "order.lines[0].unit_paid", "two places"),
    (broken("order.lines.0.unit_paid", "-1.00"), "order.lines[0].unit_paid", "non-negative"),
    (broken("order.lines.0.unit_paid", "abc"), "order.lines[0].unit_paid", "decimal string"),
    (broken("order.shipping_fee", 8), "order.shipping_fee", "not a number"),
    (broken("return_postage", 12.5), "return_postage", "not a number"),
    (make(reason="price_drop", request="price_protection", current_unit_price="1e3"), "current_unit_price",
     "decimal string"),
    (make(reason="price_drop", request="price_protection"), "current_unit_price", "required"),
    (make(reason="price_drop", request="price_protection", current_unit_price="1.00", items=[item("A"), item("B")]),
     "items", "one sku"),
    (make(now="2026-11-12T10:00:00"), "now", "offset"),
    (make(signed_at="2026-11-10T23:50:00"), "order.signed_at", "offset"),
    (make(ordered_at="2026-11-08 10:00"), "order.ordered_at", "offset"),
    (make(now="yesterday"), "now", "ISO 8601"),
    (make(now=1731400000), "now", "ISO 8601"),
    (make(now="2026-11-10T23:00:00+08:00"), "now", "before order.signed_at"),
    (make(signed_at="2026-11-01T00:00:00+08:00"), "order.signed_at", "before order.ordered_at"),
    (make(request="refund"), "request", "must be one of"),
    (make(reason="changed_mind"), "reason", "must be one of"),
    (make(items=[item(condition="broken")]), "items[0].condition", "must be one of"),
    (make(evidence=("video",)), "evidence[0]", "must be one of"),
    (make(lines=[line(attrs=("fragile",))]), "order.lines[0].attrs[0]", "must be one of"),
    (broken("items.0.qty", True), "items[0].qty", "whole number"),
    (broken("items.0.qty", "1"), "items[0].qty", "whole number"),
    (broken("repairs_failed", -1), "repairs_failed", "negative"),
    (broken("order.lines.0.buyer_confirmed_nonreturnable", "yes"), "order.lines[0].buyer_confirmed_nonreturnable",
     "true or false"),
    (broken("order.lines.0.warranty_days", -5), "order.lines[0].warranty_days", "negative"),
    (broken("order.lines", {}), "order.lines", "list"),
    (broken("order.colour", "red"), "order.colour", "unknown field"),
    (broken("order.ordered_at", ...), "order.ordered_at", "required"),
    (broken("items.0.sku", ...), "items[0].sku", "required"),
    (broken("items.0.sku", ""), "items[0].sku", "non-empty"),
    (broken("now", ...), "now", "required"),
    (broken("order", []), "order", "JSON object"),
], ids=["unknown-sku", "qty-beyond", "qty-beyond-across-items", "qty-zero", "no-items", "duplicate-line",
        "line-qty-zero", "money-float", "money-int", "money-3-places", "money-negative", "money-text",
        "shipping-fee-number", "postage-number", "price-exponent", "price-missing", "price-two-skus", "naive-now",
        "naive-signed", "naive-ordered-space", "now-not-a-date", "now-a-number", "now-before-signing",
        "signed-before-ordered", "bad-request", "bad-reason", "bad-condition", "bad-evidence", "bad-attr",
        "qty-bool", "qty-string", "repairs-negative", "confirmed-not-bool", "warranty-negative", "lines-not-list",
        "unknown-field", "missing-ordered-at", "missing-sku", "empty-sku", "missing-now", "order-not-object"])
def test_errors_name_the_field(raw, field, words):
    with pytest.raises(PolicyInputError) as caught:
        parse_request(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert words in caught.value.message


def test_the_issue_example_message():
    raw = make(items=[item("B"), item("A", 3)])
    with pytest.raises(PolicyInputError, match=r"^items\[1\]\.qty: more than was bought \(2\)$"):
        parse_request(raw)


def test_list_errors_start_with_the_index():
    with pytest.raises(PolicyInputError) as caught:
        parse_requests([make(), make(items=[item("A", 5)])])
    assert str(caught.value) == "[1].items[0].qty: more than was bought (2)"


def test_requests_built_in_python_are_checked_too():
    good = parse_request(make())
    with pytest.raises(PolicyInputError, match=r"^now: needs a timezone offset"):
        Request(now=datetime(2026, 11, 12, 10), request=good.request, reason=good.reason, order=good.order,
                items=good.items)
    with pytest.raises(PolicyInputError, match=r"^items\[0\]\.qty: more than was bought \(2\)$"):
        Request(now=good.now, request=good.request, reason=good.reason, order=good.order, items=(Item("A", 3),))


def test_defaults_for_optional_fields():
    raw = make()
    for key in ("evidence", "return_postage", "repairs_failed"):
        del raw[key]
    del raw["items"][0]["condition"]
    del raw["order"]["shipping_fee"]
    request = parse_request(raw)
    assert request.repairs_failed == 0 and not request.evidence and request.items[0].condition == "intact"


def test_decision_json_shape():
    decision = decide_json(make())
    assert list(decision) == ["allowed", "basis", "resolution", "return_shipping_paid_by", "refund", "refund_method",
                              "missing_evidence", "deadline", "reasons", "rule"]
    assert decision["refund"] == {"goods": "129.00", "shipping": "0.00", "total": "129.00"}
    json.dumps(decision, ensure_ascii=False)  # plain JSON types only


def test_money_accepts_whole_and_one_decimal_strings():
    decision = decide_json(make(lines=[line(unit_paid="129")], items=[item("A", 1)]))
    assert decision["refund"]["goods"] == "129.00"
    decision = decide_json(make(lines=[line(unit_paid="0.5")]))
    assert decision["refund"]["goods"] == "0.50"


def test_policy_package_does_not_import_django():
    """Importing `kefu` itself loads Django (kefu/__init__ → celery → kombu), so the parent packages are stood in
    for by empty ones: what is checked is that nothing in the policy package imports Django."""
    code = """
import importlib.util, os, sys, types
top = importlib.util.find_spec("kefu").submodule_search_locations[0]
for name, path in [("kefu", top), ("kefu.aftersales", os.path.join(top, "aftersales"))]:
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
import kefu.aftersales.policy as policy
import kefu.aftersales.policy.engine, kefu.aftersales.policy.io, kefu.aftersales.policy.days
assert not [m for m in sys.modules if m == "django" or m.startswith("django.")], "django imported"
print(policy.decide.__name__)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "decide"
