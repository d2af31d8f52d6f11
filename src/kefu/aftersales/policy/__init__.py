"""The after-sales policy engine: what a request is entitled to, from plain data. No Django, no database.

    from kefu.aftersales.policy import decide, parse_request, decision_to_dict
    decision_to_dict(decide(parse_request(json.loads(text))))

The schema, the rule codes and the day counting: docs/aftersales-policy.md.
"""

from .config import PolicySettings
from .engine import decide
from .errors import PolicyInputError
from .io import decision_to_dict, parse_request, parse_requests
from .types import (
    Attr,
    Basis,
    Condition,
    Decision,
    Evidence,
    Item,
    Kind,
    Line,
    Order,
    Payer,
    Reason,
    Refund,
    RefundMethod,
    Request,
    Resolution,
)

__all__ = [
    "Attr", "Basis", "Condition", "Decision", "Evidence", "Item", "Kind", "Line", "Order", "Payer",
    "PolicyInputError", "PolicySettings", "Reason", "Refund", "RefundMethod", "Request", "Resolution",
    "decide", "decision_to_dict", "parse_request", "parse_requests",
]
