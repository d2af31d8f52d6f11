"""The hand-picked story the team demos [seed 002].

A diamond customer in 宿迁 bought two tins of imported milk powder from a third-party shop; the shop
shipped with a third-party courier; it was promised in three days and on the seventh it has still not
arrived — backed up at the courier's 宿迁 depot. The customer logs in with STORY_PHONE.
"""

from __future__ import annotations

from .context import DAY, HOUR, MINUTE, local_midnight
from .orders import Basket, OrderMaker, Outcome, Timeline
from .people import STORY_PHONE, PeopleMaker, Person
from .plans import COMPLETED, DELIVERED, ONLINE, SHIPPED, Plan

STORY_NAME = "孙建国"
STORY_HOME = ("江苏省", "宿迁市", "宿城区", "洪泽湖东路88号阳光花园6栋2单元501室")
MILK_SKU = "MP-APTAMIL-S2"


def make_story_customer(people: PeopleMaker, orders: OrderMaker, extra_orders: int) -> tuple[Person, list[Outcome]]:
    """Customer number 0: ten big purchases this year (diamond), a few ordinary ones, and the milk powder."""
    ctx = people.ctx
    person = people.make(0, name=STORY_NAME, phone=STORY_PHONE, home=STORY_HOME)
    outcomes = [
        orders.make(person, Plan(COMPLETED if k else DELIVERED, premium=True, recent=True, method=ONLINE))
        for k in range(10)
    ]
    outcomes += [orders.make(person, orders.random_plan()) for _ in range(extra_orders)]

    sku = ctx.catalog.sku(MILK_SKU)
    basket = Basket(
        seller=sku.seller,
        lines=[(sku, 2, sku.price * 2)],
        goods=sku.price * 2,
        coupon=0,
        points=0,
        shipping=0,
        payable=sku.price * 2,
        digital=False,
    )
    day0 = local_midnight(ctx.anchor_ts) - 7 * DAY  # ordered about a week ago …
    placed = day0 + 10 * HOUR + 23 * MINUTE
    shipped = placed + 22 * HOUR
    timeline = Timeline(
        placed,
        paid=placed + 4 * MINUTE,
        shipped=shipped,
        carrier="zto",
        promised=(day0 + 2 * DAY + 9 * HOUR, day0 + 3 * DAY + 21 * HOUR),  # … promised within three days
        events=[
            ("picked_up", "", shipped + HOUR, "浙江省宁波保税区仓", "中通快递已揽收"),
            ("in_transit", "", shipped + 6 * HOUR, "宁波转运中心", "快件已从宁波转运中心发出，正发往宿迁"),
            (
                "in_transit",
                "",
                day0 + 3 * DAY + 2 * HOUR + 40 * MINUTE,
                "宿迁转运中心",
                "快件已到达宿迁转运中心",
            ),
            (
                "exception",
                "delayed",
                day0 + 4 * DAY + 15 * HOUR + 12 * MINUTE,
                "宿迁转运中心",
                "受快件积压影响，派送延误",
            ),
        ],
    )
    plan = Plan(SHIPPED, "delayed", method=ONLINE, invoice="")
    orders.emit(person, plan, basket, ONLINE, timeline, note="宝宝等着喝，麻烦尽快发货！")
    outcomes.append(Outcome(timeline.placed, SHIPPED, basket.payable))
    return person, outcomes
