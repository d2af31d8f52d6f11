"""7-day no-reason return or exchange (网络购买商品七日无理由退货暂行办法)."""

from __future__ import annotations

from .amounts import goods_paid
from .config import PolicySettings
from .days import day_number, last_moment, zh_date
from .types import Attr, Basis, Condition, Decision, Item, Kind, Line, Payer, Request, Resolution
from .verdicts import CONDITION_ZH, allow, day_phrase, not_offered, refuse, until, yuan

BASIS = Basis.SEVEN_DAY_NO_REASON
OFFERED = (Kind.RETURN, Kind.EXCHANGE)
INTACT = frozenset({Condition.INTACT, Condition.OPENED_FOR_INSPECTION})

# Excluded by law whatever the buyer agreed to (sealed audio-video and software only once the seal is broken).
LEGAL_EXCLUSIONS = {
    Attr.CUSTOMISED: "定制商品",
    Attr.FRESH: "鲜活易腐商品",
    Attr.DIGITAL_DOWNLOAD: "在线下载的数字化商品",
    Attr.PERIODICAL: "已交付的报纸、期刊",
}


def exclusion(line: Line, item: Item) -> str | None:
    """Why this item cannot be returned without a reason, or None."""
    for attr, label in LEGAL_EXCLUSIONS.items():
        if attr in line.attrs:
            return f"商品 {line.sku} 属于{label}，依法不适用七天无理由退货。"
    if Attr.SEALED_AV_SOFTWARE in line.attrs and item.condition == Condition.SEAL_BROKEN:
        return f"商品 {line.sku} 是已拆封的音像制品或计算机软件，依法不适用七天无理由退货。"
    if Attr.DECLARED_NONRETURNABLE in line.attrs and line.buyer_confirmed_nonreturnable:
        return f"商品 {line.sku} 在购买时经您确认不适用七天无理由退货。"
    return None


def decide(req: Request, settings: PolicySettings) -> Decision:
    if req.request not in OFFERED:
        return not_offered("no_reason.request_not_offered", req, OFFERED, "七天无理由")
    signed_at = req.order.signed_at
    if signed_at is None:
        return refuse("no_reason.not_signed", "订单尚未签收；七天无理由退换货从签收次日起计算。", basis=BASIS)
    tz = settings.timezone
    day = day_number(req.now, signed_at, tz)
    deadline = last_moment(signed_at, settings.no_reason_days, tz)
    if day > settings.no_reason_days:
        return refuse("no_reason.expired", f"{day_phrase(day)}，已超过七天无理由退换货期限"
                      f"（{zh_date(deadline, tz)}截止）。", basis=BASIS)
    notes = []
    for item in req.items:
        line = req.order.line(item.sku)
        why = exclusion(line, item)
        if why:
            return refuse("no_reason.excluded", why, basis=BASIS)
        if item.condition not in INTACT:
            return refuse("no_reason.not_intact", f"商品 {item.sku} {CONDITION_ZH[item.condition]}，已不完好，"
                          "不适用七天无理由退换货。", basis=BASIS)
        if Attr.DECLARED_NONRETURNABLE in line.attrs:
            notes.append(f"商品 {item.sku} 虽标注不适用无理由退货，但购买时未经您确认，仍可退换。")
    in_time = f"{day_phrase(day)}，在七天无理由退换货期内（{until(deadline, settings)}）。"
    if req.request == Kind.EXCHANGE:
        return allow("no_reason.exchange", in_time, *notes, "可以换货；寄回的运费由买家承担。",
                     basis=BASIS, resolution=Resolution.EXCHANGE, paid_by=Payer.BUYER, deadline=deadline)
    goods = goods_paid(req)
    return allow("no_reason.return", in_time, *notes, f"可以退货退款，退还商品实付金额 {yuan(goods)}；"
                 "寄回的运费由买家承担。", basis=BASIS, resolution=Resolution.RETURN_REFUND,
                 paid_by=Payer.BUYER, goods=goods, deadline=deadline)
