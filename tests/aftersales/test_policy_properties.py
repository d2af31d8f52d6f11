"""Properties over generated requests: the money adds up and never exceeds what was paid; decisions are pure."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.aftersales.policy import Decision, decide, decision_to_dict, parse_request
from tests.aftersales import has_cjk

KINDS = ["return", "exchange", "refund_only", "repair", "reship", "price_protection"]
REASONS = ["no_reason", "quality_minor", "quality_serious", "damaged_in_transit", "wrong_item", "missing_item",
           "price_drop"]
ATTRS = ["fresh", "customised", "digital_download", "sealed_av_software", "periodical", "declared_nonreturnable"]
CONDITIONS = ["intact", "opened_for_inspection", "seal_broken", "used", "damaged", "tags_removed"]
money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2).map(lambda d: f"{d:.2f}")


@st.composite
def requests(draw):
    n_lines = draw(st.integers(1, 4))
    lines = [{"sku": f"S{i}", "unit_paid": draw(money), "qty": draw(st.integers(1, 5)),
              "attrs": draw(st.lists(st.sampled_from(ATTRS), max_size=2, unique=True)),
              "buyer_confirmed_nonreturnable": draw(st.booleans()),
              "warranty_days": draw(st.sampled_from([0, 7, 15, 30, 180, 365, 730]))} for i in range(n_lines)]
    chosen = draw(st.lists(st.integers(0, n_lines - 1), min_size=1, max_size=n_lines, unique=True))
    reason = draw(st.sampled_from(REASONS))
    if reason == "price_drop":
        chosen = chosen[:1]
    items = [{"sku": lines[i]["sku"], "qty": draw(st.integers(1, lines[i]["qty"])),
              "condition": draw(st.sampled_from(CONDITIONS))} for i in chosen]
    ordered_at = draw(st.integers(0, 86400 * 30))
    signed = draw(st.one_of(st.none(), st.integers(0, 86400 * 10)))
    now = draw(st.integers(0, 86400 * 800))
    base = 1_790_000_000  # 2026-09-21

    def iso(seconds):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(base + seconds, UTC).isoformat()

    raw = {"now": iso(ordered_at + (signed or 0) + now), "request": draw(st.sampled_from(KINDS)), "reason": reason,
           "order": {"ordered_at": iso(ordered_at), "signed_at": None if signed is None else iso(ordered_at + signed),
                     "shipping_fee": draw(money), "lines": lines},
           "items": items, "evidence": draw(st.lists(st.sampled_from(["photo", "outbound_record_mismatch"]),
                                                     unique=True)),
           "return_postage": draw(money), "repairs_failed": draw(st.integers(0, 4))}
    if reason == "price_drop" or draw(st.booleans()):
        raw["current_unit_price"] = draw(money)
    return raw


def paid_for_items(raw) -> Decimal:
    unit = {line["sku"]: Decimal(line["unit_paid"]) for line in raw["order"]["lines"]}
    return sum((unit[i["sku"]] * i["qty"] for i in raw["items"]), Decimal("0"))


@settings(max_examples=400, deadline=None)
@given(requests())
def test_money_invariants(raw):
    decision: Decision = decide(parse_request(raw))
    refund = decision.refund
    assert refund.total == refund.goods + refund.shipping
    assert refund.goods >= 0 and refund.shipping >= 0
    assert refund.goods <= paid_for_items(raw)
    assert refund.goods == refund.goods.quantize(Decimal("0.01"))
    if not decision.allowed:
        assert refund.total == 0 and decision.resolution is None
    assert decision.reasons and all(has_cjk(r) for r in decision.reasons)
    shipping_cap = Decimal(raw["return_postage"]) + Decimal(raw["order"]["shipping_fee"])
    assert refund.shipping <= shipping_cap


@settings(max_examples=200, deadline=None)
@given(requests())
def test_decisions_are_deterministic(raw):
    first = decision_to_dict(decide(parse_request(raw)))
    assert decision_to_dict(decide(parse_request(raw))) == first
    assert decide(parse_request(raw)) == decide(parse_request(raw))
