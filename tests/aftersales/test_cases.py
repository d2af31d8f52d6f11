"""Case workflow through the services: the state machine, audit and outbox, the policy's refusals, evidence."""

from decimal import Decimal
from itertools import product

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.aftersales import case_states as st
from kefu.aftersales.models import AfterSalesCase, CaseEvidence, CaseLine
from kefu.aftersales.selectors import timeline
from kefu.aftersales.services import cases, refunds, warehouse
from kefu.aftersales.services.opening import PolicyRefused
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from kefu.core.models import AuditEntry, OutboxEvent
from tests import factories as f
from tests.aftersales.builders import (
    JPEG,
    PNG,
    WEBP,
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    received_case,
    signed_order,
    status_audit,
    topics,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]

# The workflow of issue 3 §2, written out here independently of case_states.py.
ALLOWED = {
    ("requested", "approved"), ("requested", "declined"), ("requested", "cancelled"),
    ("approved", "awaiting_return"), ("approved", "refunding"), ("approved", "reshipping"), ("approved", "cancelled"),
    ("awaiting_return", "in_transit"), ("awaiting_return", "received"), ("awaiting_return", "cancelled"),
    ("in_transit", "received"), ("received", "inspecting"),
    ("inspecting", "accepted"), ("inspecting", "partly_accepted"), ("inspecting", "rejected"),
    *{(a, b) for a in ("accepted", "partly_accepted") for b in ("refunding", "reshipping", "repairing", "closed")},
    ("refunding", "reshipping"), ("refunding", "closed"), ("reshipping", "refunding"), ("reshipping", "closed"),
    ("repairing", "refunding"), ("repairing", "closed"), ("rejected", "closed"), ("declined", "closed"),
}


@pytest.mark.parametrize(("current", "target"), list(product(st.CASE_STATES, st.CASE_STATES)))
def test_every_transition_is_allowed_or_refused_as_the_issue_says(current, target):
    assert st.CASE.can(current, target) == ((current, target) in ALLOWED)
    if (current, target) not in ALLOWED:
        with pytest.raises(InvalidTransition):
            st.CASE.check(current, target)


def test_refund_machine():
    assert st.REFUND.can("pending", "sent") and st.REFUND.can("sent", "confirmed")
    assert st.REFUND.can("pending", "failed") and st.REFUND.can("sent", "failed")
    assert not st.REFUND.can("confirmed", "failed") and not st.REFUND.can("failed", "sent")
    assert not st.REFUND.can("pending", "confirmed")


def test_open_stores_the_decision_audits_and_announces(staff_user):
    case = wrong_item_case()
    assert case.number.startswith("AS20260310") and case.status == "requested"
    assert case.resolution == "return_refund" and case.return_shipping_paid_by == "seller"
    # goods 3299 + shipping: the 12.00 postage advanced + the order's 10.00 fee (whole order returned)
    assert (case.refund_goods, case.refund_shipping) == (Decimal("3299.00"), Decimal("22.00"))
    assert case.decision["allowed"] and case.decision["rule"] == "wrong_item.return"
    assert status_audit(case.number) == [("", "requested")]
    money = AuditEntry.objects.filter(object_repr=case.number, kind="money")
    assert sorted(money.values_list("field", "new_value")) == [("refund_goods", "3299.00"),
                                                                ("refund_shipping", "22.00")]
    event = OutboxEvent.objects.get(topic="case.opened")
    assert event.payload["case"] == case.number and event.payload["refund_total"] == "3321.00"
    evidence = CaseEvidence.objects.get(case=case)
    assert evidence.content_type == "image/jpeg" and evidence.file.name.startswith("aftersales/evidence/")
    assert evidence.file.name.endswith(".jpg") and evidence.file.read() == JPEG


def _nothing_written():
    assert not AfterSalesCase.objects.exists() and not CaseLine.objects.exists()
    assert not CaseEvidence.objects.exists() and not AuditEntry.objects.filter(kind="money").exists()
    assert not OutboxEvent.objects.filter(topic__startswith="case.").exists()


def test_a_refusal_names_the_field_and_writes_nothing(media_root):  # noqa: F811
    order = signed_order()
    with pytest.raises(PolicyRefused) as exc:
        cases.open_case(order, "return", "wrong_item", [asked(order)], [])
    assert exc.value.field == "evidence" and exc.value.decision["missing_evidence"] == ["photo"]
    assert "照片" in exc.value.message
    _nothing_written()


@pytest.mark.parametrize(("kind", "reason", "days", "field"), [
    ("return", "no_reason", 8, "order"),  # day 8: past the 7-day window
    ("reship", "no_reason", 2, "kind"),  # no-reason gives return or exchange only
    ("return", "quality_serious", 10, "kind"),  # day 8–15: exchange or repair only
])
def test_policy_refusals_name_the_field(kind, reason, days, field, media_root):  # noqa: F811
    order = signed_order(signed_days_ago=days)
    with pytest.raises(PolicyRefused) as exc:
        cases.open_case(order, kind, reason, [asked(order)], [photo()])
    assert exc.value.field == field
    _nothing_written()
    assert not any(media_root.rglob("*.jpg")) if media_root.exists() else True


def test_bad_input_is_an_error_naming_the_field():
    order = signed_order(lines=(("100.00", 2),))
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "no_reason", [asked(order, qty=3)])
    assert exc.value.field == "lines[0].quantity"
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "swap", "no_reason", [asked(order)])
    assert exc.value.field == "kind"
    other = signed_order()
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "no_reason", [asked(other)])
    assert exc.value.field == "lines[0].order_line"
    _nothing_written()


def test_an_unknown_condition_names_the_line_and_writes_nothing():
    order = signed_order()
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "no_reason", [asked(order, condition="like new")])
    assert exc.value.field == "lines[0].condition" and "intact" in exc.value.message
    _nothing_written()


def test_unpaid_or_someone_elses_order_is_refused():
    unpaid = f.order(f.customer(), [(f.sku(), 1)])
    with pytest.raises(DomainError) as exc:
        cases.open_case(unpaid, "return", "no_reason", [asked(unpaid)])
    assert exc.value.field == "order"
    order = signed_order()
    stranger = f.customer(name="李娜")
    with pytest.raises(NotFound):
        cases.open_case(order, "return", "no_reason", [asked(order)], by=stranger.user)


def test_units_under_an_open_case_cannot_be_asked_for_twice():
    order = signed_order(lines=(("100.00", 2),))
    first = cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
    cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "no_reason", [asked(order, qty=1)])
    assert exc.value.field == "lines[0].quantity"
    cases.cancel_by_customer(first)  # cancelling frees its units
    cases.open_case(order, "exchange", "no_reason", [asked(order, qty=1)])


def test_approve_sends_a_returning_case_to_await_the_parcel():
    case = cases.approve(wrong_item_case(), by="agent-1")
    assert case.status == "awaiting_return" and case.approved_at is not None
    assert status_audit(case.number) == [("", "requested"), ("requested", "approved"),
                                         ("approved", "awaiting_return")]
    assert topics("case.status_changed") == ["case.status_changed"] * 2
    with pytest.raises(InvalidTransition):
        cases.approve(case)


def test_decline_needs_a_reason_and_only_a_request_is_declined():
    case = wrong_item_case()
    with pytest.raises(DomainError) as exc:
        cases.decline(case, reason=" ")
    assert exc.value.field == "reason"
    case = cases.decline(case, reason="照片显示商品正确")
    assert case.status == "declined" and case.status_reason == "照片显示商品正确"
    assert cases.close(case).status == "closed"
    approved = cases.approve(wrong_item_case())
    with pytest.raises(InvalidTransition):
        cases.decline(approved, reason="too late")


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_the_buyer_cancels_until_the_parcel_leaves(steps):
    case = wrong_item_case()
    if steps >= 1:
        case = cases.approve(case)  # awaiting_return
    if steps == 2:
        case.status = "approved"  # as for a case with nothing to send back
        case.save()
    case = cases.cancel_by_customer(case, by=case.customer.user, reason="不需要了")
    assert case.status == "cancelled" and case.cancelled_at is not None


def test_cancel_refused_once_in_transit_or_by_another_customer():
    case = cases.approve(wrong_item_case())
    with pytest.raises(DomainError):
        cases.cancel_by_customer(case, by=f.customer(name="王芳").user)
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF1234567890")
    with pytest.raises(InvalidTransition):
        cases.cancel_by_customer(case, by=case.customer.user)


def test_escalation_is_a_flag_with_an_audit_record(staff_user):
    boss = staff_user("supervisor")
    case = cases.escalate(wrong_item_case(), by=boss, reason="顾客要求投诉")
    assert case.escalated and case.escalated_at is not None and case.status == "requested"
    cases.escalate(case, by=boss)
    assert topics("case.escalated") == ["case.escalated"]
    entry = AuditEntry.objects.get(field="escalated")
    assert entry.actor == boss and entry.reason == "顾客要求投诉"
    closed = cases.close(cases.decline(wrong_item_case(), reason="no"))
    with pytest.raises(InvalidTransition):
        cases.escalate(closed)


def test_assign_is_audited(staff_user):
    agent = staff_user("aftersale_agent")
    case = cases.assign(wrong_item_case(), agent, by="dispatcher")
    assert case.assigned_to == agent
    assert AuditEntry.objects.filter(field="assigned_to", new_value=agent.username).count() == 1
    cases.assign(case, agent)
    assert topics("case.assigned") == ["case.assigned"]


def test_return_tracking_is_checked_and_postage_refunded_when_the_seller_pays():
    case = cases.approve(wrong_item_case(postage="0.00"))
    with pytest.raises(DomainError) as exc:
        cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="12")
    assert exc.value.field == "tracking_number"
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="jd0012345678", postage="15.00")
    assert case.status == "in_transit" and case.return_shipment.tracking_number == "JD0012345678"
    assert case.return_postage == Decimal("15.00") and case.refund_shipping == Decimal("25.00")
    assert AuditEntry.objects.filter(field="refund_shipping", old_value="10.00", new_value="25.00").exists()


def test_wrong_item_end_to_end(staff_user):
    agent, clerk = staff_user("aftersale_agent"), staff_user("warehouse")
    order = signed_order()
    case = cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()], by=order.customer.user,
                           return_postage=Decimal("12.00"))
    case = cases.approve(case, by=agent)
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="JDVA00112233",
                                     by=order.customer.user)
    case = warehouse.receive_return("JDVA00112233", by=clerk)
    assert case.status == "received" and case.received_at is not None
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True, by=clerk)
    assert case.status == "accepted" and case.decided_at is not None and case.decided_by == clerk
    issued = refunds.issue_refund(case, by=agent)
    assert sorted((r.kind, r.amount) for r in issued) == [("goods", Decimal("3299.00")),
                                                          ("postage", Decimal("12.00")),
                                                          ("shipping", Decimal("10.00"))]
    case.refresh_from_db()
    assert case.status == "refunding"
    with pytest.raises(Conflict):
        cases.close(case)  # the money has not arrived yet
    for refund in issued:
        refunds.mark_refund_sent(refund, external_ref=f"R{refund.pk}")
        refunds.mark_refund_confirmed(refund)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert [s for _old, s in status_audit(case.number)] == [
        "requested", "approved", "awaiting_return", "in_transit", "received", "inspecting", "accepted",
        "refunding", "closed"]
    assert refunds.refunded_total(order) == order.payable_amount  # goods + the order's fee: all that was paid
    assert topics("refund.requested") == ["refund.requested"] * 3
    assert [e["to"] for e in timeline(case) if e["field"] == "status"][-1] == "closed"


def test_inspection_that_refutes_the_wrong_item_moves_the_postage_to_the_buyer():
    case = received_case(wrong_item_case())
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=False, notes="出库视频显示发货正确")
    assert case.return_shipping_paid_by == "buyer" and case.refund_shipping == Decimal("0.00")
    assert case.refund_goods == Decimal("3299.00")  # the goods still come back: a return at the buyer's cost
    assert AuditEntry.objects.filter(field="return_shipping_paid_by", old_value="seller", new_value="buyer").exists()
    assert AuditEntry.objects.filter(field="refund_shipping", old_value="22.00", new_value="0.00").exists()
    assert [r.kind for r in refunds.issue_refund(case)] == ["goods"]


def test_a_wrong_item_inspection_must_say_whether_it_was_wrong():
    case = received_case(wrong_item_case())
    with pytest.raises(DomainError) as exc:
        warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True)
    assert exc.value.field == "wrong_item_confirmed"


def test_urgent_replacement_before_the_return_arrives():
    case = cases.approve(wrong_item_case(kind="exchange", urgent=True))
    assert case.status == "awaiting_return" and case.refund_goods == Decimal("0.00")
    case = cases.send_replacement(case, by="agent", note="顾客急用")
    assert case.status == "awaiting_return" and case.replacement_sent_at is not None
    assert AuditEntry.objects.filter(field="replacement", new_value="sent").count() == 1
    case = received_case_from_awaiting(case)
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True)
    refunds.issue_refund(case)  # the postage the buyer advanced
    case.refresh_from_db()
    assert case.status == "refunding" and refunds.outstanding(case) == ["refund"]
    for refund in case.refunds.all():
        refunds.mark_refund_confirmed(refunds.mark_refund_sent(refund))
    case.refresh_from_db()
    assert case.status == "closed"  # no second reship: the replacement left early


def received_case_from_awaiting(case):
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF20260310001")
    return warehouse.receive_return(case, by="warehouse")


def test_a_replacement_before_the_return_needs_an_urgent_case():
    case = cases.approve(wrong_item_case(kind="exchange"))
    with pytest.raises(InvalidTransition):
        cases.send_replacement(case)
    refund_case = cases.approve(wrong_item_case())
    with pytest.raises(Conflict):
        cases.send_replacement(refund_case)  # a return has nothing to replace


def test_exchange_after_inspection_reships_then_closes():
    case = received_case(wrong_item_case(kind="exchange", postage="0.00"))
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True)
    with pytest.raises(Conflict):
        cases.close(case)  # the replacement is still owed
    case = cases.send_replacement(case)
    assert case.status == "reshipping"
    assert cases.close(case).status == "closed"


def test_missing_item_reship_and_refund_need_no_return():
    order = signed_order(lines=(("50.00", 1), ("80.00", 1)))
    reship = cases.approve(cases.open_case(order, "reship", "missing_item", [asked(order, index=0)], [photo()]))
    assert reship.status == "approved"
    reship = cases.send_replacement(reship)
    assert reship.status == "reshipping" and cases.close(reship).status == "closed"
    refund_case = cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order, index=1)],
                                                [photo()]))
    [refund] = refunds.issue_refund(refund_case)
    assert refund.amount == Decimal("80.00") and refund.kind == "goods"
    refunds.mark_refund_confirmed(refunds.mark_refund_sent(refund))
    refund_case.refresh_from_db()
    assert refund_case.status == "closed"


def test_a_returning_case_is_not_refunded_before_inspection():
    case = cases.approve(wrong_item_case())
    with pytest.raises(Conflict):
        refunds.issue_refund(case)


def test_repair_goes_through_repairing():
    order = signed_order(signed_days_ago=30)
    case = cases.open_case(order, "repair", "quality_serious", [asked(order)], return_postage=Decimal("0.00"))
    case = received_case(case)
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="damaged", resellable=False)
    case = cases.start_repair(case, note="送修")
    assert case.status == "repairing"
    assert cases.close(case).status == "closed"


# --- evidence ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "ctype", "ext"), [(JPEG, "image/jpeg", "jpg"), (PNG, "image/png", "png"),
                                                      (WEBP, "image/webp", "webp")])
def test_jpeg_png_and_webp_are_accepted_by_their_bytes(content, ctype, ext):
    order = signed_order()
    case = cases.open_case(order, "return", "wrong_item", [asked(order)],
                           [SimpleUploadedFile("IMG_0001", content, content_type="application/octet-stream")])
    evidence = case.evidence.get()
    assert evidence.content_type == ctype and evidence.file.name.endswith(f".{ext}")


def test_a_jpg_that_is_really_text_is_refused():
    order = signed_order()
    fake = SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "wrong_item", [asked(order)], [fake])
    assert exc.value.field == "evidence[0]" and exc.value.code == "bad_type"
    _nothing_written()


def test_a_photo_over_the_size_limit_is_refused(settings):
    settings.KEFU_AFTERSALES_EVIDENCE_MAX_BYTES = 100
    order = signed_order()
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()])
    assert exc.value.code == "too_large"
    _nothing_written()


def test_five_megabytes_is_the_default_limit():
    order = signed_order()
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(DomainError) as exc:
        cases.open_case(order, "return", "wrong_item", [asked(order)], [big])
    assert exc.value.code == "too_large"
