from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from kefu.core import clock

from ..models import Integration


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_integration(name: str) -> tuple[Integration, str]:
    """Returns the integration and its token. The token is shown once; only its hash is stored."""
    token = "kefu_" + secrets.token_urlsafe(32)
    integration = Integration.objects.create(name=name, token_hash=hash_token(token), token_prefix=token[:8],
                                             created_at=clock.now())
    return integration, token


# How fresh "last used" needs to be: writing it on every request would make every read a write, all
# contending for one row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(token: str) -> Integration | None:
    integration = Integration.objects.filter(token_hash=hash_token(token), is_active=True).first()
    if integration is None:
        return None
    now = clock.now()
    if integration.last_used_at is None or now - integration.last_used_at >= LAST_USED_RESOLUTION:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now
    return integration
