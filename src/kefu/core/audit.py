"""Writing the audit log. Services call these inside their transaction."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import clock
from .models import AuditEntry


def _actor_fields(actor) -> dict:
    if actor is None:
        return {"actor": None, "actor_label": "system"}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor[:100]}
    return {"actor": actor, "actor_label": actor.get_username()[:100]}


def record(obj: models.Model, kind: str, field: str, old, new, *, actor=None, reason: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        at=clock.now(),
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        old_value="" if old is None else str(old)[:200],
        new_value="" if new is None else str(new)[:200],
        reason=reason,
        **_actor_fields(actor),
    )


def status_changed(obj, old: str | None, new: str, *, actor=None, reason: str = "", field: str = "status"):
    return record(obj, AuditEntry.Kind.STATUS, field, old, new, actor=actor, reason=reason)


def money_changed(obj, field: str, old: Decimal | None, new: Decimal, *, actor=None, reason: str = ""):
    return record(obj, AuditEntry.Kind.MONEY, field, old, new, actor=actor, reason=reason)


def field_changed(obj, field: str, old, new, *, actor=None, reason: str = ""):
    return record(obj, AuditEntry.Kind.FIELD, field, old, new, actor=actor, reason=reason)


def history(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("at", "id")
