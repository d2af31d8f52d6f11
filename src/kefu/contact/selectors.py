"""Reads of the team's calendar and roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from .calendar import BusinessCalendar, ShiftSpec, default_calendar
from .models import Handover, HandoverItem, Holiday, RosterEntry, Shift


def business_calendar() -> BusinessCalendar:
    """The SLA calendar: the active shifts, every day of the week, minus holidays, plus make-up days."""
    shifts = tuple(ShiftSpec(s.code, s.start, s.end) for s in Shift.objects.filter(active=True))
    if not shifts:
        return default_calendar()
    holidays, workdays = set(), set()
    for day, workday in Holiday.objects.values_list("date", "workday"):
        (workdays if workday else holidays).add(day)
    return BusinessCalendar(shifts=shifts, tz=ZoneInfo(settings.TIME_ZONE), holidays=frozenset(holidays),
                            extra_workdays=frozenset(workdays))


def current_shift(at: datetime, calendar: BusinessCalendar | None = None) -> tuple[Shift, object] | None:
    """The shift row covering `at` and its service date, or None outside business hours."""
    calendar = calendar or business_calendar()
    return _shift_row(calendar.shift_at(at))


def on_shift_user_ids(at: datetime, calendar: BusinessCalendar | None = None) -> set[int]:
    """Agents rostered on the shift running at `at`."""
    found = current_shift(at, calendar)
    if found is None:
        return set()
    shift, service_date = found
    return set(RosterEntry.objects.filter(shift=shift, date=service_date).values_list("user_id", flat=True))


# --- shifts around a moment, for the handover (交接) -----------------------------------------------------

def shift_window(shift: Shift, service_date: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """When a shift of a service date starts and ends (the late shift ends on the next calendar day)."""
    tz = tz or ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(service_date, shift.start, tzinfo=tz)
    end_day = service_date + timedelta(days=1) if shift.end <= shift.start else service_date
    return start, datetime.combine(end_day, shift.end, tzinfo=tz)


def _shift_row(found) -> tuple[Shift, date] | None:
    """The row of a calendar shift; None when there is none (with no shift rows at all, the default
    calendar still times SLAs, but nobody is rostered and nothing is handed over)."""
    if found is None:
        return None
    spec, service_date = found
    shift = Shift.objects.filter(code=spec.code).first()
    return (shift, service_date) if shift else None


def next_shift(shift: Shift, service_date: date, calendar: BusinessCalendar | None = None
               ) -> tuple[Shift, date] | None:
    """The shift that takes over: the first one running at or after this one's end (early → the same day's
    late; late → the next service day's early, past holidays)."""
    calendar = calendar or business_calendar()
    _start, end = shift_window(shift, service_date, calendar.tz)
    try:
        return _shift_row(calendar.shift_at(calendar.next_opening(end)))
    except ValueError:  # no business time ahead at all
        return None


def shift_before(moment: datetime, calendar: BusinessCalendar | None = None) -> tuple[Shift, date] | None:
    """The last shift that ran before `moment` (looking back up to 31 days, past holidays)."""
    calendar = calendar or business_calendar()
    windows = calendar.windows(moment - timedelta(days=31), moment)
    if not windows:
        return None
    return _shift_row(calendar.shift_at(windows[-1][1] - timedelta(microseconds=1)))


def previous_shift(shift: Shift, service_date: date, calendar: BusinessCalendar | None = None
                   ) -> tuple[Shift, date] | None:
    """The shift that handed over to this one."""
    calendar = calendar or business_calendar()
    return shift_before(shift_window(shift, service_date, calendar.tz)[0], calendar)


@dataclass(frozen=True)
class HandoverOverview:
    """The shift running now (None outside hours) and its handover; the shift before and the handover it left."""

    now: tuple[Shift, date] | None
    current: Handover | None
    before: tuple[Shift, date] | None
    previous: Handover | None


def handover_overview(at: datetime) -> HandoverOverview:
    calendar = business_calendar()
    now = current_shift(at, calendar)
    before = previous_shift(*now, calendar) if now else shift_before(at, calendar)

    def handover(found):
        return handover_detail().filter(shift=found[0], date=found[1]).first() if found else None

    return HandoverOverview(now=now, current=handover(now), before=before, previous=handover(before))


def handover_detail():
    """Handovers with what a page or the API shows of them."""
    return (Handover.objects.select_related("shift", "prepared_by", "acknowledged_by")
            .prefetch_related(Prefetch("items", HandoverItem.objects.select_related("ticket__assignee")
                                       .order_by("ticket__priority", "ticket__created_at", "id"))))
