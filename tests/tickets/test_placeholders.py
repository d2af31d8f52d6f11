"""Canned replies: known placeholders only, visible gaps for missing values."""

import pytest

from kefu.tickets.placeholders import PLACEHOLDERS, UnknownPlaceholder, placeholders_in, render, validate

TEMPLATE = "{customer_name}您好，您的订单{order_number}已发货，运单号{tracking_number}。客服{agent_name}"


def test_placeholders_in_order_of_first_appearance_without_repeats():
    assert placeholders_in(TEMPLATE) == ["customer_name", "order_number", "tracking_number", "agent_name"]
    assert placeholders_in("{order_number}，再确认一次：{order_number}") == ["order_number"]
    assert placeholders_in("没有占位符") == []
    assert placeholders_in("") == []


def test_every_known_placeholder_validates_and_renders():
    for name, label in PLACEHOLDERS.items():
        validate(f"【{{{name}}}】")
        assert render("{" + name + "}", {}) == f"【{label}】"
        assert render("{" + name + "}", {name: "X"}) == "X"


def test_render_fills_in_values():
    values = {"customer_name": "张女士", "order_number": "20260501001", "tracking_number": "SF123",
              "agent_name": "小王", "ticket_number": "unused"}
    assert render(TEMPLATE, values) == "张女士您好，您的订单20260501001已发货，运单号SF123。客服小王"


@pytest.mark.parametrize("missing", [{}, {"order_number": None}, {"order_number": ""}, {"order_number": "  "}])
def test_missing_values_leave_a_visible_gap(missing):
    assert render("您的订单{order_number}已退款", missing) == "您的订单【订单号】已退款"


def test_values_are_inserted_literally():
    assert render("{customer_name}", {"customer_name": "{order_number}}"}) == "{order_number}}"


def test_literal_braces_are_written_doubled():
    validate("{{不是占位符}} {order_number}")
    assert placeholders_in("{{customer_name}}") == []
    assert render("{{工单}}{ticket_number}", {"ticket_number": "T-1"}) == "{工单}T-1"


@pytest.mark.parametrize(("template", "named"), [
    ("您好{name}", "{name}"),
    ("订单{order_no}", "{order_no}"),
    ("{}", "{}"),
    ("{0}", "{0}"),
    ("{ customer_name }", "{ customer_name }"),
    ("{customer_name.upper}", "{customer_name.upper}"),
    ("{order_number!r}", "{order_number!r}"),
    ("{order_number:>5}", "{order_number:>5}"),
])
def test_unknown_placeholders_and_format_tricks_are_rejected(template, named):
    for call in (validate, placeholders_in, lambda t: render(t, {"order_number": "1"})):
        with pytest.raises(UnknownPlaceholder) as raised:
            call(template)
        assert named in str(raised.value)


@pytest.mark.parametrize("template", ["单个{括号", "单个}括号", "{order_number"])
def test_stray_braces_are_rejected(template):
    with pytest.raises(UnknownPlaceholder, match="malformed"):
        validate(template)


def test_unknown_placeholder_is_a_value_error():
    assert issubclass(UnknownPlaceholder, ValueError)
