"""Mainland China mobile numbers: validation, normalisation and masking."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalise_phone(raw: str) -> str:
    """'+86 138-1234-5678' -> '13812345678'. Raises ValueError when it is not a mainland mobile."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise ValueError(f"not a mainland China mobile number (11 digits starting 13–19): {raw!r}")
    return digits


def is_valid_phone(raw: str) -> bool:
    try:
        normalise_phone(raw)
    except ValueError:
        return False
    return True


def mask_phone(phone: str) -> str:
    """138****5678 — what roles that need not see the number get."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
