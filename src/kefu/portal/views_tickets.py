"""The customer's complaint centre: my complaints, a new one, one complaint with its conversation and the
answer to a proposed solution, the notices the customer is sent, and the follow-up survey (回访).

Seed 003: a complaint the customer submits is in their list at once, with its number, status and the next
promised step. Every write is a ticket service's; these views only translate between forms and services.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.commerce.models import Customer
from kefu.core import clock
from kefu.core.errors import DomainError, InvalidTransition
from kefu.tickets import ticket_states as st
from kefu.tickets.models import Author, FollowUpVisit, Notice, SurveyQuestion, Ticket, Visit
from kefu.tickets.selectors import customer_tickets
from kefu.tickets.services import conversation, flow, follow_up
from kefu.tickets.services.intake import open_ticket

from . import ticket_text as words
from .access import customer_of, customer_required
from .forms_tickets import AnswerForm, MessageForm, SurveyForm, TicketForm

TICKETS_PER_PAGE = 10
NOTICES_PER_PAGE = 20
TOKENS_KEY = "complaint_form_tokens"
MAX_TOKENS = 20  # forms open at once in one session (tabs); the oldest token lapses first
# The one-time token travels on the ticket too, so a second POST of the same form finds the first ticket.
SOURCE_PREFIX = "web-form:"


# ---- my complaints --------------------------------------------------------------------------------------

@customer_required
def ticket_list(request):
    tickets = (customer_tickets(request.customer).select_related("order", "merged_into")
               .order_by("-created_at", "-id"))
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"ticket": t, "status": words.status_words(t.status), "badge": words.STATUS_BADGE.get(t.status, ""),
             "kind": words.kind_words(t.kind)} for t in page.object_list]
    return render(request, "portal/tickets/ticket_list.html", {"page": page, "rows": rows})


# ---- a new complaint ------------------------------------------------------------------------------------

def _issue_token(request) -> str:
    token = uuid.uuid4().hex
    request.session[TOKENS_KEY] = [*request.session.get(TOKENS_KEY, [])[-(MAX_TOKENS - 1):], token]
    return token


def _issued(request, token: str) -> bool:
    return bool(token) and token in request.session.get(TOKENS_KEY, [])


def _spend(request, token: str) -> None:
    request.session[TOKENS_KEY] = [t for t in request.session.get(TOKENS_KEY, []) if t != token]


def _submitted(customer, token: str) -> Ticket | None:
    if not token:
        return None
    return Ticket.objects.filter(customer=customer, source_ref=SOURCE_PREFIX + token).first()


@transaction.atomic
def _open_once(customer, token: str, data: dict, *, by) -> Ticket:
    """Open the ticket unless this form's token already opened one. The customer's row is locked first, so a
    double-click's second request waits for the first and then finds its ticket (SQLite serialises the
    writers anyway; PostgreSQL needs the lock)."""
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    earlier = _submitted(customer, token)
    if earlier is not None:
        return earlier
    return open_ticket(channel="web", subject=data["subject"], body=data["body"], customer=customer,
                       order=data.get("order"), case=data.get("case"), kind=data["kind"], by=by,
                       source_ref=SOURCE_PREFIX + token)


def _new_page(request, form: TicketForm, token: str, *, status: int = 200):
    return render(request, "portal/tickets/ticket_new.html", {"form": form, "token": token}, status=status)


@customer_required
def ticket_new(request):
    customer = request.customer
    if request.method != "POST":
        initial = {name: request.GET[name] for name in ("order", "case") if request.GET.get(name)}
        return _new_page(request, TicketForm(customer, initial=initial), _issue_token(request))

    token = request.POST.get("token", "")
    earlier = _submitted(customer, token)
    if earlier is not None:  # the same form again (a double-click, a refresh): the first submission stands
        messages.info(request, _("Complaint %(number)s has already been submitted; here it is.")
                      % {"number": earlier.number})
        return redirect("portal:ticket_detail", earlier.number)
    form = TicketForm(customer, request.POST)
    if not form.is_valid():
        return _new_page(request, form, token if _issued(request, token) else _issue_token(request), status=422)
    if not _issued(request, token):
        form.add_error(None, _("This form has expired. Please check it and send it again."))
        return _new_page(request, form, _issue_token(request), status=422)
    try:
        ticket = _open_once(customer, token, form.cleaned_data, by=request.user)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, words.error_message(exc))
        return _new_page(request, form, token, status=422)
    _spend(request, token)
    messages.success(request, _("Your complaint %(number)s has been submitted. You can follow it here and in "
                                "My complaints.") % {"number": ticket.number})
    return redirect("portal:ticket_detail", ticket.number)


# ---- one complaint --------------------------------------------------------------------------------------

def _own_ticket(request, number: str) -> Ticket:
    ticket = (customer_tickets(request.customer).filter(number=number)
              .select_related("order", "case", "merged_into", "follow_up").first())
    if ticket is None:
        raise Http404("no such complaint for this customer")
    return ticket


def _open_visit(ticket: Ticket) -> FollowUpVisit | None:
    visit = getattr(ticket, "follow_up", None)  # a missing reverse one-to-one reads as None here
    return visit if visit is not None and visit.status in words.OPEN_VISITS else None


def _ticket_page(request, ticket: Ticket, *, message_form=None, answer_form=None, status: int = 200):
    takes_messages = ticket.status not in (st.CLOSED, st.MERGED)
    awaits_answer = ticket.flow == st.PROPOSED and ticket.is_open
    public = ticket.messages.filter(internal=False).exclude(author_kind=Author.SYSTEM).order_by("created_at", "id")
    return render(request, "portal/tickets/ticket_detail.html", {
        "ticket": ticket, "status": words.status_words(ticket.status),
        "badge": words.STATUS_BADGE.get(ticket.status, ""), "kind": words.kind_words(ticket.kind),
        "steps": words.steps(ticket), "outcome": words.outcome(ticket),
        "conversation": words.conversation(public), "visit": _open_visit(ticket),
        "message_form": (message_form or MessageForm()) if takes_messages else None,
        "answer_form": (answer_form or AnswerForm()) if awaits_answer else None,
    }, status=status)


@customer_required
def ticket_detail(request, number: str):
    ticket = _own_ticket(request, number)
    survivor = ticket.merged_into
    if ticket.status == st.MERGED and survivor is not None and survivor.customer_id == request.customer.pk:
        messages.info(request, _("Complaint %(old)s was merged into %(new)s: it carries on there.")
                      % {"old": ticket.number, "new": survivor.number})
        return redirect("portal:ticket_detail", survivor.number)
    return _ticket_page(request, ticket)


def _detail_url(ticket: Ticket, anchor: str) -> str:
    return f"{reverse('portal:ticket_detail', args=[ticket.number])}#{anchor}"


@customer_required
@require_POST
def ticket_message(request, number: str):
    ticket = _own_ticket(request, number)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, ticket, message_form=form, status=422)
    try:
        conversation.customer_writes(ticket, form.cleaned_data["body"], by=request.user)
    except InvalidTransition as exc:
        messages.error(request, words.error_message(exc, action="write"))
        return redirect("portal:ticket_detail", ticket.number)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise Http404("no such complaint for this customer") from None
        form.add_error("body" if exc.field == "body" else None, words.error_message(exc))
        return _ticket_page(request, ticket, message_form=form, status=422)
    messages.success(request, _("Your message has been added. Customer service will answer it."))
    return redirect(_detail_url(ticket, "conversation"))


@customer_required
@require_POST
def ticket_answer(request, number: str):
    """The customer accepts the proposed solution, or not and why."""
    ticket = _own_ticket(request, number)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, ticket, answer_form=form, status=422)
    try:
        flow.record_answer(ticket, accepted=form.is_accepted, reason=form.cleaned_data["reason"], by=request.user)
    except InvalidTransition as exc:
        messages.error(request, words.error_message(exc, action="answer"))
        return redirect("portal:ticket_detail", ticket.number)
    except DomainError as exc:
        form.add_error("reason" if exc.field == "reason" else None, words.error_message(exc))
        return _ticket_page(request, ticket, answer_form=form, status=422)
    if form.is_accepted:
        messages.success(request, _("Thank you. Customer service will now carry out the solution."))
    else:
        messages.success(request, _("Thank you. Customer service will come back to you with another proposal."))
    return redirect("portal:ticket_detail", ticket.number)


# ---- notices ----------------------------------------------------------------------------------------------

def _notice_href(notice: Notice) -> str:
    """Where a notice leads: its own link if it is a page of ours or a web address, else its complaint."""
    link = notice.link or ""
    if (link.startswith("/") and not link.startswith("//")) or link.startswith(("https://", "http://")):
        return link
    return reverse("portal:ticket_detail", args=[notice.ticket.number]) if notice.ticket_id else ""


@customer_required
def notice_list(request):
    """The customer's notices, newest first. Opening the page marks the ones shown as read."""
    notices = Notice.objects.filter(customer=request.customer).select_related("ticket").order_by("-created_at", "-id")
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    unread = {n.pk for n in shown if n.read_at is None}
    if unread:
        # Only a timestamp on the customer's own rows: there is no business rule behind reading a notice.
        Notice.objects.filter(pk__in=unread, read_at__isnull=True).update(read_at=clock.now())
    rows = [{"notice": n, "new": n.pk in unread, "href": _notice_href(n)} for n in shown]
    return render(request, "portal/tickets/notices.html", {"page": page, "rows": rows})


# ---- the follow-up survey ---------------------------------------------------------------------------------

def _survey_page(request, visit: FollowUpVisit, state: str, form: SurveyForm | None = None, *, status: int = 200):
    return render(request, "portal/tickets/survey.html", {
        "visit": visit, "ticket": visit.ticket, "state": state, "form": form,
        "csat_words": words.csat_words(visit.csat),
    }, status=status)


def survey(request, token: str):
    """Reached from the email or SMS link: the unguessable token is the key, signed in or not. A signed-in
    customer who is not the ticket's sees nothing."""
    visit = FollowUpVisit.objects.select_related("ticket__customer", "care_task").filter(token=token).first()
    if visit is None:
        raise Http404("no such survey")
    viewer = customer_of(request.user)
    if viewer is not None and viewer.pk != visit.ticket.customer_id:
        raise Http404("no such survey for this customer")
    if visit.status == Visit.ANSWERED:
        return _survey_page(request, visit, "answered")
    if visit.status == Visit.EXPIRED:
        return _survey_page(request, visit, "expired", status=410)
    questions = list(SurveyQuestion.objects.filter(active=True))
    if request.method != "POST":
        return _survey_page(request, visit, "open", SurveyForm(questions))
    form = SurveyForm(questions, request.POST)
    if form.is_valid():
        try:
            follow_up.answer(visit, csat=form.cleaned_data["csat"], comment=form.cleaned_data["comment"],
                             answers=form.answers(), by=request.user if viewer is not None else None)
        except InvalidTransition:
            return redirect("portal:survey", token)  # answered meanwhile, or expired: the page says which
        except DomainError as exc:
            if exc.code == "forbidden":
                raise Http404("no such survey for this customer") from None
            form.add_error(form.field_for(exc.field), words.error_message(exc))
        else:
            return redirect("portal:survey", token)
    return _survey_page(request, visit, "open", form, status=422)
