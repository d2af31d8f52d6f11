"""Recording a contact as a ticket from the workbench: the phone call the agent just took, a chat, a bad review,
or a ticket opened on the customer's behalf. `?phone=` (from the customer page) fills the customer in."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError
from kefu.tickets.services.intake import open_ticket

from .forms_ticket_new import NewTicketForm
from .views_tickets import explain, tickets_required


@tickets_required
def ticket_new(request):
    if request.method != "POST":
        form = NewTicketForm(initial={k: request.GET[k] for k in ("phone", "order") if request.GET.get(k)})
        return render(request, "workbench/tickets/new.html", {"form": form})
    form = NewTicketForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = open_ticket(channel=data["channel"], subject=data["subject"], body=data["body"],
                                 customer=data["phone"], order=data["order"], kind=data["kind"],
                                 severity=data["severity"], skill=data["skill"], by=request.user,
                                 source_ref=data["source_ref"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, explain(exc))
        else:
            messages.success(request, _("Ticket %(number)s recorded.") % {"number": ticket.number})
            return redirect("workbench:ticket_detail", number=ticket.number)
    return render(request, "workbench/tickets/new.html", {"form": form}, status=422)
