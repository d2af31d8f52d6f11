"""Answers from the customer's own orders and cases (real rows through tests/factories.py and the services),
and never from anyone else's."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kefu.aftersales.services.opening import open_case
from kefu.aftersales.services.policy_bridge import AskedLine
from kefu.assistant import services
from kefu.commerce.services.shipments import add_tracking_event
from kefu.core import clock
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)


@pytest.fixture
def now(db):
    clock.freeze(NOW)
    yield NOW
    clock.reset()


def shipped_order(customer, *, days_ago=2, promised=(1, 3), place="杭州转运中心", number=None, price="199.00"):
    order = f.order(customer, [(f.sku(price=price, name="电动牙刷"), 1)], status="shipped",
                    placed_at=NOW - timedelta(days=days_ago), number=number)
    shipment = f.shipment(order, shipped_at=NOW - timedelta(days=days_ago) + timedelta(hours=5),
                          promised_days=promised)
    add_tracking_event(shipment, occurred_at=shipment.shipped_at, place="北京仓", code="picked_up")
    add_tracking_event(shipment, occurred_at=shipment.shipped_at + timedelta(hours=10), place=place,
                       code="in_transit")
    return order, shipment


def ask(question, customer):
    return services.ask(question, customer=customer, log=False)


# --- where is my order --------------------------------------------------------------------------------------

def test_where_is_my_order_reads_the_latest_order_and_its_tracking(now):
    me = f.customer()
    shipped_order(me, days_ago=9, place="上海")  # older
    order, shipment = shipped_order(me, days_ago=1)
    answer = ask("我的快递到哪了", me)
    assert (answer.intent, answer.outcome, answer.handoff) == ("order_status", "personal", False)
    assert answer.facts["order"] == order.number
    tracked = answer.facts["shipments"][0]
    assert tracked["tracking_number"] == shipment.tracking_number
    assert tracked["last_event"]["place"] == "杭州转运中心" and tracked["status"] == "in_transit"
    assert tracked["promised_end"] == shipment.promised_end.astimezone(SH).isoformat()
    assert tracked["late"] is False
    assert order.number in answer.answer and shipment.tracking_number in answer.answer
    assert {"kind": "view_order", "order": order.number} in answer.actions


def test_a_late_parcel_is_said_to_be_late(now):
    me = f.customer()
    order, _shipment = shipped_order(me, days_ago=6, promised=(1, 3))
    answer = ask("我的包裹怎么还没到", me)
    assert answer.facts["shipments"][0]["late"] is True
    assert {"kind": "contact_agent", "intent": "logistics_problem", "order": order.number} in answer.actions


def test_the_order_named_in_the_question_if_it_is_theirs(now):
    me = f.customer()
    older, _ = shipped_order(me, days_ago=8, number="KF2026030201")
    shipped_order(me, days_ago=1)
    assert ask("KF2026030201 这个订单到哪了", me).facts["order"] == older.number


def test_another_customers_order_number_reveals_nothing(now):
    me, stranger = f.customer(), f.customer(name="李娜")
    theirs, their_shipment = shipped_order(stranger, number="KF2026030299", place="广州白云")
    mine, _ = shipped_order(me, days_ago=1)
    answer = ask("帮我查一下订单KF2026030299到哪了", me)
    assert answer.facts["order"] == mine.number
    assert theirs.number not in answer.answer and their_shipment.tracking_number not in answer.answer
    assert "广州白云" not in answer.answer and "广州白云" not in str(answer.facts)


def test_no_orders_yet(now):
    answer = ask("我的订单到哪了", f.customer())
    assert answer.outcome == "personal" and answer.facts == {"order": None}


def test_an_unpaid_order_says_when_it_must_be_paid(now):
    me = f.customer()
    order = f.order(me, [(f.sku(), 1)], placed_at=NOW - timedelta(hours=2))
    answer = ask("我的订单什么情况", me)
    assert answer.facts["status"] == "pending_payment"
    assert answer.facts["order"] == order.number and answer.facts["shipments"] == []


# --- can I still cancel ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "cancellable", "action"), [
    ("pending_payment", True, {"kind": "cancel_order", "refund": False}),
    ("paid", True, {"kind": "cancel_order", "refund": True}),
    ("shipped", False, {"kind": "view_order"}),
    ("delivered", False, {"kind": "open_aftersales"}),
])
def test_whether_the_order_can_still_be_cancelled(now, status, cancellable, action):
    me = f.customer()
    order = f.order(me, [(f.sku(), 1)], status=status, placed_at=NOW - timedelta(hours=3))
    answer = ask("我不想要了，能取消订单吗", me)
    assert answer.intent == "cancel_order" and answer.outcome == "personal"
    assert answer.facts == {"order": order.number, "status": status, "cancellable": cancellable}
    assert answer.actions[0] == {**action, "order": order.number}


def test_a_cancelled_order_is_not_offered_again(now):
    me = f.customer()
    f.order(me, [(f.sku(), 1)], status="cancelled", placed_at=NOW - timedelta(hours=1))
    answer = ask("帮我取消订单", me)
    assert answer.facts == {"order": None, "cancellable": False} and answer.actions == []


# --- has the price dropped -----------------------------------------------------------------------------

def test_a_price_drop_is_offered_with_the_policys_difference(now):
    me = f.customer()
    order, _ = shipped_order(me, days_ago=2, price="3299.00")
    line = order.lines.get()
    line.sku.price = Decimal("2999.00")
    line.sku.save()
    answer = ask("买了就降价了，能退差价吗", me)
    assert (answer.intent, answer.outcome) == ("price_protection", "personal")
    offer = answer.facts["offers"][0]
    assert (offer["order"], offer["paid"], offer["current"], offer["difference"]) == (
        order.number, "3299.00", "2999.00", "300.00")
    action = answer.actions[0]
    assert action["kind"] == "apply_price_protection" and action["request"]["body"]["lines"] == [
        {"order_line": line.pk, "quantity": 1}]


def test_price_protection_already_asked_is_not_offered_twice(now):
    me = f.customer()
    order, _ = shipped_order(me, days_ago=2, price="3299.00")
    line = order.lines.get()
    line.sku.price = Decimal("2999.00")
    line.sku.save()
    case = open_case(order, "price_protection", "price_drop", [AskedLine(line, 1)],
                     current_unit_price=Decimal("2999.00"))
    answer = ask("降价了能保价吗", me)
    assert answer.facts["offers"] == [] and answer.facts["already_asked"][0]["case"] == case.number


def test_an_expired_price_protection_says_why(now):
    me = f.customer()
    order = f.order(me, [(f.sku(price="500.00"), 1)], status="delivered", placed_at=NOW - timedelta(days=20))
    order.signed_at = NOW - timedelta(days=17)
    order.save(update_fields=["signed_at"])
    line = order.lines.get()
    line.sku.price = Decimal("450.00")
    line.sku.save()
    answer = ask("降价了能退差价吗", me)
    assert answer.facts["offers"] == [] and answer.facts["refused"][0]["order"] == order.number
    assert answer.facts["refused"][0]["reasons"]


def test_no_drop_no_offer(now):
    me = f.customer()
    shipped_order(me, days_ago=2)
    answer = ask("价格保护怎么申请", me)
    assert answer.facts["offers"] == [] and answer.facts["lines_compared"] == 1 and answer.actions == []


# --- where is my refund ------------------------------------------------------------------------------

def test_refund_status_lists_only_their_own_cases(now):
    me, stranger = f.customer(), f.customer(name="王芳")
    mine = f.order(me, [(f.sku(price="100.00"), 1)], status="delivered", placed_at=NOW - timedelta(days=3))
    theirs = f.order(stranger, [(f.sku(price="100.00"), 1)], status="delivered", placed_at=NOW - timedelta(days=3))
    for order in (mine, theirs):
        order.signed_at = NOW - timedelta(days=1)
        order.save(update_fields=["signed_at"])
    my_case = open_case(mine, "return", "no_reason", [AskedLine(mine.lines.get(), 1)])
    their_case = open_case(theirs, "return", "no_reason", [AskedLine(theirs.lines.get(), 1)])
    answer = ask("我的退款到哪了", me)
    assert (answer.intent, answer.outcome) == ("refund_status", "personal")
    assert [c["number"] for c in answer.facts["cases"]] == [my_case.number]
    assert answer.facts["cases"][0]["status"] == "requested"
    assert their_case.number not in answer.answer


def test_no_cases(now):
    answer = ask("退款进度怎么查", f.customer())
    assert answer.facts == {"cases": []}


def test_without_a_customer_order_questions_get_the_faq(now):
    answer = services.ask("我的快递到哪了", log=False)
    assert (answer.outcome, answer.facts) == ("faq", {})
    assert answer.faq["key"] == "track-order" and {"kind": "sign_in"} in answer.actions
