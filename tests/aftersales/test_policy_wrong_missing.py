"""Wrong and missing items: a photo is needed; reship due the same day before 20:00, else the next day."""

import pytest

from tests.aftersales import check_shape, decide_json, item, make

PHOTO = ("photo",)


@pytest.mark.parametrize(("reason", "kind"), [
    ("wrong_item", "return"), ("wrong_item", "exchange"), ("missing_item", "reship"), ("missing_item", "refund_only"),
])
@pytest.mark.parametrize("evidence", [(), ("outbound_record_mismatch",)], ids=["none", "outbound-only"])
def test_photo_required(reason, kind, evidence):
    decision = decide_json(make(reason=reason, request=kind, evidence=evidence))
    check_shape(decision)
    assert not decision["allowed"]
    assert decision["rule"] == f"{reason}.photo_missing"
    assert decision["missing_evidence"] == ["photo"]
    assert decision["basis"] == "wrong_or_missing"


@pytest.mark.parametrize(("kind", "items", "rule", "resolution", "goods", "shipping"), [
    ("return", [item("A", 1)], "wrong_item.return", "return_refund", "129.00", "12.00"),
    ("return", [item("A", 2), item("B", 1)], "wrong_item.return", "return_refund", "293.50", "20.00"),
    ("exchange", [item("A", 1)], "wrong_item.exchange", "exchange", "0.00", "12.00"),
    ("exchange", [item("A", 2), item("B", 1)], "wrong_item.exchange", "exchange", "0.00", "12.00"),
], ids=["return", "return-whole-order", "exchange", "exchange-whole-order"])
def test_wrong_item(kind, items, rule, resolution, goods, shipping):
    decision = decide_json(make(reason="wrong_item", request=kind, items=items, evidence=PHOTO))
    check_shape(decision)
    assert (decision["allowed"], decision["rule"], decision["resolution"]) == (True, rule, resolution)
    assert decision["return_shipping_paid_by"] == "seller"
    assert decision["refund"]["goods"] == goods and decision["refund"]["shipping"] == shipping
    assert decision["basis"] == "wrong_or_missing"


@pytest.mark.parametrize(("now", "deadline"), [
    ("2026-11-12T19:59:59+08:00", "2026-11-12T23:59:59+08:00"),
    ("2026-11-12T20:00:00+08:00", "2026-11-13T23:59:59+08:00"),
    ("2026-11-12T11:59:59+00:00", "2026-11-12T23:59:59+08:00"),
    ("2026-11-12T12:00:00+00:00", "2026-11-13T23:59:59+08:00"),
], ids=["19:59:59-same-day", "20:00-next-day", "utc-before-cutoff", "utc-at-cutoff"])
def test_reship_deadline(now, deadline):
    decision = decide_json(make(now=now, reason="missing_item", request="reship", evidence=PHOTO))
    check_shape(decision)
    assert (decision["rule"], decision["resolution"], decision["deadline"]) == ("missing_item.reship", "reship",
                                                                                 deadline)
    assert decision["return_shipping_paid_by"] == "none" and decision["refund"]["total"] == "0.00"


@pytest.mark.parametrize(("items", "goods", "shipping"), [
    ([item("A", 1)], "129.00", "0.00"),
    ([item("A", 2)], "258.00", "0.00"),
    ([item("A", 2), item("B", 1)], "293.50", "8.00"),
], ids=["one", "both-of-a-line", "everything-missing"])
def test_refund_missing(items, goods, shipping):
    decision = decide_json(make(reason="missing_item", request="refund_only", items=items, evidence=PHOTO,
                                return_postage="12.00"))
    check_shape(decision)
    assert (decision["rule"], decision["resolution"]) == ("missing_item.refund", "refund_missing")
    assert decision["refund"]["goods"] == goods and decision["refund"]["shipping"] == shipping
    assert decision["return_shipping_paid_by"] == "none"


@pytest.mark.parametrize(("reason", "kind"), [
    ("wrong_item", "refund_only"), ("wrong_item", "reship"), ("wrong_item", "repair"),
    ("missing_item", "return"), ("missing_item", "exchange"), ("missing_item", "price_protection"),
])
def test_not_offered(reason, kind):
    decision = decide_json(make(reason=reason, request=kind, evidence=PHOTO))
    check_shape(decision)
    assert decision["rule"] == f"{reason}.request_not_offered"


@pytest.mark.parametrize(("now", "allowed"), [
    ("2026-11-25T23:59:59+08:00", True), ("2026-11-26T00:00:00+08:00", False),
], ids=["day15", "day16"])
@pytest.mark.parametrize(("reason", "kind"), [("wrong_item", "return"), ("missing_item", "reship")])
def test_report_window(now, allowed, reason, kind):
    decision = decide_json(make(now=now, reason=reason, request=kind, evidence=PHOTO))
    assert decision["allowed"] is allowed
    if not allowed:
        assert decision["rule"] == f"{reason}.expired"


@pytest.mark.parametrize("reason", ["wrong_item", "missing_item"])
def test_not_signed(reason):
    kind = "return" if reason == "wrong_item" else "reship"
    decision = decide_json(make(signed_at=None, reason=reason, request=kind, evidence=PHOTO))
    assert decision["rule"] == f"{reason}.not_signed"
