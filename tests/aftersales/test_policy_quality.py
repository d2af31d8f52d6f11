"""Quality faults: the 7 / 15 day windows, warranty, failed repairs, transit damage, the minor-fault offer."""

import pytest

from tests.aftersales import check_shape, decide_json, item, line, make

SIGNED = "2026-11-10T23:50:00+08:00"
DAY = {7: "2026-11-17T23:59:59+08:00", 8: "2026-11-18T00:00:00+08:00", 15: "2026-11-25T23:59:59+08:00",
       16: "2026-11-26T00:00:00+08:00", 100: "2027-02-18T12:00:00+08:00",
       365: "2027-11-10T23:59:59+08:00", 366: "2027-11-11T00:00:00+08:00"}


def quality(day, request="return", reason="quality_serious", **kw):
    return decide_json(make(now=DAY[day], request=request, reason=reason, **kw))


@pytest.mark.parametrize(("day", "kind", "repairs_failed", "allowed", "rule", "resolution", "deadline"), [
    (7, "return", 0, True, "quality.return", "return_refund", "2026-11-17T23:59:59+08:00"),
    (8, "return", 0, False, "quality.window_passed", None, None),
    (7, "exchange", 0, True, "quality.exchange", "exchange", "2026-11-25T23:59:59+08:00"),
    (15, "exchange", 0, True, "quality.exchange", "exchange", "2026-11-25T23:59:59+08:00"),
    (16, "exchange", 0, False, "quality.window_passed", None, None),
    (7, "repair", 0, True, "quality.repair", "repair", "2027-11-10T23:59:59+08:00"),
    (15, "repair", 0, True, "quality.repair", "repair", "2027-11-10T23:59:59+08:00"),
    (16, "repair", 0, True, "quality.repair", "repair", "2027-11-10T23:59:59+08:00"),
    (365, "repair", 0, True, "quality.repair", "repair", "2027-11-10T23:59:59+08:00"),
    (366, "repair", 0, False, "quality.beyond_warranty", None, None),
    (100, "return", 1, False, "quality.window_passed", None, None),
    (100, "return", 2, True, "quality.return_after_failed_repairs", "return_refund", "2027-11-10T23:59:59+08:00"),
    (100, "exchange", 1, False, "quality.window_passed", None, None),
    (100, "exchange", 2, True, "quality.exchange_after_failed_repairs", "exchange", "2027-11-10T23:59:59+08:00"),
    (8, "return", 2, True, "quality.return_after_failed_repairs", "return_refund", "2027-11-10T23:59:59+08:00"),
    (366, "return", 2, False, "quality.beyond_warranty", None, None),
], ids=["d7-return", "d8-return-refused", "d7-exchange", "d15-exchange", "d16-exchange-refused", "d7-repair",
        "d15-repair", "d16-repair", "warranty-last-day-repair", "warranty-over", "d100-return-1-failed",
        "d100-return-2-failed", "d100-exchange-1-failed", "d100-exchange-2-failed", "d8-return-2-failed",
        "warranty-over-2-failed"])
def test_windows(day, kind, repairs_failed, allowed, rule, resolution, deadline):
    decision = quality(day, kind, repairs_failed=repairs_failed)
    check_shape(decision)
    assert (decision["allowed"], decision["rule"], decision["resolution"]) == (allowed, rule, resolution)
    assert decision["deadline"] == deadline
    if allowed:
        assert decision["return_shipping_paid_by"] == "seller"


def test_day8_return_refusal_names_the_alternatives():
    decision = quality(8, "return")
    assert decision["basis"] == "quality_return"
    assert "换货" in decision["reasons"][-1] and "维修" in decision["reasons"][-1]


@pytest.mark.parametrize(("day", "allowed", "rule"), [
    (15, True, "quality.repair"), (16, False, "quality.beyond_warranty"),
], ids=["no-warranty-d15", "no-warranty-d16"])
def test_without_warranty_the_15_days_still_apply(day, allowed, rule):
    decision = quality(day, "repair", lines=[line(warranty_days=0)])
    assert (decision["allowed"], decision["rule"]) == (allowed, rule)


def test_shortest_warranty_among_the_items_counts():
    lines = [line(), line("B", "35.50", 1, warranty_days=30)]
    assert quality(100, "repair", lines=lines, items=[item("A")])["allowed"]
    assert quality(100, "repair", lines=lines, items=[item("A"), item("B")])["rule"] == "quality.beyond_warranty"


@pytest.mark.parametrize(("request_kind", "items", "basis", "goods", "shipping"), [
    ("return", [item("A", 1)], "quality_return", "129.00", "12.00"),
    ("return", [item("A", 2), item("B", 1)], "quality_return", "293.50", "20.00"),
    ("return", [item("A", 2)], "quality_return", "258.00", "12.00"),
    ("exchange", [item("A", 2), item("B", 1)], "quality_exchange", "0.00", "12.00"),
    ("repair", [item("A", 1)], "warranty_repair", "0.00", "12.00"),
], ids=["return-part", "return-whole-order-adds-shipping-fee", "return-not-every-unit", "exchange-no-goods",
        "repair-no-goods"])
def test_money(request_kind, items, basis, goods, shipping):
    decision = quality(7, request_kind, items=items)
    assert decision["basis"] == basis
    assert decision["refund"]["goods"] == goods and decision["refund"]["shipping"] == shipping
    assert decision["refund_method"] == "original_payment"


@pytest.mark.parametrize("attrs", [("customised",), ("fresh",), ("digital_download",), ("periodical",),
                                   ("sealed_av_software",), ("declared_nonreturnable",)],
                         ids=lambda a: a[0])
def test_legal_exclusions_do_not_apply_to_quality_faults(attrs):
    decision = quality(7, "return", lines=[line(attrs=attrs, confirmed=True)],
                       items=[item(condition="seal_broken")])
    assert decision["allowed"] and decision["rule"] == "quality.return"


@pytest.mark.parametrize("condition", ["used", "damaged", "tags_removed", "seal_broken"])
def test_condition_does_not_matter_for_quality(condition):
    assert quality(7, "return", items=[item(condition=condition)])["allowed"]


@pytest.mark.parametrize(("evidence", "allowed", "rule", "missing"), [
    ((), False, "quality.photo_missing", ["photo"]),
    (("outbound_record_mismatch",), False, "quality.photo_missing", ["photo"]),
    (("photo",), True, "quality.return", []),
], ids=["no-evidence", "other-evidence", "photo"])
def test_damaged_in_transit_needs_a_photo(evidence, allowed, rule, missing):
    decision = quality(7, "return", reason="damaged_in_transit", evidence=evidence)
    check_shape(decision)
    assert (decision["allowed"], decision["rule"], decision["missing_evidence"]) == (allowed, rule, missing)
    if not allowed:
        assert decision["deadline"] == "2026-11-17T23:59:59+08:00"  # still time to add the photo


def test_quality_serious_needs_no_photo():
    assert quality(7, "return", reason="quality_serious")["missing_evidence"] == []


@pytest.mark.parametrize("reason", ["quality_serious", "damaged_in_transit", "quality_minor"])
def test_unsigned_order(reason):
    decision = decide_json(make(signed_at=None, reason=reason, evidence=("photo",)))
    check_shape(decision)
    assert not decision["allowed"] and decision["rule"].endswith(".not_signed")


@pytest.mark.parametrize("kind", ["refund_only", "reship", "price_protection"])
def test_quality_request_not_offered(kind):
    decision = quality(7, kind)
    check_shape(decision)
    assert decision["rule"] == "quality.request_not_offered"


@pytest.mark.parametrize(("unit_paid", "qty", "offer"), [
    ("129.00", 1, "12.90"), ("129.00", 2, "25.80"), ("12.35", 1, "1.24"), ("0.05", 1, "0.01"), ("0.04", 1, "0.00"),
], ids=["one", "two", "half-up", "half-up-cent", "rounds-down"])
def test_minor_fault_offer(unit_paid, qty, offer):
    decision = quality(7, "refund_only", reason="quality_minor", lines=[line(unit_paid=unit_paid)],
                       items=[item(qty=qty)])
    check_shape(decision)
    assert decision["rule"] == "quality_minor.offer" and decision["resolution"] == "partial_refund_offer"
    assert decision["refund"] == {"goods": offer, "shipping": "0.00", "total": offer}
    assert decision["return_shipping_paid_by"] == "none" and decision["basis"] is None


def test_minor_fault_rate_is_a_setting():
    from decimal import Decimal

    from kefu.aftersales.policy import PolicySettings, decide, parse_request

    raw = make(reason="quality_minor", request="return")
    assert decide(parse_request(raw), PolicySettings(minor_fault_rate=Decimal("0.25"))).refund.goods == Decimal(
        "32.25")


@pytest.mark.parametrize(("day", "allowed", "rule"), [
    (365, True, "quality_minor.offer"), (366, False, "quality_minor.beyond_warranty"),
], ids=["in-warranty", "beyond"])
def test_minor_fault_window(day, allowed, rule):
    decision = quality(day, "return", reason="quality_minor")
    assert (decision["allowed"], decision["rule"]) == (allowed, rule)


def test_minor_fault_reship_not_offered():
    assert quality(7, "reship", reason="quality_minor")["rule"] == "quality_minor.request_not_offered"
