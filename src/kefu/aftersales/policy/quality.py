"""Quality faults: serious faults and damage in transit (消费者权益保护法 §24, 三包), and the minor-fault offer."""

from __future__ import annotations

from datetime import datetime

from .amounts import goods_paid, round_money, whole_order
from .config import PolicySettings
from .days import day_number, last_moment, zh_date
from .types import ZERO, Basis, Decision, Evidence, Kind, Payer, Reason, Request, Resolution
from .verdicts import KIND_ZH, allow, day_phrase, not_offered, refuse, until, yuan

OFFERED = (Kind.RETURN, Kind.EXCHANGE, Kind.REPAIR)
MINOR_OFFERED = (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND_ONLY, Kind.REPAIR)
BASIS = {Kind.RETURN: Basis.QUALITY_RETURN, Kind.EXCHANGE: Basis.QUALITY_EXCHANGE, Kind.REPAIR: Basis.WARRANTY_REPAIR}
RESOLUTION = {Kind.RETURN: Resolution.RETURN_REFUND, Kind.EXCHANGE: Resolution.EXCHANGE,
              Kind.REPAIR: Resolution.REPAIR}


def covered_days(req: Request, settings: PolicySettings) -> int:
    """The last day any quality remedy applies: the 15-day exchange period, or the warranty if longer.
    One request is decided as a whole, so the shortest warranty among its items counts."""
    warranty = min(req.order.line(item.sku).warranty_days for item in req.items)
    return max(settings.quality_exchange_days, warranty)


def last_day(kind: Kind, day: int, req: Request, settings: PolicySettings) -> int | None:
    """The last day on which `kind` may still be asked for, or None when its time has passed."""
    covered = covered_days(req, settings)
    windows = {Kind.RETURN: settings.quality_return_days, Kind.EXCHANGE: settings.quality_exchange_days,
               Kind.REPAIR: covered}[kind]
    if kind != Kind.REPAIR and req.repairs_failed >= settings.repairs_failed_threshold:
        windows = max(windows, covered)
    return windows if day <= windows else None


def _rule(kind: Kind, day: int, settings: PolicySettings) -> str:
    ordinary = {Kind.RETURN: settings.quality_return_days, Kind.EXCHANGE: settings.quality_exchange_days}
    if kind in ordinary and day > ordinary[kind]:
        return f"quality.{kind}_after_failed_repairs"
    return f"quality.{kind}"


def decide(req: Request, settings: PolicySettings) -> Decision:
    if req.request not in OFFERED:
        return not_offered("quality.request_not_offered", req, OFFERED, "质量问题")
    basis = BASIS[req.request]
    signed_at = req.order.signed_at
    if signed_at is None:
        return refuse("quality.not_signed", "订单尚未签收；如发现商品损坏，请拒收，或签收后再申请售后。", basis=basis)
    tz = settings.timezone
    day = day_number(req.now, signed_at, tz)
    covered = covered_days(req, settings)
    if day > covered:
        return refuse("quality.beyond_warranty", f"{day_phrase(day)}，已超过换货期和保修期"
                      f"（{zh_date(last_moment(signed_at, covered, tz), tz)}截止），不能再申请售后。", basis=basis)
    last = last_day(req.request, day, req, settings)
    if last is None:
        return _window_passed(req, day, signed_at, settings)
    deadline = last_moment(signed_at, last, tz)
    if req.reason == Reason.DAMAGED_IN_TRANSIT and Evidence.PHOTO not in req.evidence:
        return refuse("quality.photo_missing", "运输途中损坏需要上传商品和外包装的照片作为凭证。",
                      basis=basis, missing=(Evidence.PHOTO,), deadline=deadline)
    asked = KIND_ZH[req.request]
    reasons = [f"{day_phrase(day)}，商品质量问题由卖家负责，可以{asked}（{until(deadline, settings)}）。"]
    if _rule(req.request, day, settings).endswith("after_failed_repairs"):
        reasons.append(f"保修期内已维修 {req.repairs_failed} 次仍未修好，可以退货或换货。")
    goods = goods_paid(req) if req.request == Kind.RETURN else ZERO  # exchange and repair refund no goods
    shipping = req.return_postage
    if req.request == Kind.RETURN and whole_order(req):
        shipping += req.order.shipping_fee
        reasons.append(f"整单退货，一并退还订单运费 {yuan(req.order.shipping_fee)}。")
    reasons.append(f"寄回的运费由卖家承担，退还您垫付的 {yuan(req.return_postage)}。")
    if goods:
        reasons.append(f"退还商品实付金额 {yuan(goods)}。")
    return allow(_rule(req.request, day, settings), *reasons, basis=basis, resolution=RESOLUTION[req.request],
                 paid_by=Payer.SELLER, goods=goods, shipping=shipping, deadline=deadline)


def _window_passed(req: Request, day: int, signed_at: datetime, settings: PolicySettings) -> Decision:
    tz = settings.timezone
    open_now = [(kind, last_day(kind, day, req, settings)) for kind in OFFERED]
    choices = "、".join(f"{KIND_ZH[kind]}（{until(last_moment(signed_at, last, tz), settings)}）"
                       for kind, last in open_now if last is not None)
    return refuse("quality.window_passed", f"{day_phrase(day)}，已过质量问题{KIND_ZH[req.request]}的期限。",
                  f"现在可以申请：{choices}。", basis=BASIS[req.request])


def decide_minor(req: Request, settings: PolicySettings) -> Decision:
    """A minor fault: offer part of the price back without a return. If refused, ask under quality_serious."""
    if req.request not in MINOR_OFFERED:
        return not_offered("quality_minor.request_not_offered", req, MINOR_OFFERED, "轻微质量问题")
    signed_at = req.order.signed_at
    if signed_at is None:
        return refuse("quality_minor.not_signed", "订单尚未签收；签收后发现质量问题再申请售后。")
    tz = settings.timezone
    day = day_number(req.now, signed_at, tz)
    covered = covered_days(req, settings)
    deadline = last_moment(signed_at, covered, tz)
    if day > covered:
        return refuse("quality_minor.beyond_warranty", f"{day_phrase(day)}，已超过换货期和保修期"
                      f"（{zh_date(deadline, tz)}截止），不能再申请售后。")
    offer = round_money(goods_paid(req) * settings.minor_fault_rate)
    share = f"{(settings.minor_fault_rate * 100).normalize():f}%"
    return allow("quality_minor.offer", f"轻微质量问题：无需寄回商品，补偿商品实付金额的 {share}，即 {yuan(offer)}。",
                 "如您不接受补偿，可以按质量问题申请退货、换货或维修。",
                 basis=None, resolution=Resolution.PARTIAL_REFUND_OFFER, paid_by=Payer.NONE, goods=offer,
                 deadline=deadline)
