"""Orders with their lines, payments, invoices, shipments and tracking events — consistent by construction.

Each order starts from a plan (target status and variant: a late shipment, an exception of some kind, a
cancellation with some reason …). The basket and the amounts are built in integer cents so that they add
up exactly (kefu.commerce.amounts.check_amounts). The timeline is built around one pivot time relative to
the anchor (when it was signed for, when it was cancelled …) and then forwards and backwards from it, so
that every timestamp is in the past and agrees with the status:

- online orders have a payment deadline (placed + KEFU_UNPAID_ORDER_CANCEL_HOURS) and, once paid, a
  paid_at and one payment of exactly the payable amount;
- cash-on-delivery and self-pickup orders are paid when they are signed for (payment and paid_at at
  signed_at);
- a shipped order's tracking ends without `signed`; a delivered or completed one ends with `signed`;
  the shipment's cached fields are those of its latest event;
- digital downloads are delivered at payment: no shipment, shipped_at = signed_at = completed_at = paid_at.
"""

from __future__ import annotations

import time
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from django.conf import settings

from .catalog import SELLER_CARRIERS, SELLER_SHARES, SkuRef
from .context import DAY, HOUR, MINUTE, Permutation, SeedContext, local_midnight, money, to_datetime
from .geo import ORIGINS
from .people import AddressRef, Person
from .plans import (
    CANCELLED,
    COD,
    COMPLETED,
    DELIVERED,
    HISTORIC_PLANS,
    LIVE_PLANS,
    ONLINE,
    PAID,
    PENDING,
    PICKUP,
    SHIPPED,
    SPENDING,
    Plan,
)

# Full-reduction coupons (满减): (goods at least, off), in cents.
COUPONS = (
    (9900, 1000),
    (19900, 2000),
    (29900, 3000),
    (59900, 5000),
    (199900, 10000),
    (499900, 30000),
    (899900, 50000),
)
HISTORY_DAYS = 730
SPEND_WINDOW = 365 * DAY
NOTES = (
    "请尽快发货，谢谢",
    "工作日白天送货",
    "送货前请电话联系",
    "放快递柜即可",
    "是送人的礼物，请不要放价格单",
)
SIGNERS = ("本人", "本人", "家人", "快递柜", "门卫", "公司前台")
EXCEPTION_TEXT = {
    "damaged": "快件外包装破损，已拦截待核实",
    "lost": "快件在转运途中遗失，正在核实处理",
    "returned": "收件地址无法派送，快件退回寄件人",
    "delayed": "受快件积压影响，派送延误",
}


@dataclass(slots=True)
class Basket:
    seller: str
    lines: list[tuple[SkuRef, int, int]]  # sku, quantity, paid cents
    goods: int
    coupon: int
    points: int
    shipping: int
    payable: int
    digital: bool


@dataclass(slots=True)
class Timeline:
    placed: int
    paid: int | None = None
    shipped: int | None = None
    signed: int | None = None
    completed: int | None = None
    cancelled: int | None = None
    carrier: str = ""
    promised: tuple[int, int] | None = None
    events: list[tuple[str, str, int, str, str]] = field(default_factory=list)  # code, kind, at, place, text

    def shift(self, seconds: int) -> None:
        for name in ("placed", "paid", "shipped", "signed", "completed", "cancelled"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value - seconds)
        if self.promised:
            self.promised = (self.promised[0] - seconds, self.promised[1] - seconds)
        self.events = [(c, k, at - seconds, p, t) for c, k, at, p, t in self.events]


@dataclass(slots=True)
class Outcome:
    placed: int
    status: str
    payable: int


def _cum(pairs):
    return tuple(v for v, _ in pairs), tuple(accumulate(w for _, w in pairs))


class OrderMaker:
    def __init__(self, ctx: SeedContext, *, live_share: float):
        self.ctx = ctx
        self.live_share = live_share
        rng = ctx.rng
        self.number_perm = Permutation(rng, 8)
        self.tracking_perm = Permutation(rng, 12)
        self.txn_perm = Permutation(rng, 12)
        self.deadline = settings.KEFU_UNPAID_ORDER_CANCEL_HOURS * HOUR
        cat = ctx.catalog
        self.skus_by_seller: dict[str, tuple[list[SkuRef], list[int]]] = {}
        for seller in cat.sellers:
            skus = [s for s in cat.skus if s.seller == seller and not s.digital]
            self.skus_by_seller[seller] = (skus, list(accumulate(s.weight for s in skus)))
        self.digital = [s for s in cat.skus if s.digital]
        self.premium = [s for s in cat.skus if s.premium]
        self.premium_first = [s for s in self.premium if s.price >= 500000]
        self.sku_by_code = {s.code: s for s in cat.skus}
        self.sellers = _cum(SELLER_SHARES)
        self.live = _cum(LIVE_PLANS)
        self.historic = _cum(HISTORIC_PLANS)
        self.carriers = {seller: _cum(pairs) for seller, pairs in SELLER_CARRIERS.items()}

    # --- choices -----------------------------------------------------------------------------------------
    def _pick(self, cum_pair):
        values, cum = cum_pair
        return values[bisect(cum, self.ctx.rng.random() * cum[-1])]

    def random_plan(self) -> Plan:
        status, variant = self._pick(self.live if self.ctx.rng.random() < self.live_share else self.historic)
        return Plan(status, variant)

    def _method(self, seller: str) -> str:
        if seller != "jd_self":
            return ONLINE  # third-party shops here take online payment only
        r = self.ctx.rng.random()
        return ONLINE if r < 0.80 else COD if r < 0.93 else PICKUP

    # --- the basket and its amounts ----------------------------------------------------------------------
    def basket(self, plan: Plan) -> Basket:
        rng = self.ctx.rng
        if plan.premium:
            seller = "jd_self"
            first = rng.choice(self.premium_first)
            chosen = [first] + ([rng.choice([s for s in self.premium if s is not first])] if rng.random() < 0.3 else [])
            items = [(s, 1) for s in chosen]
        elif plan.sku:
            sku = self.sku_by_code[plan.sku]
            seller = sku.seller
            items = [(sku, plan.quantity or 1)]
            if not sku.digital and rng.random() < 0.3:
                items += self._more_items(seller, {sku.id}, 1)
        else:
            seller = plan.seller or self._pick(self.sellers)
            if seller == "jd_self" and rng.random() < 0.04:
                items = [(rng.choice(self.digital), 1)]
            else:
                n = rng.choices((1, 2, 3), cum_weights=(62, 90, 100))[0]
                items = self._more_items(seller, set(), n)
        digital = items[0][0].digital
        goods = sum(s.price * q for s, q in items)
        coupon = points = 0
        want_coupon = plan.coupon if plan.coupon is not None else rng.random() < 0.18
        if want_coupon and goods >= COUPONS[0][0]:
            eligible = [c for c in COUPONS if c[0] <= goods]
            coupon = eligible[-1][1] if rng.random() < 0.6 else rng.choice(eligible)[1]
        want_points = plan.points if plan.points is not None else rng.random() < 0.08
        if want_points and goods >= 1000:
            # 100 points (京豆) take one yuan off, so points used = cents off; whole yuan only.
            points = 100 * rng.randint(1, max(1, min(50, goods // 500)))
        while coupon + points > goods // 2:  # discounts never take more than half
            if points > 100:
                points -= 100
            else:
                coupon, points = coupon // 2, 0
        discount = coupon + points
        lines = []
        allocated = 0
        for sku, qty in items:
            subtotal = sku.price * qty
            share = discount * subtotal // goods if goods else 0
            allocated += share
            lines.append([sku, qty, subtotal - share])
        remainder = discount - allocated  # a few cents of rounding, taken off the first line with room
        for line in lines:
            if remainder and line[2] >= remainder:
                line[2] -= remainder
                remainder = 0
        # Shipping is added once the payment method is settled (self-pickup ships free).
        return Basket(seller, [tuple(line) for line in lines], goods, coupon, points, 0, goods - discount, digital)

    @staticmethod
    def _add_shipping(basket: Basket, method: str) -> None:
        if basket.digital or method == PICKUP:
            fee = 0
        elif basket.seller == "jd_self":
            fee = 0 if basket.goods >= 9900 else 600  # free over 99 yuan
        elif basket.seller == "yintai_home":
            fee = 0 if basket.goods >= 19900 else 1000
        else:
            fee = 0
        basket.shipping = fee
        basket.payable += fee

    def _more_items(self, seller: str, taken: set[int], n: int) -> list[tuple[SkuRef, int]]:
        rng = self.ctx.rng
        skus, cum = self.skus_by_seller[seller]
        items = []
        for _ in range(n * 3):
            if len(items) == n:
                break
            sku = skus[bisect(cum, rng.random() * cum[-1])]
            if sku.id in taken:
                continue
            taken.add(sku.id)
            qty = 1 if sku.max_qty == 1 or rng.random() < 0.7 else rng.randint(2, sku.max_qty)
            items.append((sku, qty))
        return items

    # --- plan normalisation ------------------------------------------------------------------------------
    def _settle(self, plan: Plan, basket: Basket) -> str:
        """The payment method, and the plan adjusted to what that method and the goods allow."""
        method = plan.method or (ONLINE if basket.digital else self._method(basket.seller))
        if basket.digital:
            method = ONLINE
            if plan.status in (PAID, SHIPPED, DELIVERED):
                plan.status, plan.variant = COMPLETED, ""
            elif plan.status == CANCELLED and plan.variant not in ("unpaid_timeout", "customer_request"):
                plan.variant = "customer_request"
        if method == ONLINE:
            if plan.status == PENDING and plan.variant == "cod":
                plan.variant = "fresh"
        else:
            if plan.status == PAID or plan.status == PENDING:
                plan.status, plan.variant = PENDING, "cod"
            if plan.status == CANCELLED and plan.variant == "unpaid_timeout":
                plan.variant = "customer_request"
        if method == PICKUP:  # pickup parcels travel in our own fleet to our own counter
            if plan.status == SHIPPED and plan.variant not in ("on_time", "late"):
                plan.variant = "on_time"
            if plan.status == CANCELLED and plan.variant == "rejected_on_delivery":
                plan.variant = "customer_request"
        return method

    # --- the timeline ------------------------------------------------------------------------------------
    def _history_age(self, recent: bool) -> int:
        r = self.ctx.rng.random()
        if recent:
            return HOUR + int(280 * DAY * r**1.2)
        return HOUR + int(HISTORY_DAYS * DAY * r * r)

    def _pay_delay(self) -> int:
        rng = self.ctx.rng
        r = rng.random()
        if r < 0.7:
            delay = rng.randint(30, 10 * MINUTE)
        elif r < 0.95:
            delay = rng.randint(10 * MINUTE, 3 * HOUR)
        else:
            delay = rng.randint(3 * HOUR, 20 * HOUR)
        return min(delay, self.deadline - MINUTE)  # always before the payment deadline

    def _ship_delay(self, basket: Basket) -> int:
        rng = self.ctx.rng
        if any(s.customised for s, _, _ in basket.lines):
            return rng.randint(3 * DAY, 5 * DAY)  # made to order
        if basket.seller == "jd_self":
            return rng.randint(30 * MINUTE, 16 * HOUR)
        return rng.randint(2 * HOUR, 40 * HOUR)

    def _chain(self, carrier: str, method: str, *, with_signed: bool = True) -> list[tuple[str, int]]:
        """Forward offsets from shipped_at of a whole delivery (codes; exceptions are added by the caller)."""
        rng = self.ctx.rng
        t = rng.randint(20 * MINUTE, 3 * HOUR)
        chain = [("picked_up", t)]
        t += rng.randint(HOUR, 6 * HOUR)
        chain.append(("in_transit", t))
        if carrier == "jd":
            t += rng.randint(4 * HOUR, 20 * HOUR)
        elif carrier == "sf":
            t += rng.randint(8 * HOUR, 30 * HOUR)
        else:
            t += rng.randint(16 * HOUR, 60 * HOUR)
        if method == PICKUP:
            chain.append(("arrived_station", t))
            if with_signed:
                chain.append(("signed", t + rng.randint(HOUR, 3 * DAY)))
            return chain
        if rng.random() < 0.85:
            chain.append(("arrived_station", t))
        t += rng.randint(HOUR, 10 * HOUR)
        if rng.random() < 0.8:
            chain.append(("out_for_delivery", t))
        if with_signed:
            chain.append(("signed", t + rng.randint(20 * MINUTE, 5 * HOUR)))
        return chain

    def _promise(self, shipped: int, carrier: str) -> tuple[int, int]:
        """应时配送: a window, neither late nor early. Our fleet: next day 09–21; couriers: 1–3 days."""
        day0 = local_midnight(shipped)
        if carrier == "jd":
            return day0 + DAY + 9 * HOUR, day0 + DAY + 21 * HOUR
        days = 2 if self.ctx.rng.random() < 0.5 else 3
        return day0 + DAY + 9 * HOUR, day0 + days * DAY + 21 * HOUR

    def timeline(self, plan: Plan, basket: Basket, method: str, address: AddressRef) -> Timeline:
        rng, now = self.ctx.rng, self.ctx.anchor_ts
        status, variant = plan.status, plan.variant
        online = method == ONLINE
        pay = self._pay_delay() if online else 0

        if status == PENDING:
            if variant == "overdue":  # the auto-cancel duty has work to do [FAQ 4]
                return Timeline(now - rng.randint(self.deadline + HOUR, self.deadline + 2 * DAY))
            newest = min(3 * HOUR, self.deadline - 20 * MINUTE) if online else 20 * HOUR
            return Timeline(now - rng.randint(10 * MINUTE, newest))
        if status == PAID:
            paid = now - rng.randint(5 * MINUTE, 30 * HOUR)
            return Timeline(paid - pay, paid=paid)
        if basket.digital and status == COMPLETED:  # delivered by download the moment it is paid
            paid = now - self._history_age(plan.recent)
            return Timeline(paid - pay, paid=paid, shipped=paid, signed=paid, completed=paid)
        if status == CANCELLED and variant != "rejected_on_delivery":
            cancelled = now - self._history_age(plan.recent)
            if variant == "unpaid_timeout":
                placed = cancelled - self.deadline - rng.randint(5, MINUTE)
                return Timeline(placed, cancelled=cancelled)
            paid_first = online and (variant != "customer_request" or rng.random() < 0.45)
            if paid_first:
                paid = cancelled - rng.randint(5 * MINUTE if variant == "customer_request" else HOUR, 2 * DAY)
                return Timeline(paid - pay, paid=paid, cancelled=cancelled)
            return Timeline(cancelled - rng.randint(MINUTE, 20 * HOUR), cancelled=cancelled)

        # Everything from here on has left the warehouse.
        carrier = "jd" if method != ONLINE and basket.seller == "jd_self" else self._pick(self.carriers[basket.seller])
        ship_delay = self._ship_delay(basket)
        events: list[tuple[str, int]]  # (code or "exception:<kind>", offset from shipped)
        signed = completed = cancelled = None
        if status == SHIPPED:
            if variant == "on_time":
                shipped = now - rng.randint(10 * HOUR, DAY if carrier == "jd" else 2 * DAY)
                events = [(c, o) for c, o in self._chain(carrier, method, with_signed=False) if shipped + o < now]
            elif variant == "late":
                days = 2 if carrier == "jd" else 4
                shipped = now - rng.randint(days * DAY, (days + 5) * DAY)
                events = [
                    (c, o)
                    for c, o in self._chain(carrier, method, with_signed=False)
                    if c != "out_for_delivery" and shipped + o < now
                ]
            else:  # an exception of kind `variant`
                shipped = now - rng.randint(DAY, 6 * DAY)
                chain = [
                    (c, o) for c, o in self._chain(carrier, method, with_signed=False) if shipped + o < now - 2 * HOUR
                ]
                if variant not in ("returned", "damaged"):
                    chain = [(c, o) for c, o in chain if c != "out_for_delivery"]
                chain = chain[:4]
                last = chain[-1][1]
                at = min(last + rng.randint(HOUR, 20 * HOUR), now - shipped - rng.randint(10 * MINUTE, 2 * HOUR))
                events = [*chain, (f"exception:{variant}", at)]
        elif status == CANCELLED:  # refused at the door
            chain = [(c, o) for c, o in self._chain(carrier, method, with_signed=False)]
            if chain[-1][0] != "out_for_delivery":
                chain.append(("out_for_delivery", chain[-1][1] + rng.randint(HOUR, 8 * HOUR)))
            refused = chain[-1][1] + rng.randint(20 * MINUTE, 3 * HOUR)
            events = [*chain, ("exception:returned", refused)]
            cancelled_at = now - self._history_age(plan.recent)
            shipped = cancelled_at - rng.randint(HOUR, 30 * HOUR) - refused
            cancelled = cancelled_at
        else:  # delivered or completed
            chain = self._chain(carrier, method)
            if method != PICKUP and len(chain) < 5 and rng.random() < 0.06:
                # held up on the way, then delivered all the same
                stalled = chain[1][1] + rng.randint(2 * HOUR, 12 * HOUR)
                rest = [(c, o + (stalled - chain[1][1]) + HOUR) for c, o in chain[2:]]
                chain = [*chain[:2], ("exception:delayed", stalled), *rest]
            signed_off = chain[-1][1]
            if status == DELIVERED:
                signed = now - rng.randint(10 * MINUTE, 7 * DAY)
            else:
                completed = now - self._history_age(plan.recent)
                signed = completed - rng.randint(HOUR, 10 * DAY)
            shipped = signed - signed_off
            events = chain

        placed = shipped - ship_delay - pay
        t = Timeline(
            placed,
            paid=placed + pay if online else None,
            shipped=shipped,
            signed=signed,
            completed=completed,
            cancelled=cancelled,
            carrier=carrier,
        )
        if not online and signed is not None:
            t.paid = signed  # cash on delivery / at the pickup counter
        t.promised = self._promise(shipped, carrier)
        origin, hub = rng.choice(ORIGINS[basket.seller])
        city = address.city.removesuffix("市")
        station = f"{city}{address.district}{'京东自提点' if method == PICKUP else '营业部'}"
        carrier_name = self.ctx.catalog.carrier_names[carrier]
        out = []
        for code, offset in events:
            at = shipped + offset
            kind = ""
            if code == "picked_up":
                place, text = origin, f"{carrier_name}已揽收"
            elif code == "in_transit":
                place, text = f"{hub}转运中心", f"快件已从{hub}转运中心发出，正发往{city}"
            elif code == "arrived_station":
                place, text = station, f"快件已到达{station}"
            elif code == "out_for_delivery":
                place, text = station, "快递员正在为您派件，请保持电话畅通"
            elif code == "signed":
                place = station
                text = "您已在自提点完成提货" if method == PICKUP else f"您的快件已签收，签收人：{rng.choice(SIGNERS)}"
            else:
                code, kind = code.split(":")
                place = station if out and out[-1][0] in ("arrived_station", "out_for_delivery") else f"{hub}转运中心"
                text = "收件人拒收，快件退回寄件人" if status == CANCELLED else EXCEPTION_TEXT[kind]
            out.append((code, kind, at, place, text))
        t.events = out
        return t

    # --- putting it together -----------------------------------------------------------------------------
    def make(self, person: Person, plan: Plan) -> Outcome:
        rng = self.ctx.rng
        basket = self.basket(plan)
        method = self._settle(plan, basket)
        self._add_shipping(basket, method)
        where = 0 if len(person.addresses) == 1 or rng.random() < 0.8 else rng.randrange(len(person.addresses))
        t = self.timeline(plan, basket, method, person.addresses[where])
        if plan.status in SPENDING:
            # Keep clear of the 12-month boundary: a tier computed later on the anchor day must agree.
            edge = self.ctx.anchor_ts - SPEND_WINDOW
            if edge - 2 * HOUR <= t.placed <= edge + DAY + 2 * HOUR:
                t.shift(3 * DAY)
        self.emit(person, plan, basket, method, t, address_index=where)
        return Outcome(t.placed, plan.status, basket.payable)

    def emit(
        self,
        person: Person,
        plan: Plan,
        basket: Basket,
        method: str,
        t: Timeline,
        *,
        address_index: int = 0,
        note: str | None = None,
    ) -> int:
        ctx, rng = self.ctx, self.ctx.rng
        cat = ctx.catalog
        order_id = ctx.new_id("order")
        n = ctx.count("order")
        tm = time.gmtime(t.placed + 8 * HOUR)
        number = f"{tm.tm_year % 100:02d}{tm.tm_mon:02d}{tm.tm_mday:02d}{self.number_perm(n):08d}"
        address = person.addresses[address_index]
        if note is None:
            installation = any(s.installation for s, _, _ in basket.lines)
            note = (
                "需要安装，请帮忙预约师傅上门"
                if installation and rng.random() < 0.5
                else rng.choice(NOTES)
                if rng.random() < 0.05
                else ""
            )
        shipping_address = address.full
        if method == PICKUP:
            shipping_address = f"{address.city}{address.district}京东自提点（{address.full}附近）"
        status = plan.status
        deadline = t.placed + self.deadline if method == ONLINE else None
        ctx.emit(
            "order",
            (
                order_id,
                number,
                None,
                None,
                person.id,
                cat.sellers[basket.seller],
                status,
                method,
                to_datetime(t.placed),
                to_datetime(deadline),
                to_datetime(t.paid),
                to_datetime(t.shipped),
                to_datetime(t.signed),
                to_datetime(t.completed),
                to_datetime(t.cancelled),
                plan.variant if status == CANCELLED else "",
                money(basket.goods),
                money(basket.coupon),
                basket.points,
                money(basket.points),
                money(basket.shipping),
                money(basket.payable),
                address.recipient,
                address.phone,
                shipping_address,
                note,
            ),
        )
        for sku, qty, paid in basket.lines:
            confirmed = False
            if sku.nonreturnable:
                confirmed = plan.confirm_nonreturnable if plan.confirm_nonreturnable is not None else rng.random() < 0.7
            ctx.emit(
                "line",
                (
                    ctx.new_id("line"),
                    order_id,
                    sku.id,
                    sku.label,
                    qty,
                    money(sku.price),
                    money(paid),
                    confirmed,
                ),
            )
        if t.paid is not None:
            if method == ONLINE:
                r = rng.random()
                channel = "alipay" if r < 0.45 else "wechat" if r < 0.85 else "bank_card"
            elif method == COD:
                channel = "cash" if rng.random() < 0.6 else "pos"
            else:
                channel = rng.choice(("wechat", "alipay", "pos"))
            pm = time.gmtime(t.paid + 8 * HOUR)
            serial = self.txn_perm(ctx.count("txn"))
            txn = f"{channel[:2].upper()}{pm.tm_year}{pm.tm_mon:02d}{pm.tm_mday:02d}{serial:012d}"
            ctx.emit(
                "payment",
                (ctx.new_id("payment"), order_id, channel, money(basket.payable), to_datetime(t.paid), txn),
            )
        if status in SPENDING:
            kind = plan.invoice
            if kind is None:
                kind = (
                    "vat"
                    if person.qualification_id and rng.random() < 0.7
                    else "ordinary"
                    if rng.random() < 0.25
                    else ""
                )
            if kind == "vat" and person.qualification_id is None:
                kind = "ordinary"
            if kind:
                if kind == "vat":
                    title, qualification = person.company, person.qualification_id
                else:
                    title = person.company or ("个人" if rng.random() < 0.6 else person.name)
                    qualification = None
                ctx.emit(
                    "invoice",
                    (ctx.new_id("invoice"), order_id, kind, title, qualification, money(basket.payable)),
                )
        if t.shipped is not None and not basket.digital:
            self._emit_shipment(order_id, t)
        return order_id

    def _emit_shipment(self, order_id: int, t: Timeline) -> None:
        ctx = self.ctx
        shipment_id = ctx.new_id("shipment")
        tracking = f"{ctx.catalog.carrier_prefix[t.carrier]}{self.tracking_perm(ctx.count('shipment')):012d}"
        last_code, last_kind, last_at = "", "", None
        signed = None
        for code, kind, at, place, text in t.events:
            ctx.emit("event", (ctx.new_id("event"), shipment_id, to_datetime(at), place, code, kind, text))
            last_code, last_kind, last_at = code, kind, at
            if code == "signed" and signed is None:
                signed = at
        start, end = t.promised
        ctx.emit(
            "shipment",
            (
                shipment_id,
                order_id,
                ctx.catalog.carriers[t.carrier],
                tracking,
                to_datetime(t.shipped),
                to_datetime(start),
                to_datetime(end),
                last_code,
                to_datetime(last_at),
                last_kind,
                to_datetime(signed),
            ),
        )
