"""The service team's side of the demo data: agent profiles, a roster of three weeks, canned replies.

Every scale gets these (they are what `large` gets instead of tickets). Rows for accounts the seed did not make,
and canned replies a supervisor already keeps under the same title, are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model

from kefu.contact.models import AgentProfile, RosterEntry, Shift

from ..models import CannedReply, Queue


@dataclass(frozen=True)
class Member:
    username: str
    skills: tuple[str, ...]
    senior: bool
    capacity: int  # 0: never given tickets by the round-robin (works escalations and care tasks by hand)
    pair: int  # agents of one pair share a shift; the two pairs swap early and late every week
    off: tuple[int, int]  # weekdays off (0 Monday)


# The frontline: two pairs whose days off never overlap inside a pair, so each shift has someone every day.
# 丁康 (aftersale_agent) is the senior agent of the diamond queue [seed 002].
TEAM = (
    Member("presale_agent", ("presale", "logistics"), False, 8, 0, (0, 1)),
    Member("aftersale_agent3", ("aftersale", "complaints"), False, 8, 0, (2, 3)),
    Member("aftersale_agent", ("aftersale", "complaints", "logistics"), True, 10, 1, (4, 5)),
    Member("aftersale_agent2", ("aftersale", "logistics", "presale"), False, 8, 1, (6, 0)),
    Member("supervisor", ("complaints", "aftersale"), False, 0, -1, (5, 6)),  # 李绪勇, early, weekdays
    Member("care_team", ("complaints",), False, 0, -1, (6, 0)),  # 陈静, 客户关怀部, early, Tue–Sat
)
FRONTLINE = tuple(m.username for m in TEAM if m.capacity)


def shift_of(member: Member, day: date) -> str | None:
    """The shift code `member` works on `day`, or None on a day off. Pure: the plans use it too."""
    if day.weekday() in member.off:
        return None
    if member.pair < 0:
        return "early"
    week = day.isocalendar().week
    return "early" if (week + member.pair) % 2 == 0 else "late"


def on_shift(day: date, shift: str) -> list[str]:
    return [m.username for m in TEAM if shift_of(m, day) == shift]


def ensure_profiles(users: dict[str, object]) -> int:
    """A profile for each team member that has none (a profile someone already edited is kept)."""
    have = set(AgentProfile.objects.filter(user__in=users.values()).values_list("user__username", flat=True))
    new = [AgentProfile(user=users[m.username], skills=list(m.skills), senior=m.senior, ticket_capacity=m.capacity)
           for m in TEAM if m.username in users and m.username not in have]
    AgentProfile.objects.bulk_create(new)
    return len(new)


def write_roster(users: dict[str, object], today: date, *, back: int = 14, ahead: int = 7) -> int:
    """The last `back` days and the next `ahead`: each agent two days off a week, early and late shifts."""
    shifts = {s.code: s for s in Shift.objects.filter(code__in=("early", "late"))}
    rows = []
    for k in range(-back, ahead + 1):
        day = today + timedelta(days=k)
        for m in TEAM:
            code = shift_of(m, day)
            if code in shifts and m.username in users:
                rows.append(RosterEntry(user=users[m.username], date=day, shift=shifts[code]))
    RosterEntry.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# (title, queue code or None for every team, text). Placeholders: see placeholders.PLACEHOLDERS.
CANNED = (
    ("首次回复·致歉受理", None,
     "{customer_name}您好，我是客服{agent_name}，给您添麻烦了，非常抱歉。您的工单{ticket_number}已由我负责，"
     "我正在核实情况，会尽快给您答复。"),
    ("请补充照片", None,
     "{customer_name}您好，为了尽快帮您处理，麻烦您补充一下商品问题部位和外包装的照片（订单{order_number}），"
     "收到后我马上为您跟进。"),
    ("方案确认", None,
     "{customer_name}您好，关于工单{ticket_number}，我们给您的处理方案已写在工单里，您看是否可以？"
     "如您同意，直接回复“同意”即可，我们马上安排。"),
    ("退款到账说明", None,
     "{customer_name}您好，订单{order_number}的退款已提交，原路退回一般1–3个工作日到账，请留意银行或支付平台的通知。"
     "如超过时间仍未到账，随时联系我（{agent_name}）。"),
    ("物流催件", "logistics",
     "{customer_name}您好，您的订单{order_number}（运单号{tracking_number}）我已联系快递公司加急处理，"
     "有最新进展会第一时间通知您，给您添麻烦了。"),
    ("丢件理赔", "logistics",
     "{customer_name}您好，经与快递公司核实，运单{tracking_number}的包裹在运输途中遗失，非常抱歉。"
     "我们今天为您重新发货，新的运单号会短信通知您。"),
    ("投诉受理", "complaints",
     "{customer_name}您好，您反映的问题我们非常重视，已登记为投诉工单{ticket_number}，由我{agent_name}全程跟进，"
     "今天内给您初步处理方案。"),
    ("主管回电", "complaints",
     "{customer_name}您好，我是客服主管，工单{ticket_number}的情况我已经全部了解，接下来由我亲自跟进，"
     "稍后给您回电，请保持电话畅通。"),
)


def ensure_canned_replies() -> int:
    queues = {q.code: q for q in Queue.objects.all()}
    have = set(CannedReply.objects.values_list("title", flat=True))
    new = [CannedReply(title=title, queue=queues.get(code) if code else None, body=body)
           for title, code, body in CANNED if title not in have and (code is None or code in queues)]
    CannedReply.objects.bulk_create(new)
    return len(new)


def team_users() -> dict[str, object]:
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=[m.username for m in TEAM])}
