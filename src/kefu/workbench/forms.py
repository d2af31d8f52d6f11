from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.aftersales import case_states as st
from kefu.aftersales.models import Condition, Inspection
from kefu.core import clock, roles

from .access import may_use_workbench


class AgentLoginForm(AuthenticationForm):
    """Staff sign in with their username; accounts without workbench access are told so at once."""

    error_messages = {
        "invalid_login": _("The username or password is incorrect. Please try again."),
        "inactive": _("This account has been disabled. Please contact your supervisor."),
        "no_workbench": _(
            "This account cannot use the agent workbench. Customers sign in on the shop portal."
        ),
    }

    username = forms.CharField(
        label=_("Username"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may_use_workbench(user):
            raise forms.ValidationError(self.error_messages["no_workbench"], code="no_workbench")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Phone, name or order number"), required=False, max_length=200, strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True,
                                      "placeholder": _("Phone number, customer name or order number")}),
    )


# ---- after-sales cases ----------------------------------------------------------------------------------------

class ReasonForm(forms.Form):
    """Decline and escalate: the reason goes into the audit trail (and, for a decline, to the customer)."""

    reason = forms.CharField(label=_("Reason"), max_length=500, strip=True,
                             widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    """Actions whose note is optional: approve, send a replacement, start a repair, close."""

    note = forms.CharField(label=_("Note (optional)"), max_length=500, strip=True, required=False,
                           widget=forms.TextInput())


def case_workers():
    """Active staff who may work after-sales cases, for the 'assign to' list: members of a group holding the
    permission, or holding it themselves. Read through the two link tables (indexed), never by scanning every
    user: customers are users too. A superuser outside every role is not offered."""
    app_label, codename = roles.WORK_CASES.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).values("pk")
    User = get_user_model()
    in_groups = User.groups.through.objects.filter(group__permissions__in=perm).values("user_id")
    direct = User.user_permissions.through.objects.filter(permission__in=perm).values("user_id")
    return User.objects.filter(is_active=True, pk__in=in_groups.union(direct)).order_by("username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class AssignForm(forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=None, empty_label=_("Choose an agent"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = case_workers()


class AmountForm(forms.Form):
    """Points (valued in yuan, 100 京豆 = ¥1) as compensation."""

    amount = forms.DecimalField(label=_("Value in yuan"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, strip=True, required=False)


class CouponForm(forms.Form):
    face_value = forms.DecimalField(label=_("Face value (¥)"), min_value=Decimal("0.01"), max_digits=12,
                                    decimal_places=2,
                                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01",
                                                                    "inputmode": "decimal"}))
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=30,
                                    widget=forms.NumberInput(attrs={"min": "1", "max": "365"}))


class RecoveryForm(forms.Form):
    """How an early replacement whose return was refused is settled (cases.settle_recovery)."""

    outcome = forms.ChoiceField(label=_("How was it settled?"), widget=forms.RadioSelect, choices=[
        ("returned", pgettext_lazy("replacement recovery", "The buyer sent the replacement back")),
        ("paid", pgettext_lazy("replacement recovery", "The buyer paid for it")),
        ("waived", pgettext_lazy("replacement recovery", "Written off by the seller")),
    ])
    note = forms.CharField(label=_("Note (required for a write-off)"), max_length=500, strip=True, required=False,
                           widget=forms.TextInput())

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "waived" and not data.get("note"):
            self.add_error("note", _("Say who decided the write-off, and why."))
        return data


class CaseQueueForm(forms.Form):
    MAX_CHARS = 64

    q = forms.CharField(label=_("Case, order or phone number"), required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "maxlength": 64,
                                                      "placeholder": _("Case number, order number or mobile")}))

    def clean_q(self):
        q = self.cleaned_data["q"]
        if len(q) > self.MAX_CHARS:
            raise forms.ValidationError(
                _("That is too long to search. Enter at most %(n)d characters.") % {"n": self.MAX_CHARS})
        return q


# ---- the warehouse ---------------------------------------------------------------------------------------------

class ScanForm(forms.Form):
    """One box for a barcode scanner: it types the tracking or case number and presses Enter."""

    ref = forms.CharField(
        label=_("Tracking number or case number"), max_length=64, strip=True,
        error_messages={"required": _("Scan a tracking number or a case number.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "enterkeyhint": "go",
                                      "placeholder": _("Scan or type, then press Enter")}),
    )


YES_NO = [("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))]


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class InspectionForm(forms.Form):
    """What the warehouse found. Field names are stable: a browser test and barcode workflows drive them."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Inspection.Outcome.choices, widget=forms.RadioSelect)
    condition_found = forms.ChoiceField(label=_("Condition found"),
                                        choices=[("", _("Choose what you found")), *Condition.choices])
    resellable = forms.TypedChoiceField(label=_("Can it be sold again?"), choices=YES_NO, coerce=_yes_no,
                                        widget=forms.RadioSelect)
    wrong_item_confirmed = forms.TypedChoiceField(label=_("Was it really the wrong item?"), choices=YES_NO,
                                                  coerce=_yes_no, widget=forms.RadioSelect, required=False,
                                                  empty_value=None)
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, strip=True,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.lines = lines
        self.asks_wrong_item = case.reason in {"wrong_item", "missing_item"}
        if not self.asks_wrong_item:
            del self.fields["wrong_item_confirmed"]
        elif case.reason == "missing_item":
            self.fields["wrong_item_confirmed"].label = _("Was the item really missing?")
        for line in lines:
            self.fields[f"accepted-{line.pk}"] = forms.IntegerField(
                label=line.order_line.product_name, min_value=0, max_value=line.quantity, initial=line.quantity,
                required=False, widget=forms.NumberInput(attrs={"min": "0", "max": str(line.quantity)}))

    def accepted_fields(self):
        return [(line, self[f"accepted-{line.pk}"]) for line in self.lines]

    def clean(self):
        data = super().clean()
        if self.case.reason == "wrong_item" and data.get("wrong_item_confirmed") is None \
                and "wrong_item_confirmed" not in self.errors:
            self.add_error("wrong_item_confirmed", _("Say whether the item really was the wrong one."))
        if data.get("outcome") == st.PARTLY_ACCEPTED:
            accepted = {}
            for line in self.lines:
                name = f"accepted-{line.pk}"
                if name in self.errors:
                    continue
                if data.get(name) is None:
                    self.add_error(name, _("Enter how many units were accepted."))
                else:
                    accepted[line.pk] = data[name]
            data["accepted"] = accepted
        else:
            data["accepted"] = None
        return data


# ---- 100-minute compliance -------------------------------------------------------------------------------------

MAX_REPORT_DAYS = 92


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = clock.localnow().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=6)
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."), code="order")
        if (end - start).days + 1 > MAX_REPORT_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(n)d days.") % {"n": MAX_REPORT_DAYS}, code="too_long")
        data["start"], data["end"] = start, end
        return data
