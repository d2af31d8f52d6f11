from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kefu.core.phones import normalise_phone


class PhoneLoginForm(AuthenticationForm):
    """Customers sign in with their mobile number (their username) and password.

    '138 1234-5678' and '+86 13812345678' are accepted: the number is normalised before checking.
    """

    error_messages = {
        "invalid_login": _("The phone number or password is incorrect. Please try again."),
        "inactive": _("This account has been disabled. Please contact customer service."),
    }

    username = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "tel",
                                      "placeholder": _("11-digit mobile number")}),
    )

    def clean(self):
        raw = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if raw is None or password is None:
            return self.cleaned_data
        try:
            phone = normalise_phone(raw)
        except ValueError:
            raise forms.ValidationError(
                {"username": _("Enter an 11-digit mainland China mobile number, e.g. 138 1234 5678.")}
            ) from None
        self.cleaned_data["username"] = phone
        self.user_cache = authenticate(self.request, username=phone, password=password)
        if self.user_cache is None:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
