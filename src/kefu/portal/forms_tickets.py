"""The customer's complaint forms: a new complaint, a message on it, the answer to a proposed solution, and the
follow-up survey.

The forms check the input's shape and that an order or case chosen is the customer's own (a stranger's number
is simply not among the choices); the rules of the ticket itself are the services'.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from kefu.aftersales.models import AfterSalesCase
from kefu.commerce.models import Order
from kefu.tickets.models import Kind, QuestionKind, SurveyQuestion

from .ticket_text import CSAT_FACES

SUBJECT_MAX = 120  # the ticket's subject column
# A complaint typed into the portal; the service takes longer texts (forwarded emails), a form need not.
BODY_MAX = 5000
COMMENT_MAX = 2000  # as the survey service keeps them
CUSTOMER_KINDS = (Kind.COMPLAINT, Kind.QUESTION)


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Order) -> str:
        return f"{obj.number} · {date_format(localtime(obj.placed_at), 'Y-m-d')} · {obj.seller.name}"


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AfterSalesCase) -> str:
        return f"{obj.number} · {obj.get_kind_display()} · {obj.order.number}"


class TicketForm(forms.Form):
    """A new complaint or question. Severity is not the customer's to choose: the service takes normal."""

    kind = forms.ChoiceField(
        label=_("What is it?"), initial=Kind.COMPLAINT, widget=forms.RadioSelect(attrs={"data-testid": "kind"}),
        choices=[(k, Kind(k).label) for k in CUSTOMER_KINDS])
    subject = forms.CharField(
        label=_("Subject"), max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"data-testid": "subject", "autocomplete": "off",
                                      "placeholder": _("In a few words, e.g. the parcel has not moved for 3 days")}))
    body = forms.CharField(
        label=_("What happened?"), max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "data-testid": "body",
                                     "placeholder": _("What happened, when, and what you would like us to do.")}))
    order = OrderChoiceField(label=_("Order (optional)"), queryset=Order.objects.none(), to_field_name="number",
                             required=False, empty_label=_("Not about one order"),
                             widget=forms.Select(attrs={"data-testid": "order"}))
    case = CaseChoiceField(label=_("After-sales case (optional)"), queryset=AfterSalesCase.objects.none(),
                           to_field_name="number", required=False, empty_label=_("Not about an after-sales case"),
                           widget=forms.Select(attrs={"data-testid": "case"}))
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, customer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = (Order.objects.filter(customer=customer).select_related("seller")
                                         .order_by("-placed_at", "-id"))
        self.fields["case"].queryset = (AfterSalesCase.objects.filter(customer=customer).select_related("order")
                                        .order_by("-created_at", "-id"))

    def clean(self):
        data = super().clean()
        order, case = data.get("order"), data.get("case")
        if order is not None and case is not None and case.order_id != order.pk:
            self.add_error("case", _("This after-sales case is about another order."))
        return data


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Add to your complaint"), max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "message-body",
                                     "placeholder": _("More details, or your answer to customer service")}))


class AnswerForm(forms.Form):
    """The customer's answer to a proposed solution: accepted, or not and why (the why is required)."""

    accepted = forms.ChoiceField(choices=[("yes", _("Accept")), ("no", _("Not accepted"))])
    reason = forms.CharField(
        label=_("If not, why not and what would you like instead?"), required=False, max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "answer-reason"}))

    def clean(self):
        data = super().clean()
        if data.get("accepted") == "no" and not data.get("reason"):
            self.add_error("reason", _("Please tell us why the solution does not suit you."))
        return data

    @property
    def is_accepted(self) -> bool:
        return self.cleaned_data["accepted"] == "yes"


SCORE_CHOICES = [(str(value), f"{face} {words}") for value, face, words in CSAT_FACES]


class SurveyForm(forms.Form):
    """The follow-up survey: the overall score (CSAT 1–5), a comment, and the supervisors' own questions."""

    csat = forms.TypedChoiceField(label=_("How satisfied are you with how your complaint was handled?"),
                                  choices=SCORE_CHOICES, coerce=int,
                                  widget=forms.RadioSelect(attrs={"data-testid": "csat"}))
    comment = forms.CharField(label=_("Anything you would like to tell us?"), required=False, max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3, "data-testid": "comment"}))

    def __init__(self, questions: list[SurveyQuestion], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[self.field_name(question)] = self._field(question)

    @staticmethod
    def field_name(question: SurveyQuestion) -> str:
        return f"q-{question.pk}"

    @staticmethod
    def _field(question: SurveyQuestion) -> forms.Field:
        common = {"label": question.text, "required": question.required}
        attrs = {"data-testid": f"q-{question.pk}"}
        if question.kind == QuestionKind.SCORE:
            return forms.ChoiceField(choices=SCORE_CHOICES, widget=forms.RadioSelect(attrs=attrs), **common)
        if question.kind == QuestionKind.YES_NO:
            return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))],
                                     widget=forms.RadioSelect(attrs=attrs), **common)
        return forms.CharField(max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2, **attrs}), **common)

    def answers(self) -> dict[str, str]:
        """The questions' answers as the survey service takes them: {str(question id): value}."""
        return {str(q.pk): self.cleaned_data.get(self.field_name(q)) or "" for q in self.questions}

    def field_for(self, service_field: str | None) -> str | None:
        """answers.<id> → q-<id>; csat and comment are themselves."""
        if not service_field:
            return None
        if service_field.startswith("answers."):
            name = f"q-{service_field.split('.', 1)[1]}"
            return name if name in self.fields else None
        return service_field if service_field in self.fields else None
