"""Price protection: the price dropped soon after the order; the difference comes back as points (FAQ 7)."""

from __future__ import annotations

from .config import PolicySettings
from .days import day_number, last_moment, zh_date
from .types import Basis, Decision, Kind, Payer, RefundMethod, Request, Resolution
from .verdicts import allow, not_offered, refuse, until, yuan

BASIS = Basis.PRICE_PROTECTION


def decide(req: Request, settings: PolicySettings) -> Decision:
    if req.request != Kind.PRICE_PROTECTION:
        return not_offered("price_protection.request_not_offered", req, (Kind.PRICE_PROTECTION,), "降价")
    tz = settings.timezone
    order = req.order
    day = day_number(req.now, order.ordered_at, tz)
    window_end = last_moment(order.ordered_at, settings.price_protection_days, tz)
    in_window = day <= settings.price_protection_days
    if order.signed_at is not None and not in_window:
        return refuse("price_protection.expired", f"价格保护在下单后 {settings.price_protection_days} 天内或签收前有效"
                      f"（{zh_date(window_end, tz)}截止），本订单已签收且已过期。", basis=BASIS)
    item = req.items[0]  # one sku per request (checked when the request is built)
    paid = order.line(item.sku).unit_paid
    current = req.current_unit_price
    assert current is not None  # checked when the request is built
    if current >= paid:
        return refuse("price_protection.not_lower", f"商品 {item.sku} 现价 {yuan(current)} 不低于您的实付单价 "
                      f"{yuan(paid)}，没有差价可退。", basis=BASIS, deadline=window_end if in_window else None)
    goods = (paid - current) * sum(i.qty for i in req.items)
    when = f"下单后 {settings.price_protection_days} 天内（{until(window_end, settings)}）" if in_window else "签收前"
    return allow("price_protection.refund", f"{when}降价，可以申请价格保护。",
                 f"差价 {yuan(paid - current)} × {sum(i.qty for i in req.items)} 件 = {yuan(goods)}，以京豆返还。",
                 basis=BASIS, resolution=Resolution.REFUND_DIFFERENCE, paid_by=Payer.NONE, goods=goods,
                 method=RefundMethod.POINTS, deadline=window_end if in_window else None)
