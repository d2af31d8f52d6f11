"""The customer's pages: sign in, my orders, one order with its live tracking timeline.

The after-sales pages (apply, my cases, one case) are in views_cases.py.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from kefu.commerce import selectors
from kefu.commerce.delivery import mark_late
from kefu.commerce.models import Order
from kefu.core import clock

from . import queries
from .access import customer_of, customer_required
from .forms import PhoneLoginForm
from .templatetags.kefu_ui import staff_home

ORDERS_PER_PAGE = 20
TIMELINE_PARTIAL = "portal/order_detail.html#timeline"


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if customer_of(self.request.user) is None:
            return resolve_url(staff_home(self.request.user))
        return resolve_url("portal:orders")


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); `next` may send an agent back to the workbench sign-in."""

    next_page = "portal:login"


def home(request):
    return redirect("portal:orders")


@customer_required
def order_list(request):
    tab = request.GET.get("status", "all")
    if tab not in queries.ORDER_TABS:
        tab = "all"
    page = Paginator(queries.customer_orders(request.customer, tab), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    counts = queries.tab_counts(request.customer)
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == tab}
            for key, (label, _statuses) in queries.ORDER_TABS.items()]
    return render(request, "portal/orders.html", {"page": page, "orders": page.object_list, "tabs": tabs,
                                                  "tab": tab})


def order_context(order: Order, *, timeline_url: str) -> dict:
    mark_late([order], clock.now())
    return {
        "order": order,
        "lines": order.lines.all(),
        "shipments": order.shipments.all(),
        "payments": order.payments.all(),
        "invoice": getattr(order, "invoice", None),  # an absent reverse one-to-one raises DoesNotExist
        "timeline_url": timeline_url,
        "ws_path": f"/ws/orders/{order.number}/",
    }


def _own_order(request, number: str) -> Order:
    order = selectors.order_detail(number, customer=request.customer)
    if order is None:
        raise Http404("no such order for this customer")
    return order


@customer_required
def order_detail(request, number: str):
    order = _own_order(request, number)
    context = order_context(order, timeline_url=reverse("portal:order_timeline", args=[order.number]))
    # After-sales on the customer's order page only (the workbench shares the template, not this context).
    context["aftersales"] = {"cases": list(queries.order_cases(order, request.customer)),
                             "can_apply": queries.may_apply(order)}
    return render(request, "portal/order_detail.html", context)


@customer_required
def order_timeline(request, number: str):
    """The tracking timeline alone, for htmx to swap in when the websocket says the order changed."""
    order = _own_order(request, number)
    context = order_context(order, timeline_url=request.path)
    response = render(request, TIMELINE_PARTIAL, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
