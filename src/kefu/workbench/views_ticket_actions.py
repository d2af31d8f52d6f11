"""Every action on a ticket is a POST to its own URL: the view checks who may do it, validates its form, calls
the service, and redirects back with a message (Post/Redirect/Get). A refusal shows the ticket page again with
the error at the field and the service's 4xx status; the service's transaction means nothing was written.

Permission refusals are 403: the care team's tickets belong to supervisors (or whoever holds one); handing a
ticket to the care team and merging are for supervisors (kefu.core.roles).
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.tickets import ticket_states as st
from kefu.tickets.models import FLOW_LABELS, Ticket
from kefu.tickets.services import assignment, conversation, escalation, flow, merging

from . import ticket_queries as tq
from .forms_tickets import ACTION_FORMS, SplitForm
from .views_tickets import explain, show_ticket, ticket_or_404, tickets_required

# Form fields the services name differently.
_FIELD_ALIASES = {"assignee": "agent"}


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _reply(request, ticket, data):
    conversation.agent_replies(ticket, data["body"], by=request.user, wait_for_customer=data["wait_for_customer"],
                               confirm_coach=data["confirm_coach"])
    if data["wait_for_customer"]:
        return _("Reply sent. The ticket waits for the customer's answer.")
    return _("Reply sent.")


def _note(request, ticket, data):
    conversation.add_note(ticket, data["body"], by=request.user)
    return _("Internal note added.")


def _analyse(request, ticket, data):
    flow.analyse(ticket, cause=data["cause"], analysis=data["analysis"], by=request.user)
    return _("Cause and analysis recorded.")


def _acknowledge(request, ticket, data):
    flow.acknowledge(ticket, position=data["position"], by=request.user)
    return _("The customer's position is recorded.")


def _propose(request, ticket, data):
    flow.propose(ticket, solution=data["solution"], next_step=data["next_step"], by=request.user)
    return _("Solution proposed: the customer sees it as the next step.")


def _answer(request, ticket, data):
    flow.record_answer(ticket, accepted=data["accepted"], reason=data["reason"], by=request.user)
    return _("The customer accepted the solution.") if data["accepted"] else _("The refusal is recorded.")


def _resolve(request, ticket, data):
    flow.resolve(ticket, by=request.user, note=data["note"])
    return _("Ticket %(number)s resolved. A follow-up visit is scheduled.") % {"number": ticket.number}


def _assign(request, ticket, data):
    agent = request.user if data["to_me"] else data["agent"]
    assignment.assign(ticket, agent, by=request.user)
    if agent == request.user:
        return _("Ticket %(number)s is now yours.") % {"number": ticket.number}
    return _("Ticket %(number)s assigned to %(agent)s.") % {"number": ticket.number, "agent": _name(agent)}


def _escalate(request, ticket, data):
    escalation.escalate(ticket, by=request.user, reason=data["reason"])
    return _("Ticket %(number)s escalated to a supervisor.") % {"number": ticket.number}


def _care_team(request, ticket, data):
    escalation.escalate(ticket, by=request.user, reason=data["reason"], to_care_team=True)
    return _("Ticket %(number)s handed to the customer-care team.") % {"number": ticket.number}


def _merge(request, ticket, data):
    into = Ticket.objects.filter(number=data["into"].upper()).first()
    if into is None:
        raise DomainError("no such ticket", field="into", code="no_such_ticket")
    merging.merge(ticket, into, by=request.user)
    return _("Ticket %(number)s merged into %(into)s.") % {"number": ticket.number, "into": into.number}, into


def _split(request, ticket, data):
    new = merging.split(ticket, data["messages"], subject=data["subject"], by=request.user)
    return _("%(n)d messages moved to the new ticket %(new)s.") % {"n": len(data["messages"]), "new": new.number}


def _reopen(request, ticket, data):
    flow.reopen(ticket, by=request.user, reason=data["reason"])
    return _("Ticket %(number)s reopened.") % {"number": ticket.number}


RUN: dict[str, Callable] = {
    "reply": _reply, "note": _note, "analyse": _analyse, "acknowledge": _acknowledge, "propose": _propose,
    "answer": _answer, "resolve": _resolve, "assign": _assign, "escalate": _escalate, "care_team": _care_team,
    "merge": _merge, "split": _split, "reopen": _reopen,
}
SUPERVISOR_ONLY = {"care_team", "merge"}


def _refusal(exc: DomainError, ticket: Ticket, action: str) -> str:
    if action in {"analyse", "acknowledge", "propose", "answer"} and exc.code == "invalid_transition" \
            and ticket.is_open:
        return _("That handling step is not the next one: the ticket is at “%(step)s”.") % {
            "step": FLOW_LABELS.get(ticket.flow, ticket.flow)}
    if exc.code == "no_such_ticket":
        return _("There is no ticket with that number.")
    return explain(exc, ticket)


def _bound(action: str, request, ticket: Ticket) -> forms.Form:
    form_class = ACTION_FORMS[action]
    if form_class is SplitForm:
        public = [m for m in tq.messages_of(ticket) if not m.internal]
        return SplitForm(request.POST, prefix=action, messages=public)
    return form_class(request.POST, prefix=action)


def run_action(request, number: str, action: str):
    ticket = ticket_or_404(number)
    user = request.user
    if not tq.may_work(ticket, user):
        raise PermissionDenied("the customer-care team's tickets are worked by supervisors")
    if action in SUPERVISOR_ONLY and not tq.supervises(user):
        raise PermissionDenied("only a supervisor may do that")
    form = _bound(action, request, ticket)
    failed = "flow" if action in {"analyse", "acknowledge", "propose", "answer"} else action
    if not form.is_valid():
        return show_ticket(request, ticket, forms={action: form}, status=422, failed=failed,
                           error=_("Please correct the form below."))
    if action == "note" and ticket.status == st.MERGED:  # the service takes notes anywhere; a merged one is over
        text = _("This ticket was merged: write on the ticket it was merged into.")
        form.add_error(None, text)
        return show_ticket(request, ticket, forms={action: form}, status=409, failed=failed, error=text)
    try:
        message = RUN[action](request, ticket, form.cleaned_data)
    except DomainError as exc:
        text = _refusal(exc, ticket, action)
        draft = form.cleaned_data.get("body", "") if action == "reply" else ""  # add_error drops it
        field = _FIELD_ALIASES.get(exc.field or "", exc.field or "")
        form.add_error(field if field in form.fields else None, text)
        flags = getattr(exc, "flags", None) or []
        return show_ticket(request, ticket_or_404(number), forms={action: form}, status=exc.status, error=text,
                           failed=failed, flags=flags, draft=draft)
    # An action returns its message, or (message, the ticket to show next): a merge goes on to the survivor.
    message, shown = message if isinstance(message, tuple) else (message, ticket)
    messages.success(request, message)
    return redirect("workbench:ticket_detail", shown.number)


def _action_view(action: str):
    @tickets_required
    @require_POST
    def view(request, number: str):
        return run_action(request, number, action)

    view.__name__ = f"ticket_{action}"
    return view


reply = _action_view("reply")
note = _action_view("note")
resolve = _action_view("resolve")
assign = _action_view("assign")
merge = _action_view("merge")
split = _action_view("split")
reopen = _action_view("reopen")


@tickets_required
@require_POST
def escalate(request, number: str):
    """One URL for both levels: `level=care_team` hands the ticket on to the customer-care team."""
    return run_action(request, number, "care_team" if request.POST.get("level") == "care_team" else "escalate")


@tickets_required
@require_POST
def flow_step(request, number: str, step: str):
    if step not in tq.FLOW_STEPS:
        raise Http404("no such handling step")
    return run_action(request, number, step)
