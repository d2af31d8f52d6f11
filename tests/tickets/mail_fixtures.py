"""Raw emails (.eml bytes) as customers' mail clients send them, for the inbound email tests."""

from __future__ import annotations

import base64
import itertools
from email.message import EmailMessage
from email.policy import SMTP

_seq = itertools.count(1)
SUPPORT = "service@kefu.example"


def eml(*, sender: str = "王芳 <wangfang@example.com>", subject: str = "快递三天没动",
        body: str | None = "我的订单一直没有发货，请帮忙查一下。", message_id: str | None = "auto",
        in_reply_to: str | None = None, references: str | None = None, html: str | None = None,
        attachments: tuple[tuple[str, bytes], ...] = (), headers: dict[str, str] | None = None) -> bytes:
    """A message built the way a modern client writes one (UTF-8, RFC 2047 headers, CRLF)."""
    msg = EmailMessage(policy=SMTP)
    if sender:
        msg["From"] = sender
    msg["To"] = SUPPORT
    msg["Subject"] = subject
    if message_id == "auto":
        message_id = f"<m{next(_seq)}.{id(msg)}@mail.example.com>"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


def gbk_eml(*, sender_name: str = "李雷", address: str = "lilei@example.cn", subject: str = "投诉：退款迟迟不到",
            body: str = "退款申请已经七天了还没到账，请尽快处理。", message_id: str = "<gbk-1@foxmail.example>",
            charset: str = "GBK") -> bytes:
    """What an older Chinese client (Foxmail, Outlook on a Chinese Windows) sends: GBK words in the headers,
    an 8-bit GBK body."""
    def word(text: str) -> str:
        return f"=?{charset}?B?{base64.b64encode(text.encode('gbk')).decode()}?="

    head = (f"From: {word(sender_name)} <{address}>\r\nTo: {SUPPORT}\r\nSubject: {word(subject)}\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=\"{charset}\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("ascii") + body.encode("gbk") + b"\r\n"

