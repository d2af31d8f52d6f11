"""What a chat handed over by the smart assistant carries into the line (pure; no database).

The assistant's intent chooses the line when the customer did not (questions before buying go to the pre-sale
agents, everything about an order already placed to after-sale) and the urgency: a complaint is served before
ordinary questions of the same tier (the tickets' priority table, tickets/routing.py, read with severity "high").
"""

from __future__ import annotations

PRESALE_INTENTS = frozenset({"product_question", "restock", "delivery_time", "payment", "cod",
                             "authenticity_warranty"})
SEVERITY_FOR_INTENT = {"complaint": "high"}
PRESALE, AFTERSALE = "presale", "aftersale"


def line_for(intent: str) -> str:
    """The chat line for an intent; after-sale when it is unknown or empty (most chats are about an order)."""
    return PRESALE if intent in PRESALE_INTENTS else AFTERSALE


def severity_for(intent: str) -> str:
    return SEVERITY_FOR_INTENT.get(intent, "normal")
