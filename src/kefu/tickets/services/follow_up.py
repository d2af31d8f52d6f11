"""The follow-up visit (回访) after a resolution [seed 001]: scheduled for the next working day, sent by a
duty (once), answered with the survey; a low score reopens the conversation as a care task."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from kefu.contact.selectors import business_calendar
from kefu.core import audit, clock, events
from kefu.core.duties import duty
from kefu.core.errors import DomainError, InvalidTransition

from ..models import FollowUpVisit, Kind, QuestionKind, Severity, SurveyQuestion, Ticket, Visit
from ._common import customer_of, payload, text


def low_score() -> int:
    """A score at or below this opens a care task (KEFU_TICKETS_LOW_CSAT, default 2)."""
    return int(getattr(settings, "KEFU_TICKETS_LOW_CSAT", 2))


def expire_days() -> int:
    return int(getattr(settings, "KEFU_TICKETS_SURVEY_DAYS", 7))


def schedule(ticket: Ticket, resolved_at) -> FollowUpVisit:
    """The visit of a resolution: at the start of the next working day. A ticket resolved again (after a
    reopening) gets its visit moved, not a second one."""
    due = business_calendar().next_service_day_start(resolved_at)
    visit, created = FollowUpVisit.objects.get_or_create(
        ticket=ticket, defaults={"due_at": due, "token": secrets.token_urlsafe(32)})
    if not created:
        visit.due_at, visit.status, visit.sent_at = due, Visit.SCHEDULED, None
        visit.answered_at, visit.csat, visit.comment, visit.answers = None, None, "", []
        visit.save()
    return visit


@duty("tickets.send_follow_ups", every=timedelta(minutes=1))
def send_due(limit: int = 500) -> int:
    """Send the visits that are due; a conditional UPDATE makes a second run send nothing."""
    now = clock.now()
    sent = 0
    for pk in list(FollowUpVisit.objects.filter(status=Visit.SCHEDULED, due_at__lte=now)
                   .values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not FollowUpVisit.objects.filter(pk=pk, status=Visit.SCHEDULED).update(status=Visit.SENT,
                                                                                       sent_at=now):
                continue
            visit = FollowUpVisit.objects.select_related("ticket__queue").get(pk=pk)
            events.emit("ticket.follow_up_sent", payload(visit.ticket, visit_id=visit.pk, token=visit.token,
                                                         at=now.isoformat()))
            sent += 1
    FollowUpVisit.objects.filter(status=Visit.SENT, sent_at__lte=now - timedelta(days=expire_days())).update(
        status=Visit.EXPIRED)
    return sent


def _answers(raw: dict) -> list[dict]:
    """Check the configurable questions' answers: required ones present, values of the right kind."""
    out = []
    for q in SurveyQuestion.objects.filter(active=True):
        value = raw.get(str(q.pk), raw.get(q.pk))
        if value in (None, ""):
            if q.required:
                raise DomainError("please answer this question", field=f"answers.{q.pk}", code="required")
            continue
        if q.kind == QuestionKind.SCORE:
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = 0
            if not 1 <= value <= 5:
                raise DomainError("a score from 1 to 5", field=f"answers.{q.pk}")
        elif q.kind == QuestionKind.YES_NO:
            if str(value).lower() not in ("yes", "no", "true", "false"):
                raise DomainError("yes or no", field=f"answers.{q.pk}")
            value = str(value).lower() in ("yes", "true")
        else:
            value = text(str(value), f"answers.{q.pk}", limit=2000)
        out.append({"question_id": q.pk, "question": q.text, "kind": q.kind, "value": value})
    return out


@transaction.atomic
def answer(visit: FollowUpVisit, *, csat: int, comment: str = "", answers: dict | None = None, by=None):
    """The customer's survey answer (once). A low score opens a care task for the customer-care team."""
    from .intake import open_ticket

    visit = FollowUpVisit.objects.select_for_update(of=("self",)).select_related("ticket__customer").get(pk=visit.pk)
    customer = customer_of(by)
    if customer is not None and customer.pk != visit.ticket.customer_id:
        raise DomainError("this is not your survey", field="visit", code="forbidden")
    if visit.status == Visit.ANSWERED:
        raise InvalidTransition("this survey has already been answered", field="visit", code="already_answered")
    if visit.status == Visit.EXPIRED:
        raise InvalidTransition("this survey has expired", field="visit", code="expired")
    try:
        csat = int(csat)
    except (TypeError, ValueError):
        csat = 0
    if not 1 <= csat <= 5:
        raise DomainError("a score from 1 to 5", field="csat")
    now = clock.now()
    visit.csat, visit.comment = csat, text(comment, "comment", required=False, limit=2000)
    visit.answers = _answers(answers or {})
    visit.status, visit.answered_at = Visit.ANSWERED, now
    visit.sent_at = visit.sent_at or now
    ticket = visit.ticket
    if csat <= low_score():
        body = f"回访满意度 {csat} 分。" + (f"顾客的话：{visit.comment}" if visit.comment else "")
        visit.care_task = open_ticket(
            channel=ticket.channel, subject=f"回访低分：{ticket.subject}"[:120], body=body,
            customer=ticket.customer, order=ticket.order, case=ticket.case, kind=Kind.CARE_TASK,
            severity=Severity.HIGH, by="follow-up", requester_email=ticket.requester_email, parent=ticket,
            queue_code="care")
    visit.save()
    audit.field_changed(ticket, "csat", "", csat, actor=by, reason=visit.comment[:200])
    events.emit("ticket.survey_answered", payload(ticket, csat=csat, visit_id=visit.pk,
                                                  care_task=visit.care_task.number if visit.care_task else None,
                                                  at=now.isoformat()))
    return visit
