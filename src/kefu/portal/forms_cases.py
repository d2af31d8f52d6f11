"""The customer's after-sales forms: apply from an order, send the return tracking number, withdraw.

The forms check the input's shape (and the photos, with the evidence service's own checks); whether the
request is allowed is the policy engine's answer, asked through the services.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kefu.aftersales.models import CaseKind, CaseReason, Condition
from kefu.aftersales.services import evidence as evidence_files
from kefu.aftersales.services.policy_bridge import AskedLine, shop_price
from kefu.commerce.models import Carrier, Order
from kefu.core.errors import DomainError

from .case_text import KINDS_FOR_REASON, TRAVELS_BACK, error_message

MAX_PHOTOS = 9  # as the after-sales API and the shops' apps allow
MAX_POSTAGE = Decimal("999.99")


class OfferSelect(forms.Select):
    """A select whose options outside `enabled` are shown but disabled (requests a problem does not give).
    A disabled option is never shown as chosen: the browser would not send it back."""

    enabled: set[str] | None = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.enabled is not None and value and str(value) not in self.enabled:
            option["attrs"]["disabled"] = True
            option["attrs"].pop("selected", None)
            option["selected"] = False
        return option


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each checked by the evidence service (type from the bytes, size)."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos, please.") % {"n": MAX_PHOTOS}, code="too_many")
        for upload in files:
            super().clean(upload, initial)
            try:
                evidence_files.checked(upload, field="photos")
            except DomainError as exc:
                raise forms.ValidationError(f"{upload.name}: {error_message(exc)}", code=exc.code) from None
            upload.seek(0)
        return files


def _blank(text):
    return [("", text)]


class CaseApplicationForm(forms.Form):
    """One after-sales application. The order's lines become `qty-<line id>` and `condition-<line id>`."""

    reason = forms.ChoiceField(label=_("What is the problem?"),
                               choices=_blank(_("Choose the problem")) + list(CaseReason.choices),
                               widget=forms.Select(attrs={"data-testid": "reason"}))
    kind = forms.ChoiceField(label=_("What would you like?"),
                             choices=_blank(_("Choose a request")) + list(CaseKind.choices),
                             widget=OfferSelect(attrs={"data-testid": "kind"}))
    description = forms.CharField(
        label=_("Describe the problem"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "description",
                                     "placeholder": _("What is wrong with the item? (at most 500 characters)")}))
    photos = PhotosField(
        label=_("Photos"), required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "data-testid": "photos"}))
    return_postage = forms.DecimalField(
        label=_("Return postage you paid (¥)"), required=False, min_value=Decimal("0"), max_value=MAX_POSTAGE,
        max_digits=5, decimal_places=2,
        help_text=_("Refunded when the shop is responsible; you can also enter it with the tracking number."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal",
                                        "data-testid": "return_postage"}))

    ADVICE_FIELDS = ("reason", "kind", "return_postage")

    def __init__(self, order: Order, free: dict[int, int], *args, preselect: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.order_lines = list(order.lines.all())
        self.free = free
        self.fields["photos"].help_text = _(
            "Up to %(n)s photos (JPEG, PNG or WebP, %(mb)s MB each) of the item and its packaging."
        ) % {"n": MAX_PHOTOS, "mb": evidence_files.max_bytes() // (1024 * 1024)}
        askable = [line for line in self.order_lines if free.get(line.pk)]
        for line in askable:
            if preselect is not None:
                initial = free[line.pk] if line.pk == preselect else 0
            else:
                initial = free[line.pk] if len(askable) == 1 else 0
            self.fields[f"qty-{line.pk}"] = forms.IntegerField(
                label=_("Quantity"), min_value=0, max_value=free[line.pk], initial=initial, required=False,
                widget=forms.NumberInput(attrs={"data-testid": f"qty-{line.pk}", "inputmode": "numeric"}))
            self.fields[f"condition-{line.pk}"] = forms.ChoiceField(
                label=_("Condition of the item"), choices=Condition.choices, initial=Condition.INTACT,
                required=False, widget=forms.Select(attrs={"data-testid": f"condition-{line.pk}"}))
        reason = self.data.get("reason") if self.is_bound else None
        self.fields["kind"].widget.enabled = set(KINDS_FOR_REASON[reason]) if reason in KINDS_FOR_REASON else None

    # -- the rows of the items table ------------------------------------------------------------------------
    def line_rows(self) -> list[dict]:
        rows = []
        for line in self.order_lines:
            askable = bool(self.free.get(line.pk))
            rows.append({"line": line, "free": self.free.get(line.pk, 0), "askable": askable,
                         "qty": self[f"qty-{line.pk}"] if askable else None,
                         "condition": self[f"condition-{line.pk}"] if askable else None})
        return rows

    def line_fields(self) -> list[str]:
        return [name for name in self.fields if name.startswith(("qty-", "condition-"))]

    # -- validation -----------------------------------------------------------------------------------------
    def clean(self):
        data = super().clean()
        reason, kind = data.get("reason"), data.get("kind")
        if reason and kind and kind not in KINDS_FOR_REASON[reason]:
            offered = pgettext("list separator", ", ").join(str(CaseKind(k).label) for k in KINDS_FOR_REASON[reason])
            self.add_error("kind", _("For this problem you can ask for: %(kinds)s.") % {"kinds": offered})
        chosen = self.asked_lines(data)
        if not any(name in self.errors for name in self.line_fields()):
            if not chosen:
                self.add_error(None, forms.ValidationError(
                    _("Choose at least one item: set how many of it the request is about."), code="no_lines"))
            elif reason == CaseReason.PRICE_DROP and len(chosen) > 1:
                self.add_error(None, forms.ValidationError(
                    _("Price protection is asked for one item at a time."), code="one_line"))
        return data

    def asked_lines(self, data=None) -> list[AskedLine]:
        data = self.cleaned_data if data is None else data
        asked = []
        for line in self.order_lines:
            qty = data.get(f"qty-{line.pk}")
            if qty:
                asked.append(AskedLine(line, qty, data.get(f"condition-{line.pk}") or Condition.INTACT))
        return asked

    def advice_ready(self) -> bool:
        """Enough sound input to ask the policy: a problem, a request and at least one item."""
        fields = (*self.ADVICE_FIELDS, *self.line_fields())
        if any(name in self.errors for name in fields) or self.non_field_errors():
            return False
        return bool(self.cleaned_data.get("reason") and self.cleaned_data.get("kind") and self.asked_lines())

    def advice_problems(self) -> list[str]:
        """What keeps the input from being asked about. A field left empty, or no item chosen yet, is only
        unfinished input, not a mistake to point out while the customer is still filling the form in."""
        errors = self.errors.as_data()
        names = (*self.ADVICE_FIELDS, *self.line_fields(), NON_FIELD_ERRORS)
        return [message for name in names for error in errors.get(name, [])
                if error.code not in {"required", "no_lines"} for message in error.messages]

    def postage(self) -> Decimal:
        """What the buyer advanced to send the goods back; nothing travels back for other requests."""
        if self.cleaned_data.get("kind") not in TRAVELS_BACK:
            return Decimal("0.00")
        return self.cleaned_data.get("return_postage") or Decimal("0.00")

    def current_unit_price(self) -> Decimal | None:
        """Price protection compares with the SKU's price in the shop now, never a figure the buyer types."""
        if self.cleaned_data.get("reason") != CaseReason.PRICE_DROP:
            return None
        return shop_price(CaseReason.PRICE_DROP, self.asked_lines())

    def field_for(self, service_field: str | None) -> str | None:
        """The form field a service error names: lines[0].quantity → qty-<id>, evidence[1] → photos."""
        if not service_field:
            return None
        if service_field.startswith("evidence"):
            return "photos"
        if service_field.startswith("lines["):
            index = int(service_field[6:service_field.index("]")])
            asked = self.asked_lines()
            if index < len(asked):
                suffix = "condition" if service_field.endswith("condition") else "qty"
                return f"{suffix}-{asked[index].order_line.pk}"
            return None
        return service_field if service_field in self.fields else None


class ReturnTrackingForm(forms.Form):
    carrier = forms.ModelChoiceField(label=_("Carrier"), queryset=Carrier.objects.order_by("name"),
                                     empty_label=_("Choose the carrier"),
                                     widget=forms.Select(attrs={"data-testid": "carrier"}))
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "tracking_number",
                                      "placeholder": _("The number on the courier's receipt")}))
    postage = forms.DecimalField(
        label=_("Return postage you paid (¥)"), required=False, min_value=Decimal("0"), max_value=MAX_POSTAGE,
        max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal",
                                        "data-testid": "postage"}))

    def __init__(self, *args, shop_pays: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop_pays = shop_pays
        if not shop_pays:
            del self.fields["postage"]  # the buyer pays the postage: nothing to reimburse


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing the request? (optional)"), required=False,
                             max_length=200, widget=forms.TextInput(attrs={"data-testid": "cancel_reason"}))
