"""Text messages to customers, through a pluggable backend named by settings.KEFU_SMS_BACKEND (a dotted path).

kefu ships no SMS provider: Chinese gateways (Aliyun, Tencent Cloud …) want a registered signature and
approved templates per account, so a deployment writes a small class with `send(phone, text)` that calls its
own. A backend raises on failure: the outbox then retries the delivery with backoff.
"""

from __future__ import annotations

import logging
import math
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kefu.core.phones import mask_phone

log = logging.getLogger(__name__)

SEGMENT = 70  # characters of one SMS with Chinese text (UCS-2); a longer text goes in 67-character parts
PART = 67


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogBackend:
    """The default: writes each SMS to the log (number masked), sends nothing."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s (%d segment(s)): %s", mask_phone(phone), segments(text), text)


class MemoryBackend:
    """Keeps every SMS in a class-level list, like Django's locmem email backend: for tests and the demo."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def segments(text: str) -> int:
    """How many SMS segments a text with Chinese characters costs."""
    return 1 if len(text) <= SEGMENT else math.ceil(len(text) / PART)


def get_backend() -> SmsBackend:
    path = getattr(settings, "KEFU_SMS_BACKEND", "kefu.tickets.sms.LogBackend")
    try:
        backend = import_string(path)()
    except (ImportError, TypeError) as exc:
        raise ImproperlyConfigured(f"KEFU_SMS_BACKEND: cannot load the SMS backend {path!r}: {exc}") from exc
    if not callable(getattr(backend, "send", None)):
        raise ImproperlyConfigured(f"KEFU_SMS_BACKEND: {path!r} has no send(phone, text) method")
    return backend
