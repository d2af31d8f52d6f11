"""The one clock. Everything that asks "what time is it?" asks here, so tests can move time.

Module-global on purpose: a test that freezes the clock must be seen by the live server threads too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """Aware 'now' (UTC internally; render in Asia/Shanghai with timezone.localtime)."""
    base = _frozen if _frozen is not None else timezone.now()
    return base + _offset


def localnow() -> datetime:
    return timezone.localtime(now())


def freeze(at: datetime) -> None:
    if timezone.is_naive(at):
        raise ValueError("clock.freeze needs an aware datetime")
    global _frozen, _offset
    with _lock:
        _frozen, _offset = at, timedelta(0)


def advance(delta: timedelta) -> None:
    global _offset
    with _lock:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    with _lock:
        _frozen, _offset = None, timedelta(0)


@contextlib.contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    freeze(at)
    try:
        yield
    finally:
        reset()
