"""The shift handover (交接) [seed 001, seed 004]: at the end of the early and the late shift, the list of the
shift's open items with their last note and next action, acknowledged by the next shift.

What a handover lists (kept simple on purpose):
- the open tickets assigned to the agents rostered on that shift that date, and
- the open escalated tickets nobody holds (the care team's, or a supervisor's not yet taken): they belong to
  no agent, so without this they would fall between two shifts.

Preparing is idempotent until the next shift acknowledges: preparing again adds the new open items, drops the
ones resolved since, and refreshes every note and next action. A duty prepares the handover of the running
shift in its last 30 minutes if nobody has, so the list always exists at the change of shift.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kefu.core import audit, clock, events
from kefu.core.duties import duty
from kefu.core.errors import DomainError, InvalidTransition
from kefu.core.roles import SUPERVISE_TICKETS
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Ticket, TicketMessage

from . import selectors
from .models import Handover, HandoverItem, RosterEntry, Shift

LAST_NOTE_LIMIT = 500
NOTE_LIMIT = 2000
AUTO_PREPARE_BEFORE_END = timedelta(minutes=30)


class NotOnNextShift(DomainError):
    """Only someone rostered on the next shift (or a supervisor) acknowledges a handover."""

    status = 403
    code = "not_next_shift"


def _user(by) -> AbstractBaseUser | None:
    return by if isinstance(by, AbstractBaseUser) else None


def _shift(shift: Shift | str) -> Shift:
    if isinstance(shift, Shift):
        return shift
    found = Shift.objects.filter(code=shift, active=True).first()
    if found is None:
        raise DomainError(f"no shift {shift!r}", field="shift", code="not_found")
    return found


def handover_tickets(shift: Shift, service_date: date) -> QuerySet:
    """The open items of a shift (see the module's docstring), with their last note: the latest internal note,
    else the latest public message."""
    rostered = RosterEntry.objects.filter(shift=shift, date=service_date).values("user_id")

    def latest(**only):
        return Subquery(TicketMessage.objects.filter(ticket=OuterRef("pk"), **only)
                        .order_by("-created_at", "-id").values("body")[:1])

    return (Ticket.objects.filter(status__in=st.OPEN_STATUSES)
            .filter(Q(assignee__in=rostered) | Q(escalation_level__gt=0, assignee__isnull=True))
            .annotate(last_note=Coalesce(latest(internal=True), latest()))
            .order_by("priority", "created_at", "id"))


@transaction.atomic
def prepare_handover(shift: Shift | str, service_date: date, *, by, note: str = "") -> Handover:
    """Prepare (or refresh) the handover of a shift. `note` is the word for the next shift; left empty, the note
    already written stays (the duty prepares with none). Refused once the next shift has acknowledged it."""
    shift = _shift(shift)
    now = clock.now()
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise DomainError(f"at most {NOTE_LIMIT} characters", field="note", code="too_long")
    start, _end = selectors.shift_window(shift, service_date)
    if start > now:
        raise DomainError("this shift has not started yet", field="date", code="not_started")
    handover, created = Handover.objects.get_or_create(
        shift=shift, date=service_date, defaults={"prepared_by": _user(by), "prepared_at": now, "note": note})
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.acknowledged_at is not None:
        raise InvalidTransition("the next shift has acknowledged this handover: it can no longer change",
                                field="handover", code="acknowledged")
    before = handover.items.count()
    wanted = {t.pk: t for t in handover_tickets(shift, service_date)}
    handover.items.exclude(ticket_id__in=list(wanted)).delete()
    have = {item.ticket_id: item for item in handover.items.all()}
    for pk, ticket in wanted.items():
        item = have.get(pk) or HandoverItem(handover=handover, ticket=ticket)
        item.last_note = (ticket.last_note or "")[:LAST_NOTE_LIMIT]
        item.next_action = ticket.next_step
        item.save()
    handover.prepared_by, handover.prepared_at = _user(by), now
    if note:
        handover.note = note
    handover.save()
    audit.field_changed(handover, "items", "" if created else before, len(wanted), actor=by,
                        reason="prepared" if created else "refreshed")
    events.emit("contact.handover_prepared", _payload(handover, items=len(wanted), at=now.isoformat()))
    return handover


@transaction.atomic
def acknowledge_handover(handover: Handover, *, by) -> Handover:
    """The next shift has read the list and takes it over: someone rostered on the shift that starts when this
    one ends, or a supervisor. Once."""
    handover = Handover.objects.select_for_update(of=("self",)).select_related("shift").get(pk=handover.pk)
    if handover.acknowledged_at is not None:
        raise InvalidTransition("this handover has already been acknowledged", field="handover",
                                code="already_acknowledged")
    user = _user(by)
    nxt = selectors.next_shift(handover.shift, handover.date)
    rostered = user is not None and nxt is not None and RosterEntry.objects.filter(
        user=user, shift=nxt[0], date=nxt[1]).exists()
    if not rostered and not (user is not None and user.has_perm(SUPERVISE_TICKETS)):
        raise NotOnNextShift("only someone on the next shift, or a supervisor, acknowledges a handover",
                             field="handover")
    now = clock.now()
    handover.acknowledged_by, handover.acknowledged_at = user, now
    handover.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit.field_changed(handover, "acknowledged_by", "", user.get_username(), actor=user,
                        reason=f"{nxt[0].code} {nxt[1]:%Y-%m-%d}" if rostered else "supervisor")
    events.emit("contact.handover_acknowledged", _payload(handover, by=user.pk, at=now.isoformat()))
    return handover


def _payload(handover: Handover, **extra) -> dict:
    return {"handover_id": handover.pk, "shift": handover.shift.code, "date": handover.date.isoformat(), **extra}


@duty("contact.prepare_handovers", every=timedelta(minutes=5))
def prepare_due_handovers() -> int:
    """In the last 30 minutes of the running shift, prepare its handover if nobody has."""
    now = clock.now()
    found = selectors.current_shift(now)
    if found is None:
        return 0
    shift, service_date = found
    _start, end = selectors.shift_window(shift, service_date)
    if end - now > AUTO_PREPARE_BEFORE_END or Handover.objects.filter(shift=shift, date=service_date).exists():
        return 0
    try:
        prepare_handover(shift, service_date, by="system")
    except InvalidTransition:  # acknowledged in between: nothing left to do
        return 0
    return 1
