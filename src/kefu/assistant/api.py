"""The assistant over HTTP, mounted at /api/v1:

    POST /assistant/ask     a question → intent, confidence, FAQ entry, answer, hand-off (anyone)
    GET  /assistant/faq     the FAQ entries shown on a channel, answers with the shop's numbers (anyone)

Anyone may ask. A signed-in customer gets answers from their own orders and cases; anyone else (not signed
in, or staff) gets the FAQ only, so no personal data ever leaves without the customer's own session. A
signed-in caller's POST is CSRF-checked like the other session APIs; an anonymous one has no session to
protect. The channel "agent" (entries for agents only) is for staff who use the workbench.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.security import SessionAuth
from pydantic import TypeAdapter

from kefu.core.roles import WORKBENCH
from kefu.tickets.api_support import Forbidden, customer_of, json_body, parse

from . import answers, selectors, services
from .models import Category, Channel
from .schemas import AskIn, AskOut, FaqOut

router = Router(tags=["assistant"])

ASK_BODY = TypeAdapter(AskIn)
ANONYMOUS = "anonymous"


class AnyoneOrSession(SessionAuth):
    """Admits everyone: a signed-in user through Django's session (with ninja's CSRF check), anyone else as
    ANONYMOUS."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return ANONYMOUS
        return super().__call__(request)


anyone = [AnyoneOrSession()]


def _may_use(request: HttpRequest, channel: str) -> None:
    if channel == Channel.AGENT and not (request.user.is_authenticated and request.user.has_perm(WORKBENCH)):
        raise Forbidden("only agents may ask on the agent channel", field="channel")


@router.post("/assistant/ask", auth=anyone, response=AskOut, openapi_extra=json_body(ASK_BODY),
             summary="Ask the assistant a question")
def ask(request: HttpRequest):
    """Simplified or traditional Chinese. Signed in as a customer, order questions (where is it, can I cancel,
    has the price dropped, where is my refund) are answered from that customer's own data."""
    data = parse(request, ASK_BODY)
    _may_use(request, data.channel)
    answer = services.ask(data.question, customer=customer_of(request.user), channel=data.channel)
    return AskOut(intent=answer.intent, confidence=answer.confidence, faq=answer.faq, answer=answer.answer,
                  handoff=answer.handoff, outcome=answer.outcome, actions=answer.actions, facts=answer.facts,
                  question_id=answer.question_id)


@router.get("/assistant/faq", auth=anyone, response=list[FaqOut], summary="The FAQ shown on a channel")
def faq(request: HttpRequest, channel: Channel = Channel.WEB, category: Category | None = None):
    """Active entries only, in the knowledge base's order; {{placeholders}} filled in."""
    _may_use(request, channel)
    return [FaqOut(id=e.pk, key=e.key, question=e.question, answer=answers.render(e.answer), category=e.category,
                   intent=e.intent) for e in selectors.active_entries(category) if channel in e.channels]
