"""Email from customers becomes a ticket, or a message on the ticket it answers (docs/decisions/0006).

`receive(raw)` takes one raw RFC 822 message, from the inbound webhook (api_inbound.py) or the
`kefu receive_email` command, and files it through the ticket services:

- once: a Message-ID already stored is a duplicate and writes nothing (the provider or the MTA retries);
- threaded by In-Reply-To / References onto the ticket whose message it answers (our outbound mails store
  their Message-ID too, mail_out.py), else by the ticket number in the subject, `[T…]`, when the sender is
  that ticket's customer; a closed ticket's answer opens a new ticket that points back to it;
- auto-replies and bounces are dropped, so two auto-responders cannot loop through the ticket queue.

Attachments are not stored in this version: their names are appended to the message so nothing is lost
silently.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import re
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags

from kefu.commerce.models import Customer
from kefu.core.errors import DomainError

from . import ticket_states as st
from .models import Channel, Kind, Ticket, TicketMessage
from .services import conversation, intake
from .services._common import BODY_LIMIT

NEW, THREADED, DUPLICATE, IGNORED = "new", "threaded", "duplicate", "ignored"

NO_SUBJECT, EMPTY = "(无主题)", "(空邮件)"
TICKET_TOKEN = re.compile(r"\[(T\d{6,18})\]")
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
ID_LIMIT = 250  # TicketMessage.email_message_id
TEXT_LIMIT = BODY_LIMIT - 1000  # room for the attachments line
SCAN_LIMIT = 200_000
AUTOMATIC_SENDERS = {"mailer-daemon", "postmaster"}
BULK_PRECEDENCE = {"bulk", "auto_reply", "junk"}
# Charset labels mail clients use for Chinese text: GB18030 decodes all of them (it is their superset, and
# "gb2312" mail often holds characters outside GB2312).
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                   "euc-cn": "gb18030", "utf8": "utf-8"}

# Where the quoted history of a reply starts (Chinese and English clients: Foxmail/QQ, NetEase, Gmail,
# Apple Mail, Outlook).
QUOTE_HEADS = [re.compile(p, re.I) for p in (
    r"^在.{0,160}写道[:：]?$",
    r"^On\b.{0,240}\bwrote:$",
    r"^-{2,}\s*(Original Message|原始邮件)\s*-{2,}$",
)]
TWO_LINE_HEADS = [(re.compile(a, re.I), re.compile(b, re.I)) for a, b in (
    (r"^On\b.{0,200}$", r"^.{0,200}\bwrote:$"),
    (r"^_{10,}$", r"^(From|发件人)\s*[:：]"),
    (r"^(From|发件人)\s*[:：]", r"^(Sent|Date|发送时间|日期)\s*[:：]"),
)]


@dataclass(frozen=True)
class Parsed:
    message_id: str
    sender: str  # the address, as written
    sender_name: str
    subject: str  # decoded, whitespace collapsed, not yet cut to the ticket's 120 characters
    body: str
    references: list[str]  # In-Reply-To first, then References newest first
    automatic: bool


@dataclass(frozen=True)
class Received:
    ticket: Ticket | None
    message: TicketMessage | None
    outcome: str  # new | threaded | duplicate | ignored


def not_mail() -> DomainError:
    return DomainError("not an email message", field="message")


# --- parsing (no database) ---------------------------------------------------------------------------------

def _charset(label: str | None) -> str:
    label = (label or "").strip().lower()
    return CHARSET_ALIASES.get(label, label)


def _bytes_to_text(data: bytes, label: str | None = None) -> str:
    """Declared charset first; undeclared: UTF-8, else GB18030 (old Chinese clients send raw GBK)."""
    if label:
        try:
            return data.decode(_charset(label), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words (=?GBK?B?…?=) to text, whatever charset they claim."""
    out = []
    for chunk, label in decode_header(value):
        if isinstance(chunk, str):
            out.append(chunk)
        elif label is None:
            out.append(chunk.decode("raw-unicode-escape"))  # decode_header's encoding of the plain parts
        else:
            out.append(_bytes_to_text(chunk, label))
    return "".join(out)


def _clean(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())


def _raw_header(msg: Message, name: str) -> str:
    """A header as sent, unfolded, with raw 8-bit bytes (UTF-8 or GBK) decoded — but encoded words not yet."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            value = str(value)
            if any("\udc80" <= ch <= "\udcff" for ch in value):  # 8-bit bytes kept as surrogates by the parser
                value = _bytes_to_text(value.encode("ascii", "surrogateescape"))
            return re.sub(r"\r?\n[ \t]+", " ", value).strip()
    return ""


def _header(msg: Message, name: str) -> str:
    return _clean(_decode_words(_raw_header(msg, name)))


def _message_id(value: str) -> str | None:
    value = value.strip().strip("<>").strip()
    if not value or any(ch.isspace() for ch in value):
        return None
    if len(value) > ID_LIMIT:
        return "sha256-" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest() + "@kefu.invalid"
    return value


def _references(msg: Message) -> list[str]:
    refs = MESSAGE_ID.findall(_raw_header(msg, "In-Reply-To"))
    refs += reversed(MESSAGE_ID.findall(_raw_header(msg, "References")))
    seen: dict[str, None] = {}
    for ref in refs:
        normalised = _message_id(ref)
        if normalised:
            seen.setdefault(normalised, None)
    return list(seen)[:50]


def _automatic(msg: Message, sender: str) -> bool:
    """Auto-replies, bounces, bulk mail and our own mail (RFC 3834, RFC 3464; de facto headers of Exchange and
    others): filing them would let two robots answer each other through the ticket queue."""
    auto = _header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return True
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return True
    if _header(msg, "Precedence").lower() in BULK_PRECEDENCE:
        return True
    if sender.split("@")[0].lower() in AUTOMATIC_SENDERS:
        return True
    if sender.lower() == settings.KEFU_SUPPORT_EMAIL.lower():
        return True  # our own mail coming back (a copy to ourselves, a forwarding loop)
    return msg.get_content_type() == "multipart/report" or _raw_header(msg, "Return-Path") == "<>"


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _bytes_to_text(payload, part.get_content_charset())


_HIDDEN_TAG = re.compile(r"<(/?)(script|style|head|title|blockquote)\b", re.I)
_PLAIN_TAG = re.compile(r"<[^<>]*>")
_LINE_BREAK = re.compile(r"<br\s*/?>|</(p|div|li|tr|h[1-6]|table)\s*>", re.I)


def _drop_hidden(markup: str) -> str:
    """Without invisible elements and the quoted history (blockquotes, nested): one linear pass, since a
    regex looking for the closing tag is quadratic on hostile markup."""
    kept: list[str] = []
    keep_from, skipping, depth = 0, "", 0
    for tag in _HIDDEN_TAG.finditer(markup):
        if tag.start() < keep_from:
            continue
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if not skipping:
            if not closing:  # a stray closing tag is left to strip_tags
                kept.append(markup[keep_from:tag.start()])
                skipping, depth = name, 1
        elif name == skipping:
            depth += -1 if closing else (1 if name == "blockquote" else 0)
            if depth == 0:
                end = markup.find(">", tag.end())
                keep_from = len(markup) if end == -1 else end + 1
                skipping = ""
    if not skipping:
        kept.append(markup[keep_from:])
    return "".join(kept)


def html_to_text(markup: str) -> str:
    markup = _LINE_BREAK.sub("\n", _drop_hidden(markup))
    try:
        text = strip_tags(markup)
    except SuspiciousOperation:  # Django's guard against deeply nested "<": strip plain tags only
        text = _PLAIN_TAG.sub("", markup)
    return html.unescape(text).replace("\xa0", " ")


def strip_quoted(text: str) -> str:
    """The customer's new words: without ">" lines, and nothing after the head of the quoted history."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        current = line.strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if any(head.match(current) for head in QUOTE_HEADS):
            break
        if any(a.match(current) and b.match(following) for a, b in TWO_LINE_HEADS):
            break
        if current.startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _attachment_names(msg: Message, body_part: Message | None) -> list[str]:
    names = []
    for part in msg.walk():
        if part.is_multipart() or part is body_part:
            continue
        name = part.get_filename()  # RFC 2231 decoded; RFC 2047 words (common in Chinese mail) below
        if name or part.get_content_disposition() == "attachment":
            names.append(_clean(_decode_words(str(name or ""))) or "未命名附件")
    return names


def _body(msg: Message) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        # Far more than a ticket message keeps (TEXT_LIMIT), and it bounds the regex work on hostile HTML.
        text = _part_text(part)[:SCAN_LIMIT]
        if part.get_content_subtype() == "html":
            text = html_to_text(text)
    text = strip_quoted(text.replace("\x00", "")) or EMPTY
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "\n…（邮件过长，以下已截断）"
    names = _attachment_names(msg, part)
    if names:
        text += "\n\n" + ("附件：" + ", ".join(names))[:900]
    return text


def parse(raw: bytes) -> Parsed:
    """Read one raw message. Bad input is a DomainError naming `message` (or `from`), never another error."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise not_mail()
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
        if not msg.keys():
            raise not_mail()
        name, address = parseaddr(_raw_header(msg, "From"))
        address = address.replace("\x00", "").strip()
        automatic = _automatic(msg, address)
        message_id = _message_id(_raw_header(msg, "Message-ID")) or (
            hashlib.sha256(bytes(raw)).hexdigest()[:40] + "@inbound.kefu.invalid")
        parsed = Parsed(message_id=message_id, sender=address, sender_name=_clean(_decode_words(name))[:80],
                        subject=_header(msg, "Subject"), body="" if automatic else _body(msg),
                        references=_references(msg), automatic=automatic)
    except DomainError:
        raise
    except Exception as exc:  # the email package has many ways to choke on broken input: all are bad input here
        raise not_mail() from exc
    if not automatic:
        try:
            if len(address) > 254:  # the requester's email field
                raise ValidationError("too long")
            validate_email(address)
        except ValidationError:
            raise DomainError("the message has no sender address to answer", field="from") from None
    return parsed


# --- filing (through the ticket services) ---------------------------------------------------------------

def _stored(message_id: str) -> TicketMessage | None:
    return TicketMessage.objects.select_related("ticket").filter(email_message_id=message_id).first()


def _is_theirs(ticket: Ticket, address: str) -> bool:
    own = {ticket.requester_email.lower()}
    if ticket.customer_id and ticket.customer.email:
        own.add(ticket.customer.email.lower())
    return address.lower() in own - {""}


def _answered_ticket(mail: Parsed) -> Ticket | None:
    if mail.references:
        found = dict(TicketMessage.objects.filter(email_message_id__in=mail.references)
                     .values_list("email_message_id", "ticket_id"))
        for ref in mail.references:
            if ref in found:
                return Ticket.objects.select_related("customer").get(pk=found[ref])
    token = TICKET_TOKEN.search(mail.subject)
    if token:
        ticket = Ticket.objects.select_related("customer").filter(number=token.group(1)).first()
        if ticket is not None and _is_theirs(ticket, mail.sender):
            return ticket
    return None


def _surviving(ticket: Ticket) -> Ticket:
    """A merged ticket lives on in the one it was merged into."""
    for _hop in range(10):
        if ticket.status != st.MERGED or ticket.merged_into_id is None:
            break
        ticket = Ticket.objects.select_related("customer").get(pk=ticket.merged_into_id)
    return ticket


def _customer_for(address: str) -> Customer | None:
    matches = list(Customer.objects.filter(email__iexact=address)[:2])
    return matches[0] if len(matches) == 1 else None


def _open(mail: Parsed, parent: Ticket | None = None) -> Received:
    customer = _customer_for(mail.sender)
    if customer is None and parent is not None and parent.customer_id and _is_theirs(parent, mail.sender):
        customer = parent.customer
    same_customer = parent is not None and customer is not None and parent.customer_id == customer.pk
    kind = Kind.COMPLAINT if "投诉" in mail.subject or "投诉" in mail.body else Kind.QUESTION
    ticket = intake.open_ticket(
        channel=Channel.EMAIL, subject=(mail.subject or NO_SUBJECT)[:120], body=mail.body, customer=customer,
        order=parent.order if same_customer else None, kind=kind, by="email", requester_name=mail.sender_name,
        requester_email=mail.sender, email_message_id=mail.message_id, parent=parent)
    return Received(ticket, ticket.messages.get(email_message_id=mail.message_id), NEW)


def _file(mail: Parsed) -> Received:
    ticket = _answered_ticket(mail)
    if ticket is None:
        return _open(mail)
    ticket = _surviving(ticket)
    if ticket.status in (st.CLOSED, st.MERGED):
        return _open(mail, parent=ticket)
    message = conversation.customer_writes(ticket, mail.body, by="email", channel=Channel.EMAIL,
                                           email_message_id=mail.message_id)
    ticket.refresh_from_db()
    return Received(ticket, message, THREADED)


def receive(raw: bytes) -> Received:
    """File one raw message: a new ticket, a message on the ticket it answers, a duplicate, or ignored."""
    mail = parse(raw)
    if mail.automatic:
        return Received(None, None, IGNORED)
    known = _stored(mail.message_id)
    if known is not None:
        return Received(known.ticket, known, DUPLICATE)
    try:
        with transaction.atomic():
            return _file(mail)
    except IntegrityError:
        known = _stored(mail.message_id)  # the same message, delivered twice at once: the other one won
        if known is None:
            raise
        return Received(known.ticket, known, DUPLICATE)
