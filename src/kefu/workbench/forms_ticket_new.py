"""The form an agent fills in to record a contact as a ticket: a phone call, a chat, a bad review, or a ticket
opened on the customer's behalf."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.commerce.models import Customer, Order
from kefu.core.phones import is_valid_phone, normalise_phone
from kefu.tickets.models import Channel, Kind, Severity
from kefu.tickets.routing import SKILLS
from kefu.tickets.services._common import BODY_LIMIT

AGENT_CHANNELS = [(c, label) for c, label in Channel.choices if c in {"phone", "chat", "review", "agent"}]
SKILL_LABELS = {"presale": _("Pre-sale"), "aftersale": _("After-sale"), "logistics": _("Logistics"),
                "complaints": _("Complaints")}


class NewTicketForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=AGENT_CHANNELS, initial="phone")
    phone = forms.CharField(label=_("Customer's mobile"), max_length=20)
    order = forms.CharField(label=_("Order number"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, v) for k, v in Kind.choices if k != Kind.CARE_TASK],
                             initial=Kind.COMPLAINT)
    skill = forms.ChoiceField(label=_("Queue"), choices=[(s, SKILL_LABELS[s]) for s in SKILLS],
                              initial="complaints")
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=120)
    body = forms.CharField(label=_("What the customer said"), max_length=BODY_LIMIT, widget=forms.Textarea)
    source_ref = forms.CharField(label=_("Call, chat or review reference"), max_length=80, required=False)

    def clean_phone(self) -> Customer:
        raw = self.cleaned_data["phone"]
        if not is_valid_phone(raw):
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number."), code="phone")
        customer = Customer.objects.filter(phone=normalise_phone(raw)).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this mobile number."), code="unknown")
        return customer

    def clean(self):
        data = super().clean()
        number, customer = data.get("order"), data.get("phone")
        if number and customer is not None:
            order = Order.objects.filter(number=number.strip()).first()
            if order is None or order.customer_id != customer.pk:
                self.add_error("order", _("This customer has no order with this number."))
            else:
                data["order"] = order
        else:
            data["order"] = None
        return data
