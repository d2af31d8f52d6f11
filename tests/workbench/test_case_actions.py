"""One case in the workbench: who may see it, what it shows, and every action — its happy path, its refusal
(the wrong state: a message on the page, a 4xx, nothing changed) and bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kefu.aftersales.models import AfterSalesCase, CompensationCoupon, Refund
from kefu.aftersales.services import cases, refunds
from kefu.core import clock
from kefu.core.models import AuditEntry
from tests import factories as f
from tests.aftersales.builders import JPEG, asked, frozen, media_root, photo  # noqa: F401
from tests.portal.builders import login_customer
from tests.workbench.case_builders import (
    as_role,  # noqa: F401
    inspected,
    masked_case_worker,
    open_case,
    order_for,
    received_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]


def url(case) -> str:
    return f"/workbench/cases/{case.number}/"


def post(client, case, action, **data):
    return client.post(url(case), {"action": action, **{f"{action}-{k}": v for k, v in data.items()}})


def page(client, case) -> str:
    response = client.get(url(case))
    assert response.status_code == 200
    return response.content.decode()


def unchanged(case):
    """Snapshot of what an action could change, to compare after a refusal."""
    case.refresh_from_db()
    return (case.status, case.assigned_to_id, case.escalated, case.replacement_sent_at, case.status_reason,
            Refund.objects.filter(case=case).count(), CompensationCoupon.objects.filter(case=case).count(),
            AuditEntry.objects.count())


class TestAccess:
    def test_anonymous_goes_to_sign_in(self, client, roles):
        case = open_case()
        evidence = case.evidence.get()
        for target in (url(case), f"{url(case)}evidence/{evidence.pk}/"):
            response = client.get(target)
            assert response.status_code == 302 and response["Location"].startswith("/workbench/login/?next=")

    def test_customer_is_forbidden_even_for_their_own_case(self, client, roles):
        case = open_case()
        login_customer(client, case.customer)
        assert client.get(url(case)).status_code == 403
        assert client.get(f"{url(case)}evidence/{case.evidence.get().pk}/").status_code == 403
        assert client.post(url(case), {"action": "approve"}).status_code == 403
        case.refresh_from_db()
        assert case.status == "requested"

    @pytest.mark.parametrize("role", ["presale_agent", "warehouse"])
    def test_staff_who_do_not_work_cases_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        case = open_case()
        assert client.get(url(case)).status_code == 403
        assert client.post(url(case), {"action": "approve"}).status_code == 403

    def test_unknown_case_is_404(self, as_role):  # noqa: F811
        client, _agent = as_role()
        assert client.get("/workbench/cases/AS000/").status_code == 404


class TestEvidence:
    @pytest.mark.parametrize("role", ["aftersale_agent", "warehouse", "supervisor"])
    def test_photos_are_served_to_staff_who_may_see_evidence(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        case = open_case()
        evidence = case.evidence.get()
        response = client.get(f"{url(case)}evidence/{evidence.pk}/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"].startswith("private")

    def test_presale_agents_may_not_see_photos(self, as_role):  # noqa: F811
        client, _user = as_role("presale_agent")
        case = open_case()
        assert client.get(f"{url(case)}evidence/{case.evidence.get().pk}/").status_code == 403

    def test_evidence_of_another_case_or_a_missing_file_is_404(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case, other = open_case(), open_case()
        assert client.get(f"{url(case)}evidence/{other.evidence.get().pk}/").status_code == 404
        assert client.get(f"{url(case)}evidence/999999/").status_code == 404
        evidence = case.evidence.get()
        evidence.file.delete(save=False)
        assert client.get(f"{url(case)}evidence/{evidence.pk}/").status_code == 404

    def test_the_page_never_links_the_public_media_url(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = open_case()
        html = page(client, case)
        assert f'src="{url(case)}evidence/{case.evidence.get().pk}/"' in html and "/media/" not in html


class TestPage:
    def test_customer_order_lines_advice_and_timeline(self, as_role):  # noqa: F811
        client, _agent = as_role()
        order = order_for(name="王芳", phone="13912345678")
        case = open_case(order=order, description="收到的是黑色，我买的是白色")
        html = page(client, case)
        for text in ("王芳", "13912345678", f'href="/workbench/orders/{order.number}/"',
                     f'href="/workbench/customers/{order.customer_id}/"', "ThinkPad X1 笔记本电脑", "完好",
                     "收到的是黑色，我买的是白色", "政策建议", "退货退款", "¥3,299.00", "¥22.00", "¥3,321.00", "商家",
                     "发错商品由卖家负责", "wrong_item.return", "该订单尚无退款", "实付 ¥3,309.00，还可退 ¥3,309.00",
                     "处理进度", "已申请", "仓库签收包裹后开始计时"):
            assert text in html, text
        assert 'data-testid="approve"' in html and 'data-testid="decline"' in html
        assert 'data-testid="issue-refund"' not in html and 'data-testid="close"' not in html

    def test_phone_is_masked_for_a_worker_without_the_phone_permission(self, client, roles):
        case = open_case(order=order_for(phone="13912345678"))
        client.force_login(masked_case_worker())
        html = page(client, case)
        assert "139****5678" in html and "13912345678" not in html

    def test_customer_text_is_escaped(self, as_role):  # noqa: F811
        client, _agent = as_role()
        evil = "<script>alert(1)</script>"
        case = open_case(order=order_for(name=evil), description=evil)
        cases.decline(case, reason=evil)
        html = page(client, case)
        assert evil not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3

    def test_parcel_inspection_and_a_running_clock(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = received_case(open_case())
        clock.advance(timedelta(minutes=85))
        html = page(client, case)
        assert f"SF{case.pk:010d}" in html and "仓库已签收" in html and "剩 15 分钟" in html
        assert "clock--risk" in html and "尚未质检" in html
        clock.advance(timedelta(minutes=20))
        inspected(case)
        html = page(client, case)
        for text in ("质检通过", "用时 105 分钟完成处理决定", "已超时", "确实发错了商品吗？"):
            assert text in html, text

    def test_english(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = open_case()
        client.cookies["django_language"] = "en"
        html = page(client, case)
        assert "The policy's advice" in html and "Approve" in html and "Return and refund" in html


class TestAssign:
    def test_to_me(self, as_role):  # noqa: F811
        client, me = as_role()
        case = open_case()
        response = client.post(url(case), {"action": "assign_me"})
        assert response.status_code == 302 and response["Location"] == url(case)
        case.refresh_from_db()
        assert case.assigned_to == me
        html = page(client, case)
        assert f"服务单 {case.number} 已分配给你。" in html and 'data-testid="assign-me"' not in html

    def test_to_another_agent(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        colleague = staff_user("care_team", "zhang.min")
        colleague.first_name = "张敏"
        colleague.save()
        case = open_case()
        assert "张敏 (zhang.min)" in page(client, case)
        post(client, case, "assign", agent=colleague.pk)
        case.refresh_from_db()
        assert case.assigned_to == colleague

    def test_only_case_workers_can_be_chosen(self, as_role, staff_user):  # noqa: F811
        client, _me = as_role()
        presale = staff_user("presale_agent", "presale")
        case = open_case()
        before = unchanged(case)
        response = post(client, case, "assign", agent=presale.pk)
        assert response.status_code == 422 and "请更正下方表单" in response.content.decode()
        assert unchanged(case) == before


class TestApproveDecline:
    def test_approve_a_return_waits_for_the_parcel(self, as_role):  # noqa: F811
        client, me = as_role()
        case = open_case()
        response = client.post(url(case), {"action": "approve", "approve-note": "照片清楚"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "awaiting_return"
        html = page(client, case)
        assert "已通过：等待买家寄回商品" in html and 'data-testid="approve"' not in html
        assert AuditEntry.objects.filter(object_repr=case.number, new_value="approved", reason="照片清楚",
                                         actor=me).exists()

    def test_approving_twice_is_refused_and_changes_nothing(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case())
        before = unchanged(case)
        response = client.post(url(case), {"action": "approve"})
        html = response.content.decode()
        assert response.status_code == 409
        assert f"服务单 {case.number} 当前为“等待买家寄回”，无法执行该操作。" in html
        assert 'data-testid="action-error"' in html
        assert unchanged(case) == before

    def test_decline_needs_a_reason(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        response = post(client, case, "decline", reason="   ")
        html = response.content.decode()
        assert response.status_code == 422 and "这个字段是必填项" in html and "驳回：请更正下方表单" in html
        assert "<details class=\"action\" open>" in html  # the form with the error stays open
        assert unchanged(case) == before

    def test_decline_with_a_reason(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        post(client, case, "decline", reason="照片显示商品已使用")
        case.refresh_from_db()
        assert case.status == "declined" and case.status_reason == "照片显示商品已使用"
        html = page(client, case)
        assert "已驳回" in html and "照片显示商品已使用" in html and 'data-testid="close"' in html

    def test_declining_an_approved_case_is_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case())
        before = unchanged(case)
        response = post(client, case, "decline", reason="晚了")
        assert response.status_code == 409 and "无法执行该操作" in response.content.decode()
        assert unchanged(case) == before


class TestEscalate:
    def test_escalate_with_a_reason_once(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        post(client, case, "escalate", reason="客户要求主管处理")
        case.refresh_from_db()
        assert case.escalated and case.escalated_at == clock.now()
        html = page(client, case)
        assert "已升级给主管" in html and 'data-testid="escalate"' not in html

    def test_escalate_without_a_reason_is_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        assert post(client, case, "escalate", reason="").status_code == 422
        assert unchanged(case) == before

    def test_a_closed_case_cannot_be_escalated(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.close(cases.decline(open_case(), reason="不符合"))
        before = unchanged(case)
        response = post(client, case, "escalate", reason="投诉")
        assert response.status_code == 409 and "当前为“已关闭”" in response.content.decode()
        assert unchanged(case) == before
        assert "该服务单已无可执行的操作" in page(client, case)


class TestReplacementAndRepair:
    def test_urgent_exchange_gets_its_replacement_before_the_return(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case("exchange", urgent=True))
        assert case.status == "awaiting_return"
        html = page(client, case)
        assert 'data-testid="send-replacement"' in html and "退货寄达前先发出换新商品" in html
        response = post(client, case, "send_replacement", note="顺丰加急")
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "awaiting_return" and case.replacement_sent_at == clock.now()
        assert "已在退货寄达前发出换新商品" in page(client, case)

    def test_a_case_that_is_not_urgent_waits_for_the_inspection(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case("exchange"))
        assert 'data-testid="send-replacement"' not in page(client, case)
        before = unchanged(case)
        response = post(client, case, "send_replacement")
        assert response.status_code == 409 and "无法执行该操作" in response.content.decode()
        assert unchanged(case) == before

    def test_missing_item_is_reshipped_after_approval(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case("reship", "missing_item"))
        post(client, case, "send_replacement")
        case.refresh_from_db()
        assert case.status == "reshipping" and case.replacement_sent_at is not None
        assert "补发/换新商品已发出" in page(client, case)

    def test_a_refund_case_has_no_replacement(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = inspected(open_case())
        before = unchanged(case)
        response = post(client, case, "send_replacement")
        assert response.status_code == 409 and "处理方式为“退货退款”，不适用此操作" in response.content.decode()
        assert unchanged(case) == before

    def test_repair_after_the_inspection(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case("repair", "quality_serious", signed_days_ago=20)
        assert 'data-testid="start-repair"' not in page(client, case)
        before = unchanged(case)
        response = post(client, case, "start_repair")
        assert response.status_code == 409 and unchanged(case) == before
        case = inspected(case)
        post(client, case, "start_repair", note="寄往厂家维修")
        case.refresh_from_db()
        assert case.status == "repairing"
        assert "已送修" in page(client, case)


class TestEarlyReplacementRecovery:
    """An urgent customer got the replacement first [seed 001], then the return was refused: recover it."""

    @pytest.fixture
    def refused(self):
        case = cases.approve(open_case("exchange", urgent=True))
        cases.send_replacement(case)
        cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF7770000007")
        return inspected(received_case_by_number(case), outcome="rejected")

    def test_the_page_asks_to_settle_and_closing_waits(self, as_role, refused):  # noqa: F811
        client, _me = as_role()
        html = page(client, refused)
        assert 'data-testid="settle-recovery"' in html and "提前换新：待追回" in html
        assert "关闭前请先完成：追回提前发出的换新商品" in html
        before = unchanged(refused)
        response = client.post(url(refused), {"action": "close"})
        assert response.status_code == 409 and "追回提前发出的换新商品尚未完成" in response.content.decode()
        assert unchanged(refused) == before

    def test_a_write_off_needs_a_note(self, as_role, refused):  # noqa: F811
        client, _me = as_role()
        before = unchanged(refused)
        response = post(client, refused, "settle_recovery", outcome="waived", note="")
        assert response.status_code == 422 and "请说明由谁决定核销以及原因" in response.content.decode()
        assert unchanged(refused) == before and refused.replacement_recovery == "open"

    def test_paid_then_the_case_closes(self, as_role, refused):  # noqa: F811
        client, me = as_role()
        response = client.post(url(refused), {"action": "settle_recovery", "settle_recovery-outcome": "paid"},
                               follow=True)
        html = response.content.decode()
        assert "提前换新商品已处理：买家已付款" in html and 'data-testid="settle-recovery"' not in html
        assert "提前换新追回" in html  # the timeline names the change
        refused.refresh_from_db()
        assert refused.replacement_recovery == "paid"
        before = unchanged(refused)
        response = post(client, refused, "settle_recovery", outcome="returned")
        assert response.status_code == 409 and "没有需要追回的提前换新商品" in response.content.decode()
        assert unchanged(refused) == before
        client.post(url(refused), {"action": "close"})
        refused.refresh_from_db()
        assert refused.status == "closed"


class TestRefund:
    def test_owed_is_shown_then_the_refund_goes_on_the_ledger(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = inspected(open_case())
        html = page(client, case)
        owed = html.split('data-testid="owed"')[1].split("</dl>")[0]
        for text in ("商品款", "¥3,299.00", "订单运费", "¥10.00", "报销寄回运费", "¥12.00", "¥3,321.00"):
            assert text in owed, text
        response = client.post(url(case), {"action": "issue_refund"}, follow=True)
        html = response.content.decode()
        assert "已向支付方发起退款 ¥3,321.00。" in html
        ledger = html.split('data-testid="refund-ledger"')[1].split("</table>")[0]
        assert ledger.count("<tr data-refund=") == 3 and "待退款" in ledger and "原路退回" in ledger
        assert "实付 ¥3,309.00，还可退 ¥0.00" in html and 'data-testid="issue-refund"' not in html
        case.refresh_from_db()
        assert case.status == "refunding" and not refunds.owed(case)

    def test_a_refund_before_the_inspection_is_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = received_case(open_case())
        before = unchanged(case)
        response = client.post(url(case), {"action": "issue_refund"})
        assert response.status_code == 409 and "当前为“仓库已签收”" in response.content.decode()
        assert unchanged(case) == before

    def test_a_missing_item_is_refunded_straight_after_approval(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.approve(open_case("refund_only", "missing_item"))
        assert 'data-testid="issue-refund"' in page(client, case)
        client.post(url(case), {"action": "issue_refund"})
        assert sum(r.amount for r in Refund.objects.filter(case=case)) == Decimal("3309.00")

    def test_the_ledger_shows_the_whole_order(self, as_role):  # noqa: F811
        client, _me = as_role()
        order = signed_two_line_order()
        first = cases.approve(cases.open_case(order, "refund_only", "missing_item", [asked(order, index=0)],
                                              [photo()]))
        refunds.issue_refund(first)
        second = cases.open_case(order, "refund_only", "missing_item", [asked(order, index=1)], [photo()])
        html = page(client, second)
        assert f'href="/workbench/cases/{first.number}/"' in html and "¥100.00" in html


def signed_two_line_order():
    from tests.aftersales.builders import signed_order

    return signed_order(lines=(("100.00", 1), ("50.00", 1)))


class TestCompensation:
    def test_points_once_per_case(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        response = client.post(url(case), {"action": "grant_points", "grant_points-amount": "5.00",
                                           "grant_points-reason": "安抚"}, follow=True)
        assert "已发放 500 京豆（价值 ¥5.00）" in response.content.decode()
        row = Refund.objects.get(case=case)
        assert (row.kind, row.method, row.amount) == ("compensation", "points", Decimal("5.00"))
        html = page(client, case)
        assert 'data-testid="grant-points"' not in html and "500 京豆" in html

    @pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.234"])
    def test_bad_amounts_are_refused(self, as_role, amount):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        assert post(client, case, "grant_points", amount=amount).status_code == 422
        assert unchanged(case) == before

    def test_points_above_what_the_order_can_refund_are_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        response = post(client, case, "grant_points", amount="4000.00")
        assert response.status_code == 409 and "退款将超过订单实付金额：还可退 ¥3,309.00" in response.content.decode()
        assert unchanged(case) == before

    def test_a_coupon_once_per_case(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        response = client.post(url(case), {"action": "grant_coupon", "grant_coupon-face_value": "20",
                                           "grant_coupon-valid_days": "30"}, follow=True)
        coupon = CompensationCoupon.objects.get(case=case)
        html = response.content.decode()
        assert f"已赠送优惠券 {coupon.code}，面值 ¥20.00" in html and coupon.code in html
        assert coupon.expires_at == clock.now() + timedelta(days=30)
        response = client.post(url(case), {"action": "grant_coupon", "grant_coupon-face_value": "50",
                                           "grant_coupon-valid_days": "30"}, follow=True)
        assert "未重复发放" in response.content.decode() and CompensationCoupon.objects.filter(case=case).count() == 1

    @pytest.mark.parametrize(("value", "days"), [("0", "30"), ("20", "0"), ("20", "400"), ("", "30")])
    def test_bad_coupons_are_refused(self, as_role, value, days):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        assert post(client, case, "grant_coupon", face_value=value, valid_days=days).status_code == 422
        assert unchanged(case) == before


class TestClose:
    def test_a_declined_case_closes(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = cases.decline(open_case(), reason="不符合")
        response = client.post(url(case), {"action": "close", "close-note": "已电话告知"}, follow=True)
        assert "已关闭" in response.content.decode()
        case.refresh_from_db()
        assert case.status == "closed" and case.closed_at == clock.now()

    def test_closing_with_a_refund_owed_is_refused(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = inspected(open_case())
        html = page(client, case)
        assert "关闭前请先完成：退款" in html and 'data-testid="close" disabled' in html
        before = unchanged(case)
        response = client.post(url(case), {"action": "close"})
        assert response.status_code == 409 and "服务单暂不能关闭：退款尚未完成" in response.content.decode()
        assert unchanged(case) == before

    def test_a_requested_case_cannot_close(self, as_role):  # noqa: F811
        client, _me = as_role()
        case = open_case()
        before = unchanged(case)
        assert client.post(url(case), {"action": "close"}).status_code == 409
        assert unchanged(case) == before


def test_an_unknown_action_is_a_400(as_role):  # noqa: F811
    client, _me = as_role()
    case = open_case()
    before = unchanged(case)
    response = client.post(url(case), {"action": "delete"})
    assert response.status_code == 400 and "未知操作" in response.content.decode()
    assert unchanged(case) == before


def test_every_page_state_renders_without_error(as_role):  # noqa: F811
    """Walk one return through its whole life; the page renders at each step and offers the next step."""
    client, _me = as_role()
    case = open_case()
    steps = [("requested", "approve"), ("awaiting_return", None), ("in_transit", None), ("received", None),
             ("accepted", "issue-refund"), ("refunding", None)]
    for status, button in steps:
        case = AfterSalesCase.objects.get(pk=case.pk)
        assert case.status == status
        html = page(client, case)
        if button:
            assert f'data-testid="{button}"' in html
        if status == "requested":
            client.post(url(case), {"action": "approve"})
        elif status == "awaiting_return":
            cases.add_return_tracking(case, carrier=f.carrier(), tracking_number="SF0000000001")
        elif status == "in_transit":
            received_case_by_number(case)
        elif status == "received":
            inspected(case)
        elif status == "accepted":
            client.post(url(case), {"action": "issue_refund"})


def received_case_by_number(case):
    from kefu.aftersales.services import warehouse

    return warehouse.receive_return(case.number)
