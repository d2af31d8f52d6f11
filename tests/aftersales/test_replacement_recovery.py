"""An urgent customer got the replacement before the return [seed 001]; when the return is then refused, the
replacement must be recovered (sent back, paid for or written off) before the case closes."""

import pytest

from kefu.aftersales.services import cases, refunds, warehouse
from kefu.core.errors import Conflict, DomainError, InvalidTransition
from kefu.core.models import AuditEntry
from tests import factories as f
from tests.aftersales.builders import (
    frozen,  # noqa: F401
    media_root,  # noqa: F401
    signed_order,
    topics,
    wrong_item_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def early_replacement_case(lines=(("3299.00", 1),)):
    order = signed_order(lines=lines)
    case = cases.approve(wrong_item_case(order, kind="exchange", urgent=True, postage="0.00"))
    case = cases.send_replacement(case, note="顾客急用")
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF20260310001")
    return warehouse.receive_return(case, by="warehouse")


def test_a_rejected_return_after_an_early_replacement_opens_a_recovery():
    case = warehouse.record_inspection(early_replacement_case(), outcome="rejected", condition_found="used",
                                       resellable=False, wrong_item_confirmed=False)
    assert case.status == "rejected" and case.replacement_recovery == "open"
    assert topics("case.recovery_opened") == ["case.recovery_opened"]
    assert AuditEntry.objects.filter(field="replacement_recovery", new_value="open").count() == 1
    with pytest.raises(Conflict, match="replacement_recovery"):
        cases.close(case)
    assert refunds.outstanding(case) == ["replacement_recovery"]


def test_a_partly_accepted_return_opens_a_recovery_too():
    case = early_replacement_case(lines=(("100.00", 2),))
    line = case.lines.get()
    case = warehouse.record_inspection(case, outcome="partly_accepted", condition_found="intact", resellable=True,
                                       wrong_item_confirmed=True, accepted={line.pk: 1})
    assert case.replacement_recovery == "open"


def test_an_accepted_return_needs_no_recovery():
    case = warehouse.record_inspection(early_replacement_case(), outcome="accepted", condition_found="intact",
                                       resellable=True, wrong_item_confirmed=True)
    assert case.replacement_recovery == ""
    assert topics("case.recovery_opened") == []
    assert cases.close(case).status == "closed"


def test_a_rejected_return_without_an_early_replacement_needs_no_recovery():
    case = cases.approve(wrong_item_case(kind="exchange", postage="0.00"))
    case = cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF20260310002")
    case = warehouse.record_inspection(warehouse.receive_return(case), outcome="rejected", condition_found="used",
                                       resellable=False, wrong_item_confirmed=False)
    assert case.replacement_recovery == ""
    assert cases.close(case).status == "closed"


@pytest.mark.parametrize(("outcome", "note"), [("returned", ""), ("paid", "支付单 P1234"), ("waived", "主管同意")])
def test_settling_the_recovery_lets_the_case_close(staff_user, outcome, note):
    agent = staff_user("aftersale_agent")
    case = warehouse.record_inspection(early_replacement_case(), outcome="rejected", condition_found="used",
                                       resellable=False, wrong_item_confirmed=False)
    case = cases.settle_recovery(case, outcome=outcome, note=note, by=agent)
    assert case.replacement_recovery == outcome
    entry = AuditEntry.objects.get(field="replacement_recovery", new_value=outcome)
    assert entry.old_value == "open" and entry.actor == agent
    assert topics("case.recovery_settled") == ["case.recovery_settled"]
    assert cases.close(case, by=agent).status == "closed"


def test_settling_is_checked_and_happens_once():
    case = warehouse.record_inspection(early_replacement_case(), outcome="rejected", condition_found="used",
                                       resellable=False, wrong_item_confirmed=False)
    with pytest.raises(DomainError) as bad:
        cases.settle_recovery(case, outcome="forgotten")
    assert bad.value.field == "outcome"
    with pytest.raises(DomainError) as silent:
        cases.settle_recovery(case, outcome="waived", note="  ")
    assert silent.value.field == "note"
    case.refresh_from_db()
    assert case.replacement_recovery == "open"  # the refusals changed nothing
    cases.settle_recovery(case, outcome="returned")
    with pytest.raises(InvalidTransition):
        cases.settle_recovery(case, outcome="paid")
    case.refresh_from_db()
    assert case.replacement_recovery == "returned"


def test_nothing_to_recover_on_an_ordinary_case():
    case = cases.approve(wrong_item_case(kind="exchange"))
    with pytest.raises(InvalidTransition):
        cases.settle_recovery(case, outcome="returned")


def test_the_buyer_cannot_cancel_once_the_replacement_left():
    order = signed_order()
    case = cases.approve(wrong_item_case(order, kind="exchange", urgent=True))
    case = cases.send_replacement(case)
    with pytest.raises(InvalidTransition, match="already been sent"):
        cases.cancel_by_customer(case)
    case.refresh_from_db()
    assert case.status == "awaiting_return"
