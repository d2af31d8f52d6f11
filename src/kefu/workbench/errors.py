"""The services' refusals (kefu.core.errors.DomainError, written in English for logs and the API) in the words
of the page. Known refusals are recognised by their code and field; anything else is shown as a generic
sentence with the service's own message beside it, never as a 500."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kefu.aftersales.models import CASE_STATUS_LABELS, AfterSalesCase, Resolution
from kefu.core.errors import DomainError
from kefu.core.money import format_cny


def _status(case: AfterSalesCase | None) -> str:
    if case is None:
        return ""
    current = AfterSalesCase.objects.filter(pk=case.pk).values_list("status", flat=True).first() or case.status
    return str(CASE_STATUS_LABELS.get(current, current))


def outstanding_words(case: AfterSalesCase | None) -> str:
    """What keeps the case from closing, in words ('the refund, the replacement'): refunds.outstanding, of which
    cases.close lets a rejected or declined case skip all but the recovery of an early replacement."""
    from kefu.aftersales import case_states as st
    from kefu.aftersales.services.refunds import outstanding

    if case is None:
        return ""
    left = outstanding(case)
    if case.status in {st.REJECTED, st.DECLINED}:
        left = [item for item in left if item == "replacement_recovery"]
    words = {"refund": _("the refund"), "replacement": _("the replacement"),
             "replacement_recovery": _("recovering the early replacement")}
    return pgettext("list separator", ", ").join(str(words.get(item, item)) for item in left)


def _left(case: AfterSalesCase | None) -> str:
    from kefu.aftersales.services.refunds import refundable

    return format_cny(refundable(case.order)) if case is not None else ""


def explain(exc: DomainError, *, case: AfterSalesCase | None = None, ref: str = "") -> str:
    """One sentence for the person at the screen."""
    code, field = exc.code, exc.field or ""
    if field == "replacement_recovery":
        return _("This case has no early replacement to recover, or it is already settled.")
    if code == "invalid_transition" or (field == "status" and code in {"invalid", "conflict"}):
        if case is None:
            return _("That is not possible in the case's present state.")
        return _("Case %(number)s is “%(status)s”: that is not possible now.") % {
            "number": case.number, "status": _status(case)}
    if code == "outstanding":
        return _("The case cannot be closed yet: %(left)s still has to be settled.") % {"left": outstanding_words(case)}
    if code == "over_refund":
        return _("That would refund more than the order paid: %(left)s can still be refunded.") % {
            "left": _left(case)}
    if field == "resolution":
        resolution = dict(Resolution.choices).get(case.resolution, case.resolution) if case else ""
        return _("This case is resolved by “%(resolution)s”: that action does not apply.") % {
            "resolution": resolution}
    if field == "refund_total":
        return _("This case has nothing to refund.")
    if field == "reason":
        return _("Say why.")
    if field == "wrong_item_confirmed":
        return _("Say whether the item really was the wrong one.")
    if field.startswith("accepted"):
        return _("Partly accepted means some but not all units: give the accepted units of each line.")
    if field == "note":
        return _("Say who decided the write-off, and why.")
    if field == "inspection":
        return _("Only accepted returns that can be sold again go back into stock.")
    if field in {"amount", "face_value"}:
        return _("Enter an amount above zero.")
    if field == "ref":
        if code == "not_found":
            return _("No after-sales case or return parcel “%(ref)s”. Check the label and scan again.") % {
                "ref": ref}
        if code == "conflict":
            return _("Tracking number “%(ref)s” belongs to more than one case: scan the case number.") % {
                "ref": ref}
        return _("Scan a tracking number or a case number.")
    return _("The action was refused: %(detail)s") % {"detail": exc.message}
