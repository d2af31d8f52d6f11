"""Live chat's settings, each with its default (settings.py may set any of them; docs/operations.md lists them)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _number(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def diamond_senior_wait() -> timedelta:
    """How long a diamond customer waits for a senior agent before any agent with the skill may take them."""
    return timedelta(seconds=_number("KEFU_CHAT_DIAMOND_SENIOR_WAIT_SECONDS", 60))


def default_handle_seconds() -> float:
    """The average handle time used for the expected wait until there are finished chats to measure."""
    return _number("KEFU_CHAT_DEFAULT_HANDLE_SECONDS", 240)


def handle_sample() -> int:
    """How many of the latest finished chats (of the last 7 days) the average handle time is taken over."""
    return int(_number("KEFU_CHAT_HANDLE_SAMPLE", 50))


def image_max_bytes() -> int:
    return int(_number("KEFU_CHAT_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


def agent_silence() -> timedelta:
    """An agent whose console has sent nothing (not even its ping) for this long is logged out of the queue and
    their chats go back to the line: nobody waits on an agent who closed the browser."""
    return timedelta(seconds=_number("KEFU_CHAT_AGENT_SILENCE_SECONDS", 45))


def reconnect_grace() -> timedelta:
    """After an agent's socket closes, how long a reconnect (a page reload) has before the silence rule acts."""
    return timedelta(seconds=_number("KEFU_CHAT_RECONNECT_GRACE_SECONDS", 20))


def unserved_after() -> timedelta:
    """A chat still waiting this long while nobody serves its queue becomes a message left (a ticket) rather
    than a silent line [seed 003]."""
    return timedelta(seconds=_number("KEFU_CHAT_UNSERVED_SECONDS", 300))


def assistant_carry_window() -> timedelta:
    """How far back the customer's questions to the smart assistant are carried into the chat they start."""
    return timedelta(seconds=_number("KEFU_CHAT_ASSISTANT_CARRY_SECONDS", 30 * 60))


def assistant_while_waiting() -> bool:
    """Whether the smart assistant answers what a customer writes while they wait in the line."""
    return bool(getattr(settings, "KEFU_CHAT_ASSISTANT_WHILE_WAITING", True))
