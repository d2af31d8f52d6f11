"""The warehouse: receive by tracking or case number, inspect (the outcome can move money), restock."""

from decimal import Decimal

import pytest

from kefu.aftersales.models import Inspection
from kefu.aftersales.services import cases, refunds, warehouse
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from kefu.core.models import AuditEntry
from tests import factories as f
from tests.aftersales.builders import (
    asked,
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    photo,
    received_case,
    signed_order,
    status_audit,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def _in_transit(case, tracking="YT1234567890"):
    return cases.add_return_tracking(cases.approve(case), carrier=f.carrier(), tracking_number=tracking)


def test_receive_by_tracking_number_or_case_number_once():
    case = _in_transit(wrong_item_case())
    received = warehouse.receive_return(" yt1234567890 ", by="dock-1")
    assert received.pk == case.pk and received.status == "received" and received.received_at is not None
    again = warehouse.receive_return(case.number, by="dock-2")  # the second scan changes nothing
    assert again.received_at == received.received_at
    assert [s for _o, s in status_audit(case.number)].count("received") == 1


def test_a_parcel_without_tracking_is_received_by_case_number():
    case = cases.approve(wrong_item_case())
    assert warehouse.receive_return(case.number).status == "received"


def test_unknown_or_unexpected_parcels_are_refused():
    with pytest.raises(NotFound):
        warehouse.receive_return("NOSUCH000000")
    with pytest.raises(DomainError):
        warehouse.receive_return("  ")
    requested = wrong_item_case()
    with pytest.raises(InvalidTransition):
        warehouse.receive_return(requested.number)  # not approved: nothing is expected


def test_a_tracking_number_on_two_cases_asks_for_the_case_number():
    _in_transit(wrong_item_case(), tracking="DUP000000001")
    _in_transit(wrong_item_case(), tracking="DUP000000001")
    with pytest.raises(Conflict):
        warehouse.receive_return("DUP000000001")


def test_inspection_goes_through_inspecting_and_only_after_receipt():
    case = cases.approve(wrong_item_case())
    with pytest.raises(InvalidTransition):
        warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True,
                                    wrong_item_confirmed=True)
    case = warehouse.start_inspection(warehouse.receive_return(case.number))
    assert case.status == "inspecting"
    case = warehouse.record_inspection(case, outcome="rejected", condition_found="used", resellable=False,
                                       wrong_item_confirmed=True, notes="已使用")
    assert case.status == "rejected" and (case.refund_goods, case.refund_shipping) == (Decimal("0"), Decimal("0"))
    with pytest.raises(Conflict):
        refunds.issue_refund(case)
    assert cases.close(case).status == "closed"


def test_inspection_input_is_checked():
    case = received_case(wrong_item_case())
    for kwargs, field in [({"outcome": "maybe"}, "outcome"), ({"condition_found": "shiny"}, "condition_found")]:
        args = {"outcome": "accepted", "condition_found": "intact", "resellable": True,
                "wrong_item_confirmed": True, **kwargs}
        with pytest.raises(DomainError) as exc:
            warehouse.record_inspection(case, **args)
        assert exc.value.field == field
    assert not Inspection.objects.exists()


def test_partly_accepted_refunds_only_the_accepted_units():
    order = signed_order(lines=(("100.00", 3),), shipping_fee="10.00")
    case = cases.open_case(order, "return", "quality_serious", [asked(order)], return_postage=Decimal("15.00"))
    assert (case.refund_goods, case.refund_shipping) == (Decimal("300.00"), Decimal("25.00"))
    case = received_case(case)
    line = case.lines.get()
    for bad in ({line.pk: 3}, {line.pk: 0}, {line.pk: 4}, {}):
        with pytest.raises(DomainError):
            warehouse.record_inspection(case, outcome="partly_accepted", condition_found="damaged",
                                        resellable=False, accepted=bad)
    case = warehouse.record_inspection(case, outcome="partly_accepted", condition_found="damaged",
                                       resellable=False, accepted={line.pk: 2})
    # 2 × 100.00; the order is no longer returned whole, so its 10.00 fee stays; the 15.00 postage is repaid
    assert (case.refund_goods, case.refund_shipping) == (Decimal("200.00"), Decimal("15.00"))
    assert case.lines.get().accepted_quantity == 2
    assert sorted((r.kind, r.amount) for r in refunds.issue_refund(case)) == [("goods", Decimal("200.00")),
                                                                             ("postage", Decimal("15.00"))]
    assert AuditEntry.objects.filter(field="refund_goods", old_value="300.00", new_value="200.00").exists()


def test_restock_puts_accepted_resellable_units_back_once():
    order = signed_order(lines=(("100.00", 2),))
    sku = order.lines.get().sku
    stock = sku.stock
    case = received_case(cases.open_case(order, "return", "no_reason", [asked(order)]))
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="intact", resellable=True)
    warehouse.restock(case)
    case = warehouse.restock(case)
    sku.refresh_from_db()
    assert sku.stock == stock + 2 and case.inspection.restocked_at is not None


def test_unsellable_or_rejected_returns_are_not_restocked():
    order = signed_order()
    case = received_case(cases.open_case(order, "return", "wrong_item", [asked(order)], [photo()]))
    case = warehouse.record_inspection(case, outcome="accepted", condition_found="damaged", resellable=False,
                                       wrong_item_confirmed=True)
    with pytest.raises(Conflict):
        warehouse.restock(case)
