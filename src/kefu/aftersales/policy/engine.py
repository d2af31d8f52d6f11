"""`decide(request) -> Decision`: the one place that knows the after-sales rules (no database, no Django)."""

from __future__ import annotations

from collections.abc import Callable

from . import no_reason, price, quality, wrong_missing
from .config import PolicySettings
from .types import Decision, Reason, Request

DEFAULT_SETTINGS = PolicySettings()

RULES: dict[Reason, Callable[[Request, PolicySettings], Decision]] = {
    Reason.NO_REASON: no_reason.decide,
    Reason.QUALITY_MINOR: quality.decide_minor,
    Reason.QUALITY_SERIOUS: quality.decide,
    Reason.DAMAGED_IN_TRANSIT: quality.decide,
    Reason.WRONG_ITEM: wrong_missing.decide,
    Reason.MISSING_ITEM: wrong_missing.decide,
    Reason.PRICE_DROP: price.decide,
}


def decide(request: Request, settings: PolicySettings = DEFAULT_SETTINGS) -> Decision:
    """What this request is entitled to. The request was checked when it was built (see checks.py)."""
    return RULES[request.reason](request, settings)
