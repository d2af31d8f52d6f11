"""The warehouse desk: scan a returned parcel in (starts the 100-minute clock), inspect it, put it back in stock.

The scan box is made for a barcode scanner, which types the tracking (or case) number and presses Enter: the
form posts, the parcel is received and the inspection page opens. A refused scan leaves an empty, focused box
so the next parcel can be scanned at once. Warehouse staff hold aftersales.add_inspection but not the
workbench, so these pages never link to the customer's or the order's workbench pages for them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kefu.aftersales import case_states as st
from kefu.aftersales.models import AfterSalesCase, hundred_minutes
from kefu.aftersales.services import warehouse
from kefu.core import roles
from kefu.core.errors import DomainError

from . import queries
from .access import warehouse_required
from .errors import explain
from .forms import InspectionForm, ScanForm

DESK = "workbench/warehouse.html"


@warehouse_required
def desk(request):
    """The scan box and the three lists. htmx refreshes the list of running clocks every minute."""
    if request.htmx and not request.htmx.history_restore_request and request.method == "GET":
        waiting, waiting_count = queries.waiting_inspection()
        response = render(request, f"{DESK}#waiting", {"waiting": waiting, "waiting_count": waiting_count,
                                                        "hundred": hundred_minutes()})
        patch_vary_headers(response, ("HX-Request",))
        return response
    form = ScanForm(request.POST or None)
    status, error = 200, ""
    if request.method == "POST":
        if form.is_valid():
            ref = form.cleaned_data["ref"].upper()
            case = None
            try:
                case = warehouse.find_case(ref)
                already = case.received_at is not None
                case = warehouse.receive_return(case, by=request.user)
            except DomainError as exc:
                status, error = exc.status, explain(exc, case=case, ref=ref)
                form = ScanForm()  # an empty box for the next scan
            else:
                if already:
                    messages.info(request, _("Case %(number)s was already received; nothing changed.") % {
                        "number": case.number})
                else:
                    messages.success(request, _("Parcel of case %(number)s received: the 100-minute clock is "
                                                "running.") % {"number": case.number})
                return redirect("workbench:warehouse_case", case.number)
        else:
            status = 422
    on_the_way, on_the_way_count = queries.parcels_on_the_way()
    waiting, waiting_count = queries.waiting_inspection()
    restock, restock_count = queries.awaiting_restock()
    response = render(request, DESK, {
        "form": form, "error": error, "on_the_way": on_the_way, "on_the_way_count": on_the_way_count,
        "waiting": waiting, "waiting_count": waiting_count, "restock": restock, "restock_count": restock_count,
        "hundred": hundred_minutes(),
    }, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def warehouse_actions(case: AfterSalesCase, inspection) -> set[str]:
    """What the warehouse may do with the case now (the services decide; this only hides what cannot work)."""
    actions = set()
    if case.status in warehouse.RECEIVABLE:
        actions.add("receive")
    if st.CASE.can(case.status, st.INSPECTING):
        actions.add("start_inspection")
    if case.status in {st.RECEIVED, st.INSPECTING}:
        actions.add("inspect")
    if inspection is not None and inspection.outcome != st.REJECTED and inspection.resellable \
            and inspection.restocked_at is None:
        actions.add("restock")
    return actions


def _act(request, case: AfterSalesCase, action: str, form: InspectionForm) -> str:
    """Run one warehouse action; returns the success message. Raises DomainError when the service refuses."""
    if action == "receive":
        warehouse.receive_return(case, by=request.user)
        return _("Parcel received: the 100-minute clock is running.")
    if action == "start_inspection":
        warehouse.start_inspection(case, by=request.user)
        return _("Inspection started.")
    if action == "inspect":
        data = form.cleaned_data
        case = warehouse.record_inspection(
            case, outcome=data["outcome"], condition_found=data["condition_found"], resellable=data["resellable"],
            wrong_item_confirmed=data.get("wrong_item_confirmed"), accepted=data["accepted"], notes=data["notes"],
            by=request.user)
        if case.breached:
            return _("Inspection recorded for case %(number)s, after the 100 minutes.") % {"number": case.number}
        return _("Inspection recorded for case %(number)s within the 100 minutes.") % {"number": case.number}
    warehouse.restock(case, by=request.user)
    return _("Back in stock.")


ACTIONS = {"receive", "start_inspection", "inspect", "restock"}


@warehouse_required
def warehouse_case(request, number: str):
    case = queries.case_detail(number)
    if case is None:
        raise Http404("no such after-sales case")
    lines = list(case.lines.all())
    form = InspectionForm(case=case, lines=lines)
    status, error = 200, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "inspect":
            form = InspectionForm(request.POST, case=case, lines=lines)
        if action not in ACTIONS:
            status, error = 400, _("Unknown action.")
        elif action == "inspect" and not form.is_valid():
            status, error = 422, _("Please correct the inspection form.")
        else:
            try:
                message = _act(request, case, action, form)
            except DomainError as exc:
                status, error = exc.status, explain(exc, case=case)
                case = queries.case_detail(number)  # show the case as it is now
            else:
                messages.success(request, message)
                return redirect("workbench:warehouse_case", case.number)
    inspection = queries.one_to_one(case, "inspection")
    return render(request, "workbench/warehouse_case.html", {
        "case": case, "lines": lines, "evidence": case.evidence.all(), "form": form, "error": error,
        "shipment": queries.one_to_one(case, "return_shipment"), "inspection": inspection,
        "clock": queries.clock_state(case), "actions": warehouse_actions(case, inspection),
        "hundred": hundred_minutes(), "may_work_cases": request.user.has_perms([roles.WORKBENCH, roles.WORK_CASES]),
    }, status=status)
