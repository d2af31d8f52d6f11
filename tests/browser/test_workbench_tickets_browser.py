"""An agent works a complaint in a real browser (Debian's chromium through Playwright): she opens the ticket
queue and the ticket, types a reply with a flat "不可能" and sees the reply coach flag it while she types (htmx),
rewrites it and sends it, walks the handling steps to an accepted solution and resolves the ticket.

Screenshots, next to the other browser tests': var/screenshots/workbench-tickets.png (the queue) and
workbench-ticket.png (the coach's flag beside the draft).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from kefu.core import clock
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Ticket
from tests import factories as f
from tests.browser.test_workbench_cases_browser import SCREENSHOTS, browser, new_page, sign_in  # noqa: F401
from tests.tickets.builders import MONDAY_10, agent, complaint

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def waiting_complaint(transactional_db, roles):
    """A complaint about a late parcel, unassigned, on Monday 10:00 (inside the early shift). The queues, SLA
    targets, coach phrases and shifts come from data migrations that an earlier transactional test may have
    flushed: they are put back first (both functions only add what is missing)."""
    importlib.import_module("kefu.tickets.migrations.0002_defaults").add_defaults(apps, None)
    importlib.import_module("kefu.contact.migrations.0003_default_shifts").add_shifts(apps, None)
    clock.freeze(MONDAY_10)
    buyer = f.customer(name="王芳", phone="13912345678")
    order = f.order(buyer, [(f.sku("129.00", name="九阳豆浆机 DJ13B"), 1)], status="shipped")
    yield complaint(buyer, order=order, subject="快递三天没动", body="我的豆浆机三天了还没到，物流一直不更新")
    clock.reset()


def test_an_agent_answers_with_the_coach_and_resolves(live_server, waiting_complaint, staff_user, browser):  # noqa: F811
    from playwright.sync_api import expect

    base, ticket = live_server.url, waiting_complaint
    me = agent(staff_user, "aftersale_agent", "liu.yang")
    me.first_name = "刘洋"
    me.save()

    page = new_page(browser)
    sign_in(page, base, "liu.yang")
    page.wait_for_url(f"{base}/workbench/")

    # The queue: nothing is hers yet, so it opens on the unassigned tickets.
    page.get_by_test_id("nav-tickets").click()
    page.wait_for_url(f"{base}/workbench/tickets/")
    row = page.locator(f'tr[data-ticket="{ticket.number}"]')
    expect(row).to_contain_text("快递三天没动")
    expect(row).to_contain_text("王芳")
    expect(row.locator("[data-sla]")).to_have_attribute("data-sla", "ok")
    page.screenshot(path=str(SCREENSHOTS / "workbench-tickets.png"), full_page=True)
    row.get_by_role("link", name=ticket.number).click()
    page.wait_for_url(f"{base}/workbench/tickets/{ticket.number}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("物流一直不更新")

    # The reply coach reads the draft as she types.
    box = page.get_by_test_id("reply-body")
    box.click()
    box.press_sequentially("这不可能，我们的仓库从不延误", delay=20)
    flag = page.locator('[data-testid="coach-flag"][data-phrase="不可能"]')
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("马上帮您核实")
    page.screenshot(path=str(SCREENSHOTS / "workbench-ticket.png"), full_page=True)

    # She rewrites it: the flag goes away, and the reply is sent.
    box.fill("")
    box.press_sequentially("这个情况确实少见，我马上帮您核实一下物流。", delay=20)
    expect(page.get_by_test_id("coach-clear")).to_be_visible()
    expect(flag).to_have_count(0)
    page.get_by_test_id("send-reply").click()
    page.wait_for_url(f"{base}/workbench/tickets/{ticket.number}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("我马上帮您核实一下物流")
    expect(page.get_by_test_id("confirm-coach")).to_have_count(0)

    # The handling steps, one form after the other.
    step = page.get_by_test_id("flow-analyse")
    step.locator('select[name="analyse-cause"]').select_option("delivery")
    step.locator('textarea[name="analyse-analysis"]').fill("快递在中转站滞留")
    step.get_by_role("button").click()
    step = page.get_by_test_id("flow-acknowledge")
    step.locator('textarea[name="acknowledge-position"]').fill("顾客等了三天，希望尽快收到")
    step.get_by_role("button").click()
    step = page.get_by_test_id("flow-propose")
    step.locator('textarea[name="propose-solution"]').fill("今天为您加急补发，并补偿10元优惠券")
    step.locator('input[name="propose-next_step"]').fill("今天18点前补发")
    expect(page.get_by_test_id("resolve")).to_be_disabled()
    step.get_by_role("button").click()
    expect(page.get_by_test_id("next-step")).to_have_text("今天18点前补发")
    step = page.get_by_test_id("flow-answer")
    step.locator('input[name="answer-accepted"][value="yes"]').check()
    step.get_by_role("button").click()
    expect(page.locator('[data-step="accepted"]')).to_have_attribute("data-state", "done")

    # Resolve: the ticket shows resolved.
    expect(page.get_by_test_id("resolve")).to_be_enabled()
    page.get_by_test_id("resolve").click()
    page.wait_for_url(f"{base}/workbench/tickets/{ticket.number}/")
    expect(page.locator(f'section[data-ticket="{ticket.number}"]')).to_have_attribute("data-status", "resolved")
    expect(page.get_by_test_id("reopen-form")).to_be_visible()

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.flow, ticket.cause) == (st.RESOLVED, st.ACCEPTED, "delivery")
    sent = ticket.messages.filter(author=me, internal=False).get()
    assert sent.body == "这个情况确实少见，我马上帮您核实一下物流。" and sent.coach_flags == []
