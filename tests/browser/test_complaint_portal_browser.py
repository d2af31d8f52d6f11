"""A customer complains about an order in a real browser (Debian's chromium through Playwright) [seed 003].

From the order page she opens a new complaint, submits it and lands on its page with its number; My
complaints lists it at once with its status and the next promised step. Once an agent has agreed a solution
and resolved the ticket (through the services; the outbox then writes the notice), she reloads, reads the
outcome and the notice, follows the survey link and gives five stars. Screenshots:
var/screenshots/portal-complaints.png (the list) and portal-complaint-outcome.png (one complaint, resolved).
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from kefu.core import clock
from kefu.core.outbox import dispatch_pending
from kefu.tickets.models import FollowUpVisit, Notice, SurveyQuestion, Ticket, Visit
from kefu.tickets.services import flow
from tests import factories as f
from tests.browser.test_journeys import PASSWORD, SCREENSHOTS, browser_page  # noqa: F401
from tests.tickets.builders import MONDAY_10, agent, agreed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def restore_defaults() -> None:
    """The queues, SLA targets, survey questions and shifts the migrations add: a transactional test before this
    one may have flushed them. Both functions only add what is missing."""
    tickets = importlib.import_module("kefu.tickets.migrations.0002_defaults")
    shifts = importlib.import_module("kefu.contact.migrations.0003_default_shifts")
    tickets.add_defaults(apps, None)
    shifts.add_shifts(apps, None)


@pytest.fixture
def delivered(transactional_db, roles):
    """王芳's soy-milk maker, delivered two days ago; Monday 10:00, inside the early shift."""
    restore_defaults()
    clock.freeze(MONDAY_10)
    cust = f.customer(name="王芳", phone="13912345678")
    shop = f.seller(kind="third_party", name="九阳官方旗舰店")
    sku = f.sku("129.00", name="九阳豆浆机 DJ13B", seller_obj=shop)
    return f.order(cust, [(sku, 1)], status="delivered", placed_at=clock.now() - timedelta(days=4))


def test_a_complaint_from_the_order_page_to_the_survey(live_server, delivered, staff_user, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page, base, order = browser_page, live_server.url, delivered
    page.goto(f"{base}/login/?next=/orders/{order.number}/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/orders/{order.number}/")

    # From the order page: the form comes with the order chosen.
    page.get_by_test_id("complain-order").click()
    page.wait_for_url(f"{base}/complaints/new/?order={order.number}")
    expect(page.get_by_test_id("order")).to_have_value(order.number)
    expect(page.locator('input[name="kind"][value="complaint"]')).to_be_checked()
    page.get_by_test_id("subject").fill("豆浆机漏水")
    page.get_by_test_id("body").fill("用了两天底座就开始漏水，希望换一台新的。")
    page.get_by_test_id("submit").click()

    # Its page, with its number and the promised next step.
    page.wait_for_url(f"{base}/complaints/T*/")
    ticket = Ticket.objects.get()
    assert page.url == f"{base}/complaints/{ticket.number}/"
    assert ticket.customer == order.customer and ticket.order == order and ticket.channel == "web"
    expect(page.locator(".messages")).to_contain_text(ticket.number)
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.number)
    expect(page.get_by_test_id("ticket-next-step")).to_contain_text(ticket.next_step)
    expect(page.get_by_test_id("conversation")).to_contain_text("用了两天底座就开始漏水")

    # My complaints: there at once [seed 003].
    page.get_by_test_id("nav-complaints").click()
    page.wait_for_url(f"{base}/complaints/")
    row = page.locator(f'[data-ticket="{ticket.number}"]')
    expect(row.get_by_test_id("ticket-status")).to_have_attribute("data-status", "new")
    expect(row.get_by_test_id("ticket-subject")).to_have_text("豆浆机漏水")
    expect(row.get_by_test_id("ticket-next-step")).to_contain_text(ticket.next_step)
    page.screenshot(path=str(SCREENSHOTS / "portal-complaints.png"), full_page=True)

    # An agent agrees a solution and resolves it; the outbox tells the customer.
    who = agent(staff_user)
    agreed(ticket, who, solution="为您免费换一台新的豆浆机，今天发出")
    flow.resolve(ticket, by=who)
    dispatch_pending()
    notice = Notice.objects.get(customer=order.customer, ticket=ticket)

    page.goto(f"{base}/complaints/{ticket.number}/")
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "resolved")
    expect(page.get_by_test_id("outcome")).to_contain_text("为您免费换一台新的豆浆机，今天发出")
    expect(page.get_by_test_id("unread-notices")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOTS / "portal-complaint-outcome.png"), full_page=True)
    page.get_by_test_id("nav-notices").click()
    page.wait_for_url(f"{base}/notices/")
    card = page.locator(f'[data-notice="{notice.pk}"]')
    expect(card).to_have_attribute("data-new", "yes")
    expect(card.get_by_test_id("notice-title")).to_contain_text(ticket.number)
    expect(page.get_by_test_id("unread-notices")).to_have_count(0)
    card.get_by_test_id("notice-link").click()
    page.wait_for_url(f"{base}/complaints/{ticket.number}/")

    # The survey: five stars and the required question.
    page.get_by_test_id("survey-link").click()
    visit = FollowUpVisit.objects.get(ticket=ticket)
    page.wait_for_url(f"{base}/survey/{visit.token}/")
    page.locator('input[name="csat"][value="5"]').check()
    solved = SurveyQuestion.objects.get(active=True, required=True, kind="yes_no")
    page.locator(f'input[name="q-{solved.pk}"][value="yes"]').check()
    page.get_by_test_id("comment").fill("换得很快，谢谢")
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey")).to_have_attribute("data-state", "answered")
    expect(page.get_by_test_id("answer-csat")).to_have_attribute("data-score", "5")
    visit.refresh_from_db()
    assert visit.status == Visit.ANSWERED and visit.csat == 5 and visit.comment == "换得很快，谢谢"
    assert visit.care_task is None
