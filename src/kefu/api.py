"""The JSON API (django-ninja): OpenAPI docs at /api/docs. Every app contributes a router."""

from django.http import HttpRequest
from ninja import NinjaAPI

from kefu.core.errors import DomainError, error_location

api = NinjaAPI(
    title="kefu API",
    version="1",
    description="Order sync for shops, read access for agents' tools, after-sales cases for customers, agents "
                "and the warehouse, and the payment side's answers about refunds. Errors name the field at fault.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    # Same shape as ninja's own validation errors: {"detail": [{"loc": [...], "msg": ..., "type": ...}]}
    loc = error_location(exc.field, exc.location)
    item = {"loc": loc, "msg": exc.message, "type": exc.code}
    if getattr(exc, "flags", None) is not None:  # the reply coach's objection carries what it flagged
        item["flags"] = exc.flags
    return api.create_response(request, {"detail": [item]}, status=exc.status)


@api.get("/health", auth=None, tags=["operations"])
def health(request: HttpRequest):
    """Liveness and database reachability, for load balancers and monitors."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor}


from kefu.aftersales.api import router as aftersales_router  # noqa: E402
from kefu.assistant.api import router as assistant_router  # noqa: E402
from kefu.calls.api import router as calls_router  # noqa: E402
from kefu.chat.api import router as chat_router  # noqa: E402
from kefu.commerce.api import router as commerce_router  # noqa: E402
from kefu.contact.api import router as contact_router  # noqa: E402
from kefu.tickets.api import router as tickets_router  # noqa: E402
from kefu.tickets.api_inbound import router as inbound_router  # noqa: E402

api.add_router("/v1", commerce_router)
api.add_router("/v1", aftersales_router)
api.add_router("/v1", tickets_router)
api.add_router("/v1", inbound_router)
api.add_router("/v1", contact_router)
api.add_router("/v1", calls_router)
api.add_router("/v1", chat_router)
api.add_router("/v1", assistant_router)
