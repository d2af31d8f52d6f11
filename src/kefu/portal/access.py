"""Who may open the customer's pages: signed-in customers only; staff are sent to their workbench."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from .templatetags.kefu_ui import staff_home


def customer_of(user):
    return getattr(user, "customer", None) if user.is_authenticated else None


def customer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "portal:login")
        customer = customer_of(request.user)
        if customer is None:
            return redirect(staff_home(request.user))
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper
