from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kefu.core import roles


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
        if not user.has_perm(roles.WORKBENCH):
            raise forms.ValidationError(self.error_messages["no_workbench"], code="no_workbench")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Phone, name or order number"), required=False, max_length=200, strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True,
                                      "placeholder": _("Phone number, customer name or order number")}),
    )
