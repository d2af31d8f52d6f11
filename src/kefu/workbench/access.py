"""Who may use which workbench page. Every staff page is guarded by one of these decorators:

- agent_required: the workbench itself (commerce.view_customer_360: agents, supervisors, care team);
- cases_required: the after-sales queue and case pages (the workbench and aftersales.change_aftersalescase);
- warehouse_required: the warehouse desk (aftersales.add_inspection; the warehouse has no workbench);
- compliance_required: the 100-minute compliance report;
- evidence_required: the customers' photos (aftersales.view_caseevidence: agents and the warehouse).

Anonymous visitors go to the workbench sign-in; a signed-in account without the permissions gets 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from kefu.core import roles
from kefu.portal.templatetags.kefu_ui import staff_home


def permission_required(*perms: str):
    """Like Django's permission_required, but anonymous -> workbench:login and signed-in without -> 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "workbench:login")
            if not request.user.has_perms(perms):
                raise PermissionDenied(f"this page needs {', '.join(perms)}")
            return view(request, *args, **kwargs)

        wrapper.required_permissions = perms
        return wrapper

    return decorate


agent_required = permission_required(roles.WORKBENCH)
cases_required = permission_required(roles.WORKBENCH, roles.WORK_CASES)
warehouse_required = permission_required(roles.WAREHOUSE_DESK)
compliance_required = permission_required(roles.COMPLIANCE)
evidence_required = permission_required("aftersales.view_caseevidence")


def may_use_workbench(user) -> bool:
    """Who may sign in on the workbench page: agents, and the warehouse for its desk."""
    return user.has_perm(roles.WORKBENCH) or user.has_perm(roles.WAREHOUSE_DESK)


def landing_page(user) -> str:
    """Where a signed-in member of staff starts: the warehouse at its desk, everyone else at the search."""
    return staff_home(user)
