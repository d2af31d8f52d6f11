"""The calls API, called as a telephony bridge would: JSON (or queue_log text) over HTTP with a bearer token."""

import json

import pytest
from django.test import Client

from kefu.calls.models import Call
from kefu.commerce.services.integrations import create_integration
from tests.aftersales.api_support import bearer, locs, logged_in
from tests.calls import sample
from tests.calls.conftest import written

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/calls/events"
QUEUE_LOG = "/api/v1/calls/queue-log"


@pytest.fixture
def token(after_sample):
    return create_integration("pbx")[1]


def post(body, token=None, **kw):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = bearer(token) if token else {}
    return Client().post(kw.pop("url", EVENTS), data, content_type=kw.pop("content_type", "application/json"),
                         **headers)


def offer(call_id="c1", **changes):
    return {"call_id": call_id, "kind": "offered", "at": "2026-11-23T08:31:00+08:00", "queue": "aftersale",
            "caller": "13812345678", **changes}


# --- who may call -------------------------------------------------------------------------------------------

def test_no_token_is_401_and_writes_nothing(after_sample):
    before = written()
    assert post(offer()).status_code == 401
    assert post(offer(), token="kefu_wrong").status_code == 401
    assert post(sample.text(), url=QUEUE_LOG, content_type="text/plain").status_code == 401
    assert written() == before


def test_a_signed_in_customer_or_agent_cannot_report_calls(after_sample, people):
    for user in (people["customers"]["13812345678"].user, people["zhangwei"]):
        client, _csrf = logged_in(user)
        response = client.post(EVENTS, json.dumps(offer()), content_type="application/json")
        assert response.status_code == 401
    assert Call.objects.count() == 0


def test_a_disabled_integration_is_refused(token):
    from kefu.commerce.models import Integration

    Integration.objects.update(is_active=False)
    assert post(offer(), token).status_code == 401


# --- events -------------------------------------------------------------------------------------------------

def test_one_event_then_a_batch_then_the_same_batch_again(token):
    response = post(offer(), token)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "recorded": 1, "duplicates": 0, "calls_changed": 1, "calls": ["c1"]}
    batch = [offer(), {"call_id": "c1", "kind": "answered", "at": "2026-11-23T08:31:12+08:00", "agent": "SIP/8001",
                       "wait_seconds": 12},
             {"call_id": "c1", "kind": "ended", "at": "2026-11-23T08:34:12+08:00", "agent": "SIP/8001",
              "talk_seconds": 180, "wrapup_seconds": 25}]
    assert post(batch, token).json() == {"received": 3, "recorded": 2, "duplicates": 1, "calls_changed": 1,
                                         "calls": ["c1"]}
    assert post(batch, token).json() == {"received": 3, "recorded": 0, "duplicates": 3, "calls_changed": 0,
                                         "calls": []}
    c = Call.objects.get()
    assert (c.outcome, c.wait_seconds, c.talk_seconds, c.wrapup_seconds, c.source) == (
        "answered", 12, 180, 25, "integration:pbx")


def test_an_event_id_makes_the_replay_a_no_op_even_if_it_changed(token):
    post(offer(event_id="e-1"), token)
    again = post(offer(event_id="e-1", queue="presale"), token).json()
    assert (again["recorded"], again["duplicates"]) == (0, 1)
    assert Call.objects.get().queue == "aftersale"


def test_events_out_of_order_over_several_requests(token):
    post({"call_id": "c9", "kind": "ended", "at": "2026-11-23T09:05:00+08:00", "agent": "8002", "talk_seconds": 200},
         token)
    post({"call_id": "c9", "kind": "answered", "at": "2026-11-23T09:01:40+08:00", "agent": "8002"}, token)
    post(offer("c9", at="2026-11-23T09:01:00+08:00"), token)
    c = Call.objects.get(call_id="c9")
    assert (c.outcome, c.wait_seconds, c.talk_seconds, c.queue) == ("answered", 40, 200, "aftersale")


def test_a_bad_event_alone_names_its_field(token):
    before = written()
    response = post(offer(queue=""), token)
    assert response.status_code == 422
    assert locs(response) == [["body", "queue"]]
    assert written() == before


def test_a_bad_event_in_a_batch_names_its_index_and_nothing_is_written(token):
    before = written()
    answered_without_agent = {"call_id": "c1", "kind": "answered", "at": "2026-11-23T08:31:12+08:00"}
    response = post([offer(), answered_without_agent], token)
    assert response.status_code == 422
    assert locs(response) == [["body", 1, "agent"]]
    assert written() == before


@pytest.mark.parametrize("event, loc", [
    (offer(wait_seconds=-1), ["body", 0, "wait_seconds"]),
    (offer(at="2026-11-23T08:31:00"), ["body", 0, "at"]),  # no offset
    (offer(kind="rang"), ["body", 0, "kind"]),
    (offer(colour="red"), ["body", 0, "colour"]),
    (offer(call_id="x" * 65), ["body", 0, "call_id"]),
    (offer(queue="a\x00b"), ["body", 0, "queue"]),
    (offer(talk_seconds=1.5), ["body", 0, "talk_seconds"]),
    (offer(at="2026-12-31T08:31:00+08:00"), ["body", 0, "at"]),  # more than a day ahead
    ({"kind": "offered", "at": "2026-11-23T08:31:00+08:00", "queue": "q"}, ["body", 0, "call_id"]),
    ({"kind": "login", "at": "2026-11-23T08:31:00+08:00"}, ["body", 0, "agent"]),
])
def test_bad_events_are_422_with_the_field_named(token, event, loc):
    before = written()
    response = post([event], token)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert written() == before


@pytest.mark.parametrize("body", ["", "not json", "[]", "42", '"text"', "[1, 2]"])
def test_bodies_that_are_not_events(token, body):
    response = post(body, token)
    assert response.status_code == 422
    assert locs(response)[0][0] == "body"


def test_too_many_events_in_one_request(token, monkeypatch):
    from kefu.calls import services

    monkeypatch.setattr(services, "MAX_BATCH", 2)
    response = post([offer("a"), offer("b"), offer("c")], token)
    assert (response.status_code, locs(response)) == (422, [["body"]])


# --- queue_log ----------------------------------------------------------------------------------------------

def test_a_queue_log_is_recorded_and_its_bad_lines_listed(token):
    response = post(sample.text(), token, url=QUEUE_LOG, content_type="text/plain")
    assert response.status_code == 200
    body = response.json()
    assert (body["lines"], body["recorded"], body["skipped"], body["calls_changed"]) == (
        sample.LINES, sample.EVENTS, sample.SKIPPED, 10)
    assert [p["line"] for p in body["problems"]] == sample.BAD_LINES
    assert body["problems"][0]["text"] == "this line is not a queue_log line"
    again = post(sample.text(), token, url=QUEUE_LOG, content_type="text/plain").json()
    assert (again["recorded"], again["duplicates"], again["calls_changed"]) == (0, sample.EVENTS, 0)


@pytest.mark.parametrize("body", [b"", b"   \n", b"\xff\xfe1795393800|x"])
def test_a_queue_log_body_that_is_empty_or_not_text(token, body):
    response = post(body, token, url=QUEUE_LOG, content_type="text/plain")
    assert (response.status_code, locs(response)) == (422, [["body"]])


# --- figures ------------------------------------------------------------------------------------------------

@pytest.fixture
def recorded(token):
    post(sample.text(), token, url=QUEUE_LOG, content_type="text/plain")
    return token


def get(url, token=None, user=None):
    if user is not None:
        return logged_in(user)[0].get(url)
    return Client().get(url, **(bearer(token) if token else {}))


def test_the_days_figures_for_the_switch(recorded):
    response = get(f"/api/v1/calls/figures?date={sample.DAY}", recorded)
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == str(sample.DAY)
    assert body["start"] == "2026-11-23T00:00:00+08:00"
    figures = body["figures"]
    assert (figures["offered"], figures["answered"], figures["waiting"]) == (9, 4, 1)
    assert figures["answer_rate"] == pytest.approx(4 / 9)
    assert figures["service_level"] == pytest.approx(3 / 8)
    assert {a["label"] for a in body["agents"]} == {"SIP/8001", "SIP/8002", "Agent/1001"}
    wider = get(f"/api/v1/calls/figures?date={sample.DAY}&sl_seconds=25", recorded).json()
    assert wider["figures"]["service_level"] == pytest.approx(4 / 8)


def test_today_is_the_default_day(recorded):
    body = get("/api/v1/calls/figures", recorded).json()
    assert body["date"] == "2026-11-24"  # the clock stands at midnight after the sample day
    assert body["figures"]["offered"] == 0


def test_figures_by_interval(recorded):
    body = get(f"/api/v1/calls/figures/intervals?date={sample.DAY}&minutes=30", recorded).json()
    assert len(body) == 48
    assert body[17]["start"] == "2026-11-23T08:30:00+08:00"
    assert body[17]["figures"]["offered"] == 9


def test_queues_now(recorded):
    assert get("/api/v1/calls/queues", recorded).json() == []  # J has waited far too long to still count


@pytest.mark.parametrize("query, loc", [("minutes=7", ["query", "minutes"]), ("minutes=3", ["query", "minutes"]),
                                        ("sl_seconds=-1", ["query", "sl_seconds"]),
                                        ("date=2026-13-01", ["query", "date"])])
def test_bad_figure_queries(recorded, query, loc):
    url = "/api/v1/calls/figures/intervals" if "minutes" in query else "/api/v1/calls/figures"
    response = get(f"{url}?{query}", recorded)
    assert response.status_code == 422
    assert loc in locs(response)


def test_who_may_read_figures(recorded, people, staff_user):
    url = f"/api/v1/calls/figures?date={sample.DAY}"
    assert get(url).status_code == 401
    assert get(url, user=people["customers"]["13812345678"].user).status_code == 403
    assert get(url, user=people["zhangwei"]).status_code == 403  # an agent without calls.view_call
    from django.contrib.auth.models import Permission

    supervisor = staff_user("supervisor", "boss")
    supervisor.user_permissions.add(Permission.objects.get(codename="view_call", content_type__app_label="calls"))
    assert get(url, user=supervisor).status_code == 200
    assert get("/api/v1/calls/queues", user=supervisor).status_code == 200


def test_the_calls_endpoints_are_in_the_openapi_document(after_sample):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/calls/events", "/api/v1/calls/queue-log", "/api/v1/calls/figures",
            "/api/v1/calls/figures/intervals", "/api/v1/calls/queues"} <= set(paths)
    assert "text/plain" in paths["/api/v1/calls/queue-log"]["post"]["requestBody"]["content"]
