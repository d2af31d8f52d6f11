"""The forms of the agents' ticket pages: the queue's filters and one form per action on a ticket.

Each action form has a prefix (its action's name), so the ids of the page's many forms never clash; the
services do the checking that matters and their refusals come back onto these forms' fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.tickets.models import Cause, Channel, Queue
from kefu.tickets.services._common import BODY_LIMIT

from . import ticket_queries
from .forms import AgentChoiceField


class QueueFilterForm(forms.Form):
    """GET filters of the queue. A value that is not one of the choices is dropped, never an error page."""

    MAX_CHARS = 64

    view = forms.ChoiceField(label=_("List"), required=False, choices=[("", "")] + list(ticket_queries.VIEWS.items()))
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), required=False, coerce=int, empty_value=None,
                                      choices=[("", _("Any priority"))] + [(str(p), f"P{p}") for p in range(1, 5)])
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.choices])
    q = forms.CharField(label=_("Ticket, order, mobile or subject"), required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "maxlength": 64,
                                                      "placeholder": _("Ticket number, order number, mobile or "
                                                                       "words of the subject")}))

    def __init__(self, *args, queues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = [("", _("Every queue"))] + [(q.code, q.name) for q in queues]

    def clean_q(self):
        q = self.cleaned_data["q"]
        if len(q) > self.MAX_CHARS:
            raise forms.ValidationError(
                _("That is too long to search. Enter at most %(n)d characters.") % {"n": self.MAX_CHARS})
        return q

    def value_of(self, name: str):
        """The field's clean value, or None when it was left out or is not one of the choices."""
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name) or None


def _text(label, *, required=True, rows=3, limit=BODY_LIMIT):
    return forms.CharField(label=label, required=required, strip=True, max_length=limit,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ReplyForm(forms.Form):
    body = _text(_("Reply to the customer"), rows=5)
    wait_for_customer = forms.BooleanField(label=_("Wait for the customer's answer (pauses the SLA clocks)"),
                                           required=False)
    confirm_coach = forms.BooleanField(label=_("Send as written, despite the reply coach"), required=False)


class NoteForm(forms.Form):
    body = _text(_("Internal note (never shown to the customer)"), rows=2)


class AnalyseForm(forms.Form):
    cause = forms.ChoiceField(label=_("Cause"), choices=[("", _("Choose the cause")), *Cause.choices])
    analysis = _text(_("Analysis"), required=False)


class AcknowledgeForm(forms.Form):
    position = _text(_("The customer's position, as you understood it"))


class ProposeForm(forms.Form):
    solution = _text(_("Solution proposed"))
    next_step = forms.CharField(label=_("Next step shown to the customer"), required=False, strip=True,
                                max_length=200)


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(label=_("Did the customer accept the solution?"), widget=forms.RadioSelect,
                                      coerce=lambda v: v == "yes", choices=[
                                          ("yes", pgettext_lazy("answer", "Accepted")),
                                          ("no", pgettext_lazy("answer", "Not accepted"))])
    reason = _text(_("Why not (required when not accepted)"), required=False, rows=2)

    def clean(self):
        data = super().clean()
        if data.get("accepted") is False and not data.get("reason"):
            self.add_error("reason", _("Write down why the customer did not accept it."))
        return data


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, strip=True, max_length=500)


class AssignForm(forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=None, required=False, empty_label=_("Choose an agent"))
    to_me = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = ticket_queries.ticket_workers()

    def clean(self):
        data = super().clean()
        if not data.get("to_me") and not data.get("agent") and "agent" not in self.errors:
            self.add_error("agent", _("Choose an agent."))
        return data


class ReasonForm(forms.Form):
    """Escalate, hand to the care team, reopen: the reason goes into the audit trail."""

    reason = _text(_("Reason"), rows=2, limit=500)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into ticket number"), max_length=20, strip=True)


class SplitForm(forms.Form):
    messages = forms.TypedMultipleChoiceField(label=_("Messages to move"), coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    subject = forms.CharField(label=_("Subject of the new ticket"), max_length=120, strip=True)

    def __init__(self, *args, messages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["messages"].choices = [(m.pk, m.body[:80]) for m in messages]


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "reply": ReplyForm, "note": NoteForm, "analyse": AnalyseForm, "acknowledge": AcknowledgeForm,
    "propose": ProposeForm, "answer": AnswerForm, "resolve": ResolveForm, "assign": AssignForm,
    "escalate": ReasonForm, "care_team": ReasonForm, "merge": MergeForm, "split": SplitForm, "reopen": ReasonForm,
}


def queues():
    return list(Queue.objects.order_by("id"))
