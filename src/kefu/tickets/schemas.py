"""Shapes of the ticket API: what a customer and an agent send, and a ticket as each of them reads it.

Input follows the commerce API's rules: stripped strings that fit their columns, closed enumerations, unknown
fields refused, no NUL characters. Output: times in ISO 8601 with the Asia/Shanghai offset.

Two audiences read a ticket. The customer sees the public conversation, the promised next step, the outcome
(the solution, their answer) and the follow-up survey; never internal notes, the assignee, the queue, the SLA
clocks or the audit trail. Agents see all of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from kefu.commerce.schemas import In, LocalTime, text
from kefu.core import audit
from kefu.core.phones import mask_phone

from .models import FLOW_LABELS, STATUS_LABELS, Cause, Kind, Severity, SlaClock, Ticket, TicketMessage

BODY_LIMIT = 20_000  # the services' own limit (services/_common.py)
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a database id: larger would overflow the query
Number = Annotated[str, Field(min_length=1, max_length=32)]


class StrictIn(In):
    """Closed enumerations as plain strings, no NUL characters (the contact app's handover input uses it too)."""

    model_config = ConfigDict(use_enum_values=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        # No column holds a NUL, and PostgreSQL refuses one in a query: say so instead of failing.
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain a NUL character")
        return value


# --- input: customers -----------------------------------------------------------------------------------

class TicketIn(StrictIn):
    """A complaint or a question from the portal. `order` and `case` are numbers of the customer's own."""

    subject: str = text(120)
    body: str = text(BODY_LIMIT)
    kind: Literal["complaint", "question"] = "complaint"
    order: Number | None = None
    case: Number | None = None


class MessageIn(StrictIn):
    body: str = text(BODY_LIMIT)


class AnswerIn(StrictIn):
    """The customer's answer to the proposed solution; `reason` is required when it is not accepted."""

    accepted: bool
    reason: str = text(2000, required=False)


SurveyValue = Annotated[str, Field(max_length=2000)] | int | bool


class SurveyIn(StrictIn):
    csat: int = Field(ge=1, le=5, description="overall satisfaction, 1–5")
    comment: str = text(2000, required=False)
    answers: dict[Annotated[str, Field(pattern=r"^\d{1,9}$")], SurveyValue] = Field(
        default_factory=dict, max_length=50, description="survey question id → answer")


# --- input: agents ----------------------------------------------------------------------------------------

class AgentTicketIn(StrictIn):
    """A ticket an agent records: a phone call, a chat, a review, or one they open themselves. The customer is
    given by id, by phone, or through the order."""

    channel: Literal["phone", "agent", "chat", "review"]
    customer: DbId | None = None
    phone: Annotated[str, Field(max_length=20)] | None = None
    subject: str = text(120)
    body: str = text(BODY_LIMIT)
    severity: Severity = Severity.NORMAL
    kind: Kind = Kind.COMPLAINT
    order: Number | None = None
    source_ref: str = text(80, required=False)


class ReplyIn(StrictIn):
    body: str = text(BODY_LIMIT)
    wait_for_customer: bool = False
    confirm_coach: bool = Field(False, description="send as written although the reply coach flagged it")
    next_step: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="the next step the customer is promised (null: unchanged)")


class BodyIn(StrictIn):
    body: str = text(BODY_LIMIT)


class AnalyseIn(StrictIn):
    cause: Cause
    analysis: str = text(BODY_LIMIT, required=False)


class AcknowledgeIn(StrictIn):
    position: str = text(BODY_LIMIT)


class ProposeIn(StrictIn):
    solution: str = text(BODY_LIMIT)
    next_step: str = text(200, required=False)


class ResolveIn(StrictIn):
    note: str = text(2000, required=False)


class ReopenIn(StrictIn):
    reason: str = text(2000)


class TicketAssignIn(StrictIn):
    agent_id: DbId | None = Field(description="a user id, or null to take the ticket back")


class EscalateIn(StrictIn):
    reason: str = text(500)
    to_care_team: bool = Field(False, description="supervisors only: hand over to the customer-care team")


class MergeIn(StrictIn):
    into: Number = Field(description="the number of the ticket that carries on")


class SplitIn(StrictIn):
    message_ids: list[DbId] = Field(min_length=1, max_length=200)
    subject: str = text(120)


# --- output: shared ---------------------------------------------------------------------------------------

class CoachFlagOut(Schema):
    phrase: str
    start: int
    end: int
    suggestion: str
    why: str


class CoachOut(Schema):
    flags: list[CoachFlagOut]


class FollowUpOut(Schema):
    status: str
    token: str | None = Field(description="the survey's token, while the survey is open")


class OutcomeOut(Schema):
    step: str
    step_label: str
    acknowledgement: str
    solution: str
    refusal_reason: str

    @classmethod
    def build(cls, ticket: Ticket) -> OutcomeOut:
        return cls(step=ticket.flow, step_label=str(FLOW_LABELS.get(ticket.flow, ticket.flow)),
                   acknowledgement=ticket.acknowledgement, solution=ticket.solution,
                   refusal_reason=ticket.refusal_reason)


# --- output: customers ------------------------------------------------------------------------------------

class TicketSummaryOut(Schema):
    number: str
    subject: str
    kind: str
    status: str
    status_label: str
    next_step: str
    next_step_by: LocalTime | None
    created_at: LocalTime
    updated_at: LocalTime
    resolved_at: LocalTime | None

    @classmethod
    def fields_of(cls, ticket: Ticket) -> dict:
        return {"number": ticket.number, "subject": ticket.subject, "kind": ticket.kind, "status": ticket.status,
                "status_label": str(STATUS_LABELS.get(ticket.status, ticket.status)),
                "next_step": ticket.next_step, "next_step_by": ticket.next_step_by,
                "created_at": ticket.created_at, "updated_at": ticket.updated_at,
                "resolved_at": ticket.resolved_at}

    @classmethod
    def build(cls, ticket: Ticket) -> TicketSummaryOut:
        return cls(**cls.fields_of(ticket))


class TicketPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[TicketSummaryOut]


class MessageOut(Schema):
    id: int
    author_kind: str
    channel: str
    body: str
    created_at: LocalTime

    @classmethod
    def fields_of(cls, message: TicketMessage) -> dict:
        return {"id": message.pk, "author_kind": message.author_kind, "channel": message.channel,
                "body": message.body, "created_at": message.created_at}


class TicketOut(TicketSummaryOut):
    """The customer's view: public messages only."""

    channel: str
    order: str | None
    case: str | None
    merged_into: str | None
    messages: list[MessageOut]
    outcome: OutcomeOut
    follow_up: FollowUpOut | None

    @classmethod
    def build(cls, ticket: Ticket) -> TicketOut:
        visit = getattr(ticket, "follow_up", None)
        return cls(
            **cls.fields_of(ticket), channel=ticket.channel,
            order=ticket.order.number if ticket.order_id else None,
            case=ticket.case.number if ticket.case_id else None,
            merged_into=ticket.merged_into.number if ticket.merged_into_id else None,
            messages=[MessageOut(**MessageOut.fields_of(m)) for m in ticket.messages.all() if not m.internal],
            outcome=OutcomeOut.build(ticket),
            follow_up=None if visit is None else FollowUpOut(
                status=visit.status, token=visit.token if visit.status == "sent" else None))


class SurveyQuestionOut(Schema):
    id: int
    text: str
    kind: str
    required: bool


class SurveyOut(Schema):
    ticket: str
    subject: str
    status: str
    csat: int | None
    answered_at: LocalTime | None
    questions: list[SurveyQuestionOut]


# --- output: agents ---------------------------------------------------------------------------------------

class TicketUserOut(Schema):
    id: int
    username: str
    name: str

    @classmethod
    def of(cls, user) -> TicketUserOut | None:
        if user is None:
            return None
        return cls(id=user.pk, username=user.get_username(), name=user.get_full_name() or user.get_username())


class TicketCustomerOut(Schema):
    id: int
    name: str
    phone: str = Field(description="masked unless the reader may see full phone numbers")
    tier: str

    @classmethod
    def of(cls, customer, full_phone: bool) -> TicketCustomerOut | None:
        if customer is None:
            return None
        return cls(id=customer.pk, name=customer.name, tier=customer.tier,
                   phone=customer.phone if full_phone else mask_phone(customer.phone))


class SlaOut(Schema):
    kind: str
    due_at: LocalTime | None
    warned: bool
    breached: bool
    paused: bool
    met: bool

    @classmethod
    def build(cls, c: SlaClock, now: datetime) -> SlaOut:
        """As the workbench's badges read a clock: breached once stamped by the sweep or past due (the sweep may
        not have run yet), including a target met only after its due time; met when stopped in time."""
        if c.breached_at is not None or c.due_at is None:
            late = c.breached_at is not None
        else:
            late = c.stopped_at > c.due_at if c.stopped_at is not None else now >= c.due_at
        warned = c.warned_at is not None or (c.running and c.warn_at is not None and c.warn_at <= now)
        return cls(kind=c.kind, due_at=c.due_at, warned=warned, breached=late, paused=c.paused,
                   met=c.stopped_at is not None and not late)


class AgentTicketSummaryOut(TicketSummaryOut):
    channel: str
    severity: str
    priority: int
    queue: str
    flow: str
    escalation_level: int
    assignee: TicketUserOut | None
    customer: TicketCustomerOut | None
    requester_name: str
    sla: list[SlaOut]

    @classmethod
    def agent_fields(cls, ticket: Ticket, full_phone: bool, now: datetime) -> dict:
        return {**cls.fields_of(ticket), "channel": ticket.channel, "severity": ticket.severity,
                "priority": ticket.priority, "queue": ticket.queue.code, "flow": ticket.flow,
                "escalation_level": ticket.escalation_level, "assignee": TicketUserOut.of(ticket.assignee),
                "customer": TicketCustomerOut.of(ticket.customer, full_phone), "requester_name": ticket.requester_name,
                "sla": [SlaOut.build(c, now) for c in ticket.sla_clocks.all()]}

    @classmethod
    def build_for(cls, ticket: Ticket, full_phone: bool, now: datetime) -> AgentTicketSummaryOut:
        return cls(**cls.agent_fields(ticket, full_phone, now))


class AgentTicketPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgentTicketSummaryOut]


class AgentMessageOut(MessageOut):
    internal: bool
    author: TicketUserOut | None
    coach_flags: list[CoachFlagOut]


class TicketTimelineEntryOut(Schema):
    model_config = ConfigDict(serialize_by_alias=True, populate_by_name=True)

    at: LocalTime
    kind: str
    field: str
    old: str = Field(serialization_alias="from")
    new: str = Field(serialization_alias="to")
    reason: str
    by: str


class AgentFollowUpOut(Schema):
    status: str
    due_at: LocalTime
    sent_at: LocalTime | None
    answered_at: LocalTime | None
    csat: int | None
    comment: str
    answers: list[dict]
    care_task: str | None


class AgentTicketOut(AgentTicketSummaryOut):
    """Everything: internal notes, the handling flow, the clocks and the audit trail."""

    requester_email: str
    order: str | None
    case: str | None
    source_ref: str
    cause: str
    analysis: str
    outcome: OutcomeOut
    parent: str | None
    merged_into: str | None
    escalated_at: LocalTime | None
    first_responded_at: LocalTime | None
    closed_at: LocalTime | None
    messages: list[AgentMessageOut]
    follow_up: AgentFollowUpOut | None
    timeline: list[TicketTimelineEntryOut]

    @classmethod
    def build(cls, ticket: Ticket, full_phone: bool, now: datetime) -> AgentTicketOut:
        """`ticket` with its relations, messages (and authors) and clocks loaded."""
        visit = getattr(ticket, "follow_up", None)
        messages = [AgentMessageOut(**MessageOut.fields_of(m), internal=m.internal, author=TicketUserOut.of(m.author),
                                    coach_flags=m.coach_flags or []) for m in ticket.messages.all()]
        timeline = [TicketTimelineEntryOut(at=e.at, kind=e.kind, field=e.field, old=e.old_value, new=e.new_value,
                                     reason=e.reason, by=e.actor_label) for e in audit.history(ticket)]
        return cls(
            **cls.agent_fields(ticket, full_phone, now),
            requester_email=ticket.requester_email, order=ticket.order.number if ticket.order_id else None,
            case=ticket.case.number if ticket.case_id else None, source_ref=ticket.source_ref, cause=ticket.cause,
            analysis=ticket.analysis, outcome=OutcomeOut.build(ticket),
            parent=ticket.parent.number if ticket.parent_id else None,
            merged_into=ticket.merged_into.number if ticket.merged_into_id else None,
            escalated_at=ticket.escalated_at, first_responded_at=ticket.first_responded_at,
            closed_at=ticket.closed_at, messages=messages, timeline=timeline,
            follow_up=None if visit is None else AgentFollowUpOut(
                status=visit.status, due_at=visit.due_at, sent_at=visit.sent_at, answered_at=visit.answered_at,
                csat=visit.csat, comment=visit.comment, answers=visit.answers or [],
                care_task=visit.care_task.number if visit.care_task_id else None))


class CannedReplyOut(Schema):
    id: int
    title: str
    text: str
