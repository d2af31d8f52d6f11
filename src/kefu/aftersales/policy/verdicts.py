"""Building decisions, and the zh-hans words the rules share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .config import PolicySettings
from .days import zh_date
from .types import (
    ZERO,
    Basis,
    Condition,
    Decision,
    Evidence,
    Kind,
    Payer,
    Refund,
    RefundMethod,
    Request,
    Resolution,
)

KIND_ZH = {
    Kind.RETURN: "退货退款",
    Kind.EXCHANGE: "换货",
    Kind.REFUND_ONLY: "仅退款",
    Kind.REPAIR: "维修",
    Kind.RESHIP: "补发",
    Kind.PRICE_PROTECTION: "价格保护",
}

CONDITION_ZH = {
    Condition.INTACT: "完好",
    Condition.OPENED_FOR_INSPECTION: "仅为检查而拆封",
    Condition.SEAL_BROKEN: "必要的一次性密封已拆",
    Condition.USED: "已使用",
    Condition.DAMAGED: "已损坏",
    Condition.TAGS_REMOVED: "吊牌已拆或已剪",
}


def yuan(amount: Decimal) -> str:
    return f"¥{amount:.2f}"


def day_phrase(day: int) -> str:
    return "签收当天申请" if day == 0 else f"签收后第{day}天申请"


def until(moment: datetime, settings: PolicySettings) -> str:
    return f"{zh_date(moment, settings.timezone)}截止"


def refuse(rule: str, *reasons: str, basis: Basis | None = None, missing: tuple[Evidence, ...] = (),
           deadline: datetime | None = None) -> Decision:
    """Not allowed: nothing is refunded, and the reasons say why."""
    return Decision(allowed=False, rule=rule, reasons=reasons, basis=basis, missing_evidence=missing,
                    deadline=deadline)


def not_offered(rule: str, req: Request, offered: tuple[Kind, ...], ground: str) -> Decision:
    """The customer asked for a remedy this ground does not give: say which ones it does give."""
    choices = "、".join(KIND_ZH[kind] for kind in offered)
    return refuse(rule, f"{ground}不能申请{KIND_ZH[req.request]}，可以申请：{choices}。")


def allow(rule: str, *reasons: str, basis: Basis | None, resolution: Resolution, paid_by: Payer,
          goods: Decimal = ZERO, shipping: Decimal = ZERO, method: RefundMethod = RefundMethod.ORIGINAL_PAYMENT,
          deadline: datetime | None = None) -> Decision:
    return Decision(allowed=True, rule=rule, reasons=reasons, basis=basis, resolution=resolution,
                    return_shipping_paid_by=paid_by, refund=Refund(goods, shipping), refund_method=method,
                    deadline=deadline)
