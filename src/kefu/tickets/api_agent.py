"""The ticket API for agents (the workbench and WORK_TICKETS), under /agent/…:

    GET  /agent/tickets                      the queue: mine | unassigned | open | escalated | breached
    POST /agent/tickets                      record a call, a chat, a review, or open one yourself → 201
    GET  /agent/tickets/{number}             everything: internal notes, the handling flow, clocks, audit trail
    POST /agent/tickets/{number}/reply       a public reply, checked by the reply coach (422 reply_coach + flags)
    POST /agent/tickets/{number}/coach       the reply coach's flags for a draft, nothing written
    POST /agent/tickets/{number}/notes       an internal note
    POST /agent/tickets/{number}/flow/{analyse|acknowledge|propose|answer}   the handling steps of seed 001
    POST /agent/tickets/{number}/{resolve|reopen|assign|escalate|merge|split}
    GET  /agent/canned-replies?ticket=…      prepared answers, placeholders filled for that ticket

Supervisors' only (SUPERVISE_TICKETS, else 403): handing a ticket to the customer-care team, and merging (the
roles' definition in kefu/core/roles.py). Every write calls a service; the answer is the ticket as it is now.
"""

from __future__ import annotations

from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import TypeAdapter

from kefu.commerce.models import Customer, Order, Shipment
from kefu.core import clock
from kefu.core.errors import DomainError, NotFound
from kefu.core.phones import normalise_phone
from kefu.core.roles import FULL_PHONE, SUPERVISE_TICKETS

from . import placeholders
from . import queue as queue_
from .api_support import MAX_OFFSET, Forbidden, agents, json_body, no_nul, parse
from .models import CannedReply, Channel, Queue, Ticket
from .schemas import (
    AcknowledgeIn,
    AgentTicketIn,
    AgentTicketOut,
    AgentTicketPageOut,
    AgentTicketSummaryOut,
    AnalyseIn,
    AnswerIn,
    BodyIn,
    CannedReplyOut,
    CoachOut,
    EscalateIn,
    MergeIn,
    ProposeIn,
    ReopenIn,
    ReplyIn,
    ResolveIn,
    SplitIn,
    TicketAssignIn,
)
from .services import assignment, conversation, escalation, flow, intake, merging

router = Router(tags=["tickets: agents"])
BASE = "/agent/tickets"


def _full_phone(request: HttpRequest) -> bool:
    return request.auth.has_perm(FULL_PHONE)


def _ticket(number: str) -> Ticket:
    ticket = Ticket.objects.filter(number=no_nul(number)).first()
    if ticket is None:
        raise NotFound(f"no ticket {number}", field="number")
    return ticket


def _detail(request: HttpRequest, number: str) -> AgentTicketOut:
    ticket = (Ticket.objects.select_related("customer", "assignee", "queue", "order", "case", "parent",
                                            "merged_into", "follow_up__care_task")
              .prefetch_related("messages__author", "sla_clocks").get(number=number))
    return AgentTicketOut.build(ticket, _full_phone(request), clock.now())


# --- the queue --------------------------------------------------------------------------------------------

VIEWS = tuple(queue_.VIEWS)


@router.get(BASE, auth=agents, response=AgentTicketPageOut, by_alias=True, summary="The ticket queue")
def list_tickets(request: HttpRequest, view: Literal[VIEWS] = "open", queue: str | None = Query(None, max_length=20),
                 priority: int | None = Query(None, ge=1, le=4), channel: Channel | None = None,
                 q: str | None = Query(None, max_length=100),
                 limit: int = Query(25, ge=1, le=100), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """The workbench's queue (kefu/workbench/ticket_queries.py), the same tickets in the same order: priority,
    then the nearest SLA due time, then the oldest (`resolved`: latest first). `breached`: a target past due
    and not met. The escalated list and the customer-care team's queue are the supervisors' (else 403). `q`: a
    ticket or order number, the customer's mobile, or words of the subject. Phones are masked unless the reader
    may see them in full."""
    user = request.auth
    queue, q = no_nul(queue or ""), q or ""
    if not queue_.supervises(user):
        if view in queue_.SUPERVISOR_VIEWS:
            raise Forbidden("the escalated list is for supervisors", field="view", location="query")
        if queue and Queue.objects.filter(code=queue, care_team=True).exists():
            raise Forbidden("the customer-care team's queue is for supervisors", field="queue", location="query")
    now = clock.now()
    if "\x00" in q:  # matches nothing we store
        return AgentTicketPageOut(count=0, limit=limit, offset=offset, items=[])
    filters = queue_.QueueFilters(view=view, queue=queue, priority=priority, channel=channel or "", q=q)
    ids, counted = queue_.queue(filters, user, now)
    page = list(ids[offset:offset + limit])
    rows = Ticket.objects.select_related("customer", "assignee", "queue").prefetch_related("sla_clocks").in_bulk(page)
    full = _full_phone(request)
    return AgentTicketPageOut(count=counted.count(), limit=limit, offset=offset,
                              items=[AgentTicketSummaryOut.build_for(rows[pk], full, now) for pk in page if pk in rows])


# --- opening and reading ----------------------------------------------------------------------------------

NEW_BODY = TypeAdapter(AgentTicketIn)


def _customer(data: AgentTicketIn) -> Customer | None:
    if data.customer is not None:
        customer = Customer.objects.filter(pk=data.customer).first()
        if customer is None:
            raise DomainError(f"no customer {data.customer}", field="customer", code="not_found")
        return customer
    if data.phone:
        try:
            phone = normalise_phone(data.phone)
        except ValueError as exc:
            raise DomainError(str(exc), field="phone", code="phone") from None
        customer = Customer.objects.filter(phone=phone).first()
        if customer is None:
            raise DomainError("no customer with this phone number", field="phone", code="not_found")
        return customer
    return None


@router.post(BASE, auth=agents, response={201: AgentTicketOut}, by_alias=True, openapi_extra=json_body(NEW_BODY),
             summary="Record a ticket: a call, a chat, a review, or one of your own")
def open_ticket(request: HttpRequest):
    """The customer by `customer` (id) or `phone`, or through `order`; one of them is required."""
    data = parse(request, NEW_BODY)
    customer = _customer(data)
    order = None
    if data.order is not None:
        order = Order.objects.filter(number=data.order).first()
        if order is None:
            raise DomainError(f"no order {data.order}", field="order", code="not_found")
    if customer is None and order is None:
        raise DomainError("give the customer's id or phone, or the order", field="customer", code="required")
    ticket = intake.open_ticket(channel=data.channel, subject=data.subject, body=data.body, customer=customer,
                                order=order, kind=data.kind, severity=data.severity, source_ref=data.source_ref,
                                by=request.auth)
    return Status(201, _detail(request, ticket.number))


@router.get(f"{BASE}/{{number}}", auth=agents, response=AgentTicketOut, by_alias=True, summary="One ticket, everything")
def ticket_detail(request: HttpRequest, number: str):
    return _detail(request, _ticket(number).number)


# --- actions ----------------------------------------------------------------------------------------------

def _action(path: str, summary: str, body: type, *, created: bool = False):
    """Register POST /agent/tickets/{number}/<path>: parse the body, run the action on the ticket, answer the
    ticket (or, for `created`, the ticket the action made, with 201)."""
    adapter = TypeAdapter(body)

    def register(act):
        def view(request: HttpRequest, number: str):
            data = parse(request, adapter)
            result = act(request, _ticket(number), data)
            if created:
                return Status(201, _detail(request, result.number))
            return _detail(request, number)

        view.__name__, view.__doc__ = act.__name__, act.__doc__
        response = {201: AgentTicketOut} if created else AgentTicketOut
        router.post(f"{BASE}/{{number}}/{path}", auth=agents, response=response, by_alias=True,
                    openapi_extra=json_body(adapter), summary=summary)(view)
        return act

    return register


@_action("reply", "Reply to the customer", ReplyIn)
def reply(request, ticket, data):
    """Flagged phrasing without `confirm_coach` is a 422 of type reply_coach carrying the `flags`; nothing is
    sent. `wait_for_customer` pauses the SLA clocks."""
    conversation.agent_replies(ticket, data.body, by=request.auth, wait_for_customer=data.wait_for_customer,
                               confirm_coach=data.confirm_coach, next_step=data.next_step)


COACH_BODY = TypeAdapter(BodyIn)


@router.post(f"{BASE}/{{number}}/coach", auth=agents, response=CoachOut, openapi_extra=json_body(COACH_BODY),
             summary="Check a draft with the reply coach")
def coach(request: HttpRequest, number: str):
    """The flags the reply would get; nothing is written."""
    data = parse(request, COACH_BODY)
    _ticket(number)
    return CoachOut(flags=conversation.coach_flags(data.body))


@_action("notes", "Add an internal note", BodyIn)
def add_note(request, ticket, data):
    """For colleagues and the next shift; never shown to the customer."""
    conversation.add_note(ticket, data.body, by=request.auth)


@_action("flow/analyse", "Listened and analysed: the cause", AnalyseIn)
def analyse(request, ticket, data):
    flow.analyse(ticket, cause=data.cause, analysis=data.analysis, by=request.auth)


@_action("flow/acknowledge", "The customer's position, acknowledged", AcknowledgeIn)
def acknowledge(request, ticket, data):
    flow.acknowledge(ticket, position=data.position, by=request.auth)


@_action("flow/propose", "Propose a solution", ProposeIn)
def propose(request, ticket, data):
    """The customer sees `next_step` (default: waiting for their confirmation)."""
    flow.propose(ticket, solution=data.solution, next_step=data.next_step, by=request.auth)


@_action("flow/answer", "Record the customer's answer to the proposal", AnswerIn)
def record_answer(request, ticket, data):
    """As the customer gave it by phone or chat; `reason` is required when not accepted."""
    flow.record_answer(ticket, accepted=data.accepted, reason=data.reason, by=request.auth)


@_action("resolve", "Resolve", ResolveIn)
def resolve(request, ticket, data):
    """Only with an accepted solution or a recorded refusal (else 409 no_agreed_solution)."""
    flow.resolve(ticket, note=data.note, by=request.auth)


@_action("reopen", "Reopen", ReopenIn)
def reopen(request, ticket, data):
    flow.reopen(ticket, reason=data.reason, by=request.auth)


@_action("assign", "Assign to an agent", TicketAssignIn)
def assign(request, ticket, data):
    """`agent_id`: someone who works tickets, or null to take the ticket back."""
    agent = None
    if data.agent_id is not None:
        agent = get_user_model().objects.filter(pk=data.agent_id, is_active=True).first()
        if agent is None:
            raise DomainError(f"no active user {data.agent_id}", field="agent_id", code="not_found")
    try:
        assignment.assign(ticket, agent, by=request.auth)
    except DomainError as exc:
        if exc.field != "assignee":
            raise
        raise type(exc)(exc.message, field="agent_id", code=exc.code) from None


@_action("escalate", "Escalate", EscalateIn)
def escalate(request, ticket, data):
    """To the supervisor; `to_care_team` (supervisors only, else 403) on to the customer-care team."""
    if data.to_care_team and not request.auth.has_perm(SUPERVISE_TICKETS):
        raise Forbidden("only a supervisor hands a ticket to the customer-care team", field="to_care_team")
    escalation.escalate(ticket, reason=data.reason, to_care_team=data.to_care_team, by=request.auth)


@_action("merge", "Merge into another ticket", MergeIn)
def merge(request, ticket, data):
    """Supervisors only. This ticket's messages move to `into`, which carries on; the answer is this ticket,
    now merged."""
    if not request.auth.has_perm(SUPERVISE_TICKETS):
        raise Forbidden("only a supervisor merges tickets", field="into")
    into = Ticket.objects.filter(number=data.into).first()
    if into is None:
        raise DomainError(f"no ticket {data.into}", field="into", code="not_found")
    merging.merge(ticket, into, by=request.auth)


@_action("split", "Split messages off into a new ticket", SplitIn, created=True)
def split(request, ticket, data):
    """The answer (201) is the new ticket."""
    try:
        return merging.split(ticket, data.message_ids, subject=data.subject, by=request.auth)
    except DomainError as exc:
        if exc.field != "messages":
            raise
        raise type(exc)(exc.message, field="message_ids", code=exc.code) from None


# --- canned replies ---------------------------------------------------------------------------------------

def _values(ticket: Ticket | None, agent) -> dict:
    values = {"agent_name": agent.get_full_name() or agent.get_username()}
    if ticket is not None:
        shipment = (Shipment.objects.filter(order_id=ticket.order_id).order_by("-shipped_at", "-id").first()
                    if ticket.order_id else None)
        values |= {"customer_name": ticket.customer.name if ticket.customer_id else ticket.requester_name,
                   "order_number": ticket.order.number if ticket.order_id else None,
                   "tracking_number": shipment.tracking_number if shipment else None,
                   "ticket_number": ticket.number}
    return values


def _render(body: str, values: dict) -> str:
    try:
        return placeholders.render(body, values)
    except placeholders.UnknownPlaceholder:  # written outside the admin's check: show it as written
        return body


@router.get("/agent/canned-replies", auth=agents, response=list[CannedReplyOut], summary="Canned replies")
def canned_replies(request: HttpRequest, ticket: str | None = Query(None, max_length=32)):
    """Active replies for everyone and, with `ticket`, its queue's team's, the placeholders filled from that
    ticket (a missing value shows as a gap such as 【订单号】 for the agent to fill in)."""
    found = None
    replies = CannedReply.objects.filter(active=True)
    if ticket is not None:
        found = Ticket.objects.select_related("customer", "order").filter(number=no_nul(ticket)).first()
        if found is None:
            raise NotFound(f"no ticket {ticket}", field="ticket", location="query")
        replies = replies.filter(Q(queue__isnull=True) | Q(queue_id=found.queue_id))
    else:
        replies = replies.filter(queue__isnull=True)
    values = _values(found, request.auth)
    return [CannedReplyOut(id=r.pk, title=r.title, text=_render(r.body, values)) for r in replies]
