"""Wrong or missing items: the seller's mistake, proven with a photo."""

from __future__ import annotations

from .amounts import goods_paid, whole_order
from .config import PolicySettings
from .days import day_number, due_by, last_moment, zh_date
from .types import ZERO, Basis, Decision, Evidence, Kind, Payer, Reason, Request, Resolution
from .verdicts import allow, day_phrase, not_offered, refuse, until, yuan

BASIS = Basis.WRONG_OR_MISSING
WRONG_OFFERED = (Kind.RETURN, Kind.EXCHANGE)
MISSING_OFFERED = (Kind.RESHIP, Kind.REFUND_ONLY)


def decide(req: Request, settings: PolicySettings) -> Decision:
    wrong = req.reason == Reason.WRONG_ITEM
    family = "wrong_item" if wrong else "missing_item"
    offered = WRONG_OFFERED if wrong else MISSING_OFFERED
    if req.request not in offered:
        return not_offered(f"{family}.request_not_offered", req, offered, "发错货" if wrong else "漏发")
    signed_at = req.order.signed_at
    if signed_at is None:
        return refuse(f"{family}.not_signed", "订单尚未签收；签收后发现发错或漏发再申请。", basis=BASIS)
    tz = settings.timezone
    day = day_number(req.now, signed_at, tz)
    window_end = last_moment(signed_at, settings.wrong_or_missing_days, tz)
    if day > settings.wrong_or_missing_days:
        return refuse(f"{family}.expired", f"{day_phrase(day)}，发错或漏发须在签收后 {settings.wrong_or_missing_days} "
                      f"天内反映（{zh_date(window_end, tz)}截止）。", basis=BASIS)
    if Evidence.PHOTO not in req.evidence:
        return refuse(f"{family}.photo_missing", "请上传收到的商品和包装的照片，作为发错或漏发的凭证。",
                      basis=BASIS, missing=(Evidence.PHOTO,), deadline=window_end)
    return _wrong(req, day, window_end, settings) if wrong else _missing(req, window_end, settings)


def _wrong(req: Request, day: int, window_end, settings: PolicySettings) -> Decision:
    reasons = [f"{day_phrase(day)}，发错商品由卖家负责（{until(window_end, settings)}可申请）。",
               f"寄回的运费由卖家承担，退还您垫付的 {yuan(req.return_postage)}。"]
    shipping = req.return_postage
    if req.request == Kind.EXCHANGE:
        return allow("wrong_item.exchange", *reasons, "为您换发正确的商品。", basis=BASIS,
                     resolution=Resolution.EXCHANGE, paid_by=Payer.SELLER, shipping=shipping, deadline=window_end)
    goods = goods_paid(req)
    if whole_order(req):
        shipping += req.order.shipping_fee
        reasons.append(f"整单退货，一并退还订单运费 {yuan(req.order.shipping_fee)}。")
    return allow("wrong_item.return", *reasons, f"退还商品实付金额 {yuan(goods)}。", basis=BASIS,
                 resolution=Resolution.RETURN_REFUND, paid_by=Payer.SELLER, goods=goods, shipping=shipping,
                 deadline=window_end)


def _missing(req: Request, window_end, settings: PolicySettings) -> Decision:
    tz = settings.timezone
    if req.request == Kind.RESHIP:
        due = due_by(req.now, settings.reship_cutoff, tz)
        when = "当天" if due.date() == req.now.astimezone(due.tzinfo).date() else "次日"
        return allow("missing_item.reship", f"漏发的商品无需寄回，{when}补发（{zh_date(due, tz)}前发出）。",
                     basis=BASIS, resolution=Resolution.RESHIP, paid_by=Payer.NONE, deadline=due)
    goods = goods_paid(req)
    shipping = req.order.shipping_fee if whole_order(req) else ZERO  # nothing arrived at all
    reasons = [f"漏发的商品无需寄回，退还其实付金额 {yuan(goods)}。"]
    if shipping:
        reasons.append(f"整单未收到，一并退还订单运费 {yuan(shipping)}。")
    return allow("missing_item.refund", *reasons, basis=BASIS, resolution=Resolution.REFUND_MISSING,
                 paid_by=Payer.NONE, goods=goods, shipping=shipping, deadline=window_end)
