"""The after-sales agent's pages: the case queue with the policy's advice beside each case, and one case with
its evidence, parcel, inspection, the order's refund ledger, the timeline and the actions its state allows.

Every action is a POST form naming its `action`; the view validates the form, calls the service, and either
redirects with a message (Post/Redirect/Get) or shows the service's refusal on the page with its 4xx status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.aftersales import case_states as st
from kefu.aftersales.models import AfterSalesCase, CaseEvidence, CompensationCoupon, hundred_minutes
from kefu.aftersales.services import cases, refunds
from kefu.core import clock, roles
from kefu.core.errors import DomainError
from kefu.core.money import format_cny

from . import queries
from .access import cases_required, evidence_required
from .errors import explain, outstanding_words
from .forms import AmountForm, AssignForm, CaseQueueForm, CouponForm, NoteForm, ReasonForm, RecoveryForm

CASES_PER_PAGE = 25


@cases_required
def case_queue(request):
    view = request.GET.get("view", "open")
    if view not in queries.QUEUE_VIEWS:
        view = "open"
    form = CaseQueueForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    now = clock.now()
    ids, counted = queries.queue(view, request.user, now, q)
    paginator = queries.CappedPaginator(ids, CASES_PER_PAGE, counted=counted, cap=queries.COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    counts = queries.tab_counts(request.user, now)
    tabs = [{"key": key, "label": label, "count": counts.get(key), "active": key == view}
            for key, label in queries.QUEUE_VIEWS.items()]
    return render(request, "workbench/cases.html", {
        "form": form, "q": q, "view": view, "view_label": queries.QUEUE_VIEWS[view], "tabs": tabs, "page": page,
        "cases": queries.queue_rows(page.object_list), "capped": paginator.capped, "cap": paginator.cap,
        "hundred": hundred_minutes(),
    })


# ---- one case and its actions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseAction:
    """One button of the case page: its form (if it asks for anything) and the service call, which returns the
    success message."""

    form: type[forms.Form] | None
    run: Callable
    label: object


def _approve(request, case, data):
    case = cases.approve(case, by=request.user, reason=data.get("note", ""))
    if case.status == st.AWAITING_RETURN:
        return _("Case %(number)s approved: waiting for the customer to send the item back.") % {
            "number": case.number}
    return _("Case %(number)s approved.") % {"number": case.number}


def _decline(request, case, data):
    cases.decline(case, reason=data["reason"], by=request.user)
    return _("Case %(number)s declined.") % {"number": case.number}


def _escalate(request, case, data):
    cases.escalate(case, by=request.user, reason=data["reason"])
    return _("Case %(number)s escalated to a supervisor.") % {"number": case.number}


def _assign_me(request, case, data):
    cases.assign(case, request.user, by=request.user)
    return _("Case %(number)s is now yours.") % {"number": case.number}


def _assign(request, case, data):
    agent = data["agent"]
    cases.assign(case, agent, by=request.user)
    return _("Case %(number)s assigned to %(agent)s.") % {"number": case.number,
                                                          "agent": agent.get_full_name() or agent.get_username()}


def _send_replacement(request, case, data):
    before = case.status
    case = cases.send_replacement(case, by=request.user, note=data.get("note", ""))
    if case.status == before:
        return _("Replacement sent before the return arrives (urgent case).")
    return _("Replacement sent.")


def _start_repair(request, case, data):
    cases.start_repair(case, by=request.user, note=data.get("note", ""))
    return _("Case %(number)s sent for repair.") % {"number": case.number}


def _issue_refund(request, case, data):
    rows = refunds.issue_refund(case, by=request.user)
    total = sum((r.amount for r in rows), start=Decimal("0.00"))
    return _("Refund of %(amount)s issued to the payment side.") % {"amount": format_cny(total)}


def _grant_points(request, case, data):
    row = refunds.grant_points(case, data["amount"], by=request.user, reason=data.get("reason", ""))
    return _("%(points)d 京豆 granted (worth %(amount)s).") % {"points": row.points, "amount": format_cny(row.amount)}


def _grant_coupon(request, case, data):
    had = CompensationCoupon.objects.filter(case=case).exists()
    coupon = refunds.grant_coupon(case, data["face_value"], by=request.user, valid_days=data["valid_days"])
    if had:
        return _("This case already has coupon %(code)s; no second coupon was issued.") % {"code": coupon.code}
    return _("Coupon %(code)s worth %(amount)s issued.") % {"code": coupon.code,
                                                             "amount": format_cny(coupon.face_value)}


def _settle_recovery(request, case, data):
    case = cases.settle_recovery(case, outcome=data["outcome"], note=data.get("note", ""), by=request.user)
    return _("Early replacement settled: %(outcome)s.") % {
        "outcome": queries.RECOVERY_LABELS.get(case.replacement_recovery, case.replacement_recovery)}


def _close(request, case, data):
    cases.close(case, by=request.user, reason=data.get("note", ""))
    return _("Case %(number)s closed.") % {"number": case.number}


CASE_ACTIONS: dict[str, CaseAction] = {
    "assign_me": CaseAction(None, _assign_me, gettext_lazy("Assign to me")),
    "assign": CaseAction(AssignForm, _assign, gettext_lazy("Assign")),
    "approve": CaseAction(NoteForm, _approve, gettext_lazy("Approve")),
    "decline": CaseAction(ReasonForm, _decline, gettext_lazy("Decline")),
    "escalate": CaseAction(ReasonForm, _escalate, gettext_lazy("Escalate")),
    "send_replacement": CaseAction(NoteForm, _send_replacement, gettext_lazy("Send the replacement")),
    "start_repair": CaseAction(NoteForm, _start_repair, gettext_lazy("Start the repair")),
    "issue_refund": CaseAction(None, _issue_refund, gettext_lazy("Issue the refund")),
    "grant_points": CaseAction(AmountForm, _grant_points, gettext_lazy("Grant 京豆")),
    "grant_coupon": CaseAction(CouponForm, _grant_coupon, gettext_lazy("Grant a coupon")),
    "settle_recovery": CaseAction(RecoveryForm, _settle_recovery, gettext_lazy("Settle the early replacement")),
    "close": CaseAction(NoteForm, _close, gettext_lazy("Close")),
}


def _case_or_404(number: str) -> AfterSalesCase:
    case = queries.case_detail(number)
    if case is None:
        raise Http404("no such after-sales case")
    return case


def _blank_forms() -> dict[str, forms.Form]:
    made = {}
    for name, action in CASE_ACTIONS.items():
        if action.form is not None:
            made[name] = action.form(prefix=name)
    return made


@cases_required
def case_detail(request, number: str):
    case = _case_or_404(number)
    action_forms = _blank_forms()
    status, error, failed = 200, "", ""
    if request.method == "POST":
        failed = request.POST.get("action", "")
        action = CASE_ACTIONS.get(failed)
        if action is None:
            status, error = 400, _("Unknown action.")
        else:
            form = action.form(request.POST, prefix=failed) if action.form else None
            if form is not None and not form.is_valid():
                action_forms[failed] = form
                status, error = 422, _("%(action)s: please correct the form below.") % {"action": action.label}
            else:
                try:
                    message = action.run(request, case, form.cleaned_data if form else {})
                except DomainError as exc:
                    status, error = exc.status, explain(exc, case=case)
                else:
                    messages.success(request, message)
                    return redirect("workbench:case_detail", case.number)
            case = _case_or_404(number)  # whatever happened, show the case as it is now
    ledger = queries.ledger(case)
    available = queries.case_actions(case, ledger)
    return render(request, "workbench/case_detail.html", {
        "case": case, "lines": case.lines.all(), "evidence": case.evidence.all(),
        "shipment": queries.one_to_one(case, "return_shipment"), "inspection": queries.one_to_one(case, "inspection"),
        "clock": queries.clock_state(case), "ledger": ledger, "timeline": queries.case_timeline(case),
        "actions": available, "forms": action_forms, "error": error, "failed_action": failed,
        "outstanding": outstanding_words(case) if "close" in available else "",
        "hundred": hundred_minutes(), "may_see_orders": request.user.has_perm(roles.WORKBENCH),
        "recovery": queries.RECOVERY_LABELS.get(getattr(case, "replacement_recovery", ""), ""),
    }, status=status)


@evidence_required
def case_evidence(request, number: str, evidence_id: int):
    """A customer's photo, streamed to staff who may see evidence; never a public media URL."""
    evidence = CaseEvidence.objects.filter(pk=evidence_id, case__number=number).first()
    if evidence is None:
        raise Http404("no such evidence for this case")
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("the evidence file is missing") from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
