"""A supervisor watches the wallboard in a real browser (Debian's chromium through Playwright): the morning of
tests/contact/test_wallboard.py at 11:00 — the tiles, the charts, the queues and the agents; then a customer
starts a chat and another call comes in, and the page shows them within one poll, without reloading; a past day
shows its final figures and does not poll.

Screenshot: var/screenshots/workbench-wallboard.png.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.calls import telephony as t
from kefu.chat import chat_states as st
from kefu.core import clock
from tests import factories as f
from tests.browser.test_workbench_cases_browser import SCREENSHOTS, browser, new_page, sign_in  # noqa: F401
from tests.contact.test_wallboard import at, call_events, chat, morning, record_calls

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def scene(transactional_db, roles, staff_user):
    yield morning(staff_user)
    clock.reset()


def test_a_supervisor_watches_the_wallboard(live_server, scene, staff_user, browser):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    staff_user("supervisor", "boss")
    page = new_page(browser)
    sign_in(page, base, "boss")
    page.wait_for_url(f"{base}/workbench/")
    page.goto(f"{base}/workbench/wallboard/")

    answer_rate = page.locator('[data-figure="answer_rate"]')
    expect(answer_rate).to_have_attribute("data-value", "0.5455")  # 6 of 11
    expect(answer_rate).to_have_attribute("data-tone", "late")  # far below 96 %
    expect(page.get_by_test_id("contacts-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("rates-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("states-chart").locator("svg")).to_be_visible()
    aftersale = page.locator('[data-testid="queue"][data-queue="aftersale"]')
    expect(aftersale.locator('[data-cell="chats-waiting"]')).to_have_text("1")
    expect(page.get_by_test_id("agent")).to_have_count(4)
    page.screenshot(path=str(SCREENSHOTS / "workbench-wallboard.png"), full_page=True)

    # A new chat waits and a call is answered: the next poll shows them, and the page was not reloaded.
    page.evaluate("window.__notReloaded = true")
    clock.advance(timedelta(seconds=2))
    chat(f.customer(name="新客户", phone="13900000099"), "aftersale", at(11, 0, 1), status=st.WAITING)
    record_calls(call_events("c7", "presale", at(11, 0, 1), outcome=t.ANSWERED, wait=1, agent="SIP/8002", talk=0))
    expect(aftersale.locator('[data-cell="chats-waiting"]')).to_have_text("2", timeout=15_000)
    expect(page.locator('[data-figure="offered"]')).to_have_attribute("data-value", "12")
    assert page.evaluate("window.__notReloaded") is True

    # Yesterday: the final figures, no polling.
    page.get_by_test_id("previous-day").click()
    page.wait_for_url("**/wallboard/?day=2026-11-22")
    expect(page.get_by_test_id("final-badge")).to_be_visible()
    expect(page.get_by_test_id("queues")).to_have_count(0)
    assert page.get_by_test_id("live").get_attribute("hx-trigger") is None
