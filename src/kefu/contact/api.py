"""The shift handover (交接) in the API, for agents (the workbench and WORK_TICKETS), mounted at /api/v1:

    GET  /agent/handovers/current            the running shift's handover and the one the shift before left
    POST /agent/handovers/prepare            prepare or refresh a shift's handover (idempotent until acknowledged)
    POST /agent/handovers/{id}/acknowledge   the next shift takes it over (once; 403 for anyone else)
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import TypeAdapter

from kefu.commerce.schemas import LocalTime, text
from kefu.core import clock
from kefu.core.errors import NotFound
from kefu.tickets.api_support import agents, json_body, parse
from kefu.tickets.schemas import StrictIn, TicketUserOut

from . import selectors, services
from .models import Handover

router = Router(tags=["handover"])


class HandoverPrepareIn(StrictIn):
    shift: str = Field(min_length=1, max_length=20, description="the shift's code: early or late")
    date: dt.date = Field(description="the service date: the date the shift starts")
    note: str = text(2000, required=False)


class HandoverItemOut(Schema):
    ticket: str
    subject: str
    status: str
    priority: int
    escalation_level: int
    assignee: TicketUserOut | None
    last_note: str
    next_action: str


class HandoverOut(Schema):
    id: int
    shift: str
    shift_name: str
    date: dt.date
    prepared_by: str
    prepared_at: LocalTime
    note: str
    acknowledged_by: str | None
    acknowledged_at: LocalTime | None
    items: list[HandoverItemOut]

    @classmethod
    def of(cls, handover: Handover | None) -> HandoverOut | None:
        if handover is None:
            return None
        return cls(
            id=handover.pk, shift=handover.shift.code, shift_name=handover.shift.name, date=handover.date,
            prepared_by=handover.prepared_by.get_username() if handover.prepared_by else "system",
            prepared_at=handover.prepared_at, note=handover.note,
            acknowledged_by=handover.acknowledged_by.get_username() if handover.acknowledged_by else None,
            acknowledged_at=handover.acknowledged_at,
            items=[HandoverItemOut(ticket=i.ticket.number, subject=i.ticket.subject, status=i.ticket.status,
                                   priority=i.ticket.priority, escalation_level=i.ticket.escalation_level,
                                   assignee=TicketUserOut.of(i.ticket.assignee), last_note=i.last_note,
                                   next_action=i.next_action) for i in handover.items.all()])


class ShiftRefOut(Schema):
    shift: str
    date: dt.date

    @classmethod
    def of(cls, found) -> ShiftRefOut | None:
        return None if found is None else cls(shift=found[0].code, date=found[1])


class HandoverOverviewOut(Schema):
    shift_now: ShiftRefOut | None = Field(description="the shift running now (null outside business hours)")
    current: HandoverOut | None = Field(description="the running shift's handover, once prepared")
    shift_before: ShiftRefOut | None = Field(description="the shift before (the last one, outside hours)")
    previous: HandoverOut | None = Field(description="the handover the shift before left, once prepared")


PREPARE_BODY = TypeAdapter(HandoverPrepareIn)


def _detail(pk: int) -> HandoverOut:
    return HandoverOut.of(selectors.handover_detail().get(pk=pk))


@router.get("/agent/handovers/current", auth=agents, response=HandoverOverviewOut,
            summary="The running shift's handover, and the one the shift before left")
def current(request: HttpRequest):
    seen = selectors.handover_overview(clock.now())
    return HandoverOverviewOut(shift_now=ShiftRefOut.of(seen.now), current=HandoverOut.of(seen.current),
                               shift_before=ShiftRefOut.of(seen.before), previous=HandoverOut.of(seen.previous))


@router.post("/agent/handovers/prepare", auth=agents, response=HandoverOut, openapi_extra=json_body(PREPARE_BODY),
             summary="Prepare or refresh a shift's handover")
def prepare(request: HttpRequest):
    """The shift's open tickets with their last note and next action. Again: new open items added, resolved
    ones dropped, notes refreshed; an empty `note` keeps the note already written. 409 once acknowledged."""
    data = parse(request, PREPARE_BODY)
    handover = services.prepare_handover(data.shift, data.date, by=request.auth, note=data.note)
    return _detail(handover.pk)


@router.post("/agent/handovers/{handover_id}/acknowledge", auth=agents, response=HandoverOut,
             summary="The next shift takes the handover over")
def acknowledge(request: HttpRequest, handover_id: int):
    """By someone rostered on the next shift, or a supervisor (else 403); once (again: 409)."""
    handover = Handover.objects.filter(pk=handover_id).first() if 0 < handover_id < 2**63 else None
    if handover is None:
        raise NotFound(f"no handover {handover_id}", field="handover_id")
    services.acknowledge_handover(handover, by=request.auth)
    return _detail(handover.pk)
