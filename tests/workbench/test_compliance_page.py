"""售后100分 compliance for supervisors: access, the default week, tables by day and by agent, totals, the clocks
running now (breached first), validated dates, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from kefu.aftersales.services import cases
from kefu.core import clock
from tests import factories as f
from tests.aftersales.builders import SH, frozen, media_root  # noqa: F401
from tests.portal.builders import login_customer
from tests.workbench.case_builders import (
    as_role,  # noqa: F401
    inspected,
    open_case,
    received_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "media_root")]

URL = "/workbench/compliance/"


def decided(at: datetime, minutes: float, by=None):
    """A case received at `at` and decided `minutes` later by `by`."""
    clock.freeze(at)
    case = received_case(open_case())
    clock.advance(timedelta(minutes=minutes))
    return inspected(case, by=by)


def table(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</table>")[0]


class TestAccess:
    def test_anonymous_goes_to_the_sign_in(self, client, roles):
        response = client.get(URL)
        assert response.status_code == 302 and response["Location"] == "/workbench/login/?next=/workbench/compliance/"

    def test_customer_is_forbidden(self, client, roles):
        login_customer(client, f.customer())
        assert client.get(URL).status_code == 403

    @pytest.mark.parametrize("role", ["presale_agent", "aftersale_agent", "warehouse", "operations"])
    def test_roles_without_the_report_are_forbidden(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        assert client.get(URL).status_code == 403
        assert client.get(URL, {"export": "csv"}).status_code == 403

    @pytest.mark.parametrize("role", ["supervisor", "care_team", "admin"])
    def test_supervisors_and_the_care_team_see_it(self, as_role, role):  # noqa: F811
        client, _user = as_role(role)
        assert client.get(URL).status_code == 200


@pytest.fixture
def week(as_role, staff_user):  # noqa: F811
    """Decisions over three days by two warehouse people and the system, then a few clocks left running."""
    client, _supervisor = as_role("supervisor")
    ann = staff_user("warehouse", "ann")
    ann.first_name = "安"
    ann.save()
    bob = staff_user("warehouse", "bob")
    decided(datetime(2026, 3, 4, 9, 0, tzinfo=SH), 30, ann)  # the first day of the default week
    decided(datetime(2026, 3, 4, 11, 0, tzinfo=SH), 120, ann)
    decided(datetime(2026, 3, 8, 22, 0, tzinfo=SH), 99.9, bob)  # decided 23:39 Shanghai: still the 8th
    decided(datetime(2026, 3, 9, 10, 0, tzinfo=SH), 101, bob)
    decided(datetime(2026, 3, 9, 15, 0, tzinfo=SH), 10, None)
    decided(datetime(2026, 3, 3, 12, 0, tzinfo=SH), 10, ann)  # the day before the default week
    clock.freeze(datetime(2026, 3, 10, 8, 0, tzinfo=SH))
    late = received_case(open_case())
    clock.advance(timedelta(minutes=30))
    soon = received_case(open_case())
    clock.advance(timedelta(minutes=60))
    fresh = received_case(open_case())
    clock.freeze(datetime(2026, 3, 10, 10, 0, tzinfo=SH))  # late: 120 min, soon: 90 min, fresh: 30 min
    cases.escalate(late, reason="超时")
    return client, {"late": late, "soon": soon, "fresh": fresh}


class TestReport:
    def test_the_default_is_the_last_seven_days(self, week):
        client, _running = week
        html = client.get(URL).content.decode()
        assert 'value="2026-03-04"' in html and 'value="2026-03-10"' in html
        by_day = table(html, "by-day")
        assert by_day.count("<tr data-day=") == 7
        assert 'data-day="2026-03-03"' not in by_day
        day4 = by_day.split('data-day="2026-03-04"')[1].split("</tr>")[0]
        assert [c for c in _cells(day4)] == ["2", "1", "50.0%"]
        day8 = by_day.split('data-day="2026-03-08"')[1].split("</tr>")[0]
        assert _cells(day8) == ["1", "1", "100.0%"]
        day9 = by_day.split('data-day="2026-03-09"')[1].split("</tr>")[0]
        assert _cells(day9) == ["2", "1", "50.0%"]
        day5 = by_day.split('data-day="2026-03-05"')[1].split("</tr>")[0]
        assert _cells(day5) == ["0", "0", "—"]
        assert 'data-testid="total-decided">5<' in html and 'data-testid="total-within">3<' in html
        assert 'data-testid="total-rate">60.0%<' in html

    def test_by_agent_weakest_first_with_names(self, week):
        client, _running = week
        by_agent = table(client.get(URL).content.decode(), "by-agent")
        names = [row.split("<td>")[1].split("</td>")[0] for row in by_agent.split("<tr>")[2:]]
        assert names == ["bob", "安 (ann)", "系统"]  # 50%, 50% (by name), 100%
        assert _cells(by_agent.split("<tr>")[2]) == ["2", "1", "50.0%"]

    def test_the_clocks_running_now_breached_first(self, week):
        client, running = week
        html = client.get(URL).content.decode()
        rows = table(html, "running")
        order = [rows.index(running[name].number) for name in ("late", "soon", "fresh")]
        assert order == sorted(order)
        late = rows.split(f'data-case="{running["late"].number}"')[1].split("</tr>")[0]
        assert "超时 20 分钟" in late and "已升级" in late
        assert "剩 10 分钟" in rows and "clock--risk" in rows and "剩 70 分钟" in rows
        assert f'href="/workbench/cases/{running["late"].number}/"' in rows
        assert "正在计时" in html

    def test_a_chosen_range(self, week):
        client, _running = week
        html = client.get(URL, {"start": "2026-03-03", "end": "2026-03-04"}).content.decode()
        by_day = table(html, "by-day")
        assert by_day.count("<tr data-day=") == 2
        assert 'data-testid="total-decided">3<' in html and 'data-testid="total-rate">66.7%<' in html

    def test_an_empty_period(self, as_role):  # noqa: F811
        client, _user = as_role("supervisor")
        html = client.get(URL).content.decode()
        assert "该时段内没有处理决定" in html and 'data-testid="total-rate">—<' in html
        assert "没有正在计时的服务单" in html

    def test_names_are_escaped(self, as_role, staff_user):  # noqa: F811
        client, _user = as_role("supervisor")
        evil = staff_user("warehouse", "evil")
        evil.first_name = "<script>alert(1)</script>"
        evil.save()
        decided(datetime(2026, 3, 9, 10, 0, tzinfo=SH), 10, evil)
        clock.freeze(datetime(2026, 3, 10, 10, 0, tzinfo=SH))
        html = client.get(URL).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; (evil)" in html


class TestDates:
    @pytest.mark.parametrize(("params", "message"), [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "开始日期不能晚于结束日期"),
        ({"start": "2025-01-01", "end": "2026-03-10"}, "最多可选 92 天"),
        ({"start": "2026-13-01"}, "开始日期"),
        ({"end": "yesterday"}, "结束日期"),
    ])
    def test_bad_ranges_are_refused_clearly(self, as_role, params, message):  # noqa: F811
        client, _user = as_role("supervisor")
        response = client.get(URL, params)
        html = response.content.decode()
        assert response.status_code == 400 and 'data-testid="range-error"' in html and message in html
        assert 'data-testid="by-day"' not in html
        assert client.get(URL, {**params, "export": "csv"}).status_code == 400

    def test_exactly_ninety_two_days_is_fine(self, as_role):  # noqa: F811
        client, _user = as_role("supervisor")
        response = client.get(URL, {"start": "2025-12-09", "end": "2026-03-10"})
        assert response.status_code == 200
        assert table(response.content.decode(), "by-day").count("<tr data-day=") == 92

    def test_one_date_alone_fills_the_other(self, as_role):  # noqa: F811
        client, _user = as_role("supervisor")
        html = client.get(URL, {"end": "2026-02-28"}).content.decode()
        assert 'value="2026-02-22"' in html and 'value="2026-02-28"' in html


def test_csv_export(week):
    client, _running = week
    response = client.get(URL, {"start": "2026-03-04", "end": "2026-03-09", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="hundred-minutes-20260304-20260309.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["统计表", "日期或人员", "已决定", "100 分钟内", "达标率（%）"]
    assert ["按日", "2026-03-04", "2", "1", "50.0"] in rows and ["按日", "2026-03-05", "0", "0", ""] in rows
    assert ["按人员", "安 (ann)", "2", "1", "50.0"] in rows and ["按人员", "系统", "1", "1", "100.0"] in rows
    assert rows[-1] == ["合计", "2026-03-04 – 2026-03-09", "5", "3", "60.0"]


def test_csv_cells_cannot_run_as_formulas(as_role, staff_user):  # noqa: F811
    client, _user = as_role("supervisor")
    sneaky = staff_user("warehouse", "sneaky")
    sneaky.first_name = "=HYPERLINK(\"http://x\")"
    sneaky.save()
    decided(datetime(2026, 3, 9, 10, 0, tzinfo=SH), 10, sneaky)
    clock.freeze(datetime(2026, 3, 10, 10, 0, tzinfo=SH))
    text = client.get(URL, {"export": "csv"}).content.decode("utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def _cells(row: str) -> list[str]:
    """The numeric cells of one table row."""
    import re

    return re.findall(r'<td class="num">([^<]*)</td>', row)
