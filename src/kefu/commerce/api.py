"""Commerce API, mounted at /api/v1.

Sync (a shop feeds kefu; `Authorization: Bearer <integration token>`):
    PUT  /sync/orders/{external_id}                                   upsert one order → 201 / 200
    POST /sync/shipments/{carrier_code}/{tracking_number}/events      append tracking events
Read (agents' tools: a session user with commerce.view_customer_360, or an integration token):
    GET  /customers?phone=… | ?q=…    GET /customers/{id}    GET /orders/{number}

Request bodies are validated here rather than by a ninja body parameter, so error locations read
["body", "lines", 2, "sku"] for schema errors and service errors alike.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.errors import AuthorizationError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from kefu.core.errors import NotFound, error_location
from kefu.core.roles import FULL_PHONE, WORKBENCH

from . import selectors
from .models import Customer, Integration
from .schemas import (
    Customer360Out,
    CustomerLookupOut,
    CustomerSummaryOut,
    OrderDetailOut,
    OrderSyncIn,
    TrackingEventIn,
    TrackingEventOut,
)
from .services import integrations, sync

router = Router()


# --- authentication ------------------------------------------------------------------------------

class IntegrationToken(HttpBearer):
    """A shop's token (see `kefu create_integration`); request.auth is the Integration."""

    def authenticate(self, request: HttpRequest, token: str) -> Integration | None:
        return integrations.authenticate(token) if token else None


class AgentSession(SessionAuth):
    """A logged-in user allowed the customer 360 view; any other logged-in user gets 403, not 401."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated:
            return None
        if not user.has_perm(WORKBENCH):
            raise AuthorizationError(message="You may not use the agents' tools.")
        return user


shop_only = [IntegrationToken()]
agents_or_shop = [IntegrationToken(), AgentSession()]


def _sees_full_phone(request: HttpRequest) -> bool:
    return isinstance(request.auth, Integration) or request.auth.has_perm(FULL_PHONE)


# --- request bodies --------------------------------------------------------------------------------

ORDER_BODY = TypeAdapter(OrderSyncIn)
EVENTS_BODY = TypeAdapter(list[TrackingEventIn])


def _parse(request: HttpRequest, adapter: TypeAdapter):
    try:
        return adapter.validate_json(request.body or b"")
    except PydanticValidationError as exc:
        raise ValidationError([_error(("body", *e["loc"]), e["msg"], e["type"])
                               for e in exc.errors(include_url=False)]) from None


def _error(loc, msg: str, type_: str) -> dict:
    return {"loc": list(loc), "msg": msg, "type": type_}


def _inline_refs(schema: dict) -> dict:
    """A pydantic JSON schema with its $defs inlined, fit to sit inside the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {**target, **{k: resolve(v) for k, v in node.items() if k != "$ref"}}
        return {k: resolve(v) for k, v in node.items()}

    return resolve(schema)


def _json_body(adapter: TypeAdapter) -> dict:
    schema = _inline_refs(adapter.json_schema())
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# --- sync -----------------------------------------------------------------------------------------

@router.put("/sync/orders/{external_id}", auth=shop_only, response={200: OrderDetailOut, 201: OrderDetailOut},
            openapi_extra=_json_body(ORDER_BODY), tags=["sync"], summary="Create or update one order")
def sync_order(request: HttpRequest, external_id: str = Path(..., min_length=1, max_length=64)):
    """Idempotent upsert by (integration, external_id): 201 when created, 200 when updated or replayed.

    The order walks kefu's state machine to the reported status; see services/sync.py for the rules.
    """
    data = _parse(request, ORDER_BODY)
    try:
        result = sync.sync_order(request.auth, external_id, data)
    except sync.InvalidOrder as exc:
        errors = [_error(error_location(p.field), p.message, exc.code) for p in exc.problems]
        raise ValidationError(errors) from None
    order = selectors.order_detail(result.order.number)
    return Status(201 if result.created else 200, OrderDetailOut.build(order, full_phone=True))


@router.post("/sync/shipments/{carrier_code}/{tracking_number}/events", auth=shop_only,
             response=list[TrackingEventOut], openapi_extra=_json_body(EVENTS_BODY), tags=["sync"],
             summary="Append tracking events to a shipment")
def add_tracking_events(request: HttpRequest, carrier_code: str, tracking_number: str):
    """Body: a list of events; replayed ones are ignored. Returns all the shipment's events in time order."""
    events = _parse(request, EVENTS_BODY)
    shipment = sync.append_tracking_events(request.auth, carrier_code, tracking_number, events)
    return [TrackingEventOut.build(e) for e in shipment.events.order_by("occurred_at", "id")]


# --- read -----------------------------------------------------------------------------------------

@router.get("/customers", auth=agents_or_shop, response=CustomerLookupOut, tags=["read"],
            summary="Find a customer by phone, or search by phone / order number / name")
def lookup_customers(request: HttpRequest, phone: str | None = None, q: str | None = None):
    """`phone`: that customer's 360 view (404 if none). `q`: the workbench's search box (a phone, an order
    number or part of a name): up to 20 matches, and the 360 view too when exactly one matches. Input too
    short or too long to search is a 422 with a hint. Phones are masked unless the viewer may see them."""
    full = _sees_full_phone(request)
    if phone:
        try:
            customer = selectors.customer_by_phone(phone)
        except ValueError as exc:
            raise ValidationError([_error(["query", "phone"], str(exc), "phone")]) from None
        if customer is None:
            raise NotFound("no customer has that phone number", field="phone", location="query")
        matches = [customer]
    elif q and q.strip():
        found = selectors.search_customers(q)
        if found.hint:
            raise ValidationError([_error(["query", "q"], found.hint, "unsearchable")])
        matches = found.customers
    else:
        raise ValidationError([_error(["query", "q"], "give phone or q", "missing")])
    view = selectors.customer_360(matches[0]) if len(matches) == 1 else None
    return {"customer": Customer360Out.build(view, full) if view else None,
            "matches": [CustomerSummaryOut.build(c, full) for c in matches]}


@router.get("/customers/{customer_id}", auth=agents_or_shop, response=Customer360Out, tags=["read"],
            summary="One customer's 360 view")
def customer_360(request: HttpRequest, customer_id: int):
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("no such customer")
    return Customer360Out.build(selectors.customer_360(customer), _sees_full_phone(request))


@router.get("/orders/{number}", auth=agents_or_shop, response=OrderDetailOut, tags=["read"],
            summary="One order with lines, payments, invoice, shipments and tracking")
def order_detail(request: HttpRequest, number: str):
    order = selectors.order_detail(number)
    if order is None:
        raise NotFound(f"no order {number}")
    return OrderDetailOut.build(order, _sees_full_phone(request))
