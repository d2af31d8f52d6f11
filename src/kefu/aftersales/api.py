"""After-sales API, mounted at /api/v1. Every write calls a service (services/*.py); nothing here saves a row.

Customers (their session; an agent may act on a customer's behalf):
    POST /aftersales/advice                          the policy's decision for a request, nothing saved
    POST /aftersales/cases                           open a case (JSON, or multipart with photos) → 201
    POST /aftersales/cases/{number}/return-shipment  the parcel is on its way back
    POST /aftersales/cases/{number}/cancel           withdraw the request
Reading (customers: their own cases; staff: every case; a shop's integration: the cases of its orders):
    GET  /aftersales/cases                           filtered, paginated
    GET  /aftersales/cases/{number}                  lines, decision, refunds, coupons, timeline
Agents (aftersales.change_aftersalescase), on /aftersales/cases/{number}/…:
    approve, decline, escalate, assign, send-replacement, start-repair, refund, points, coupon, close
The warehouse desk (aftersales.add_inspection):
    POST /aftersales/warehouse/receive               scan a tracking or case number (starts the 100 minutes)
    POST /aftersales/cases/{number}/inspection/start, …/inspection, …/restock
The payment side (integration token):
    POST /payments/refunds/{idempotency_key}         sent | confirmed | failed (payments.py)

Who may do what. A customer sees only their own orders and cases: anyone else's is a 404, never a 403
that would confirm it exists. A signed-in user without the right is a 403; no session, 401. Session
writes are CSRF-checked as Django's forms are (the X-CSRFToken header), once the caller is signed in.

Shops' integrations read, they do not act. A shop's system may follow the cases of its own orders (its
ERP books the returns), but approving, declining, inspecting and refunding are judgments kefu records
against a person — the audit log names them and the 100-minute figure is counted per agent — so they
stay with signed-in staff. The one write open to a token is the payment side's answer about a refund:
a fact the payment side owns, not a judgment (docs/decisions/0005-payment-gateway-adapter.md).

Bodies are validated in the view, as in kefu/commerce/api.py, so schema errors and service errors alike
read ["body", "lines", 0, "quantity"]. An empty body counts as {} for actions whose fields are optional.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router, Status
from ninja.errors import AuthorizationError, ValidationError
from ninja.security import SessionAuth
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from kefu.commerce.api import IntegrationToken, _inline_refs, _json_body
from kefu.commerce.models import Carrier, Integration, Order
from kefu.core import clock
from kefu.core.errors import Conflict, DomainError, NotFound
from kefu.core.roles import WAREHOUSE_DESK, WORK_CASES

from . import case_states as st
from . import payments
from .models import AfterSalesCase, CaseKind, CaseReason, Refund
from .policy import decision_to_dict
from .schemas import (
    AdviceIn,
    AdviceOut,
    AssignIn,
    CaseIn,
    CaseOut,
    CasePageOut,
    CaseSummaryOut,
    CouponIn,
    DeclineIn,
    InspectionIn,
    NoteIn,
    PointsIn,
    ReasonIn,
    ReceiveIn,
    RefundAnswerIn,
    RefundOut,
    ReturnShipmentIn,
    detail_queryset,
    summary_queryset,
)
from .services import cases, refunds, warehouse
from .services.opening import check_askable
from .services.policy_bridge import AskedLine, advise, refusal_field, shop_price

router = Router()

VIEW_CASES = "aftersales.view_aftersalescase"
MAX_OFFSET = 1_000_000  # a database offset is a 64-bit integer; nobody pages that far by hand
MAX_PHOTOS = 9  # photos in one request: enough to show a parcel, bounded so one request stays small
CUSTOMERS = ["after-sales: customers"]
READ = ["after-sales: read"]
AGENTS = ["after-sales: agents"]
WAREHOUSE = ["after-sales: warehouse"]


# --- who is asking ---------------------------------------------------------------------------------------

def _customer(user):
    return getattr(user, "customer", None)


def _works_cases(user) -> bool:
    return user.has_perm(WORK_CASES)


def _is_staff(user) -> bool:
    return user.has_perm(VIEW_CASES) or user.has_perm(WORK_CASES) or user.has_perm(WAREHOUSE_DESK)


class _Session(SessionAuth):
    """Django's session for a signed-in user the subclass admits; anyone else signed in gets 403.

    The CSRF check (ninja's, for every cookie-authenticated write) runs once the caller is signed in: an
    anonymous caller has no session to protect and gets a plain 401."""

    refusal = "You may not do this."

    def admits(self, user) -> bool:
        raise NotImplementedError

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except (MultiPartParserError, RequestDataTooBig) as exc:  # the CSRF check reads a form body
            raise _unreadable(exc) from None

    def authenticate(self, request: HttpRequest, key: str | None):
        if not self.admits(request.user):
            raise AuthorizationError(message=self.refusal)
        return request.user


class CustomerOrAgentSession(_Session):
    refusal = "Only a customer, or an after-sales agent on their behalf, may do this."

    def admits(self, user) -> bool:
        return _customer(user) is not None or _works_cases(user)


class CaseReaderSession(_Session):
    refusal = "You may not read after-sales cases."

    def admits(self, user) -> bool:
        return _customer(user) is not None or _is_staff(user)


class CaseAgentSession(_Session):
    refusal = "Only after-sales agents may do this."

    def admits(self, user) -> bool:
        return _works_cases(user)


class WarehouseSession(_Session):
    refusal = "Only the warehouse desk may do this."

    def admits(self, user) -> bool:
        return user.has_perm(WAREHOUSE_DESK)


customers_or_agents = [CustomerOrAgentSession()]
readers = [IntegrationToken(), CaseReaderSession()]
agents = [CaseAgentSession()]
warehouse_desk = [WarehouseSession()]


def _internal(request: HttpRequest) -> bool:
    """Staff see the internal fields; a customer and a shop's integration see the public view."""
    return not isinstance(request.auth, Integration) and _is_staff(request.auth)


def _visible(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    auth = request.auth
    if isinstance(auth, Integration):
        return queryset.filter(order__integration=auth)
    if _is_staff(auth):
        return queryset
    return queryset.filter(customer=_customer(auth))


def _case(request: HttpRequest, number: str) -> AfterSalesCase:
    case = _visible(request, AfterSalesCase.objects.all()).filter(number=_no_nul(number)).first()
    if case is None:
        raise NotFound(f"no after-sales case {number}", field="number")
    return case


def _no_nul(value: str) -> str:
    """A NUL can match nothing we store, and PostgreSQL refuses it in a query: search for nothing instead."""
    return "" if "\x00" in value else value


def _detail(request: HttpRequest, number: str) -> CaseOut:
    return CaseOut.build(_visible(request, detail_queryset()).get(number=number), _internal(request))


def _order(request: HttpRequest, number: str) -> Order:
    """The order a request is about: a customer's own, or any for an agent acting on a customer's behalf."""
    orders = Order.objects.filter(number=number)
    if not _works_cases(request.auth):
        orders = orders.filter(customer=_customer(request.auth))
    order = orders.first()
    if order is None:
        raise NotFound(f"no order {number}", field="order", location="body")
    return order


# --- request bodies --------------------------------------------------------------------------------------

def _error(loc, msg: str, type_: str) -> dict:
    return {"loc": list(loc), "msg": msg, "type": type_}


def _validate(adapter: TypeAdapter, raw: bytes | str):
    try:
        return adapter.validate_json(raw or b"{}")
    except PydanticValidationError as exc:
        raise ValidationError([_error(("body", *e["loc"]), e["msg"], e["type"])
                               for e in exc.errors(include_url=False)]) from None


def _unreadable(exc: Exception) -> ValidationError:
    return ValidationError([_error(["body"], f"unreadable form body: {exc}", "multipart")])


def _parse(request: HttpRequest, adapter: TypeAdapter):
    return _validate(adapter, request.body)


def _claims(request: HttpRequest, data, asked: list[AskedLine]) -> tuple[Decimal | None, int]:
    """The shop's current price and the failed repairs are facts an agent may state; a customer may not (the
    portal's rule too): for a customer the price is the SKU's price now and stating either is a 422."""
    if _works_cases(request.auth):
        return data.current_unit_price or shop_price(data.reason, asked), data.repairs_failed
    for field, given in (("current_unit_price", data.current_unit_price is not None),
                         ("repairs_failed", bool(data.repairs_failed))):
        if given:
            raise ValidationError([_error(["body", field], "only an agent may state this; the shop's own "
                                          "records are used", "forbidden")])
    return shop_price(data.reason, asked), 0


def _asked(order: Order, lines) -> list[AskedLine]:
    """The order lines asked about, by id or by SKU code (which must then name exactly one line)."""
    own = list(order.lines.select_related("sku__product"))
    asked = []
    for i, line in enumerate(lines):
        if line.order_line is not None:
            found = [o for o in own if o.pk == line.order_line]
            if not found:
                raise DomainError("this line is not part of the order", field=f"lines[{i}].order_line")
            if line.sku is not None and found[0].sku.code != line.sku:
                raise DomainError("this is not the SKU of that order line", field=f"lines[{i}].sku")
        elif line.sku is not None:
            found = [o for o in own if o.sku.code == line.sku]
            if len(found) != 1:
                raise DomainError(f"no line of this order has SKU {line.sku!r}" if not found else
                                  "this SKU is on several lines of the order: give order_line",
                                  field=f"lines[{i}].sku")
        else:
            raise DomainError("give the order line's id (order_line) or its SKU code (sku)",
                              field=f"lines[{i}].order_line")
        asked.append(AskedLine(found[0], line.quantity, line.condition))
    return asked


ADVICE_BODY = TypeAdapter(AdviceIn)
CASE_BODY = TypeAdapter(CaseIn)
RETURN_BODY = TypeAdapter(ReturnShipmentIn)
REASON_BODY = TypeAdapter(ReasonIn)
NOTE_BODY = TypeAdapter(NoteIn)
DECLINE_BODY = TypeAdapter(DeclineIn)
ASSIGN_BODY = TypeAdapter(AssignIn)
POINTS_BODY = TypeAdapter(PointsIn)
COUPON_BODY = TypeAdapter(CouponIn)
RECEIVE_BODY = TypeAdapter(ReceiveIn)
INSPECTION_BODY = TypeAdapter(InspectionIn)
ANSWER_BODY = TypeAdapter(RefundAnswerIn)
MAX_CASE_PART = 64 * 1024


def _optional_body(adapter: TypeAdapter) -> dict:
    doc = _json_body(adapter)
    doc["requestBody"]["required"] = False
    return doc


def _case_body_doc() -> dict:
    schema = _inline_refs(CASE_BODY.json_schema())
    multipart = {"type": "object", "required": ["case"], "properties": {
        "case": {"type": "string", "contentMediaType": "application/json",
                 "description": "the same JSON object as the application/json body"},
        "evidence": {"type": "array", "maxItems": MAX_PHOTOS,
                     "items": {"type": "string", "format": "binary"},
                     "description": "photos: JPEG, PNG or WebP, checked by their bytes"}}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema},
                                                          "multipart/form-data": {"schema": multipart}}}}


def _case_input(request: HttpRequest) -> tuple[CaseIn, list]:
    """A new case as JSON, or as multipart: the JSON in the part `case`, photos in parts named `evidence`."""
    if request.content_type != "multipart/form-data":
        return _parse(request, CASE_BODY), []
    try:
        form, files = request.POST, request.FILES
    except (MultiPartParserError, RequestDataTooBig) as exc:
        raise _unreadable(exc) from None
    unknown = sorted((set(form) | set(files)) - {"case", "evidence"})
    if unknown:
        raise ValidationError([_error(["body", unknown[0]], "unknown part: send `case` and `evidence`",
                                      "extra_forbidden")])
    if "evidence" in form:
        raise ValidationError([_error(["body", "evidence"], "evidence parts must be files", "file_required")])
    # `curl -F case=@case.json` sends the JSON as a file part.
    raw = files["case"].read(MAX_CASE_PART + 1) if "case" in files else form.get("case")
    if not raw:
        raise ValidationError([_error(["body", "case"], "the case's JSON goes in the part `case`", "missing")])
    if len(raw) > MAX_CASE_PART:
        raise ValidationError([_error(["body", "case"], "the case's JSON is too long", "too_long")])
    photos = files.getlist("evidence")
    if len(photos) > MAX_PHOTOS:
        raise ValidationError([_error(["body", "evidence"], f"at most {MAX_PHOTOS} photos", "too_many")])
    return _validate(CASE_BODY, raw), photos


# --- customers -------------------------------------------------------------------------------------------

@router.post("/aftersales/advice", auth=customers_or_agents, response=AdviceOut, tags=CUSTOMERS,
             openapi_extra=_json_body(ADVICE_BODY), summary="What the policy would decide, without opening a case")
def advice(request: HttpRequest):
    """The policy engine's decision for this request on this order, now. Nothing is saved. A refusal is still
    a 200: `allowed` is false, `reasons` say why and `field` names the input it is about."""
    data = _parse(request, ADVICE_BODY)
    order = _order(request, data.order)
    asked = _asked(order, data.lines)
    check_askable(order, asked, data.kind)
    price, repairs = _claims(request, data, asked)
    decision = advise(order, kind=data.kind, reason=data.reason, lines=asked, evidence_kinds=set(data.evidence),
                      now=clock.now(), return_postage=data.return_postage, repairs_failed=repairs,
                      current_unit_price=price)
    return AdviceOut(**decision_to_dict(decision), field=None if decision.allowed else refusal_field(decision.rule))


@router.post("/aftersales/cases", auth=customers_or_agents, response={201: CaseOut}, by_alias=True,
             tags=CUSTOMERS, openapi_extra=_case_body_doc(), summary="Open a case")
def open_case(request: HttpRequest):
    """The policy decides from the order's own data; a refusal is a 422 naming the input at fault (its
    reasons in `msg`; /aftersales/advice shows the whole decision) and nothing is written. Photos: send
    multipart/form-data with the JSON in the part `case` and up to 9 files named `evidence`."""
    data, photos = _case_input(request)
    if data.urgent and not _works_cases(request.auth):
        raise ValidationError([_error(["body", "urgent"], "only an agent may mark a case urgent", "forbidden")])
    order = _order(request, data.order)
    asked = _asked(order, data.lines)
    price, repairs = _claims(request, data, asked)
    case = cases.open_case(order, data.kind, data.reason, asked, photos, by=request.auth,
                           description=data.description, return_postage=data.return_postage,
                           repairs_failed=repairs, current_unit_price=price, urgent=data.urgent)
    return Status(201, _detail(request, case.number))


@router.post("/aftersales/cases/{number}/return-shipment", auth=customers_or_agents, response=CaseOut,
             by_alias=True, tags=CUSTOMERS, openapi_extra=_json_body(RETURN_BODY),
             summary="The item is on its way back")
def add_return_shipment(request: HttpRequest, number: str):
    data = _parse(request, RETURN_BODY)
    case = _case(request, number)
    carrier = Carrier.objects.filter(code=data.carrier).first()
    if carrier is None:
        raise DomainError(f"unknown carrier {data.carrier!r}", field="carrier")
    cases.add_return_tracking(case, carrier=carrier, tracking_number=data.tracking_number, by=request.auth,
                              postage=data.postage)
    return _detail(request, number)


@router.post("/aftersales/cases/{number}/cancel", auth=customers_or_agents, response=CaseOut, by_alias=True,
             tags=CUSTOMERS, openapi_extra=_optional_body(REASON_BODY), summary="Withdraw the request")
def cancel(request: HttpRequest, number: str):
    """Until the parcel is on its way back (requested, approved, awaiting_return); later a 409."""
    data = _parse(request, REASON_BODY)
    cases.cancel_by_customer(_case(request, number), by=request.auth, reason=data.reason)
    return _detail(request, number)


# --- reading ---------------------------------------------------------------------------------------------

CaseStatus = Literal[tuple(st.CASE_STATES)]


@router.get("/aftersales/cases", auth=readers, response=CasePageOut, by_alias=True, tags=READ,
            summary="Cases, newest first")
def list_cases(request: HttpRequest, status: CaseStatus | None = None, kind: CaseKind | None = None,
               reason: CaseReason | None = None, order: str | None = None, escalated: bool | None = None,
               assigned: str | None = Query(None, description='staff only: "me", "none" or a user id'),
               limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Customers see their own cases, a shop's integration the cases of its orders, staff every case.
    `escalated` and `assigned` are staff's filters."""
    internal = _internal(request)
    if not internal and (escalated is not None or assigned is not None):
        field = "escalated" if escalated is not None else "assigned"
        raise ValidationError([_error(["query", field], "only staff may filter by this", "forbidden")])
    cases_ = _visible(request, summary_queryset())
    filters = {"status": status, "kind": kind, "reason": reason, "escalated": escalated,
               "order__number": None if order is None else _no_nul(order)}
    cases_ = cases_.filter(**{k: v for k, v in filters.items() if v is not None})
    if assigned is not None:
        cases_ = cases_.filter(**_assigned_filter(request, assigned))
    count = cases_.count()
    page = cases_[offset:offset + limit]
    return CasePageOut(count=count, limit=limit, offset=offset,
                       items=[CaseSummaryOut.build(case, internal) for case in page])


def _assigned_filter(request: HttpRequest, assigned: str) -> dict:
    if assigned == "me":
        return {"assigned_to": request.auth}
    if assigned == "none":
        return {"assigned_to__isnull": True}
    if assigned.isdigit() and len(assigned) <= 18:
        return {"assigned_to_id": int(assigned)}
    raise ValidationError([_error(["query", "assigned"], 'give "me", "none" or a user id', "assigned")])


@router.get("/aftersales/cases/{number}", auth=readers, response=CaseOut, by_alias=True, tags=READ,
            summary="One case with its lines, decision, refunds and timeline")
def case_detail(request: HttpRequest, number: str):
    return _detail(request, _case(request, number).number)


# --- agents ----------------------------------------------------------------------------------------------

def _agent_action(path: str, summary: str, body: TypeAdapter | None = None, required: bool = False):
    """Register an agent's action on one case: POST /aftersales/cases/{number}/<path>, answering the case."""
    extra = None if body is None else (_json_body(body) if required else _optional_body(body))

    def register(act):
        def view(request: HttpRequest, number: str):
            data = _parse(request, body) if body is not None else None
            act(request, _case(request, number), data)
            return _detail(request, number)

        view.__name__ = act.__name__
        view.__doc__ = act.__doc__
        router.post(f"/aftersales/cases/{{number}}/{path}", auth=agents, response=CaseOut, by_alias=True,
                    tags=AGENTS, openapi_extra=extra, summary=summary)(view)
        return act

    return register


@_agent_action("approve", "Approve the request", REASON_BODY)
def approve(request, case, data):
    """When the item travels back, the case then awaits the parcel."""
    cases.approve(case, by=request.auth, reason=data.reason)


@_agent_action("decline", "Decline the request", DECLINE_BODY, required=True)
def decline(request, case, data):
    """`reason` is required: the customer reads it."""
    cases.decline(case, reason=data.reason, by=request.auth)


@_agent_action("escalate", "Escalate to a supervisor", REASON_BODY)
def escalate(request, case, data):
    """A flag with an audit record; escalating twice changes nothing."""
    cases.escalate(case, by=request.auth, reason=data.reason)


@_agent_action("assign", "Assign the case to an agent", ASSIGN_BODY, required=True)
def assign(request, case, data):
    """`agent`: a user id, "me", or null to unassign. Only someone who may work cases can be assigned."""
    cases.assign(case, _assignee(request, data.agent), by=request.auth)


def _assignee(request: HttpRequest, agent):
    if agent is None:
        return None
    if agent == "me":
        return request.auth
    user = get_user_model().objects.filter(pk=agent, is_active=True).first()
    if user is None or not _works_cases(user):
        raise DomainError("no active agent with that id may work after-sales cases", field="agent")
    return user


@_agent_action("send-replacement", "Ship the replacement or the missing item", NOTE_BODY)
def send_replacement(request, case, data):
    """After approval (a missing item) or after the inspection (an exchange); an urgent exchange may get it
    while the original is still on its way. Sending twice changes nothing."""
    cases.send_replacement(case, by=request.auth, note=data.note)


@_agent_action("start-repair", "Send the item for repair", NOTE_BODY)
def start_repair(request, case, data):
    cases.start_repair(case, by=request.auth, note=data.note)


@_agent_action("refund", "Issue the case's refund")
def issue_refund(request, case, data):
    """Puts the decided refund on the ledger (goods, shipping, postage) and moves the case to refunding; the
    payment side hears of it through the outbox. Asking again changes nothing."""
    refunds.issue_refund(case, by=request.auth)


@_agent_action("points", "Grant 京豆 as compensation", POINTS_BODY, required=True)
def grant_points(request, case, data):
    """One grant per case, counted against what the order paid; the same grant again changes nothing, a
    different one is a 409."""
    refund = refunds.grant_points(case, data.amount, by=request.auth, reason=data.reason)
    if refund.amount != data.amount:
        raise Conflict(f"case {case.number} already has a points grant worth ¥{refund.amount:.2f}; one per case",
                       field="amount", code="already_granted")


@_agent_action("coupon", "Grant a goodwill coupon", COUPON_BODY, required=True)
def grant_coupon(request, case, data):
    """One coupon per case; the same coupon again changes nothing, a different one is a 409."""
    coupon = refunds.grant_coupon(case, data.face_value, by=request.auth, valid_days=data.valid_days)
    if coupon.face_value != data.face_value:
        raise Conflict(f"case {case.number} already has a coupon worth ¥{coupon.face_value:.2f}; one per case",
                       field="face_value", code="already_granted")


@_agent_action("close", "Close a finished case", REASON_BODY)
def close(request, case, data):
    """Refused (409) while a refund is owed or unconfirmed or a replacement is unsent."""
    cases.close(case, by=request.auth, reason=data.reason)


# --- the warehouse ---------------------------------------------------------------------------------------

@router.post("/aftersales/warehouse/receive", auth=warehouse_desk, response=CaseOut, by_alias=True,
             tags=WAREHOUSE, openapi_extra=_json_body(RECEIVE_BODY), summary="A returned parcel has arrived")
def receive(request: HttpRequest):
    """`ref`: the return's tracking number or the case number. Starts the 100-minute clock; scanning the same
    parcel again changes nothing."""
    data = _parse(request, RECEIVE_BODY)
    try:
        case = warehouse.receive_return(data.ref, by=request.auth)
    except NotFound as exc:  # the reference came in the body, not the path
        raise NotFound(exc.message, field="ref", location="body") from None
    return _detail(request, case.number)


@router.post("/aftersales/cases/{number}/inspection/start", auth=warehouse_desk, response=CaseOut, by_alias=True,
             tags=WAREHOUSE, summary="Start inspecting a received return")
def start_inspection(request: HttpRequest, number: str):
    warehouse.start_inspection(_case(request, number), by=request.auth)
    return _detail(request, number)


@router.post("/aftersales/cases/{number}/inspection", auth=warehouse_desk, response=CaseOut, by_alias=True,
             tags=WAREHOUSE, openapi_extra=_json_body(INSPECTION_BODY), summary="Record the inspection's verdict")
def inspect(request: HttpRequest, number: str):
    """The decision that stops the 100-minute clock. `accepted` (units per case line id) only when
    partly_accepted; `wrong_item_confirmed` is required for a wrong-item case."""
    data = _parse(request, INSPECTION_BODY)
    case = _case(request, number)
    try:
        warehouse.record_inspection(case, outcome=data.outcome, condition_found=data.condition_found,
                                    resellable=data.resellable, wrong_item_confirmed=data.wrong_item_confirmed,
                                    accepted=data.accepted, notes=data.notes, by=request.auth)
    except DomainError as exc:
        raise _by_line_id(exc, case) from None
    return _detail(request, number)


def _by_line_id(exc: DomainError, case: AfterSalesCase) -> DomainError:
    """The service names a line of `accepted` by its position among the case's lines; the client keyed it by
    the case line's id, so the error should name that id."""
    match = re.fullmatch(r"accepted\[(\d+)\]", exc.field or "")
    if match is None:
        return exc
    line_ids = list(case.lines.order_by("id").values_list("id", flat=True))
    return type(exc)(exc.message, field=f"accepted.{line_ids[int(match[1])]}", code=exc.code)


@router.post("/aftersales/cases/{number}/restock", auth=warehouse_desk, response=CaseOut, by_alias=True,
             tags=WAREHOUSE, summary="Put accepted, resellable units back on sale")
def restock(request: HttpRequest, number: str):
    """Once per case; again changes nothing."""
    warehouse.restock(_case(request, number), by=request.auth)
    return _detail(request, number)


# --- the payment side ------------------------------------------------------------------------------------

@router.post("/payments/refunds/{idempotency_key}", auth=[IntegrationToken()], response=RefundOut,
             tags=["payments"], openapi_extra=_json_body(ANSWER_BODY), summary="The payment side's answer")
def answer_refund(request: HttpRequest, idempotency_key: str):
    """`status`: sent, confirmed or failed (with `reason`). The same answer again is a 200 that changes
    nothing; one that contradicts an earlier final answer is a 409. Answered by the shop whose order it is,
    or by a payment integration listed in KEFU_PAYMENT_INTEGRATIONS; to anyone else the key is a 404."""
    data = _parse(request, ANSWER_BODY)
    refund = (Refund.objects.select_related("order", "case")
              .filter(idempotency_key=_no_nul(idempotency_key)).first())
    if refund is None or not payments.may_answer(request.auth, refund):
        raise NotFound(f"no refund {idempotency_key}", field="idempotency_key")
    refund, _changed = payments.record_answer(refund, data.status, external_ref=data.external_ref,
                                              reason=data.reason, by=f"payment:{request.auth.name}")
    return RefundOut.build(refund)
