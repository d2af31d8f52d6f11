"""The warehouse desk: sign-in lands there, only the warehouse gets in, the scan box receives parcels, the lists,
the inspection form, restocking — each with its refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from kefu.aftersales.models import AfterSalesCase, Inspection
from kefu.aftersales.services import cases
from kefu.commerce.models import Sku
from kefu.core import clock
from kefu.core.models import AuditEntry
from tests import factories as f
from tests.aftersales.builders import asked, frozen, media_root, photo  # noqa: F401
from tests.portal.builders import login_customer
from tests.workbench.case_builders import (
    PASSWORD,
    as_role,  # noqa: F401
    in_transit,
    inspected,
    open_case,
    order_for,
    received_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]

DESK = "/workbench/warehouse/"


def case_url(case) -> str:
    return f"{DESK}{case.number}/"


def scan(client, ref, **extra):
    return client.post(DESK, {"ref": ref}, **extra)


def inspect(client, case, **data):
    return client.post(case_url(case), {"action": "inspect", **data})


class TestSignIn:
    def test_the_warehouse_lands_on_its_desk(self, client, staff_user):
        staff_user("warehouse", "wh.li")
        response = client.post("/workbench/login/", {"username": "wh.li", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == DESK
        assert client.get(DESK).status_code == 200

    def test_an_agent_still_lands_on_the_search(self, client, staff_user):
        staff_user("aftersale_agent", "agent.wang")
        response = client.post("/workbench/login/", {"username": "agent.wang", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/workbench/"

    def test_a_customer_is_still_refused(self, client, roles):
        cust = f.customer(phone="13912340000")
        response = client.post("/workbench/login/", {"username": cust.phone, "password": PASSWORD})
        assert response.status_code == 200 and "该账号无权使用客服工作台" in response.content.decode()

    def test_operations_staff_are_still_refused(self, client, staff_user):
        staff_user("operations", "ops")
        response = client.post("/workbench/login/", {"username": "ops", "password": PASSWORD})
        assert "该账号无权使用客服工作台" in response.content.decode()


class TestAccess:
    def test_anonymous_goes_to_the_sign_in(self, client, roles):
        case = open_case()
        for url in (DESK, case_url(case)):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/workbench/login/?next=")

    def test_a_customer_is_forbidden(self, client, roles):
        case = in_transit(open_case())
        login_customer(client, case.customer)
        assert client.get(DESK).status_code == 403
        assert client.post(DESK, {"ref": case.number}).status_code == 403
        case.refresh_from_db()
        assert case.status == "in_transit"

    @pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "supervisor", "operations"])
    def test_roles_without_the_desk_permission_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        case = in_transit(open_case())
        assert client.get(DESK).status_code == 403
        assert client.get(case_url(case)).status_code == 403
        assert scan(client, case.number).status_code == 403

    @pytest.mark.parametrize("url", ["/workbench/", "/workbench/cases/", "/workbench/compliance/",
                                     "/workbench/customers/1/", "/workbench/orders/KF1/"])
    def test_the_warehouse_gets_no_other_workbench_page(self, as_role, url):  # noqa: F811
        client, _user = as_role("warehouse")
        assert client.get(url).status_code == 403

    def test_the_warehouse_cannot_work_a_case_on_the_agents_page(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = open_case()
        assert client.post(f"/workbench/cases/{case.number}/", {"action": "approve"}).status_code == 403

    def test_unknown_case_is_404(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        assert client.get(f"{DESK}AS404/").status_code == 404


class TestDesk:
    def test_the_scan_box_is_ready_for_a_scanner(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        html = client.get(DESK).content.decode()
        box = re.search(r"<input id=\"id_ref\"[^>]*>", html).group(0)
        assert 'name="ref"' in box and "autofocus" in box and 'autocomplete="off"' in box
        assert 'method="post" action="/workbench/warehouse/"' in html

    def test_the_three_lists(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        on_the_way = in_transit(open_case(), tracking="SF5550000001")
        waiting = received_case(open_case())
        to_restock = inspected(open_case())
        rejected = inspected(open_case(), outcome="rejected")
        clock.advance(timedelta(minutes=30))
        html = client.get(DESK).content.decode()
        transit = html.split('data-testid="in-transit"')[1].split("</table>")[0]
        assert "SF5550000001" in transit and on_the_way.number in transit
        waiting_html = html.split('data-testid="waiting-inspection"')[1].split("</table>")[0]
        assert waiting.number in waiting_html and "剩 70 分钟" in waiting_html
        restock = html.split('data-testid="to-restock"')[1].split("</table>")[0]
        assert to_restock.number in restock and rejected.number not in restock and "质检通过" in restock
        assert "已签收，待质检 <span class=\"muted\">(1)</span>" in html

    def test_empty_lists_say_so(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        html = client.get(DESK).content.decode()
        for text in ("没有待质检的包裹", "没有在途的退货包裹", "已质检的商品都已入库"):
            assert text in html, text

    def test_htmx_refreshes_the_running_clocks_alone(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        clock.advance(timedelta(minutes=95))
        response = client.get(DESK, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html and 'id="waiting"' in html and 'hx-trigger="every 60s"' in html
        assert case.number in html and "剩 5 分钟" in html and "HX-Request" in response["Vary"]

    def test_the_warehouse_does_not_see_the_customer(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case(order=order_for(name="王芳", phone="13912345678")))
        for url in (DESK, case_url(case)):
            html = client.get(url).content.decode()
            assert "王芳" not in html and "1391234" not in html
            assert "/workbench/orders/" not in html and "/workbench/customers/" not in html


class TestScan:
    def test_scan_a_tracking_number(self, as_role):  # noqa: F811
        client, user = as_role("warehouse")
        case = in_transit(open_case(), tracking="SF1234567890")
        response = scan(client, "  sf1234567890\n")
        assert response.status_code == 302 and response["Location"] == case_url(case)
        case.refresh_from_db()
        assert case.status == "received" and case.received_at == clock.now()
        html = client.get(response["Location"]).content.decode()
        assert "包裹已签收：100分钟计时开始" in html and "剩 100 分钟" in html
        assert AuditEntry.objects.filter(object_repr=case.number, new_value="received", actor=user).exists()

    def test_scan_a_case_number_when_the_customer_gave_no_tracking(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = cases.approve(open_case())
        response = scan(client, case.number.lower())
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "received"

    def test_scanning_twice_changes_nothing(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        received_at = case.received_at
        clock.advance(timedelta(minutes=10))
        response = scan(client, case.number, follow=True)
        assert "已签收过，未做更改" in response.content.decode()
        case.refresh_from_db()
        assert case.received_at == received_at and case.status == "received"

    def test_an_unknown_parcel_is_said_plainly_and_the_box_is_ready_again(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = in_transit(open_case())
        response = scan(client, "YT0000000000")
        html = response.content.decode()
        assert response.status_code == 404
        assert "没有找到服务单或退货包裹“YT0000000000”" in html and 'data-testid="scan-error"' in html
        box = re.search(r"<input id=\"id_ref\"[^>]*>", html).group(0)
        assert 'value=""' in box and "autofocus" in box
        case.refresh_from_db()
        assert case.status == "in_transit" and case.received_at is None

    def test_an_empty_scan(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        response = scan(client, "   ")
        assert response.status_code == 422 and "请扫描运单号或服务单号" in response.content.decode()

    def test_a_case_that_expects_no_parcel(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = open_case()
        response = scan(client, case.number)
        assert response.status_code == 409 and f"服务单 {case.number} 当前为“已申请”" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "requested"

    def test_a_tracking_number_on_two_cases(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        one, two = in_transit(open_case(), tracking="SF9990000009"), in_transit(open_case(), tracking="SF9990000009")
        response = scan(client, "SF9990000009")
        assert response.status_code == 409 and "对应多个服务单，请扫描服务单号" in response.content.decode()
        assert AfterSalesCase.objects.filter(pk__in=[one.pk, two.pk], status="in_transit").count() == 2

    def test_the_case_page_can_receive_too(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = cases.approve(open_case())
        assert 'data-testid="receive"' in client.get(case_url(case)).content.decode()
        client.post(case_url(case), {"action": "receive"})
        case.refresh_from_db()
        assert case.status == "received"


class TestInspection:
    def test_the_page_shows_the_claim_photos_and_the_form(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case(description="发来的是黑色款"))
        html = client.get(case_url(case)).content.decode()
        line = case.lines.get()
        for text in ("错发", "发来的是黑色款", "笔记本电脑", "完好", f"SF{case.pk:010d}",
                     f'src="/workbench/cases/{case.number}/evidence/{case.evidence.get().pk}/"',
                     'name="outcome"', 'name="condition_found"', 'name="resellable"', 'name="wrong_item_confirmed"',
                     f'name="accepted-{line.pk}"', "确实发错了商品吗？", 'data-testid="start-inspection"'):
            assert text in html, text
        assert "/workbench/cases/" + case.number + '/"' not in html  # no link to the agents' page

    def test_start_inspection(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        response = client.post(case_url(case), {"action": "start_inspection"}, follow=True)
        assert "质检已开始" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "inspecting"
        assert 'data-testid="start-inspection"' not in response.content.decode()

    def test_wrong_item_confirmed_and_accepted(self, as_role):  # noqa: F811
        client, user = as_role("warehouse")
        case = received_case(open_case())
        clock.advance(timedelta(minutes=42))
        response = inspect(client, case, outcome="accepted", condition_found="intact", resellable="yes",
                           wrong_item_confirmed="yes", notes="确认为错发的黑色款")
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "accepted" and case.decided_by == user and case.minutes_used == 42
        inspection = Inspection.objects.get(case=case)
        assert inspection.wrong_item_confirmed is True and inspection.resellable is True
        assert inspection.notes == "确认为错发的黑色款"
        html = client.get(case_url(case)).content.decode()
        assert "在100分钟内完成" in html and "用时 42 分钟完成处理决定" in html and "按时" in html
        assert 'data-testid="inspection-form"' not in html and 'data-testid="restock"' in html

    def test_not_the_wrong_item_puts_the_postage_on_the_buyer(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        inspect(client, case, outcome="accepted", condition_found="intact", resellable="yes",
                wrong_item_confirmed="no")
        case.refresh_from_db()
        assert case.return_shipping_paid_by == "buyer" and case.refund_shipping == Decimal("0.00")

    def test_wrong_item_question_must_be_answered(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        response = inspect(client, case, outcome="accepted", condition_found="intact", resellable="yes")
        html = response.content.decode()
        assert response.status_code == 422 and "请确认是否确实发错了商品" in html and "请更正质检表单" in html
        case.refresh_from_db()
        assert case.status == "received" and not Inspection.objects.filter(case=case).exists()

    def test_the_question_is_not_asked_for_other_reasons(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case("return", "no_reason"))
        html = client.get(case_url(case)).content.decode()
        assert 'name="wrong_item_confirmed"' not in html
        inspect(client, case, outcome="rejected", condition_found="used", resellable="no", notes="已使用")
        case.refresh_from_db()
        assert case.status == "rejected" and case.refund_goods == Decimal("0.00")

    def test_partly_accepted_takes_the_units_per_line(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        order = order_for(price="100.00", qty=3)
        case = received_case(open_case("return", "no_reason", order=order))
        line = case.lines.get()
        response = inspect(client, case, outcome="partly_accepted", condition_found="opened_for_inspection",
                           resellable="yes", **{f"accepted-{line.pk}": "2"})
        assert response.status_code == 302
        case.refresh_from_db()
        line.refresh_from_db()
        assert case.status == "partly_accepted" and line.accepted_quantity == 2
        assert case.refund_goods == Decimal("200.00")

    @pytest.mark.parametrize(("units", "message"), [("", "请填写通过质检的数量"), ("5", "3"), ("-1", "0"),
                                                    ("3", "部分通过是指部分而非全部商品通过质检")])
    def test_partly_accepted_needs_sound_units(self, as_role, units, message):  # noqa: F811
        client, _user = as_role("warehouse")
        order = order_for(price="100.00", qty=3)
        case = received_case(open_case("return", "no_reason", order=order))
        line = case.lines.get()
        response = inspect(client, case, outcome="partly_accepted", condition_found="intact", resellable="yes",
                           **{f"accepted-{line.pk}": units})
        assert response.status_code in {409, 422} and message in response.content.decode()
        case.refresh_from_db()
        assert case.status == "received" and not Inspection.objects.filter(case=case).exists()

    @pytest.mark.parametrize("field", ["outcome", "condition_found", "resellable"])
    def test_every_choice_is_required_and_checked(self, as_role, field):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case("return", "no_reason"))
        data = {"outcome": "accepted", "condition_found": "intact", "resellable": "yes", field: "bogus"}
        assert inspect(client, case, **data).status_code == 422
        case.refresh_from_db()
        assert case.status == "received"

    def test_a_parcel_not_yet_received_cannot_be_inspected(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = in_transit(open_case())
        assert 'data-testid="inspection-form"' not in client.get(case_url(case)).content.decode()
        response = inspect(client, case, outcome="accepted", condition_found="intact", resellable="yes",
                           wrong_item_confirmed="yes")
        assert response.status_code == 409 and "当前为“退货运输中”" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "in_transit" and not Inspection.objects.filter(case=case).exists()

    def test_an_unknown_action(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = received_case(open_case())
        response = client.post(case_url(case), {"action": "approve"})
        assert response.status_code == 400 and "未知操作" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "received"


class TestRestock:
    def test_accepted_resellable_units_go_back_once(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = inspected(open_case())
        sku = case.lines.get().order_line.sku
        stock = Sku.objects.get(pk=sku.pk).stock
        response = client.post(case_url(case), {"action": "restock"}, follow=True)
        html = response.content.decode()
        assert "已重新入库" in html and 'data-testid="restock"' not in html
        assert Sku.objects.get(pk=sku.pk).stock == stock + 1
        client.post(case_url(case), {"action": "restock"})
        assert Sku.objects.get(pk=sku.pk).stock == stock + 1
        assert case.number not in client.get(DESK).content.decode().split('data-testid="to-restock"')[-1]

    def test_a_rejected_return_is_not_restocked(self, as_role):  # noqa: F811
        client, _user = as_role("warehouse")
        case = inspected(open_case(), outcome="rejected")
        sku = case.lines.get().order_line.sku
        stock = Sku.objects.get(pk=sku.pk).stock
        assert 'data-testid="restock"' not in client.get(case_url(case)).content.decode()
        response = client.post(case_url(case), {"action": "restock"})
        assert response.status_code == 409 and "只有质检通过且可二次销售的退货才能重新入库" in response.content.decode()
        assert Sku.objects.get(pk=sku.pk).stock == stock


def test_customer_text_is_escaped(as_role):  # noqa: F811
    client, _user = as_role("warehouse")
    evil = "<script>alert(1)</script>"
    case = received_case(open_case(description=evil, order=order_for(product=evil)))
    for url in (case_url(case), DESK):
        html = client.get(url).content.decode()
        assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(case_url(case)).content.decode()


def test_a_breached_inspection_says_so(as_role):  # noqa: F811
    client, _user = as_role("warehouse")
    case = received_case(open_case())
    clock.advance(timedelta(minutes=130))
    html = client.get(DESK).content.decode()
    assert "超时 30 分钟" in html.split('data-testid="waiting-inspection"')[1]
    response = inspect(client, case, outcome="accepted", condition_found="intact", resellable="yes",
                       wrong_item_confirmed="yes")
    assert "已超过100分钟" in client.get(response["Location"]).content.decode()
