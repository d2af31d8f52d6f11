"""The customer's after-sales pages: apply from an order (the policy's advice beside the form), my cases,
one case with its timeline, the return tracking number, withdrawing, and the case's private photos.

Every decision is the services' (open_case asks the policy engine; the advice asks the same engine through
policy_bridge.advise and saves nothing). These views only translate between forms and services.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.aftersales import case_states as st
from kefu.aftersales import selectors as case_selectors
from kefu.aftersales.models import AfterSalesCase, CaseEvidence, Payer
from kefu.aftersales.policy import decision_to_dict
from kefu.aftersales.services import cases, policy_bridge
from kefu.aftersales.services.opening import PolicyRefused
from kefu.commerce import selectors
from kefu.commerce.models import Order
from kefu.core import clock
from kefu.core.errors import DomainError, InvalidTransition, NotFound

from . import queries
from .access import customer_required
from .case_text import (
    KINDS_FOR_REASON,
    NEXT_STEP,
    case_decision,
    decision_view,
    error_message,
    refund_rows,
    timeline_entries,
)
from .forms_cases import CancelForm, CaseApplicationForm, ReturnTrackingForm

CASES_PER_PAGE = 10
APPLY_TEMPLATE = "portal/case_new.html"
ADVICE_PARTIAL = "portal/case_new.html#advice_response"
QUANTITY_FIELD = re.compile(r"^lines\[(\d+)\]\.quantity$")


def _own_order(request, number: str) -> Order:
    order = selectors.order_detail(number, customer=request.customer)
    if order is None:
        raise Http404("no such order for this customer")
    return order


def _own_case(request, number: str) -> AfterSalesCase:
    case = queries.own_case(request.customer, number)
    if case is None:
        raise Http404("no such after-sales case for this customer")
    return case


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---- the application ------------------------------------------------------------------------------------

def _advice(order: Order, form: CaseApplicationForm, *, photos: bool) -> dict:
    """What the policy says about the form as it stands ("incomplete" until there is enough to ask)."""
    if not form.advice_ready():
        problems = form.advice_problems()
        return {"state": "invalid", "problems": problems} if problems else {"state": "incomplete"}
    data = form.cleaned_data
    try:
        decision = policy_bridge.advise(order, kind=data["kind"], reason=data["reason"], lines=form.asked_lines(),
                                        evidence_kinds={"photo"} if photos else set(), now=clock.now(),
                                        return_postage=form.postage(),
                                        current_unit_price=form.current_unit_price())
    except DomainError as exc:
        return {"state": "invalid", "problems": [error_message(exc)]}
    return {"state": "decision", "decision": decision_view(decision_to_dict(decision))}


def _nothing_left(order: Order) -> str:
    if order.status in {"pending_payment", "cancelled"}:
        return _("After-sales service is for paid orders; an unpaid order can simply be cancelled.")
    return _("Every item of this order is already under an after-sales case.")


def _apply_page(request, order, form, advice, *, status=200, photos_dropped=False):
    return render(request, APPLY_TEMPLATE, {
        "order": order, "form": form, "rows": form.line_rows(), "advice": advice, "photos_dropped": photos_dropped,
        "kinds_for": form.data.get("reason", "") if form.is_bound else "",
    }, status=status)


def _attach(form: CaseApplicationForm, order: Order, exc: DomainError) -> None:
    """Show a service's error next to the field it names (or above the form)."""
    field = form.field_for(exc.field)
    message = error_message(exc)
    match = QUANTITY_FIELD.match(exc.field or "")
    if match and field:
        free = queries.free_units(order).get(int(field.split("-", 1)[1]), 0)
        message = _("Only %(n)s may still be asked for; the rest is under another after-sales case.") % {"n": free}
    form.add_error(field, message)


@customer_required
def case_new(request, number: str):
    order = _own_order(request, number)
    free = queries.free_units(order)
    if not any(free.values()):
        messages.info(request, _nothing_left(order))
        return redirect("portal:order_detail", order.number)
    if request.method != "POST":
        form = CaseApplicationForm(order, free, preselect=_int(request.GET.get("line")))
        return _apply_page(request, order, form, {"state": "incomplete"})

    form = CaseApplicationForm(order, free, request.POST, request.FILES)
    valid = form.is_valid()
    sent_photos = bool(request.FILES.getlist("photos"))
    photos = form.cleaned_data.get("photos") or []
    if "preview" in request.POST or not valid:  # "check first" without JavaScript, or input to correct
        status = 200 if "preview" in request.POST else 422
        return _apply_page(request, order, form, _advice(order, form, photos=bool(photos)), status=status,
                           photos_dropped=sent_photos)
    data = form.cleaned_data
    try:
        case = cases.open_case(order, data["kind"], data["reason"], form.asked_lines(), photos, by=request.user,
                               description=data["description"], return_postage=form.postage(),
                               current_unit_price=form.current_unit_price())
    except PolicyRefused as exc:
        form.add_error(None, _("The application cannot be accepted as it stands: %(why)s") % {
            "why": error_message(exc)})
        advice = {"state": "decision", "decision": decision_view(exc.decision)}
    except NotFound:
        raise Http404("no such order for this customer") from None
    except DomainError as exc:
        if exc.code == "forbidden":
            raise Http404("no such order for this customer") from None
        _attach(form, order, exc)
        advice = _advice(order, form, photos=bool(photos))
    else:
        messages.success(request, _("Your application %(number)s has been submitted. We will keep you posted here.")
                         % {"number": case.number})
        return redirect("portal:case_detail", case.number)
    return _apply_page(request, order, form, advice, status=422, photos_dropped=sent_photos)


@customer_required
@require_POST
def case_advice(request, number: str):
    """The advice beside the form, for htmx: the policy's answer to the form as it stands; nothing is saved.

    When the problem changes, the request select comes along (out of band) with only the requests that
    problem gives; a request that no longer fits is replaced by the first that does."""
    order = _own_order(request, number)
    free = queries.free_units(order)
    data = request.POST.copy()
    reason = data.get("reason", "")
    offered = KINDS_FOR_REASON.get(reason)
    kind_changed = bool(offered) and data.get("kind") not in offered
    if kind_changed:
        data["kind"] = offered[0]
    form = CaseApplicationForm(order, free, data)
    form.is_valid()
    photos = (_int(data.get("photo_count")) or 0) > 0 or bool(request.FILES.getlist("photos"))
    return render(request, ADVICE_PARTIAL, {
        "order": order, "form": form, "advice": _advice(order, form, photos=photos), "kinds_for": reason,
        "kind_oob": kind_changed or data.get("kinds_for", "") != reason,
    })


# ---- my cases and one case ------------------------------------------------------------------------------

@customer_required
def case_list(request):
    page = Paginator(queries.customer_cases(request.customer), CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/cases.html", {"page": page, "cases": list(page.object_list)})


def _case_page(request, case: AfterSalesCase, *, tracking_form=None, cancel_form=None, status=200):
    shop_pays = case.return_shipping_paid_by == Payer.SELLER
    if tracking_form is None and case.status == st.AWAITING_RETURN:
        tracking_form = ReturnTrackingForm(shop_pays=shop_pays,
                                           initial={"postage": case.return_postage or None})
    if cancel_form is None and case.status in st.CANCELLABLE_BY_CUSTOMER:
        cancel_form = CancelForm()
    return render(request, "portal/case_detail.html", {
        "case": case, "order": case.order, "lines": case.lines.all(), "decision": case_decision(case),
        "timeline": timeline_entries(case, case_selectors.timeline(case), request.user.get_username()),
        "refunds": refund_rows(case.refunds.all()), "coupons": case.coupons.all(), "photos": case.evidence.all(),
        "shipment": getattr(case, "return_shipment", None), "inspection": getattr(case, "inspection", None),
        "next_step": NEXT_STEP.get(case.status, ""),
        "tracking_form": tracking_form if case.status == st.AWAITING_RETURN else None,
        "cancel_form": cancel_form if case.status in st.CANCELLABLE_BY_CUSTOMER else None,
        "shop_pays": shop_pays,
    }, status=status)


@customer_required
def case_detail(request, number: str):
    return _case_page(request, _own_case(request, number))


@customer_required
@require_POST
def case_return(request, number: str):
    """The buyer has sent the item back: carrier and tracking number (and the postage, if the shop pays it)."""
    case = _own_case(request, number)
    form = ReturnTrackingForm(request.POST, shop_pays=case.return_shipping_paid_by == Payer.SELLER)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cases.add_return_tracking(case, carrier=data["carrier"], tracking_number=data["tracking_number"],
                                      by=request.user, postage=data.get("postage"))
        except InvalidTransition as exc:
            messages.error(request, error_message(exc, action="return"))
            return redirect("portal:case_detail", case.number)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, error_message(exc, action="return"))
        else:
            messages.success(request, _("Thank you. The return tracking number has been saved."))
            return redirect("portal:case_detail", case.number)
    return _case_page(request, case, tracking_form=form, status=422)


@customer_required
@require_POST
def case_cancel(request, number: str):
    case = _own_case(request, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, cancel_form=form, status=422)
    try:
        cases.cancel_by_customer(case, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, error_message(exc, action="cancel"))
    else:
        messages.success(request, _("Your request %(number)s has been withdrawn.") % {"number": case.number})
    return redirect("portal:case_detail", case.number)


@customer_required
def case_evidence(request, number: str, evidence_id: int):
    """A photo of the customer's own case, streamed with its checked content type (never a public URL)."""
    photo = (CaseEvidence.objects.select_related("case")
             .filter(case__customer=request.customer, case__number=number, pk=evidence_id,
                     kind=CaseEvidence.Kind.PHOTO).first())
    if photo is None:
        raise Http404("no such photo for this customer")
    try:
        handle = photo.file.storage.open(photo.file.name, "rb")
    except FileNotFoundError:
        raise Http404("the photo's file is missing") from None
    extension = photo.file.name.rsplit(".", 1)[-1]
    response = FileResponse(handle, content_type=photo.content_type,
                            filename=f"{photo.case.number}-{photo.pk}.{extension}")
    response["Cache-Control"] = "private, max-age=3600"
    return response
