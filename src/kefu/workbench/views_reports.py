"""The supervisors' ticket report: volume, SLA targets met, escalations, causes and the follow-up survey (CSAT),
overall and per agent, over a date range (the last 7 days by default), with a CSV of the same figures."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from kefu.core import roles
from kefu.tickets.reports import TicketReport, ticket_report

from .access import permission_required
from .exports import csv_response, safe_cell
from .forms import MAX_REPORT_DAYS, DateRangeForm

supervisors_only = permission_required(roles.WORKBENCH, roles.SUPERVISE_TICKETS)


@supervisors_only
def ticket_report_page(request):
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "workbench/reports/tickets.html", {"form": form, "max_days": MAX_REPORT_DAYS},
                      status=400)
    report = ticket_report(form.cleaned_data["start"], form.cleaned_data["end"])
    if request.GET.get("export") == "csv":
        return _csv(report)
    return render(request, "workbench/reports/tickets.html", {"form": form, "report": report,
                                                              "max_days": MAX_REPORT_DAYS})


def _csv(report: TicketReport):
    response, out = csv_response(f"tickets-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv")
    out.writerow([_("Figure"), _("Value")])
    for label, value in [(_("Tickets opened"), report.opened), (_("Tickets resolved"), report.resolved),
                         (_("First response within target (%)"), report.first_response.rate),
                         (_("Resolution within target (%)"), report.resolution.rate),
                         (_("Escalated to the supervisor"), report.to_supervisor),
                         (_("Handed to the customer-care team"), report.to_care_team),
                         (_("Surveys sent"), report.surveys_sent), (_("Surveys answered"), report.surveys_answered),
                         (_("Average satisfaction"), report.csat_average),
                         (_("Satisfied (4–5) (%)"), report.satisfied_rate),
                         (_("Care tasks from low scores"), report.care_tasks)]:
        out.writerow([label, "" if value is None else value])
    for section, rows in ((_("Channel"), report.by_channel), (_("Cause"), report.causes)):
        for label, n in rows:
            out.writerow([f"{section}: {label}", n])
    out.writerow([])
    out.writerow([_("Agent"), _("Tickets resolved"), _("Surveys answered"), _("Average satisfaction")])
    for row in report.agents:
        out.writerow([safe_cell(row.label), row.resolved, row.answered, "" if row.csat is None else row.csat])
    return response
