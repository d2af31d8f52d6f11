"""Membership tier from spend over the last 12 months (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

# Highest first. Diamond >= 30,000 CNY a year comes from seed 002; the lower steps are ours.
ORDER = ("diamond", "gold", "silver", "bronze")
DEFAULT_THRESHOLDS = {"bronze": Decimal("1000"), "silver": Decimal("5000"), "gold": Decimal("10000"),
                      "diamond": Decimal("30000")}


def tier_for_spend(spend: Decimal, thresholds: Mapping[str, Decimal | str] = DEFAULT_THRESHOLDS) -> str:
    for tier in ORDER:
        if spend >= Decimal(thresholds[tier]):
            return tier
    return "registered"
