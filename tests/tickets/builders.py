"""Scenes for the ticket tests: customers, agents with profiles on today's roster, tickets opened and taken
through the real services, and a fixed clock inside the early shift."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.contact.models import AgentProfile, RosterEntry, Shift
from kefu.core import clock
from kefu.tickets.services import conversation, flow
from kefu.tickets.services.intake import open_ticket
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, 10:00 in Shanghai: inside the early shift (08:30–16:30).
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def agent(staff_user, role="aftersale_agent", username=None, *, skills=("aftersale", "complaints"),
          senior=False, capacity=8, shift="early", on=None):
    """A staff user with an agent profile, rostered on `shift` of the date `on` (default today)."""
    user = staff_user(role, username)
    AgentProfile.objects.create(user=user, skills=list(skills), senior=senior, ticket_capacity=capacity)
    if shift:
        day = on or clock.localnow().date()
        RosterEntry.objects.create(user=user, date=day, shift=Shift.objects.get(code=shift))
    return user


def complaint(customer=None, *, subject="快递三天没动", body="我的订单一直没有发货，客服电话也打不通", **kwargs):
    customer = customer or f.customer()
    return open_ticket(channel=kwargs.pop("channel", "web"), subject=subject, body=body, customer=customer,
                       by=customer.user, **kwargs)


def agreed(ticket, agent_user, *, solution="今天为您加急补发，并补偿10元优惠券"):
    """Take a ticket through the handling steps up to an accepted solution."""
    conversation.agent_replies(ticket, "您好，非常抱歉给您带来不便，我们马上为您核实。", by=agent_user)
    flow.analyse(ticket, cause="delivery", analysis="仓库漏发", by=agent_user)
    flow.acknowledge(ticket, position="顾客等了三天，希望尽快收到", by=agent_user)
    flow.propose(ticket, solution=solution, by=agent_user)
    flow.record_answer(ticket, accepted=True, by=agent_user)
    ticket.refresh_from_db()
    return ticket


def diamond_customer(name="钱多多"):
    """A diamond member (spend ≥ 30,000 a year [seed 002])."""
    from kefu.commerce.models import Customer

    customer = f.customer(name=name)
    Customer.objects.filter(pk=customer.pk).update(tier="diamond")
    customer.refresh_from_db()
    return customer
