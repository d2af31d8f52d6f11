"""The back office: calls and events are read-only lists with filters; agent lines link recorded calls."""

import pytest
from django.contrib.auth import get_user_model

from kefu.calls import services
from kefu.calls.models import AgentLine, Call
from tests.calls import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, after_sample, roles):
    user = get_user_model().objects.create_superuser("root", password="kefu-pass-123")
    client.force_login(user)
    services.import_queue_log(sample.text().splitlines())
    return client


def test_the_call_list_filters_by_outcome_and_queue(admin_client):
    response = admin_client.get("/admin/calls/call/", {"outcome": "abandoned"})
    assert response.status_code == 200
    assert sample.call_id("C") in response.text and sample.call_id("A") not in response.text
    response = admin_client.get("/admin/calls/call/", {"queue": "presale"})
    assert sample.call_id("B") in response.text and sample.call_id("C") not in response.text
    assert admin_client.get("/admin/calls/telephonyevent/", {"kind": "missed"}).status_code == 200


def test_calls_cannot_be_added_changed_or_deleted_by_hand(admin_client):
    c = Call.objects.get(call_id=sample.call_id("A"))
    assert admin_client.get("/admin/calls/call/add/").status_code == 403
    page = admin_client.get(f"/admin/calls/call/{c.pk}/change/")
    assert page.status_code == 200 and 'name="outcome"' not in page.text
    assert admin_client.post(f"/admin/calls/call/{c.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Call.objects.filter(pk=c.pk).exists()


def test_adding_an_agent_line_links_the_calls_already_recorded(admin_client, staff_user):
    liwei = staff_user("aftersale_agent", "liwei")
    response = admin_client.post("/admin/calls/agentline/add/", {"label": "Agent/1001", "user": liwei.pk})
    assert response.status_code == 302, response.text
    assert AgentLine.objects.get().user == liwei
    assert Call.objects.get(call_id=sample.call_id("H")).agent == liwei
