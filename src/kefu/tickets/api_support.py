"""What the ticket API's routers share (and the contact app's handover router): who is asking, and request
bodies validated in the view, so schema errors and the services' errors alike read ["body", "field"].

Who may do what, as in the after-sales API: a customer sees only their own tickets (anyone else's is a 404,
never a 403 that would confirm it exists); a signed-in user without the right is a 403; no session, 401.
Session writes are CSRF-checked as Django's forms are (the X-CSRFToken header), once the caller is signed in.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthorizationError, ValidationError
from ninja.security import SessionAuth
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from kefu.core.errors import DomainError
from kefu.core.roles import WORK_TICKETS, WORKBENCH

MAX_OFFSET = 1_000_000  # a database offset is a 64-bit integer; nobody pages that far by hand


class Forbidden(DomainError):
    """Signed in, allowed on the endpoint, but not this action (a supervisor's)."""

    status = 403
    code = "forbidden"


def customer_of(user):
    return getattr(user, "customer", None) if user is not None and user.is_authenticated else None


def works_tickets(user) -> bool:
    return user.has_perm(WORKBENCH) and user.has_perm(WORK_TICKETS)


class _Session(SessionAuth):
    """Django's session for a signed-in user the subclass admits; anyone else signed in gets 403. The CSRF
    check runs once the caller is signed in: an anonymous caller has no session to protect and gets 401."""

    refusal = "You may not do this."

    def admits(self, user) -> bool:
        raise NotImplementedError

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except (MultiPartParserError, RequestDataTooBig) as exc:  # the CSRF check reads a form body
            raise ValidationError([error(["body"], f"unreadable body: {exc}", "unreadable")]) from None

    def authenticate(self, request: HttpRequest, key: str | None):
        if not self.admits(request.user):
            raise AuthorizationError(message=self.refusal)
        return request.user


class CustomerSession(_Session):
    refusal = "Only a signed-in customer may do this."

    def admits(self, user) -> bool:
        return customer_of(user) is not None


class AgentSession(_Session):
    refusal = "Only agents who work tickets may do this."

    def admits(self, user) -> bool:
        return works_tickets(user)


customers = [CustomerSession()]
agents = [AgentSession()]


def error(loc, msg: str, type_: str) -> dict:
    return {"loc": list(loc), "msg": msg, "type": type_}


def parse(request: HttpRequest, adapter: TypeAdapter):
    """The JSON body validated against `adapter`; an empty body counts as {} (optional fields only)."""
    try:
        return adapter.validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        raise ValidationError([error(("body", *e["loc"]), e["msg"], e["type"])
                               for e in exc.errors(include_url=False)]) from None


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


def json_body(adapter: TypeAdapter, *, required: bool = True) -> dict:
    """The OpenAPI requestBody of a view that parses its own body."""
    schema = _inline_refs(adapter.json_schema())
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}


def no_nul(value: str) -> str:
    """A NUL can match nothing we store, and PostgreSQL refuses it in a query: search for nothing instead."""
    return "" if "\x00" in value else value
