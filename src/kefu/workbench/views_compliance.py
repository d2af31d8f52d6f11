"""售后100分 compliance for supervisors and the care team: decisions within 100 minutes of warehouse receipt, by
day and by agent over a date range (the last 7 days by default, at most 92), the clocks running now, and a CSV
of the same rows. The figures come from kefu.aftersales.selectors.hundred_minute_compliance."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kefu.aftersales.models import alert_minutes, hundred_minutes
from kefu.core import clock, roles

from . import queries
from .access import compliance_required
from .exports import csv_response, safe_cell
from .forms import MAX_REPORT_DAYS, DateRangeForm


@compliance_required
def compliance(request):
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "workbench/compliance.html", {
            "form": form, "max_days": MAX_REPORT_DAYS, "hundred": hundred_minutes(),
        }, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = queries.compliance_report(start, end)
    if request.GET.get("export") == "csv":
        return _csv(report, start, end)
    running, running_count = queries.running_clocks()
    return render(request, "workbench/compliance.html", {
        "form": form, "start": start, "end": end, "report": report, "running": running,
        "running_count": running_count, "max_days": MAX_REPORT_DAYS, "hundred": hundred_minutes(),
        "alert": alert_minutes(), "now": clock.now(),
        "may_work_cases": request.user.has_perms([roles.WORKBENCH, roles.WORK_CASES]),
    })


def _csv(report: dict, start, end) -> HttpResponse:
    response, out = csv_response(f"hundred-minutes-{start:%Y%m%d}-{end:%Y%m%d}.csv")
    within = _("Within %(n)s minutes") % {"n": hundred_minutes()}
    out.writerow([_("Table"), _("Day or agent"), _("Decided"), within, _("Rate (%)")])
    for section, rows in ((_("By day"), report["days"]), (_("By agent"), report["agents"])):
        for row in rows:
            out.writerow([section, safe_cell(row.label), row.decided, row.within_100,
                          "" if row.rate is None else f"{row.rate}"])
    total = report["total"]
    out.writerow([_("Total"), f"{start.isoformat()} – {end.isoformat()}", total.decided, total.within_100,
                  "" if total.rate is None else f"{total.rate}"])
    return response
