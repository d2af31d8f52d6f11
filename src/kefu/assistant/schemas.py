"""Shapes of the assistant API. Input follows the house rules (kefu/commerce/schemas.py): strings stripped,
unknown fields refused, enumerations closed."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from kefu.commerce.schemas import In

from .services import MAX_QUESTION_CHARS


class AskIn(In):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="the customer's question, "
                          "simplified or traditional Chinese")
    channel: Literal["web", "app", "chat", "agent"] = Field(
        "web", description="where it is asked: FAQ entries not shown there are not used (agent: staff only)")


class FaqRefOut(Schema):
    id: int
    key: str
    question: str


class AskOut(Schema):
    intent: str = Field(description="one of the 19 intents (docs/assistant.md)")
    confidence: float = Field(ge=0, le=1)
    faq: FaqRefOut | None = Field(description="the FAQ entry the answer comes from or relates to")
    answer: str
    handoff: bool = Field(description="true: a person should take over (the intent says which queue)")
    outcome: Literal["faq", "personal", "handoff", "unanswered"]
    actions: list[dict] = Field(description="what the customer can do next, e.g. {kind: cancel_order, order}")
    facts: dict = Field(description="the data a personal answer was built from (the customer's own only)")
    question_id: int | None = Field(description="the logged question, for feedback and the supervisors' list")


class FaqOut(Schema):
    id: int
    key: str
    question: str
    answer: str = Field(description="with the shop's numbers filled in")
    category: str
    intent: str
