"""7-day no-reason returns and exchanges: window, legal exclusions, item condition, money."""

import pytest

from tests.aftersales import check_shape, decide_json, item, line, make

LATE = "2026-11-10T23:50:00+08:00"
JUST_AFTER_MIDNIGHT = "2026-11-11T00:05:00+08:00"


@pytest.mark.parametrize(("signed_at", "now", "allowed", "rule"), [
    (LATE, "2026-11-10T23:55:00+08:00", True, "no_reason.return"),
    (LATE, "2026-11-17T23:59:59+08:00", True, "no_reason.return"),
    (LATE, "2026-11-18T00:00:00+08:00", False, "no_reason.expired"),
    (JUST_AFTER_MIDNIGHT, "2026-11-18T23:59:59+08:00", True, "no_reason.return"),
    (JUST_AFTER_MIDNIGHT, "2026-11-19T00:00:00+08:00", False, "no_reason.expired"),
    (LATE, "2026-11-17T15:59:59+00:00", True, "no_reason.return"),
    (LATE, "2026-11-17T16:00:00+00:00", False, "no_reason.expired"),
    (None, "2026-11-12T10:00:00+08:00", False, "no_reason.not_signed"),
], ids=["day0", "late-day7-235959", "late-day8-000000", "midnight-day7-235959", "midnight-day8-000000",
        "utc-day7", "utc-day8", "not-signed"])
def test_window(signed_at, now, allowed, rule):
    decision = decide_json(make(signed_at=signed_at, now=now))
    check_shape(decision)
    assert (decision["allowed"], decision["rule"]) == (allowed, rule)
    assert decision["basis"] == "seven_day_no_reason"


def test_deadline_is_day_7_last_second():
    assert decide_json(make())["deadline"] == "2026-11-17T23:59:59+08:00"
    assert decide_json(make(signed_at=JUST_AFTER_MIDNIGHT))["deadline"] == "2026-11-18T23:59:59+08:00"


@pytest.mark.parametrize(("attrs", "confirmed", "condition", "allowed", "rule"), [
    (("customised",), False, "intact", False, "no_reason.excluded"),
    (("fresh",), False, "intact", False, "no_reason.excluded"),
    (("digital_download",), False, "intact", False, "no_reason.excluded"),
    (("periodical",), False, "intact", False, "no_reason.excluded"),
    (("sealed_av_software",), False, "seal_broken", False, "no_reason.excluded"),
    (("sealed_av_software",), False, "intact", True, "no_reason.return"),
    (("declared_nonreturnable",), True, "intact", False, "no_reason.excluded"),
    (("declared_nonreturnable",), False, "intact", True, "no_reason.return"),
    ((), False, "intact", True, "no_reason.return"),
    ((), False, "opened_for_inspection", True, "no_reason.return"),
    ((), False, "seal_broken", False, "no_reason.not_intact"),
    ((), False, "used", False, "no_reason.not_intact"),
    ((), False, "damaged", False, "no_reason.not_intact"),
    ((), False, "tags_removed", False, "no_reason.not_intact"),
], ids=["customised", "fresh", "digital-download", "periodical", "sealed-av-seal-broken", "sealed-av-intact",
        "declared-confirmed", "declared-not-confirmed", "intact", "opened-for-inspection", "seal-broken",
        "used", "damaged", "tags-removed"])
@pytest.mark.parametrize("request_kind", ["return", "exchange"])
def test_exclusions_and_condition(attrs, confirmed, condition, allowed, rule, request_kind):
    raw = make(request=request_kind, lines=[line(attrs=attrs, confirmed=confirmed)], items=[item(condition=condition)])
    decision = decide_json(raw)
    check_shape(decision)
    expected_rule = rule.replace("return", "exchange") if request_kind == "exchange" else rule
    assert (decision["allowed"], decision["rule"]) == (allowed, expected_rule)


def test_declared_but_not_confirmed_says_so():
    decision = decide_json(make(lines=[line(attrs=("declared_nonreturnable",))]))
    assert any("未经您确认" in r for r in decision["reasons"])


def test_one_excluded_item_refuses_the_request_and_names_it():
    raw = make(lines=[line(), line("F", "20.00", 1, attrs=("fresh",))], items=[item(), item("F")])
    decision = decide_json(raw)
    assert decision["rule"] == "no_reason.excluded" and "F" in decision["reasons"][0]


def test_return_money_buyer_pays_shipping_and_no_shipping_refund_even_for_the_whole_order():
    raw = make(items=[item("A", 2), item("B", 1)], lines=[line(), line("B", "35.50", 1)])
    decision = decide_json(raw)
    assert decision["resolution"] == "return_refund"
    assert decision["return_shipping_paid_by"] == "buyer"
    assert decision["refund"] == {"goods": "293.50", "shipping": "0.00", "total": "293.50"}
    assert decision["refund_method"] == "original_payment"


def test_exchange_refunds_nothing():
    decision = decide_json(make(request="exchange"))
    assert decision["allowed"] and decision["resolution"] == "exchange"
    assert decision["return_shipping_paid_by"] == "buyer"
    assert decision["refund"]["total"] == "0.00"


@pytest.mark.parametrize("kind", ["refund_only", "repair", "reship", "price_protection"])
def test_other_requests_are_not_offered(kind):
    decision = decide_json(make(request=kind))
    check_shape(decision)
    assert decision["rule"] == "no_reason.request_not_offered" and not decision["allowed"]
