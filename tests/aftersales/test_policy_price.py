"""Price protection: before signing, or within 7 days of ordering, when the price is now lower; paid in points."""

import pytest

from tests.aftersales import check_shape, decide_json, item, make

ORDERED = "2026-11-08T10:00:00+08:00"  # day 7 after ordering ends 2026-11-15 23:59:59


def price(now, signed_at, current="99.00", **kw):
    kw.setdefault("items", [item("A", 2)])
    return decide_json(make(now=now, signed_at=signed_at, ordered_at=ORDERED, reason="price_drop",
                            request="price_protection", current_unit_price=current, **kw))


@pytest.mark.parametrize(("now", "signed_at", "current", "allowed", "rule", "deadline"), [
    ("2026-11-09T10:00:00+08:00", None, "99.00", True, "price_protection.refund", "2026-11-15T23:59:59+08:00"),
    ("2026-11-28T10:00:00+08:00", None, "99.00", True, "price_protection.refund", None),
    ("2026-11-15T23:59:59+08:00", "2026-11-10T23:50:00+08:00", "99.00", True, "price_protection.refund",
     "2026-11-15T23:59:59+08:00"),
    ("2026-11-16T00:00:00+08:00", "2026-11-10T23:50:00+08:00", "99.00", False, "price_protection.expired", None),
    ("2026-11-12T10:00:00+08:00", "2026-11-10T23:50:00+08:00", "129.00", False, "price_protection.not_lower",
     "2026-11-15T23:59:59+08:00"),
    ("2026-11-12T10:00:00+08:00", "2026-11-10T23:50:00+08:00", "150.00", False, "price_protection.not_lower",
     "2026-11-15T23:59:59+08:00"),
    ("2026-11-12T10:00:00+08:00", "2026-11-10T23:50:00+08:00", "128.99", True, "price_protection.refund",
     "2026-11-15T23:59:59+08:00"),
], ids=["unsigned-in-window", "unsigned-after-day-7", "signed-day7-235959", "signed-day8", "price-equal",
        "price-higher", "one-cent-lower"])
def test_price_protection(now, signed_at, current, allowed, rule, deadline):
    decision = price(now, signed_at, current)
    check_shape(decision)
    assert (decision["allowed"], decision["rule"], decision["deadline"]) == (allowed, rule, deadline)
    assert decision["basis"] == "price_protection"


def test_refund_is_the_difference_in_points():
    decision = price("2026-11-12T10:00:00+08:00", None, "99.00")
    assert decision["resolution"] == "refund_difference"
    assert decision["refund"] == {"goods": "60.00", "shipping": "0.00", "total": "60.00"}
    assert decision["refund_method"] == "points"
    assert decision["return_shipping_paid_by"] == "none"


@pytest.mark.parametrize("kind", ["return", "exchange", "refund_only", "repair", "reship"])
def test_price_drop_only_gives_price_protection(kind):
    decision = decide_json(make(reason="price_drop", request=kind, current_unit_price="99.00"))
    check_shape(decision)
    assert decision["rule"] == "price_protection.request_not_offered"


@pytest.mark.parametrize("reason", ["no_reason", "quality_serious", "wrong_item", "quality_minor"])
def test_price_protection_needs_reason_price_drop(reason):
    decision = decide_json(make(reason=reason, request="price_protection", evidence=("photo",)))
    check_shape(decision)
    assert not decision["allowed"] and decision["rule"].endswith(".request_not_offered")
