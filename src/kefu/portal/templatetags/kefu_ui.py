"""Presentation helpers shared by the portal and the workbench: money, phones, who is signed in."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kefu.core import roles
from kefu.core.money import format_cny
from kefu.core.phones import mask_phone

register = template.Library()


@register.filter
def cny(value) -> str:
    """Decimal('3299') -> '¥3,299.00'. Empty for None, so a missing amount never shows as ¥None."""
    if value is None or value == "":
        return ""
    return format_cny(Decimal(value))


@register.filter
def masked(phone: str) -> str:
    return mask_phone(phone or "")


@register.filter
def phone_for(phone: str, user) -> str:
    """A phone number as this viewer may see it: in full only with commerce.view_customer_phone."""
    if user is not None and user.has_perm(roles.FULL_PHONE):
        return phone
    return mask_phone(phone or "")


@register.simple_tag(takes_context=True)
def kefu_identity(context) -> dict:
    """Who is signed in, for the page header: display name, role label, which area they work in."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"authenticated": False}
    customer = getattr(user, "customer", None)
    held = roles.roles_of(user)
    label = next((roles.LABELS[r] for r in roles.LABELS if r in held), "")
    if customer is not None:
        return {"authenticated": True, "name": customer.name, "role": label or roles.LABELS[roles.CUSTOMER],
                "is_customer": True, "is_agent": False}
    is_agent = user.has_perm(roles.WORKBENCH)
    return {"authenticated": True, "name": user.get_full_name() or user.get_username(), "role": label,
            "is_customer": False, "is_agent": is_agent, "works_cases": is_agent and user.has_perm(roles.WORK_CASES),
            "works_tickets": is_agent and user.has_perm(roles.WORK_TICKETS),
            "supervises_tickets": is_agent and user.has_perm(roles.SUPERVISE_TICKETS),
            "at_warehouse": user.has_perm(roles.WAREHOUSE_DESK), "sees_compliance": user.has_perm(roles.COMPLIANCE),
            "home": staff_home(user)}


def staff_home(user) -> str:
    """Where a member of staff starts (the brand link, the 403 page, sign-in): the warehouse at its desk."""
    if not user.has_perm(roles.WORKBENCH) and user.has_perm(roles.WAREHOUSE_DESK):
        return "workbench:warehouse"
    return "workbench:home"


@register.simple_tag(takes_context=True)
def unread_notices(context) -> int:
    """How many notices the signed-in customer has not opened yet (0 for anyone else), for the nav badge."""
    request = context.get("request")
    customer = getattr(getattr(request, "user", None), "customer", None) if request is not None else None
    if customer is None:
        return 0
    from kefu.tickets.models import Notice

    return Notice.objects.filter(customer=customer, read_at__isnull=True).count()
