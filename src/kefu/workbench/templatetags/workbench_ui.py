"""Small presentation helpers of the after-sales pages: ages against the one clock, rates, status tones."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.translation import ngettext

from kefu.aftersales import case_states as st
from kefu.core import clock

register = template.Library()

TONES = {
    st.REQUESTED: "new", st.APPROVED: "info", st.AWAITING_RETURN: "info", st.IN_TRANSIT: "info",
    st.RECEIVED: "warn", st.INSPECTING: "warn", st.ACCEPTED: "ok", st.PARTLY_ACCEPTED: "ok",
    st.REJECTED: "bad", st.DECLINED: "bad", st.REFUNDING: "info", st.RESHIPPING: "info", st.REPAIRING: "info",
    st.CLOSED: "done", st.CANCELLED: "done",
}


@register.filter
def case_tone(status: str) -> str:
    """The colour family of a case status: new, info, warn, ok, bad, done."""
    return TONES.get(status, "info")


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, in the largest whole unit: '35 minutes', '5 hours', '3 days' (against kefu's clock)."""
    if moment is None:
        return ""
    minutes = max(int((clock.now() - moment).total_seconds() // 60), 0)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


@register.filter
def percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate}%"


# ---- tickets -----------------------------------------------------------------------------------------------------

TICKET_TONES = {"new": "new", "open": "info", "waiting_customer": "warn", "resolved": "ok", "closed": "done",
                "merged": "done"}


@register.filter
def ticket_tone(status: str) -> str:
    """The colour family of a ticket status (the same families as the cases')."""
    return TICKET_TONES.get(status, "info")


@register.filter
def due_label(moment: datetime | None) -> str:
    """A due time as agents say it: 'today 14:30', 'tomorrow 09:00', else '11-26 09:00' (Beijing time)."""
    from django.utils import timezone
    from django.utils.translation import gettext

    if moment is None:
        return ""
    local = timezone.localtime(moment)
    days = (local.date() - clock.localnow().date()).days
    hhmm = local.strftime("%H:%M")
    if days == 0:
        return gettext("today %(time)s") % {"time": hhmm}
    if days == 1:
        return gettext("tomorrow %(time)s") % {"time": hhmm}
    if days == -1:
        return gettext("yesterday %(time)s") % {"time": hhmm}
    return local.strftime("%m-%d %H:%M")


@register.filter
def work_minutes(minutes: int | None) -> str:
    """Business minutes as '45 min' or '3 h 05 min'."""
    from django.utils.translation import gettext

    if minutes is None:
        return ""
    if minutes < 60:
        return gettext("%(n)d min") % {"n": minutes}
    return gettext("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}
