"""The shift handover (交接) page: the running shift's list (prepare or refresh it, with a word for the next
shift), the list the shift before left (the next shift acknowledges it), and the last 14 days.

Both actions are POST forms naming their `action`; the view calls the service, then redirects with a message
(Post/Redirect/Get) or shows the service's refusal on the page with its 4xx status.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.contact import selectors, services
from kefu.contact.models import Handover
from kefu.core import clock, roles
from kefu.core.errors import DomainError

from .access import permission_required

RECENT_DAYS = 14
handover_required = permission_required(roles.WORKBENCH, roles.WORK_TICKETS)


class PrepareForm(forms.Form):
    shift = forms.SlugField(max_length=20, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("Note for the next shift"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AcknowledgeForm(forms.Form):
    handover = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)


def _refusal(exc: DomainError) -> str:
    if exc.code == services.NotOnNextShift.code:
        return _("Only someone on the next shift, or a supervisor, may acknowledge this handover.")
    if exc.code in {"already_acknowledged", "acknowledged"}:
        return _("The next shift has already acknowledged this handover: it can no longer change.")
    if exc.code == "not_started":
        return _("This shift has not started yet.")
    return _("The action was refused: %(detail)s") % {"detail": exc.message}


def _act(request):
    """Run the posted action. Returns (message, None) on success or (None, (error, status)) when refused."""
    action = request.POST.get("action")
    try:
        if action == "prepare":
            form = PrepareForm(request.POST)
            if not form.is_valid():
                return None, (_("Check the form: %(errors)s") % {"errors": form.errors.as_text()}, 422)
            data = form.cleaned_data
            handover = services.prepare_handover(data["shift"], data["date"], by=request.user, note=data["note"])
            return _("Handover of %(shift)s %(date)s prepared: %(n)d open items.") % {
                "shift": handover.shift.name, "date": f"{handover.date:%Y-%m-%d}", "n": handover.items.count()}, None
        if action == "acknowledge":
            form = AcknowledgeForm(request.POST)
            handover = Handover.objects.filter(pk=form.cleaned_data["handover"]).first() if form.is_valid() else None
            if handover is None:
                raise Http404("no such handover")
            services.acknowledge_handover(handover, by=request.user)
            return _("Handover of %(shift)s %(date)s acknowledged.") % {
                "shift": handover.shift.name, "date": f"{handover.date:%Y-%m-%d}"}, None
    except DomainError as exc:
        return None, (_refusal(exc), exc.status)
    return None, (_("Unknown action."), 400)


def _post(request, page, context):
    done, refused = _act(request)
    if done:
        messages.success(request, done)
        return redirect(request.get_full_path())
    error, status = refused
    return render(request, page, {**context(), "error": error}, status=status)


def _may_acknowledge(user, handover: Handover | None) -> bool:
    """Whether to offer the button (the service decides): rostered on the next shift, or a supervisor."""
    if handover is None or handover.acknowledged_at is not None:
        return False
    if user.has_perm(roles.SUPERVISE_TICKETS):
        return True
    nxt = selectors.next_shift(handover.shift, handover.date)
    return nxt is not None and user.roster_entries.filter(shift=nxt[0], date=nxt[1]).exists()


@handover_required
def handover(request):
    def context():
        now = clock.now()
        seen = selectors.handover_overview(now)
        since = clock.localnow().date() - timedelta(days=RECENT_DAYS)
        recent = (Handover.objects.filter(date__gte=since).select_related("shift", "prepared_by", "acknowledged_by")
                  .order_by("-date", "-shift__start"))
        current_form = None
        if seen.now:
            current_form = PrepareForm(initial={"shift": seen.now[0].code, "date": seen.now[1],
                                                "note": seen.current.note if seen.current else ""})
        return {"seen": seen, "recent": recent, "current_form": current_form,
                "may_acknowledge_previous": _may_acknowledge(request.user, seen.previous)}

    if request.method == "POST":
        return _post(request, "workbench/handover/index.html", context)
    return render(request, "workbench/handover/index.html", context())


@handover_required
def handover_detail(request, pk: int):
    found = selectors.handover_detail().filter(pk=pk).first()
    if found is None:
        raise Http404("no such handover")

    def context():
        item = selectors.handover_detail().get(pk=pk)
        form = None
        if item.acknowledged_at is None:
            form = PrepareForm(initial={"shift": item.shift.code, "date": item.date, "note": item.note})
        return {"handover": item, "prepare_form": form, "may_acknowledge": _may_acknowledge(request.user, item)}

    if request.method == "POST":
        return _post(request, "workbench/handover/detail.html", context)
    return render(request, "workbench/handover/detail.html", context())
