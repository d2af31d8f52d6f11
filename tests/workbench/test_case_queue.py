"""The after-sales queue: who may open it, what a row shows (the policy's advice beside each case), the tabs,
the ordering, the search box, a constant number of queries, and escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kefu.aftersales.services import cases
from kefu.core import clock
from kefu.workbench import queries
from tests import factories as f
from tests.aftersales.builders import asked, frozen, media_root, photo  # noqa: F401
from tests.portal.builders import login_customer
from tests.workbench.case_builders import (
    as_role,  # noqa: F401
    in_transit,
    inspected,
    masked_case_worker,
    open_case,
    order_for,
    received_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]

URL = "/workbench/cases/"


def rows(html: str) -> list[str]:
    """The case numbers of the queue's rows, top to bottom."""
    return re.findall(r'<tr data-case="([^"]+)"', html)


class TestAccess:
    def test_anonymous_goes_to_the_workbench_sign_in(self, client, roles):
        response = client.get(URL)
        assert response.status_code == 302 and response["Location"] == "/workbench/login/?next=/workbench/cases/"

    def test_customer_is_forbidden(self, client, roles):
        cust = f.customer()
        login_customer(client, cust)
        assert client.get(URL).status_code == 403

    @pytest.mark.parametrize("role", ["presale_agent", "warehouse", "operations"])
    def test_roles_that_do_not_work_cases_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        response = client.get(URL)
        assert response.status_code == 403 and "无权访问" in response.content.decode()

    @pytest.mark.parametrize("role", ["aftersale_agent", "supervisor", "care_team", "admin"])
    def test_case_workers_may_enter(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        assert client.get(URL).status_code == 200


class TestRow:
    def test_a_row_shows_the_case_and_the_policys_advice(self, as_role):  # noqa: F811
        client, _agent = as_role()
        order = order_for(name="王芳", phone="13912345678")
        case = open_case(order=order)
        html = client.get(URL).content.decode()
        row = html[html.index(f'data-case="{case.number}"'):]
        row = row[: row.index("</tr>")]
        for text in (case.number, order.number, "王芳", "13912345678", "退货退款", "错发", "已申请", "0 分钟",
                     "¥3,321.00", "寄回运费：商家", "发错商品由卖家负责", "未分配"):
            assert text in row, text
        assert f'href="/workbench/cases/{case.number}/"' in row and f'href="/workbench/orders/{order.number}/"' in row

    def test_phone_is_masked_for_a_worker_without_the_phone_permission(self, client, roles):
        case = open_case(order=order_for(phone="13912345678"))
        client.force_login(masked_case_worker())
        html = client.get(URL).content.decode()
        assert case.number in html and "139****5678" in html and "13912345678" not in html

    def test_flags_agent_and_clock(self, as_role, staff_user):  # noqa: F811
        client, agent = as_role()
        agent.first_name = "刘洋"
        agent.save()
        case = received_case(open_case(urgent=True, kind="exchange"))
        cases.assign(case, agent)
        cases.escalate(case, reason="客户投诉")
        clock.advance(timedelta(minutes=30))
        row = client.get(URL).content.decode().split(f'data-case="{case.number}"')[1].split("</tr>")[0]
        for text in ("已升级", "加急", "刘洋", "剩 70 分钟", "换货"):
            assert text in row, text
        clock.advance(timedelta(minutes=75))
        row = client.get(URL).content.decode().split(f'data-case="{case.number}"')[1].split("</tr>")[0]
        assert "超时 5 分钟" in row and "clock--breached" in row

    def test_decided_cases_show_a_stopped_clock(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = inspected(open_case())
        row = client.get(URL).content.decode().split(f'data-case="{case.number}"')[1].split("</tr>")[0]
        assert "已停止" in row and "质检通过" in row


@pytest.fixture
def board(as_role, staff_user):  # noqa: F811
    """One case in each situation the tabs tell apart. Opened one minute apart, oldest first."""
    client, me = as_role()
    other = staff_user("aftersale_agent", "other-agent")
    made = {}

    def opened(name, case):
        made[name] = case
        clock.advance(timedelta(minutes=1))
        return case

    opened("requested", open_case())
    mine = opened("mine", open_case())
    cases.assign(mine, me)
    theirs = opened("theirs", open_case())
    cases.assign(theirs, other)
    opened("on_the_way", in_transit(open_case()))
    opened("breached", received_case(open_case()))
    clock.advance(timedelta(minutes=20))
    opened("at_risk", received_case(open_case()))
    clock.advance(timedelta(minutes=15))
    opened("fresh_receipt", received_case(open_case()))
    escalated = opened("escalated", open_case())
    cases.escalate(escalated, reason="投诉")
    opened("decided", inspected(open_case()))
    declined = opened("closed", open_case())
    cases.close(cases.decline(declined, reason="超过售后期"))
    cancelled = opened("cancelled", open_case())
    cases.cancel_by_customer(cancelled)
    clock.advance(timedelta(minutes=63))  # since receipt: breached 105 min, at_risk 84, fresh_receipt 68
    return client, me, made


class TestTabs:
    @pytest.mark.parametrize(("view", "expected"), [
        ("open", ["escalated", "breached", "at_risk", "fresh_receipt", "requested", "mine", "theirs",
                  "on_the_way", "decided"]),
        ("unassigned", ["escalated", "breached", "at_risk", "fresh_receipt", "requested", "on_the_way", "decided"]),
        ("mine", ["mine"]),
        ("warehouse", ["breached", "at_risk", "fresh_receipt"]),
        ("at_risk", ["breached", "at_risk"]),
        ("escalated", ["escalated"]),
        ("decided", ["decided"]),
        ("closed", ["closed"]),
    ])
    def test_each_tab_lists_its_cases_most_pressing_first(self, board, view, expected):
        client, _me, made = board
        html = client.get(URL, {"view": view}).content.decode()
        assert rows(html) == [made[name].number for name in expected]
        assert f'data-view="{view}" aria-current="page"' in html

    def test_all_lists_everything_newest_first(self, board):
        client, _me, made = board
        listed = rows(client.get(URL, {"view": "all"}).content.decode())
        assert listed == [c.number for c in sorted(made.values(), key=lambda c: c.created_at, reverse=True)]

    def test_an_unknown_tab_is_the_open_tab(self, board):
        client, _me, _made = board
        assert rows(client.get(URL, {"view": "nope"}).content.decode()) == rows(client.get(URL).content.decode())

    def test_the_working_tabs_show_their_counts(self, board):
        client, _me, _made = board
        html = client.get(URL).content.decode()
        counts = dict(re.findall(r'data-view="(\w+)"[^>]*>\s*[^<]+<span class="tabs__count">(\d+)</span>', html))
        assert counts == {"open": "9", "unassigned": "7", "mine": "1", "warehouse": "3", "at_risk": "2",
                          "escalated": "1"}
        assert "tabs__tab--alarm" in html

    def test_ordering_puts_escalated_first_then_the_nearest_deadline_then_the_oldest(self, board):
        client, me, made = board
        cases.escalate(made["requested"], reason="加急")  # escalated later than "escalated", but opened earlier
        listed = rows(client.get(URL, {"view": "open"}).content.decode())
        assert listed[:3] == [made["requested"].number, made["escalated"].number, made["breached"].number]


class TestSearch:
    def test_by_case_order_tracking_or_phone(self, as_role):  # noqa: F811
        client, _agent = as_role()
        order = order_for(phone="13912345678")
        target = in_transit(open_case(order=order), tracking="SF1234567890")
        other = open_case(order=order_for(phone="13800000000"))
        for q in (target.number, target.number.lower(), order.number, "SF1234567890", "sf1234567890",
                  "139 1234 5678", "+86 139-1234-5678"):
            assert rows(client.get(URL, {"q": q}).content.decode()) == [target.number], q
        assert rows(client.get(URL, {"q": other.number}).content.decode()) == [other.number]

    def test_search_stays_in_the_tab_and_offers_all(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = open_case()
        cases.close(cases.decline(case, reason="不符合"))
        html = client.get(URL, {"q": case.number, "view": "open"}).content.decode()
        assert rows(html) == [] and f"没有找到与“{case.number}”匹配的服务单" in html
        assert 'href="?q=' in html and "view=all" in html
        assert rows(client.get(URL, {"q": case.number, "view": "all"}).content.decode()) == [case.number]

    def test_a_search_too_long_is_refused_with_a_hint(self, as_role):  # noqa: F811
        client, _agent = as_role()
        case = open_case()
        response = client.get(URL, {"q": "x" * 65})
        assert response.status_code == 200 and case.number in rows(response.content.decode())
        assert "搜索内容过长，最多输入 64 个字符。" in response.content.decode()


class TestPaging:
    def test_pages_and_a_capped_count(self, as_role, monkeypatch):  # noqa: F811
        client, _agent = as_role()
        made = [open_case() for _ in range(5)]
        monkeypatch.setattr("kefu.workbench.views_cases.CASES_PER_PAGE", 2)
        monkeypatch.setattr(queries, "COUNT_CAP", 3)
        first = client.get(URL).content.decode()
        assert rows(first) == [made[0].number, made[1].number]  # oldest first
        assert "第 1 / 2 页" in first and "超过 3 个服务单" in first
        second = client.get(URL, {"page": 2}).content.decode()
        assert rows(second) == [made[2].number]  # only the first COUNT_CAP cases can be paged through
        assert rows(client.get(URL, {"page": "x"}).content.decode()) == rows(first)

    def test_under_the_cap_nothing_is_said(self, as_role):  # noqa: F811
        client, _agent = as_role()
        open_case()
        html = client.get(URL).content.decode()
        assert "超过" not in html and "第 1 /" not in html


def test_the_number_of_queries_does_not_grow_with_the_page(as_role, django_assert_max_num_queries):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, agent = as_role()
    # One case under every tab first (an empty page skips its row query: that would undercount the baseline).
    first = received_case(open_case())
    cases.assign(first, agent)
    cases.escalate(first, reason="投诉")
    inspected(open_case())
    cases.close(cases.decline(open_case(), reason="不符合"))
    clock.advance(timedelta(minutes=90))

    def count(view):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"view": view})
        assert response.status_code == 200 and rows(response.content.decode()), view
        return len(ctx)

    few = {view: count(view) for view in queries.QUEUE_VIEWS}
    for i in range(12):
        case = open_case(kind="exchange", urgent=bool(i % 2))
        if i % 3 == 0:
            case = received_case(case)
        if i % 4 == 0:
            cases.escalate(case, reason="投诉")
        if i % 5 == 0:
            inspected(case)
        cases.assign(case, agent)
    clock.advance(timedelta(minutes=85))
    for view in queries.QUEUE_VIEWS:
        with django_assert_max_num_queries(few[view]):
            response = client.get(URL, {"view": view, "q": ""})
        assert response.status_code == 200
    assert len(rows(client.get(URL, {"view": "all"}).content.decode())) == 15
    # session, user, 2 × permissions, 2 × the page header; the queue's own: count, tab counts, page ids, rows
    assert max(few.values()) <= 10, few


def test_customer_text_is_escaped(as_role):  # noqa: F811
    client, _agent = as_role()
    evil = "<script>alert(1)</script>"
    case = open_case(order=order_for(name=evil))
    html = client.get(URL).content.decode()
    assert case.number in html and evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_english(as_role):  # noqa: F811
    client, _agent = as_role()
    open_case()
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert "After-sales cases" in html and "Policy advice" in html and "Return postage: Seller" in html
    assert "售后服务单" not in html
