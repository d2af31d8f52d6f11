"""The shop's after-sales numbers, read from Django settings for the pure policy engine.

`KEFU_AFTERSALES_POLICY` (settings.py, or the env var of the same name holding JSON) overrides any field of
`policy.PolicySettings`; the rest keep the defaults of issue 3 (docs/aftersales-policy.md). Values are
checked once per distinct setting, so a typo stops `kefu check` / the first request with a message naming
the key instead of quietly deciding by the defaults.
"""

from __future__ import annotations

import dataclasses
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .policy import PolicySettings

FIELDS = {f.name: f for f in dataclasses.fields(PolicySettings)}


def _coerce(name: str, value):
    default = getattr(PolicySettings(), name)
    problem = f"KEFU_AFTERSALES_POLICY[{name!r}]"
    if isinstance(default, bool) or value is None:
        raise ImproperlyConfigured(f"{problem}: {value!r} is not a valid value")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ImproperlyConfigured(f"{problem} must be a whole number of days or repairs ≥ 0, not {value!r}")
        return int(value)
    if isinstance(default, Decimal):
        try:
            number = Decimal(str(value)) if not isinstance(value, float) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
            raise ImproperlyConfigured(f"{problem} must be a decimal share between 0 and 1 as a string, "
                                       f"e.g. \"0.10\", not {value!r}")
        return number
    if isinstance(default, time):
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise ImproperlyConfigured(f"{problem} must be a local time like \"20:00\", not {value!r}") from None
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{problem}: unknown time zone {value!r}") from None
    return str(value)


@lru_cache(maxsize=8)
def _build(items: tuple) -> PolicySettings:
    unknown = sorted(name for name, _v in items if name not in FIELDS)
    if unknown:
        raise ImproperlyConfigured(f"KEFU_AFTERSALES_POLICY: unknown key(s) {', '.join(unknown)}; "
                                   f"known: {', '.join(FIELDS)}")
    return PolicySettings(**{name: _coerce(name, value) for name, value in items})


def configured() -> PolicySettings:
    """The PolicySettings in force: the defaults with the shop's overrides."""
    overrides = getattr(settings, "KEFU_AFTERSALES_POLICY", None) or {}
    if not isinstance(overrides, dict):
        raise ImproperlyConfigured("KEFU_AFTERSALES_POLICY must be a mapping of PolicySettings fields to values")
    for name, value in overrides.items():
        if not isinstance(value, str | int | float | Decimal | time):
            raise ImproperlyConfigured(f"KEFU_AFTERSALES_POLICY[{name!r}]: {value!r} is not a valid value")
    return _build(tuple(sorted((str(k), v) for k, v in overrides.items())))
