"""A supervisor plans next week in a real browser (Debian's chromium through Playwright): she opens the workforce
plan, marks Wednesday as a promotion, asks for hourly shift starts and one simulation run, and plans; htmx shows
"planning…" while the server plans, then the days' table, the headline comparison and the day's chart appear;
another day's chart comes in without reloading the page.

Screenshot: var/screenshots/workbench-wfm.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kefu.core import clock
from tests.browser.test_workbench_cases_browser import SCREENSHOTS, browser, new_page, sign_in  # noqa: F401
from tests.tickets.builders import MONDAY_10
from tests.wfm.test_history import small_line

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def four_weeks_of_calls(transactional_db, roles):
    clock.freeze(MONDAY_10)
    small_line(MONDAY_10.date() - timedelta(weeks=4), 28)
    yield
    clock.reset()


def test_a_supervisor_plans_the_week(live_server, four_weeks_of_calls, staff_user, browser):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    staff_user("supervisor", "boss")
    page = new_page(browser)
    sign_in(page, base, "boss")
    page.wait_for_url(f"{base}/workbench/")
    page.goto(f"{base}/workbench/wfm/")
    expect(page.get_by_test_id("result")).to_have_count(0)

    # A mistake first: the form comes back with the error on its field (a 400 that htmx is told to show).
    page.locator('input[name="aht"]').fill("0")
    page.get_by_test_id("plan").click()
    expect(page.locator("#id_aht_error")).to_be_visible()
    expect(page.get_by_test_id("result")).to_have_count(0)

    form = page.get_by_test_id("wfm-form")
    form.locator('input[name="aht"]').fill("210")
    form.locator('[data-testid="promotion-days"] input[value="2"]').check()
    form.locator('input[name="shifts"][value="optimised"]').check()
    form.locator('select[name="shift_step"]').select_option("60")
    form.locator("summary").click()
    form.locator('input[name="replications"]').fill("1")
    page.get_by_test_id("plan").click()
    expect(page.locator("#wfm-busy")).to_have_class(re.compile("htmx-request"))  # "planning…" while it plans

    days = page.get_by_test_id("day-row")
    expect(days).to_have_count(7, timeout=60_000)
    assert "run=1" in page.url  # the plan is a link
    expect(page.get_by_test_id("meets")).to_be_visible()
    expect(page.get_by_test_id("headline").locator("svg")).to_be_visible()
    wednesday = page.locator('[data-testid="day-row"][data-day="2026-12-02"]')
    expect(wednesday.locator(".badge--warn")).to_be_visible()  # the promotion
    expect(page.get_by_test_id("day-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("shift").first).to_be_visible()

    # Another day's chart, swapped in by htmx (the form above keeps what she typed).
    page.get_by_test_id("day-tabs").locator('[data-day="5"]').click()
    expect(page.locator('.tabs__tab.is-active[data-day="5"]')).to_be_visible()
    assert "day=5" in page.url
    expect(form.locator('input[name="replications"]')).to_have_value("1")
    page.screenshot(path=str(SCREENSHOTS / "workbench-wfm.png"), full_page=True)
