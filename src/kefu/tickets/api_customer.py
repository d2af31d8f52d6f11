"""The ticket API as a customer uses it (their session), and the follow-up survey by its token alone.

    GET  /tickets                       their tickets, newest first, paged
    POST /tickets                       a complaint or a question (optionally about their order or case) → 201
    GET  /tickets/{number}              the public conversation, the outcome, the follow-up survey
    POST /tickets/{number}/messages     write on the ticket (a resolved ticket reopens) → 201
    POST /tickets/{number}/answer       accept the proposed solution, or say why not
    GET  /surveys/{token}               the survey's questions (no sign-in: the token is the key)
    POST /surveys/{token}               answer it, once

Only the customer's own tickets: anyone else's is a 404. Internal notes never leave this module's answers:
TicketOut.build keeps the public messages only.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import TypeAdapter

from kefu.aftersales.models import AfterSalesCase
from kefu.commerce.models import Order
from kefu.core.errors import DomainError, NotFound

from .api_support import MAX_OFFSET, customer_of, customers, json_body, no_nul, parse
from .models import Channel, FollowUpVisit, SurveyQuestion, Ticket
from .schemas import AnswerIn, MessageIn, SurveyIn, SurveyOut, SurveyQuestionOut, TicketIn, TicketOut, TicketPageOut
from .schemas import TicketSummaryOut as Summary
from .selectors import customer_tickets
from .services import conversation, flow, follow_up, intake

router = Router(tags=["tickets: customers"])

TICKET_BODY = TypeAdapter(TicketIn)
MESSAGE_BODY = TypeAdapter(MessageIn)
ANSWER_BODY = TypeAdapter(AnswerIn)
SURVEY_BODY = TypeAdapter(SurveyIn)


def _mine(request: HttpRequest) -> QuerySet:
    return customer_tickets(customer_of(request.auth))


def _ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = _mine(request).filter(number=no_nul(number)).first()
    if ticket is None:
        raise NotFound(f"no ticket {number}", field="number")
    return ticket


def _detail(number: str) -> TicketOut:
    ticket = (Ticket.objects.select_related("order", "case", "merged_into", "follow_up")
              .prefetch_related("messages").get(number=number))
    return TicketOut.build(ticket)


def _own(model, request: HttpRequest, number: str | None, field: str):
    """The customer's own order or case by its number; anyone else's is refused like a wrong number."""
    if number is None:
        return None
    found = model.objects.filter(number=number, customer=customer_of(request.auth)).first()
    if found is None:
        raise DomainError(f"you have no {field} {number}", field=field, code="not_yours")
    return found


@router.get("/tickets", auth=customers, response=TicketPageOut, summary="My tickets, newest first")
def list_tickets(request: HttpRequest, limit: int = Query(20, ge=1, le=100),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    tickets = _mine(request).order_by("-created_at", "-id")
    return TicketPageOut(count=tickets.count(), limit=limit, offset=offset,
                         items=[Summary.build(t) for t in tickets[offset:offset + limit]])


@router.post("/tickets", auth=customers, response={201: TicketOut}, openapi_extra=json_body(TICKET_BODY),
             summary="Open a complaint or a question")
def open_ticket(request: HttpRequest):
    """`order` and `case` are numbers of the customer's own order and after-sales case (else a 422 naming
    the field). The answer carries the first promised step: when a person will reply."""
    data = parse(request, TICKET_BODY)
    order = _own(Order, request, data.order, "order")
    case = _own(AfterSalesCase, request, data.case, "case")
    ticket = intake.open_ticket(channel=Channel.WEB, subject=data.subject, body=data.body, kind=data.kind,
                                customer=customer_of(request.auth), order=order, case=case, by=request.auth)
    return Status(201, _detail(ticket.number))


@router.get("/tickets/{number}", auth=customers, response=TicketOut, summary="One of my tickets")
def ticket_detail(request: HttpRequest, number: str):
    return _detail(_ticket(request, number).number)


@router.post("/tickets/{number}/messages", auth=customers, response={201: TicketOut},
             openapi_extra=json_body(MESSAGE_BODY), summary="Write on my ticket")
def write(request: HttpRequest, number: str):
    """A resolved ticket reopens; a closed or merged one takes no more messages (409)."""
    data = parse(request, MESSAGE_BODY)
    conversation.customer_writes(_ticket(request, number), data.body, by=request.auth)
    return Status(201, _detail(number))


@router.post("/tickets/{number}/answer", auth=customers, response=TicketOut, openapi_extra=json_body(ANSWER_BODY),
             summary="Accept the proposed solution, or say why not")
def answer(request: HttpRequest, number: str):
    """Only while a solution is proposed (else 409); `reason` is required when not accepted."""
    data = parse(request, ANSWER_BODY)
    flow.record_answer(_ticket(request, number), accepted=data.accepted, reason=data.reason, by=request.auth)
    return _detail(number)


# --- the follow-up survey -----------------------------------------------------------------------------------

def _visit(token: str) -> FollowUpVisit:
    visit = FollowUpVisit.objects.select_related("ticket__customer").filter(token=no_nul(token)).first()
    if visit is None:
        raise NotFound("no such survey", field="token")
    return visit


def _survey(visit: FollowUpVisit) -> SurveyOut:
    questions = [SurveyQuestionOut(id=q.pk, text=q.text, kind=q.kind, required=q.required)
                 for q in SurveyQuestion.objects.filter(active=True)]
    return SurveyOut(ticket=visit.ticket.number, subject=visit.ticket.subject, status=visit.status, csat=visit.csat,
                     answered_at=visit.answered_at, questions=questions)


@router.get("/surveys/{token}", auth=None, response=SurveyOut, tags=["tickets: survey"],
            summary="The follow-up survey's questions")
def survey(request: HttpRequest, token: str):
    return _survey(_visit(token))


@router.post("/surveys/{token}", auth=None, response=SurveyOut, openapi_extra=json_body(SURVEY_BODY),
             tags=["tickets: survey"], summary="Answer the follow-up survey")
def answer_survey(request: HttpRequest, token: str):
    """The token from the follow-up message is the key: no sign-in needed. Answered once (again: 409); a low
    score opens a care task for the customer-care team."""
    data = parse(request, SURVEY_BODY)
    visit = _visit(token)
    owner = customer_of(request.user)
    by = request.user if owner is not None and owner.pk == visit.ticket.customer_id else "survey"
    visit = follow_up.answer(visit, csat=data.csat, comment=data.comment, answers=data.answers, by=by)
    return _survey(visit)
