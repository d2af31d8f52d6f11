"""Inbound email webhook, mounted at /api/v1 (docs/decisions/0006-inbound-email-webhook.md):

    POST /email/inbound       the raw RFC 822 message → 201 new ticket, 200 threaded or duplicate, 202 ignored
    POST /email/inbound/mime  the same (Mailgun sends the raw message only to a URL ending in "mime")

The body is the raw message (`Content-Type: message/rfc822`, as `curl --data-binary @-` from a Postfix or
Exim pipe sends it). Providers that cannot post raw bytes are read too: multipart/form-data with the raw
message in `body-mime` (Mailgun's MIME forwarding) or `email` (SendGrid's Inbound Parse, raw mode), and JSON
with `RawEmail` (Postmark). The caller proves itself with the shared secret KEFU_INBOUND_EMAIL_TOKEN in the
`X-Kefu-Inbound-Token` header, or as the password of HTTP Basic auth for providers that can only put
credentials in the URL. No token configured: 503.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hmac
import json
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from kefu.core.errors import DomainError

from . import mail_in

router = Router(tags=["email"])

TOKEN_HEADER = "X-Kefu-Inbound-Token"
RAW_TYPES = {"", "message/rfc822", "text/plain", "application/octet-stream"}
FORM_FIELDS = ("body-mime", "email")  # Mailgun, SendGrid
STATUS = {mail_in.NEW: 201, mail_in.THREADED: 200, mail_in.DUPLICATE: 200, mail_in.IGNORED: 202}


class NotConfigured(DomainError):
    status = 503
    code = "not_configured"


class BadToken(DomainError):
    status = 401
    code = "unauthorized"
    location = "header"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedType(DomainError):
    status = 415
    code = "unsupported_media_type"
    location = "header"


class InboundOut(Schema):
    ticket: str | None
    outcome: str
    message_id: str | None


def _presented(request: HttpRequest) -> str:
    token = request.headers.get(TOKEN_HEADER, "")
    if token:
        return token
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def _check_token(request: HttpRequest) -> None:
    expected = getattr(settings, "KEFU_INBOUND_EMAIL_TOKEN", "")
    if not expected:
        raise NotConfigured("inbound email not configured")
    if not hmac.compare_digest(_presented(request).encode(), expected.encode()):
        raise BadToken("wrong or missing inbound email token", field=TOKEN_HEADER)


def _body(request: HttpRequest) -> bytes:
    """The request body, read from the stream under our own limit (a mail with attachments is often larger
    than Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which is meant for forms)."""
    limit = settings.KEFU_INBOUND_EMAIL_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise TooLarge(f"a message of at most {limit} bytes", field="message")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(f"a message of at most {limit} bytes", field="message")
    return body


def _form_field(content_type: str, body: bytes) -> bytes:
    """The raw message inside a multipart/form-data post, read with the email parser (no size limit of its
    own, and the field is a plain form field for Mailgun)."""
    form = email.message_from_bytes(b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
                                    + body, policy=email.policy.HTTP)
    if form.is_multipart():
        for part in form.iter_parts():
            if part.get_param("name", header="content-disposition") in FORM_FIELDS:
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else b""
    raise DomainError("no raw message in the form: expected a field body-mime or email", field="message")


def raw_message(request: HttpRequest) -> bytes:
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";")[0].strip().lower()
    body = _body(request)
    if media in RAW_TYPES:
        return body
    if media == "multipart/form-data":
        return _form_field(content_type, body)
    if media == "application/x-www-form-urlencoded":
        fields = parse_qs(body, keep_blank_values=True)
        for name in FORM_FIELDS:
            if fields.get(name.encode()):
                return fields[name.encode()][0]
        raise DomainError("no raw message in the form: expected a field body-mime or email", field="message")
    if media == "application/json":
        try:
            raw = json.loads(body).get("RawEmail")
        except (ValueError, AttributeError):
            raw = None
        if not isinstance(raw, str):
            raise DomainError("no raw message in the JSON: expected a string RawEmail", field="message")
        return raw.encode("utf-8", "surrogatepass")
    raise UnsupportedType("send the raw message as message/rfc822", field="Content-Type")


OPENAPI = {
    "requestBody": {"required": True, "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                  for media in ("message/rfc822", "application/octet-stream")}},
    "parameters": [{"in": "header", "name": TOKEN_HEADER, "required": True, "schema": {"type": "string"}}],
}
RESPONSES = {200: InboundOut, 201: InboundOut, 202: InboundOut}


def _receive(request: HttpRequest):
    _check_token(request)
    received = mail_in.receive(raw_message(request))
    return Status(STATUS[received.outcome], InboundOut(
        ticket=received.ticket.number if received.ticket else None, outcome=received.outcome,
        message_id=received.message.email_message_id if received.message else None))


@router.post("/email/inbound", auth=None, response=RESPONSES, openapi_extra=OPENAPI,
             summary="Receive one customer email (the raw message)")
def receive_email(request: HttpRequest):
    """201: a new ticket; 200: added to the ticket it answers, or a duplicate of a message already received
    (same Message-ID: nothing written); 202: an auto-reply or bounce, dropped. 422: not an email, or no sender
    address to answer. 401: wrong token; 503: KEFU_INBOUND_EMAIL_TOKEN not set (providers retry a 5xx)."""
    return _receive(request)


@router.post("/email/inbound/mime", auth=None, response=RESPONSES, openapi_extra=OPENAPI,
             summary="The same, for Mailgun", operation_id="receive_email_mailgun")
def receive_email_mailgun(request: HttpRequest):
    """Mailgun posts the raw message (field `body-mime`) only to a URL that ends in "mime"."""
    return _receive(request)
