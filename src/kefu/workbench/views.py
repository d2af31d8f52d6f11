"""The agents' pages: sign in, search, customer 360, and an order with its timeline and audit history.

The after-sales pages live beside this module: views_cases.py (the queue and a case), views_warehouse.py
(the warehouse desk) and views_compliance.py (售后100分 compliance)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from kefu.commerce import selectors
from kefu.commerce.delivery import mark_late
from kefu.commerce.models import Customer, Order
from kefu.core import clock
from kefu.portal.views import TIMELINE_PARTIAL, order_context

from . import queries
from .access import agent_required, landing_page
from .forms import AgentLoginForm, SearchForm

ORDERS_PER_PAGE = 20


class LoginView(auth_views.LoginView):
    template_name = "workbench/login.html"
    authentication_form = AgentLoginForm

    def get_default_redirect_url(self):
        """Without a `next`, agents start at the search and the warehouse at its desk."""
        return resolve_url(landing_page(self.request.user))


@agent_required
def search(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    outcome = selectors.search_customers(query)
    # htmx asks for the results alone; a history restore (back button after a cache miss) needs the page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "workbench/search.html#results" if partial else "workbench/search.html"
    response = render(request, template, {"form": form, "outcome": outcome})
    patch_vary_headers(response, ("HX-Request",))
    return response


@agent_required
def customer_detail(request, customer_id: int):
    try:
        customer = queries.customer_with_addresses(customer_id)
    except Customer.DoesNotExist:
        raise Http404("no such customer") from None
    page = Paginator(selectors.customer_orders(customer), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    mark_late(page.object_list, clock.now())
    return render(request, "workbench/customer.html", {
        "customer": customer, "addresses": customer.addresses.all(), "page": page, "orders": page.object_list,
    })


def _order(number: str) -> Order:
    order = selectors.order_detail(number)
    if order is None:
        raise Http404("no such order")
    return order


@agent_required
def order_detail(request, number: str):
    order = _order(number)
    context = order_context(order, timeline_url=reverse("workbench:order_timeline", args=[order.number]))
    context["history"] = queries.status_history(order)
    return render(request, "workbench/order_detail.html", context)


@agent_required
def order_timeline(request, number: str):
    order = _order(number)
    response = render(request, TIMELINE_PARTIAL, order_context(order, timeline_url=request.path))
    patch_vary_headers(response, ("HX-Request",))
    return response
