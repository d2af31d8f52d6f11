"""Case plans: which order gets which after-sales request, and every step of its life with its time.

A plan is data: the request as the customer makes it (kind, reason, lines, photos, postage …), the policy's
decision for it (computed here with the pure engine and the shop's configured numbers, exactly as
open_case will compute it), and a list of steps — open, assign, approve, tracking, receive, inspect, refund,
replacement, close … — each with its epoch second and its actor. Steps after the live instant L (the
moment the data set is "now" for cases) are dropped, so recent cases stop wherever L finds them: that is
how running 100-minute clocks, parcels in transit and refunds not yet confirmed come about.

The same plans are carried out by the real services (demo, small) or by the bulk writer (large).

Flows (services/cases.py, warehouse.py, refunds.py):
- travels back (return_refund, exchange, repair): approve → awaiting_return → tracking → in_transit →
  receive (the 100-minute clock starts) → inspecting → accepted | partly_accepted | rejected, then a refund
  (sent, confirmed: the case closes itself), a replacement (then closed by the agent), a repair, or closed;
- nothing travels back: a partial-refund offer, a missing item's refund, a price difference (in 京豆) →
  refund; a missing item → replacement before the courier's pickup, then closed;
- declined (then closed), cancelled by the customer before the parcel leaves, escalated (a flag, any time
  while open), urgent exchange whose replacement leaves as soon as the return's tracking number is known
  [seed 001], an apology coupon for the seller's mistakes [seed 001].
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from kefu.aftersales.policy import (
    Condition,
    Evidence,
    Item,
    Kind,
    Line,
    PolicyInputError,
    PolicySettings,
    Reason,
    Request,
    decide,
    decision_to_dict,
)
from kefu.aftersales.policy import Order as PolicyOrder
from kefu.aftersales.policy.days import last_moment
from kefu.commerce.seed.context import DAY, HOUR, MINUTE, money, to_datetime
from kefu.core.money import ZERO, round_money

from ..models import alert_minutes, hundred_minutes
from ..services.opening import capped_goods, units_paid
from .ledger import CaseMoney
from .source import SIGNED, LineInfo, OrderInfo

TRAVELS_BACK = frozenset({"return_refund", "exchange", "repair"})
WATCH = "watch"  # the 100-minute duty's run (services: duties.hundred_minute_watch)
LEGAL_EXCLUSIONS = frozenset({"fresh", "customised", "digital_download", "periodical"})
REPAIRABLE = frozenset({"phone", "laptop", "av", "air_conditioner", "washer", "pc_accessory"})

SCENARIOS = {  # name: (kind, reason)
    "no_reason_return": ("return", "no_reason"),
    "no_reason_exchange": ("exchange", "no_reason"),
    "quality_return": ("return", "quality_serious"),
    "quality_exchange": ("exchange", "quality_serious"),
    "repair": ("repair", "quality_serious"),
    "transit_return": ("return", "damaged_in_transit"),
    "transit_exchange": ("exchange", "damaged_in_transit"),
    "minor_offer": ("refund_only", "quality_minor"),
    "wrong_return": ("return", "wrong_item"),
    "wrong_exchange": ("exchange", "wrong_item"),
    "missing_reship": ("reship", "missing_item"),
    "missing_refund": ("refund_only", "missing_item"),
    "price_protection": ("price_protection", "price_drop"),
}
# Shares among the cases of a large data set (roughly a big Chinese retailer's mix).
RANDOM_MIX = (
    ("no_reason_return", 30), ("no_reason_exchange", 7), ("quality_return", 7), ("quality_exchange", 6),
    ("repair", 7), ("transit_return", 4), ("transit_exchange", 3), ("minor_offer", 6), ("wrong_return", 3),
    ("wrong_exchange", 3), ("missing_reship", 3), ("missing_refund", 2), ("price_protection", 10),
)
PHOTO_REASONS = frozenset({"damaged_in_transit", "wrong_item", "missing_item"})
CLERK_BREACH = (0.06, 0.15, 0.09)  # per warehouse clerk: how often a decision misses the 100 minutes

DESCRIPTIONS = {
    "no_reason": ("不太喜欢，想退货", "买多了，退掉一件", "颜色和图片不太一样，七天无理由退货",
                  "家里已经有了，不需要了", "收到后觉得不合适"),
    "no_reason_exchange": ("颜色不喜欢，想换一个", "想换成另一个规格", "尺寸不合适，申请换货"),
    "quality_serious": ("开机几分钟就自动关机", "使用两天后频繁死机重启", "充电充不进去",
                        "有明显质量问题，无法正常使用", "做工有问题，接缝处开裂"),
    "repair": ("屏幕出现竖线，申请保修", "键盘部分按键失灵", "制冷效果差，外机噪音很大", "脱水时异响很大", "无法开机"),
    "damaged_in_transit": ("收到时外包装破损，商品摔坏了", "快递箱被压扁，商品有裂痕"),
    "quality_minor": ("表面有轻微划痕，不影响使用", "有一处小瑕疵", "包装有点变形，商品本身没问题"),
    "wrong_item": ("收到的尺寸和下单的不一样", "发错颜色了", "收到的不是我买的款式"),
    "missing_item": ("包裹里少了一件", "少发了一件商品", "只收到一部分"),
    "price_drop": ("刚买几天就降价了，申请价保", "现在活动价更便宜，申请退差价"),
}
DECLINE = ("照片显示商品已有明显使用痕迹，不符合申请条件", "与顾客沟通确认为使用不当造成，建议按保修维修处理")
CANCEL = ("不想退了，东西挺好用", "已和卖家协商解决", "家人说留着用")
ESCALATE = ("顾客着急用，多次来电催促", "顾客对处理进度不满，要求主管介入", "钻石会员，要求尽快处理")
NOTES = {
    "accepted": ("外观完好，配件齐全，可二次销售", "商品完好"),
    "quality": ("经检测确认存在质量问题", "故障复现，属性能故障"),
    "rejected": ("商品有明显使用痕迹，配件缺失，影响二次销售", "吊牌已剪，不符合退货条件"),
    "partly_accepted": ("其中一件有使用痕迹，只接收完好的部分",),
    "refuted": ("核对出库单和出库视频，发货与订单一致",),
}


@dataclass(slots=True)
class Step:
    at: int  # epoch seconds
    action: str
    actor: str  # customer | agent | clerk | payment | system
    args: dict = field(default_factory=dict)


@dataclass
class Flow:
    """How one case goes, beyond its request. `delays` pins named waits (seconds) instead of drawing them."""

    decline: str = ""
    cancel: str = ""
    cancel_stage: str = ""  # requested | approved
    outcome: str = "accepted"
    condition_found: str = "intact"
    resellable: bool = True
    wrong_item_confirmed: bool | None = None
    accepted: tuple[int, ...] | None = None  # units per case line when partly accepted
    breach: bool = False  # the decision comes after the 100 minutes
    early_replacement: bool = False  # urgent exchange: the replacement leaves once the tracking is known
    escalate: str = ""
    coupon: int = 0  # cents, an apology coupon for the seller's mistake
    notes: str = ""
    escalate_at: tuple[str, int] | None = None  # (action, seconds after it); default: some time while open
    by_case_number: bool = False  # no tracking given: the warehouse scans the case number
    outbound_record: bool = False  # the warehouse attaches the outbound record [seed 001]
    delays: dict[str, int] = field(default_factory=dict)


@dataclass
class CasePlan:
    order: OrderInfo
    scenario: str
    kind: str
    reason: str
    lines: list[tuple[LineInfo, int, str]]  # order line, units, condition claimed
    opened: int  # epoch seconds
    photos: int
    postage: int  # cents the buyer advanced to send it back (seller pays: refunded)
    current_price: int | None  # cents, price protection
    repairs_failed: int
    urgent: bool
    description: str
    agent: str
    clerk: str
    flow: Flow
    decision: dict
    serial: int = 0  # a running number for tracking numbers and payment references
    carrier: str = ""  # the courier the customer sends the parcel back with (a carrier code)
    tracking: str = ""  # and its tracking number
    tag: str = ""  # the demo's hand-picked cases say what they stand for
    steps: list[Step] = field(default_factory=list)


# --- the policy, from plain data ----------------------------------------------------------------------------
def policy_request(order: OrderInfo, kind: str, reason: str, lines: list[tuple[LineInfo, int, str]], *,
                   now: int, photos: int, postage: int, repairs_failed: int = 0,
                   current_price: int | None = None) -> Request:
    """The Request policy_bridge.build_request makes from the same order (same keys, unit_paid, attrs)."""
    seen: set[int] = set()
    dup: set[int] = set()
    for line in order.lines:
        (dup if line.sku.id in seen else seen).add(line.sku.id)
    keys = {line.id: f"{line.sku.code}#{line.id}" if line.sku.id in dup else line.sku.code for line in order.lines}
    p_order = PolicyOrder(
        ordered_at=to_datetime(order.placed), signed_at=to_datetime(order.signed), shipping_fee=money(order.shipping),
        lines=tuple(Line(sku=keys[x.id], unit_paid=round_money(money(x.paid) / x.qty), qty=x.qty, attrs=x.sku.attrs,
                         buyer_confirmed_nonreturnable=x.confirmed_nonreturnable, warranty_days=x.sku.warranty_days)
                    for x in order.lines))
    return Request(now=to_datetime(now), request=Kind(kind), reason=Reason(reason), order=p_order,
                   items=tuple(Item(sku=keys[x.id], qty=q, condition=Condition(c)) for x, q, c in lines),
                   evidence=frozenset({Evidence.PHOTO}) if photos else frozenset(), return_postage=money(postage),
                   repairs_failed=repairs_failed,
                   current_unit_price=None if current_price is None else money(current_price))


def unit_paid(line: LineInfo) -> Decimal:
    return round_money(money(line.paid) / line.qty)


# --- steps -------------------------------------------------------------------------------------------------------
class _Clock:
    def __init__(self, rng: random.Random, delays: dict[str, int], start: int):
        self.rng, self.delays, self.t, self.steps = rng, delays, start, []

    def wait(self, name: str, lo: int, hi: int) -> None:
        pinned = self.delays.get(name)
        self.t += pinned if pinned is not None else lo + int(self.rng.random() * (hi - lo + 1))

    def add(self, action: str, actor: str, at: int | None = None, **args) -> None:
        self.steps.append(Step(self.t if at is None else at, action, actor, args))


def case_money(plan: CasePlan) -> CaseMoney:
    d = plan.decision
    return CaseMoney(d["resolution"], d["return_shipping_paid_by"], d["refund_method"],
                     Decimal(d["refund"]["goods"]), Decimal(d["refund"]["shipping"]), money(plan.postage))


def accepted_goods(plan: CasePlan) -> Decimal | None:
    if plan.flow.accepted is None:
        return None
    return sum((unit_paid(line) * q for (line, _n, _c), q in zip(plan.lines, plan.flow.accepted, strict=True)), ZERO)


def build_steps(plan: CasePlan, rng: random.Random) -> list[Step]:
    """Every step of the plan from its opening on, in order (epoch seconds)."""
    f, resolution = plan.flow, plan.decision["resolution"]
    c = _Clock(rng, f.delays, plan.opened)
    c.add("open", "customer")
    if f.cancel and f.cancel_stage == "requested":
        c.wait("cancel", 30 * MINUTE, 6 * HOUR)
        c.add("cancel", "customer", reason=f.cancel)
        return _finish(plan, c, rng)
    c.wait("agent", 10 * MINUTE, 5 * HOUR)
    c.add("assign", "agent")
    c.wait("review", 2 * MINUTE, 40 * MINUTE)
    if f.decline:
        c.add("decline", "agent", reason=f.decline)
        c.wait("close", DAY, 3 * DAY)
        c.add("close", "agent", reason="已告知顾客处理结果")
        return _finish(plan, c, rng)
    if f.outbound_record:  # checked before the agent agrees [seed 001: 查詢出庫單，出庫視頻]
        c.add("outbound_record", "clerk", at=c.t - rng.randint(2 * MINUTE, 8 * MINUTE))
    c.add("approve", "agent")
    approved = c.t
    apology_now = f.coupon and (plan.reason == "missing_item" or f.outbound_record)  # the mistake is already proven
    if apology_now:
        c.add("coupon", "agent", at=approved + rng.randint(MINUTE, 5 * MINUTE), face_value=f.coupon)
    if resolution not in TRAVELS_BACK:
        if resolution == "reship":
            c.wait("replace", 10 * MINUTE, 3 * HOUR)
            c.add("replacement", "agent", note="漏发商品已补发，20:00前交快递揽收")
            c.wait("close", DAY, 3 * DAY)
            c.add("close", "agent", reason="补发商品已签收")
        else:
            _refund(c, plan)
        return _finish(plan, c, rng)
    if f.cancel:
        c.wait("cancel", HOUR, 2 * DAY)
        c.add("cancel", "customer", reason=f.cancel)
        return _finish(plan, c, rng)
    c.wait("ship_back", 2 * HOUR, 2 * DAY)
    if not f.by_case_number:
        c.add("tracking", "customer")
    if f.early_replacement:
        c.add("replacement", "agent", at=c.t + rng.randint(20 * MINUTE, 3 * HOUR),
              note="顾客急用，已查到寄回单号，先行换发")
    c.wait("transit", 18 * HOUR, 3 * DAY)
    received = c.t
    c.add("receive", "clerk")
    promise = hundred_minutes() * MINUTE  # 售后100分 [seed 002]
    if f.breach:
        decide_after = f.delays.get("inspect") or rng.randint(promise + MINUTE, 3 * promise)
    else:
        decide_after = f.delays.get("inspect") or int(rng.triangular(15 * MINUTE, promise - MINUTE, 45 * MINUTE))
    start = f.delays.get("start") or rng.randint(3 * MINUTE, 25 * MINUTE)
    if start < decide_after:
        c.add("inspect_start", "clerk", at=received + start)
    watch = received + alert_minutes() * MINUTE
    watch += (30 - watch) % 60  # the duty runs every minute (at :30); its first run past the mark alerts
    if watch < received + decide_after:
        c.add(WATCH, "system", at=watch)
    c.t = received + decide_after
    c.add("inspect", "clerk")
    decided = c.t
    if f.outcome != "rejected" and f.resellable:
        c.add("restock", "clerk", at=decided + rng.randint(10 * MINUTE, 90 * MINUTE))
    if f.coupon and not apology_now and plan.reason == "wrong_item" and f.wrong_item_confirmed:
        c.add("coupon", "agent", at=decided + rng.randint(5 * MINUTE, 30 * MINUTE), face_value=f.coupon)
    if f.outcome == "rejected":
        c.wait("close", DAY, 2 * DAY)
        c.add("close", "agent", reason="商品已退回顾客")
        return _finish(plan, c, rng)
    money_left = case_money(plan)
    money_left.reprice(reason=plan.reason, outcome=f.outcome, accepted_goods=accepted_goods(plan),
                       wrong_item_confirmed=f.wrong_item_confirmed)
    owed = bool(money_left.due())
    if resolution == "return_refund":
        _refund(c, plan)
    elif resolution == "exchange":
        if not f.early_replacement:
            c.wait("replace", 20 * MINUTE, 6 * HOUR)
            c.add("replacement", "agent", note="换新商品已发出")
        if owed:
            _refund(c, plan)
        else:
            c.wait("close", 2 * DAY, 5 * DAY)
            c.add("close", "agent", reason="新商品已签收，售后完成")
    else:  # repair
        c.wait("repair", 30 * MINUTE, DAY)
        c.add("repair", "clerk", note="已送厂维修")
        c.wait("repair_days", 5 * DAY, 15 * DAY)
        if owed:
            _refund(c, plan, first_wait=0)
        else:
            c.add("close", "agent", reason="维修完成，已寄回顾客")
    return _finish(plan, c, rng)


def _refund(c: _Clock, plan: CasePlan, first_wait: int | None = None) -> None:
    if first_wait is None:
        c.wait("refund", 3 * MINUTE, 60 * MINUTE)
    c.add("issue_refund", "agent")
    c.wait("sent", MINUTE, 30 * MINUTE)
    c.add("refunds_sent", "payment")
    if plan.decision["refund_method"] == "points":
        c.wait("confirmed", MINUTE, 10 * MINUTE)
    else:
        c.wait("confirmed", 10 * MINUTE, DAY)
    c.add("refunds_confirmed", "payment")


TERMINAL_ACTIONS = frozenset({"close", "cancel", "refunds_confirmed"})  # after these the case is no longer open


def _finish(plan: CasePlan, c: _Clock, rng: random.Random) -> list[Step]:
    steps = sorted(c.steps, key=lambda s: s.at)  # stable: same-time steps keep their order
    if plan.flow.escalate:
        ends = [i for i, s in enumerate(steps) if s.action in TERMINAL_ACTIONS]
        limit = ends[0] if ends else len(steps)
        end = steps[limit].at if ends else steps[-1].at + DAY
        first_act = next((s.at for s in steps if s.actor == "agent"), steps[0].at + 30 * MINUTE)
        anchor = plan.flow.escalate_at
        if anchor is not None:
            action, after = anchor
            at = next(s.at for s in steps if s.action == action) + after
        else:
            at = first_act + int(max(end - first_act, 0) * rng.uniform(0.1, 0.7))
        at = min(max(at, steps[0].at + MINUTE), end)
        index = bisect([s.at for s in steps[:limit]], at)
        steps.insert(index, Step(at, "escalate", "agent", {"reason": plan.flow.escalate}))
    return steps


# --- choosing requests for an order ---------------------------------------------------------------------------
def returnable(line: LineInfo) -> bool:
    attrs = line.sku.attrs
    return not (attrs & LEGAL_EXCLUSIONS) and not ("declared_nonreturnable" in attrs and line.confirmed_nonreturnable)


class Requests:
    """Builds a CasePlan for (order, scenario, opening time) when the order can carry it, else None."""

    def __init__(self, rng: random.Random, settings: PolicySettings, agents: list[str], clerks: list[str]):
        self.rng, self.settings = rng, settings
        self.agents, self.clerks = agents, clerks
        self.agent_cum = tuple(accumulate((40, 30, 30)[: len(agents)]))
        self.tz = settings.timezone
        self.over_cap = 0  # requests left out because the refund cap would refuse them (see decision())

    def window_end(self, order: OrderInfo, scenario: str, lines: list[LineInfo]) -> int | None:
        """The last epoch second at which `scenario` may be asked for on this order (policy numbers)."""
        s = self.settings
        if scenario == "price_protection":
            if order.status not in SIGNED:
                return None  # in flight: any time before signing (the caller bounds it)
            return int(last_moment(to_datetime(order.placed), s.price_protection_days, self.tz).timestamp())
        days = {"no_reason_return": s.no_reason_days, "no_reason_exchange": s.no_reason_days,
                "quality_return": s.quality_return_days, "transit_return": s.quality_return_days,
                "quality_exchange": s.quality_exchange_days, "transit_exchange": s.quality_exchange_days,
                "wrong_return": s.wrong_or_missing_days, "wrong_exchange": s.wrong_or_missing_days,
                "missing_reship": s.wrong_or_missing_days, "missing_refund": s.wrong_or_missing_days}.get(scenario)
        if days is None:  # repair, minor offer: the exchange period or the warranty, whichever is longer
            days = max(s.quality_exchange_days, min(x.sku.warranty_days for x in lines))
        return int(last_moment(to_datetime(order.signed), days, self.tz).timestamp())

    def lines_for(self, order: OrderInfo, scenario: str, partly: bool = False):
        rng, kind = self.rng, SCENARIOS[scenario][0]
        lines = order.lines
        if scenario.startswith("no_reason"):
            options = [x for x in lines if returnable(x)]
            if partly:  # some units to accept and some to refuse: a line of two or more, else two lines
                several = [x for x in options if x.qty >= 2]
                if several:
                    line = rng.choice(several)
                    return [(line, line.qty, "intact")]
                return [(x, x.qty, "intact") for x in options[:2]] if len(options) >= 2 else None
            if not options:
                return None
            line = rng.choice(options)
            sealed = "sealed_av_software" in line.sku.attrs
            condition = "opened_for_inspection" if not sealed and rng.random() < 0.2 else "intact"
            qty = line.qty if rng.random() < 0.7 else 1
            return [(line, qty, condition)]
        if scenario == "repair":
            options = [x for x in lines if x.sku.category in REPAIRABLE and x.sku.warranty_days > 15]
            return [(rng.choice(options), 1, "used")] if options else None
        if kind in ("return", "exchange") and scenario.startswith(("quality", "transit")):
            line = rng.choice([x for x in lines if not x.sku.attrs & {"digital_download"}])
            return [(line, 1, "damaged" if scenario.startswith("transit") else "used")]
        if scenario == "minor_offer":
            return [(rng.choice(lines), 1, "intact")]
        if scenario.startswith("wrong"):
            line = rng.choice(lines)
            return [(line, line.qty, "intact")]
        if scenario.startswith("missing"):
            if order.units < 2:
                return None
            line = rng.choice(lines)
            return [(line, 1, "intact")]
        if scenario == "price_protection":
            options = [x for x in lines if unit_paid(x) >= Decimal("10.00")]
            if not options:
                return None
            line = rng.choice(options)
            return [(line, line.qty, "intact")]
        return None

    def decision(self, order: OrderInfo, kind: str, reason: str, lines, *, opened: int, photos: int, postage: int,
                 current: int | None) -> dict | None:
        """The policy's decision as open_case will store it, or None when refused (or the input is unsound)."""
        try:
            request = policy_request(order, kind, reason, lines, now=opened, photos=photos, postage=postage,
                                     current_price=current)
        except PolicyInputError:
            return None
        decision = decide(request, self.settings)
        if not decision.allowed:
            return None
        refund, goods = decision.refund, decision.refund.goods
        as_dict = decision_to_dict(decision)
        if kind != "price_protection":  # open_case's cap at what the lines paid (one case per order here)
            goods = capped_goods(as_dict, goods, sum((units_paid(unit_paid(x), q, money(x.paid))
                                                      for x, q, _c in lines), ZERO))
        postage_part = min(money(postage), refund.shipping) if decision.return_shipping_paid_by == "seller" else ZERO
        # The ledger caps refunds at what the order paid: a request the cap would refuse is not seeded.
        if goods + refund.shipping - postage_part > money(order.payable):
            self.over_cap += 1
            return None
        return as_dict

    def plan(self, order: OrderInfo, scenario: str, opened: int, *, flow: Flow | None = None,
             partly: bool = False, agent: str | None = None, clerk: str | None = None,
             urgent: bool | None = None, tag: str = "") -> CasePlan | None:
        rng = self.rng
        kind, reason = SCENARIOS[scenario]
        base = (order.signed or order.paid) if scenario == "price_protection" else order.signed
        if base is None or opened < base + HOUR:
            return None
        lines = self.lines_for(order, scenario, partly)
        if not lines:
            return None
        end = self.window_end(order, scenario, [x for x, _q, _c in lines])
        if end is not None and opened > end:
            return None
        photos = 1 + (rng.random() < 0.4) if reason in PHOTO_REASONS else (1 if rng.random() < 0.3 else 0)
        seller_pays = reason in ("quality_serious", "damaged_in_transit", "wrong_item")
        postage = rng.choice((800, 1000, 1200, 1500, 1800, 2300)) if seller_pays and kind != "refund_only" else 0
        current = None
        if scenario == "price_protection":
            paid = unit_paid(lines[0][0])
            current = int(paid * Decimal(str(round(rng.uniform(0.80, 0.96), 3)))) * 100  # whole yuan, lower
            if current >= int(paid * 100):
                return None
        decision = self.decision(order, kind, reason, lines, opened=opened, photos=photos, postage=postage,
                                 current=current)
        if decision is None:
            return None
        clerk = clerk or self.clerks[rng.randrange(len(self.clerks))]
        if flow is None:
            flow = self.random_flow(scenario, lines, decision["resolution"],
                                    breach_rate=CLERK_BREACH[self.clerks.index(clerk) % len(CLERK_BREACH)])
        if reason == "wrong_item" and flow.wrong_item_confirmed is None:
            flow.wrong_item_confirmed = True
        if partly and flow.outcome == "partly_accepted" and flow.accepted is None:  # all but one unit, or line
            flow.accepted = (lines[0][1] - 1,) if len(lines) == 1 else (lines[0][1], *(0 for _x in lines[1:]))
        if urgent is None:
            urgent = flow.early_replacement or (kind == "exchange" and rng.random() < 0.1)
        key = "no_reason_exchange" if scenario == "no_reason_exchange" else "repair" if scenario == "repair" else reason
        agent = agent or self.agents[bisect(self.agent_cum, rng.random() * self.agent_cum[-1])]
        return CasePlan(order=order, scenario=scenario, kind=kind, reason=reason, lines=lines, opened=opened,
                        photos=photos, postage=postage, current_price=current, repairs_failed=0, urgent=urgent,
                        description=rng.choice(DESCRIPTIONS[key]), agent=agent, clerk=clerk, flow=flow,
                        decision=decision, tag=tag)

    def redecide(self, plan: CasePlan, opened: int) -> bool:
        """Move the plan's opening to `opened` (its steps keep their offsets); False when the order or the policy
        does not allow the request at that moment."""
        base = (plan.order.signed or plan.order.paid) if plan.scenario == "price_protection" else plan.order.signed
        if base is None or opened < base + HOUR:
            return False
        decision = self.decision(plan.order, plan.kind, plan.reason, plan.lines, opened=opened, photos=plan.photos,
                                 postage=plan.postage, current=plan.current_price)
        if decision is None or decision["resolution"] != plan.decision["resolution"]:
            return False
        if decision["refund"] != plan.decision["refund"]:
            return False
        plan.opened, plan.decision = opened, decision
        return True

    def random_flow(self, scenario: str, lines, resolution: str, breach_rate: float = 0.1) -> Flow:
        """Outcomes in realistic shares: some declined, cancelled, rejected, partly accepted, escalated."""
        rng = self.rng
        kind, reason = SCENARIOS[scenario]
        f = Flow(escalate=rng.choice(ESCALATE) if rng.random() < 0.03 else "")
        r = rng.random()
        if reason in ("no_reason", "quality_serious", "quality_minor") and r < 0.03:
            f.decline = rng.choice(DECLINE)
            return f
        if resolution in TRAVELS_BACK and r < 0.08:
            f.cancel, f.cancel_stage = rng.choice(CANCEL), "requested" if rng.random() < 0.4 else "approved"
            return f
        if resolution not in TRAVELS_BACK:
            if reason == "missing_item":
                f.coupon = rng.choice((500, 1000, 2000))
            return f
        f.breach = rng.random() < breach_rate
        f.by_case_number = rng.random() < 0.05
        units = sum(q for _l, q, _c in lines)
        if reason == "no_reason":
            f.condition_found = "opened_for_inspection" if lines[0][2] == "opened_for_inspection" else "intact"
            r2 = rng.random()
            if r2 < 0.05:
                f.outcome, f.condition_found, f.resellable = "rejected", rng.choice(("used", "tags_removed")), False
                f.notes = rng.choice(NOTES["rejected"])
            elif units >= 2 and r2 < 0.3 and resolution == "return_refund":
                f.outcome, f.accepted = "partly_accepted", (units - 1,)
                f.notes = NOTES["partly_accepted"][0]
            else:
                f.notes = rng.choice(NOTES["accepted"])
        elif reason == "wrong_item":
            f.wrong_item_confirmed = rng.random() < 0.9
            f.notes = rng.choice(NOTES["accepted"]) if f.wrong_item_confirmed else NOTES["refuted"][0]
            f.coupon = rng.choice((1000, 2000, 3000)) if f.wrong_item_confirmed else 0
            f.early_replacement = kind == "exchange" and f.wrong_item_confirmed and rng.random() < 0.3
        else:  # quality, damage in transit, repair
            f.condition_found, f.resellable = "damaged", False
            if rng.random() < 0.03:
                f.outcome, f.notes = "rejected", "未检测出故障，按原样寄回"
            else:
                f.notes = rng.choice(NOTES["quality"])
                f.early_replacement = kind == "exchange" and rng.random() < 0.15
        return f
