"""Writing in a chat: text, an image, and read receipts.

Messages are rows, not outbox events: an event per message would double the writes of the hottest path, and
nothing outside the chat reacts to single messages (reports read the rows). A sender's `client_id` makes a retry
safe: the same id from the same sender in the same chat is stored once and pushed once (the retry gets the
stored message back).

Images: JPEG, PNG or WebP only, at most KEFU_CHAT_IMAGE_MAX_BYTES (5 MB); the type is read from the first bytes,
never from the name or the browser's claim, and the stored name is ours. They live under MEDIA_ROOT/chat/images
and are served only to the chat's participants (GET /api/v1/chat/images/{id}), never as public files.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.aftersales.services.evidence import sniff
from kefu.core import clock
from kefu.core.errors import DomainError, InvalidTransition

from .. import chat_states as st
from .. import conf, live
from ..models import ChatMessage, Conversation, Party
from . import _common as c
from . import waiting_answers
from .conversations import clean_text

KIND_FOR_PARTY = {c.CUSTOMER: Party.CUSTOMER, c.AGENT: Party.AGENT}


def _writer(conversation: Conversation, by) -> str:
    """Who may write now: the customer while the chat is open, its agent while it is active."""
    who = c.party(conversation, by)
    if who == c.SUPERVISOR:
        raise c.Forbidden("only the chat's customer and its agent write in it", field="conversation",
                          code="not_your_chat")
    if conversation.status not in st.OPEN or who == c.AGENT and conversation.status != st.ACTIVE:
        raise InvalidTransition(f"a {conversation.status} chat takes no more messages", field="status")
    return who


def checked_image(upload, *, field: str = "image") -> tuple[bytes, str, str]:
    """Read and check an upload. Returns (content, content type, extension)."""
    limit = conf.image_max_bytes()
    too_big = DomainError(f"an image may be at most {limit // (1024 * 1024)} MB", field=field, code="too_large")
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise too_big
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_big
    if not content:
        raise DomainError("the image is empty", field=field, code="required")
    kind = sniff(content[:12])
    if kind is None:
        raise DomainError("only JPEG, PNG or WebP images are accepted", field=field, code="bad_type")
    return content, *kind


def _store(conversation: Conversation, by, who: str, body: str, client_id: str, image=None) -> ChatMessage:
    """One INSERT (the unique client_id catches a retry: IntegrityError, handled by `send`)."""
    now = clock.now()
    message = ChatMessage(conversation=conversation, author_kind=KIND_FOR_PARTY[who], author=by, body=body,
                          client_id=client_id, sent_at=now)
    if image is not None:
        content, content_type, extension = image
        message.image_type, message.image_size = content_type, len(content)
        message.image.save(f"{conversation.number}-{secrets.token_hex(8)}.{extension}", ContentFile(content),
                           save=False)
    try:
        message.save()
    except IntegrityError:
        if message.image:
            message.image.delete(save=False)
        raise
    if who == c.AGENT and conversation.first_response_at is None:
        Conversation.objects.filter(pk=conversation.pk, first_response_at__isnull=True).update(first_response_at=now)
    return message


def send(conversation: Conversation, body: str, *, by, client_id: str = "", image=None) -> tuple[ChatMessage, bool]:
    """Write in the chat. Returns (message, created): created is False for a retry of a stored client_id, which is
    not stored or pushed again.

    The hot path, kept to a few statements (lock-read, INSERT, commit): a retry is caught by the unique
    (chat, author, client_id) constraint rather than looked up before every message."""
    client_id = (client_id or "")[:64]
    try:
        with transaction.atomic():
            conversation = c.lock_for_writing(conversation)
            who = _writer(conversation, by)
            body = clean_text(body, "body", required=image is None)
            message = _store(conversation, by, who, body, client_id, image)
            live.publish(c.to_both(conversation, c.message_event(message, conversation)))
    except IntegrityError:
        existing = ChatMessage.objects.filter(conversation=conversation, author=by, client_id=client_id).first() \
            if client_id else None
        if existing is None:
            raise
        return existing, False
    if who == c.CUSTOMER and conversation.status == st.WAITING:
        waiting_answers.answer(conversation, message)
    return message, True


def send_image(conversation: Conversation, upload, *, by, body: str = "", client_id: str = ""
               ) -> tuple[ChatMessage, bool]:
    """An image (with an optional caption), checked before anything is written."""
    image = checked_image(upload)
    return send(conversation, body, by=by, client_id=client_id, image=image)


def mark_read(conversation: Conversation, up_to: int, *, by) -> int:
    """The reader has seen the other side's messages up to id `up_to`. Returns how many became read; the other
    side gets a receipt when any did (marking again changes nothing and sends nothing)."""
    who = c.party(conversation, by)
    if who == c.SUPERVISOR:
        return 0  # a supervisor looking in does not read on the customer's behalf
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise DomainError("up_to is a message id", field="up_to")
    others = [Party.AGENT, Party.SYSTEM, Party.ASSISTANT] if who == c.CUSTOMER else [Party.CUSTOMER]
    now = clock.now()
    with transaction.atomic():
        count = ChatMessage.objects.filter(conversation=conversation, id__lte=up_to, author_kind__in=others,
                                           read_at__isnull=True).update(read_at=now)
        if count:
            receipt = {"type": "read", "conversation": conversation.number, "reader": who, "up_to": up_to,
                       "at": timezone.localtime(now).isoformat()}
            live.publish(c.to_both(conversation, receipt))
    return count
