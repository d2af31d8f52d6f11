"""What the customer is told without asking [seed 003], as text: by email, in the portal and by SMS.

Pure text building (plus the portal's URLs); sending is mail_out.py's and sms.py's, deciding when is
subscribers.py's. The texts are Chinese, like the next steps the services write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import ticket_states as st
from .models import Ticket

REPLY_BY_EMAIL = "可回复本邮件"
REPLY_IN_PORTAL = "可在工单页面留言"


@dataclass(frozen=True)
class Notification:
    title: str  # the portal notice's title
    portal: str  # the portal notice's text
    email: str  # the email's text
    sms: str  # short: the words fit one segment, the link makes it two
    link: str  # site-relative path of the page the notice points to


def _path(name: str, fallback: str, **kwargs) -> str:
    # Reversed at send time, not import time: the portal's pages may be registered after this module loads.
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def ticket_path(number: str) -> str:
    return _path("portal:ticket_detail", f"/complaints/{number}/", number=number)


def survey_path(token: str) -> str:
    return _path("portal:survey", f"/survey/{token}/", token=token)


def absolute(path: str) -> str:
    return settings.KEFU_SITE_URL.rstrip("/") + path


def subject_line(ticket: Ticket) -> str:
    """Every email about a ticket carries its number: the customer's answer threads by it (mail_in)."""
    return f"Re: {' '.join(ticket.subject.split())} [{ticket.number}]"


def _greeting(ticket: Ticket) -> str:
    name = ticket.requester_name or (ticket.customer.name if ticket.customer_id else "")
    return f"您好，{name}：" if name else "您好："


def _hotline() -> str:
    hotline = getattr(settings, "KEFU_SERVICE_HOTLINE", "")
    return f"（{hotline}）" if hotline else ""


def reply_email(ticket: Ticket, body: str) -> str:
    """An agent's public reply, with the ticket's footer."""
    return (f"{body}\n\n——\n工单 {ticket.number}：{ticket.subject}\n"
            f"{REPLY_BY_EMAIL}继续沟通，也可在客服中心查看：{absolute(ticket_path(ticket.number))}\n")


def resolution(ticket: Ticket, *, outcome: str, solution: str, refusal_reason: str) -> Notification:
    """The outcome of a resolved ticket: the agreed solution, or that the customer did not accept it, why, and
    where to turn next (ISO 10002: record the refusal and point to other routes)."""
    path = ticket_path(ticket.number)
    url = absolute(path)
    head = f"您的工单 {ticket.number}（{ticket.subject}）已处理完毕。"

    def text(route: str) -> str:
        if outcome == st.REFUSED:
            middle = (f"我们提出的方案：{solution}\n您未接受该方案，您的意见已记录：{refusal_reason}\n"
                      f"如仍有异议，{route}或拨打客服热线{_hotline()}。")
        else:
            middle = f"处理结果：{solution}\n如仍有疑问，{route}，我们会继续为您跟进。"
        return f"{_greeting(ticket)}\n\n{head}\n\n{middle}\n\n查看工单：{url}\n"

    short = "您的意见已记录，如有异议可回复邮件或致电客服" if outcome == st.REFUSED else "解决方案已确认"
    return Notification(
        title=f"工单 {ticket.number} 已处理完毕", portal=text(REPLY_IN_PORTAL), email=text(REPLY_BY_EMAIL),
        sms=f"您的工单{ticket.number}已处理，{short}。详情：{url}", link=path)


def follow_up(ticket: Ticket, *, token: str, days: int) -> Notification:
    """The 回访 survey's invitation, the working day after the resolution."""
    path = survey_path(token)
    url = absolute(path)

    def text(route: str) -> str:
        return (f"{_greeting(ticket)}\n\n您的工单 {ticket.number}（{ticket.subject}）已处理完毕。"
                f"想了解您对处理结果是否满意，请花一分钟完成回访问卷：\n{url}\n\n"
                f"问卷 {days} 天内有效。如问题仍未解决，{route}。\n")

    return Notification(
        title=f"请评价工单 {ticket.number} 的处理", portal=text(REPLY_IN_PORTAL), email=text(REPLY_BY_EMAIL),
        sms=f"您的工单{ticket.number}已处理完毕，请花一分钟评价：{url}", link=path)
