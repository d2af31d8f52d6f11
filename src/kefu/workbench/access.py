"""Who may use the workbench: staff holding commerce.view_customer_360 (agents, supervisors, care team)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from kefu.core import roles


def agent_required(view):
    """Anonymous -> the workbench sign-in; signed in without the permission -> 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "workbench:login")
        if not request.user.has_perm(roles.WORKBENCH):
            raise PermissionDenied("the workbench needs commerce.view_customer_360")
        return view(request, *args, **kwargs)

    return wrapper
