"""Every number the after-sales policy may change, with the defaults of issue 3 (docs/aftersales-policy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PolicySettings:
    timezone: str = "Asia/Shanghai"  # days are counted on this calendar
    no_reason_days: int = 7  # 7-day no-reason return or exchange
    quality_return_days: int = 7  # quality fault: return (or exchange) as asked
    quality_exchange_days: int = 15  # quality fault: exchange or repair
    repairs_failed_threshold: int = 2  # within warranty, this many failed repairs earn a return or exchange
    minor_fault_rate: Decimal = Decimal("0.10")  # partial-refund offer for a minor fault, share of the paid amount
    wrong_or_missing_days: int = 15  # wrong or missing items must be reported within this many days of signing
    reship_cutoff: time = time(20, 0)  # a reship asked before this local time is due the same day
    price_protection_days: int = 7  # counted from ordered_at
