from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kefu.commerce.amounts import LineAmounts, check_amounts

D = Decimal


def check(lines, **kw):
    base = {"coupon_discount": D("0"), "points_discount": D("0"), "shipping_fee": D("0")}
    base.update(kw)
    return [(p.field, p.message) for p in check_amounts(lines, **base)]


def test_a_consistent_order_has_no_problems():
    lines = [LineAmounts(2, D("100.00"), D("180.00")), LineAmounts(1, D("50.00"), D("50.00"))]
    assert check(lines, goods_amount=D("250.00"), coupon_discount=D("20.00"), shipping_fee=D("8.00"),
                 payable_amount=D("238.00"), payments=[D("200.00"), D("38.00")]) == []


def test_goods_amount_must_match_lines():
    assert check([LineAmounts(1, D("10"), D("10"))], goods_amount=D("11"), payable_amount=D("10"))[0][0] == \
        "goods_amount"


def test_paid_lines_must_equal_goods_minus_discounts():
    problems = check([LineAmounts(1, D("100"), D("100"))], goods_amount=D("100"), coupon_discount=D("10"),
                     payable_amount=D("90"))
    assert problems[0][0] == "lines"


def test_line_paid_above_its_subtotal_names_the_line():
    problems = check([LineAmounts(1, D("10"), D("10")), LineAmounts(1, D("10"), D("11"))],
                     goods_amount=D("20"), payable_amount=D("21"))
    assert problems == [("lines[1].paid_amount", "11 is more than quantity × unit price (10)")]


def test_negative_amounts_and_quantities_named():
    problems = dict(check([LineAmounts(0, D("-1"), D("0"))], goods_amount=D("0"), shipping_fee=D("-5"),
                          payable_amount=D("0")))
    assert {"shipping_fee", "lines[0].quantity", "lines[0].unit_price"} <= set(problems)


def test_payments_must_cover_the_payable():
    assert check([LineAmounts(1, D("10"), D("10"))], goods_amount=D("10"), payable_amount=D("10"),
                 payments=[D("9.99")])[0][0] == "payments"


def test_empty_order_refused():
    assert check([], goods_amount=D("0"), payable_amount=D("0"))[0][0] == "lines"


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 100000)), min_size=1, max_size=5),
       st.integers(0, 5000))
def test_any_well_formed_order_passes(lines, shipping_cents):
    built = [LineAmounts(q, D(c) / 100, D(c) / 100 * q) for q, c in lines]
    goods = sum((line.paid_amount for line in built), D("0"))
    shipping = D(shipping_cents) / 100
    assert check(built, goods_amount=goods, shipping_fee=shipping, payable_amount=goods + shipping) == []
