"""The ticket API for agents: the queue and its order, recording a ticket, reading everything, and each action
(reply with the reply coach, notes, the handling steps, resolve, reopen, assign, escalate, merge, split), canned
replies; who may call (customers 403, supervisors' actions 403 for agents), and bad input 422 naming the field
with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kefu.core import clock
from kefu.core.models import AuditEntry
from kefu.tickets.models import CannedReply, ClockKind, Queue, SlaClock, TicketMessage
from kefu.tickets.services import assignment, conversation, escalation, flow, sla
from tests import factories as f
from tests.tickets.api_support import API, detail, locs, logged_in, post, written
from tests.tickets.builders import agent, agreed, complaint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday")]

AGENT = f"{API}/agent/tickets"
FLAGGED = "这个不行，规定就是这样"


@pytest.fixture
def worker(staff_user):
    return agent(staff_user, username="xiaowang")


@pytest.fixture
def desk(worker):
    return logged_in(worker)[0]


@pytest.fixture
def boss(staff_user):
    return staff_user("supervisor", "boss")


@pytest.fixture
def boss_desk(boss):
    return logged_in(boss)[0]


@pytest.fixture
def customer(roles):
    return f.customer(name="王芳", phone="13912345678")


@pytest.fixture
def ticket(customer):
    return complaint(customer, subject="快递三天没动")


def act(client, ticket, path, body=None):
    return post(client, f"{AGENT}/{ticket.number}/{path}", body)


# --- who may call -----------------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/agent/tickets", None),
    ("post", "/agent/tickets", {"channel": "phone", "phone": "13912345678", "subject": "来电", "body": "问物流"}),
    ("get", "/agent/tickets/{n}", None),
    ("post", "/agent/tickets/{n}/reply", {"body": "您好"}),
    ("post", "/agent/tickets/{n}/notes", {"body": "备注"}),
    ("post", "/agent/tickets/{n}/escalate", {"reason": "顾客要求"}),
    ("get", "/agent/canned-replies", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _b in ENDPOINTS])
def test_a_customer_is_403_and_anonymous_401_on_agent_endpoints(customer, ticket, method, path, body):
    url = API + path.format(n=ticket.number)
    before = written()
    for client, status in ((logged_in(customer.user)[0], 403), (Client(), 401)):
        response = client.get(url) if method == "get" else post(client, url, body)
        assert response.status_code == status, response.content
    assert written() == before


def test_an_agent_write_needs_the_csrf_token(worker, ticket):
    client, token = logged_in(worker, csrf=True)
    before = written()
    assert act(client, ticket, "notes", {"body": "备注"}).status_code == 403
    assert written() == before
    assert post(client, f"{AGENT}/{ticket.number}/notes", {"body": "备注"}, X_CSRFToken=token).status_code == 200


def test_an_unknown_ticket_is_404(desk):
    assert desk.get(f"{AGENT}/T000000000000").status_code == 404
    response = post(desk, f"{AGENT}/T0\x00/notes", {"body": "x"})
    assert response.status_code == 404 and locs(response) == [["path", "number"]]


# --- the queue --------------------------------------------------------------------------------------------

def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["items"]]


def test_the_queue_is_priority_first_then_the_nearest_sla_due(desk, worker, customer):
    answered_long_ago = complaint(customer, subject="旧的，已回复")
    conversation.agent_replies(answered_long_ago, "您好，我们在处理。", by=worker)  # only resolution runs now
    clock.advance(timedelta(minutes=10))
    waiting = complaint(customer, subject="新的，还没回复")  # its first response is due within 2 hours
    urgent = complaint(customer, subject="很急", severity="critical")
    low = complaint(customer, subject="不急", severity="low")

    assert numbers(desk.get(AGENT)) == [urgent.number, waiting.number, answered_long_ago.number, low.number]
    item = desk.get(AGENT).json()["items"][0]
    assert (item["priority"], item["queue"], item["escalation_level"], item["assignee"]) == (1, "complaints", 0, None)
    assert {c["kind"] for c in item["sla"]} == {"first_response", "resolution"}
    assert item["sla"][0].keys() == {"kind", "due_at", "warned", "breached", "paused", "met"}


def test_the_queue_views(desk, boss_desk, worker, boss, customer, ticket):
    mine = complaint(customer, subject="我的")
    assignment.assign(mine, worker, by=boss)
    escalated = complaint(customer, subject="升级了")
    escalation.escalate(escalated, by=worker, reason="顾客要求主管")
    breached = complaint(customer, subject="超时了")
    SlaClock.objects.filter(ticket=breached, kind=ClockKind.FIRST_RESPONSE).update(  # as the sweep leaves it
        due_at=clock.now() - timedelta(minutes=1), breached_at=clock.now())
    sla.refresh_next_due([breached.pk])
    done = agreed(complaint(customer, subject="已解决"), worker)
    flow.resolve(done, by=worker)

    assert numbers(desk.get(AGENT, {"view": "mine"})) == [mine.number]
    assert mine.number not in numbers(desk.get(AGENT, {"view": "unassigned"}))
    assert numbers(boss_desk.get(AGENT, {"view": "escalated"})) == [escalated.number]
    assert numbers(desk.get(AGENT, {"view": "breached"})) == [breached.number]
    assert done.number not in numbers(desk.get(AGENT, {"view": "open"}))
    assert set(numbers(desk.get(AGENT, {"q": "升级"}))) == {escalated.number}
    assert set(numbers(desk.get(AGENT, {"q": ticket.number}))) == {ticket.number}
    assert numbers(desk.get(AGENT, {"queue": "presale"})) == []
    assert numbers(desk.get(AGENT, {"priority": 4})) == []


def test_a_ticket_past_due_is_breached_before_the_sweep_stamps_it(desk, ticket):
    clock.advance(timedelta(hours=3))  # the 2-hour first response is past due; no sweep has run
    assert numbers(desk.get(AGENT, {"view": "breached"})) == [ticket.number]
    first = next(c for c in desk.get(AGENT).json()["items"][0]["sla"] if c["kind"] == "first_response")
    assert (first["breached"], first["met"], first["warned"]) == (True, False, True)


@pytest.mark.parametrize(("params", "field"), [({"view": "escalated"}, "view"), ({"queue": "care"}, "queue")])
def test_the_escalated_list_and_the_care_teams_queue_are_the_supervisors(desk, boss_desk, params, field):
    response = desk.get(AGENT, params)
    assert response.status_code == 403 and locs(response) == [["query", field]]
    assert boss_desk.get(AGENT, params).status_code == 200


@pytest.mark.parametrize(("params", "loc"), [
    ({"view": "everything"}, ["query", "view"]),
    ({"priority": 5}, ["query", "priority"]),
    ({"limit": 1000}, ["query", "limit"]),
])
def test_bad_queue_filters_are_422(desk, params, loc):
    response = desk.get(AGENT, params)
    assert response.status_code == 422 and loc in locs(response)


def test_phones_are_masked_for_agents_who_may_not_see_them(staff_user, worker, ticket):
    presale = agent(staff_user, "presale_agent", "presale", skills=("presale",))
    masked = logged_in(presale)[0].get(AGENT).json()["items"][0]["customer"]
    full = logged_in(worker)[0].get(AGENT).json()["items"][0]["customer"]
    assert (masked["phone"], full["phone"]) == ("139****5678", "13912345678")
    assert masked["tier"] == "registered" and masked["name"] == "王芳"


# --- recording a ticket -----------------------------------------------------------------------------------

def test_recording_a_phone_call(desk, worker, customer):
    response = post(desk, AGENT, {"channel": "phone", "phone": "139-1234-5678", "subject": "来电投诉",
                                  "body": "顾客来电说快递丢了", "severity": "high", "source_ref": "CALL-42"})
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["channel"], made["customer"]["id"], made["severity"], made["source_ref"]) == (
        "phone", customer.pk, "high", "CALL-42")
    assert made["messages"][0]["author_kind"] == "agent" and made["messages"][0]["author"]["id"] == worker.pk


def test_recording_by_customer_id_or_through_the_order(desk, customer):
    order = f.order(customer, [(f.sku("99.00"), 1)], status="paid")
    by_id = post(desk, AGENT, {"channel": "chat", "customer": customer.pk, "subject": "咨询", "body": "问尺码",
                               "kind": "question"})
    by_order = post(desk, AGENT, {"channel": "review", "order": order.number, "subject": "差评", "body": "一星"})
    assert by_id.status_code == by_order.status_code == 201
    assert by_order.json()["customer"]["id"] == customer.pk and by_order.json()["order"] == order.number


@pytest.mark.parametrize(("change", "loc"), [
    ({"phone": "13800000000"}, ["body", "phone"]),
    ({"phone": "12345"}, ["body", "phone"]),
    ({"phone": None}, ["body", "customer"]),
    ({"customer": 99999}, ["body", "customer"]),
    ({"order": "KF-NOPE"}, ["body", "order"]),
    ({"channel": "web"}, ["body", "channel"]),
    ({"severity": "urgent"}, ["body", "severity"]),
    ({"subject": ""}, ["body", "subject"]),
])
def test_bad_input_when_recording_is_422_naming_the_field(desk, customer, change, loc):
    body = {"channel": "phone", "phone": customer.phone, "subject": "来电", "body": "内容", **change}
    before = written()
    response = post(desk, AGENT, body)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert written() == before


# --- reading everything -----------------------------------------------------------------------------------

def test_the_detail_has_internal_notes_the_flow_clocks_and_the_audit_trail(desk, worker, ticket):
    conversation.add_note(ticket, "内部：顾客是老客户", by=worker)
    seen = desk.get(f"{AGENT}/{ticket.number}").json()
    assert [(m["internal"], m["body"]) for m in seen["messages"]][-1] == (True, "内部：顾客是老客户")
    assert seen["flow"] == "received" and seen["outcome"]["step"] == "received"
    assert {c["kind"] for c in seen["sla"]} == {"first_response", "resolution"}
    assert seen["timeline"][0] == {**seen["timeline"][0], "field": "status", "to": "new"}
    assert seen["customer"]["phone"] == "13912345678"


# --- the reply and the reply coach ------------------------------------------------------------------------

def test_a_reply_reaches_the_customer_and_stops_the_first_response_clock(desk, ticket):
    response = act(desk, ticket, "reply", {"body": "您好，已为您查询。", "next_step": "明天中午前给您回电",
                                           "wait_for_customer": True})
    assert response.status_code == 200, response.content
    seen = response.json()
    assert (seen["status"], seen["next_step"]) == ("waiting_customer", "明天中午前给您回电")
    assert seen["messages"][-1] == {**seen["messages"][-1], "internal": False, "body": "您好，已为您查询。"}
    assert next(c for c in seen["sla"] if c["kind"] == "first_response")["met"] is True


def test_a_flagged_reply_is_422_with_the_flags_and_nothing_is_sent(desk, ticket):
    before = written()
    response = act(desk, ticket, "reply", {"body": FLAGGED})
    assert response.status_code == 422
    problem = detail(response)[0]
    assert (problem["type"], problem["loc"]) == ("reply_coach", ["body", "body"])
    assert [flag["phrase"] for flag in problem["flags"]] == ["不行", "规定就是这样"]
    assert problem["flags"][0]["suggestion"]
    assert written() == before


def test_a_confirmed_flagged_reply_is_sent_with_its_flags_kept(desk, ticket):
    response = act(desk, ticket, "reply", {"body": FLAGGED, "confirm_coach": True})
    assert response.status_code == 200
    sent = response.json()["messages"][-1]
    assert sent["body"] == FLAGGED and [f["phrase"] for f in sent["coach_flags"]] == ["不行", "规定就是这样"]


def test_the_coach_checks_a_draft_without_writing(desk, ticket):
    before = written()
    response = act(desk, ticket, "coach", {"body": FLAGGED})
    assert response.status_code == 200
    assert [flag["phrase"] for flag in response.json()["flags"]] == ["不行", "规定就是这样"]
    assert act(desk, ticket, "coach", {"body": "我马上帮您核实"}).json() == {"flags": []}
    assert written() == before


# --- notes and the handling steps -------------------------------------------------------------------------

def test_a_note_is_internal(desk, ticket):
    response = act(desk, ticket, "notes", {"body": "顾客下午再打来"})
    assert response.status_code == 200
    note = TicketMessage.objects.filter(ticket=ticket).last()
    assert (note.internal, note.body) == (True, "顾客下午再打来")


def test_the_handling_steps_then_resolve(desk, ticket):
    analysed = act(desk, ticket, "flow/analyse", {"cause": "delivery", "analysis": "仓库漏发"}).json()
    assert (analysed["cause"], analysed["analysis"], analysed["flow"]) == ("delivery", "仓库漏发", "analysed")
    assert act(desk, ticket, "flow/acknowledge", {"position": "顾客等了三天"}).json()["flow"] == "acknowledged"
    proposed = act(desk, ticket, "flow/propose", {"solution": "今天补发", "next_step": "等您确认补发"}).json()
    assert (proposed["flow"], proposed["next_step"]) == ("proposed", "等您确认补发")
    assert act(desk, ticket, "flow/answer", {"accepted": True}).json()["flow"] == "accepted"
    resolved = act(desk, ticket, "resolve", {"note": "已补发"}).json()
    assert resolved["status"] == "resolved" and resolved["follow_up"]["status"] == "scheduled"
    reopened = act(desk, ticket, "reopen", {"reason": "顾客说还没收到"}).json()
    assert (reopened["status"], reopened["flow"]) == ("open", "analysed")


def test_resolving_without_an_agreed_solution_is_409_and_writes_nothing(desk, ticket):
    before = written()
    response = act(desk, ticket, "resolve", {})
    assert response.status_code == 409 and detail(response)[0]["type"] == "no_agreed_solution"
    assert written() == before


@pytest.mark.parametrize(("path", "body", "loc"), [
    ("flow/analyse", {"cause": "weather"}, ["body", "cause"]),
    ("flow/acknowledge", {"position": ""}, ["body", "position"]),
    ("flow/propose", {}, ["body", "solution"]),
    ("flow/answer", {"accepted": "maybe"}, ["body", "accepted"]),
    ("reopen", {"reason": " "}, ["body", "reason"]),
    ("notes", {"body": "x" * 20_001}, ["body", "body"]),
    ("assign", {}, ["body", "agent_id"]),
    ("assign", {"agent_id": 99999}, ["body", "agent_id"]),
    ("escalate", {"reason": ""}, ["body", "reason"]),
    ("merge", {"into": "T-NOPE"}, ["body", "into"]),
    ("split", {"message_ids": [], "subject": "拆"}, ["body", "message_ids"]),
    ("reply", {"body": "好的", "colour": "red"}, ["body", "colour"]),
])
def test_bad_action_input_is_422_naming_the_field_and_writes_nothing(boss_desk, ticket, path, body, loc):
    before = written()
    response = act(boss_desk, ticket, path, body)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert written() == before


# --- assign, escalate, merge, split -----------------------------------------------------------------------

def test_assign_and_take_back(desk, worker, ticket, customer):
    assert act(desk, ticket, "assign", {"agent_id": worker.pk}).json()["assignee"]["id"] == worker.pk
    assert act(desk, ticket, "assign", {"agent_id": None}).json()["assignee"] is None
    before = written()
    response = act(desk, ticket, "assign", {"agent_id": customer.user.pk})  # not an agent
    assert response.status_code == 422 and locs(response) == [["body", "agent_id"]]
    assert written() == before


def test_an_agent_escalates_to_the_supervisor_but_not_to_the_care_team(staff_user, ticket):
    presale = logged_in(agent(staff_user, "presale_agent", "presale", skills=("presale",)))[0]
    before = written()
    refused = act(presale, ticket, "escalate", {"reason": "顾客很生气", "to_care_team": True})
    assert refused.status_code == 403 and locs(refused) == [["body", "to_care_team"]]
    assert written() == before
    assert act(presale, ticket, "escalate", {"reason": "顾客很生气"}).json()["escalation_level"] == 1
    assert act(presale, ticket, "escalate", {"reason": "again"}).status_code == 409


def test_a_supervisor_hands_over_to_the_care_team(boss_desk, ticket):
    seen = act(boss_desk, ticket, "escalate", {"reason": "主管也解决不了", "to_care_team": True}).json()
    assert (seen["escalation_level"], seen["queue"]) == (2, "care")


def test_merging_is_a_supervisors(desk, boss_desk, customer, ticket):
    other = complaint(customer, subject="重复的", body="重复提交的内容")
    before = written()
    assert act(desk, other, "merge", {"into": ticket.number}).status_code == 403
    assert written() == before
    merged = act(boss_desk, other, "merge", {"into": ticket.number})
    assert merged.status_code == 200
    assert (merged.json()["status"], merged.json()["merged_into"]) == ("merged", ticket.number)
    assert TicketMessage.objects.get(body="重复提交的内容").ticket_id == ticket.pk
    assert act(boss_desk, ticket, "merge", {"into": ticket.number}).status_code == 422


def test_splitting_messages_off(desk, ticket, customer):
    second = conversation.customer_writes(ticket, "另外，发票也没开", by=customer.user)
    response = act(desk, ticket, "split", {"message_ids": [second.pk], "subject": "发票问题"})
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["subject"] == "发票问题" and new["parent"] == ticket.number and new["number"] != ticket.number
    assert TicketMessage.objects.get(pk=second.pk).ticket.number == new["number"]
    foreign = act(desk, ticket, "split", {"message_ids": [second.pk], "subject": "再拆"})
    assert foreign.status_code == 422 and locs(foreign) == [["body", "message_ids"]]


# --- canned replies ---------------------------------------------------------------------------------------

def test_canned_replies_are_rendered_for_the_ticket(desk, ticket):
    everyone = CannedReply.objects.create(
        title="问候", body="{customer_name}您好，工单{ticket_number}由{agent_name}跟进。订单{order_number}")
    team = CannedReply.objects.create(title="投诉组", body="投诉组专用", queue=ticket.queue)
    CannedReply.objects.create(title="售前组", body="售前专用", queue=Queue.objects.get(code="presale"))
    CannedReply.objects.create(title="停用", body="不用了", active=False)

    replies = desk.get(f"{API}/agent/canned-replies", {"ticket": ticket.number}).json()
    assert [r["id"] for r in replies] == [team.pk, everyone.pk]  # by title
    greeting = next(r for r in replies if r["id"] == everyone.pk)["text"]
    assert greeting == f"王芳您好，工单{ticket.number}由xiaowang跟进。订单【订单号】"
    assert [r["title"] for r in desk.get(f"{API}/agent/canned-replies").json()] == ["问候"]
    assert desk.get(f"{API}/agent/canned-replies", {"ticket": "T-NOPE"}).status_code == 404


def test_every_action_is_audited_with_the_agent(desk, worker, ticket):
    act(desk, ticket, "flow/analyse", {"cause": "delivery"})
    entry = AuditEntry.objects.filter(field="flow").latest("id")
    assert (entry.actor, entry.new_value) == (worker, "analysed")
