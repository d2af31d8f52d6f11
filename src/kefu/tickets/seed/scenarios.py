"""The demo's tickets, scenario by scenario (counts in plans.MIX), and the two stories of the demo customer.

Each function drafts one ticket (or two: a duplicate and its survivor) on the Planner; None when the data set
has nothing that fits. Open tickets are placed backwards from L, history forwards from a past day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kefu.tickets import routing

from . import texts
from .plans import CARE, MIX, SENIOR, SUPERVISOR, Planner, TicketPlan

DRAFT = 900  # business minutes: where a ticket is drafted before it is placed (its order must come before)


def fresh(p: Planner, k: int) -> None:
    plan = p.new_plan("fresh", p.back(DRAFT))
    if plan is None:
        return
    budget = p.target(plan, "first_response")
    age = p.rng.uniform(3, 0.5 * budget)
    plan.steps[0].at = p.back(age)
    p.settle_agent(plan)
    if k == 0 and plan.customer is not None:  # nobody has answered yet and the customer asks again
        plan.add(p.back(age * 0.3), "customer", body=texts.REMINDER)


def near_warning(p: Planner, k: int) -> None:
    """Just before the first-response warning (70–78 % of the target used) or just past it (86 %)."""
    plan = p.new_plan("near_warning", p.back(DRAFT))
    if plan is not None:
        plan.steps[0].at = p.back(p.target(plan, "first_response") * (0.70, 0.78, 0.86)[k % 3])
        p.settle_agent(plan)


def breached(p: Planner, k: int) -> None:
    """Nobody answered in time: the sweep breaches the target and raises the ticket to the supervisor."""
    plan = p.new_plan("breached", p.back(DRAFT), severity="normal")
    if plan is None:
        return
    budget = p.target(plan, "first_response")
    age = budget * p.rng.uniform(1.15, 1.5)
    plan.steps[0].at = p.back(age)
    p.settle_agent(plan)
    if k % 2 == 0:
        plan.add(p.back(age - budget * 1.05 - 3), "note", by=SUPERVISOR,
                 body="超时未响应，主管已关注，下一位空闲同事优先处理。")


def care_handoff(p: Planner, k: int) -> None:
    """Twice answered and still angry: the agent asks the supervisor, who hands it to the customer-care team."""
    plan = p.new_plan("care_handoff", p.back(DRAFT), topic="attitude", channel="phone")
    if plan is None:
        return
    steps = p.work(plan, "acknowledged") + [
        (10, "customer", {"body": "你们这样处理我不接受，我要找你们领导！"}),
        (8, "reply", {"body": "非常理解您的心情，我马上请主管来跟进，请您稍等。"}),
        (3, "escalate", {"reason": "顾客第三次来电，情绪激动，要求主管处理"}),
        (25, "escalate", {"by": SUPERVISOR, "care": True, "reason": "两次沟通未果，转客户关怀部专人跟进"}),
        (15, "assign", {"by": CARE}),
        (10, "reply", {"by": CARE, "body": f"{plan.words['name']}您好，我是客户关怀部的陈静，您的事情接下来由我负责，"
                                           "我先向您致歉，今天会给您一个满意的答复。"}),
    ]
    p.ending(plan, p.rng.uniform(10, 90), steps)


def in_progress(p: Planner, k: int, *, coached: bool = False) -> None:
    plan = p.new_plan("coached" if coached else "in_progress", p.back(DRAFT),
                      topic="quality" if coached else None)
    if plan is None:
        return
    until = ("replied", "analysed", "acknowledged", "proposed", "refused", "accepted", "analysed", "proposed")[k % 8]
    steps = p.work(plan, until)
    if coached:  # sent as written after the coach's warning; the customer objects, the agent repairs it
        steps[1] = (steps[1][0], "reply", {"body": texts.COACHED_REPLY, "confirm_coach": True})
        steps.insert(2, (15, "customer", {"body": "什么叫规定就是这样？我买到的是坏的！"}))
        steps.insert(3, (5, "reply", {"body": "抱歉刚才没说清楚。商品有质量问题，拆封也能办理售后，我马上为您处理。"}))
    # Half were last touched in this shift, half in the one before (they fill its handover).
    cap = min(800.0, p.target(plan, "resolution") * 0.45)
    p.ending(plan, p.rng.uniform(5, 120) if k % 2 == 0 else p.rng.uniform(min(cap, 300), cap), steps)


def waiting(p: Planner, k: int) -> None:
    """The agent asked the customer for something: the clocks are paused until they answer."""
    plan = p.new_plan("waiting", p.back(DRAFT * 3))
    if plan is None:
        return
    steps = p.work(plan, "replied") + [(p.rng.randint(5, 30), "reply", {"body": plan.topic.ask, "wait": True})]
    p.ending(plan, p.rng.uniform(20, 1800), steps)


def resolved(p: Planner, k: int, *, recently: bool = False) -> None:
    """Resolved today (the 回访 waits for the next working day) or a day or two ago (sent, not answered)."""
    plan = p.new_plan("resolved_recently" if recently else "resolved_today", p.back(DRAFT * (4 if recently else 1)))
    if plan is not None:
        p.ending(plan, p.rng.uniform(960, 1900) if recently else p.rng.uniform(5, 60), p.work(plan, "resolved"))


def closed(p: Planner, k: int) -> None:
    """History: handled, resolved, surveyed (mostly 4–5) and closed."""
    plan = p.new_plan("closed", p.day(p.rng.randint(3, 28)))
    if plan is not None:
        done = p.forward(plan, plan.steps[0].at, p.work(plan, "resolved"))
        p.survey(plan, done, 3 if k % 10 == 9 else p.rng.choice((4, 5, 5, 5)), close=True)


def low_score(p: Planner, k: int) -> None:
    """A low survey score opens a care task: the care team calls; one is settled, one waits on the customer."""
    plan = p.new_plan("low_score", p.day(p.rng.randint(5, 12) if k % 2 == 0 else 3))
    if plan is None:
        return
    done = p.forward(plan, plan.steps[0].at, p.work(plan, "resolved"))
    t = p.survey(plan, done, p.rng.choice((1, 2)), close=False)
    t = plan.add(p.later(t, 5), "assign", on="care", by=CARE)
    t = plan.add(p.later(t, 5), "reply", on="care", by=CARE,
                 body=f"{plan.words['name']}您好，我是客户关怀部的陈静，看到您的回访评价，非常抱歉这次让您失望了。")
    if k % 2:
        plan.add(p.later(t, 5), "reply", on="care", by=CARE, wait=True,
                 body="方便告诉我您最希望我们怎么弥补吗？我按您的想法为您申请。")
        return
    care = {"on": "care", "by": CARE}
    t = plan.add(p.later(t, 20), "analyse", **care, analysis="回访低分：顾客对处理时效不满意")
    t = plan.add(p.later(t, 5), "acknowledge", **care, position="顾客认为处理太慢，补偿不足以弥补等待")
    t = plan.add(p.later(t, 10), "propose", **care, solution="追加30元无门槛优惠券，并由关怀部专人跟进后续订单")
    t = plan.add(p.later(t, 40), "answer", **care, accepted=True)
    t = plan.add(p.later(t, 5), "resolve", **care)
    plan.add(p.later(t, 30), "close", reason="关怀任务已跟进，结案")


def refused(p: Planner, k: int) -> None:
    """The customer did not accept the solution: the refusal is recorded and the ticket resolved with it."""
    plan = p.new_plan("refused", p.day(p.rng.randint(4, 10)))
    if plan is None:
        return
    t = p.forward(plan, plan.steps[0].at, p.work(plan, "refused"))
    t = plan.add(p.later(t, 60), "propose", solution="补偿升级为50元优惠券，并承担退货运费")
    t = plan.add(p.later(t, 5), "reply", body="我为您申请了新的方案：补偿升级为50元优惠券，并承担退货运费。", wait=True)
    t = plan.add(p.later(t, 90), "customer", body="还是不接受，我会去消费者协会投诉。")
    t = plan.add(p.later(t, 10), "answer", accepted=False, reason=plan.topic.refusal)
    t = plan.add(p.later(t, 10), "reply", body="您的意见已完整记录。如仍有异议，您可以拨打客服热线，"
                                                "或向12315反映，我们会配合处理。")
    t = plan.add(p.later(t, 5), "resolve")
    p.survey(plan, t, 3, close=True)


def expired(p: Planner, k: int) -> None:
    """Resolved, the survey sent and never answered: it expires after a week and the ticket is closed."""
    plan = p.new_plan("expired", p.day(p.rng.randint(12, 25)))
    if plan is not None:
        done = p.forward(plan, plan.steps[0].at, p.work(plan, "resolved"))
        sent = p.w.cal.next_service_day_start(done)
        plan.add(p.later(sent + timedelta(days=8), 30), "close", reason="回访问卷超时未答复，结案")


def merged(p: Planner, k: int) -> None:
    """The customer wrote an email and then filled in the web form: the email is merged into the web ticket."""
    email = p.new_plan("merged", p.back(DRAFT), channel="email")
    if email is None:
        return
    web = replace(email, scenario="merged_into", channel="web", steps=[])
    p.plans.append(web)
    steps = p.work(web, "analysed")
    total = sum(m for m, _a, _k in steps)
    end = p.rng.uniform(10, 120)
    email.steps[0].at = p.back(end + total + 12)
    web.add(p.back(end + total + 4), "open")
    p.ending(web, end, steps, move_open=False)
    email.agent = web.agent
    email.add(p.back(end + total - steps[0][0] - 1), "merge", into=len(p.plans) - 1,
              reason="同一顾客就同一订单的重复来信")


def split(p: Planner, k: int) -> None:
    """A second problem in the same conversation goes to a ticket of its own, answered at once."""
    plan = p.new_plan("split", p.back(DRAFT))
    if plan is None:
        return
    invoice = f"订单{plan.words['order']}的发票一直没收到"
    steps = p.work(plan, "analysed") + [
        (10, "customer", {"body": texts.MORE_INFO, "label": "more"}),
        (5, "split", {"message": "more", "subject": invoice}),
        (3, "assign", {"on": "child"}),
        (5, "reply", {"on": "child", "body": "发票的问题我单独为您登记了，今天内把电子发票发到您的邮箱。"}),
        (2, "reply", {"body": "发票的问题已经单独登记跟进，这个工单我继续为您处理原来的问题。"}),
    ]
    p.ending(plan, p.rng.uniform(5, 100), steps)


def stranger(p: Planner, k: int) -> None:
    """An email from someone who is not (yet) a customer, with no order: waiting for its first answer."""
    plan = TicketPlan("stranger", "email", texts.BY_KEY["presale"], None, None, None, "low",
                      "你们的会员积分怎么兑换？",
                      "你好，我朋友推荐了你们家，想问一下会员积分怎么兑换？新用户有什么优惠吗？",
                      "", words={"name": "林小雨"})
    plan.agent = p.agent_at(p.back(10), routing.queue_for("presale", "registered"))
    plan.add(p.back(p.rng.uniform(5, 40)), "open")
    p.plans.append(plan)


def proactive(p: Planner, k: int) -> None:
    """An agent saw a parcel stuck past its promise and called the customer before they complained."""
    plan = p.new_plan("proactive", p.back(DRAFT), channel="agent", topic="late")
    if plan is None:
        return
    w = plan.words
    plan.subject = f"主动关怀：订单{w['order']}物流延误"
    plan.body = f"物流预警：运单{w['tracking']}已超出承诺送达时间，主动联系顾客说明情况并跟进。"
    steps = [(3, "assign", {}),
             (10, "reply", {"body": f"{w['name']}您好，我们注意到您的包裹（运单号{w['tracking']}）比承诺时间晚了，"
                                    f"已在联系{w['carrier']}加急，有进展马上告诉您。", "channel": "phone"}),
             (20, "note", {"body": texts.BY_KEY["late"].note.format(**w)})]
    p.ending(plan, p.rng.uniform(30, 200), steps)


SCENARIOS = {"fresh": fresh, "near_warning": near_warning, "breached": breached, "care_handoff": care_handoff,
             "in_progress": in_progress, "coached": lambda p, k: in_progress(p, k, coached=True),
             "waiting": waiting, "resolved_today": resolved,
             "resolved_recently": lambda p, k: resolved(p, k, recently=True), "closed": closed,
             "low_score": low_score, "refused": refused, "expired": expired, "merged": merged, "split": split,
             "stranger": stranger, "proactive": proactive}


def story(p: Planner) -> None:
    """孙建国's milk powder [seed 002, seed 003]: yesterday he complained through the web form (in his list at
    once); 丁康, the senior agent, called the courier and agreed a solution; the outcome notice went out without
    him asking. Today the parcel has still not come: he writes again, the ticket reopens and goes to the head
    of the call centre. And an older question of his, answered and rated 5."""
    who, milk = p.w.story, p.w.milk
    if who is None or milk is None:
        return
    words = {"name": "孙先生", "order": milk.number, "product": milk.product, "carrier": milk.carrier,
             "tracking": milk.tracking, "case": ""}
    plan = TicketPlan("story", "web", texts.BY_KEY["late"], who, milk, None, "high",
                      "宝宝的奶粉下单一周还没收到，说好三天到",
                      f"订单{milk.number}买的两罐奶粉，页面承诺三天送达，今天已经第六天了，物流一直停在宿迁转运中心，"
                      "打中通电话也没人接。宝宝的奶粉快喝完了，请尽快处理！", SENIOR, words=words)
    p.plans.append(plan)
    steps = [
        (4, "assign", {}),
        (6, "reply", {"body": "孙先生您好，我是客服丁康，让您和宝宝久等了，非常抱歉。"
                              f"我看到您的包裹（运单号{milk.tracking}）"
                              "停在中通宿迁转运中心，我马上联系快递核实，30分钟内给您回电。"}),
        (20, "note", {"body": "已致电中通宿迁转运中心：分拣积压，快件已找到，对方承诺明天上午优先派送；"
                              "已请自营仓备好同款两罐以防万一。"}),
        (3, "analyse", {"analysis": "第三方快递中通宿迁转运中心积压，超出承诺时效3天"}),
        (2, "acknowledge", {"position": "承诺三天送达，已第六天；宝宝的奶粉快喝完了，顾客非常着急"}),
        (5, "propose", {"solution": "中通明天上午优先派送；如明天中午前仍未签收，我们从自营仓免费补发两罐同款奶粉，"
                                    "并赠送50元无门槛优惠券",
                        "next_step": "明天中午前确认签收情况"}),
        (2, "reply", {"body": "孙先生，刚才电话里和您确认的方案我写在工单里了，您看一下。", "wait": True}),
        (15, "customer", {"body": "好的，就这么办，明天中午前一定要到。"}),
        (3, "answer", {"accepted": True}),
        (2, "resolve", {}),
        (16 * 60 - 100, "customer", {"body": "说好今天中午前送到，现在还是没有消息，宝宝的奶粉只够今天了！"}),
        (10, "reply", {"body": "孙先生，真的非常抱歉。补发已经安排：自营仓今天发出两罐同款奶粉，明天上午送达，"
                               "50元优惠券已发到您的账户。"}),
        (3, "acknowledge", {"position": "说好的时间又没送到，宝宝的奶粉只够今天，顾客对快递和我们都很失望"}),
        (5, "propose", {"solution": "自营仓今天补发两罐同款奶粉（京东物流，明天上午送达），50元优惠券已到账；"
                                    "中通的包裹到后可直接拒收",
                        "next_step": "明天上午补发的奶粉送达"}),
        (5, "escalate", {"reason": "钻石会员二次投诉，请主管跟进"}),
        (20, "note", {"by": SUPERVISOR, "body": "主管李绪勇已回电致歉，顾客情绪平稳；明早跟进补发签收。"}),
    ]
    plan.add(p.back(sum(m for m, _a, _k in steps) + 25), "open")
    p.ending(plan, 25, steps, move_open=False)
    plan.agent = SENIOR  # 丁康 answered him [seed 002]

    order = next((o for o in reversed(p.w.orders) if o.customer_id == who.id and o is not milk), None)
    if order is None:
        return
    older = p.new_plan("story_history", p.day(12), channel="phone", topic="invoice", customer=who)
    if older is not None:
        done = p.forward(older, older.steps[0].at, p.work(older, "resolved"))
        p.survey(older, done, 5, close=True)


def draft_all(p: Planner) -> None:
    story(p)
    for name, count in MIX.items():
        for k in range(count * p.factor):
            SCENARIOS[name](p, k)
