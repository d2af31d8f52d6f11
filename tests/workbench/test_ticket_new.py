"""Recording a phone call (or chat, review, on-behalf ticket) as a ticket from the workbench."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.tickets.models import Ticket
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/workbench/tickets/new/"


@pytest.fixture
def agent_client(client, staff_user):
    user = staff_user("aftersale_agent", "dingkang")
    client.force_login(user)
    return client, user


def values(**changes):
    data = {"channel": "phone", "phone": "139 0000 0002", "order": "", "kind": "complaint", "skill": "logistics",
            "severity": "high", "subject": "来电：快递三天没动", "body": "顾客来电说快递三天没有物流信息，很着急。",
            "source_ref": "CALL-20261123-0042"}
    return {**data, **changes}


def test_a_phone_call_becomes_a_ticket_of_that_customer(agent_client, monday):
    client, user = agent_client
    customer = f.customer(phone="13900000002")
    order = f.order(customer, [(f.sku("99.00"), 1)], status="paid")
    assert client.get(URL + "?phone=13900000002").status_code == 200
    response = client.post(URL, values(order=order.number))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workbench:ticket_detail",
                                                                           args=[ticket.number])
    assert (ticket.channel, ticket.customer, ticket.order, ticket.queue.code) == ("phone", customer, order,
                                                                                  "logistics")
    assert ticket.source_ref == "CALL-20261123-0042" and ticket.priority == 2
    message = ticket.messages.get()
    assert message.author == user and message.author_kind == "agent"


@pytest.mark.parametrize("bad", [{"phone": "12345"}, {"phone": "13800000000"}, {"subject": ""}, {"body": ""},
                                 {"channel": "email"}, {"severity": "apocalyptic"}, {"order": "KF-NOT-THERE"}])
def test_bad_input_is_refused_and_writes_nothing(agent_client, monday, bad):
    client, _user = agent_client
    f.customer(phone="13900000002")
    response = client.post(URL, values(**bad))
    assert response.status_code == 422 and not Ticket.objects.exists()


def test_another_customers_order_is_refused(agent_client, monday):
    client, _user = agent_client
    f.customer(phone="13900000002")
    other = f.order(f.customer(name="李娜", phone="13900000003"), [(f.sku("99.00"), 1)], status="paid")
    assert client.post(URL, values(order=other.number)).status_code == 422
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", ["warehouse", "customer", "operations"])
def test_only_agents_record_tickets(client, staff_user, role):
    client.force_login(staff_user(role, f"x-{role}"))
    assert client.get(URL).status_code == 403
