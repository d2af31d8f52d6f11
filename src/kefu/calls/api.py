"""The telephony system's API: call events in, call records and figures out. Mounted at /api/v1.

Write (the switch, or a bridge beside it; `Authorization: Bearer <integration token>`, as the order sync):
    POST /calls/events      one event object, or a list of up to 5000; replays change nothing
    POST /calls/queue-log   an Asterisk queue_log as text/plain; bad lines are reported, the rest recorded
Read (an integration token, or a signed-in user with calls.view_call — supervisors):
    GET  /calls/figures?date=&sl_seconds=&short_abandon_seconds=     the day's figures (today: so far)
    GET  /calls/figures/intervals?date=&minutes=15&sl_seconds=        per interval
    GET  /calls/queues                                                calls waiting and talking now

Bad input is a 422 naming the field (["body", 3, "queue"] for the fourth event of a list) and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError, ValidationError
from ninja.security import SessionAuth
from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from kefu.commerce.api import IntegrationToken
from kefu.commerce.models import Integration
from kefu.core import clock
from kefu.core.errors import error_location
from kefu.tickets.api_support import json_body

from . import selectors, services
from .schemas import CallEventIn, DayFiguresOut, ImportedOut, IntervalOut, QueueNowOut, RecordedOut

router = Router(tags=["calls"])
VIEW_CALLS = "calls.view_call"


class CallsReader(SessionAuth):
    """A signed-in user who may see call figures; anyone else signed in gets 403, not 401."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated:
            return None
        if not user.has_perm(VIEW_CALLS):
            raise AuthorizationError(message="You may not see call figures.")
        return user


switch_only = [IntegrationToken()]
readers = [IntegrationToken(), CallsReader()]

ONE_EVENT = TypeAdapter(CallEventIn)
EVENT_LIST = TypeAdapter(list[CallEventIn])


def _error(loc, msg: str, type_: str) -> dict:
    return {"loc": list(loc), "msg": msg, "type": type_}


def _source(request: HttpRequest) -> str:
    integration: Integration = request.auth
    return f"integration:{integration.name}"


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise ValidationError([_error(["body"], "the body is too large: send it in parts, or import the file with "
                                                "`kefu contact import-queue-log`", "too_large")]) from None


def _events(request: HttpRequest) -> tuple[list, bool]:
    """The body's events, and whether it was one object (its errors then have no list index)."""
    body = _body(request)
    single = body.lstrip()[:1] == b"{"
    adapter = ONE_EVENT if single else EVENT_LIST
    try:
        parsed = adapter.validate_json(body or b"")
    except PydanticValidationError as exc:
        raise ValidationError([_error(("body", *e["loc"]), e["msg"], e["type"])
                               for e in exc.errors(include_url=False)]) from None
    items = [parsed] if single else parsed
    if not items:
        raise ValidationError([_error(["body"], "send at least one event", "too_short")])
    if len(items) > services.MAX_BATCH:
        raise ValidationError([_error(["body"], f"at most {services.MAX_BATCH} events per request", "too_long")])
    return [item.event() for item in items], single


@router.post("/calls/events", auth=switch_only, response=RecordedOut, summary="Report call events",
             openapi_extra=json_body(TypeAdapter(CallEventIn | list[CallEventIn])))
def report_events(request: HttpRequest):
    """Record call and agent events. Idempotent: an event already recorded (same `event_id` from this
    integration, or without one the same call, kind, instant, agent and queue) changes nothing. Events may come
    in any order; each call's record is rebuilt from all its events."""
    batch, single = _events(request)
    try:
        result = services.record_events(batch, source=_source(request))
    except services.InvalidEvents as exc:
        errors = []
        for field, message in exc.problems:
            path = field.split(".", 1)[1] if single else field
            errors.append(_error(error_location(path), message, "invalid_event"))
        raise ValidationError(errors) from None
    return _recorded(result)


def _recorded(result: services.Recorded) -> dict:
    return {"received": result.received, "recorded": result.recorded, "duplicates": result.duplicates,
            "calls_changed": len(result.calls), "calls": result.calls[:1000]}


QUEUE_LOG_BODY = {"requestBody": {"required": True, "content": {"text/plain": {"schema": {
    "type": "string", "example": "1763863200|1763863200.1|aftersale|NONE|ENTERQUEUE||13812345678|1\n"}}}}}


@router.post("/calls/queue-log", auth=switch_only, response=ImportedOut, summary="Import an Asterisk queue_log",
             openapi_extra=QUEUE_LOG_BODY)
def import_queue_log(request: HttpRequest):
    """The body is queue_log text (UTF-8). Lines that cannot be read are listed in `problems` with their numbers;
    every other line is recorded. Sending the same text again records nothing new."""
    body = _body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError([_error(["body"], f"not UTF-8 text (byte {exc.start})", "encoding")]) from None
    if not text.strip():
        raise ValidationError([_error(["body"], "send the queue_log's lines", "missing")])
    result = services.import_queue_log(text.splitlines(), source=_source(request))
    return {**_recorded(result), "lines": result.lines, "skipped": result.skipped,
            "problems": [p.as_dict() for p in result.problems[:1000]]}


class FiguresQuery(Schema):
    date: dt.date | None = Field(None, description="a local (Asia/Shanghai) date; today when left out")
    sl_seconds: int = Field(20, ge=0, le=3600, description="service level: answered within this many seconds")
    short_abandon_seconds: int = Field(5, ge=0, le=600,
                                       description="abandons after less wait leave the service level's base")


class IntervalQuery(FiguresQuery):
    minutes: int = Field(15, ge=5, le=1440, description="the interval; it must divide the day")


def _day(value: dt.date | None) -> dt.date:
    return value or clock.localnow().date()


@router.get("/calls/figures", auth=readers, response=DayFiguresOut, summary="The day's contact-centre figures")
def day_figures(request: HttpRequest, query: Query[FiguresQuery]):
    figures = selectors.figures_for_day(_day(query.date), sl_seconds=query.sl_seconds,
                                        short_abandon_seconds=query.short_abandon_seconds)
    return DayFiguresOut.of(figures)


@router.get("/calls/figures/intervals", auth=readers, response=list[IntervalOut], summary="Figures per interval")
def interval_figures(request: HttpRequest, query: Query[IntervalQuery]):
    intervals = selectors.figures_by_interval(_day(query.date), query.minutes, sl_seconds=query.sl_seconds,
                                              short_abandon_seconds=query.short_abandon_seconds)
    return [IntervalOut.of(i) for i in intervals]


@router.get("/calls/queues", auth=readers, response=list[QueueNowOut], summary="Calls waiting and talking now")
def queues(request: HttpRequest):
    return [QueueNowOut.of(q) for q in selectors.queue_lengths()]
