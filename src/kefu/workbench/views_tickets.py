"""The agents' ticket pages: the queue, one ticket, and the two helpers its reply box calls as the agent types
(a canned reply filled in for this ticket, and the reply coach's live advice). The actions (POSTs) live in
views_ticket_actions.py and come back to `show_ticket` when a service refuses them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.contact.selectors import business_calendar
from kefu.core import clock, roles
from kefu.core.errors import DomainError
from kefu.tickets import placeholders
from kefu.tickets import ticket_states as st
from kefu.tickets.models import FLOW_LABELS, STATUS_LABELS, CannedReply, Ticket
from kefu.tickets.services._common import BODY_LIMIT
from kefu.tickets.services.conversation import coach_flags

from . import ticket_queries as tq
from .access import permission_required
from .forms_tickets import ACTION_FORMS, QueueFilterForm, SplitForm, queues
from .queries import CappedPaginator

TICKETS_PER_PAGE = 25
tickets_required = permission_required(roles.WORKBENCH, roles.WORK_TICKETS)


# ---- the queue ---------------------------------------------------------------------------------------------------

@tickets_required
@require_GET
def ticket_queue(request):
    user = request.user
    all_queues = queues()
    form = QueueFilterForm(request.GET, queues=all_queues)
    view = form.value_of("view") or tq.default_view(user)
    queue_code = form.value_of("queue") or ""
    supervisor = tq.supervises(user)
    care_codes = {q.code for q in all_queues if q.care_team}
    if not supervisor and (view in tq.SUPERVISOR_VIEWS or queue_code in care_codes):
        raise PermissionDenied("the escalated list and the care team's queue are for supervisors")
    filters = tq.QueueFilters(view=view, queue=queue_code, priority=form.value_of("priority"),
                              channel=form.value_of("channel") or "", q=form.value_of("q") or "")
    now = clock.now()
    ids, counted = tq.queue(filters, user, now)
    paginator = CappedPaginator(ids, TICKETS_PER_PAGE, counted=counted, cap=tq.COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    rows = tq.queue_rows(page.object_list, now, business_calendar()) if page.object_list else []
    for ticket in rows:
        ticket.phone_shown = ticket.customer.phone_for(user) if ticket.customer_id else ""
    tabs = [{"key": key, "label": label, "active": key == view} for key, label in tq.VIEWS.items()
            if supervisor or key not in tq.SUPERVISOR_VIEWS]
    return render(request, "workbench/tickets/queue.html", {
        "form": form, "filters": filters, "view": view, "view_label": tq.VIEWS[view], "tabs": tabs, "page": page,
        "tickets": rows, "capped": paginator.capped, "cap": paginator.cap,
        "queues": [q for q in all_queues if supervisor or not q.care_team],
        "flow_labels": FLOW_LABELS,
    })


# ---- one ticket --------------------------------------------------------------------------------------------------

def ticket_or_404(number: str) -> Ticket:
    ticket = tq.ticket_detail(number)
    if ticket is None:
        raise Http404("no such ticket")
    return ticket


def _stepper(ticket: Ticket) -> list[dict]:
    """The handling steps, each done, current or to do; a refusal shows in place of the answer."""
    steps = []
    reached = st.FLOW_ORDER.index(st.PROPOSED) if ticket.flow == st.REFUSED else st.FLOW_ORDER.index(ticket.flow)
    for i, code in enumerate(st.FLOW_ORDER):
        if code == st.ACCEPTED and ticket.flow == st.REFUSED:
            steps.append({"code": st.REFUSED, "label": FLOW_LABELS[st.REFUSED], "state": "refused"})
            continue
        state = "done" if i < reached or (i == reached and code == st.ACCEPTED) else (
            "current" if i == reached else "todo")
        steps.append({"code": code, "label": FLOW_LABELS[code], "state": state})
    return steps


def blank_forms(ticket: Ticket, public: list) -> dict:
    made = {}
    for name, form_class in ACTION_FORMS.items():
        if form_class is SplitForm:
            made[name] = SplitForm(prefix=name, messages=public)
        else:
            made[name] = form_class(prefix=name)
    return made


def show_ticket(request, ticket: Ticket, *, forms: dict | None = None, status: int = 200, error: str = "",
                failed: str = "", flags: list | None = None, draft: str = ""):
    """The ticket page: as it is now, with the failing form (if any) bound and its error at the field. `draft` is
    the reply the coach flagged, as the service read it (stripped: the flags' offsets fall on it)."""
    user = request.user
    now = clock.now()
    messages = tq.messages_of(ticket)
    public = [m for m in messages if not m.internal]
    made = blank_forms(ticket, public)
    made.update(forms or {})
    canned_id = request.GET.get("canned", "")
    if canned_id.isdigit() and "reply" not in (forms or {}):
        reply = next((c for c in tq.canned_replies(ticket) if c.pk == int(canned_id)), None)
        if reply is not None:
            made["reply"].initial["body"] = placeholders.render(reply.body, tq.placeholder_values(ticket, user))
    cal = business_calendar()
    clocks = list(ticket.sla_clocks.order_by("started_at", "id"))
    return render(request, "workbench/tickets/detail.html", {
        "ticket": ticket, "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "flow_label": FLOW_LABELS.get(ticket.flow, ticket.flow),
        "escalation_label": tq.ESCALATION_LABELS.get(ticket.escalation_level, ticket.escalation_level),
        "phone_shown": ticket.customer.phone_for(user) if ticket.customer_id else "",
        "clocks": [(c, tq.badge(c, now, cal)) for c in clocks], "sla": tq.pressing(clocks, now, cal),
        "timeline": tq.timeline(ticket, messages), "public_messages": public,
        "actions": tq.actions(ticket, user, len(public)), "may_work": tq.may_work(ticket, user),
        "resolvable": st.resolvable(ticket.flow, ticket.refusal_reason),
        "steps": _stepper(ticket), "next_step": tq.next_flow_step(ticket),
        "forms": made, "error": error, "failed": failed, "flags": flags or [],
        "flag_segments": highlight(draft, flags or []),
        "canned": tq.canned_replies(ticket), "supervisor": tq.supervises(user),
        "may_see_cases": user.has_perm(roles.WORK_CASES),
    }, status=status)


@tickets_required
@require_GET
def ticket_detail(request, number: str):
    return show_ticket(request, ticket_or_404(number))


# ---- the reply box's helpers ---------------------------------------------------------------------------------------

@tickets_required
@require_GET
def ticket_canned(request, number: str, reply_id: int):
    """A canned reply filled in for this ticket: into the reply box (htmx), or the page with it filled in."""
    ticket = ticket_or_404(number)
    reply = get_object_or_404(CannedReply, pk=reply_id, active=True)
    if reply.queue_id not in (None, ticket.queue_id):
        raise Http404("this canned reply belongs to another team")
    if not request.htmx:
        return redirect(f"{reverse('workbench:ticket_detail', args=[ticket.number])}?canned={reply.pk}#reply")
    try:
        text = placeholders.render(reply.body, tq.placeholder_values(ticket, request.user))
    except placeholders.UnknownPlaceholder:  # saved before validation existed: show it as written
        text = reply.body
    form = ACTION_FORMS["reply"](prefix="reply", initial={"body": text})
    return render(request, "workbench/tickets/_reply_body.html", {"ticket": ticket, "forms": {"reply": form}})


def highlight(body: str, flags: list[dict]) -> list[tuple[str, dict | None]]:
    """The draft cut into pieces, each flagged phrase with its flag, for <mark> in the page (escaped there)."""
    pieces, at = [], 0
    for flag in sorted(flags, key=lambda f: f["start"]):
        if flag["start"] < at:
            continue  # overlapping a phrase already marked
        if flag["start"] > at:
            pieces.append((body[at:flag["start"]], None))
        pieces.append((body[flag["start"]:flag["end"]], flag))
        at = flag["end"]
    if at < len(body):
        pieces.append((body[at:], None))
    return pieces


@tickets_required
@require_POST
def ticket_coach(request, number: str):
    """The reply coach reads the draft as the agent types: the flagged phrases, a better wording and why."""
    ticket = ticket_or_404(number)
    body = (request.POST.get("reply-body") or request.POST.get("body") or "")[:BODY_LIMIT]
    flags = coach_flags(body)
    return render(request, "workbench/tickets/_coach.html", {
        "ticket": ticket, "flags": flags, "flag_segments": highlight(body, flags), "live": True})


# ---- refusals in the page's words ----------------------------------------------------------------------------------

def explain(exc: DomainError, ticket: Ticket | None = None) -> str:
    """One sentence for the agent at the screen; anything not recognised keeps the service's own message."""
    code = exc.code
    if code == "reply_coach":
        return _("The reply coach flagged this reply: rephrase it, or tick “Send as written” to send it anyway.")
    if code == "no_agreed_solution":
        return _("A ticket is resolved only with a solution the customer accepted, or with their refusal written "
                 "down.")
    if code == "already_escalated":
        return _("The ticket is already at that level.")
    if code == "other_customer":
        return _("The two tickets belong to different customers: they cannot be merged.")
    if code == "not_senior":
        return _("The diamond queue is served by senior agents: choose a senior agent.")
    if code == "not_an_agent":
        return _("That colleague does not work tickets.")
    if code == "required":
        return _("This cannot be empty.")
    if code == "too_long":
        return _("This is too long.")
    if code == "invalid_choice":
        return _("Choose one of the options.")
    if code == "invalid_transition":
        if ticket is None:
            return _("That is not possible in the ticket's present state.")
        current = Ticket.objects.filter(pk=ticket.pk).values_list("status", flat=True).first() or ticket.status
        return _("Ticket %(number)s is “%(status)s”: that is not possible now.") % {
            "number": ticket.number, "status": STATUS_LABELS.get(current, current)}
    return _("The action was refused: %(detail)s") % {"detail": exc.message}
